"""Enforcement desk: supervisors prepare rolls, the Ente's officer decides, others 404/403."""

from datetime import UTC, date, datetime

from core import db
from core.models import AuditEvent, Letter, Roll, RollStatus, StaffRole
from tests import factories as f


def _setup(cc_app, role, code="ENF"):
    with cc_app.app_context():
        ente = f.ente(code=code)
        v = f.verbale(ente, f.person(ente), notified_on=date(2026, 5, 4))
        f._save(Letter(ente_id=ente.id, verbale_id=v.id, person_id=v.offender_id, kind="ultimo_avviso",
                       verification_code=f"ENF{v.id}", storage_key="x.pdf", sha256="0" * 64,
                       created_at=datetime(2026, 9, 1, tzinfo=UTC)))
        user = f.staff(role, enti=[ente], enrolled=True)
        return ente.id, user


def test_supervisor_prepares_and_the_officer_approves(cc, cc_app, monkeypatch):
    ente_id, supervisor = _setup(cc_app, StaffRole.SUPERVISOR)
    f.sign_in_staff(cc, cc_app, supervisor)
    assert cc.get("/enforcement").status_code == 200
    response = cc.post("/enforcement/prepare/ENF")
    assert response.status_code == 302
    with cc_app.app_context():
        roll = db.session.query(Roll).filter_by(ente_id=ente_id).one()
        roll_id = roll.id
        officer = f.staff(StaffRole.ENTE_VIEWER, enti=[roll.ente], enrolled=True)
    page = cc.get(f"/enforcement/rolls/{roll_id}")
    assert page.status_code == 200 and "d-decision" not in page.get_data(as_text=True)
    assert cc.post(f"/enforcement/rolls/{roll_id}", data={"d-decision": "approve"}).status_code == 400

    issued = []
    monkeypatch.setattr("core.enforcement.service.batches.schedule", lambda run, job: issued.append(run.id))
    f.sign_in_staff(cc, cc_app, officer)
    assert "d-decision" in cc.get(f"/enforcement/rolls/{roll_id}").get_data(as_text=True)
    assert cc.post(f"/enforcement/rolls/{roll_id}", data={"d-decision": "approve"}).status_code == 302
    with cc_app.app_context():
        assert db.session.get(Roll, roll_id).status == RollStatus.APPROVED
        assert db.session.query(AuditEvent).filter_by(action="roll.approved").count() == 1
    assert len(issued) == 1


def test_another_entes_roll_is_404_and_agents_get_403(cc, cc_app):
    ente_id, supervisor = _setup(cc_app, StaffRole.SUPERVISOR)
    with cc_app.app_context():
        ente = db.session.get(f.Ente, ente_id)
        from core.enforcement import service

        roll_id = service.prepare_roll(ente, today=date(2026, 11, 23)).id
        db.session.commit()
        other = f.ente(code="OTH")
        stranger = f.staff(StaffRole.ENTE_VIEWER, enti=[other], enrolled=True)
        agent = f.staff(StaffRole.AGENT, enti=[ente], enrolled=True)
    f.sign_in_staff(cc, cc_app, stranger)
    assert cc.get(f"/enforcement/rolls/{roll_id}").status_code == 404
    assert cc.get("/enforcement/prescription?ente=ENF").status_code == 404
    f.sign_in_staff(cc, cc_app, agent)
    assert cc.get("/enforcement").status_code == 403
    assert cc.post("/enforcement/prepare/ENF").status_code == 403


def test_prescription_page_lists_the_verbale(cc, cc_app):
    with cc_app.app_context():
        ente = f.ente(code="PRS")
        v = f.verbale(ente, f.person(ente), notified_on=date(2021, 12, 20),
                      violation_at=datetime(2021, 12, 1, tzinfo=UTC))
        number = v.number
        user = f.staff(StaffRole.SUPERVISOR, enti=[ente], enrolled=True)
    f.sign_in_staff(cc, cc_app, user)
    html = cc.get("/enforcement/prescription?ente=PRS").get_data(as_text=True)
    assert number in html
