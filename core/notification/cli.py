"""Command line of the notification channels: ``flask --app wsgi notifications ...``.

::

    notifications send --ente CODE --channel send|pec|email [--limit N] [--today YYYY-MM-DD]
    notifications poll [--ente CODE] [--limit N] [--today YYYY-MM-DD]
    notifications alerts [--ente CODE] [--today YYYY-MM-DD]

``send`` hands the eligible verbali of one Ente (status assessed, not notified, with their
act in the letter archive, never handed over through a formal channel) to SEND, by PEC, or —
``email`` — the invito bonario by plain e-mail, as a resumable batch run committed chunk by
chunk; running it again continues where it stopped and never notifies a verbale twice. It
prints one JSON object: the run id, status, counters and per-outcome results.

``poll`` moves every open dispatch one step (SEND request status, timeline, perfection and
cost; PEC/e-mail retries due; post/international perfections recorded by the postal batches)
and prints the counters as JSON.

``alerts`` prints a JSON list of the verbali approaching or past the 90/360-day term that have
not been handed over, with ``limit``, ``days_left`` and ``state`` (``approaching``/``overdue``).

``--today`` replays a day (default: today in the Ente's timezone). Bad input gives one
``error: …`` line on stderr and exit code 2.
"""

from __future__ import annotations

import json
from datetime import date

import click
from sqlalchemy import select

from core import db
from core.fines.cli import OneLineErrorGroup
from core.models import Ente
from core.positions import local_today

__all__ = ["notifications_cli"]

notifications_cli = OneLineErrorGroup("notifications",
                                      help="Notification channels: SEND, PEC, e-mail; alerts.")


def _ente(code: str | None) -> Ente | None:
    if code is None:
        return None
    ente = db.session.scalars(select(Ente).where(Ente.code == code)).one_or_none()
    if ente is None:
        raise LookupError(f"unknown Ente {code!r}")
    return ente


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--today must be YYYY-MM-DD, not {value!r}") from None


@notifications_cli.command("send")
@click.option("--ente", "ente_code", required=True, help="Code of the Ente.")
@click.option("--channel", type=click.Choice(["send", "pec", "email"]), required=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N verbali.")
@click.option("--today", default=None, help="Replay a day (YYYY-MM-DD).")
def send_command(ente_code: str, channel: str, limit: int | None, today: str | None):
    """Notify the eligible verbali of one Ente through one channel."""
    from .batch import send_batch

    ente = _ente(ente_code)
    run = send_batch(ente, channel, limit=limit, today=_day(today), created_by="cli")
    click.echo(json.dumps({"run": run.id, "status": str(run.status), "total": run.total,
                           "done": run.done, "failed": run.failed, "result": run.result},
                          ensure_ascii=False, default=str))


@notifications_cli.command("poll")
@click.option("--ente", "ente_code", default=None, help="Only this Ente.")
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--today", default=None, help="Replay a day (YYYY-MM-DD).")
def poll_command(ente_code: str | None, limit: int, today: str | None):
    """Update SEND requests and timelines, retry due sends, apply recorded perfections."""
    from .batch import poll_all

    ente = _ente(ente_code)
    counts = poll_all(ente.id if ente else None, today=_day(today), limit=limit)
    click.echo(json.dumps(counts, sort_keys=True))


@notifications_cli.command("alerts")
@click.option("--ente", "ente_code", default=None, help="Only this Ente.")
@click.option("--today", default=None, help="Replay a day (YYYY-MM-DD).")
def alerts_command(ente_code: str | None, today: str | None):
    """Verbali approaching or past the notification term, not yet handed over."""
    from .alerts import alerts_for_ente

    ente = _ente(ente_code)
    enti = [ente] if ente else list(db.session.scalars(select(Ente).order_by(Ente.code)))
    found = []
    for item in enti:
        found += [a.as_json() for a in alerts_for_ente(item, _day(today) or local_today(item))]
    found.sort(key=lambda a: (a["limit"], a["ente"], a["verbale_id"]))
    click.echo(json.dumps(found, ensure_ascii=False))
