"""Citizen side of cases: lost codes become a case with a protocol e-mailed to the citizen,
status by protocol + e-mail, replies visible in the portal, survey after closing."""

from __future__ import annotations

import re

from sqlalchemy import select

from core import db, jobs
from core.accounts import StaffPrincipal
from core.contact import cases
from core.contact.notify import survey_token
from core.models import Case, CaseStatus, CaseType, StaffRole, SurveyResponse
from tests import factories


def test_lost_codes_opens_a_case_and_acknowledges(portal, smtp_server):
    ente = factories.ente()
    factories.queue(ente, "assistance")
    response = portal.post("/lost-codes?lang=en", data={
        "ente": str(ente.id), "name": "Anna Nowak", "email": "anna@example.pl",
        "verbale_number": "", "plate": "WX12345", "message": "I lost the letter"})
    assert response.status_code == 302
    case = db.session.scalars(select(Case).where(Case.ente_id == ente.id)).one()
    assert case.type == CaseType.LOST_CODES and case.language == "en"
    ack = smtp_server.wait_for(1)[0]
    assert case.protocol in ack["Subject"] and ack["To"] == "anna@example.pl"


def test_lost_codes_form_keeps_what_was_typed(portal):
    factories.ente()
    html = portal.post("/lost-codes?lang=en", data={"name": "Anna", "email": "bad"}).get_data(as_text=True)
    assert 'value="Anna"' in html and "Choose the Municipality" in html


def test_status_lookup_needs_protocol_and_email(portal):
    ente = factories.ente()
    case = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="s",
                           body="b", requester_email="x@example.org")
    db.session.commit()
    protocol = case.protocol
    wrong = portal.post("/requests/status?lang=en", data={"protocol": protocol, "email": "y@example.org"})
    assert "No request matches" in wrong.get_data(as_text=True)
    right = portal.post("/requests/status?lang=en", data={"protocol": protocol.lower(), "email": "X@example.org"})
    assert "Received" in right.get_data(as_text=True)


def test_replies_visible_to_the_signed_in_citizen_and_internal_notes_hidden(portal):
    ente = factories.ente()
    person = factories.person(ente)
    agent = StaffPrincipal(factories.staff(StaffRole.AGENT, [ente]))
    case = cases.open_case(ente_id=ente.id, channel="portal", case_type="information", subject="s",
                           body="domanda", person_id=person.id)
    cases.reply(case, cases.Actor.staff(agent), "risposta pubblica")
    cases.reply(case, cases.Actor.staff(agent), "nota interna segreta", internal=True)
    db.session.commit()
    protocol = case.protocol
    factories.sign_in_citizen(portal, person)
    html = portal.get(f"/my-requests/{protocol}").get_data(as_text=True)
    assert "risposta pubblica" in html and "nota interna segreta" not in html
    assert portal.post(f"/my-requests/{protocol}", data={"body": "grazie"}).status_code == 302
    other = factories.person(ente)
    foreign = cases.open_case(ente_id=ente.id, channel="portal", case_type="information", subject="s",
                              body="x", person_id=other.id)
    db.session.commit()
    assert portal.get(f"/my-requests/{foreign.protocol}").status_code == 404


def test_survey_once_after_closing(portal, portal_app, smtp_server):
    ente = factories.ente()
    case = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="s",
                           body="b", requester_email="z@example.org")
    cases.set_status(case, cases.SYSTEM, CaseStatus.CLOSED)
    db.session.commit()
    case_id = case.id
    with portal_app.app_context():
        jobs.run_ready()  # what the request wrapper does after its commit
        token_expected = survey_token(db.session.get(Case, case_id))
    invitation = smtp_server.wait_for(1)[-1]
    token = re.search(r"/requests/survey/(\S+)", invitation.get_content()).group(1)
    assert token == token_expected
    assert portal.post(f"/requests/survey/{token}", data={"score": "5", "comment": "ottimo"}).status_code == 302
    portal.post(f"/requests/survey/{token}", data={"score": "1"})
    answers = db.session.scalars(select(SurveyResponse).where(SurveyResponse.case_id == case_id)).all()
    assert [a.score for a in answers] == [5]
    assert portal.get("/requests/survey/forged-token").status_code == 404
