"""Call metrics of the phone line for the supervisor dashboard, and the calls waiting now for the
agents' console.

Every figure is an SQL aggregate: calls are never loaded into Python, only rows grouped by
queue × language (at most five languages × a handful of queues), rolled up here. The period
query runs on ``ix_phone_call_ente_started (ente_id, started_at)``, like the waiting panel's
(only calls started in the last :data:`WAITING_WINDOW` can still be waiting).

Definitions
-----------
Calls
    Calls that reached the line in the period (``started_at`` in ``[start, end)`` of the
    dashboard's :class:`~core.contact.metrics.Scope`) for the chosen Enti.
Offered
    Calls that entered an operators' queue (``<Enqueue>``), whatever happened next.
Answered
    Calls an operator took from the queue (``QueueResult`` *bridged*).
Service level
    Share of the answered calls answered within the threshold (setting
    ``IVR_SERVICE_LEVEL_SECONDS``, 20 s by default): time in queue ≤ threshold ÷ answered.
Average speed of answer (ASA)
    Mean seconds in queue of the answered calls.
Abandonment rate
    Calls whose caller hung up while queued ÷ offered. Every abandon counts, short ones too
    (no "< 5 s" exclusion): a caller who gave up is one the service did not answer. Callback
    requests and queue failures are offered but neither answered nor abandoned.
Waiting now
    Calls that entered a queue and did not leave it, whose call has not ended, and that Twilio
    asked the hold message for within the last ``IVR_QUEUE_STALE_SECONDS`` (120 s by
    default; the hold message is requested about every 30 s while the caller waits, and a
    bridged call's queue result only arrives when the conversation ends).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from fractions import Fraction

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from core import db
from core.contact.metrics import Scope
from core.db import utcnow
from core.i18n import LANGUAGE_NAMES
from core.models import Call, CallOutcome

DEFAULT_SERVICE_LEVEL_SECONDS = 20
DEFAULT_QUEUE_STALE_SECONDS = 120
#: The longest a caller can be queued: older calls are never "waiting".
WAITING_WINDOW = timedelta(hours=4)

#: The IVR queues (the topic menu's and the payments menu's), in menu order.
QUEUES = ("payments", "appeals", "driver_data", "general")
LANGUAGES = ("it", "en", "fr", "de", "es")

QUEUE_LABELS = {
    "payments": _l("Payments and amounts"),
    "appeals": _l("Appeals"),
    "driver_data": _l("Driver's details"),
    "general": _l("Other questions"),
    "": _l("No queue (menus, self-service, voicemail)"),
}
OUTCOME_LABELS = {
    CallOutcome.ANSWERED.value: _l("Answered by an operator"),
    CallOutcome.ABANDONED.value: _l("Abandoned in queue"),
    CallOutcome.CALLBACK.value: _l("Callback requested"),
    CallOutcome.VOICEMAIL.value: _l("Voicemail left"),
    CallOutcome.SELF_SERVICE.value: _l("Self-service (amount heard)"),
    CallOutcome.OUT_OF_HOURS.value: _l("Out of hours, no voicemail"),
    CallOutcome.MENU.value: _l("Hung up in the menus"),
    CallOutcome.FAILED.value: _l("Failed"),
    "": _l("In progress"),
}
OUTCOMES = tuple(o.value for o in CallOutcome)


def queue_label(code: str | None) -> str:
    label = QUEUE_LABELS.get(code or "")
    return str(label) if label is not None else str(code)


def language_label(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code or "") or str(_l("Language not chosen"))


def outcome_label(code: str | None) -> str:
    return str(OUTCOME_LABELS.get(code or "", code))


def seconds(value: float | None) -> str:
    """Whole seconds in the active locale; a dash when there is nothing to measure."""
    return "—" if value is None else format_decimal(round(value), "#,##0")


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@dataclass(frozen=True)
class CallFigures:
    """Counts of a set of calls (one queue × language, or a roll-up of them)."""

    key: str = ""
    calls: int = 0
    offered: int = 0
    answered: int = 0
    answered_in_time: int = 0
    wait_answered: int = 0  # seconds in queue of the answered calls, summed
    abandoned: int = 0
    callback: int = 0
    voicemail: int = 0
    self_service: int = 0
    out_of_hours: int = 0
    menu: int = 0
    failed: int = 0

    def plus(self, other: CallFigures, key: str) -> CallFigures:
        return CallFigures(key, *(getattr(self, f.name) + getattr(other, f.name)
                                  for f in fields(self) if f.name != "key"))

    @property
    def in_progress(self) -> int:
        return self.calls - sum(self.outcome(o) for o in OUTCOMES)

    def outcome(self, name: str) -> int:
        return getattr(self, name)

    @property
    def service_level(self) -> Fraction | None:
        """Answered within the threshold ÷ answered."""
        return _share(self.answered_in_time, self.answered)

    @property
    def asa_seconds(self) -> float | None:
        """Average speed of answer: mean seconds in queue of the answered calls."""
        return self.wait_answered / self.answered if self.answered else None

    @property
    def abandonment(self) -> Fraction | None:
        """Abandoned in queue ÷ offered to the queue."""
        return _share(self.abandoned, self.offered)


@dataclass(frozen=True)
class CallReport:
    scope: Scope
    threshold: int
    total: CallFigures
    by_queue: tuple[CallFigures, ...]  # key: queue code, "" for calls never queued
    by_language: tuple[CallFigures, ...]  # key: language, "" when none was chosen


def _count_if(condition):
    return func.count().filter(condition)


def call_groups(scope: Scope, threshold: int) -> list[tuple[str, str, CallFigures]]:
    """``(queue, language, figures)`` per queue × language of the calls started in the period:
    one aggregate query."""
    answered = Call.outcome == CallOutcome.ANSWERED
    columns = [
        func.count().label("calls"),
        _count_if(Call.enqueued_at.is_not(None)).label("offered"),
        _count_if(answered).label("answered"),
        _count_if(and_(answered, Call.wait_seconds <= threshold)).label("answered_in_time"),
        func.coalesce(func.sum(Call.wait_seconds).filter(answered), 0).label("wait_answered"),
        *(_count_if(Call.outcome == outcome).label(outcome.value)
          for outcome in CallOutcome if outcome != CallOutcome.ANSWERED),
    ]
    stmt = (select(Call.queue, Call.language, *columns)
            .where(Call.ente_id.in_(scope.ente_ids), Call.started_at >= scope.start,
                   Call.started_at < scope.end)
            .group_by(Call.queue, Call.language))
    names = [f.name for f in fields(CallFigures) if f.name != "key"]
    result = []
    for row in db.session.execute(stmt):
        queue, language = row.queue or "", str(row.language or "")
        figures = CallFigures("", *(int(getattr(row, name) or 0) for name in names))
        result.append((queue, language, figures))
    return result


def _roll_up(groups: Iterable[tuple[str, CallFigures]], order: Sequence[str]) -> tuple[CallFigures, ...]:
    totals: dict[str, CallFigures] = {}
    for key, figures in groups:
        totals[key] = totals.get(key, CallFigures(key)).plus(figures, key)
    rank = {key: index for index, key in enumerate(order)}
    return tuple(sorted(totals.values(), key=lambda f: (rank.get(f.key, len(order)), f.key)))


def call_report(scope: Scope, threshold: int = DEFAULT_SERVICE_LEVEL_SECONDS) -> CallReport:
    """The dashboard's call figures: the total, per queue and per language (one query)."""
    groups = call_groups(scope, threshold)
    total = CallFigures("")
    for _, _, figures in groups:
        total = total.plus(figures, "")
    return CallReport(
        scope=scope, threshold=threshold, total=total,
        by_queue=_roll_up(((q, f) for q, _, f in groups), (*QUEUES, "")),
        by_language=_roll_up(((lang, f) for _, lang, f in groups), (*LANGUAGES, "")),
    )


