"""The reconciliation work queue in the contact center: supervisors and administrators only,
scoped to their Enti (another Ente's import or item answers 404), the upload of a flow or
statement, and the resolution of an item (audited)."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core import db
from core.models import (
    AuditEvent,
    Ente,
    ItemStatus,
    Payment,
    ReconciliationImport,
    ReconciliationItem,
    RefundRequest,
    StaffRole,
)
from tests import factories
from tests.core.reconciliation.recon_support import P, fine, flusso, run


@pytest.fixture()
def two_enti(cc_app, db_session):
    """Two Enti, each with a fine (its notice) and a flow with one unknown IUV; plain values,
    since every request ends the session."""
    out = {}
    with cc_app.app_context():
        for key, iuv in (("a", "02111111111111111"), ("b", "02222222222222222")):
            ente, _, verbale, notice = fine(days_ago=10)
            flow = run(flusso(ente, [P(iuv, f"IUR-CC-{key.upper()}", "42.00")]))
            item_id = db.session.scalars(select(ReconciliationItem.id).where(
                ReconciliationItem.import_id == flow.import_id)).one()
            db.session.commit()
            out[key] = SimpleNamespace(
                ente_id=ente.id, code=ente.code,
                verbale_id=verbale.id, iuv=notice.iuv, notice_number=notice.notice_number,
                import_id=flow.import_id, flow_id=flow.flow_id, item_id=item_id)
            creditor = SimpleNamespace(fiscal_code=ente.fiscal_code)
            out[key].flow_xml = lambda payments, c=creditor, **kw: flusso(c, payments, **kw)
    return out


def _sign_in(cc, cc_app, role, enti):
    user = factories.staff(role, [db.session.get(Ente, e.ente_id) for e in enti], enrolled=True,
                           languages=["en"])  # the assertions read the English wording
    factories.sign_in_staff(cc, cc_app, user)
    return user.id


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _upload(cc, data: bytes, name: str, ente: str = "", kind: str = "auto"):
    return cc.post("/reconciliation/import", data={
        "file": (io.BytesIO(data), name), "ente": ente, "kind": kind, "decimal": "auto"},
        content_type="multipart/form-data")


@pytest.mark.parametrize("role", [StaffRole.AGENT, StaffRole.ENTE_VIEWER])
def test_other_roles_are_refused(cc, cc_app, two_enti, role):
    a = two_enti["a"]
    _sign_in(cc, cc_app, role, [a])
    assert cc.get("/reconciliation/").status_code == 403
    assert cc.get(f"/reconciliation/items/{a.item_id}").status_code == 403
    assert cc.get(f"/reconciliation/imports/{a.import_id}").status_code == 403
    assert cc.post(f"/reconciliation/items/{a.item_id}/resolve",
                   data={"action": "ignored", "note": "nope"}).status_code == 403
    assert cc.post("/reconciliation/import", data={}).status_code == 403
    assert "/reconciliation/" not in cc.get("/").get_data(as_text=True)
    assert db.session.get(ReconciliationItem, a.item_id).status == ItemStatus.OPEN


def test_anonymous_goes_to_sign_in(cc):
    response = cc.get("/reconciliation/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_supervisor_sees_only_their_ente(cc, cc_app, two_enti):
    a, b = two_enti["a"], two_enti["b"]
    _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [a])
    page = cc.get("/reconciliation/").get_data(as_text=True)
    assert "02111111111111111" in page and "02222222222222222" not in page
    assert a.flow_id in page and b.flow_id not in page
    assert cc.get(f"/reconciliation/items/{b.item_id}").status_code == 404
    assert cc.post(f"/reconciliation/items/{b.item_id}/resolve",
                   data={"action": "ignored", "note": "not mine"}).status_code == 404
    assert cc.get(f"/reconciliation/imports/{b.import_id}").status_code == 404
    assert cc.get(f"/reconciliation/imports/{a.import_id}").status_code == 200
    assert cc.get("/reconciliation/items/999999999").status_code == 404
    assert db.session.get(ReconciliationItem, b.item_id).status == ItemStatus.OPEN
    assert 'href="/reconciliation/"' in cc.get("/").get_data(as_text=True)  # the desk links here


def test_admin_without_enti_sees_all(cc, cc_app, two_enti):
    _sign_in(cc, cc_app, StaffRole.ADMIN, [])
    page = cc.get("/reconciliation/?status=all").get_data(as_text=True)
    assert "02111111111111111" in page and "02222222222222222" in page


def test_filters(cc, cc_app, two_enti):
    _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [two_enti["a"]])
    assert "02111111111111111" in cc.get("/reconciliation/?reason=unknown_iuv").get_data(as_text=True)
    assert "02111111111111111" not in cc.get("/reconciliation/?reason=revoked").get_data(as_text=True)
    assert "02111111111111111" not in cc.get("/reconciliation/?status=resolved").get_data(as_text=True)


def test_item_page_is_audited(cc, cc_app, two_enti):
    a = two_enti["a"]
    user_id = _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [a])
    page = cc.get(f"/reconciliation/items/{a.item_id}").get_data(as_text=True)
    assert "IUR-CC-A" in page and "Unknown IUV" in page
    assert _count(AuditEvent, AuditEvent.action == "reconciliation.item_viewed",
                  AuditEvent.actor_id == user_id, AuditEvent.object_id == str(a.item_id)) == 1


def test_resolve_by_linking_records_the_payment(cc, cc_app, two_enti):
    a = two_enti["a"]
    user_id = _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [a])
    response = cc.post(f"/reconciliation/items/{a.item_id}/resolve", data={
        "action": "linked", "reference": a.notice_number,
        "note": "The PSP mistyped the IUV; confirmed by phone."})
    assert response.status_code == 302
    item = db.session.get(ReconciliationItem, a.item_id)
    assert (item.status, item.resolution, item.resolved_by_id) == ("resolved", "linked", user_id)
    payment = db.session.get(Payment, item.payment_id)
    assert payment.verbale_id == a.verbale_id and payment.allocation == "saldo"
    assert payment.provider_ref == "IUR-CC-A" and payment.reconciliation_import_id == a.import_id
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "reconciliation.item_resolved",
        AuditEvent.object_id == str(a.item_id))).one()
    assert event.actor_id == user_id and event.details["resolution"] == "linked"
    page = cc.get(f"/reconciliation/items/{a.item_id}").get_data(as_text=True)
    assert "Resolve the item" not in page and "mistyped" in page


def test_resolve_errors_keep_the_item_open(cc, cc_app, two_enti):
    a = two_enti["a"]
    _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [a])
    no_note = cc.post(f"/reconciliation/items/{a.item_id}/resolve", data={"action": "refunded", "note": ""})
    assert no_note.status_code == 400 and "Write a note." in no_note.get_data(as_text=True)
    unknown = cc.post(f"/reconciliation/items/{a.item_id}/resolve", data={
        "action": "linked", "reference": "RHO/1999/000001", "note": "link it"})
    assert unknown.status_code == 400 and "No notice or verbale" in unknown.get_data(as_text=True)
    assert db.session.get(ReconciliationItem, a.item_id).status == ItemStatus.OPEN
    assert _count(Payment, Payment.provider_ref == "IUR-CC-A") == 0


def test_upload_a_flow(cc, cc_app, two_enti):
    a = two_enti["a"]
    user_id = _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [a])
    data = a.flow_xml([P(a.iuv, "IUR-UP-1", "50.00", "9")])
    response = _upload(cc, data, "flusso.xml")
    assert response.status_code == 302
    imp = db.session.scalars(select(ReconciliationImport).order_by(ReconciliationImport.id.desc())).first()
    assert response.headers["Location"].endswith(f"/reconciliation/imports/{imp.id}")
    assert imp.imported_by_id == user_id and imp.new_count == 1 and imp.filename == "flusso.xml"
    payment = db.session.scalars(select(Payment).where(Payment.provider_ref == "IUR-UP-1")).one()
    assert payment.allocation == "eccedenza"
    refund = db.session.scalars(select(RefundRequest).where(RefundRequest.payment_id == payment.id)).one()
    assert refund.amount == Decimal("8.00")
    assert "File imported" in cc.get(response.headers["Location"]).get_data(as_text=True)
    again = _upload(cc, data, "flusso.xml")
    assert again.status_code == 302
    assert "already imported" in cc.get(again.headers["Location"]).get_data(as_text=True)


def test_upload_refused_files_leave_nothing(cc, cc_app, two_enti):
    a, b = two_enti["a"], two_enti["b"]
    _sign_in(cc, cc_app, StaffRole.SUPERVISOR, [a])
    before = _count(ReconciliationImport)
    other_ente = _upload(cc, b.flow_xml([P(b.iuv, "IUR-UP-2", "42.00")]), "b.xml")
    assert other_ente.status_code == 400
    assert "belongs to an Ente you do not manage" in other_ente.get_data(as_text=True)
    bad_totals = _upload(cc, a.flow_xml([P(a.iuv, "IUR-UP-3", "42.00")], count=5), "a.xml",
                         ente=a.code, kind="flusso")
    assert bad_totals.status_code == 400
    assert "declares 5 payments but the file contains 1" in bad_totals.get_data(as_text=True)
    hidden_ente = _upload(cc, b"x", "a.csv", ente=b.code, kind="csv")
    assert hidden_ente.status_code == 400  # not among the choices of this supervisor
    missing = cc.post("/reconciliation/import", data={"ente": "", "kind": "auto", "decimal": "auto"},
                      content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose the file to import." in missing.get_data(as_text=True)
    assert _count(ReconciliationImport) == before
    assert _count(Payment, Payment.provider_ref.in_(["IUR-UP-2", "IUR-UP-3"])) == 0
