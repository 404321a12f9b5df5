"""Reading the audit log: filters, Ente scoping, keyset pages and a streamed CSV export.

Pages are ordered newest first on ``(occurred_at, id)`` and continue from a cursor (keyset),
so every page costs the same however deep it is. The export walks the same order in batches,
holding one batch at a time. Reading and exporting are themselves recorded.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, literal, select, tuple_
from sqlalchemy.orm import aliased

from core import audit, db
from core.accounts import StaffPrincipal
from core.db import UTCDateTime
from core.models import AuditEvent, Ente, StaffUser

ROME = ZoneInfo("Europe/Rome")
PAGE_SIZE = 50
EXPORT_BATCH = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

CSV_COLUMNS = ("occurred_at", "event_id", "actor_type", "actor_id", "actor_email", "actor_name",
               "action", "object_type", "object_id", "ente_code", "ip", "user_agent", "details")


@dataclass(frozen=True)
class AuditFilters:
    date_from: date | None = None  # inclusive, Europe/Rome calendar day
    date_to: date | None = None  # inclusive
    actor_type: str = ""
    actor: str = ""  # a staff e-mail or an actor id
    action: str = ""  # exact, or a prefix ending in "*"
    object_type: str = ""
    object_id: str = ""
    ente_id: int | None = None

    def as_details(self) -> dict[str, Any]:
        """The filters as plain JSON for the audit trail (empty ones left out)."""
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in asdict(self).items() if v not in (None, "")}


@dataclass(frozen=True)
class Cursor:
    occurred_at: datetime
    event_id: int

    def encode(self) -> str:
        micros = (self.occurred_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.event_id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        micros, _, event_id = (raw or "").partition(".")
        if not (micros.isdigit() and event_id.isdigit()) or len(raw or "") > 40:
            return None
        return cls(_EPOCH + timedelta(microseconds=int(micros)), int(event_id))


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    actor_type: str
    actor_id: int | None
    actor_email: str | None
    actor_name: str | None
    action: str
    object_type: str
    object_id: str
    ente_code: str | None
    ip: str
    user_agent: str
    details: dict[str, Any]

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.occurred_at, self.id)


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    newer: str | None  # cursor for the page of newer events, if any
    older: str | None  # cursor for the page of older events, if any


def visible_enti(actor: StaffPrincipal) -> list[Ente]:
    """The Enti whose events ``actor`` may read: all for an admin without Enti, else their own."""
    stmt = select(Ente).order_by(Ente.code)
    if not actor.all_enti:
        stmt = stmt.where(Ente.id.in_(sorted(actor.ente_ids)))
    return list(db.session.scalars(stmt))


def _base_query(actor: StaffPrincipal, filters: AuditFilters) -> Select:
    staff = aliased(StaffUser)
    stmt = (
        select(AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor_type, AuditEvent.actor_id,
               staff.email, staff.name, AuditEvent.action, AuditEvent.object_type,
               AuditEvent.object_id, Ente.code, AuditEvent.ip, AuditEvent.user_agent,
               AuditEvent.details)
        .outerjoin(staff, and_(AuditEvent.actor_type == "staff", AuditEvent.actor_id == staff.id))
        .outerjoin(Ente, Ente.id == AuditEvent.ente_id)
    )
    if not actor.all_enti:  # an Ente-bound reader sees only the events of their Enti
        stmt = stmt.where(AuditEvent.ente_id.in_(sorted(actor.ente_ids)))
    return stmt.where(*_conditions(filters))


def _conditions(filters: AuditFilters) -> list:
    conds = []
    if filters.date_from:
        conds.append(AuditEvent.occurred_at >= datetime.combine(filters.date_from, time.min, ROME))
    if filters.date_to:
        next_day = filters.date_to + timedelta(days=1)
        conds.append(AuditEvent.occurred_at < datetime.combine(next_day, time.min, ROME))
    if filters.actor_type:
        conds.append(AuditEvent.actor_type == filters.actor_type)
    actor = filters.actor.strip()
    if actor.isdigit():
        conds.append(AuditEvent.actor_id == int(actor))
    elif actor:
        staff_id = select(StaffUser.id).where(StaffUser.email == actor.lower()).scalar_subquery()
        conds += [AuditEvent.actor_type == "staff", AuditEvent.actor_id == staff_id]
    action = filters.action.strip()
    if action.endswith("*"):
        prefix = action.rstrip("*").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conds.append(AuditEvent.action.like(prefix + "%", escape="\\"))
    elif action:
        conds.append(AuditEvent.action == action)
    if filters.object_type.strip():
        conds.append(AuditEvent.object_type == filters.object_type.strip())
    if filters.object_id.strip():
        conds.append(AuditEvent.object_id == filters.object_id.strip())
    if filters.ente_id is not None:
        conds.append(AuditEvent.ente_id == filters.ente_id)
    return conds


def _key():
    return tuple_(AuditEvent.occurred_at, AuditEvent.id)


def _cursor_value(cursor: Cursor):
    return tuple_(literal(cursor.occurred_at, UTCDateTime()), literal(cursor.event_id))


def _older_than(stmt: Select, cursor: Cursor | None, limit: int) -> Select:
    if cursor is not None:
        stmt = stmt.where(_key() < _cursor_value(cursor))
    return stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)


def _rows(stmt: Select) -> list[AuditRow]:
    return [AuditRow(*row) for row in db.session.execute(stmt)]


def list_events(actor: StaffPrincipal, filters: AuditFilters, *, before: Cursor | None = None,
                after: Cursor | None = None, limit: int = PAGE_SIZE) -> AuditPage:
    """One page, newest first: the first page, the one older than ``before`` or the one newer
    than ``after``. Records that ``actor`` read the log."""
    base = _base_query(actor, filters)
    if after is not None:
        stmt = base.where(_key() > _cursor_value(after)) \
            .order_by(AuditEvent.occurred_at.asc(), AuditEvent.id.asc()).limit(limit + 1)
        rows = _rows(stmt)
        more_newer = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        newer = rows[0].cursor.encode() if rows and more_newer else None
        older = rows[-1].cursor.encode() if rows else None
    else:
        rows = _rows(_older_than(base, before, limit + 1))
        more_older = len(rows) > limit
        rows = rows[:limit]
        newer = rows[0].cursor.encode() if rows and before is not None else None
        older = rows[-1].cursor.encode() if rows and more_older else None
    audit.record("audit.view", actor_type="staff", actor_id=actor.id, object_type="audit_event",
                 ente_id=filters.ente_id, filters=filters.as_details(),
                 page=("before:" + before.encode()) if before else
                      ("after:" + after.encode()) if after else "first")
    return AuditPage(rows, newer, older)


def _csv_safe(value: object) -> str:
    """Text that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_record(row: AuditRow) -> list[str]:
    return [row.occurred_at.astimezone(ROME).isoformat(), str(row.id), row.actor_type,
            "" if row.actor_id is None else str(row.actor_id), _csv_safe(row.actor_email),
            _csv_safe(row.actor_name), _csv_safe(row.action), _csv_safe(row.object_type),
            _csv_safe(row.object_id), _csv_safe(row.ente_code), _csv_safe(row.ip),
            _csv_safe(row.user_agent),
            _csv_safe(json.dumps(row.details or {}, ensure_ascii=False, sort_keys=True))]


class _Echo:
    """A file-like object whose ``write`` returns the line, so ``csv.writer`` yields lines."""

    def write(self, value: str) -> str:
        return value


def export_events(actor: StaffPrincipal, filters: AuditFilters,
                  batch_size: int = EXPORT_BATCH) -> Iterator[str]:
    """Record the export now, then return a generator of CSV lines (header first, newest event
    first) that reads the events in keyset batches: memory stays constant however many rows."""
    audit.record("audit.export", actor_type="staff", actor_id=actor.id, object_type="audit_event",
                 ente_id=filters.ente_id, filters=filters.as_details())
    base = _base_query(actor, filters)

    def generate() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)  # BOM: spreadsheets read UTF-8
        cursor = None
        while True:
            rows = _rows(_older_than(base, cursor, batch_size))
            for row in rows:
                yield writer.writerow(_csv_record(row))
            if len(rows) < batch_size:
                return
            cursor = rows[-1].cursor

    return generate()
