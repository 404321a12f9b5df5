"""Benchmark of the signed-in position page (``GET /my-position/``) against a bare Flask endpoint.

Usage::

    .venv/bin/python bench/position_bench.py [--verbali 1000000] [--duration 20] [--rounds 2]
        [--workers 4] [--connections 16] [--keep-db | --db-url URL] [--redis-url URL]

Creates a scratch PostgreSQL database on ``--server`` (``CREATE DATABASE``), loads the demo
(``flask --app wsgi demo load``) and ``--verbali`` benchmark verbali with their people
(``flask --app wsgi demo load --verbali N``, COPY), runs ``ANALYZE``, then serves

* ``wsgi:portal`` (the citizens' app, ``APP_ENV=development`` so the cookie is not Secure-only,
  with ``REDIS_URL`` = ``--redis-url`` as in production: the page cache and the rate limits
  live there; the Redis database is flushed first)
* ``bench.bare_app:app`` (``Flask(__name__)`` with ``@app.get("/")`` returning a short string)

with gunicorn, the same worker settings for both (``-w 4 -k sync`` by default), on free
loopback ports. It signs in once as the demo citizen ``RHO-DEMO-IT`` (stdlib ``urllib`` with a
cookie jar: GET /sign-in for the CSRF token, POST /sign-in) and passes the ``portal_session``
cookie to wrk. After a short warm-up of each server, wrk (``-t2 -c16 -d20s --latency``, with a
Lua hook counting non-200 answers, so a lost session redirecting to /sign-in cannot pass for a
fast page, and sending back the session cookie the server last set, as a browser does)
measures the bare endpoint and the position page alternately for ``--rounds`` rounds. Prints a
markdown table (req/s, p50, p90, p99, the CPU time per request of the gunicorn workers and —
for the position page — of their PostgreSQL backends and of redis-server, read from
``/proc/<pid>/stat`` around each run, and the ratio position ÷ bare), and the SQL queries of
GET /my-position/ with the page cache emptied (Flask test client in-process on the same
database, Redis and cookie, counted by an SQLAlchemy ``before_cursor_execute`` listener: the
first request is a miss, the next two hits) plus the queries of ``position_of_person`` for
people with 1 … many verbali (it must not grow).

``--db-url`` reuses a loaded database (nothing is loaded or dropped); ``--keep-db`` keeps the
scratch database at the end (its URL is printed). Every process started is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
USERNAME, PASSWORD = "RHO-DEMO-IT", "Demo-Giulia-2026!"
SECRET_KEY = "position-bench-secret-key-not-for-production-0123456789"  # noqa: S105
COOKIE = "portal_session"

WRK_LUA = """
-- Counts non-200 answers (a lost session would redirect to /sign-in and look fast) and, as a
-- browser would, sends back the session cookie the server last set (the portal re-signs an
-- unchanged session at most once a minute).
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non200 = 0; cookie = wrk.headers["Cookie"] end
function request() return wrk.format(nil, nil, {Cookie = cookie}) end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  local set = headers["Set-Cookie"]
  if set then
    local value = string.match(set, "^(portal_session=[^;]*)")
    if value then cookie = value end
  end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non200") end
  io.write(string.format("non200: %d\\n", n))
