"""``flask --app wsgi instalments sweep [--ente CODE] [--today YYYY-MM-DD]``.

Runs :func:`core.instalments.sweep.sweep`: marks missed instalments, ends plans by the
missed-instalment rule and refuses requests left without a decision past their term. Commits
after each plan (the e-mails go out after each commit) and prints one JSON object::

    {"plans": 12, "missed": 2, "forfeited": 1, "refused_by_silence": 0}

Bad input gives one ``error: …`` line on stderr and exit code 2.
"""

from __future__ import annotations

import json
from datetime import date

import click

from core import db, jobs
from core.fines.cli import OneLineErrorGroup

instalments_cli = OneLineErrorGroup("instalments", help="Instalment plans (art. 202-bis).")


def _commit() -> None:
    db.session.commit()
    jobs.run_ready()


@instalments_cli.command("sweep")
@click.option("--ente", "ente_code", metavar="CODE", help="Only this Ente (its code).")
@click.option("--today", metavar="YYYY-MM-DD",
              help="The day to sweep for (default: each Ente's local today).")
def sweep_command(ente_code: str | None, today: str | None) -> None:
    """Mark missed instalments, end forfeited plans, refuse requests left undecided."""
    from core.instalments.sweep import sweep

    day = date.fromisoformat(today) if today else None
    try:
        result = sweep(day, ente_code=ente_code, commit=_commit)
        _commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(json.dumps(result.as_dict()))
