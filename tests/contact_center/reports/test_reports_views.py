"""Monthly reports in the contact center: readers only, own Ente only, audited downloads."""

from datetime import UTC, date, datetime

import pytest

from core import db
from core.models import AuditEvent, StaffRole
from tests import factories as f


@pytest.fixture()
def ente_with_payment(cc_app, db_session):
    with cc_app.app_context():
        ente = f.ente(code="RPT")
        v = f.verbale(ente, f.person(ente), notified_on=date(2026, 9, 28))
        f.payment(v, "39.40", channel="pagopa", paid_at=datetime(2026, 10, 2, 9, tzinfo=UTC))
        return ente.id


def _sign_in(cc, cc_app, role, ente_ids):
    with cc_app.app_context():
        enti = [db.session.get(f.Ente, i) for i in ente_ids]
        user = f.staff(role, enti=enti, enrolled=True)
        f.sign_in_staff(cc, cc_app, user)
        return user.id


def test_ente_viewer_sees_the_report_and_downloads_every_format(cc, cc_app, ente_with_payment):
    _sign_in(cc, cc_app, StaffRole.ENTE_VIEWER, [ente_with_payment])
    page = cc.get("/reports?ente=RPT&month=2026-10")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "39,40" in html and "RPT" in html
    for name, kind in (("report.pdf", b"%PDF-"), ("report.xlsx", b"PK"),
                       ("summary.csv", b"\xef\xbb\xbfsection"), ("payments.csv", b"\xef\xbb\xbfverbale_number")):
        response = cc.get(f"/reports/RPT/2026-10/{name}")
        assert response.status_code == 200, name
        assert response.data.startswith(kind), name
        assert "attachment" in response.headers["Content-Disposition"]
    with cc_app.app_context():
        actions = db.session.query(AuditEvent.action, AuditEvent.object_id).filter_by(
            action="report.download").all()
    assert len(actions) == 4


def test_another_entes_report_is_404(cc, cc_app, ente_with_payment):
    with cc_app.app_context():
        mine = f.ente(code="MINE").id
    _sign_in(cc, cc_app, StaffRole.ENTE_VIEWER, [mine])
    assert cc.get("/reports/RPT/2026-10/report.pdf").status_code == 404
    assert cc.get("/reports?ente=RPT&month=2026-10").status_code == 404
    assert cc.get("/reports/MINE/2026-13/report.pdf").status_code == 404
    assert cc.get("/reports/MINE/2026-10/evil.exe").status_code == 404


def test_agents_may_not_read_reports(cc, cc_app, ente_with_payment):
    _sign_in(cc, cc_app, StaffRole.AGENT, [ente_with_payment])
    assert cc.get("/reports").status_code == 403


def test_cli_writes_the_report(cc_app, ente_with_payment, tmp_path):
    out = tmp_path / "r.csv"
    result = cc_app.test_cli_runner().invoke(args=["reports", "monthly", "--ente", "RPT", "--month",
                                                   "2026-10", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "39.40" in out.read_text(encoding="utf-8-sig")
    bad = cc_app.test_cli_runner().invoke(args=["reports", "monthly", "--ente", "NOPE", "--month", "2026-10"])
    assert bad.exit_code != 0 and "unknown Ente" in bad.output
