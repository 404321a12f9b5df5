"""The public request forms in the portal: open to anyone, in the citizen's language, held until
the e-mailed link is confirmed, then a case with its protocol number shown and e-mailed, and
followed with protocol + e-mail. Drafts keep what was typed; limits stop floods."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from core import db
from core.contact.setup import ensure_default_queues
from core.models import Case, CaseType, FormDraft, PendingRequest
from tests import factories

FORMS = {
    "complaint": {"text": "El operador no contestó"},
    "information": {"text": "¿Puedo pagar con tarjeta?"},
    "access": {"identity_document": "Pasaporte XK123", "capacity": "owner",
               "documents": "Certificado de calibración del radar", "interest": "Recibí la multa",
               "delivery": "email"},
    "civic-simple": {"documents": "Informe anual de las multas"},
    "civic-generalised": {"documents": "Contrato con el concesionario", "delivery": "office"},
}
TYPES = {"complaint": CaseType.COMPLAINT, "information": CaseType.INFORMATION,
         "access": CaseType.ACCESS, "civic-simple": CaseType.CIVIC_ACCESS,
         "civic-generalised": CaseType.CIVIC_ACCESS}


def _data(ente, slug, **extra):
    return {"ente": str(ente.id), "name": "Lucía Pérez", "email": "lucia@example.es",
            "verbale_number": "", "privacy": "y", **FORMS[slug], **extra}


@pytest.fixture(autouse=True)
def _mailbox(smtp_server):
    """Every submission sends an e-mail: catch them all on loopback."""
    return smtp_server


def _token(app, pending) -> str:
    """The link's token as core.requests.public signs it (no app context needed)."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="public-request-verify").dumps(
        {"p": pending.id, "n": pending.nonce})


def _link(message) -> str:
    return re.search(r"http://\S+/requests/confirm/(\S+)", message.get_content()).group(1)


@pytest.mark.parametrize("lang, heading", [("es", "<html lang=\"es\""), ("it", "<html lang=\"it\"")])
@pytest.mark.parametrize("slug", list(FORMS))
def test_every_form_is_public_and_in_the_chosen_language(portal, slug, lang, heading):
    factories.ente()
    response = portal.get(f"/requests/new/{slug}?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and heading in html
    assert 'name="privacy"' in html and 'type="file"' in html and 'name="ente"' in html


def test_index_lists_the_five_requests(portal):
    html = portal.get("/requests/?lang=en").get_data(as_text=True)
    for slug in FORMS:
        assert f"/requests/new/{slug}" in html


@pytest.mark.parametrize("slug", list(FORMS))
def test_submit_verify_and_get_the_protocol(portal, smtp_server, slug):
    ente = factories.ente()
    ensure_default_queues(ente.id)
    response = portal.post(f"/requests/new/{slug}?lang=es", data=_data(ente, slug))
    assert response.status_code == 302 and response.headers["Location"].endswith("/requests/sent")
    assert db.session.scalar(select(func.count(Case.id)).where(Case.ente_id == ente.id)) == 0
    mail = smtp_server.wait_for(1)[0]
    assert mail["To"] == "lucia@example.es"
    token = _link(mail)
    page = portal.get(f"/requests/confirm/{token}")
    assert page.status_code == 200 and "Lucía Pérez" in page.get_data(as_text=True)
    done = portal.post(f"/requests/confirm/{token}")
    case = db.session.scalars(select(Case).where(Case.ente_id == ente.id)).one()
    assert done.status_code == 200 and case.protocol in done.get_data(as_text=True)
    assert case.type == TYPES[slug] and case.language == "es" and case.queue is not None
    ack = smtp_server.wait_for(2)[1]
    assert case.protocol in ack["Subject"] and ack["To"] == "lucia@example.es"
    status = portal.post("/requests/status?lang=en", data={"protocol": case.protocol,
                                                         "email": "LUCIA@example.es"})
    html = status.get_data(as_text=True)
    assert case.protocol in html and "Received" in html
    assert ("Decision due by" in html) == (slug not in ("complaint", "information"))


def test_status_page_names_the_request_type(portal):
    ente = factories.ente()
    portal.post("/requests/new/access?lang=en", data=_data(ente, "access"))
    pending = db.session.scalars(select(PendingRequest)).one()
    token = _token(portal.application, pending)
    portal.post(f"/requests/confirm/{token}")
    case = db.session.scalars(select(Case).where(Case.ente_id == ente.id)).one()
    html = portal.post("/requests/status?lang=en", data={"protocol": case.protocol,
                                                         "email": "lucia@example.es"}).get_data(as_text=True)
    assert "Access to documents (Law 241/1990)" in html


def test_access_without_interest_is_refused_and_nothing_is_kept(portal):
    ente = factories.ente()
    data = _data(ente, "access", interest="")
    html = portal.post("/requests/new/access?lang=en", data=data).get_data(as_text=True)
    assert "Explain your direct, concrete and current interest" in html
    assert 'id="error-summary"' in html and "Certificado de calibración del radar" in html
    assert db.session.scalars(select(PendingRequest)).first() is None


def test_generalised_civic_access_asks_no_reason(portal):
    ente = factories.ente()
    html = portal.get("/requests/new/civic-generalised?lang=en").get_data(as_text=True)
    assert 'name="interest"' not in html and "You do not need to explain why" in html
    assert portal.post("/requests/new/civic-generalised", data=_data(ente, "civic-generalised")).status_code == 302


def test_post_delivery_needs_an_address(portal):
    ente = factories.ente()
    html = portal.post("/requests/new/civic-generalised?lang=en",
                       data=_data(ente, "civic-generalised", delivery="post")).get_data(as_text=True)
    assert "Enter the postal address for the paper copy." in html
    assert db.session.scalars(select(PendingRequest)).first() is None


def test_privacy_acknowledgement_is_required(portal):
    ente = factories.ente()
    data = _data(ente, "complaint")
    del data["privacy"]
    html = portal.post("/requests/new/complaint?lang=en", data=data).get_data(as_text=True)
    assert "Confirm that you have read the privacy notice." in html
    assert db.session.scalars(select(PendingRequest)).first() is None


def test_attachment_refused_by_its_content_not_its_name(portal, portal_app):
    ente = factories.ente()
    data = _data(ente, "complaint")
    data["attachments"] = (io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), "ricevuta.pdf")
    html = portal.post("/requests/new/complaint?lang=en", data=data,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "is not a PDF, JPEG or PNG file" in html
    assert db.session.scalars(select(PendingRequest)).first() is None
    from pathlib import Path

    assert not list((Path(portal_app.config["STORAGE_DIR"]) / "requests").glob("*/*ricevuta*"))


def test_attachment_accepted_goes_with_the_request(portal):
    ente = factories.ente()
    data = _data(ente, "complaint")
    data["attachments"] = [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "ricevuta.pdf"),
                           (io.BytesIO(b"\xff\xd8\xff\xe0 photo"), "foto.jpeg")]
    assert portal.post("/requests/new/complaint", data=data,
                       content_type="multipart/form-data").status_code == 302
    pending = db.session.scalars(select(PendingRequest)).one()
    assert sorted(a["filename"] for a in pending.attachments) == ["foto.jpg", "ricevuta.pdf"]


