"""The contact center's letters page: a verbale's letters and notification events with links to
the PDFs, the return-receipt form for agents; Ente scoping by any URL, read-only viewers, audit."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from core import db, storage
from core.letters import postal
from core.letters.service import produce
from core.models import AuditEvent, NotificationEvent, PostalItem, StaffRole
from tests import factories
from tests.core.letters.letters_support import assessed, new_ente, today

PDF = b"%PDF-1.4\n% scanned return receipt\n%%EOF\n"


def _printed_letter(cc_app):
    with cc_app.app_context():
        ente = new_ente()
        verbale = assessed(ente, factories.foreign_person(ente, "AT", "de"))
        factories.letter_template(ente, "invito_bonario", invito_for="none")
        letter = produce(verbale, "verbale").letter
        db.session.commit()
        run = postal.start(ente, "verbale")
        db.session.commit()
        postal.run(run.id)
        return ente, verbale, letter


def _staff(cc, cc_app, enti, role=StaffRole.AGENT):
    staff = factories.staff(role, enti, enrolled=True)
    factories.sign_in_staff(cc, cc_app, staff)
    return staff


def _audits(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_timeline_lists_letters_and_events_and_is_audited(cc, cc_app):
    ente, verbale, letter = _printed_letter(cc_app)
    staff = _staff(cc, cc_app, [ente])
    response = cc.get(f"/letters/verbali/{verbale.id}?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert letter.verification_code in html and verbale.number in html
    assert "International registered mail" in html and "Queued for printing" in html
    assert f"/letters/verbali/{verbale.id}/letters/{letter.id}" in html
    [event] = [e for e in _audits("letters.timeline_view") if e.object_id == str(verbale.id)]
    assert event.actor_id == staff.id and event.ente_id == ente.id


def test_find_by_number(cc, cc_app):
    ente, verbale, _letter = _printed_letter(cc_app)
    _staff(cc, cc_app, [ente])
    response = cc.get(f"/letters/?number={verbale.number}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/letters/verbali/{verbale.id}")
    assert "No verbale" in cc.get("/letters/?number=XX/0&lang=en").get_data(as_text=True)
    assert cc.get("/letters/?lang=en").status_code == 200


def test_letter_pdf_download(cc, cc_app):
    ente, verbale, letter = _printed_letter(cc_app)
    _staff(cc, cc_app, [ente])
    response = cc.get(f"/letters/verbali/{verbale.id}/letters/{letter.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with cc_app.app_context():
        assert response.data == storage.read(letter.storage_key)
    assert any(e.object_id == str(letter.id) for e in _audits("letters.download"))


def test_other_entes_verbale_is_not_found(cc, cc_app):
    _ente, verbale, letter = _printed_letter(cc_app)
    other = factories.ente()
    _staff(cc, cc_app, [other])
    assert cc.get(f"/letters/verbali/{verbale.id}").status_code == 404
    assert cc.get(f"/letters/verbali/{verbale.id}/letters/{letter.id}").status_code == 404
    assert cc.post(f"/letters/verbali/{verbale.id}/receipt", data={}).status_code == 404
    assert cc.get(f"/letters/?number={verbale.number}").status_code == 200  # not revealed


def test_letter_of_another_verbale_is_not_found(cc, cc_app):
    ente, verbale, _letter = _printed_letter(cc_app)
    _e2, _v2, other_letter = _printed_letter(cc_app)
    _staff(cc, cc_app, [ente])
    assert cc.get(f"/letters/verbali/{verbale.id}/letters/{other_letter.id}").status_code == 404


def _post_receipt(cc, verbale_id, item_id, delivered_on, data=PDF, name="ar.pdf"):
    return cc.post(f"/letters/verbali/{verbale_id}/receipt?lang=en", data={
        "item": str(item_id), "delivered_on": delivered_on.isoformat(),
        "scan": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_agent_records_a_return_receipt(cc, cc_app):
    ente, verbale, letter = _printed_letter(cc_app)
    _staff(cc, cc_app, [ente])
    item = db.session.scalars(select(PostalItem).where(PostalItem.letter_id == letter.id)).one()
    delivered, item_id, verbale_id = today(), item.id, verbale.id
    response = _post_receipt(cc, verbale_id, item_id, delivered)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    item = db.session.get(PostalItem, item_id)
    assert item.delivered_on == delivered and item.receipt_storage_key
    events = list(db.session.scalars(select(NotificationEvent).where(
        NotificationEvent.verbale_id == verbale_id, NotificationEvent.outcome == "perfected")))
    assert len(events) == 1 and events[0].perfected_on == delivered
    html = cc.get(f"/letters/verbali/{verbale_id}?lang=en").get_data(as_text=True)
    assert "Notification perfected" in html
    scan = cc.get(f"/letters/verbali/{verbale_id}/receipts/{item_id}")
    assert scan.status_code == 200 and scan.data == PDF
    assert _audits("letters.return_receipt_recorded")


def test_bad_receipts_are_refused_with_a_message(cc, cc_app):
    ente, verbale, letter = _printed_letter(cc_app)
    _staff(cc, cc_app, [ente])
    item = db.session.scalars(select(PostalItem).where(PostalItem.letter_id == letter.id)).one()
    item_id, verbale_id = item.id, verbale.id
    future = _post_receipt(cc, verbale_id, item_id, today() + timedelta(days=2))
    assert future.status_code == 400 and "future" in future.get_data(as_text=True)
    not_a_scan = _post_receipt(cc, verbale_id, item_id, today(), data=b"GIF89a...", name="x.gif")
    assert not_a_scan.status_code == 400 and "not a PDF, JPEG or PNG" in not_a_scan.get_data(as_text=True)
    assert db.session.get(PostalItem, item_id).receipt_storage_key is None


def test_ente_viewer_reads_but_cannot_record(cc, cc_app):
    ente, verbale, letter = _printed_letter(cc_app)
    _staff(cc, cc_app, [ente], role=StaffRole.ENTE_VIEWER)
    assert cc.get(f"/letters/verbali/{verbale.id}").status_code == 200
    item = db.session.scalars(select(PostalItem).where(PostalItem.letter_id == letter.id)).one()
    assert _post_receipt(cc, verbale.id, item.id, today()).status_code == 403


def test_anonymous_goes_to_sign_in(cc, cc_app):
    _ente, verbale, _letter = _printed_letter(cc_app)
    response = cc.get(f"/letters/verbali/{verbale.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
