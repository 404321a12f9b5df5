"""Benchmark of the supervisor dashboard over one million cases on PostgreSQL.

Usage::

    .venv/bin/python bench/dashboard_bench.py [--cases 1000000] [--runs 15] [--seed 2026]
        [--calls 300000] [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--keep]

Creates a scratch database on ``--server``, builds the schema with the Alembic migrations
(``core.migrate.upgrade``), bulk-inserts ``--cases`` cases for 2 Enti (60 % / 40 %) over the
last two years with COPY (``psycopg`` ``cursor.copy``) plus survey responses, ``VACUUM ANALYZE``,
then times, ``--runs`` times each after one warm-up run:

* the baseline — ``SELECT count(*) FROM support_case WHERE ente_id = … AND opened_at BETWEEN …``
  for the same Ente(s) and period;
* ``metrics.dashboard`` — every figure of the page (six aggregate queries), for one Ente and
  the current month (the page's default), both Enti, and one Ente over 3 and 12 months (the
  12-month figure with at most 5 runs);
* ``core.ivr.metrics.call_report`` — the phone line's figures (one aggregate query) over
  ``--calls`` phone calls, for the same scopes, beside its own baseline
  ``SELECT count(*) FROM phone_call WHERE ente_id = … AND started_at BETWEEN …``;
* ``reports.charter_report`` + ``report_pdf`` — the monthly charter report of one Ente;
* ``GET /dashboard`` through the Flask test client signed in as a supervisor (queries, charts
  and the template);

first with the indexes of the migrations, then again after creating the proposed index
``ix_case_ente_resolved (ente_id, resolved_at)``. Prints markdown tables (median, p95 and
the ratio of the median to the baseline's), then drops the scratch database (``--keep`` keeps
it).

Distributions: channels portal 30 %, e-mail 25 %, phone 18 %, PEC 10 %, voicemail 5 %,
letter 6 %, counter 6 %; case types from information (38 %) to blocking incidents (0.5 %);
3/4 of the cases on working days, mostly in office hours; first response for 93 % of the cases
after a log-normal delay (median ≈ 20 h, about 1 in 10 after its due time); resolution for
most cases older than a few days (old cases nobody answered closed anyway, so the backlog
is the recent weeks); the SLA cache columns (due times, next due, state) set from
the charter terms with working days approximated as 1.4 calendar days; 20 agents per Ente;
survey responses for 15 % of the closed cases (55 % fives, 30 % fours). Phone calls: uniform
over the two years in office hours, 60 % / 40 % between the Enti, four queues and five
languages; 80 % queued (of which 80 % answered after an exponential wait, mean 25 s, 14 %
abandoned), the rest self-service, voicemail or menu hang-ups.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("APP_ENV", "test")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

CHANNELS = [("portal", 30), ("email", 25), ("phone", 18), ("pec", 10), ("voicemail", 5),
            ("letter", 6), ("counter", 6)]
# (type, weight, first-response days or None, resolution days or None) — charter defaults,
# working days turned into calendar days × 1.4 where the clock is working days
TYPES = [("information", 38, 10, None), ("driver_data", 10, None, 30), ("lost_codes", 8, None, None),
         ("complaint", 7, 8 * 1.4, None), ("instalments", 7, None, 15), ("generic", 8, None, 30),
         ("appeal", 5, 5, 20), ("access", 3, None, 30), ("refund", 3, None, None),
         ("civic_access", 1, None, 30), ("complex", 2, 8, None), ("other", 7, None, None),
         ("incident_blocking", 0.5, 2 / 24, 8 / 24), ("incident_minor", 0.5, 4 / 24, 1)]
CHANNEL_FR_DAYS = {"pec": 3 * 1.4, "email": 5 * 1.4, "phone": 1.4, "voicemail": 1.4,
                   "portal": 5 * 1.4, "letter": 5 * 1.4, "counter": 5 * 1.4}
COLUMNS = ("id", "ente_id", "protocol", "channel", "type", "language", "status", "priority",
           "subject", "requester_name", "assignee_id", "opened_at", "first_response_at",
           "resolved_at", "closed_at", "payload", "first_response_due", "resolution_due",
           "next_due", "sla_state")
CALL_COLUMNS = ("id", "call_sid", "ente_id", "from_number", "language", "queue", "started_at",
                "enqueued_at", "last_in_queue_at", "dequeued_at", "queue_result", "answered_at",
                "ended_at", "outcome", "wait_seconds", "duration_seconds", "self_served")
CALL_QUEUES = ("payments", "payments", "appeals", "driver_data", "general", "general")
CALL_LANGUAGES = ("it",) * 6 + ("en", "en", "de", "fr", "es")
PROPOSED_INDEXES = ("CREATE INDEX IF NOT EXISTS ix_case_ente_resolved ON support_case (ente_id, resolved_at)",)
SCORES = [5] * 55 + [4] * 30 + [3] * 8 + [2] * 4 + [1] * 3


def _table(items, size=1000):
    total = sum(w for _, w, *_ in items)
    table = []
    for index, (_, weight, *_) in enumerate(items):
        table += [index] * round(weight * size / total)
    return table


def generate(n: int, seed: int, now: datetime, ente_ids: list[int], agents: dict[int, list[int]],
             codes: dict[int, str]) -> Iterator[tuple]:
    """Yield ``n`` case rows in opening order over the two years before ``now``."""
    rng = random.Random(seed)
    channel_pick, type_pick = _table(CHANNELS), _table(TYPES)
    start = now - timedelta(days=730)
    span = (now - start).total_seconds()
    counters = dict.fromkeys(ente_ids, 0)
    # opening instants: uniform days, 3/4 on working days, mostly office hours
    instants = []
    for _ in range(n):
        t = start + timedelta(seconds=rng.random() * span)
        if t.weekday() >= 5 and rng.random() < 0.7:
            t -= timedelta(days=rng.choice((1, 2)))
        if rng.random() < 0.8:
            t = t.replace(hour=rng.choice((7, 8, 9, 10, 11, 13, 14, 15, 16)))
        instants.append(min(t, now - timedelta(minutes=1)))
    instants.sort()
    for case_id, opened in enumerate(instants, start=1):
        ente = ente_ids[0] if rng.random() < 0.6 else ente_ids[1]
        channel = CHANNELS[rng.choice(channel_pick)][0]
        case_type, _, type_fr, type_res = TYPES[rng.choice(type_pick)]
        # e-mail, PEC and callbacks compete with the type's term (earliest wins); portal,
        # letter and counter terms are fallbacks, used when the type sets no first response
        terms = [type_fr] if type_fr is not None else []
        if channel in ("pec", "email", "phone", "voicemail") or type_fr is None:
            terms.append(CHANNEL_FR_DAYS[channel])
        fr_days = min(terms)
        fr_due = opened + timedelta(days=fr_days) if fr_days else None
        res_due = opened + timedelta(days=type_res) if type_res else None
        age = now - opened
        fr_at = resolved = closed = None
        if rng.random() < 0.93:
            delay = timedelta(hours=rng.lognormvariate(math.log(20), 1.1))
            if opened + delay < now:
                fr_at = opened + delay
        if fr_at is not None and rng.random() < (0.97 if age > timedelta(days=20) else 0.6):
            after = timedelta(hours=rng.lognormvariate(math.log(90), 1.0))
            if fr_at + after < now:
                resolved = fr_at + after
                if rng.random() < 0.8:
                    closed = min(resolved + timedelta(days=rng.randint(0, 7)), now)
        if resolved is None and age > timedelta(days=45) and rng.random() < 0.995:
            # old cases nobody answered were closed all the same (duplicates, withdrawn …)
            resolved = opened + timedelta(days=rng.uniform(20, 45))
            closed = resolved
        if closed:
            status = "closed"
        elif resolved:
            status = "resolved"
        else:
            status = rng.choice(("new", "open", "open", "open", "waiting_citizen", "waiting_ente"))
        open_dues = [d for d, met in ((fr_due, fr_at), (res_due, resolved)) if d and not met]
        next_due = min(open_dues) if open_dues and status not in ("resolved", "closed") else None
        state = "breached" if next_due and next_due < now else "ok"
        counters[ente] += 1
        assignee = rng.choice(agents[ente]) if rng.random() < 0.9 else None
        yield (case_id, ente, f"{codes[ente]}-{counters[ente]:07d}", channel, case_type, "it",
               status, "normal", "Richiesta", "", assignee, opened, fr_at, resolved, closed, "{}",
               fr_due, res_due, next_due, state)


def generate_calls(n: int, seed: int, now: datetime, ente_ids: list[int]) -> Iterator[tuple]:
    """Yield ``n`` phone-call rows (see the module docstring)."""
    rng = random.Random(seed + 7)
    start = now - timedelta(days=730)
    span = (now - start).total_seconds()
    for call_id in range(1, n + 1):
        t = start + timedelta(seconds=rng.random() * span)
        t = min(t.replace(hour=rng.choice((8, 9, 10, 11, 13, 14, 15, 16))), now - timedelta(hours=1))
        ente = ente_ids[0] if rng.random() < 0.6 else ente_ids[1]
        language = rng.choice(CALL_LANGUAGES)
        queue = enqueued = dequeued = result = answered = wait = None
        fate = rng.random()
        if fate < 0.8:
            queue, enqueued = rng.choice(CALL_QUEUES), t + timedelta(seconds=40)
            kind = rng.random()
            if kind < 0.8:
                wait, outcome, result = int(rng.expovariate(1 / 25)), "answered", "bridged"
                answered = enqueued + timedelta(seconds=wait)
            elif kind < 0.94:
                wait, outcome, result = rng.randrange(3, 240), "abandoned", "hangup"
            else:
                wait, outcome, result = rng.randrange(100, 400), "callback", "hangup"
            dequeued = enqueued + timedelta(seconds=wait)
            ended = dequeued + timedelta(seconds=rng.randrange(0, 600) if answered else 5)
        else:
            outcome = rng.choice(("self_service", "self_service", "voicemail", "menu"))
            ended = t + timedelta(seconds=rng.randrange(20, 180))
        yield (call_id, f"CA{call_id:032d}", ente, "+393330000000", language, queue, t, enqueued,
               dequeued, dequeued, result, answered, ended, outcome, wait,
               round((ended - t).total_seconds()), outcome == "self_service")


def load(engine, n: int, seed: int, now: datetime, calls: int = 0) -> dict:
    """Enti, agents, a supervisor, then the cases and surveys with COPY."""
    from core import db
    from core.models import Ente, StaffRole, StaffUser

    session = db.session
    enti = [Ente(code=code, name=f"Comune di {name}", fiscal_code=f"{80000000100 + i:011d}",
                 segregation_code="02", id_broker_pa="15376371009", id_station="15376371009_01",
                 iban="IT60X0542811101000000123456", rules={}, charter_terms={})
            for i, (code, name) in enumerate((("RHO", "Rho"), ("LEG", "Legnano")))]
    session.add_all(enti)
    session.flush()
    agents = {}
    for ente in enti:
        staff = [StaffUser(email=f"agent{k}.{ente.code.lower()}@example.org", name=f"Operatore {ente.code} {k:02d}",
                           role=StaffRole.AGENT, password_hash="x", languages=["it"])
                 for k in range(20)]
        for user in staff:
            user.enti = [ente]
        session.add_all(staff)
        session.flush()
        agents[ente.id] = [u.id for u in staff]
    supervisor = StaffUser(email="supervisor@example.org", name="Supervisore", role=StaffRole.SUPERVISOR,
                           password_hash="x", languages=["it"], totp_secret="JBSWY3DPEHPK3PXP",
                           totp_enrolled_at=now)  # enrolled: no redirect to the second factor
    supervisor.enti = [enti[0]]
    session.add(supervisor)
    session.commit()
    ids = [e.id for e in enti]
    codes = {e.id: e.code for e in enti}

    rng = random.Random(seed + 1)
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            surveys = []
            with cur.copy(f"COPY support_case ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in generate(n, seed, now, ids, agents, codes):
                    copy.write_row(row)
                    closed = row[14]
                    if closed is not None and rng.random() < 0.15:
                        surveys.append((row[0], rng.choice(SCORES), "",
                                        closed + timedelta(hours=rng.randint(1, 72))))
            with cur.copy("COPY survey_response (case_id, score, comment, at) FROM STDIN") as copy:
                for survey in surveys:
                    copy.write_row(survey)
            cur.execute("SELECT setval('support_case_id_seq', %s)", (n,))
            with cur.copy(f"COPY phone_call ({', '.join(CALL_COLUMNS)}) FROM STDIN") as copy:
                for row in generate_calls(calls, seed, now, ids):
                    copy.write_row(row)
        raw.driver_connection.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE support_case"))
        conn.execute(text("VACUUM ANALYZE survey_response"))
        conn.execute(text("VACUUM ANALYZE phone_call"))
    return {"ente_ids": ids, "surveys": len(surveys),
            "supervisor": SimpleNamespace(id=supervisor.id, session_token=supervisor.session_token)}


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: plans, caches, connection
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def measure(app, engine, data: dict, runs: int, now: datetime) -> list[tuple[str, str, list[float], list[float]]]:
    from core import db
    from core.contact import metrics, reports
    from core.ivr import metrics as ivr_metrics
    from core.models import Ente
    from tests.factories import sign_in_staff

    rho, leg = data["ente_ids"]
    month_first, month_last = metrics.default_period(now)
    previous = month_first - timedelta(days=1)
    scopes = {
        "one Ente, current month": metrics.make_scope([rho], month_first, month_last, now),
        "both Enti, current month": metrics.make_scope([rho, leg], month_first, month_last, now),
        "one Ente, last 3 months": metrics.make_scope(
            [rho], month_last - timedelta(days=91), month_last, now),
        "one Ente, last 12 months": metrics.make_scope(
            [rho], month_last - timedelta(days=364), month_last, now),
    }
    long_runs = min(runs, 5)  # the year takes seconds: fewer runs keep the total short

    def baseline(scope):
        stmt = text("SELECT count(*) FROM support_case WHERE ente_id = ANY(:ids) "
                    "AND opened_at BETWEEN :start AND :end")
        params = {"ids": list(scope.ente_ids), "start": scope.start, "end": scope.end}
        return lambda: db.session.execute(stmt, params).scalar_one()

    def call_baseline(scope):
        stmt = text("SELECT count(*) FROM phone_call WHERE ente_id = ANY(:ids) "
                    "AND started_at BETWEEN :start AND :end")
        params = {"ids": list(scope.ente_ids), "start": scope.start, "end": scope.end}
        return lambda: db.session.execute(stmt, params).scalar_one()

    results = []
    with app.test_request_context("/?lang=it"):
        for label, scope in scopes.items():
            n = long_runs if "12 months" in label else runs
            base = timed(baseline(scope), n)
            results.append((f"baseline count(*) — {label}", label, base, base))
            results.append((f"`metrics.dashboard` — {label}", label,
                            timed(lambda scope=scope: metrics.dashboard(scope), n), base))
            calls_base = timed(call_baseline(scope), n)
            results.append((f"baseline count(*) of calls — {label}", label, calls_base, calls_base))
            results.append((f"`ivr metrics.call_report` — {label}", label,
                            timed(lambda scope=scope: ivr_metrics.call_report(scope), n),
                            calls_base))
            db.session.rollback()
        month_scope = metrics.make_scope([rho], *metrics.month_bounds(previous.year, previous.month), now)
        base = timed(baseline(month_scope), runs)
        results.append((f"baseline count(*) — one Ente, {previous:%Y-%m}", "previous month", base, base))
        ente = db.session.get(Ente, rho)
        results.append((f"charter report + PDF — one Ente, {previous:%Y-%m}", "previous month",
                        timed(lambda: reports.report_pdf(
                            reports.charter_report(ente, previous.year, previous.month, now)), runs),
                        base))
        db.session.rollback()
    client = app.test_client()
    sign_in_staff(client, app, data["supervisor"])

    def page():
        response = client.get("/dashboard")
        assert response.status_code == 200, (response.status_code, response.location)

    results.append(("`GET /dashboard` (supervisor, one Ente, current month)",
                    "one Ente, current month", timed(page, runs),
                    results[0][2]))
    return results


def print_table(title: str, results) -> None:
    print(f"\n{title}\n")
    print("| operation | median ms | p95 ms | median ÷ baseline |")
    print("|---|---:|---:|---:|")
    for name, _, values, base in results:
        ratio = statistics.median(values) / statistics.median(base)
        print(f"| {name} | {statistics.median(values):.1f} | {p95(values):.1f} | {ratio:.1f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    name = f"dashboard_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(args.server, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.server).set(database=name).render_as_string(hide_password=False)
    print(f"scratch database {name}; {args.cases:,} cases; {args.calls:,} calls; "
          f"{args.runs} runs per figure")
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    started = time.perf_counter()
    try:
        from core import db
        from core.factory import create_app
        from core.migrate import upgrade

        app = create_app("contact_center", {"TESTING": True, "DATABASE_URL": url,
                                            "WTF_CSRF_ENABLED": False, "SERVER_NAME": None,
                                            "REDIS_URL": ""})
        if "dashboard" not in app.blueprints:
            from contact_center.dashboard.views import bp

            app.register_blueprint(bp)
        engine = db.make_engine(url)
        upgrade(engine)
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        data = load(engine, args.cases, args.seed, now, args.calls)
        print(f"loaded {args.cases:,} cases, {args.calls:,} calls and {data['surveys']:,} survey responses "
              f"in {time.perf_counter() - t0:.0f} s")
        with engine.connect() as conn:
            print("PostgreSQL", conn.execute(text("SHOW server_version")).scalar_one())
        before = measure(app, engine, data, args.runs, now)
        print_table("With the indexes of the migrations:", before)
        db.session.remove()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in PROPOSED_INDEXES:
                conn.execute(text(statement))
            conn.execute(text("ANALYZE support_case"))
        after = measure(app, engine, data, args.runs, now)
        print_table("With the proposed index ix_case_ente_resolved (ente_id, resolved_at):", after)
    finally:
        db.session.remove()
        for engine_obj in list(db._engines.values()):
            engine_obj.dispose()
        if not args.keep:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped {name}")
        server.dispose()
    print(f"total {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
