"""Command-line contract of the SLA engine: ``flask --app wsgi sla ...``.

The group :data:`sla_cli` is registered on the Flask app by the factory::

    sla due --channel (portal|email|pec|phone|voicemail|letter|counter) --type TYPE
            --opened 2026-12-18T18:30:00+01:00 [--pause START/END ...] [--ente CODE]
    sla policies [--ente CODE]

``due`` prints one JSON object::

    {"policy": "pec", "first_response_due": "2026-12-23T19:00:00+01:00",
     "first_response_policy": "pec", "resolution_due": null, "resolution_policy": null,
     "channel": "pec", "type": "complaint", "opened": "2026-12-18T18:30:00+01:00"}

``policy`` is the key of the policy that set ``first_response_due`` (or ``resolution_due``
when the case has no first-response target; ``null`` when neither). Datetimes are ISO 8601
with the UTC offset of the calendar's timezone. ``policies`` prints the effective policy table
(``{"policies": [...]}``).

Without ``--ente`` the national calendar and the charter defaults apply; with it, the Ente's
calendar (:func:`core.fines.settings.settings_of`) and its ``charter_terms`` overrides (the
database is imported lazily). Errors: one ``error: ...`` line on stderr, exit code 2 for bad
input (unknown Ente and invalid ``charter_terms`` included), never a traceback
(:class:`core.fines.cli.OneLineErrorGroup`).
"""

from __future__ import annotations

import json
from typing import Any

import click

from core.contact.sla import CASE_TYPES, CHANNELS, DEFAULT_POLICIES, Policy, due_times
from core.fines.calendar import NATIONAL_CALENDAR, CalendarSettings
from core.fines.cli import INSTANT, PAUSE, OneLineErrorGroup

__all__ = ["sla_cli"]

sla_cli = OneLineErrorGroup("sla", help="Service-charter SLA clocks (JSON).")

_ente_option = click.option("--ente", "ente_code", metavar="CODE",
                            help="Ente code; without it the national defaults apply.")


def _setup(ente_code: str | None) -> tuple[tuple[Policy, ...], CalendarSettings]:
    """Effective policies and calendar: national, or the Ente's (read from the database)."""
    if ente_code is None:
        return DEFAULT_POLICIES, NATIONAL_CALENDAR
    from sqlalchemy import select  # lazy: the engine itself never imports the database

    from core.contact.sla import apply_charter_terms
    from core.db import session
    from core.fines.settings import UnknownEnteError, settings_of
    from core.models import Ente

    ente = session.scalars(select(Ente).where(Ente.code == ente_code)).one_or_none()
    if ente is None:
        raise UnknownEnteError(f"unknown Ente code {ente_code!r}")
    return apply_charter_terms(DEFAULT_POLICIES, ente.charter_terms), settings_of(ente).calendar


def _emit(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False))


@sla_cli.command("due")
@click.option("--channel", type=click.Choice(CHANNELS), required=True, help="Contact channel.")
@click.option("--type", "case_type", type=click.Choice(CASE_TYPES), required=True,
              help="Case type.")
@click.option("--opened", type=INSTANT, required=True,
              help="Receipt instant, with UTC offset (e.g. 2026-12-18T18:30:00+01:00).")
@click.option("--pause", "pauses", type=PAUSE, multiple=True,
              help="START/END interval waiting for the citizen (repeatable).")
@_ente_option
def due_command(channel, case_type, opened, pauses, ente_code):
    """Due times of a case received on --opened (the earliest applicable policy wins)."""
    policies, calendar = _setup(ente_code)
    result = due_times(policies, channel, case_type, opened, pauses, calendar)
    first, resolution = result.first_response, result.resolution
    _emit({
        "policy": result.policy.key if result.policy else None,
        "first_response_due": first.due.isoformat() if first else None,
        "first_response_policy": first.policy.key if first else None,
        "resolution_due": resolution.due.isoformat() if resolution else None,
        "resolution_policy": resolution.policy.key if resolution else None,
        "channel": channel,
        "type": case_type,
        "opened": opened.astimezone(calendar.timezone).isoformat(),
    })


@sla_cli.command("policies")
@_ente_option
def policies_command(ente_code):
    """The effective policy table (charter defaults with the Ente's overrides)."""
    policies, _calendar = _setup(ente_code)
    _emit({"policies": [p.as_json() for p in policies]})


@sla_cli.command("sweep")
def sweep_command():
    """Refresh the SLA state of every open case (warnings, breaches, escalation)."""
    from core.contact.sla_service import sweep

    count = sweep()
    click.echo(json.dumps({"refreshed": count}))