def test_link_pages_expired_reused_tampered(portal):
    from datetime import timedelta

    ente = factories.ente()
    portal.post("/requests/new/information", data=_data(ente, "information"))
    pending = db.session.scalars(select(PendingRequest)).one()
    token = _token(portal.application, pending)
    assert portal.get(f"/requests/confirm/{token}x?lang=en").status_code == 404
    assert portal.post(f"/requests/confirm/{token}").status_code == 200
    reused = portal.post(f"/requests/confirm/{token}?lang=en")
    assert reused.status_code == 409 and "already been used" in reused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Case.id)).where(Case.ente_id == ente.id)) == 1

    portal.post("/requests/new/information", data=_data(ente, "information", text="second"))
    late = db.session.scalars(select(PendingRequest).where(PendingRequest.confirmed_at.is_(None))).one()
    late.expires_at = late.created_at - timedelta(seconds=1)
    db.session.commit()
    token = _token(portal.application, late)
    expired = portal.get(f"/requests/confirm/{token}?lang=en")
    assert expired.status_code == 410 and "has expired" in expired.get_data(as_text=True)
    assert portal.post(f"/requests/confirm/{token}").status_code == 410


def test_a_known_address_gets_the_same_answer_as_any_other(portal):
    """No account enumeration: a citizen's verified address is treated like any other."""
    ente = factories.ente()
    factories.verified_email(factories.person(ente), "known@example.it")
    known = portal.post("/requests/new/complaint", data=_data(ente, "complaint", email="known@example.it"))
    other = portal.post("/requests/new/complaint", data=_data(ente, "complaint", email="nobody@example.it"))
    assert known.status_code == other.status_code == 302
    assert known.headers["Location"] == other.headers["Location"]
    assert db.session.scalar(select(func.count(Case.id)).where(Case.ente_id == ente.id)) == 0


def test_anonymous_draft_survives_a_new_session(portal_app, portal):
    ente = factories.ente()
    data = _data(ente, "access", interest="")
    data["text"] = "Testo che non voglio perdere"
    first = portal.post("/requests/new/access?lang=en", data=data)
    cookie = re.search(r"portal_draft=([^;]+)", first.headers.get("Set-Cookie", "")).group(1)
    newcomer = portal_app.test_client()  # a new browser session: only the draft cookie is kept
    newcomer.set_cookie("portal_draft", cookie)
    html = newcomer.get("/requests/new/access?lang=en").get_data(as_text=True)
    assert "Testo che non voglio perdere" in html and "Pasaporte XK123" in html
    stranger = portal_app.test_client().get("/requests/new/access?lang=en").get_data(as_text=True)
    assert "Testo che non voglio perdere" not in stranger


