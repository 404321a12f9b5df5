"""Tracking: every attempt and outcome as a :class:`~core.models.NotificationEvent` on the
verbale's timeline, perfection fed to the engine, notification costs, and the
``late_notification_suspected`` flag.

* :func:`record_event` — one event (channel, outcome, reference such as the IUN or the PEC
  Message-ID, details) for one recipient;
* :func:`apply_perfection` — the perfection dates per recipient become the verbale's day 0
  (``Verbale.notified_on``, :func:`core.notification.perfection.day_zero`), its
  ``notification_channel`` and status ``notified``; the engine's windows (5/60 days, appeal
  terms …) start from it. A verbale already notified keeps its day 0;
* :func:`add_notification_cost` — the channel's notification cost joins the verbale's costs
  (never for the friendly letter or a roadside contestation, never on a paid or cancelled
  verbale, never twice for the same channel); the amount is what the channel charged (SEND's
  price) or the Ente's :class:`~core.models.EnteCost` for that channel on that date;
* :func:`flag_if_late` — the act handed over after the art. 201 term (the engine's
  :func:`~core.fines.notification_is_late`) sets ``late_notification_suspected`` for review;
  nothing is ever cancelled automatically;
* :func:`sync_recorded_perfections` — post and international mail: the ``perfected`` events
  recorded from return receipts (by the postal batches) are applied the same way.

Services flush and audit; they never commit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.db import utcnow
from core.fines import Deadline, notification_is_late, verbale_deadlines
from core.models import (
    CostKind,
    Ente,
    EnteCost,
    NotificationChannel,
    NotificationEvent,
    NotificationOutcome,
    NotificationSettings,
    Verbale,
    VerbaleCost,
    VerbaleStatus,
)
from core.positions import ente_settings

from .perfection import ROME, day_zero, local_date

# Channels of a formal notification, whose cost is charged to the offender.
CHARGEABLE = frozenset({NotificationChannel.POST, NotificationChannel.PEC, NotificationChannel.SEND,
                        NotificationChannel.INTERNATIONAL_MAIL})
SETTINGS_DEFAULTS: dict[str, Any] = {
    "alert_margin_days": 15, "send_fee_policy": "DELIVERY_MODE", "send_pa_fee_cents": 100,
    "send_vat_percent": 22, "send_taxonomy_code": "010801N",
    "send_physical_type": "REGISTERED_LETTER_890", "pec_sender": "",
}


def settings_for(ente: Ente) -> NotificationSettings:
    """The Ente's notification settings (a transient object with the defaults when unset)."""
    found = db.session.get(NotificationSettings, ente.id)
    if found is not None:
        return found
    return NotificationSettings(ente_id=ente.id, **SETTINGS_DEFAULTS)


def local_today(ente: Ente | None = None) -> date:
    from core.positions import local_today as today_of

    return today_of(ente)


def record_event(verbale: Verbale, person_id: int, channel: NotificationChannel | str,
                 outcome: NotificationOutcome | str, *, reference: str = "",
                 perfected_on: date | None = None, at: datetime | None = None,
                 **details: Any) -> NotificationEvent:
    event = NotificationEvent(
        verbale_id=verbale.id, person_id=person_id, channel=NotificationChannel(channel),
        outcome=NotificationOutcome(outcome), occurred_at=at or utcnow(),
        perfected_on=perfected_on, reference=reference[:100], details=_jsonable(details))
    db.session.add(event)
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def recipients_of(verbale: Verbale) -> list[int]:
    """The people an act is notified to: the offender and a different jointly liable owner."""
    people = [verbale.offender_id]
    if verbale.owner_id is not None and verbale.owner_id != verbale.offender_id:
        people.append(verbale.owner_id)
    return people


# -- deadlines -----------------------------------------------------------------------------


def notify_deadline(verbale: Verbale) -> Deadline:
    """The engine's art. 201 deadline (90 days, 360 abroad, from assessment/identification)."""
    settings = ente_settings(verbale.ente)
    violation_day = min(verbale.violation_at.astimezone(settings.calendar.timezone).date(),
                        verbale.assessed_on)
    return verbale_deadlines(
        verbale.assessed_on, violation_date=violation_day, identified=verbale.identified_on,
        abroad=verbale.offender.resides_abroad, settings=settings.calendar).notify_by


def flag_if_late(verbale: Verbale, sent_on: date, channel: NotificationChannel | str) -> bool:
    """Set ``late_notification_suspected`` when the act was handed over after the term."""
    deadline = notify_deadline(verbale)
    late = notification_is_late(_Deadlines(deadline), sent_on)
    if late and not verbale.late_notification_suspected:
        verbale.late_notification_suspected = True
        audit.record("notification.late_suspected", actor_type="system", actor_id=None,
                     object_type="verbale", object_id=verbale.id, ente_id=verbale.ente_id,
                     channel=str(channel), sent_on=sent_on.isoformat(),
                     notify_by=deadline.due.isoformat(), rule=deadline.rule)
    return late


class _Deadlines:
    """The one field :func:`notification_is_late` reads."""

    def __init__(self, notify_by: Deadline):
        self.notify_by = notify_by


# -- costs ---------------------------------------------------------------------------------


