"""The jobs page: the batch runs a staff member may see (their Enti; administrators all), with
an accessible progress bar, counters, errors, the result summary and the rejected-rows report;
no auto-refresh and no inline script."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core import db, storage
from core.models import AuditEvent, StaffRole
from tests import factories


@pytest.fixture()
def enti(cc_app, db_session):
    return factories.ente(), factories.ente()


@pytest.fixture()
def runs(cc_app, enti):
    mine, other = enti
    with cc_app.app_context():
        imp = factories.verbali_import(mine, filename="archivio.csv", total=200, done=120, failed=30,
                                       result={"imported": 110, "skipped": 10, "rejected": 30,
                                               "errors": [{"line": 7, "column": "plate",
                                                           "reason": "Not a valid plate."}]})
        imp.report_key = f"imports/{mine.code}/{imp.id}/rejected.csv"
        storage.save(imp.report_key, b"\xef\xbb\xbfline,column,reason\r\n7,plate,Not a valid plate.\r\n")
        db.session.commit()
        theirs = factories.verbali_import(other, filename="altro.csv", status="done", total=5, done=5)
    return imp, theirs


def _client(cc, cc_app, role, enti=()):
    staff = factories.staff(role, enti=list(enti), enrolled=True, languages=["en"])
    factories.sign_in_staff(cc, cc_app, staff)
    return staff


def test_supervisor_sees_the_runs_of_their_ente_only(cc, cc_app, enti, runs):
    imp, theirs = runs
    _client(cc, cc_app, StaffRole.SUPERVISOR, [enti[0]])
    page = cc.get("/jobs/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "archivio.csv" in html and "altro.csv" not in html
    assert 'aria-valuenow="75"' in html  # (120 + 30) of 200
    assert "http-equiv" not in html and "<script>" not in html.replace(" ", "")
    assert f'href="/jobs/{imp.batch_run_id}/report.csv"' in html
    assert cc.get(f"/jobs/{theirs.batch_run_id}").status_code == 404
    assert cc.get(f"/jobs/{theirs.batch_run_id}/status.json").status_code == 404
    assert cc.get(f"/jobs/{theirs.batch_run_id}/report.csv").status_code == 404


def test_the_run_page_shows_counters_errors_and_the_report(cc, cc_app, enti, runs):
    imp, _theirs = runs
    staff = _client(cc, cc_app, StaffRole.SUPERVISOR, [enti[0]])
    html = cc.get(f"/jobs/{imp.batch_run_id}").get_data(as_text=True)
    assert "Import of verbali" in html and "Not a valid plate." in html
    assert re.search(r"Already present \(skipped\)</dt><dd[^>]*>10<", html)
    assert 'role="progressbar"' in html and 'aria-valuemax="100"' in html
    assert f'href="/jobs/{imp.batch_run_id}"' in html  # the Refresh link

    status = cc.get(f"/jobs/{imp.batch_run_id}/status.json").get_json()
    assert status == {"id": imp.batch_run_id, "status": "running", "total": 200, "done": 120,
                      "failed": 30, "percent": 75, "error": None}

    report = cc.get(f"/jobs/{imp.batch_run_id}/report.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert b"7,plate,Not a valid plate." in report.data
    assert 'filename=archivio.rejected.csv' in report.headers["Content-Disposition"]
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "batch_run.report_downloaded", AuditEvent.actor_id == staff.id)).all()
    assert [e.object_id for e in events] == [str(imp.batch_run_id)]


def test_a_run_without_a_report_has_no_download(cc, cc_app, enti, runs):
    _imp, theirs = runs
    _client(cc, cc_app, StaffRole.ADMIN)
    html = cc.get(f"/jobs/{theirs.batch_run_id}").get_data(as_text=True)
    assert "report.csv" not in html and "Completed" in html
    assert cc.get(f"/jobs/{theirs.batch_run_id}/report.csv").status_code == 404


def test_an_administrator_without_entes_sees_everything(cc, cc_app, enti, runs):
    _client(cc, cc_app, StaffRole.ADMIN)
    html = cc.get("/jobs/").get_data(as_text=True)
    assert "archivio.csv" in html and "altro.csv" in html


def test_ente_viewers_read_agents_do_not(cc, cc_app, enti, runs):
    imp, _theirs = runs
    _client(cc, cc_app, StaffRole.ENTE_VIEWER, [enti[0]])
    assert cc.get(f"/jobs/{imp.batch_run_id}").status_code == 200
    assert "Import verbali" not in cc.get("/jobs/").get_data(as_text=True)  # no upload for viewers
    agent = cc_app.test_client()
    _client(agent, cc_app, StaffRole.AGENT, [enti[0]])
    assert agent.get("/jobs/").status_code == 403


def test_the_desk_links_to_the_jobs_page(cc, cc_app, enti):
    _client(cc, cc_app, StaffRole.SUPERVISOR, [enti[0]])
    assert 'href="/jobs/"' in cc.get("/").get_data(as_text=True)
