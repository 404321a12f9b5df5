"""The upload page: supervisors and administrators send a file for one of their Enti, which
starts an import job (inline here, or synchronously through RQ when the tests run on Redis);
the same file twice imports nothing; bad files get a clear message, never a 500."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from core import db
from core.models import AuditEvent, BatchRun, BatchStatus, StaffRole, Verbale, VerbaliImport
from tests import factories
from tests.core.imports import builders


@pytest.fixture()
def enti(cc_app, db_session):
    with cc_app.app_context():
        factories.import_catalogue()
    return factories.ente(), factories.ente()


def _sign_in(cc, cc_app, role, enti=()):
    staff = factories.staff(role, enti=list(enti), enrolled=True, languages=["en"])
    factories.sign_in_staff(cc, cc_app, staff)
    return staff


def _csv(ente, count=3) -> bytes:
    buffer = io.StringIO()
    import csv

    writer = csv.DictWriter(buffer, fieldnames=builders.POLICE_COLUMNS, delimiter=";")
    writer.writeheader()
    for n in range(1, count + 1):
        writer.writerow(builders.police_row(n, ente.code, **({"plate": "??"} if n == count else {})))
    return buffer.getvalue().encode("utf-8")


def _post(cc, ente, data: bytes, name="verbali.csv", fmt=""):
    return cc.post("/imports/new", data={"ente": str(ente.id), "format": fmt,
                                         "file": (io.BytesIO(data), name)},
                   content_type="multipart/form-data")


def test_an_upload_starts_an_import_job(cc, cc_app, enti):
    mine, _other = enti
    staff = _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [mine])
    assert cc.get("/imports/new").status_code == 200
    response = _post(cc, mine, _csv(mine, 4))
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    run = db.session.get(BatchRun, run_id)
    db.session.refresh(run)
    assert run.kind == "import" and run.ente_id == mine.id and run.created_by == f"staff:{staff.id}"
    assert run.status == BatchStatus.DONE and (run.done, run.failed) == (3, 1)
    assert db.session.scalar(select(func.count()).select_from(Verbale).where(Verbale.ente_id == mine.id)) == 3
    imp = db.session.scalars(select(VerbaliImport).where(VerbaliImport.batch_run_id == run_id)).one()
    assert imp.storage_key.startswith(f"imports/{mine.code}/uploads/")
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "verbali_import.started",
                                                       AuditEvent.object_id == str(imp.id))).one().actor_id == staff.id
    page = cc.get(f"/jobs/{run_id}").get_data(as_text=True)
    assert "The import has started" in page and f"/jobs/{run_id}/report.csv" in page
    report = cc.get(f"/jobs/{run_id}/report.csv").get_data(as_text=True)
    assert "5,plate,Not a valid plate: letters and digits only." in report


def test_the_same_file_twice_imports_nothing(cc, cc_app, enti):
    mine, _other = enti
    _sign_in(cc, cc_app, StaffRole.ADMIN, [mine])
    first = _post(cc, mine, _csv(mine))
    second = _post(cc, mine, _csv(mine), name="again.csv")
    assert second.headers["Location"] == first.headers["Location"]
    assert "already imported" in cc.get(second.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(VerbaliImport)
                             .where(VerbaliImport.ente_id == mine.id)) == 1


def test_bad_files_get_a_message(cc, cc_app, enti):
    mine, _other = enti
    _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [mine])
    binary = _post(cc, mine, b"\x89PNG\r\n\x1a\n\x00\x00", name="photo.csv")
    assert binary.status_code == 400 and "not UTF-8 text" in binary.get_data(as_text=True)
    wrong = _post(cc, mine, b"a;b\n1;2\n", name="x.csv")
    assert wrong.status_code == 400 and "lacks the required columns" in wrong.get_data(as_text=True)
    pdf = _post(cc, mine, b"%PDF-1.4", name="x.pdf")
    assert pdf.status_code == 400 and "Send a CSV, JSON or JSON Lines file." in pdf.get_data(as_text=True)
    missing = cc.post("/imports/new", data={"ente": str(mine.id)}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose the file to import." in missing.get_data(as_text=True)


def test_only_their_own_entes_and_only_supervisors_or_admins(cc, cc_app, enti):
    mine, other = enti
    _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [mine])
    assert _post(cc, other, _csv(other)).status_code == 400  # not among the choices
    assert db.session.scalar(select(func.count()).select_from(VerbaliImport)
                             .where(VerbaliImport.ente_id == other.id)) == 0
    agent = cc_app.test_client()
    _sign_in(agent, cc_app, StaffRole.AGENT, [mine])
    assert agent.get("/imports/new").status_code == 403
    viewer = cc_app.test_client()
    _sign_in(viewer, cc_app, StaffRole.ENTE_VIEWER, [mine])
    assert _post(viewer, mine, _csv(mine)).status_code == 403
