"""Letter runs: every eligible verbale of one Ente gets its letter, chunk by chunk.

:func:`start` records a :class:`~core.models.BatchRun` (kind ``letters``) with the total from
the SQL pre-filter; :func:`run` drives it with :func:`core.batches.drive`. Each chunk reads at
most ``CHUNK`` candidates after the cursor (keyset on ``verbale.id``, ``yield_per``: constant
memory whatever the size of the archive), produces their letters, and is committed together
with the cursor. A run killed midway resumes from the last committed chunk (``flask letters
resume RUN_ID`` or the job retried), and the archive's unique (verbale, kind, sequence) key —
checked before producing — means a verbale never gets the same letter twice, even from two
runs. Each letter is produced in a savepoint: one that fails is counted and reported, the
others of the chunk are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select

from core import batches, db
from core.batches import Chunk
from core.models import BatchRun, Ente, LetterKind

from .selection import candidate_query, candidates
from .service import NotEligible, produce
from .templates import KINDS

log = logging.getLogger(__name__)

RUN_KIND = "letters"
CHUNK = 25


def ente_by_code(code: str) -> Ente:
    ente = db.session.scalars(select(Ente).where(Ente.code == code)).one_or_none()
    if ente is None:
        raise LookupError(f"unknown Ente {code!r}")
    return ente


def start(ente: Ente, kind: LetterKind | str, *, today: date, limit: int | None = None,
          sequence: int = 1, created_by: str = "") -> BatchRun:
    kind = LetterKind(kind)
    if kind not in KINDS:
        raise ValueError(f"letters of kind {kind} are not produced in batches")
    if limit is not None and limit < 1:
        raise ValueError("the limit must be at least 1")
    if sequence < 1:
        raise ValueError("the sequence must be at least 1")
    count = db.session.scalar(select(func.count()).select_from(
        candidate_query(ente, kind, today, sequence).subquery()))
    total = min(count, limit) if limit is not None else count
    return batches.start(RUN_KIND, ente_id=ente.id, label=f"{kind} {ente.code}",
                         params={"kind": str(kind), "today": today.isoformat(), "limit": limit,
                                 "sequence": sequence},
                         total=total, created_by=created_by)


def chunk(run: BatchRun) -> Chunk:
    params = run.params
    kind, sequence, limit = params["kind"], int(params.get("sequence", 1)), params.get("limit")
    today = date.fromisoformat(params["today"])
    ente = db.session.get(Ente, run.ente_id)
    after = int(run.cursor.get("last_id", 0))
    produced_before = int(run.cursor.get("produced", 0))
    room = CHUNK if limit is None else min(CHUNK, int(limit) - produced_before)
    done = failed = 0
    skipped: dict[str, int] = {}
    errors: list[str] = []
    last_id = after
    seen = 0
    for verbale in candidates(ente, kind, today, after_id=after, limit=CHUNK, sequence=sequence):
        if done >= room:
            break
        seen += 1
        last_id = verbale.id
        try:
            with db.session.begin_nested():
                result = produce(verbale, kind, sequence=sequence, today=today,
                                 batch_run_id=run.id)
        except NotEligible as exc:
            skipped[exc.reason] = skipped.get(exc.reason, 0) + 1
            continue
        except Exception as exc:  # one bad verbale must not stop the run
            log.exception("letter %s for verbale %s failed", kind, verbale.number)
            failed += 1
            errors.append(f"{verbale.number}: {type(exc).__name__}: {exc}"[:300])
            continue
        if result.created:
            done += 1
        else:
            skipped["already_produced"] = skipped.get("already_produced", 0) + 1
    produced = produced_before + done
    more = seen == CHUNK and (limit is None or produced < int(limit))
    result = {f"skipped_{reason}": count for reason, count in skipped.items()}
    if errors:
        result["errors"] = errors
    return Chunk(done=done, failed=failed, cursor={"last_id": last_id, "produced": produced},
                 more=more, result=result)


def run(run_id: int, on_progress: Callable[[BatchRun], None] | None = None) -> BatchRun:
    """Drive (or resume) a letter run to the end."""
    return batches.drive(run_id, chunk, on_progress=on_progress)


def job(run_id: int) -> None:
    """Queue entry point (``core.batches.schedule(run, job)``)."""
    run(run_id)
