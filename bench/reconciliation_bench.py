"""Benchmark of the reconciliation import (pagoPA FlussoRiversamento) on PostgreSQL, against a
raw COPY of the same payment rows, in the same run.

Usage::

    .venv/bin/python bench/reconciliation_bench.py [--payments 100000] [--mixed 10000]
        [--rounds 3] [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--keep]

Creates a scratch database on ``--server``, builds the schema with the Alembic migrations,
loads the base demo and ``--payments`` + ``--mixed`` benchmark verbali of one Ente with
:func:`core.demo.bulk.generate_bulk` (COPY), then COPYs one pagoPA notice per verbale and, for
the main flow, the receipt every payment already has in the ledger (what ``paSendRT``
records: channel pagoPA, provider reference = receipt id), and runs ``VACUUM ANALYZE``.

Files (in a temporary directory):

* the main flow — ``--payments`` payments (one per notice, all with a receipt in the ledger:
  the everyday case, the flow arriving two working days after the receipts);
* the mixed flow — ``--mixed`` payments of other notices: 90 % with a receipt, 8 % without one
  (recorded through the ledger: outcome 9), 2 % with an IUV no notice has (exceptions).

Each round times, in this order and each in its own transaction rolled back afterwards (so
every round starts from the same data; ``VACUUM`` in between):

* **raw COPY** — the flow's rows, already in memory as tuples, COPYed into a scratch table
  without indexes or checks (the database's bulk-load speed);
* **parse + raw COPY** — the flow file read with the same streaming parser
  (:class:`core.reconciliation.flusso.FlussoParser`) and its rows COPYed into the scratch table:
  a raw bulk load of the file, with no matching;
* **reconciliation** — :func:`core.reconciliation.service.import_file` on the file: hashing,
  parsing, staging, totals and duplicate checks, set-based matching against notices and
  receipts, the UPDATE of the matched payments, exceptions, audit event, archive.

Prints markdown tables (best and median of the rounds, rows per second, the ratio of each
speed to the raw COPY's and to the parse + COPY's), then drops the database (``--keep``
keeps it).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")

NS = "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"
IUV_BASE = 7_000_000_000_000  # 13-digit IUV bases far from the demo's


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(server: str) -> str:
    import psycopg

    name = f"recon_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_dsn(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def drop_database(server: str, url: str) -> None:
    import psycopg

    with psycopg.connect(_dsn(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def nav(segregation: str, base: int) -> tuple[str, str]:
    head = f"3{segregation}{base:013d}"
    number = f"{head}{int(head) % 93:02d}"
    return number, number[1:]


def amount_of(n: int) -> Decimal:
    return (Decimal("29.40"), Decimal("42.00"), Decimal("58.80"), Decimal("173.00"))[n % 4]


# -- data ----------------------------------------------------------------------------------------


def load(app, url: str, count: int, storage: str) -> dict:
    """Base demo, ``count`` bulk verbali of one Ente, a notice for each; returns the facts."""
    from sqlalchemy import select

    from core import db
    from core.demo import bulk
    from core.demo.generate import load_demo
    from core.migrate import upgrade
    from core.models import Ente

    engine = db.make_engine(url)
    started = time.monotonic()
    with app.app_context():
        upgrade(engine)
        load_demo(db.session, storage)
        db.session.commit()
        ente = db.session.scalars(select(Ente).where(Ente.code == "RHO")).one()
        facts = {"ente_id": ente.id, "code": ente.code, "fiscal_code": ente.fiscal_code,
                 "segregation": ente.segregation_code}
        db.session.remove()
    bulk.ENTE_WEIGHTS = {"RHO": 1, "SIRACUSA": 0}  # every benchmark verbale of one Ente
    result = bulk.generate_bulk(engine, count, batch_size=10_000)
    facts["bulk_seconds"] = result.elapsed
    facts["load_seconds"] = time.monotonic() - started
    return facts


def prepare(url: str, facts: dict, main: int, mixed: int) -> tuple[list, list]:
    """Notices for ``main + mixed`` bulk verbali and receipts; returns the two flows' rows
    ``(iuv, iur, amount, outcome)``."""
    import psycopg

    now = datetime.now(UTC)
    day = now - timedelta(days=2)
    main_rows, mixed_rows = [], []
    with psycopg.connect(_dsn(url)) as conn:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM verbale WHERE ente_id = %s AND number LIKE %s ORDER BY id LIMIT %s",
            (facts["ente_id"], "%/B/%", main + mixed))]
        if len(ids) < main + mixed:
            raise SystemExit(f"only {len(ids)} bulk verbali for the Ente")
        with conn.cursor().copy("COPY payment_notice (ente_id, verbale_id, notice_number, iuv, "
                                "status, created_at) FROM STDIN") as copy:
            for n, verbale_id in enumerate(ids):
                number, iuv = nav(facts["segregation"], IUV_BASE + n)
                copy.write_row((facts["ente_id"], verbale_id, number, iuv, "active", now))
        with conn.cursor().copy("COPY payment (ente_id, verbale_id, channel, status, amount, "
                                "provider_ref, created_at, paid_at, excess, details, allocation) "
                                "FROM STDIN") as copy:
            for n, verbale_id in enumerate(ids):
                _, iuv = nav(facts["segregation"], IUV_BASE + n)
                iur = f"BENCH-IUR-{n:09d}"
                amount = amount_of(n)
                in_main = n < main
                k = n - main
                if in_main:
                    main_rows.append((iuv, iur, amount, "0"))
                elif k % 50 == 1:  # 2 %: an IUV no notice has
                    mixed_rows.append((f"99{n:015d}", iur, amount, "0"))
                    continue
                elif k % 50 in (2, 3, 4, 5):  # 8 %: no receipt reached us
                    mixed_rows.append((iuv, iur, amount, "9"))
                    continue
                else:
                    mixed_rows.append((iuv, iur, amount, "0"))
                copy.write_row((facts["ente_id"], verbale_id, "pagopa", "confirmed", amount, iur,
                                day, day, Decimal("0.00"),
                                f'{{"iuv": "{iuv}", "receipt_id": "{iur}"}}', "saldo"))
        conn.commit()
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return main_rows, mixed_rows


def write_flow(path: Path, facts: dict, rows: list, flow_id: str) -> None:
    today = datetime.now(UTC).date()
    total = sum((r[2] for r in rows), Decimal("0.00"))
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<FlussoRiversamento xmlns="{NS}">'
                  f"<versioneOggetto>1.0</versioneOggetto><identificativoFlusso>{flow_id}"
                  f"</identificativoFlusso><dataOraFlusso>{today}T08:00:00</dataOraFlusso>"
                  f"<identificativoUnivocoRegolamento>TRN-{flow_id}</identificativoUnivocoRegolamento>"
                  f"<dataRegolamento>{today}</dataRegolamento><istitutoMittente>"
                  "<identificativoUnivocoMittente><tipoIdentificativoUnivoco>B"
                  "</tipoIdentificativoUnivoco><codiceIdentificativoUnivoco>BENCHITMMXXX"
                  "</codiceIdentificativoUnivoco></identificativoUnivocoMittente>"
                  "<denominazioneMittente>Banca Benchmark</denominazioneMittente></istitutoMittente>"
                  "<istitutoRicevente><identificativoUnivocoRicevente><tipoIdentificativoUnivoco>G"
                  f"</tipoIdentificativoUnivoco><codiceIdentificativoUnivoco>{facts['fiscal_code']}"
                  "</codiceIdentificativoUnivoco></identificativoUnivocoRicevente>"
                  "</istitutoRicevente>"
                  f"<numeroTotalePagamenti>{len(rows)}</numeroTotalePagamenti>"
                  f"<importoTotalePagamenti>{total:.2f}</importoTotalePagamenti>\n")
        for iuv, iur, amount, outcome in rows:
            out.write("<datiSingoliPagamenti>"
                      f"<identificativoUnivocoVersamento>{iuv}</identificativoUnivocoVersamento>"
                      f"<identificativoUnivocoRiscossione>{iur}</identificativoUnivocoRiscossione>"
                      "<indiceDatiSingoloPagamento>1</indiceDatiSingoloPagamento>"
                      f"<singoloImportoPagato>{amount:.2f}</singoloImportoPagato>"
                      f"<codiceEsitoSingoloPagamento>{outcome}</codiceEsitoSingoloPagamento>"
                      f"<dataEsitoSingoloPagamento>{today}</dataEsitoSingoloPagamento>"
                      "</datiSingoliPagamenti>\n")
        out.write("</FlussoRiversamento>\n")


# -- timed operations ----------------------------------------------------------------------------

SCRATCH = ("CREATE TABLE IF NOT EXISTS bench_scratch (line_no integer, iuv varchar(35), "
           "iur varchar(35), transfer_index smallint, amount numeric(14, 2), outcome varchar(12), "
           "paid_on date)")


def raw_copy(conn, tuples: list) -> float:
    """COPY of rows already in memory into the scratch table, rolled back."""
    cursor = conn.connection.driver_connection.cursor()
    started = time.perf_counter()
    with cursor.copy("COPY bench_scratch FROM STDIN") as copy:
        for row in tuples:
            copy.write_row(row)
    return time.perf_counter() - started


def parse_copy(conn, path: Path) -> float:
    """The file through the streaming parser, its rows COPYed into the scratch table."""
    from core.reconciliation.flusso import FlussoParser

    cursor = conn.connection.driver_connection.cursor()
    started = time.perf_counter()
    with path.open("rb") as stream, cursor.copy("COPY bench_scratch FROM STDIN") as copy:
        for r in FlussoParser(stream):
            copy.write_row((r.line, r.iuv, r.iur, r.transfer_index, r.amount, r.outcome.value,
                            r.paid_on))
    return time.perf_counter() - started


def reconcile(path: Path) -> tuple[float, object]:
    from core.reconciliation.service import import_file

    started = time.perf_counter()
    with path.open("rb") as stream:
        summary = import_file(stream, filename=path.name)
    return time.perf_counter() - started, summary


def measure(app, url: str, path: Path, tuples: list, rounds: int) -> tuple[dict, object]:
    import psycopg

    from core import db

    times: dict[str, list[float]] = {"raw COPY": [], "parse + raw COPY": [], "reconciliation": []}
    summary = None
    for _ in range(rounds):
        with app.app_context():
            from sqlalchemy import text

            session = db.session
            session.execute(text(SCRATCH))
            session.commit()
            times["raw COPY"].append(raw_copy(session.connection(), tuples))
            session.rollback()
            times["parse + raw COPY"].append(parse_copy(session.connection(), path))
            session.rollback()
            elapsed, summary = reconcile(path)
            times["reconciliation"].append(elapsed)
            session.rollback()
            db.session.remove()
        with psycopg.connect(_dsn(url), autocommit=True) as conn:
            conn.execute("VACUUM payment")
    return times, summary


def table(title: str, n: int, times: dict[str, list[float]]) -> str:
    best = {k: min(v) for k, v in times.items()}
    lines = [f"{title} — {n:,} payments, {len(next(iter(times.values())))} rounds:", "",
             "| operation | best s | median s | payments/s (best) | speed ÷ raw COPY | "
             "speed ÷ parse + raw COPY |", "|---|---:|---:|---:|---:|---:|"]
    for name, values in times.items():
        lines.append(f"| {name} | {best[name]:.2f} | {statistics.median(values):.2f} | "
                     f"{n / best[name]:,.0f} | {best['raw COPY'] / best[name]:.1%} | "
                     f"{best['parse + raw COPY'] / best[name]:.1%} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--mixed", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = create_database(args.server)
    print(f"scratch database {url}", file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="recon_bench_"))
    try:
        os.environ["DATABASE_URL"] = url
        os.environ["STORAGE_DIR"] = str(workdir / "storage")
        from core.factory import create_app

        app = create_app("portal", {"DATABASE_URL": url, "STORAGE_DIR": str(workdir / "storage"),
                                    "REDIS_URL": "", "RECONCILIATION_MAX_BYTES": 1 << 30})
        facts = load(app, url, args.payments + args.mixed, str(workdir / "storage"))
        print(f"loaded in {facts['load_seconds']:.0f} s (bulk verbali {facts['bulk_seconds']:.0f} s)",
              file=sys.stderr)
        main_rows, mixed_rows = prepare(url, facts, args.payments, args.mixed)
        results = []
        for title, rows, name in (("Main flow: every payment has its receipt", main_rows, "main"),
                                  ("Mixed flow: 90 % receipts, 8 % without receipt (ledger), "
                                   "2 % unknown IUV", mixed_rows, "mixed")):
            if not rows:
                continue
            path = workdir / f"flusso_{name}.xml"
            write_flow(path, facts, rows, f"BENCH-{name.upper()}-{uuid.uuid4().hex[:8]}")
            today = datetime.now(UTC).date()
            tuples = [(n, iuv, iur, 1, amount, "executed", today)
                      for n, (iuv, iur, amount, _) in enumerate(rows, start=1)]
            load_before = os.getloadavg()[0]
            times, summary = measure(app, url, path, tuples, args.rounds)
            load_after = os.getloadavg()[0]
            results.append(table(title, len(rows), times))
            results.append(f"\nFile {path.stat().st_size / 1e6:.1f} MB; outcome of each round: "
                           f"matched {summary.matched:,}, new {summary.new:,}, exceptions "
                           f"{summary.exceptions:,} ({summary.reasons}); load average "
                           f"{load_before:.1f} before / {load_after:.1f} after.\n")
        print("\n".join(results))
        import psycopg

        with psycopg.connect(_dsn(url)) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"Machine: {os.cpu_count()} cores ({platform.machine()}), Python "
              f"{platform.python_version()}, PostgreSQL {version}.")
    finally:
        if args.keep:
            print(f"kept {url}", file=sys.stderr)
        else:
            drop_database(args.server, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
