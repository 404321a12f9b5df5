"""Chunks commit with their cursor: an import interrupted by an error resumes from the last
committed chunk and writes every row once (the report too); each chunk asks the database the
same few questions however many rows it holds (set-based look-ups, no query per row)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event, func, select

from core import batches, db, storage
from core.imports import service, writer
from core.models import BatchRun, BatchStatus, Person, Verbale
from tests.core.imports import builders


def _rows(ente, count):
    for n in range(1, count + 1):
        yield builders.police_row(n, ente.code, **({"plate": "??"} if n % 7 == 0 else {}))


def test_an_interrupted_import_resumes_without_duplicates(ente, tmp_path, monkeypatch):
    path = builders.write_csv(tmp_path / "v.csv", _rows(ente, 50))
    started = service.begin(ente, path, chunk_size=6, lang="en")
    db.session.commit()
    real_write, calls = writer.Writer.write, []

    def failing(self, drafts):
        calls.append(len(drafts))
        result = real_write(self, drafts)  # the rows are written, then the worker "dies"
        if len(calls) == 4:
            raise RuntimeError("worker lost")
        return result

    monkeypatch.setattr(writer.Writer, "write", failing)
    with pytest.raises(RuntimeError):
        batches.drive(started.run.id, service.import_chunk)
    failed = db.session.get(BatchRun, started.run.id)
    assert failed.status == BatchStatus.FAILED and "worker lost" in failed.error
    assert failed.done + failed.failed == 18  # three chunks of six committed
    assert db.session.scalar(select(func.count()).select_from(Verbale).where(Verbale.ente_id == ente.id)) == 16

    monkeypatch.setattr(writer.Writer, "write", real_write)
    done = batches.drive(started.run.id, service.import_chunk)
    assert done.status == BatchStatus.DONE and done.error == ""
    assert (done.done, done.failed, done.total) == (43, 7, 50)
    assert done.result["imported"] == 43 and done.result["skipped"] == 0
    numbers = db.session.scalars(select(Verbale.number).where(Verbale.ente_id == ente.id)).all()
    assert len(numbers) == len(set(numbers)) == 43
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.ente_id == ente.id)) == 43
    report = storage.path_for(started.imp.report_key).read_text(encoding="utf-8-sig")
    lines = [int(r["line"]) for r in csv.DictReader(io.StringIO(report))]
    assert lines == [n + 1 for n in range(7, 51, 7)]  # each rejected row once, in order


def test_a_run_already_done_is_left_alone(ente, tmp_path):
    path = builders.write_csv(tmp_path / "v.csv", _rows(ente, 3))
    started = service.begin(ente, path)
    db.session.commit()
    first = batches.drive(started.run.id, service.import_chunk)
    again = batches.drive(started.run.id, service.import_chunk)
    assert again.status == BatchStatus.DONE and (again.done, again.failed) == (first.done, first.failed)


def _statements_for_one_chunk(ente, tmp_path, name, rows, engine):
    path = builders.write_csv(tmp_path / name, rows)
    started = service.begin(ente, path, chunk_size=500)
    db.session.commit()
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        service.import_chunk(db.session.get(BatchRun, started.run.id))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_lookups_are_per_chunk_not_per_row(ente, tmp_path, engine):
    def rows(start, count):
        for n in range(start, start + count):
            yield builders.police_row(n, ente.code, payment_1_amount="42", payment_1_paid_at="2025-03-25",
                                      payment_1_channel="pagopa", payment_1_reference=f"IUV{n}",
                                      owner_kind="legal", owner_company_name="Noleggi S.r.l.",
                                      owner_fiscal_code="12345670017")

    small = _statements_for_one_chunk(ente, tmp_path, "a.csv", rows(1, 5), engine)
    large = _statements_for_one_chunk(ente, tmp_path, "b.csv", rows(1000, 200), engine)
    assert small.count("SELECT") == large.count("SELECT") <= 12
    assert len(small) == len(large)
