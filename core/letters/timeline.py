"""The contact center's view of a verbale's letters and notification events, always scoped to
the staff member's Enti (anything else answers ``None``, a 404 for the views) and audited:
viewing the timeline, downloading a letter or a return-receipt scan each write an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.models import Letter, NotificationEvent, PostalItem, Verbale


@dataclass(frozen=True)
class Timeline:
    verbale: Verbale
    letters: list[tuple[Letter, PostalItem | None]]
    events: list[NotificationEvent]
    awaiting_receipt: list[PostalItem]


def _scope(stmt, principal, column):
    if principal.all_enti:
        return stmt
    return stmt.where(column.in_(principal.ente_ids or {-1}))


def visible_verbale(verbale_id: int, principal) -> Verbale | None:
    stmt = _scope(select(Verbale).where(Verbale.id == verbale_id), principal, Verbale.ente_id)
    return db.session.scalars(stmt.options(selectinload(Verbale.ente),
                                           selectinload(Verbale.offender))).one_or_none()


def find_verbale(number: str, principal) -> Verbale | None:
    stmt = _scope(select(Verbale).where(Verbale.number == (number or "").strip()), principal,
                  Verbale.ente_id)
    return db.session.scalars(stmt.order_by(Verbale.id)).first()


def timeline(verbale_id: int, principal) -> Timeline | None:
    from .returns import awaiting

    verbale = visible_verbale(verbale_id, principal)
    if verbale is None:
        return None
    letters = list(db.session.execute(
        select(Letter, PostalItem).outerjoin(PostalItem, PostalItem.letter_id == Letter.id)
        .where(Letter.verbale_id == verbale.id).order_by(Letter.created_at, Letter.id)))
    events = list(db.session.scalars(
        select(NotificationEvent).where(NotificationEvent.verbale_id == verbale.id)
        .order_by(NotificationEvent.occurred_at, NotificationEvent.id)))
    audit.record("letters.timeline_view", actor_type="staff", actor_id=principal.id,
                 object_type="verbale", object_id=verbale.id, ente_id=verbale.ente_id)
    return Timeline(verbale, [(letter, item) for letter, item in letters], events,
                    awaiting(verbale.id))


def letter_for_download(verbale_id: int, letter_id: int, principal) -> Letter | None:
    stmt = _scope(select(Letter).join(Verbale, Verbale.id == Letter.verbale_id)
                  .where(Letter.id == letter_id, Letter.verbale_id == verbale_id),
                  principal, Verbale.ente_id)
    letter = db.session.scalars(stmt).one_or_none()
    if letter is not None:
        audit.record("letters.download", actor_type="staff", actor_id=principal.id,
                     object_type="letter", object_id=letter.id, ente_id=letter.ente_id,
                     verbale_id=verbale_id)
    return letter


def receipt_for_download(verbale_id: int, item_id: int, principal) -> PostalItem | None:
    stmt = _scope(select(PostalItem).join(Verbale, Verbale.id == PostalItem.verbale_id)
                  .where(PostalItem.id == item_id, PostalItem.verbale_id == verbale_id,
                         PostalItem.receipt_storage_key.is_not(None)),
                  principal, Verbale.ente_id)
    item = db.session.scalars(stmt).one_or_none()
    if item is not None:
        audit.record("letters.return_receipt_download", actor_type="staff",
                     actor_id=principal.id, object_type="postal_item", object_id=item.id,
                     ente_id=item.ente_id, verbale_id=verbale_id)
    return item
