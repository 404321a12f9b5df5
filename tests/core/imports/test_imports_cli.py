"""``flask imports verbali FILE --ente CODE``: a JSON summary on stdout, the rejected rows next
to the file, the same file twice reported as already imported, bad input on one stderr line."""

from __future__ import annotations

import csv
import json

from sqlalchemy import func, select

from core import db
from core.models import Verbale
from tests.core.imports import builders


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["imports", "verbali", *map(str, args)])


def test_cli_imports_prints_a_summary_and_writes_the_report_next_to_the_file(app_ctx, ente, tmp_path):
    rows = [builders.police_row(n, ente.code) for n in range(1, 6)]
    rows[3]["offender_fiscal_code"] = "BAD"
    path = builders.write_csv(tmp_path / "verbali.csv", rows, builders.POLICE_COLUMNS)

    result = invoke(app_ctx, path, "--ente", ente.code, "--lang", "en", "--chunk-size", "2")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["status"], summary["rows"], summary["imported"], summary["rejected"]) == ("done", 5, 4, 1)
    report = tmp_path / "verbali.rejected.csv"
    assert summary["report"] == str(report)
    with open(report, encoding="utf-8-sig") as fh:
        assert list(csv.DictReader(fh)) == [{"line": "5", "column": "offender_fiscal_code",
                                             "reason": "Not a valid Italian fiscal code or VAT number."}]

    again = json.loads(invoke(app_ctx, path, "--ente", ente.code).stdout)
    assert again["already_imported"] and again["import_id"] == summary["import_id"]
    assert db.session.scalar(select(func.count()).select_from(Verbale).where(Verbale.ente_id == ente.id)) == 4


def test_cli_background_only_queues_the_run(app_ctx, ente, tmp_path, monkeypatch):
    from core.imports import service

    queued = []
    monkeypatch.setattr(service.batches, "schedule", lambda run, job: queued.append((run.id, job)))
    path = builders.write_csv(tmp_path / "v.csv", [builders.police_row(1, ente.code)])
    summary = json.loads(invoke(app_ctx, path, "--ente", ente.code, "--background").stdout)
    assert summary["status"] == "queued" and queued == [(summary["batch_run_id"], service.run_import)]


def test_cli_bad_input_is_one_line(app_ctx, ente, tmp_path):
    path = builders.write_csv(tmp_path / "v.csv", [builders.police_row(1, ente.code)])
    unknown = invoke(app_ctx, path, "--ente", "NOPE")
    assert unknown.exit_code == 2 and unknown.output.strip() == "error: unknown Ente 'NOPE'"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    refused = invoke(app_ctx, empty, "--ente", ente.code)
    assert refused.exit_code == 2 and refused.output.startswith("error: ")


def test_batches_list_and_resume(app_ctx, ente, tmp_path, monkeypatch):
    from core import batches
    from core.imports import service, writer
    from core.models import BatchRun

    path = builders.write_csv(tmp_path / "v.csv", builders.many(12, ente.code))
    started = service.begin(ente, path, chunk_size=4)
    db.session.commit()
    real, calls = writer.Writer.write, []

    def dies_on_the_second_chunk(self, drafts):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(self, drafts)

    monkeypatch.setattr(writer.Writer, "write", dies_on_the_second_chunk)
    try:
        batches.drive(started.run.id, service.import_chunk)
    except RuntimeError:
        pass
    monkeypatch.setattr(writer.Writer, "write", real)

    runner = app_ctx.test_cli_runner()
    listed = [json.loads(line) for line in runner.invoke(
        args=["batches", "list", "--ente", ente.code, "--json"]).stdout.splitlines()]
    assert [(r["id"], r["status"], r["done"], r["total"]) for r in listed] == [
        (started.run.id, "failed", 4, 12)]
    table = runner.invoke(args=["batches", "list"]).stdout
    assert f"{started.run.id:>6}  import" in table

    resumed = runner.invoke(args=["batches", "resume", str(started.run.id)])
    assert resumed.exit_code == 0, resumed.output
    state = json.loads(resumed.stdout)
    assert (state["status"], state["done"], state["failed"], state["ente"]) == ("done", 12, 0, ente.code)
    assert db.session.scalar(select(func.count()).select_from(Verbale).where(Verbale.ente_id == ente.id)) == 12

    other = batches.start("mystery", ente_id=ente.id)
    db.session.commit()
    unknown = runner.invoke(args=["batches", "resume", str(other.id)])
    assert unknown.exit_code == 2 and "no job is known" in unknown.output
    assert runner.invoke(args=["batches", "resume", "999999"]).exit_code == 2
    assert db.session.get(BatchRun, other.id).status == "queued"
