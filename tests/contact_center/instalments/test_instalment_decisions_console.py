"""Instalment requests in the contact center: supervisors approve or reject (with a reason)
for their own Enti; agents and Ente viewers cannot decide; another Ente's request is a 404 by
any URL; viewing a request (income, household) is audited."""

from __future__ import annotations

from sqlalchemy import select

from core import db
from core.models import AuditEvent, InstalmentPlan, PlanStatus, StaffRole
from tests import factories


def _request(cc_app, language="it"):
    ente = factories.ente()
    person = factories.person(ente)
    verbale = factories.instalment_verbale(ente, person)
    with cc_app.test_request_context():
        plan = factories.instalment_request(verbale, person, count=3, language=language)
    return ente, plan.id, plan.case_id


def _staff(cc, cc_app, role, ente):
    staff = factories.staff(role, [ente], enrolled=True)
    factories.sign_in_staff(cc, cc_app, staff)
    return staff


def _plan(plan_id):
    db.session.expire_all()
    return db.session.get(InstalmentPlan, plan_id)


def test_supervisor_approves_from_the_request_page(cc, cc_app):
    ente, plan_id, case_id = _request(cc_app)
    supervisor = _staff(cc, cc_app, StaffRole.SUPERVISOR, ente)
    listing = cc.get("/instalments/?lang=en").get_data(as_text=True)
    assert f"/instalments/{plan_id}" in listing
    assert cc.get(f"/instalments/case/{case_id}").headers["Location"].endswith(f"/instalments/{plan_id}")
    page = cc.get(f"/instalments/{plan_id}?lang=en")
    assert page.status_code == 200 and "Approve the plan" in page.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "instalments.viewed", AuditEvent.actor_id == supervisor.id))
    assert cc.post(f"/instalments/{plan_id}/approve").status_code == 302
    plan = _plan(plan_id)
    assert plan.status == PlanStatus.APPROVED and plan.decided_by == supervisor.id
    assert len({i.notice.notice_number for i in plan.instalments}) == 3
    again = cc.post(f"/instalments/{plan_id}/approve", follow_redirects=True)
    assert "already been decided" in again.get_data(as_text=True)


def test_rejection_needs_a_reason(cc, cc_app):
    ente, plan_id, _case = _request(cc_app)
    _staff(cc, cc_app, StaffRole.SUPERVISOR, ente)
    empty = cc.post(f"/instalments/{plan_id}/reject?lang=en", data={"reason": ""})
    assert empty.status_code == 400 and 'id="error-summary"' in empty.get_data(as_text=True)
    assert _plan(plan_id).status == PlanStatus.REQUESTED
    assert cc.post(f"/instalments/{plan_id}/reject", data={"reason": "Reddito non documentato"}).status_code == 302
    plan = _plan(plan_id)
    assert plan.status == PlanStatus.REJECTED and plan.decision_reason == "Reddito non documentato"


def test_agent_and_viewer_cannot_decide(cc, cc_app):
    ente, plan_id, _case = _request(cc_app)
    _staff(cc, cc_app, StaffRole.AGENT, ente)
    page = cc.get(f"/instalments/{plan_id}?lang=en")
    assert page.status_code == 200 and "Approve the plan" not in page.get_data(as_text=True)
    assert cc.post(f"/instalments/{plan_id}/approve").status_code == 403
    assert cc.post(f"/instalments/{plan_id}/reject", data={"reason": "no"}).status_code == 403
    _staff(cc, cc_app, StaffRole.ENTE_VIEWER, ente)
    assert cc.post(f"/instalments/{plan_id}/approve").status_code == 403
    assert _plan(plan_id).status == PlanStatus.REQUESTED


def test_another_entes_supervisor_gets_404(cc, cc_app):
    _ente, plan_id, case_id = _request(cc_app)
    _staff(cc, cc_app, StaffRole.SUPERVISOR, factories.ente())
    assert cc.get(f"/instalments/{plan_id}").status_code == 404
    assert cc.get(f"/instalments/case/{case_id}").status_code == 404
    assert cc.post(f"/instalments/{plan_id}/approve").status_code == 404
    assert cc.post(f"/instalments/{plan_id}/reject", data={"reason": "x"}).status_code == 404
    assert f"/instalments/{plan_id}" not in cc.get("/instalments/").get_data(as_text=True)
    assert _plan(plan_id).status == PlanStatus.REQUESTED
