"""Export at contract end (Rho tender, art. 10): demo-like data for two Entes, export one,
restore it into a fresh scratch database, and find every row and stored file of that Ente
equal — and nothing of the other Ente. Checksums are verified before anything is written."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core import batches, db, storage
from core.export import scope
from core.export.archive import export_ente
from core.export.restore import RestoreError, restore
from core.export.values import plain
from core.imports import service as imports
from core.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMessage,
    StaffRole,
    Verbale,
    case_verbale,
)
from core.models import (
    Ente as EnteModel,
)
from tests import factories
from tests.core.imports import builders
from tests.core.imports.scratch import scratch_database

JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 30


def _populate(ente, tmp_path: Path, staff) -> None:
    """Verbali, people, payments, notifications and device events through a real import; a
    letter, an appeal with an attachment, cases with messages, events, attachments and a merge."""
    (tmp_path / ente.code).mkdir()
    frames = tmp_path / ente.code
    (frames / "f1.jpg").write_bytes(JPEG + ente.code.encode())
    rows = [builders.police_row(n, ente.code, **({"payment_1_amount": "56.40",
                                                   "payment_1_paid_at": "2025-03-25",
                                                   "payment_1_channel": "pagopa",
                                                   "payment_1_reference": f"IUV-{ente.code}-{n}",
                                                   "status": "paid"} if n % 2 else {}))
            for n in range(1, 8)]
    for path, fmt in ((builders.write_csv(frames / "v.csv", rows, builders.POLICE_COLUMNS), None),
                      (builders.write_csv(frames / "d.csv", [builders.device_row(n, frame_1="f1.jpg")
                                                            for n in (1, 2)]), "device")):
        started = imports.begin(ente, path, fmt=fmt, frames_dir=frames if fmt else None)
        db.session.commit()
        batches.drive(started.run.id, imports.import_chunk)
    verbali = db.session.scalars(select(Verbale).where(Verbale.ente_id == ente.id)
                                 .order_by(Verbale.id)).all()
    factories.stored_letter(verbali[0], storage.root())
    storage.save(f"appeals/{ente.code}/attachment.pdf", factories.TEST_PDF + ente.code.encode())
    factories.appeal(verbali[1], verbali[1].offender, pdf_key=f"appeals/{ente.code}/missing.pdf",
                     attachments=[{"key": f"appeals/{ente.code}/attachment.pdf",
                                   "filename": "a.pdf", "sha256": "x"}])
    first = Case(ente_id=ente.id, protocol=f"{ente.code}-2026-000001", channel="email",
                 type="information", subject="Duplicate", assignee_id=staff.id)
    second = Case(ente_id=ente.id, protocol=f"{ente.code}-2026-000002", channel="portal",
                  type="complaint", subject="Reclamo", person_id=verbali[0].offender_id,
                  assignee_id=staff.id)
    db.session.add_all([first, second])
    db.session.flush()
    first.merged_into_id = second.id  # a reference to a later row of the same table
    message = CaseMessage(case_id=second.id, author_type="citizen", body="Buongiorno")
    db.session.add_all([message, CaseEvent(case_id=second.id, kind="opened", actor_type="citizen",
                                           data={"via": "portal"})])
    db.session.flush()
    stored = storage.save(f"cases/{ente.code}/{second.id}/doc.pdf", factories.TEST_PDF)
    db.session.add(CaseAttachment(case_id=second.id, message_id=message.id, filename="doc.pdf",
                                  content_type="application/pdf", size=stored.size,
                                  sha256=stored.sha256, storage_key=stored.key))
    db.session.execute(case_verbale.insert().values(case_id=second.id, verbale_id=verbali[0].id))
    db.session.commit()


@pytest.fixture()
def two_entes(cc_app, db_session, tmp_path):
    with cc_app.app_context():
        factories.import_catalogue()
        mine, other = factories.ente("EXPA"), factories.ente("EXPB")
        staff = factories.staff(StaffRole.SUPERVISOR, enti=[mine], enrolled=True)
        factories.staff(StaffRole.SUPERVISOR, enti=[other], enrolled=True)  # never referenced
        _populate(mine, tmp_path, staff)
        _populate(other, tmp_path, factories.staff(StaffRole.AGENT, enti=[other]))
        yield (SimpleNamespace(id=mine.id, code=mine.code), SimpleNamespace(id=other.id, code=other.code),
               SimpleNamespace(id=staff.id))


def _source_rows(entry, ente_id, plans, fixes):
    stmt = scope.export_select(entry, ente_id, plans, fixes)
    rows = [plain(dict(r)) for r in db.session.connection().execute(stmt).mappings()]
    for row in rows:
        row.update(plain(scope.REFERENCED_ONLY.get(entry.name, {})) if entry.category == "referenced" else {})
    return rows


def _target_rows(conn, table):
    pk = list(table.primary_key.columns)
    return [plain(dict(r)) for r in conn.execute(select(table).order_by(*pk)).mappings()]


def restored_staff_offender(conn) -> int:
    return conn.execute(select(Verbale.offender_id)).scalars().first()


def test_round_trip_of_one_ente(cc_app, two_entes, tmp_path):
    mine, other, staff = two_entes
    archive = tmp_path / "export.zip"
    source_root = Path(cc_app.config["STORAGE_DIR"])
    with cc_app.app_context():
        manifest = export_ente(db.session.connection(), mine.code, archive, source_root)
        plans = scope.plan()
        fixes = scope.reference_fixes(db.session.connection(), plans, mine.id)
        expected = {p.name: _source_rows(p, mine.id, plans, fixes.get(p.name, []))
                    for p in plans if p.exported}

    assert manifest["ente"]["code"] == mine.code and manifest["unclassified"] == []
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert counts["verbale"] == 9 and counts["device_event"] == 2 and counts["support_case"] == 2
    assert counts["staff_user"] == 1 and counts["ente"] == 1
    assert "staff_ente" not in counts and "form_draft" not in counts
    assert manifest["files"]["missing_keys"] == [f"appeals/{mine.code}/missing.pdf"]

    target_storage = tmp_path / "restored-storage"
    with scratch_database(tmp_path, "multe_restore") as (_url, engine):
        with engine.begin() as conn:
            report = restore(conn, archive, target_storage)
        assert report["tables"]["verbale"] == 9
        with engine.connect() as conn:
            from core.models import Base

            for name, rows in expected.items():
                assert _target_rows(conn, Base.metadata.tables[name]) == rows, name
            enti = conn.execute(select(EnteModel.code)).scalars().all()
            assert enti == [mine.code]
            numbers = conn.execute(select(Verbale.number)).scalars().all()
            assert numbers and not [n for n in numbers if n.startswith(other.code)]
            restored_staff = conn.execute(select(Base.metadata.tables["staff_user"])).mappings().one()
            assert restored_staff["id"] == staff.id and restored_staff["password_hash"] == "!"
            assert restored_staff["totp_secret"] is None and restored_staff["active"] is False
            merged = conn.execute(select(Case.protocol, Case.merged_into_id).order_by(Case.id)).all()
            assert merged[0][1] == conn.execute(select(Case.id).where(
                Case.protocol == f"{mine.code}-2026-000002")).scalar_one()
            for table in Base.metadata.sorted_tables:
                if "ente_id" in table.c:
                    owners = set(conn.execute(select(table.c.ente_id).distinct()).scalars())
                    assert owners <= {mine.id, None}, table.name

        with engine.begin() as conn:  # new rows get new ids (PostgreSQL sequences moved on)
            highest = conn.execute(select(Verbale.id).order_by(Verbale.id.desc())).scalars().first()
            fresh = conn.execute(Verbale.__table__.insert().values(
                ente_id=mine.id, number="NEW/1", violation_at=datetime.now(UTC), place="x",
                plate="AA000AA", registration_country="IT", vehicle="", device="",
                assessed_on=datetime.now(UTC).date(), contested_on_spot=False, status="assessed",
                late_notification_suspected=False, offender_id=restored_staff_offender(conn),
                created_at=datetime.now(UTC), extra={})).inserted_primary_key[0]
            assert fresh > highest

    restored_files = {p.relative_to(target_storage).as_posix() for p in target_storage.rglob("*")
                      if p.is_file()}
    assert restored_files and all(mine.code in key or key.startswith("letters/") for key in restored_files)
    assert not [key for key in restored_files if other.code in key]
    for key in restored_files:
        assert (target_storage / key).read_bytes() == (source_root / key).read_bytes()
    with zipfile.ZipFile(archive) as zf:
        assert f"files/appeals/{mine.code}/attachment.pdf" in zf.namelist()
        dictionary = json.loads(zf.read("data-dictionary.json"))
        assert {t["name"] for t in dictionary["tables"]} >= set(counts)
        assert "## `verbale`" in zf.read("data-dictionary.md").decode()


def test_a_tampered_archive_is_refused_before_writing(cc_app, two_entes, tmp_path):
    mine, _other, _staff = two_entes
    archive, tampered = tmp_path / "e.zip", tmp_path / "t.zip"
    with cc_app.app_context():
        export_ente(db.session.connection(), mine.code, archive, Path(cc_app.config["STORAGE_DIR"]))
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "data/payment.jsonl":
                data = data.replace(b'"56.40"', b'"5.64"')
            target.writestr(item, data)
    with scratch_database(tmp_path, "multe_tamper") as (_url, engine):
        with engine.begin() as conn, pytest.raises(RestoreError, match="payment.jsonl does not match"):
            restore(conn, tampered, tmp_path / "s")
        with engine.connect() as conn:
            assert conn.execute(select(EnteModel.id)).first() is None
    assert not (tmp_path / "s").exists()


def test_restore_refuses_a_database_with_entes(cc_app, two_entes, tmp_path):
    mine, _other, _staff = two_entes
    archive = tmp_path / "e.zip"
    with cc_app.app_context():
        export_ente(db.session.connection(), mine.code, archive, Path(cc_app.config["STORAGE_DIR"]))
        result = cc_app.test_cli_runner().invoke(args=["export", "restore", str(archive)])
    assert result.exit_code == 2 and "fresh database" in result.output


def test_cli_export_prints_a_summary(cc_app, two_entes, tmp_path):
    mine, _other, _staff = two_entes
    out = tmp_path / "cli.zip"
    result = cc_app.test_cli_runner().invoke(args=["export", "ente", mine.code, str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ente"] == mine.code and summary["tables"]["verbale"] == 9 and out.is_file()
    unknown = cc_app.test_cli_runner().invoke(args=["export", "ente", "NOPE", str(tmp_path / "x.zip")])
    assert unknown.exit_code == 2 and "unknown Ente" in unknown.output
