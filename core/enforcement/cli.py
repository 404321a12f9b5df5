"""``flask enforcement reminders|roll|prescription`` — the enforcement steps from the shell,
each printing a JSON summary."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core import batches, db
from core.models import Ente

from . import service


def _ente(code: str) -> Ente:
    ente = db.session.scalar(select(Ente).where(Ente.code == code))
    if ente is None:
        raise click.ClickException(f"unknown Ente {code!r}")
    return ente


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from exc


@click.group("enforcement", help="Reminders, provisional rolls, ingiunzioni, prescription.")
def enforcement_cli() -> None:
    pass


@enforcement_cli.command("reminders")
@click.option("--ente", "code", required=True)
@click.option("--today", help="Run as of this day (YYYY-MM-DD); default: today in Rome.")
@with_appcontext
def reminders(code: str, today: str | None) -> None:
    """Produce the ultimo avviso of every verbale due for one (ledger re-checked first)."""
    run = service.start_reminders(_ente(code), today=_day(today), created_by="cli")
    db.session.commit()
    with click.progressbar(length=run.total or 0, label="ultimo avviso") as bar:
        seen = [0]

        def progress(r):
            bar.update(r.done + r.failed - seen[0])
            seen[0] = r.done + r.failed

        run = batches.drive(run.id, service.reminders_chunk, on_progress=progress)
    click.echo(json.dumps({"batch": run.id, "status": str(run.status), **run.result}, sort_keys=True))


@enforcement_cli.command("roll")
@click.option("--ente", "code", required=True)
@click.option("--today", help="Prepare as of this day (YYYY-MM-DD).")
@with_appcontext
def roll(code: str, today: str | None) -> None:
    """Prepare the provisional roll for the Ente's approval."""
    prepared = service.prepare_roll(_ente(code), today=_day(today), actor_label="cli")
    db.session.commit()
    if prepared is None:
        click.echo(json.dumps({"roll": None, "entries": 0}))
        return
    click.echo(json.dumps({"roll": prepared.number, "entries": prepared.entries_count,
                           "total": str(prepared.total)}))


@enforcement_cli.command("prescription")
@click.option("--ente", "code", required=True)
@click.option("--within", type=int, help="Days ahead (default: the Ente's warning period).")
@click.option("--today", help="As of this day (YYYY-MM-DD).")
@with_appcontext
def prescription(code: str, within: int | None, today: str | None) -> None:
    """List unpaid verbali approaching prescription (JSON lines)."""
    ente = _ente(code)
    day = _day(today) or service.local_today(ente)
    for line in service.prescription_watch(ente.id, day, within):
        click.echo(json.dumps({"verbale": line.number, "status": line.status,
                               "prescription_on": line.prescription_on.isoformat(),
                               "days_left": line.days_left, "balance": str(line.balance)}))
