"""Command-line contract of the fines engine: ``flask --app wsgi fines|calendar ...``.

Two groups, registered on the Flask app by the factory::

    fines quote --min 42 --max 173 --notified 2025-03-03 [--on 2025-03-06] [--costs 14.50 ...]
                [--paid 10.00] [--enrolled DATE] [--no-discount] [--no-reduced] [--ente CODE]
    fines deadlines --assessed 2025-01-10 [--notified 2025-03-03] [--identified DATE]
                [--violation DATE] [--abroad] [--points] [--ente CODE]
    calendar add --from 2026-12-24T17:00:00+01:00
                (--working-hours N | --working-days N | --calendar-days N)
                [--pause START/END ...] [--ente CODE]
    calendar status --at DATETIME [--ente CODE]
    calendar between --from DATETIME --to DATETIME [--pause START/END ...] [--ente CODE]

Output is one JSON object on stdout: money as strings with two decimals, dates ISO 8601,
datetimes ISO 8601 with their UTC offset in the Ente's timezone (Europe/Rome by default).
Without ``--ente`` the national defaults apply; ``--on`` defaults to today in that timezone.

Errors: bad input gives exit code 2 and exactly one line on stderr (``error: ...``), never a
traceback — click usage errors included (:class:`OneLineErrorGroup`). An unexpected failure
gives exit code 1 and one line.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import click
from flask.cli import AppGroup

from core.fines.amounts import Cost, Quote, Violation, quote
from core.fines.calendar import (
    NATIONAL_CALENDAR,
    add_calendar_days,
    add_working_days,
    add_working_hours,
    is_open,
    is_working_day,
    next_opening,
    working_time_between,
)
from core.fines.deadlines import verbale_deadlines
from core.fines.instalments import INSTALMENT_RULES
from core.fines.settings import EnteSettings, load_ente_settings

__all__ = ["OneLineErrorGroup", "calendar_cli", "fines_cli", "quote_payload"]


_MAX_MESSAGE = 300
# click >= 8.2 raises this to show a group's help when no command is given: keep it as help.
_HELP_REQUEST = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _fail(message: str, code: int) -> NoReturn:
    line = " ".join(str(message).split())
    if len(line) > _MAX_MESSAGE:
        line = line[: _MAX_MESSAGE - 1] + "…"
    click.echo("error: " + line, err=True)
    raise click.exceptions.Exit(code)


class OneLineErrorGroup(AppGroup):
    """An :class:`~flask.cli.AppGroup` that reports every error on one stderr line.

    Usage errors (missing option, bad value …) and bad input raised by the engine
    (``ValueError``, ``TypeError``, ``LookupError``) exit with code 2; anything else with 1.
    """

    def _guard(self, call, *args):
        try:
            return call(*args)
        except (click.exceptions.Exit, click.Abort, _HELP_REQUEST):
            raise
        except click.ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except (ValueError, TypeError, LookupError) as error:
            _fail(str(error) or type(error).__name__, 2)
        except Exception as error:
            _fail(f"internal error: {type(error).__name__}: {error}", 1)

    def make_context(self, info_name, args, parent=None, **extra):
        return self._guard(lambda: super(OneLineErrorGroup, self).make_context(
            info_name, args, parent=parent, **extra))

    def invoke(self, ctx):
        return self._guard(super().invoke, ctx)


class _Amount(click.ParamType):
    name = "amount"

    def convert(self, value: Any, param, ctx) -> Decimal:
        if isinstance(value, Decimal):
            result = value
        else:
            try:
                result = Decimal(str(value).strip())
            except InvalidOperation:
                self.fail(f"{value!r} is not a decimal amount", param, ctx)
        if not result.is_finite():
            self.fail(f"{value!r} is not a finite amount", param, ctx)
        if result < 0:
            self.fail(f"{value!r} must not be negative", param, ctx)
        return result


class _Date(click.ParamType):
    name = "date"

    def convert(self, value: Any, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date YYYY-MM-DD", param, ctx)


def _aware(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError("no UTC offset")
    return instant


class _Instant(click.ParamType):
    name = "datetime"

    def convert(self, value: Any, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return _aware(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO datetime with a UTC offset "
                      "(e.g. 2026-12-24T17:00:00+01:00)", param, ctx)


class _Pause(click.ParamType):
    name = "start/end"

    def convert(self, value: Any, param, ctx) -> tuple[datetime, datetime]:
        if isinstance(value, tuple):
            return value
        parts = str(value).split("/")
        try:
            if len(parts) != 2:
                raise ValueError
            start, end = _aware(parts[0]), _aware(parts[1])
        except ValueError:
            self.fail(f"{value!r} is not START/END (ISO datetimes with UTC offset)", param, ctx)
        if end < start:
            self.fail(f"{value!r} ends before it starts", param, ctx)
        return start, end


AMOUNT, DATE, INSTANT, PAUSE = _Amount(), _Date(), _Instant(), _Pause()
_ente_option = click.option("--ente", "ente_code", metavar="CODE",
                            help="Ente code; without it the national defaults apply.")


def _settings(ente_code: str | None) -> EnteSettings:
    if ente_code is None:
        from core.fines.amounts import NATIONAL_RULES

        return EnteSettings("", NATIONAL_CALENDAR, NATIONAL_RULES, INSTALMENT_RULES)
    return load_ente_settings(ente_code)


def _emit(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False))


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


fines_cli = OneLineErrorGroup("fines", help="Fines engine: amounts and deadlines (JSON).")
calendar_cli = OneLineErrorGroup("calendar", help="Office calendar and clocks (JSON).")


def quote_payload(q: Quote, day0: date) -> dict[str, Any]:
    """The JSON shape of a quote (shared with tests and, if useful, the API)."""
    return {
        "tier": q.tier,
        "sanction": _money(q.sanction),
        "costs": _money(q.costs_total),
        "surcharge": _money(q.surcharge),
        "paid": _money(q.paid),
        "total": _money(q.total),
        "overpaid": _money(q.overpaid),
        "on": q.on.isoformat(),
        "notified": day0.isoformat(),
        "next_change": _iso(q.next_change),
        "reduced_payment_excluded": q.reduced_payment_excluded,
        "discount_excluded": q.discount_excluded,
        "cost_lines": [
            {"kind": c.kind, "label": c.label, "amount": _money(c.amount)} for c in q.costs
        ],
        "windows": [
            {
                "tier": w.tier,
                "from": w.first.isoformat(),
                "to": _iso(w.last),
                "sanction": _money(w.sanction),
                "surcharge": _money(w.surcharge),
                "total": _money(w.total),
            }
            for w in q.windows
        ],
    }


@fines_cli.command("quote")
@click.option("--min", "minimum", type=AMOUNT, required=True, help="Edictal minimum.")
@click.option("--max", "maximum", type=AMOUNT, required=True, help="Edictal maximum.")
@click.option("--notified", type=DATE, required=True,
              help="Day 0: notification perfected or roadside contestation.")
@click.option("--on", "on", type=DATE, help="Payment date (default: today).")
@click.option("--costs", type=AMOUNT, multiple=True, help="A cost line (repeatable).")
@click.option("--paid", type=AMOUNT, default="0", show_default=True, help="Already paid.")
@click.option("--enrolled", type=DATE, help="Date the title was handed to the collector.")
@click.option("--no-discount", is_flag=True, help="The violation excludes the 30 % discount.")
@click.option("--no-reduced", is_flag=True, help="The violation excludes reduced payment.")
@_ente_option
def quote_command(minimum, maximum, notified, on, costs, paid, enrolled, no_discount,
                  no_reduced, ente_code):
    """Amount due on a payment date, with the timeline of windows."""
    if minimum > maximum:
        raise click.BadParameter("must not exceed --max", param_hint="'--min'")
    settings = _settings(ente_code)
    if on is None:
        on = datetime.now(settings.calendar.timezone).date()
    violation = Violation(minimum, maximum, reduced_payment_allowed=not no_reduced,
                          discount_30_allowed=not no_discount)
    cost_lines = [Cost("costs", f"costs {i + 1}", amount) for i, amount in enumerate(costs)]
    q = quote([violation], notified, on, cost_lines, paid, settings.fines, enrolled_on=enrolled)
    _emit(quote_payload(q, notified))


@fines_cli.command("deadlines")
@click.option("--assessed", type=DATE, required=True, help="Date of the assessment.")
@click.option("--notified", type=DATE, help="Date notification was perfected.")
@click.option("--identified", type=DATE, help="Date the liable person could be identified.")
@click.option("--violation", "violation_date", type=DATE,
              help="Date of the violation (default: --assessed).")
@click.option("--abroad", is_flag=True, help="The offender lives abroad.")
@click.option("--points", is_flag=True, help="The violation costs licence points.")
@_ente_option
def deadlines_command(assessed, notified, identified, violation_date, abroad, points,
                      ente_code):
    """The legal deadlines of a verbale."""
    settings = _settings(ente_code)
    result = verbale_deadlines(assessed, notified, violation_date=violation_date,
                               identified=identified, abroad=abroad, points=points,
                               settings=settings.calendar)
    payload: dict[str, Any] = {}
    rules = []
    for name, deadline in result.items():
        payload[name] = None if deadline is None else deadline.due.isoformat()
        if deadline is not None:
            rules.append({
                "name": name,
                "rule": deadline.rule,
                "reference": deadline.reference,
                "base": deadline.base.isoformat(),
                "days": deadline.days,
                "years": deadline.years,
                "nominal": deadline.nominal.isoformat(),
                "due": deadline.due.isoformat(),
            })
    payload["rules"] = rules
    _emit(payload)


@calendar_cli.command("add")
@click.option("--from", "start", type=INSTANT, required=True, help="Start (with UTC offset).")
@click.option("--working-hours", type=AMOUNT, help="Office hours to add.")
@click.option("--working-days", type=click.IntRange(min=0), help="Working days to add.")
@click.option("--calendar-days", type=click.IntRange(min=0), help="Calendar days to add.")
@click.option("--pause", "pauses", type=PAUSE, multiple=True,
              help="START/END interval that stops the clock (repeatable).")
@_ente_option
def add_command(start, working_hours, working_days, calendar_days, pauses, ente_code):
    """Due time of a clock started at --from."""
    given = [(name, value) for name, value in (
        ("working_hours", working_hours),
        ("working_days", working_days),
        ("calendar_days", calendar_days),
    ) if value is not None]
    if len(given) != 1:
        raise click.UsageError(
            "give exactly one of --working-hours, --working-days, --calendar-days")
    calendar = _settings(ente_code).calendar
    clock, value = given[0]
    if clock == "working_hours":
        due = add_working_hours(start, value, pauses, calendar)
    elif clock == "working_days":
        due = add_working_days(start, value, pauses, calendar)
    else:
        due = add_calendar_days(start, value, pauses, calendar)
    _emit({
        "due": due.isoformat(),
        "clock": clock,
        "amount": str(value),
        "from": start.astimezone(calendar.timezone).isoformat(),
    })


@calendar_cli.command("status")
@click.option("--at", "at", type=INSTANT, required=True, help="Instant (with UTC offset).")
@_ente_option
def status_command(at, ente_code):
    """Whether the office is open at --at, and when it next opens."""
    calendar = _settings(ente_code).calendar
    local = at.astimezone(calendar.timezone)
    _emit({
        "at": local.isoformat(),
        "open": is_open(at, calendar),
        "working_day": is_working_day(local.date(), calendar),
        "next_opening": next_opening(at, calendar).isoformat(),
    })


@calendar_cli.command("between")
@click.option("--from", "start", type=INSTANT, required=True, help="Start (with UTC offset).")
@click.option("--to", "end", type=INSTANT, required=True, help="End (with UTC offset).")
@click.option("--pause", "pauses", type=PAUSE, multiple=True,
              help="START/END interval that stops the clock (repeatable).")
@_ente_option
def between_command(start, end, pauses, ente_code):
    """Office time between --from and --to (minus pauses)."""
    calendar = _settings(ente_code).calendar
    elapsed = working_time_between(start, end, pauses, calendar)
    seconds = int(elapsed.total_seconds())
    sign, magnitude = ("-" if seconds < 0 else ""), abs(seconds)
    _emit({
        "seconds": seconds,
        "duration": f"{sign}{magnitude // 3600}:{magnitude // 60 % 60:02d}:{magnitude % 60:02d}",
    })
