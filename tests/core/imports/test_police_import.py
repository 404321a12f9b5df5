"""Import of the police software's export (and of the previous system's archive): every field
checked, rejected rows reported with line, column and a translated reason, people reused by
fiscal code, notification data, costs and payments kept, the same file twice a no-op."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from core import batches, db, storage
from core.imports import service
from core.models import (
    BatchStatus,
    NotificationEvent,
    Payment,
    Person,
    Verbale,
    VerbaleCost,
    VerbaleStatus,
    VerbaleViolation,
)
from tests.core.imports import builders


def run(ente, path, **kw):
    started = service.begin(ente, path, created_by="test", **kw)
    db.session.commit()
    if started.created:
        batches.drive(started.run.id, service.import_chunk)
    return service.summary(started.imp, db.session.get(type(started.run), started.run.id),
                           already_imported=not started.created)


def report_rows(summary) -> list[dict]:
    data = storage.path_for(summary["report"]).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(data)))


def count(model, ente) -> int:
    column = model.ente_id if hasattr(model, "ente_id") else None
    stmt = select(func.count()).select_from(model)
    if column is not None:
        stmt = stmt.where(column == ente.id)
    return db.session.scalar(stmt)


def test_rows_become_verbali_with_people_costs_notification_and_payments(ente, tmp_path):
    rows = [
        builders.police_row(1, ente.code),
        builders.police_row(2, ente.code, offender_fiscal_code=builders.fiscal_code(1),
                            payment_1_amount="56.40", payment_1_paid_at="2025-03-25",
                            payment_1_channel="pagopa", payment_1_reference="IUV000000000000001",
                            payment_1_allocation="saldo", status="paid"),
        builders.police_row(3, ente.code, offender_country="DE", offender_fiscal_code="",
                            offender_foreign_id="C01X00T47", offender_foreign_id_type="passport",
                            registration_country="DE", notification_channel="international_mail",
                            owner_kind="legal", owner_company_name="Autonoleggio Sud S.r.l.",
                            owner_fiscal_code="12345670017", violation_2_code="180.1"),
        builders.police_row(4, ente.code, contested_on_spot="sì", notified_on="",
                            notification_channel="", violation_1_code="142.8",
                            violation_1_measured_speed="87", violation_1_speed_limit="50"),
    ]
    summary = run(ente, builders.write_csv(tmp_path / "verbali.csv", rows, builders.POLICE_COLUMNS))

    assert summary["status"] == "done" and summary["rows"] == 4, summary
    assert summary["rejected"] == 0, db.session.get(type(batches.start("x")), summary["batch_run_id"]).result["errors"]
    assert (summary["imported"], summary["rejected"], summary["skipped"]) == (4, 0, 0)
    assert summary["people_created"] == 4 and summary["people_reused"] == 1  # row 2 = row 1's CF
    verbali = {v.number: v for v in db.session.scalars(select(Verbale).where(Verbale.ente_id == ente.id))}
    first, paid, foreign, roadside = (verbali[f"{ente.code}/2025/{n:07d}"] for n in (1, 2, 3, 4))
    assert first.violation_at == datetime(2025, 3, 1, 9, 15, tzinfo=UTC)  # 10:15 in Rome
    assert first.notified_on == date(2025, 3, 20) and first.status == VerbaleStatus.NOTIFIED
    assert paid.offender_id == first.offender_id
    assert [c.amount for c in first.costs] == [Decimal("9.50"), Decimal("5.00")]
    assert {c.channel for c in first.costs} == {"post"}
    assert first.violations[0].min_amount == Decimal("42.00")
    event = db.session.scalars(select(NotificationEvent).where(NotificationEvent.verbale_id == first.id)).one()
    assert (event.outcome, event.perfected_on, event.reference) == ("perfected", date(2025, 3, 20), "RACC000000001")
    payment = db.session.scalars(select(Payment).where(Payment.verbale_id == paid.id)).one()
    assert (payment.amount, payment.channel, payment.provider_ref, payment.allocation, payment.status) == (
        Decimal("56.40"), "pagopa", "IUV000000000000001", "saldo", "confirmed")
    assert paid.status == VerbaleStatus.PAID
    assert foreign.offender.foreign_id == "C01X00T47" and foreign.offender.language == "de"
    assert foreign.owner.company_name == "Autonoleggio Sud S.r.l." and foreign.owner.kind == "legal"
    assert len(foreign.violations) == 2
    assert roadside.contested_on_spot and roadside.notification_channel == "roadside"
    assert roadside.notified_on == date(2025, 3, 1)
    assert roadside.violations[0].detail == {"measured_speed": 87, "tolerance": 5, "counted_speed": 82,
                                             "limit": 50, "unit": "km/h"}
    assert first.extra["import"] == {"id": summary["import_id"], "line": 2}
    assert summary["report"] is None


def test_bad_rows_are_reported_with_line_column_and_reason(ente, tmp_path):
    rows = [
        builders.police_row(1, ente.code),
        builders.police_row(2, ente.code, offender_fiscal_code="RSSMRA80A01H501X"),
        builders.police_row(3, ente.code, violation_1_code="999.9"),
        builders.police_row(4, ente.code, violation_at="31/02/2025 10:00", plate="AB-12#"),
        builders.police_row(5, ente.code, status="notified", notified_on="", notification_channel=""),
        builders.police_row(6, ente.code, payment_1_amount="10", payment_1_paid_at="2025-04-01",
                            payment_1_channel="assegno"),
    ]
    summary = run(ente, builders.write_csv(tmp_path / "verbali.csv", rows, builders.POLICE_COLUMNS),
                  lang="en")
    assert (summary["imported"], summary["rejected"]) == (1, 5)
    problems = [(r["line"], r["column"], r["reason"]) for r in report_rows(summary)]
    assert ("3", "offender_fiscal_code", "Not a valid Italian fiscal code or VAT number.") in problems
    assert ("4", "violation_1_code", "Unknown violation code 999.9.") in problems
    assert ("5", "violation_at", "Not a valid date and time: use ISO 8601, e.g. 2026-03-01T10:15:00+01:00.") in problems
    assert ("5", "plate", "Not a valid plate: letters and digits only.") in problems
    assert ("6", "notified_on", "Required for a verbale in status notified.") in problems
    assert ("7", "payment_1_channel", "Unknown value: use one of bank_transfer, card, counter, pagopa, postal.") in problems
    assert count(Verbale, ente) == 1
    run_row = db.session.get(type(batches.start("x")), summary["batch_run_id"])
    assert run_row.failed == 5 and run_row.done == 1 and run_row.result["errors"][0]["line"] == 3


def test_reasons_follow_the_operators_language(ente, tmp_path):
    rows = [builders.police_row(1, ente.code, offender_email="not-an-address")]
    italian = run(ente, builders.write_csv(tmp_path / "it.csv", rows, builders.POLICE_COLUMNS), lang="it")
    rows = [builders.police_row(2, ente.code, offender_email="not-an-address")]
    english = run(ente, builders.write_csv(tmp_path / "en.csv", rows, builders.POLICE_COLUMNS), lang="en")
    assert report_rows(italian)[0]["reason"] == "Inserisca un indirizzo e-mail valido."
    assert report_rows(english)[0]["reason"] == "Enter a valid e-mail address."


def test_the_same_file_twice_changes_nothing(ente, tmp_path):
    path = builders.write_csv(tmp_path / "verbali.csv", builders.many(30, ente.code))
    first = run(ente, path, chunk_size=7)
    before = [count(m, ente) for m in (Verbale, Person, Payment)] + [
        db.session.scalar(select(func.count()).select_from(VerbaleViolation)),
        db.session.scalar(select(func.count()).select_from(VerbaleCost))]
    second = run(ente, path)
    after = [count(m, ente) for m in (Verbale, Person, Payment)] + [
        db.session.scalar(select(func.count()).select_from(VerbaleViolation)),
        db.session.scalar(select(func.count()).select_from(VerbaleCost))]
    assert first["imported"] == 30 and before[0] == 30
    assert second["already_imported"] and second["import_id"] == first["import_id"]
    assert after == before


def test_an_overlapping_file_skips_what_is_already_imported(ente, tmp_path):
    run(ente, builders.write_csv(tmp_path / "a.csv", builders.many(10, ente.code)))
    summary = run(ente, builders.write_csv(tmp_path / "b.csv", builders.many(15, ente.code, start=6)),
                  chunk_size=4)
    assert (summary["imported"], summary["skipped"], summary["rejected"]) == (10, 5, 0)
    assert count(Verbale, ente) == 20
    assert summary["people_reused"] == 0 and count(Person, ente) == 20


def test_a_payment_reference_already_recorded_rejects_the_row(ente, tmp_path):
    rows = [builders.police_row(n, ente.code, payment_1_amount="42", payment_1_paid_at="2025-03-25",
                                payment_1_channel="bank_transfer", payment_1_reference="CRO-1")
            for n in (1, 2)]
    summary = run(ente, builders.write_csv(tmp_path / "p.csv", rows, builders.POLICE_COLUMNS),
                  lang="en")
    assert (summary["imported"], summary["rejected"]) == (1, 1)
    assert report_rows(summary)[0]["column"] == "payment_1_reference"


def test_json_array_and_json_lines_give_the_same_result(ente, tmp_path):
    records = [builders.police_record(n, ente.code) for n in range(1, 6)]
    records[2]["offender"]["fiscal_code"] = "XYZ"
    records.append("not an object")
    array = run(ente, builders.write_json_array(tmp_path / "a.json", records), lang="en")
    assert (array["imported"], array["rejected"], array["rows"]) == (4, 2, 6)
    lines_of_objects = [i for i, text in enumerate((tmp_path / "a.json").read_text().splitlines(), 1)
                        if text.startswith(("{", '"'))]
    problems = [(int(r["line"]), r["column"]) for r in report_rows(array)]
    assert problems == [(lines_of_objects[2], "offender.fiscal_code"), (lines_of_objects[5], "")]

    other = builders.police_record(9, ente.code)
    lines = tmp_path / "b.jsonl"
    builders.write_jsonl(lines, [other])
    with open(lines, "a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    jsonl = run(ente, lines, lang="en")
    assert (jsonl["imported"], jsonl["rejected"]) == (1, 1)
    assert report_rows(jsonl)[0]["line"] == "2"


def test_a_broken_json_array_stops_the_run_with_a_clear_error(ente, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"number": "X"}, {"number": ', encoding="utf-8")
    started = service.begin(ente, path, created_by="test", lang="en")
    db.session.commit()
    try:
        batches.drive(started.run.id, service.import_chunk)
    except service.ImportFileError as error:
        assert "JSON is broken" in str(error)
    else:
        raise AssertionError("expected ImportFileError")
    assert db.session.get(type(started.run), started.run.id).status == BatchStatus.FAILED


def test_a_csv_without_the_required_columns_is_refused_at_once(ente, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("numero;data\n1;2\n", encoding="utf-8")
    try:
        service.begin(ente, path, lang="en")
    except service.ImportRefused as error:
        assert "number" in str(error) and "offender_last_name / offender_company_name" in str(error)
    else:
        raise AssertionError("expected ImportRefused")
