"""Alerts before the notification terms, and the review of late notifications.

Art. 201 CdS: the act must be handed over within **90 days** of the assessment (or of the
day the liable person could be identified), **360 days** when the offender lives abroad. The
alert limit is that nominal date, counted in calendar days — holidays neither extend nor
shorten the count, and the warning does not wait for the roll-forward of a limit falling on a
holiday. A verbale is listed once the limit is within the Ente's warning margin
(``NotificationSettings.alert_margin_days``, 15 by default) while it is not yet notified and
nothing has been handed over for it (no live SEND/PEC dispatch, no ``sent`` event of the postal
channels); past the limit it is ``overdue``.

Verbali flagged ``late_notification_suspected`` (handed over after the term, see
:func:`core.notification.tracking.flag_if_late`) are listed for review until a supervisor marks
them reviewed (:func:`review_late`, audited). Nothing is ever cancelled automatically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from core import audit, db
from core.models import (
    Ente,
    LateNotificationReview,
    NotificationDispatch,
    NotificationEvent,
    NotificationOutcome,
    Person,
    Verbale,
    VerbaleStatus,
)

from . import tracking
from .dispatches import FORMAL, LIVE

DAYS_ITALY = 90
DAYS_ABROAD = 360
HANDED_OVER = (NotificationOutcome.SENT, NotificationOutcome.DELIVERED, NotificationOutcome.VIEWED,
               NotificationOutcome.IN_STORAGE, NotificationOutcome.RETURNED,
               NotificationOutcome.PERFECTED)


class NotVisible(LookupError):
    """The principal may not see this Ente or verbale (views answer 404)."""


@dataclass(frozen=True)
class Alert:
    verbale_id: int
    number: str
    ente_code: str
    abroad: bool
    base: date  # assessment, or the later identification
    limit: date  # base + 90 / 360 calendar days
    days_left: int  # negative once past the limit

    @property
    def state(self) -> str:
        return "overdue" if self.days_left < 0 else "approaching"

    @property
    def term_days(self) -> int:
        return DAYS_ABROAD if self.abroad else DAYS_ITALY

    def as_json(self) -> dict:
        return {"verbale_id": self.verbale_id, "number": self.number, "ente": self.ente_code,
                "abroad": self.abroad, "term_days": self.term_days, "base": self.base.isoformat(),
                "limit": self.limit.isoformat(), "days_left": self.days_left, "state": self.state}


def limit_for(base: date, abroad: bool) -> date:
    return base + timedelta(days=DAYS_ABROAD if abroad else DAYS_ITALY)


def _not_handed_over():
    dispatched = exists().where(NotificationDispatch.verbale_id == Verbale.id,
                                NotificationDispatch.channel.in_(FORMAL),
                                NotificationDispatch.status.in_(LIVE))
    sent = exists().where(NotificationEvent.verbale_id == Verbale.id,
                          NotificationEvent.channel.in_(FORMAL),
                          NotificationEvent.outcome.in_(HANDED_OVER))
    return ~dispatched & ~sent


def alerts_for_ente(ente: Ente, today: date, *, limit: int = 1000) -> list[Alert]:
    margin = tracking.settings_for(ente).alert_margin_days
    offender = aliased(Person)
    base = func.coalesce(Verbale.identified_on, Verbale.assessed_on)
    horizon = today + timedelta(days=margin)
    abroad = offender.country != "IT"
    stmt = (select(Verbale.id, Verbale.number, Verbale.assessed_on, Verbale.identified_on,
                   offender.country)
            .join(offender, offender.id == Verbale.offender_id)
            .where(Verbale.ente_id == ente.id, Verbale.status == VerbaleStatus.ASSESSED,
                   Verbale.notified_on.is_(None), Verbale.contested_on_spot.is_(False),
                   or_(~abroad & (base <= horizon - timedelta(days=DAYS_ITALY)),
                       abroad & (base <= horizon - timedelta(days=DAYS_ABROAD))),
                   _not_handed_over())
            .order_by(base, Verbale.id).limit(limit))
    found = []
    for vid, number, assessed, identified, country in db.session.execute(stmt):
        start = identified or assessed
        is_abroad = country != "IT"
        end = limit_for(start, is_abroad)
        found.append(Alert(vid, number, ente.code, is_abroad, start, end, (end - today).days))
    return sorted(found, key=lambda a: (a.limit, a.verbale_id))


def visible_enti(principal) -> list[Ente]:
    stmt = select(Ente).order_by(Ente.code)
    if not principal.all_enti:
        stmt = stmt.where(Ente.id.in_(sorted(principal.ente_ids)))
    return list(db.session.scalars(stmt))


def enti_for(principal, code: str | None) -> list[Ente]:
    enti = visible_enti(principal)
    if code:
        enti = [e for e in enti if e.code == code]
        if not enti:
            raise NotVisible(code)
    return enti


def alerts(enti: list[Ente], today: date) -> list[Alert]:
    found = [a for ente in enti for a in alerts_for_ente(ente, today)]
    return sorted(found, key=lambda a: (a.limit, a.ente_code, a.verbale_id))


@dataclass(frozen=True)
class LateItem:
    verbale_id: int
    number: str
    ente_code: str
    notified_on: date | None
    channel: str
    sent_on: date | None


def late_to_review(enti: list[Ente], *, limit: int = 500) -> list[LateItem]:
    if not enti:
        return []
    reviewed = exists().where(LateNotificationReview.verbale_id == Verbale.id)
    stmt = (select(Verbale.id, Verbale.number, Ente.code, Verbale.notified_on,
                   Verbale.notification_channel)
            .join(Ente, Ente.id == Verbale.ente_id)
            .where(Verbale.ente_id.in_([e.id for e in enti]),
                   Verbale.late_notification_suspected.is_(True), ~reviewed)
            .order_by(Verbale.id).limit(limit))
    rows = db.session.execute(stmt).all()
    sent = _sent_dates([r[0] for r in rows])
    return [LateItem(vid, number, code, notified, str(channel or ""), sent.get(vid))
            for vid, number, code, notified, channel in rows]


def _sent_dates(verbale_ids: list[int]) -> dict[int, date]:
    if not verbale_ids:
        return {}
    stmt = (select(NotificationDispatch.verbale_id, func.min(NotificationDispatch.sent_on))
            .where(NotificationDispatch.verbale_id.in_(verbale_ids),
                   NotificationDispatch.sent_on.is_not(None))
            .group_by(NotificationDispatch.verbale_id))
    return dict(db.session.execute(stmt).all())


def review_late(verbale_id: int, principal, note: str = "") -> LateNotificationReview:
    """Mark a flagged verbale reviewed (once). Raises :class:`NotVisible` for a verbale
    outside the principal's Enti or not flagged."""
    verbale = db.session.get(Verbale, verbale_id)
    visible = {e.id for e in visible_enti(principal)}
    if verbale is None or verbale.ente_id not in visible or not verbale.late_notification_suspected:
        raise NotVisible(str(verbale_id))
    existing = db.session.scalars(select(LateNotificationReview).where(
        LateNotificationReview.verbale_id == verbale_id)).first()
    if existing is not None:
        return existing
    review = LateNotificationReview(verbale_id=verbale_id, staff_id=principal.id,
                                    note=(note or "").strip()[:2000])
    db.session.add(review)
    db.session.flush()
    audit.record("notification.late_reviewed", actor_type="staff", actor_id=principal.id,
                 object_type="verbale", object_id=verbale_id, ente_id=verbale.ente_id,
                 note=review.note)
    return review


__all__ = ["Alert", "LateItem", "NotVisible", "alerts", "alerts_for_ente", "enti_for",
           "late_to_review", "limit_for", "review_late", "visible_enti"]

