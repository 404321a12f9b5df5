"""Resumable batch work with visible progress.

Every batch (verbali import, letter run, notification dispatch, reminder selection, report)
is a :class:`~core.models.BatchRun`. :func:`start` records it; :func:`drive` runs it chunk by
chunk: the chunk function does the work of a bounded number of items starting at
``run.cursor``, and :func:`drive` commits that work **together with** the new cursor and the
progress counters. A worker killed midway therefore loses at most the uncommitted chunk, and
calling :func:`drive` again (``flask batches resume`` or the job being retried) continues from
the last committed cursor. Chunk functions must keep each item idempotent as well (a unique
key per letter, notification or payment), so a chunk replayed after a crash adds nothing twice.

In the embedded default the job runs inline after the request's commit; with ``REDIS_URL``
it goes to an RQ worker (``core.jobs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core import db, jobs
from core.db import utcnow
from core.models import BatchRun, BatchStatus

log = logging.getLogger(__name__)


@dataclass
class Chunk:
    """What one chunk did: items processed, items failed, where the next chunk starts, and
    whether there is more. ``result`` entries are merged into the run's result (counters add up,
    lists extend, other values replace)."""

    done: int = 0
    failed: int = 0
    cursor: dict[str, Any] = field(default_factory=dict)
    more: bool = False
    result: dict[str, Any] = field(default_factory=dict)


ChunkFn = Callable[[BatchRun], Chunk]


def start(kind: str, *, ente_id: int | None = None, label: str = "", params: dict | None = None,
          total: int | None = None, created_by: str = "") -> BatchRun:
    run = BatchRun(kind=kind, ente_id=ente_id, label=label, params=dict(params or {}),
                   total=total, created_by=created_by, cursor={}, result={})
    db.session.add(run)
    db.session.flush()
    return run


def schedule(run: BatchRun, job: Callable[[int], Any]) -> None:
    """Run ``job(run.id)`` after the current transaction commits (RQ worker or inline)."""
    jobs.enqueue(job, run.id)


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(into)
    for key, value in extra.items():
        old = merged.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and isinstance(old, int):
            merged[key] = old + value
        elif isinstance(value, list) and isinstance(old, list):
            merged[key] = old + value
        else:
            merged[key] = value
    return merged


def drive(run_id: int, chunk_fn: ChunkFn, *, on_progress: Callable[[BatchRun], None] | None = None,
          max_errors_kept: int = 200) -> BatchRun:
    """Run ``chunk_fn`` until it reports no more work, committing after every chunk.

    An exception marks the run failed (its committed chunks stay) and is re-raised so a job
    queue records it; calling :func:`drive` again resumes from the committed cursor."""
    run = db.session.get(BatchRun, run_id)
    if run is None:
        raise LookupError(f"batch run {run_id} not found")
    if run.status == BatchStatus.DONE:
        return run
    run.status = BatchStatus.RUNNING
    run.error = ""
    run.started_at = run.started_at or utcnow()
    run.heartbeat_at = utcnow()
    db.session.commit()
    while True:
        try:
            chunk = chunk_fn(run)
        except Exception as exc:
            db.session.rollback()
            run = db.session.get(BatchRun, run_id)
            run.status = BatchStatus.FAILED
            run.error = f"{type(exc).__name__}: {exc}"[:2000]
            run.heartbeat_at = utcnow()
            db.session.commit()
            log.exception("batch %s (%s) failed", run_id, run.kind)
            raise
        run.done += chunk.done
        run.failed += chunk.failed
        run.cursor = dict(chunk.cursor)
        result = _merge(run.result or {}, chunk.result)
        if isinstance(result.get("errors"), list):
            result["errors"] = result["errors"][:max_errors_kept]
        run.result = result
        run.heartbeat_at = utcnow()
        if not chunk.more:
            run.status = BatchStatus.DONE
            run.finished_at = utcnow()
        db.session.commit()
        if on_progress is not None:
            on_progress(run)
        if not chunk.more:
            return run


def visible_runs(ente_ids: list[int] | None, limit: int = 50) -> list[BatchRun]:
    """The latest runs, for the given Entes (``None`` = all, for administrators)."""
    query = select(BatchRun).order_by(BatchRun.created_at.desc(), BatchRun.id.desc()).limit(limit)
    if ente_ids is not None:
        query = query.where(BatchRun.ente_id.in_(ente_ids) | BatchRun.ente_id.is_(None))
    return list(db.session.scalars(query))
