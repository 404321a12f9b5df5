"""A worker killed midway resumes without duplicating (issue 8, point 8).

A real separate process imports a slow file (a test-only pause after each chunk): an RQ worker
(``python -m core.worker``) when ``REDIS_URL`` is set, otherwise ``flask imports verbali``
itself. Once a few chunks are committed the process group gets SIGKILL; then ``flask batches
resume`` finishes the run. Every row is imported exactly once, every rejected row reported once,
and the run ends DONE with the right counts.

The processes cannot see the test's rolled-back transaction, so the test uses its own scratch
database: a temporary SQLite file, or a fresh PostgreSQL database (created and dropped here)
on the server of ``TEST_DATABASE_URL``; migrated with ``core.migrate.upgrade``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import ROOT
from core.models import BatchRun, BatchStatus, Ente, Verbale, ViolationAmount, ViolationType
from tests.core.imports import builders
from tests.core.imports.scratch import scratch_database

ROWS = 60
CHUNK = 5
BAD_EVERY = 10
TIMEOUT = 180


@pytest.fixture()
def scratch(tmp_path):
    with scratch_database(tmp_path, "multe_kill") as (url, engine):
        _seed(engine)
        yield url, engine


def _seed(engine) -> None:
    with Session(engine) as session:
        session.add(Ente(code="KILL", name="Comune di Prova", fiscal_code="80000000999",
                         segregation_code="02", id_broker_pa="15376371009",
                         id_station="15376371009_01", iban="IT60X0542811101000000123456"))
        vtype = ViolationType(code="7.1", article="art. 7 CdS", description={"it": "Sosta"})
        vtype.amounts.append(ViolationAmount(min_amount=Decimal("42.00"),
                                             max_amount=Decimal("173.00"),
                                             valid_from=date(2019, 1, 1)))
        session.add(vtype)
        session.commit()


def _env(url: str, tmp_path: Path, delay: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "APP_ENV")}
    env.update(APP_ENV="development", DATABASE_URL=url, STORAGE_DIR=str(tmp_path / "storage"),
               INSTANCE_PATH=str(tmp_path / "instance"), MULTE_IMPORT_CHUNK_DELAY=delay,
               PYTHONPATH=str(ROOT))
    return env


def _flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _run(engine) -> BatchRun | None:
    with Session(engine) as session:
        return session.scalars(select(BatchRun).where(BatchRun.kind == "import")).first()


def _wait_for_chunks(engine, process: subprocess.Popen, records: int) -> BatchRun:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        run = _run(engine)
        if run is not None and run.done + run.failed >= records:
            return run
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the worker ended before it was killed: {out}\n{err}")
        time.sleep(0.05)
    raise AssertionError("the worker made no progress")


def _descendants(pid: int) -> list[int]:
    """Child processes (recursively) of ``pid``, read from /proc: an RQ worker runs each job
    in a forked "work horse" that leaves the worker's process group (``setsid``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL the worker and every process it started (by their ids)."""
    victims = _descendants(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def test_a_worker_killed_midway_resumes_without_duplicates(scratch, tmp_path):
    url, engine = scratch
    rows = [builders.police_row(n, "KILL", **({"plate": "??"} if n % BAD_EVERY == 0 else {}))
            for n in range(1, ROWS + 1)]
    source = builders.write_csv(tmp_path / "archive.csv", rows)
    slow = _env(url, tmp_path, "0.4")
    redis_url = os.environ.get("REDIS_URL", "")
    slow["REDIS_URL"] = redis_url
    command = ["imports", "verbali", str(source), "--ente", "KILL", "--chunk-size", str(CHUNK),
               "--lang", "en"]

    if redis_url:
        queued = _flask(*command, "--background", env=slow)
        assert queued.returncode == 0, queued.stderr
        assert json.loads(queued.stdout)["status"] == "queued"
        argv = [sys.executable, "-m", "core.worker"]
    else:
        argv = [sys.executable, "-m", "flask", "--app", "wsgi", *command]
    worker = subprocess.Popen(argv, cwd=ROOT, env=slow, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for_chunks(engine, worker, 3 * CHUNK)
    finally:
        _kill(worker)

    killed = _run(engine)
    assert killed.status == BatchStatus.RUNNING
    assert 3 * CHUNK <= killed.done + killed.failed < ROWS
    assert (killed.done + killed.failed) % CHUNK == 0  # only whole chunks were committed

    resumed = _flask("batches", "resume", str(killed.id), env=_env(url, tmp_path, ""))
    assert resumed.returncode == 0, resumed.stderr
    state = json.loads(resumed.stdout)
    assert state["status"] == "done"

    done = _run(engine)
    bad = ROWS // BAD_EVERY
    assert done.status == BatchStatus.DONE and done.error == ""
    assert (done.total, done.done, done.failed) == (ROWS, ROWS - bad, bad)
    assert done.result["imported"] == ROWS - bad and done.result["skipped"] == 0
    with Session(engine) as session:
        numbers = session.scalars(select(Verbale.number)).all()
        assert len(numbers) == len(set(numbers)) == ROWS - bad
        assert session.scalar(select(func.count()).select_from(Verbale)) == ROWS - bad
    reports = list((tmp_path / "storage" / "imports" / "KILL").glob("*/rejected.csv"))
    assert len(reports) == 1
    lines = [int(r["line"]) for r in csv.DictReader(io.StringIO(reports[0].read_text("utf-8-sig")))]
    assert lines == [n + 1 for n in range(BAD_EVERY, ROWS + 1, BAD_EVERY)]
