"""Memory stays constant whatever the size of the file: the peak of traced allocations while
importing 100,000 generated rows is no larger than while importing 20,000 (plus a little slack),
and bounded in absolute terms. No timing assertions."""

from __future__ import annotations

import tracemalloc

from sqlalchemy import func, select

from core import batches, db
from core.imports import service
from core.models import BatchStatus, Verbale
from tests.core.imports import builders

SLACK = 4 * 1024 * 1024
CEILING = 96 * 1024 * 1024


def _import_peak(ente, path) -> tuple[int, object]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        started = service.begin(ente, path, chunk_size=1000)
        db.session.commit()
        run = batches.drive(started.run.id, service.import_chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, run


def test_peak_memory_does_not_grow_with_the_number_of_rows(ente, tmp_path):
    small_file = builders.write_csv(tmp_path / "small.csv", builders.many(20_000, ente.code))
    large_file = builders.write_csv(tmp_path / "large.csv",
                                    builders.many(100_000, ente.code, start=20_001))
    small, small_run = _import_peak(ente, small_file)
    large, large_run = _import_peak(ente, large_file)

    print(f"peak traced memory: {small:,} bytes for 20,000 rows, {large:,} for 100,000")
    assert small_run.status == large_run.status == BatchStatus.DONE
    assert (small_run.done, large_run.done, large_run.failed) == (20_000, 100_000, 0)
    assert db.session.scalar(select(func.count()).select_from(Verbale)
                             .where(Verbale.ente_id == ente.id)) == 120_000
    assert large < small + SLACK, (small, large)
    assert large < CEILING, large
