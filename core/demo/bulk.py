"""Large volumes for benchmarks: ``demo load --verbali N`` adds N verbali (with their people,
violations, costs, notification events and payments) on top of the base demo.

Rows are generated as plain tuples batch by batch and written with SQLAlchemy Core (one
``executemany`` per table and batch) or, on PostgreSQL with psycopg, with ``COPY … FROM
STDIN``; every batch is its own transaction. Nothing is kept between batches but a small ring
of recent people (for repeat offenders), so memory stays constant whatever N is.

Primary keys are reserved before writing (PostgreSQL: ``nextval`` of the table's sequence;
SQLite: after ``max(id)`` inside the batch's write transaction), so child rows can point at
their parents without a round trip per row. Only every 1000th person gets access codes, all
sharing one precomputed hash of :data:`~core.demo.data.BULK_CITIZEN_PASSWORD`.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time as _time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.engine import Connection, Engine

from core.demo import states
from core.demo.catalogue import BY_CODE, amount_on
from core.demo.data import BULK_CITIZEN_PASSWORD, DEMO_SEED
from core.demo.enti import ENTI, DemoEnte, devices_of
from core.demo.identity import partita_iva, plate
from core.demo.people import POOLS, make_person
from core.demo.plan import (
    FRIENDLY,
    INTL,
    NOTIFIED_AGO,
    PEC,
    POST,
    ROADSIDE,
    SEND,
    VEHICLES,
    costs_for,
    instant,
    iuv,
    notification_steps,
    reference,
    rome_today,
    sent_steps,
    speed_detail,
)
from core.demo.pricing import Line, amount_due, ente_rules, sanction_due
from core.models import (
    AccessCredential,
    Ente,
    NotificationEvent,
    Payment,
    Person,
    Verbale,
    VerbaleCost,
    VerbaleViolation,
    ViolationType,
    new_session_token,
)
from core.models.payments import Allocation
from core.security import hash_password

STATE_WEIGHTS = {
    states.ASSESSED: 4, states.SENT: 3, states.JUST_NOTIFIED: 0.5, states.REDUCED_WINDOW: 3,
    states.MINIMUM_WINDOW: 15, states.PAST_60_DAYS: 20, states.PARTIALLY_PAID: 4,
    states.PAID: 38, states.APPEALED: 3, states.INSTALMENTS: 1.5, states.ENFORCEMENT: 7,
    states.CANCELLED: 1,
}
ENTE_WEIGHTS = {"RHO": 55, "SIRACUSA": 45}
FOREIGN_SHARE = {"RHO": 0.2, "SIRACUSA": 0.45}
FOREIGN_COUNTRIES = ("DE", "FR", "AT", "CH", "ES", "GB", "NL", "PL")
PATROL_CODES = ("7.15-SOSTA", "157.8", "158.2", "172.1", "173.2", "180.1", "80.14", "141.8")
ROADSIDE_CODES = {"172.1", "173.2", "180.1", "80.14", "141.8", "193.2", "186.2a"}
INSTALMENT_CODES = ("193.2", "186.2a")
SECOND_CODES = ("180.1", "172.1", "173.2", "80.14")
CREDENTIAL_EVERY = 1000
ZERO = Decimal("0.00")
COMPANY_WORDS = ("Trasporti", "Logistica", "Costruzioni", "Servizi", "Impianti", "Noleggi",
                 "Commerciale", "Consulting", "Distribuzione", "Alimentari")
COMPANY_FORMS = ("S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "S.r.l.s.")
STATUS_OF = {
    states.ASSESSED: "assessed", states.PAID: "paid", states.APPEALED: "appealed",
    states.INSTALMENTS: "instalments", states.ENFORCEMENT: "enforcement",
    states.CANCELLED: "cancelled",
}
TABLES: tuple[Table, ...] = tuple(m.__table__ for m in (  # type: ignore[attr-defined]
    Person, Verbale, VerbaleViolation, VerbaleCost, NotificationEvent, Payment,
    AccessCredential))


class BulkError(RuntimeError):
    """The bulk generator cannot run (e.g. the base demo is missing)."""


@dataclass
class BulkResult:
    verbali: int = 0
    rows: Counter = field(default_factory=Counter)
    states: Counter = field(default_factory=Counter)
    elapsed: float = 0.0
    method: str = ""


@dataclass
class _EnteCtx:
    spec: DemoEnte
    id: int
    rules: Any
    next_seq: int
    recent: deque  # (person_id, country) of recent natural persons
    companies: deque  # person ids of recent companies


# -- id reservation ------------------------------------------------------------------------


class _Ids:
    """Primary keys reserved ahead of the inserts of one batch."""

    BLOCK = 10_000  # PostgreSQL: ids fetched per round trip (unused ones are just a gap)

    def __init__(self, conn: Connection):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.pool: dict[str, list[int]] = {}
        self.next: dict[str, int] = {}
        if not self.pg:
            for table in TABLES:
                top = conn.scalar(select(func.max(table.c.id)))
                self.next[table.name] = (top or 0) + 1

    def take(self, table: str) -> int:
        if not self.pg:
            value = self.next[table]
            self.next[table] = value + 1
            return value
        pool = self.pool.get(table)
        if not pool:
            pool = self.conn.scalar(text(
                "SELECT array_agg(nextval(pg_get_serial_sequence(:t, 'id'))) "
                "FROM generate_series(1, :n)"), {"t": table, "n": self.BLOCK})
            pool.reverse()
            self.pool[table] = pool
        return pool.pop()


# -- writing -------------------------------------------------------------------------------


def _missing_defaults(table: Table, given: list[str]) -> list[tuple[str, Callable[[], Any]]]:
    """Python-side defaults of the columns a row does not give (columns added by other
    modules after this generator was written); server defaults apply by themselves."""
    defaults: list[tuple[str, Callable[[], Any]]] = []
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if getattr(default, "is_scalar", False):
            defaults.append((column.name, lambda v=default.arg: v))  # type: ignore[union-attr]
        elif getattr(default, "is_callable", False):
            defaults.append((column.name, lambda f=default.arg: f(None)))  # type: ignore[union-attr]
    return defaults


def _write(conn: Connection, table: Table, rows: list[dict], use_copy: bool) -> None:
    """Insert ``rows`` (dicts with the same keys): COPY on PostgreSQL, else one executemany of
    tuples converted by the columns' own bind processors (what Core would do, minus its
    per-row bookkeeping)."""
    if not rows:
        return
    columns = list(rows[0])
    defaults = _missing_defaults(table, columns)
    names = columns + [name for name, _ in defaults]
    quoted = ", ".join(f'"{name}"' for name in names)
    if use_copy:
        json_columns = [c for c in columns if isinstance(table.c[c].type, JSON)]
        dumps = json.dumps
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                for name in json_columns:
                    row[name] = dumps(row[name], ensure_ascii=False)
                values = [row[name] for name in columns]
                values.extend(make() for _, make in defaults)
                copy.write_row(values)
        return
    dialect = conn.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    marks = ", ".join("?" if dialect.paramstyle == "qmark" else "%s" for _ in names)
    data = []
    for row in rows:
        values = [row[name] for name in columns]
        values.extend(make() for _, make in defaults)
        data.append(tuple(p(v) if p is not None else v for p, v in zip(processors, values,
                                                                         strict=True)))
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'  # noqa: S608 - names from the schema
    conn.exec_driver_sql(sql, data)


# -- generation ----------------------------------------------------------------------------


class _Generator:
    def __init__(self, conn: Connection, today: date, seed: str):
        self.today = today
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.vtypes = dict(conn.execute(select(ViolationType.code, ViolationType.id)).all())
        missing = [code for code in BY_CODE if code not in self.vtypes]
        if missing:
            raise BulkError(f"violation catalogue incomplete: {', '.join(missing)}")
        enti = dict(conn.execute(select(Ente.code, Ente.id)).all())
        self.enti: dict[str, _EnteCtx] = {}
        for spec in ENTI:
            if spec.code not in enti:
                raise BulkError("the base demo is not loaded")
            prefix = f"{spec.short}/B/"
            top = conn.scalar(select(func.max(Verbale.number)).where(
                Verbale.ente_id == enti[spec.code], Verbale.number.like(prefix + "%")))
            self.enti[spec.code] = _EnteCtx(
                spec=spec, id=enti[spec.code],
                rules=ente_rules(spec.patron_saint, spec.rules),
                next_seq=int(top[len(prefix):]) + 1 if top else 1,
                recent=deque(maxlen=500), companies=deque(maxlen=200))
        self.password_hash = hash_password(BULK_CITIZEN_PASSWORD)
        self.state_names = list(STATE_WEIGHTS)
        self.state_weights = list(STATE_WEIGHTS.values())
        self.person_count = 0

    def _at(self, day: date, start: int = 7, end: int = 21) -> datetime:
        moment = instant(day, self.rng, start, end)
        return min(moment, self.now) if day >= self.today else moment

    def _person(self, ids: _Ids, out: dict[str, list[dict]], ctx: _EnteCtx,
                country: str) -> tuple[int, dict]:
        values = make_person(self.rng, country, ctx.spec.code)
        person_id = ids.take("person")
        values.update(id=person_id, ente_id=ctx.id, email_verified_at=None,
                      created_at=self.now)
        out["person"].append(values)
        self._maybe_credential(ids, out, person_id, ctx)
        return person_id, values

    def _company(self, ids: _Ids, out: dict[str, list[dict]], ctx: _EnteCtx) -> int:
        rng = self.rng
        if ctx.companies and rng.random() < 0.7:
            return rng.choice(ctx.companies)
        name = (f"{rng.choice(POOLS['IT'].surnames)} {rng.choice(COMPANY_WORDS)} "
                f"{rng.choice(COMPANY_FORMS)}")
        person_id = ids.take("person")
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:30]
        out["person"].append({
            "id": person_id, "ente_id": ctx.id, "kind": "legal", "first_name": "",
            "last_name": "", "company_name": name,
            "fiscal_code": partita_iva(rng, "015" if ctx.spec.code == "RHO" else "089"),
            "foreign_id": None, "foreign_id_type": None, "foreign_id_country": None,
            "birth_date": None, "address_line": f"Via Industriale {rng.randint(1, 200)}",
            "postal_code": "20017" if ctx.spec.code == "RHO" else "96100",
            "city": "Rho" if ctx.spec.code == "RHO" else "Siracusa",
            "province": "MI" if ctx.spec.code == "RHO" else "SR", "country": "IT",
            "language": "it", "email": None, "email_verified_at": None,
            "pec": f"{slug}@pec.example.com", "phone": None, "created_at": self.now,
        })
        ctx.companies.append(person_id)
        self._maybe_credential(ids, out, person_id, ctx)
        return person_id

    def _maybe_credential(self, ids: _Ids, out: dict[str, list[dict]], person_id: int,
                          ctx: _EnteCtx) -> None:
        self.person_count += 1
        if self.person_count % CREDENTIAL_EVERY:
            return
        out["access_credential"].append({
            "id": ids.take("access_credential"), "person_id": person_id,
            "username": f"BULK-{ctx.spec.short}-{person_id:09d}",
            "password_hash": self.password_hash, "failed_attempts": 0, "locked_until": None,
            "last_login_at": None, "session_token": new_session_token(),
            "created_at": self.now,
        })

    def verbale(self, ids: _Ids, out: dict[str, list[dict]]) -> str:
        """Generate one verbale with its rows into ``out``; returns its state."""
        rng = self.rng
        today = self.today
        code = rng.choices(list(ENTE_WEIGHTS), list(ENTE_WEIGHTS.values()))[0]
        ctx = self.enti[code]
        spec = ctx.spec
        state = rng.choices(self.state_names, self.state_weights)[0]
        foreign = rng.random() < FOREIGN_SHARE[code]
        country = rng.choice(FOREIGN_COUNTRIES) if foreign else "IT"

        # offender (sometimes a repeat offender) and owner
        if ctx.recent and rng.random() < 0.1:
            offender_id, country = rng.choice(ctx.recent)
            foreign = country != "IT"
            offender_city = ""
        else:
            offender_id, values = self._person(ids, out, ctx, country)
            ctx.recent.append((offender_id, country))
            offender_city = values["city"]
        owner_id = self._company(ids, out, ctx) if not foreign and rng.random() < 0.1 else None

        # violations (an instalment plan needs more than EUR 200: art. 202-bis)
        device = None
        if state == states.INSTALMENTS:
            codes = (rng.choice(INSTALMENT_CODES),)
        elif rng.random() < 0.45:
            device = rng.choice(devices_of(code))
            codes = (rng.choice(device.violation_codes),)
        else:
            codes = (rng.choice(PATROL_CODES),)
            if codes[0] in ROADSIDE_CODES and rng.random() < 0.25:
                second = rng.choice(SECOND_CODES)
                if second != codes[0]:
                    codes = (codes[0], second)
        roadside = (device is None and codes[0] in ROADSIDE_CODES
                    and state not in (states.ASSESSED, states.SENT))

        # channel and dates
        if roadside:
            channel = ROADSIDE
        elif foreign:
            channel = FRIENDLY if code == "SIRACUSA" and state in (
                states.JUST_NOTIFIED, states.REDUCED_WINDOW, states.SENT,
                states.ASSESSED) else INTL
        elif owner_id is not None and rng.random() < 0.5:
            channel = PEC
        else:
            channel = SEND if rng.random() < 0.55 else POST
        if state == states.PARTIALLY_PAID and channel in (ROADSIDE, FRIENDLY):
            channel, roadside = (INTL if foreign else POST), False
        notified_on = paid_on = sent_on = None
        if state == states.PAID:
            after = rng.randint(0, 5) if rng.random() < 0.55 else rng.randint(6, 90)
            notified_on = today - timedelta(days=after + rng.randint(0, 700))
            paid_on = notified_on + timedelta(days=after)
        elif state == states.PARTIALLY_PAID:
            after = rng.randint(1, 50)
            notified_on = today - timedelta(days=after + rng.randint(2, 300))
            paid_on = notified_on + timedelta(days=after)
        elif state in NOTIFIED_AGO:
            low, high = NOTIFIED_AGO[state]
            notified_on = today - timedelta(days=rng.randint(low, high))
        ref = reference(channel, rng, today.year)
        steps = []
        if state == states.ASSESSED:
            assessed_on = today - timedelta(days=rng.randint(2, 60))
        elif state == states.SENT:
            sent_on = today - timedelta(days=rng.randint(1, 6))
            steps = sent_steps(channel, sent_on, today, rng, ref)
            assessed_on = sent_on - timedelta(days=rng.randint(5, 60))
        else:
            assert notified_on is not None
            sent_on, steps = notification_steps(channel, notified_on, rng, ref)
            assessed_on = notified_on if roadside else sent_on - timedelta(
                days=rng.randint(5, 40 if not foreign else 150))
        violation_day = assessed_on - timedelta(days=rng.randint(0, 3)) if device else \
            assessed_on

        # the verbale
        verbale_id = ids.take("verbale")
        number = f"{spec.short}/B/{ctx.next_seq:08d}"
        ctx.next_seq += 1
        area = ""
        if foreign and offender_city:
            area = next((p.plate_area for p in POOLS[country].places if p.city == offender_city),
                        "")
        plate_compact, _shown = plate(rng, country, area)
        status = STATUS_OF.get(state, "notified")
        extra: dict = {"bulk": True}
        lines: list[Line] = []
        for vcode in codes:
            minimum, maximum = amount_on(vcode, violation_day)
            entry = BY_CODE[vcode]
            detail = speed_detail(rng, vcode, device.speed_limit) if (
                device is not None and device.speed_limit and vcode.startswith("142.")) else {}
            out["verbale_violation"].append({
                "id": ids.take("verbale_violation"), "verbale_id": verbale_id,
                "violation_type_id": self.vtypes[vcode], "min_amount": minimum,
                "max_amount": maximum, "detail": detail})
            lines.append(Line(minimum, maximum, entry.reduced_payment_allowed,
                              entry.discount_30_allowed))
        costs: list[Decimal] = []
        if sent_on is not None and channel not in (ROADSIDE, FRIENDLY):
            for kind, amount in costs_for(spec, channel, sent_on):
                out["verbale_cost"].append({"id": ids.take("verbale_cost"),
                                            "verbale_id": verbale_id, "kind": kind,
                                            "channel": channel, "amount": amount})
                costs.append(amount)
        for step in steps:
            out["notification_event"].append({
                "id": ids.take("notification_event"), "verbale_id": verbale_id,
                "person_id": offender_id, "channel": step.channel, "outcome": step.outcome,
                "occurred_at": self._at(step.on, 8, 19), "perfected_on": step.perfected_on,
                "reference": step.reference, "details": step.details})

        payments: list[tuple[Decimal, date]] = []
        if state == states.PAID:
            assert notified_on and paid_on
            payments.append((amount_due(lines, notified_on, paid_on, costs, ctx.rules), paid_on))
        elif state == states.PARTIALLY_PAID:
            assert notified_on and paid_on
            payments.append((sanction_due(lines, notified_on, paid_on, ctx.rules), paid_on))
        elif state == states.INSTALMENTS:
            assert notified_on
            total = amount_due(lines, notified_on, notified_on + timedelta(days=10), costs,
                               ctx.rules)
            count = max(2, min(12, int(total // 100)))
            each = (total / count).quantize(Decimal("0.01"))
            granted = notified_on + timedelta(days=20)
            for k in range(count - 1):
                due = granted + timedelta(days=30 * (k + 1))
                if due > today:
                    break
                payments.append((each, due))
            extra["instalments"] = {"count": count, "amount": str(each),
                                    "granted_on": granted.isoformat()}
        elif state == states.APPEALED:
            extra["appeal"] = {"authority": "prefetto",
                               "filed_on": (notified_on + timedelta(days=5)).isoformat()}
        elif state == states.ENFORCEMENT:
            extra["enforcement"] = {"kind": "ingiunzione_fiscale"}
        allocation = Allocation.FULL.value if state == states.PAID else \
            Allocation.PARTIAL.value
        for n, (amount, on) in enumerate(payments):
            payment_id = ids.take("payment")
            at = self._at(on, 8, 20)
            if foreign:
                pchannel, pref, details = "card", f"pi_bulk_{payment_id:012d}", {}
            else:
                iuv_code, nav = iuv(spec.segregation_code, f"2{payment_id:012d}")
                pchannel, pref, details = "pagopa", iuv_code, {"iuv": iuv_code,
                                                               "notice_number": nav}
            if state == states.INSTALMENTS:
                details["instalment"] = n + 1
            out["payment"].append({
                "id": payment_id, "ente_id": ctx.id, "verbale_id": verbale_id,
                "channel": pchannel, "status": "confirmed", "amount": amount,
                "provider_ref": pref, "created_at": at, "paid_at": at, "details": details,
                "allocation": allocation, "excess": ZERO})

        out["verbale"].append({
            "id": verbale_id, "ente_id": ctx.id, "number": number,
            "violation_at": self._at(violation_day), "place": device.place if device else
            rng.choice(spec.patrol_places), "plate": plate_compact,
            "registration_country": country, "vehicle": rng.choice(VEHICLES[country]),
            "device": device.label if device else "", "assessed_on": assessed_on,
            "identified_on": None, "contested_on_spot": roadside,
            "notified_on": notified_on if state not in (states.ASSESSED, states.SENT) else None,
            "notification_channel": channel if state != states.ASSESSED else None,
            "status": status, "late_notification_suspected": False,
            "offender_id": offender_id, "owner_id": owner_id, "created_at": self.now,
            "extra": extra,
        })
        return state


def _batches(total: int, size: int) -> Iterator[int]:
    done = 0
    while done < total:
        n = min(size, total - done)
        yield n
        done += n


def _write_batch(engine: Engine, out: dict[str, list[dict]], use_copy: bool) -> None:
    with engine.begin() as conn:
        for table in TABLES:
            _write(conn, table, out[table.name], use_copy)


class _BackgroundWriter:
    """Writes batches on a thread (its own connection and transaction per batch) while the
    caller generates the next one; at most one batch waits, so memory stays bounded."""

    def __init__(self, engine: Engine, use_copy: bool):
        self.engine = engine
        self.use_copy = use_copy
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="demo-bulk-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (out := self.queue.get()) is not None:
            if self.error is None:
                try:
                    _write_batch(self.engine, out, self.use_copy)
                except BaseException as error:  # handed to the caller
                    self.error = error

    def submit(self, out: dict[str, list[dict]]) -> None:
        self._raise()
        self.queue.put(out)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error


def generate_bulk(engine: Engine, count: int, *, today: date | None = None,
                  batch_size: int = 5000, use_copy: bool | None = None,
                  progress: Callable[[int], None] | None = None) -> BulkResult:
    """Add ``count`` verbali in batches of ``batch_size`` (one transaction each).

    On PostgreSQL the ids come from the sequences (an autocommit connection) and a background
    thread writes batch N while batch N+1 is generated; on SQLite everything is sequential.
    """
    started = _time.monotonic()
    today = today or rome_today()
    postgres = engine.dialect.name == "postgresql"
    if use_copy is None:
        use_copy = postgres and engine.dialect.driver == "psycopg"
    result = BulkResult(method=("COPY" if use_copy else "executemany")
                        + (", pipelined" if postgres else ""))
    with engine.connect() as conn:
        generator = _Generator(conn, today, f"{DEMO_SEED}-bulk-{_first_seq(conn)}")

    def generate(ids: _Ids, size: int) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {t.name: [] for t in TABLES}
        for _ in range(size):
            result.states[generator.verbale(ids, out)] += 1
        for name, rows in out.items():
            result.rows[name] += len(rows)
        return out

    if postgres:
        writer = _BackgroundWriter(engine, use_copy)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as id_conn:
            ids = _Ids(id_conn)
            try:
                for size in _batches(count, batch_size):
                    writer.submit(generate(ids, size))
                    result.verbali += size
                    if progress:
                        progress(size)
            finally:
                writer.close()
    else:
        for size in _batches(count, batch_size):
            with engine.begin() as conn:
                out = generate(_Ids(conn), size)
                for table in TABLES:
                    _write(conn, table, out[table.name], use_copy)
            result.verbali += size
            if progress:
                progress(size)
    result.elapsed = _time.monotonic() - started
    return result


def _first_seq(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(Verbale).where(
        Verbale.number.like("%/B/%"))) or 0
