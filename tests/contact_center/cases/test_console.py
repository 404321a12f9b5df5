"""Agent console over HTTP: lists sorted by time to breach, case page with SLA and position,
actions, Ente scoping by any URL, read-only Ente viewers, audit of personal-data access."""

from __future__ import annotations

from sqlalchemy import select

from core import db
from core.contact import cases
from core.models import AuditEvent, Case, CaseStatus, StaffRole
from tests import factories


def _setup(cc, cc_app, role=StaffRole.AGENT):
    ente = factories.ente()
    factories.queue(ente, "assistance")
    staff = factories.staff(role, [ente], enrolled=True)
    factories.sign_in_staff(cc, cc_app, staff)
    return ente, staff


def test_queue_list_sorted_by_time_to_breach(cc, cc_app):
    ente, _ = _setup(cc, cc_app)
    slow = cases.open_case(ente_id=ente.id, channel="portal", case_type="generic", subject="slow", body="x")
    fast = cases.open_case(ente_id=ente.id, channel="phone", case_type="incident_blocking", subject="fast", body="x")
    db.session.commit()
    html = cc.get("/cases/?view=queues&lang=en").get_data(as_text=True)
    assert html.index(fast.protocol) < html.index(slow.protocol)


def test_claim_reply_close_flow_and_audit(cc, cc_app, smtp_server):
    ente, staff = _setup(cc, cc_app)
    person = factories.person(ente, language="de", email="k@example.de")
    person.email_verified_at = person.created_at
    db.session.commit()
    case = cases.open_case(ente_id=ente.id, channel="portal", case_type="information", subject="Frage",
                           body="Wie zahle ich?", language="de", person_id=person.id)
    db.session.commit()
    case_id, protocol, staff_id = case.id, case.protocol, staff.id
    assert cc.get(f"/cases/{case_id}?lang=en").status_code == 200
    assert cc.post(f"/cases/{case_id}/claim").status_code == 302
    assert cc.post(f"/cases/{case_id}/reply", data={"body": "Sie können online zahlen."}).status_code == 302
    message = smtp_server.wait_for(1)[0]
    assert protocol in message["Subject"]
    assert cc.post(f"/cases/{case_id}/status", data={"status": "closed"}).status_code == 302
    stored = db.session.get(Case, case_id)
    assert stored.status == CaseStatus.CLOSED and stored.assignee_id == staff_id
    assert stored.first_response_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == staff_id)))
    assert {"case.view", "person.view"} <= actions


def test_other_ente_case_is_404_by_any_url(cc, cc_app):
    _setup(cc, cc_app)
    foreign = factories.ente()
    case = cases.open_case(ente_id=foreign.id, channel="email", case_type="information", subject="x", body="y")
    db.session.commit()
    case_id, protocol = case.id, case.protocol
    assert cc.get(f"/cases/{case_id}").status_code == 404
    for action in ("claim", "reply", "note", "status", "priority", "assign", "merge"):
        assert cc.post(f"/cases/{case_id}/{action}", data={"body": "x", "status": "closed"}).status_code == 404
    assert protocol not in cc.get("/cases/?view=all").get_data(as_text=True)


def test_ente_viewer_is_read_only(cc, cc_app):
    ente, _ = _setup(cc, cc_app, role=StaffRole.ENTE_VIEWER)
    case = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="x", body="y")
    db.session.commit()
    case_id = case.id
    assert cc.get(f"/cases/{case_id}").status_code == 200
    assert cc.post(f"/cases/{case_id}/claim").status_code == 403


def test_reply_template_in_citizen_language(cc, cc_app):
    ente, _ = _setup(cc, cc_app)
    case = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="x", body="y",
                           language="en", requester_name="John")
    db.session.commit()
    html = cc.get(f"/cases/{case.id}?template=received").get_data(as_text=True)
    assert "Dear John" in html and case.protocol in html


def test_attachments_only_for_staff_of_the_ente(cc, cc_app):
    from core import storage
    from core.models import CaseAttachment

    ente, _ = _setup(cc, cc_app)
    case = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="x", body="y")
    db.session.commit()
    case_id = case.id
    with cc_app.test_request_context():  # storage needs the app's STORAGE_DIR
        stored = storage.save(f"cases/{case_id}/doc.pdf", b"%PDF-1.4 test")
    db.session.add(CaseAttachment(case_id=case_id, filename="doc.pdf", content_type="application/pdf",
                                  size=stored.size, sha256=stored.sha256, storage_key=stored.key))
    db.session.commit()
    attachment_id = db.session.scalars(select(CaseAttachment.id).where(CaseAttachment.case_id == case_id)).one()
    assert cc.get(f"/cases/{case_id}/attachments/{attachment_id}").data.startswith(b"%PDF")
    other = factories.ente()
    foreign = cases.open_case(ente_id=other.id, channel="email", case_type="information", subject="x", body="y")
    db.session.commit()
    assert cc.get(f"/cases/{foreign.id}/attachments/{attachment_id}").status_code == 404