def test_save_button_keeps_a_draft_without_validating(portal):
    ente = factories.ente()
    response = portal.post("/requests/new/complaint?lang=en",
                           data={"ente": str(ente.id), "text": "metà del testo", "save": "1"})
    assert response.status_code == 200 and "Draft saved" in response.get_data(as_text=True)
    assert "Write your request" not in response.get_data(as_text=True)
    assert "metà del testo" in portal.get("/requests/new/complaint").get_data(as_text=True)
    assert portal.post("/requests/new/complaint", data=_data(ente, "complaint")).status_code == 302
    assert db.session.scalars(select(FormDraft).where(FormDraft.kind == "request:complaint")).first() is None


def test_no_draft_from_a_cross_site_post(portal):
    ente = factories.ente()
    portal.post("/requests/new/complaint", data={"ente": str(ente.id), "text": "phishing text"},
                headers={"Sec-Fetch-Site": "cross-site"})
    assert db.session.scalars(select(FormDraft)).first() is None


@pytest.fixture(scope="session")
def csrf_app(portal_app):
    """The portal with CSRF on, as in production (built once, before any test's transaction
    binds the session: building an app rebinds it)."""
    from core.factory import create_app

    shared = ("TESTING", "DATABASE_URL", "SERVER_NAME", "STORAGE_DIR", "REDIS_URL", "RQ_ASYNC")
    return create_app("portal", {**{k: portal_app.config[k] for k in shared}, "WTF_CSRF_ENABLED": True})


@pytest.fixture()
def csrf_portal(csrf_app, portal_app, db_session, monkeypatch):
    for key in ("MAIL_SERVER", "MAIL_PORT"):  # the loopback SMTP server of this test
        monkeypatch.setitem(csrf_app.config, key, portal_app.config[key])
    with csrf_app.app_context():
        csrf_app.extensions["app_limiter"].reset()
    return csrf_app.test_client()


def test_expired_session_keeps_what_was_typed(csrf_portal):
    ente = factories.ente()
    page = csrf_portal.get("/requests/new/complaint?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    csrf_portal.delete_cookie("portal_session")  # the session expired while typing
    data = _data(ente, "complaint", text="Un lungo reclamo scritto con cura")
    data["csrf_token"] = token
    response = csrf_portal.post("/requests/new/complaint?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Your session had expired" in html
    assert "Un lungo reclamo scritto con cura" in html and "CSRF" not in html
    assert db.session.scalars(select(PendingRequest)).first() is None
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data["csrf_token"] = fresh
    assert csrf_portal.post("/requests/new/complaint", data=data).status_code == 302


def test_signed_in_driver_gets_the_form_prefilled_and_the_case_in_my_requests(portal):
    ente = factories.ente()
    person = factories.verified_email(factories.person(ente, first_name="Giulia"), "giulia@example.it")
    factories.sign_in_citizen(portal, person)
    html = portal.get("/requests/new/information?lang=it").get_data(as_text=True)
    assert 'value="giulia@example.it"' in html and "Giulia" in html
    assert f'<option selected value="{ente.id}"' in html or f'value="{ente.id}" selected' in html
    data = _data(ente, "information", name=person.display_name, email="giulia@example.it")
    done = portal.post("/requests/new/information?lang=it", data=data)
    case = db.session.scalars(select(Case).where(Case.person_id == person.id)).one()
    assert done.status_code == 200 and case.protocol in done.get_data(as_text=True)
    assert case.protocol in portal.get("/my-requests/").get_data(as_text=True)


def test_submissions_are_rate_limited(portal, portal_app, monkeypatch):
    monkeypatch.setitem(portal_app.config, "REQUEST_SUBMIT_RATE_LIMIT", "2 per hour")
    ente = factories.ente()
    codes = [portal.post("/requests/new/complaint", data=_data(ente, "complaint")).status_code
             for _ in range(3)]
    assert codes == [302, 302, 429]
    assert db.session.scalar(select(func.count(PendingRequest.id))) == 2


def test_confirmation_links_are_rate_limited(portal, portal_app, monkeypatch):
    monkeypatch.setitem(portal_app.config, "REQUEST_CONFIRM_RATE_LIMIT", "3 per minute")
    codes = [portal.get(f"/requests/confirm/guess{i}").status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]


def test_one_address_cannot_be_flooded_with_links(portal, portal_app, monkeypatch):
    monkeypatch.setitem(portal_app.config, "REQUEST_EMAIL_RATE_LIMIT", "1 per hour")
    ente = factories.ente()
    assert portal.post("/requests/new/complaint", data=_data(ente, "complaint")).status_code == 302
    assert portal.post("/requests/new/complaint", data=_data(ente, "complaint",
                                                            email="LUCIA@example.es")).status_code == 429
    assert portal.post("/requests/new/complaint", data=_data(ente, "complaint",
                                                            email="other@example.es")).status_code == 302
