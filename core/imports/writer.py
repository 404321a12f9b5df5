"""Writing one chunk of draft verbali: set-based look-ups and bulk inserts.

For a chunk of drafts the writer asks the database a handful of questions, each once for the
whole chunk (never once per row): which violation codes exist and their amounts, which verbale
numbers and device events are already imported, which payment references are already
recorded, which people (by fiscal code or foreign id) the Ente already has. Drafts already
imported are skipped (the import is idempotent); drafts the catalogue or the ledger refuse are
rejected with a reason; the rest are written table by table.

Primary keys are reserved before writing, as the demo's bulk generator does: PostgreSQL takes
``nextval`` of each table's sequence (gaps are harmless); SQLite reads ``max(id)`` after the
chunk's transaction took the write lock (the caller's first statement is a write). Rows then
go in with ``COPY … FROM STDIN`` on PostgreSQL with psycopg, or one ``executemany`` per table.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.engine import Connection

from core import storage
from core.models import (
    DeviceEvent,
    Evidence,
    NotificationEvent,
    Payment,
    Person,
    Verbale,
    VerbaleCost,
    VerbaleViolation,
    ViolationAmount,
    ViolationType,
)
from core.uploads import sniff

from .records import Path as FieldPath
from .records import PersonDraft, VerbaleDraft

T_PERSON: Table = Person.__table__  # type: ignore[assignment]
T_VERBALE: Table = Verbale.__table__  # type: ignore[assignment]
T_VIOLATION: Table = VerbaleViolation.__table__  # type: ignore[assignment]
T_COST: Table = VerbaleCost.__table__  # type: ignore[assignment]
T_EVENT: Table = NotificationEvent.__table__  # type: ignore[assignment]
T_PAYMENT: Table = Payment.__table__  # type: ignore[assignment]
T_EVIDENCE: Table = Evidence.__table__  # type: ignore[assignment]
T_DEVICE: Table = DeviceEvent.__table__  # type: ignore[assignment]
ORDER = (T_PERSON, T_VERBALE, T_VIOLATION, T_COST, T_EVENT, T_PAYMENT, T_EVIDENCE, T_DEVICE)
NOON = time(12, 0)
ZERO = Decimal("0.00")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class EnteInfo:
    id: int
    code: str
    timezone: ZoneInfo


@dataclass
class ChunkOutcome:
    imported: int = 0
    skipped: int = 0  # already imported (in the database or earlier in the file)
    problems: list[tuple[int, FieldPath, str]] = field(default_factory=list)
    counters: Counter = field(default_factory=Counter)
    # People already known before this chunk who got a verbale: their cached pages are stale.
    people_reused: set[int] = field(default_factory=set)

    @property
    def rejected_lines(self) -> set[int]:
        return {line for line, _path, _reason in self.problems}


# -- ids and bulk writes -------------------------------------------------------------------


class _Ids:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.next: dict[str, int] = {}

    def take(self, table: Table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.pg:
            return list(self.conn.execute(text(
                "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": table.name, "n": count}).scalars())
        if table.name not in self.next:
            self.next[table.name] = (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1
        first = self.next[table.name]
        self.next[table.name] = first + count
        return list(range(first, first + count))


def _missing_defaults(table: Table, given: Iterable[str]) -> list[tuple[str, Callable[[], Any]]]:
    """Python-side defaults of columns the rows do not give (added by other modules later);
    server defaults apply by themselves."""
    given = set(given)
    out: list[tuple[str, Callable[[], Any]]] = []
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if getattr(default, "is_scalar", False):
            out.append((column.name, lambda v=default.arg: v))  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            out.append((column.name, lambda fn=default.arg: fn(None)))  # type: ignore[attr-defined]
    return out


def write_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys): COPY on PostgreSQL with psycopg, else one
    executemany through SQLAlchemy Core (column types convert the values)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        columns = list(rows[0])
        defaults = _missing_defaults(table, columns)
        names = columns + [name for name, _make in defaults]
        json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
        quoted = ", ".join(f'"{name}"' for name in names)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                values = [json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                          for c in columns]
                values.extend(make() for _name, make in defaults)
                copy.write_row(values)
        return
    conn.execute(table.insert(), rows)


# -- the chunk -----------------------------------------------------------------------------


class Writer:
    def __init__(self, conn: Connection, ente: EnteInfo, import_id: int,
                 frames_dir: Path | None, now: datetime):
        self.conn = conn
        self.ente = ente
        self.import_id = import_id
        self.frames_dir = frames_dir
        self.now = now

    def write(self, drafts: list[VerbaleDraft]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        drafts = self._new_only(drafts, outcome)
        drafts = self._resolve_catalogue(drafts, outcome)
        drafts = self._check_payments(drafts, outcome)
        if drafts:
            self._insert(drafts, outcome)
        return outcome

    # skipping what is already there ---------------------------------------------------------

    def _new_only(self, drafts: list[VerbaleDraft], outcome: ChunkOutcome) -> list[VerbaleDraft]:
        numbers = [d.number for d in drafts if d.number]
        known: set[Any] = set()
        if numbers:
            known.update(self.conn.scalars(select(Verbale.number).where(
                Verbale.ente_id == self.ente.id, Verbale.number.in_(numbers))))
        devices = [d.device for d in drafts if d.device]
        if devices:
            rows = self.conn.execute(select(DeviceEvent.device_id, DeviceEvent.event_at,
                                            DeviceEvent.plate).where(
                DeviceEvent.ente_id == self.ente.id,
                DeviceEvent.device_id.in_({d["device_id"] for d in devices}),
                DeviceEvent.plate.in_({d["plate"] for d in devices})))
            known.update((device_id, at, plate) for device_id, at, plate in rows)
        fresh = []
        for draft in drafts:
            key = draft.number if draft.number else (
                draft.device["device_id"], draft.device["event_at"], draft.device["plate"])  # type: ignore[index]
            if key in known:
                outcome.skipped += 1
                continue
            known.add(key)
            fresh.append(draft)
        return fresh

    # the violation catalogue ----------------------------------------------------------------

    def _resolve_catalogue(self, drafts: list[VerbaleDraft],
                           outcome: ChunkOutcome) -> list[VerbaleDraft]:
        codes = {v.code for d in drafts for v in d.violations}
        if not codes:
            return drafts
        types = dict(self.conn.execute(select(ViolationType.code, ViolationType.id).where(
            ViolationType.code.in_(codes))).all())
        periods: dict[int, list[tuple[date, date | None, Any, Any]]] = {}
        if types:
            for type_id, start, end, low, high in self.conn.execute(select(
                    ViolationAmount.violation_type_id, ViolationAmount.valid_from,
                    ViolationAmount.valid_to, ViolationAmount.min_amount,
                    ViolationAmount.max_amount).where(
                    ViolationAmount.violation_type_id.in_(types.values()))):
                periods.setdefault(type_id, []).append((start, end, low, high))
        good = []
        for draft in drafts:
            problems = []
            for index, violation in enumerate(draft.violations):
                path: FieldPath = ("violation_code",) if draft.device else (
                    "violations", index, "code")
                type_id = types.get(violation.code)
                if type_id is None:
                    problems.append((draft.line, path, _(
                        "Unknown violation code %(code)s.", code=violation.code)))
                    continue
                violation.type_id = type_id
                if violation.min_amount is None:
                    day = draft.violation_day
                    found = next(((low, high) for start, end, low, high in periods.get(type_id, [])
                                  if start <= day and (end is None or day <= end)), None)
                    if found is None:
                        problems.append((draft.line, path, _(
                            "The catalogue has no amount for %(code)s on %(day)s.",
                            code=violation.code, day=day.isoformat())))
                        continue
                    violation.min_amount, violation.max_amount = found
            if problems:
                outcome.problems.extend(problems)
            else:
                good.append(draft)
        return good

    # payment references ---------------------------------------------------------------------

    def _reference(self, draft: VerbaleDraft, index: int) -> str:
        given = draft.payments[index].reference
        return given or f"IMP-{self.ente.code}-{draft.number}-{index + 1}"[:120]

    def _check_payments(self, drafts: list[VerbaleDraft],
                        outcome: ChunkOutcome) -> list[VerbaleDraft]:
        refs = {self._reference(d, i) for d in drafts for i in range(len(d.payments))}
        if not refs:
            return drafts
        taken = {(str(channel), ref) for channel, ref in self.conn.execute(
            select(Payment.channel, Payment.provider_ref).where(Payment.provider_ref.in_(refs)))}
        good = []
        for draft in drafts:
            problems = []
            mine = set()
            for index, payment in enumerate(draft.payments):
                key = (payment.channel, self._reference(draft, index))
                if key in taken or key in mine:
                    problems.append((draft.line, ("payments", index, "reference"), _(
                        "This payment (%(channel)s %(reference)s) is already recorded.",
                        channel=key[0], reference=key[1])))
                mine.add(key)
            if problems:
                outcome.problems.extend(problems)
            else:
                taken |= mine
                good.append(draft)
        return good

    # people -----------------------------------------------------------------------------

    def _known_people(self, drafts: list[VerbaleDraft]) -> dict[tuple, int]:
        fiscal, foreign = set(), set()
        for draft in drafts:
            for person in (draft.offender, draft.owner):
                key = person.key if person else None
                if key and key[0] == "cf":
                    fiscal.add(key[1])
                elif key:
                    foreign.add(key[2])
        known: dict[tuple, int] = {}
        if fiscal:
            for person_id, code in self.conn.execute(select(Person.id, Person.fiscal_code).where(
                    Person.ente_id == self.ente.id, Person.fiscal_code.in_(fiscal)).order_by(
                    Person.id)):
                known.setdefault(("cf", code), person_id)
        if foreign:
            for person_id, country, number in self.conn.execute(select(
                    Person.id, Person.foreign_id_country, Person.foreign_id).where(
                    Person.ente_id == self.ente.id, Person.foreign_id.in_(foreign)).order_by(
                    Person.id)):
                known.setdefault(("fid", country or "", number), person_id)
        return known

    # writing ----------------------------------------------------------------------------

    def _insert(self, drafts: list[VerbaleDraft], outcome: ChunkOutcome) -> None:
        ids = _Ids(self.conn)
        known = self._known_people(drafts)
        rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in ORDER}

        new_people: list[dict[str, Any]] = []

        def person_id(person: PersonDraft | None, person_ids: list[int]) -> int | None:
            if person is None:
                return None
            key = person.key
            if key is not None and key in known:
                outcome.counters["people_reused"] += 1
                outcome.people_reused.add(known[key])
                return known[key]
            new_id = person_ids.pop()
            new_people.append({"id": new_id, "ente_id": self.ente.id, **person.values,
                               "email_verified_at": None, "created_at": self.now})
            if key is not None:
                known[key] = new_id
            outcome.counters["people_created"] += 1
            return new_id

        person_ids = ids.take(T_PERSON, sum((d.offender is not None) + (d.owner is not None)
                                            for d in drafts))
        person_ids.reverse()
        verbale_ids = ids.take(T_VERBALE, len(drafts))
        device_ids = ids.take(T_DEVICE, sum(1 for d in drafts if d.device))
        violation_ids = iter(ids.take(T_VIOLATION, sum(len(d.violations) for d in drafts)))
        cost_ids = iter(ids.take(T_COST, sum(len(d.costs) for d in drafts)))
        event_ids = iter(ids.take(T_EVENT, sum(1 for d in drafts if d.values["notified_on"])))
        payment_ids = iter(ids.take(T_PAYMENT, sum(len(d.payments) for d in drafts)))
        device_iter = iter(device_ids)

        for draft, verbale_id in zip(drafts, verbale_ids, strict=True):
            values = dict(draft.values)
            values.pop("violation_day")
            offender_id = person_id(draft.offender, person_ids)
            owner_id = person_id(draft.owner, person_ids)
            extra = dict(values.pop("extra") or {})
            extra["import"] = {"id": self.import_id, "line": draft.line}
            number = draft.number
            if draft.device is not None:
                event_id = next(device_iter)
                number = f"{self.ente.code}/AUT/{event_id:08d}"
                extra = self._frames(draft, extra, event_id, verbale_id, rows, ids, outcome)
                rows[T_DEVICE.name].append({
                    "id": event_id, "ente_id": self.ente.id, **draft.device,
                    "verbale_id": verbale_id, "import_id": self.import_id,
                    "created_at": self.now})
                outcome.counters["device_events"] += 1
            rows[T_VERBALE.name].append({
                "id": verbale_id, "ente_id": self.ente.id, "number": number, **values,
                "offender_id": offender_id, "owner_id": owner_id, "created_at": self.now,
                "extra": extra})
            for violation in draft.violations:
                rows[T_VIOLATION.name].append({
                    "id": next(violation_ids), "verbale_id": verbale_id,
                    "violation_type_id": violation.type_id,
                    "min_amount": violation.min_amount, "max_amount": violation.max_amount,
                    "detail": violation.detail})
            for kind, amount in draft.costs:
                rows[T_COST.name].append({"id": next(cost_ids), "verbale_id": verbale_id,
                                          "kind": kind, "channel": values["notification_channel"],
                                          "amount": amount})
            if values["notified_on"]:
                notified_on: date = values["notified_on"]
                rows[T_EVENT.name].append({
                    "id": next(event_ids), "verbale_id": verbale_id, "person_id": offender_id,
                    "channel": values["notification_channel"], "outcome": "perfected",
                    "occurred_at": datetime.combine(notified_on, NOON, self.ente.timezone)
                    .astimezone(UTC),
                    "perfected_on": notified_on, "reference": draft.notification_reference,
                    "details": {"source": "import", "import_id": self.import_id}})
            for index, payment in enumerate(draft.payments):
                rows[T_PAYMENT.name].append({
                    "id": next(payment_ids), "ente_id": self.ente.id, "verbale_id": verbale_id,
                    "channel": payment.channel, "status": "confirmed", "amount": payment.amount,
                    "provider_ref": self._reference(draft, index), "created_at": self.now,
                    "paid_at": payment.paid_at, "allocation": payment.allocation,
                    "excess": ZERO, "receipt_number": None,
                    "details": {"source": "import", "import_id": self.import_id}})
            outcome.imported += 1
        rows[T_PERSON.name] = new_people
        for table in ORDER:
            write_rows(self.conn, table, rows[table.name])
        outcome.counters["notification_events"] += len(rows[T_EVENT.name])
        outcome.counters["payments"] += len(rows[T_PAYMENT.name])
        outcome.counters["evidence"] += len(rows[T_EVIDENCE.name])

    def _frames(self, draft: VerbaleDraft, extra: dict[str, Any], event_id: int, verbale_id: int,
                rows: dict[str, list[dict[str, Any]]], ids: _Ids,
                outcome: ChunkOutcome) -> dict[str, Any]:
        """Store the frames found in the frames folder as the verbale's photos; the names of
        the missing ones stay on the verbale for a later upload."""
        if not draft.frames:
            return extra
        device = dict(extra.get("device_event") or {})
        missing: list[str] = []
        assert draft.device is not None
        folder = "/".join((
            "imports", _UNSAFE.sub("_", self.ente.code), "frames",
            _UNSAFE.sub("_", draft.device["device_id"]),
            f"{draft.device['event_at']:%Y%m%dT%H%M%S%fZ}-{draft.device['plate']}"))
        for name in draft.frames:
            source = self.frames_dir / name if self.frames_dir else None
            if source is None or not source.is_file():
                missing.append(name)
                continue
            data = source.read_bytes()
            kind = sniff(data[:1024])
            stored = storage.save(f"{folder}/{_UNSAFE.sub('_', name)}", data)
            rows[T_EVIDENCE.name].append({
                "id": ids.take(T_EVIDENCE, 1)[0], "verbale_id": verbale_id, "kind": "photo",
                "filename": name, "content_type": {"jpeg": "image/jpeg", "png": "image/png"}
                .get(kind or "", "application/octet-stream"),
                "size": stored.size, "sha256": stored.sha256, "storage_key": stored.key,
                "created_at": self.now})
        if missing:
            device["frames_missing"] = missing
            outcome.counters["frames_missing"] += len(missing)
        extra["device_event"] = device
        return extra
