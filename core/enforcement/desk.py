"""What the contact center's enforcement desk asks: rolls the principal may see, preparing,
deciding, excluding (each audited by :mod:`core.enforcement.service`) and the watch list."""

from __future__ import annotations

from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.contact import metrics
from core.contact.metrics import NotVisible
from core.models import Roll, RollEntry

from . import service

PAGE = 200
WATCH_LIMIT = 500

__all__ = ["NotVisible", "decide", "entries_page", "exclude", "prepare", "rolls_for",
           "visible_roll", "watch"]


def _ente_ids(principal) -> list[int]:
    return [e.id for e in metrics.visible_enti(principal)]


def rolls_for(principal, limit: int = 100) -> list[Roll]:
    return list(db.session.scalars(
        select(Roll).where(Roll.ente_id.in_(_ente_ids(principal))).options(selectinload(Roll.ente))
        .order_by(Roll.created_at.desc(), Roll.id.desc()).limit(limit)))


def visible_roll(principal, roll_id: int) -> Roll | None:
    roll = db.session.get(Roll, roll_id)
    if roll is None or roll.ente_id not in _ente_ids(principal):
        return None
    return roll


def entries_page(roll: Roll, after: int | None) -> list[RollEntry]:
    return list(db.session.scalars(
        select(RollEntry).where(RollEntry.roll_id == roll.id, RollEntry.id > (after or 0))
        .options(selectinload(RollEntry.verbale)).order_by(RollEntry.id).limit(PAGE)))


def prepare(principal, ente_code: str) -> Roll | None:
    ente = metrics.visible_ente(principal, ente_code)
    return service.prepare_roll(ente, actor_label=principal.email)


def decide(principal, roll: Roll, approve: bool, note: str) -> None:
    service.decide(roll, principal, approve, note)


def exclude(principal, roll: Roll, entry_id: int, reason: str) -> None:
    service.exclude_entry(roll, entry_id, principal, reason)


def watch(principal, ente_code: str):
    ente = metrics.visible_ente(principal, ente_code)
    today = service.local_today(ente)
    lines = list(islice(service.prescription_watch(ente.id, today), WATCH_LIMIT))
    audit.record("prescription.watch_view", actor_type="staff", actor_id=principal.id,
                 object_type="ente", object_id=ente.id, ente_id=ente.id, lines=len(lines))
    return ente, lines