end
"""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- database ---------------------------------------------------------------------------------


def _psycopg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(server: str) -> str:
    import psycopg

    name = f"position_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_psycopg_dsn(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def drop_database(server: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_psycopg_dsn(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(_psycopg_dsn(url), autocommit=True) as conn:
        conn.execute("ANALYZE")


def count_verbali(url: str) -> int:
    import psycopg

    with psycopg.connect(_psycopg_dsn(url)) as conn:
        return conn.execute("SELECT count(*) FROM verbale").fetchone()[0]


def run_flask(env: dict, *args: str) -> None:
    cmd = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=1500)


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict, args) -> subprocess.Popen:
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "-w",
        str(args.workers),
        "-k",
        "sync",
        "--threads",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "60",
        app,
    ]
    log("$ " + " ".join(cmd))
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback
                r.read()
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (``/proc/<pid>/stat``)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def redis_pids() -> list[int]:
    """The local redis-server process(es): their CPU counts against the position page too."""
    out = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def flush_redis(url: str) -> None:
    from redis import Redis

    Redis.from_url(url).flushdb()


def backends(url: str) -> list[int]:
    """PostgreSQL backend pids connected to the database of ``url`` (the workers' pools)."""
    import psycopg

    with psycopg.connect(_psycopg_dsn(url)) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        ]


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # the group gunicorn leads (start_new_session)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# --- sign-in ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def sign_in(base: str) -> tuple[str, str]:
    """The ``portal_session`` cookie of a signed-in session, and the position page's HTML."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/sign-in", timeout=10) as r:
        html = r.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if not token:
        raise RuntimeError("no csrf_token on /sign-in")
    data = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "username": USERNAME, "password": PASSWORD}
    ).encode()
    with opener.open(urllib.request.Request(base + "/sign-in", data=data), timeout=30) as r:
        final, page = r.geturl(), r.read().decode()
    if not final.rstrip("/").endswith("/my-position"):
        raise RuntimeError(f"sign-in did not land on /my-position/ but {final}")
    cookie = next((c.value for c in jar if c.name == COOKIE), None)
    if not cookie:
        raise RuntimeError("no portal_session cookie after sign-in")
    return cookie, page


def check_page(base: str, cookie: str) -> int:
    """GET /my-position/ with the cookie alone, no redirects: its size in bytes (must be 200)."""
    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(base + "/my-position/", headers={"Cookie": f"{COOKIE}={cookie}"})
    with opener.open(req, timeout=30) as r:
        if r.status != 200:
            raise RuntimeError(f"/my-position/ answered {r.status}")
        body = r.read()
    if b"/my-position/verbale/" not in body:
        raise RuntimeError("/my-position/ does not list any verbale")
    return len(body)


# --- wrk --------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        raise ValueError(value)
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(
    url: str,
    cookie: str,
    duration: int,
    args,
    lua: Path,
    measure: tuple[list[int], list[int], list[int]] = ((), (), ()),
) -> dict:
    """Run wrk; ``measure`` = (app pids, database pids, Redis pids) whose CPU per request is
    reported."""
    app_pids, db_pids, redis = measure
    cpu_before = (_cpu(app_pids), _cpu(db_pids), _cpu(redis))
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        "-H",
        f"Cookie: {COOKIE}={cookie}",
        url,
    ]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    result = {
        "raw": out,
        "app_cpu": _cpu(app_pids) - cpu_before[0],
        "db_cpu": _cpu(db_pids) - cpu_before[1],
        "redis_cpu": _cpu(redis) - cpu_before[2],
    }
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    result["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    for pct in ("50", "90", "99"):
        result[f"p{pct}"] = _ms(re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M).group(1))
    result["non200"] = int(re.search(r"non200: (\d+)", out).group(1))
    result["app_ms"] = result["app_cpu"] / result["requests"] * 1000
    result["db_ms"] = result["db_cpu"] / result["requests"] * 1000
    result["redis_ms"] = result["redis_cpu"] / result["requests"] * 1000
    errors = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = errors.group(1) if errors else "none"
    return result


# --- query count ------------------------------------------------------------------------------


def count_queries(env: dict, cookie: str) -> dict:
    """Queries of GET /my-position/ (test client, same database, Redis and cookie; the page
    cache emptied first, so the first request is a miss and the next two are hits) and of
    ``position_of_person`` for people with few and many verbali."""
    os.environ.update(env)
    if env.get("REDIS_URL"):
        flush_redis(env["REDIS_URL"])
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event, text

    from core import db
    from core.factory import create_app
    from core.positions import position_of_person

    app = create_app("portal")
    engine = db.session.get_bind()
    statements: list[str] = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    out: dict = {}
    try:
        client = app.test_client()
        client.set_cookie(COOKIE, cookie)
        per_request = []
        for n in range(3):
            statements.clear()
            response = client.get("/my-position/")
            if response.status_code != 200:
                raise RuntimeError(f"test client: /my-position/ answered {response.status_code}")
            per_request.append(len(statements))
            if n == 0:
                out["request_sql"] = [" ".join(s.split())[:110] for s in statements]
        out["request"] = per_request

        with app.app_context():
            # one person per verbali count (offender or owner), from 1 to the most
            rows = db.session.execute(
                text(
                    "SELECT DISTINCT ON (n) person, n FROM ("
                    " SELECT person, count(*) AS n FROM ("
                    "  SELECT offender_id AS person FROM verbale UNION ALL"
                    "  SELECT owner_id FROM verbale WHERE owner_id IS NOT NULL"
                    "  AND owner_id <> offender_id) v GROUP BY person) c ORDER BY n, person"
                )
            ).all()
            picks = [
                rows[0],
                rows[min(1, len(rows) - 1)],
                rows[min(2, len(rows) - 1)],
                rows[len(rows) // 2],
                rows[-1],
            ]
            per_person = {}
            for person_id, n in dict.fromkeys(picks):
                position_of_person(person_id)  # warm the settings cache
                db.session.expunge_all()
                statements.clear()
                positions = position_of_person(person_id)
                per_person[n] = (len(positions), len(statements))
            out["per_person"] = per_person
            out["demo_verbali"] = db.session.execute(
                text(
                    "SELECT count(*) FROM verbale v JOIN access_credential c"
                    " ON c.person_id IN (v.offender_id, v.owner_id) WHERE c.username = :u"
                ),
                {"u": USERNAME},
            ).scalar()
    finally:
        event.remove(engine, "before_cursor_execute", _count)
        db.session.remove()
        engine.dispose()
    return out


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbali", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db-url", help="reuse this loaded database (no load, no drop)")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13",
                        help="Redis for the page cache and the limiter (flushed); '' for none")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk warm-up per server")
    parser.add_argument("--rounds", type=int, default=2, help="alternating bare/position runs")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (both)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")

    started = time.monotonic()
    storage = Path(tempfile.mkdtemp(prefix="position_bench_"))
    url = args.db_url
    created = False
    procs: list[subprocess.Popen] = []
    timings: dict[str, float] = {}
    try:
        if url is None:
            url = create_database(args.server)
            created = True
            log(f"scratch database {url}")
        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": url,
            "STORAGE_DIR": str(storage),
            "SECRET_KEY": SECRET_KEY,
            "REDIS_URL": args.redis_url,
            "PYTHONUNBUFFERED": "1",
        }
        if args.redis_url:
            flush_redis(args.redis_url)
        if created:
            t = time.monotonic()
            run_flask(env, "demo", "load")
            timings["demo load"] = time.monotonic() - t
            if args.verbali:
                t = time.monotonic()
                run_flask(env, "demo", "load", "--verbali", str(args.verbali))
                timings[f"demo load --verbali {args.verbali}"] = time.monotonic() - t
            t = time.monotonic()
            analyze(url)
            timings["ANALYZE"] = time.monotonic() - t
        total_verbali = count_verbali(url)
        log(f"{total_verbali:,} verbali in the database")

        portal_port, bare_port = free_port(), free_port()
        portal_base, bare_base = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
        procs.append(start_gunicorn("wsgi:portal", portal_port, env, args))
        procs.append(start_gunicorn("bench.bare_app:app", bare_port, env, args))
        wait_ready(portal_base + "/sign-in", procs[0])
        wait_ready(bare_base + "/", procs[1])

        cookie, _ = sign_in(portal_base)
        size = check_page(portal_base, cookie)
        log(f"signed in as {USERNAME}; /my-position/ is {size:,} bytes")

        lua = storage / "count_non200.lua"
        lua.write_text(WRK_LUA)
        targets = {
            "bare Flask `GET /`": bare_base + "/",
            "position page `GET /my-position/`": portal_base + "/my-position/",
        }
        for name, target in targets.items():
            log(f"warm-up {args.warmup} s: {name}")
            wrk(target, cookie, args.warmup, args, lua)
        measure = {
            bare_base + "/": (_children(procs[1].pid), [], []),
            portal_base + "/my-position/": (_children(procs[0].pid), backends(url),
                                            redis_pids() if args.redis_url else []),
        }
        results: dict[str, list[dict]] = {name: [] for name in targets}
        load_before = os.getloadavg()
        for r in range(args.rounds):
            for name, target in targets.items():
                log(f"round {r + 1}/{args.rounds}: wrk {args.duration} s on {name}")
                res = wrk(target, cookie, args.duration, args, lua, measure[target])
                if res["non200"]:
                    raise RuntimeError(f"{name}: {res['non200']} non-200 answers\n{res['raw']}")
                results[name].append(res)
                log(
                    f"  {res['rps']:.1f} req/s, p50 {res['p50']:.2f} ms, p99 {res['p99']:.2f} ms,"
                    f" CPU/request: gunicorn {res['app_ms']:.2f} ms, PostgreSQL {res['db_ms']:.2f} ms,"
                    f" Redis {res['redis_ms']:.2f} ms,"
                    f" socket errors: {res['socket_errors']}"
                )
        load_after = os.getloadavg()
        check_page(portal_base, cookie)  # the session was still valid at the end
        for proc in procs:
            stop(proc)
        procs.clear()

        queries = count_queries(env, cookie)
    finally:
        for proc in procs:
            stop(proc)
        if created and not args.keep_db:
            drop_database(args.server, url)
            log("scratch database dropped")
        elif created:
            log(f"kept: --db-url {url}")
        shutil.rmtree(storage, ignore_errors=True)
    elapsed = time.monotonic() - started

    bare_name, pos_name = list(results)
    print("\nCommand: .venv/bin/python bench/position_bench.py " + " ".join(sys.argv[1:]))
    print(
        f"Machine: {os.cpu_count()} cores ({platform.machine()}), Python "
        f"{platform.python_version()}, load average {load_before[0]:.1f} before / "
        f"{load_after[0]:.1f} after the runs"
    )
    print(
        f"Database: {total_verbali:,} verbali; the demo citizen has {queries['demo_verbali']}; "
        f"/my-position/ is {size:,} bytes"
    )
    print(
        f"gunicorn -w {args.workers} -k sync (both); wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s --latency, {args.rounds} round(s) alternating, after a "
        f"{args.warmup} s warm-up\n"
    )
    print(
        "| endpoint | round | req/s | p50 (ms) | p90 (ms) | p99 (ms) "
        "| CPU/req gunicorn (ms) | CPU/req PostgreSQL (ms) | CPU/req Redis (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in (bare_name, pos_name):
        for i, res in enumerate(results[name], 1):
            print(
                f"| {name} | {i} | {res['rps']:,.0f} | {res['p50']:.2f} | {res['p90']:.2f} "
                f"| {res['p99']:.2f} | {res['app_ms']:.2f} | {res['db_ms']:.2f} "
                f"| {res['redis_ms']:.2f} |"
            )
    ratios = [
        p["rps"] / b["rps"] for b, p in zip(results[bare_name], results[pos_name], strict=False)
    ]
    print(
        "\nThroughput ratio position ÷ bare: "
        + ", ".join(f"{r:.1%}" for r in ratios)
        + f" (median {statistics.median(ratios):.1%}; aim ≥ 25 %)"
    )
    cpu_ratio = statistics.median(
        (b["app_ms"]) / (p["app_ms"] + p["db_ms"] + p["redis_ms"])
        for b, p in zip(results[bare_name], results[pos_name], strict=False)
        if p["app_ms"]
    )
    print(
        f"CPU per request, bare ÷ position (gunicorn + PostgreSQL + Redis): {cpu_ratio:.1%} "
        f"(the throughput ratio the CPU alone allows, whatever else runs on the machine)"
    )
    print(f"\nSQL queries of GET /my-position/ (test client, cache emptied, 3 requests): "
          f"{queries['request']}; those of the first (the miss):")
    for sql in queries["request_sql"]:
        print(f"  - {sql}")
    print(
        "position_of_person queries by verbali of the person: "
        + ", ".join(
            f"{n} verbali → {q} queries" for n, (_, q) in sorted(queries["per_person"].items())
        )
    )
    for phase, seconds in timings.items():
        print(f"{phase}: {seconds:.0f} s")
    print(f"Total runtime: {elapsed / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