# -- the console's "calls waiting" panel ------------------------------------------------


@dataclass(frozen=True)
class WaitingRow:
    queue: str
    language: str
    count: int
    longest_seconds: int  # the earliest-queued caller's wait so far


def waiting_calls(principal, now: datetime | None = None,
                  stale_seconds: int = DEFAULT_QUEUE_STALE_SECONDS) -> list[WaitingRow]:
    """Calls in an operators' queue now, per queue and language, for the principal's Enti
    (one query)."""
    now = now or utcnow()
    stmt = (select(Call.queue, Call.language, func.count().label("n"),
                   func.min(Call.enqueued_at).label("first"))
            .where(Call.started_at >= now - WAITING_WINDOW, Call.started_at <= now,
                   Call.enqueued_at.is_not(None), Call.dequeued_at.is_(None),
                   Call.ended_at.is_(None),
                   Call.last_in_queue_at >= now - timedelta(seconds=stale_seconds))
            .group_by(Call.queue, Call.language))
    if not principal.all_enti:
        stmt = stmt.where(Call.ente_id.in_(principal.ente_ids or {-1}))
    rank = {key: index for index, key in enumerate((*QUEUES, *LANGUAGES))}
    rows = []
    for row in db.session.execute(stmt):
        first = row.first
        longest = max(0, round((now - first).total_seconds())) if first is not None else 0
        rows.append(WaitingRow(row.queue or "", str(row.language or ""), int(row.n), longest))
    return sorted(rows, key=lambda r: (rank.get(r.queue, 99), rank.get(r.language, 99),
                                       r.queue, r.language))