def channel_cost(ente_id: int, channel: NotificationChannel | str, on: date) -> Decimal | None:
    """The Ente's notification cost for ``channel`` in force on ``on``."""
    stmt = (select(EnteCost.amount)
            .where(EnteCost.ente_id == ente_id, EnteCost.channel == NotificationChannel(channel),
                   EnteCost.kind == CostKind.NOTIFICATION, EnteCost.valid_from <= on,
                   (EnteCost.valid_to.is_(None)) | (EnteCost.valid_to >= on))
            .order_by(EnteCost.valid_from.desc()).limit(1))
    return db.session.scalars(stmt).first()


def add_notification_cost(verbale: Verbale, channel: NotificationChannel | str,
                          amount: Decimal | None) -> VerbaleCost | None:
    channel = NotificationChannel(channel)
    if channel not in CHARGEABLE or amount is None or amount <= 0:
        return None
    if verbale.status in (VerbaleStatus.PAID, VerbaleStatus.CANCELLED):
        return None
    if any(c.kind == CostKind.NOTIFICATION and c.channel == channel for c in verbale.costs):
        return None
    cost = VerbaleCost(kind=CostKind.NOTIFICATION, channel=channel,
                       amount=Decimal(amount).quantize(Decimal("0.01")))
    verbale.costs.append(cost)
    audit.record("notification.cost_added", actor_type="system", actor_id=None,
                 object_type="verbale", object_id=verbale.id, ente_id=verbale.ente_id,
                 channel=str(channel), amount=str(cost.amount))
    return cost


# -- perfection ----------------------------------------------------------------------------


def apply_perfection(verbale: Verbale, channel: NotificationChannel | str,
                     perfected: dict[int, date], *, cost: Decimal | None = None,
                     reference: str = "") -> bool:
    """Feed the perfection dates to the engine; ``True`` when ``notified_on`` was set now."""
    channel = NotificationChannel(channel)
    zero = day_zero(perfected, verbale.offender_id)
    if zero is None or verbale.notified_on is not None:
        return False
    if zero < verbale.assessed_on:
        raise ValueError(f"perfection date {zero} precedes the assessment of {verbale.number}")
    verbale.notified_on = zero
    verbale.notification_channel = channel
    if verbale.status == VerbaleStatus.ASSESSED:
        verbale.status = VerbaleStatus.NOTIFIED
    audit.record("notification.perfected", actor_type="system", actor_id=None,
                 object_type="verbale", object_id=verbale.id, ente_id=verbale.ente_id,
                 channel=str(channel), notified_on=zero.isoformat(), reference=reference)
    add_notification_cost(verbale, channel, cost if cost is not None
                          else channel_cost(verbale.ente_id, channel, zero))
    db.session.flush()
    return True


def sync_recorded_perfections(ente_id: int | None = None, *, limit: int = 500) -> dict[str, int]:
    """Apply the ``perfected`` post / international events of verbali not yet notified."""
    channels = (NotificationChannel.POST, NotificationChannel.INTERNATIONAL_MAIL)
    stmt = (select(NotificationEvent)
            .join(Verbale, NotificationEvent.verbale_id == Verbale.id)
            .where(NotificationEvent.channel.in_(channels),
                   NotificationEvent.outcome == NotificationOutcome.PERFECTED,
                   NotificationEvent.perfected_on.is_not(None), Verbale.notified_on.is_(None))
            .order_by(NotificationEvent.verbale_id, NotificationEvent.id).limit(limit))
    if ente_id is not None:
        stmt = stmt.where(Verbale.ente_id == ente_id)
    grouped: dict[int, list[NotificationEvent]] = defaultdict(list)
    for event in db.session.scalars(stmt):
        grouped[event.verbale_id].append(event)
    counts = {"verbali": 0, "late": 0, "errors": 0}
    if not grouped:
        return counts
    verbali = db.session.scalars(
        select(Verbale).where(Verbale.id.in_(grouped))
        .options(selectinload(Verbale.costs), selectinload(Verbale.ente),
                 selectinload(Verbale.offender))).all()
    for verbale in verbali:
        events = grouped[verbale.id]
        channel = events[0].channel
        perfected: dict[int, date] = {}
        for event in events:
            if event.channel != channel:
                continue
            known = perfected.get(event.person_id)
            perfected[event.person_id] = min(event.perfected_on, known or event.perfected_on)
        # the term is met on the hand-over date; unknown, the perfection date is the suspicion
        handed = _first_sent(verbale.id, channel) or min(perfected.values())
        try:
            if flag_if_late(verbale, handed, channel):
                counts["late"] += 1
            if apply_perfection(verbale, channel, perfected, reference=events[0].reference):
                counts["verbali"] += 1
        except ValueError:
            counts["errors"] += 1
    return counts


def _first_sent(verbale_id: int, channel: NotificationChannel) -> date | None:
    first = db.session.scalars(
        select(NotificationEvent.occurred_at)
        .where(NotificationEvent.verbale_id == verbale_id, NotificationEvent.channel == channel,
               NotificationEvent.outcome == NotificationOutcome.SENT)
        .order_by(NotificationEvent.occurred_at).limit(1)).first()
    return local_date(first, ROME) if first is not None else None
