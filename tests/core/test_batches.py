"""``core.batches.drive``: each chunk's work is committed with the cursor and the counters, an
exception keeps the committed chunks and marks the run failed, driving again resumes from the
committed cursor, chunk results merge into the run's result (counters add, lists extend, other
values replace, errors capped), and ``visible_runs`` scopes runs by Ente."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import audit, batches, db
from core.batches import Chunk
from core.models import AuditEvent, BatchRun, BatchStatus
from tests import factories

ITEMS = 10
SIZE = 3


def _items_written(tag: str) -> list[int]:
    return sorted(int(e.object_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == tag)))


def _chunk_fn(tag: str, fail_at: int | None = None, seen: list | None = None):
    """Writes one audit event per item (the "work"); optionally dies inside chunk ``fail_at``
    after writing part of it."""

    def chunk(run: BatchRun) -> Chunk:
        start = run.cursor.get("next", 0)
        stop = min(ITEMS, start + SIZE)
        if seen is not None:
            seen.append(start)
        for item in range(start, stop):
            audit.record(tag, actor_type="system", actor_id=None, object_type="item", object_id=item)
            if fail_at is not None and item == fail_at:
                raise RuntimeError("boom")
        return Chunk(done=stop - start - (1 if start == 0 else 0), failed=1 if start == 0 else 0,
                     cursor={"next": stop}, more=stop < ITEMS,
                     result={"written": stop - start, "chunks": [start], "last": f"chunk {start}",
                             "errors": [f"e{start}-{i}" for i in range(3)]})

    return chunk


@pytest.fixture()
def run(db_session):
    return batches.start("test", label="ten items", total=ITEMS)


def test_drive_runs_every_chunk_and_merges_the_results(run):
    db.session.commit()
    progress = []
    done = batches.drive(run.id, _chunk_fn("t.all"), on_progress=lambda r: progress.append(r.done + r.failed))
    assert done.status == BatchStatus.DONE and done.finished_at is not None
    assert (done.done, done.failed, done.cursor) == (9, 1, {"next": 10})
    assert progress == [3, 6, 9, 10]
    assert done.result["written"] == 10  # counters add up
    assert done.result["chunks"] == [0, 3, 6, 9]  # lists extend
    assert done.result["last"] == "chunk 9"  # other values replace
    assert len(done.result["errors"]) == 12
    assert _items_written("t.all") == list(range(10))


def test_errors_kept_are_capped(run):
    db.session.commit()
    done = batches.drive(run.id, _chunk_fn("t.cap"), max_errors_kept=5)
    assert done.result["errors"] == ["e0-0", "e0-1", "e0-2", "e3-0", "e3-1"]


def test_an_exception_keeps_the_committed_chunks_and_resume_continues(run):
    db.session.commit()
    with pytest.raises(RuntimeError):
        batches.drive(run.id, _chunk_fn("t.resume", fail_at=7))
    failed = db.session.get(BatchRun, run.id)
    assert failed.status == BatchStatus.FAILED and failed.error == "RuntimeError: boom"
    assert failed.cursor == {"next": 6} and (failed.done, failed.failed) == (5, 1)
    assert _items_written("t.resume") == list(range(6))  # the third chunk's writes rolled back

    seen: list[int] = []
    done = batches.drive(run.id, _chunk_fn("t.resume", seen=seen))
    assert seen == [6, 9]  # resumed from the committed cursor
    assert done.status == BatchStatus.DONE and done.error == ""
    assert (done.done, done.failed) == (9, 1)
    assert _items_written("t.resume") == list(range(10))  # every item exactly once


def test_a_done_run_is_not_driven_again(run):
    db.session.commit()
    batches.drive(run.id, _chunk_fn("t.once"))
    seen: list[int] = []
    again = batches.drive(run.id, _chunk_fn("t.once", seen=seen))
    assert seen == [] and again.status == BatchStatus.DONE
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "t.once")) == 10


def test_an_unknown_run_is_an_error(db_session):
    with pytest.raises(LookupError):
        batches.drive(987654321, _chunk_fn("t.none"))


def test_visible_runs_are_scoped_by_ente(db_session):
    mine, other = factories.ente(), factories.ente()
    a = batches.start("test", ente_id=mine.id, label="mine")
    b = batches.start("test", ente_id=other.id, label="other")
    c = batches.start("test", label="global")
    db.session.commit()
    scoped = {r.id for r in batches.visible_runs([mine.id], limit=1000)}
    everything = {r.id for r in batches.visible_runs(None, limit=1000)}
    assert a.id in scoped and c.id in scoped and b.id not in scoped
    assert {a.id, b.id, c.id} <= everything
