"""Messages on a verbale: the citizen's thread with the operator — only theirs (404 for any
other verbale), answered from the console, announced by e-mail in the citizen's language,
internal notes never shown."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import db
from core.contact.setup import ensure_default_queues
from core.models import Case, CaseStatus, CaseType, FormDraft, StaffRole, Verbale
from tests import factories


@pytest.fixture()
def driver(portal, smtp_server):
    ente = factories.ente()
    ensure_default_queues(ente.id)
    db.session.commit()
    person = factories.verified_email(factories.person(ente, language="es"), "carmen@example.es")
    verbale = factories.verbale(ente, person)
    factories.sign_in_citizen(portal, person)
    return ente, person, verbale


def _url(verbale) -> str:
    return f"/my-position/verbale/{verbale.id}/messages"


def _thread_case(verbale) -> Case:
    return db.session.scalars(select(Case).where(Case.subject.contains(verbale.number))).one()


def test_first_message_opens_a_case_on_the_verbale_and_later_ones_thread_onto_it(portal, driver):
    ente, person, verbale = driver
    assert portal.get(_url(verbale) + "?lang=es").status_code == 200
    assert portal.post(_url(verbale) + "?lang=es", data={"body": "¿Puedo pagar a plazos?"}).status_code == 302
    case = _thread_case(verbale)
    assert case.type == CaseType.INFORMATION and case.channel == "portal"
    assert [v.id for v in case.verbali] == [verbale.id] and case.person_id == person.id
    assert case.language == "es" and case.queue.code == "foreign_drivers"
    assert case.first_response_due is not None
    portal.post(_url(verbale), data={"body": "Otra pregunta"})
    case = _thread_case(verbale)
    assert [m.body for m in case.messages] == ["¿Puedo pagar a plazos?", "Otra pregunta"]
    html = portal.get(_url(verbale)).get_data(as_text=True)
    assert "¿Puedo pagar a plazos?" in html and "Otra pregunta" in html and case.protocol in html


def test_only_the_verbales_person_sees_the_thread(portal_app, portal, driver):
    ente, person, verbale = driver
    url, verbale_id = _url(verbale), verbale.id  # (a 404 rolls back and expires loaded rows)
    portal.post(url, data={"body": "privado"})
    other_url = _url(factories.verbale(ente, factories.person(ente)))
    assert portal.get(other_url).status_code == 404
    assert portal.post(other_url, data={"body": "x"}).status_code == 404
    assert portal.get("/my-position/verbale/999999/messages").status_code == 404
    # The jointly liable owner of the same verbale has a thread of their own.
    owner = factories.person(ente)
    db.session.get(Verbale, verbale_id).owner_id = owner.id
    db.session.commit()
    other = portal_app.test_client()
    factories.sign_in_citizen(other, owner)
    html = other.get(url).get_data(as_text=True)
    assert other.get(url).status_code == 200 and "privado" not in html
    # Signed out: to the sign-in page.
    anonymous = portal_app.test_client().get(url)
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_agent_reply_is_emailed_in_the_citizens_language_and_notes_stay_internal(
        portal_app, portal, cc, cc_app, driver, smtp_server):
    ente, person, verbale = driver
    portal.post(_url(verbale) + "?lang=es", data={"body": "¿Cuánto debo?"})
    case = _thread_case(verbale)
    case_id, protocol = case.id, case.protocol
    ack = smtp_server.wait_for(1)[0]  # the protocol number of the new case
    assert protocol in ack["Subject"] and ack["To"] == "carmen@example.es"
    agent = factories.staff(StaffRole.AGENT, [ente], enrolled=True)
    factories.sign_in_staff(cc, cc_app, agent)
    assert cc.post(f"/cases/{case_id}/note", data={"body": "nota interna: verificare pagamento"}).status_code == 302
    assert cc.post(f"/cases/{case_id}/reply", data={"body": "Debe 42 euros."}).status_code == 302
    answer = smtp_server.wait_for(2)[1]
    with portal_app.test_request_context(), force_locale("es"):
        expected = _("Answer to your request")
    assert expected != "Answer to your request"  # really Spanish
    assert answer["To"] == "carmen@example.es" and expected in answer["Subject"]
    text = answer.get_content()
    assert "Debe 42 euros." in text and _url(verbale) in text and "nota interna" not in text
    assert len(smtp_server.messages) == 2  # the internal note sent nothing
    html = portal.get(_url(verbale)).get_data(as_text=True)
    assert "Debe 42 euros." in html and "nota interna" not in html


def test_a_closed_case_starts_a_new_one_and_the_thread_shows_both(portal, driver):
    from core.contact import cases

    ente, person, verbale = driver
    portal.post(_url(verbale), data={"body": "prima domanda"})
    first = _thread_case(verbale)
    cases.set_status(first, cases.SYSTEM, CaseStatus.CLOSED)
    db.session.commit()
    portal.post(_url(verbale), data={"body": "seconda domanda"})
    threads = db.session.scalars(select(Case).where(Case.subject.contains(verbale.number))
                                 .order_by(Case.id)).all()
    assert len(threads) == 2 and threads[1].messages[0].body == "seconda domanda"
    html = portal.get(_url(verbale)).get_data(as_text=True)
    assert "prima domanda" in html and "seconda domanda" in html


def test_attachments_checked_stored_and_served_only_to_the_person(portal_app, portal, driver):
    ente, person, verbale = driver
    bad = portal.post(_url(verbale) + "?lang=en", content_type="multipart/form-data",
                      data={"body": "ecco", "attachments": (io.BytesIO(b"<html>hi</html>"), "a.png")})
    assert "is not a PDF, JPEG or PNG file" in bad.get_data(as_text=True)
    assert db.session.scalars(select(Case).where(Case.subject.contains(verbale.number))).first() is None
    ok = portal.post(_url(verbale), content_type="multipart/form-data",
                     data={"body": "ecco", "attachments": (io.BytesIO(b"\x89PNG\r\n\x1a\nxx"), "foto.png")})
    assert ok.status_code == 302
    case = _thread_case(verbale)
    item = case.attachments[0]
    assert item.message_id == case.messages[0].id and item.content_type == "image/png"
    html = portal.get(_url(verbale)).get_data(as_text=True)
    link = f"{_url(verbale)}/files/{item.id}"
    assert link in html
    download = portal.get(link)
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")
    stranger = portal_app.test_client()
    factories.sign_in_citizen(stranger, factories.person(ente))
    assert stranger.get(link).status_code == 404


def test_a_message_typed_when_the_session_expired_is_kept(portal_app, portal, driver):
    ente, person, verbale = driver
    browser = portal_app.test_client()
    gone = browser.post(_url(verbale), data={"body": "Testo lungo scritto prima della scadenza"})
    assert gone.status_code == 302 and "/sign-in" in gone.headers["Location"]
    assert db.session.scalars(select(FormDraft).where(FormDraft.kind == "verbale_message")).one()
    factories.sign_in_citizen(browser, person)
    html = browser.get(_url(verbale)).get_data(as_text=True)
    assert "Testo lungo scritto prima della scadenza" in html
    assert browser.post(_url(verbale), data={"body": "Testo lungo scritto prima della scadenza"}).status_code == 302
    assert db.session.scalars(select(FormDraft).where(FormDraft.kind == "verbale_message")).first() is None
    assert "Testo lungo" not in re.sub(r"<ol class=\"list-unstyled app-thread\">.*?</ol>", "",
                                       browser.get(_url(verbale)).get_data(as_text=True), flags=re.S)


def test_empty_message_is_refused_with_the_draft_kept(portal, driver):
    ente, person, verbale = driver
    html = portal.post(_url(verbale) + "?lang=en", data={"body": "  "}).get_data(as_text=True)
    assert "Write your message." in html
    assert db.session.scalars(select(Case).where(Case.subject.contains(verbale.number))).first() is None
