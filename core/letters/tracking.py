"""Import of the postal operator's tracking file: the tracking number of each envelope and
what happened to it, onto the postal items and the verbale's timeline.

CSV, UTF-8, comma or semicolon separated, one header line with these columns (any order;
extra columns are ignored):

============== =====================================================================
barcode        our placeholder printed on the envelope (manifest column ``barcode``);
               may be empty when ``tracking_number`` is already known to us
tracking_number the operator's number (6–40 letters, digits or dashes)
event          ``accepted``/``sent`` (handed to the operator), ``in_storage``
               (giacenza), ``delivered``, ``returned``, ``failed``; the Italian words
               accettato, spedito, giacenza, consegnato, reso, inesitato work too
date           ``YYYY-MM-DD`` (not in the future)
note           optional free text
============== =====================================================================

Each valid row records a :class:`~core.models.NotificationEvent` (outcome ``sent``,
``in_storage``, ``delivered``, ``returned`` or ``failed``; reference = the tracking number) and
moves the item's status forward; a row already applied changes nothing (importing the same file
twice is harmless); a bad row is rejected with its line number and reason and the others are
kept. Legal perfection is not inferred from tracking: it is recorded with the return receipt
(:mod:`core.letters.returns`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.models import Ente, NotificationOutcome, PostalItem
from core.positions import local_today

from .postal import record_event

EVENTS = {
    "accepted": NotificationOutcome.SENT, "sent": NotificationOutcome.SENT,
    "accettato": NotificationOutcome.SENT, "spedito": NotificationOutcome.SENT,
    "in_storage": NotificationOutcome.IN_STORAGE, "giacenza": NotificationOutcome.IN_STORAGE,
    "delivered": NotificationOutcome.DELIVERED, "consegnato": NotificationOutcome.DELIVERED,
    "returned": NotificationOutcome.RETURNED, "reso": NotificationOutcome.RETURNED,
    "failed": NotificationOutcome.FAILED, "inesitato": NotificationOutcome.FAILED,
}
RANK = {NotificationOutcome.QUEUED: 0, NotificationOutcome.SENT: 1,
        NotificationOutcome.IN_STORAGE: 2, NotificationOutcome.DELIVERED: 3,
        NotificationOutcome.RETURNED: 3, NotificationOutcome.FAILED: 3,
        NotificationOutcome.PERFECTED: 4}
REQUIRED = ("barcode", "tracking_number", "event", "date")
TRACKING_RE = re.compile(r"^[A-Za-z0-9-]{6,40}$")
ROME = ZoneInfo("Europe/Rome")


class TrackingFileError(ValueError):
    """The file as a whole cannot be read (no header, missing columns)."""


@dataclass
class TrackingReport:
    applied: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.applied + self.unchanged + len(self.rejected)


def noon(day: date) -> datetime:
    """A calendar day of the postal operator as a moment (midday in Italy)."""
    return datetime.combine(day, time(12, 0), ROME)


def _reader(lines: Iterable[str]) -> csv.DictReader:
    lines = iter(lines)
    try:
        header = next(lines)
    except StopIteration:
        raise TrackingFileError("the file is empty") from None
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [h.strip().lower().lstrip("\ufeff") for h in next(csv.reader([header],
                                                                          delimiter=delimiter))]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise TrackingFileError(f"missing column(s): {', '.join(missing)}")
    return csv.DictReader(lines, fieldnames=names, delimiter=delimiter)


def _find(barcode: str, tracking: str, ente: Ente | None) -> PostalItem | None:
    stmt = select(PostalItem).options(selectinload(PostalItem.letter))
    if barcode:
        stmt = stmt.where(PostalItem.barcode == barcode)
    elif tracking:
        stmt = stmt.where(PostalItem.tracking_number == tracking)
    else:
        return None
    if ente is not None:
        stmt = stmt.where(PostalItem.ente_id == ente.id)
    return db.session.scalars(stmt).first()


def _apply(row: dict, ente: Ente | None, today: date) -> str | bool:
    """``True`` applied, ``False`` already applied, or the reason for rejecting the row."""
    barcode = (row.get("barcode") or "").strip().upper()
    tracking = (row.get("tracking_number") or "").strip().upper()
    event = (row.get("event") or "").strip().lower()
    note = (row.get("note") or "").strip()[:300]
    if event not in EVENTS:
        return f"unknown event {event!r}"
    try:
        day = date.fromisoformat((row.get("date") or "").strip())
    except ValueError:
        return f"bad date {row.get('date')!r} (expected YYYY-MM-DD)"
    if day > today:
        return f"date {day.isoformat()} is in the future"
    if tracking and not TRACKING_RE.match(tracking):
        return f"bad tracking number {tracking!r}"
    item = _find(barcode, tracking, ente)
    if item is None:
        return f"unknown envelope {barcode or tracking!r}"
    if tracking and item.tracking_number and item.tracking_number != tracking:
        return f"{item.barcode} already has tracking number {item.tracking_number}"
    if item.created_at.astimezone(ROME).date() > day:
        return f"date {day.isoformat()} is before the envelope was printed"
    outcome = EVENTS[event]
    key = f"{outcome.value}:{day.isoformat()}"
    details = dict(item.details or {})
    applied = list(details.get("applied", []))
    if key in applied and (not tracking or item.tracking_number == tracking):
        return False
    if tracking:
        item.tracking_number = tracking
    if outcome == NotificationOutcome.SENT:
        item.sent_on = item.sent_on or day
    if outcome == NotificationOutcome.DELIVERED and item.delivered_on is None:
        item.delivered_on = day
    if RANK[outcome] >= RANK[NotificationOutcome(item.status)]:
        item.status = outcome
    if key not in applied:
        applied.append(key)
        record_event(item, item.letter, outcome, item.tracking_number or item.barcode,
               occurred_at=noon(day), source="tracking_import", event=event, note=note,
               on=day.isoformat())
    details["applied"] = applied
    item.details = details
    return True


def import_tracking(lines: Iterable[str], ente: Ente | None = None, *, today: date | None = None,
                    actor_type: str = "system", actor_id: int | None = None,
                    source: str = "") -> TrackingReport:
    """Apply a tracking file (an iterable of text lines, e.g. an open file). Flushes and
    audits; the caller commits."""
    today = today or local_today(ente)
    report = TrackingReport()
    reader = _reader(lines)
    for row in reader:
        line = reader.line_num + 1  # the header was read apart
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        with db.session.begin_nested():
            outcome = _apply(row, ente, today)
        if outcome is True:
            report.applied += 1
        elif outcome is False:
            report.unchanged += 1
        else:
            report.rejected.append((line, outcome))
    db.session.flush()
    audit.record("letters.tracking_imported", actor_type=actor_type, actor_id=actor_id,
                 object_type="ente", object_id=ente.id if ente else "", ente_id=ente.id if ente else None,
                 source=source, applied=report.applied, unchanged=report.unchanged,
                 rejected=len(report.rejected))
    return report


def import_tracking_text(text: str, ente: Ente | None = None, **kw) -> TrackingReport:
    return import_tracking(io.StringIO(text), ente, **kw)
