"""The four-step appeal in the portal: each step's validation with the error summary, the draft
surviving errors and a new session, uploads checked by content, the Italian PDF, the position
page, the warning before paying, and 404 for anyone else's verbale, appeal or file."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from core import db
from core.contact.setup import ensure_default_queues
from core.models import Appeal, Case, Person
from core.positions import local_today
from tests import factories
from tests.core.appeals.pdftext import pdf_text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = "Je n'étais pas au volant : la voiture était vendue depuis le 2 février."


@pytest.fixture()
def citizen(portal, portal_app):
    ente = factories.ente(name="Comune di Rho")
    with portal_app.app_context():
        ensure_default_queues(ente.id)
        db.session.commit()
    person = factories.person(ente, language="fr", country="FR", first_name="Camille",
                              last_name="Durand")
    v = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=3),
                          assessed_on=local_today() - timedelta(days=10))
    factories.sign_in_citizen(portal, person)
    return ente, person, v


def _url(v, n):
    return f"/appeals/verbale/{v.id}/step/{n}"


def _fill(portal, v, route="prefetto"):
    assert portal.post(_url(v, 1), data={"route": route}).status_code == 302
    assert portal.post(_url(v, 2), data={"grounds": ["vehicle_sold"], "text": TEXT}).status_code == 302
    assert portal.post(_url(v, 3), data={"action": "next"}).status_code == 302


def test_step_one_explains_routes_with_engine_dates_and_costs(portal, citizen):
    _ente, _person, v = citizen
    assert portal.get(f"/appeals/verbale/{v.id}").headers["Location"].endswith(_url(v, 1))
    html = portal.get(_url(v, 1) + "?lang=en").get_data(as_text=True)
    assert "Step 1 of 4" in html
    assert "Appeal to the Prefetto" in html and "Giudice di Pace" in html
    assert "free of charge" in html and "€43.00" in html  # court fee
    prefetto_due = v.notified_on + timedelta(days=60)
    assert str(prefetto_due.year) in html and "60 days from notification" in html


def test_each_step_validates_with_an_error_summary(portal, citizen):
    _ente, _person, v = citizen
    html = portal.post(_url(v, 1) + "?lang=en", data={}).get_data(as_text=True)
    assert 'id="error-summary"' in html and 'href="#route"' in html
    assert "Choose to whom you want to appeal." in html
    assert portal.post(_url(v, 1), data={"route": "prefetto"}).status_code == 302
    html = portal.post(_url(v, 2) + "?lang=en", data={"text": "x" * 9000}).get_data(as_text=True)
    assert 'href="#grounds"' in html and 'href="#text"' in html
    assert "Choose at least one reason." in html and "at most 8000 characters" in html
    # a step not reached yet sends back to the furthest one reached
    assert portal.get(_url(v, 4)).headers["Location"].endswith(_url(v, 2))


def test_a_closed_route_is_refused(portal, citizen):
    ente, person, _v = citizen
    late = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=70),
                             assessed_on=local_today() - timedelta(days=80))
    html = portal.get(f"/appeals/verbale/{late.id}?lang=en").get_data(as_text=True)
    assert "deadlines for appealing this fine have passed" in html
    mid = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=40),
                            assessed_on=local_today() - timedelta(days=50))
    db.session.execute(update(Person).where(Person.id == person.id).values(country="IT"))
    db.session.commit()
    html = portal.post(_url(mid, 1) + "?lang=en", data={"route": "giudice_di_pace"}).get_data(as_text=True)
    assert "The deadline for this appeal has passed" in html


def test_draft_survives_a_validation_error_and_a_new_session(portal, portal_app, citizen):
    _ente, person, v = citizen
    portal.post(_url(v, 1), data={"route": "prefetto"})
    html = portal.post(_url(v, 2), data={"text": TEXT}).get_data(as_text=True)  # no grounds
    assert "Je n&#39;étais pas au volant" in html  # kept on the error page
    other = portal_app.test_client()  # a new browser: the session is gone
    factories.sign_in_citizen(other, person)
    response = other.get(f"/appeals/verbale/{v.id}")
    assert response.headers["Location"].endswith(_url(v, 2))
    html = other.get(_url(v, 2)).get_data(as_text=True)
    assert "Je n&#39;étais pas au volant" in html
    assert 'value="prefetto"' not in html  # step 2 shows step 2
    assert 'checked' in other.get(_url(v, 1)).get_data(as_text=True)


def test_uploads_refused_by_content_and_listed_when_good(portal, citizen):
    _ente, _person, v = citizen
    _fill(portal, v)
    bad = {"action": "upload", "attachments": (io.BytesIO(b"<html>not a pdf"), "ricevuta.pdf")}
    html = portal.post(_url(v, 3) + "?lang=en", data=bad,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "is not a PDF, JPEG or PNG file" in html and 'href="#attachments"' in html
    good = {"action": "upload", "attachments": (io.BytesIO(PDF), "atto di vendita.pdf")}
    assert portal.post(_url(v, 3), data=good, content_type="multipart/form-data").status_code == 302
    html = portal.get(_url(v, 3)).get_data(as_text=True)
    assert "atto di vendita.pdf" in html
    draft_file = portal.get(f"/appeals/verbale/{v.id}/draft-files/0")
    assert draft_file.status_code == 200 and draft_file.mimetype == "application/pdf"


def test_confirm_and_send_files_online_and_the_position_shows_it(portal, citizen):
    _ente, person, v = citizen
    _fill(portal, v)
    html = portal.get(_url(v, 4) + "?lang=en").get_data(as_text=True)
    assert "Step 4 of 4" in html and "Confirm and send" in html and TEXT[:20].replace("'", "&#39;") in html
    html = portal.post(_url(v, 4) + "?lang=en", data={"filing": "online"}).get_data(as_text=True)
    assert "Confirm that what you wrote is true." in html  # declaration required
    response = portal.post(_url(v, 4), data={"filing": "online", "truthful": "y"})
    appeal = db.session.query(Appeal).filter_by(verbale_id=v.id).one()
    assert response.headers["Location"].endswith(f"/appeals/{appeal.id}")
    case = db.session.get(Case, appeal.case_id)
    assert case.type == "appeal" and case.queue.code == "foreign_drivers"
    page = portal.get(f"/appeals/{appeal.id}?lang=en").get_data(as_text=True)
    assert case.protocol in page and "Your appeal has been filed" in page
    pdf = portal.get(f"/appeals/{appeal.id}/ricorso.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "Testo dell'interessato (riportato testualmente)" in text and TEXT in text
    assert "Lingua del modulo compilato: inglese" in text
    position = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "Appeal pending" in position and "Filed online" in position
    assert f"/appeals/{appeal.id}/ricorso.pdf" in position
    assert "File an appeal" not in position and "section class=\"mt-3 app-pay\"" not in position
    assert portal.get(f"/appeals/verbale/{v.id}?lang=en").get_data(as_text=True).count(
        "already been prepared or filed") == 1


def test_download_for_the_post_then_file_online(portal, citizen):
    _ente, _person, v = citizen
    _fill(portal, v)
    portal.post(_url(v, 4), data={"filing": "post", "truthful": "y"})
    appeal = db.session.query(Appeal).filter_by(verbale_id=v.id).one()
    page = portal.get(f"/appeals/{appeal.id}?lang=en").get_data(as_text=True)
    assert "How to file it" in page and "registered letter" in page
    assert "File this appeal online" in page
    portal.post(f"/appeals/{appeal.id}/file-online")
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.status == "filed_online" and appeal.case_id


def test_giudice_di_pace_offers_only_the_download(portal, citizen):
    _ente, _person, v = citizen
    _fill(portal, v, route="giudice_di_pace")
    html = portal.get(_url(v, 4) + "?lang=en").get_data(as_text=True)
    assert 'value="online"' not in html and "registry" in html
    response = portal.post(_url(v, 4), data={"filing": "online", "truthful": "y"})
    assert response.status_code == 200  # not a valid choice for this route
    assert db.session.query(Appeal).filter_by(verbale_id=v.id).count() == 0


def test_position_links_and_discarding_the_draft(portal, citizen):
    _ente, _person, v = citizen
    html = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert f"/appeals/verbale/{v.id}" in html and "File an appeal" in html
    assert "Name the driver" not in html  # no licence points on this violation
    portal.post(_url(v, 1), data={"route": "prefetto"})
    html = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "Continue your draft appeal" in html
    assert portal.post(f"/appeals/verbale/{v.id}/discard").status_code == 302
    html = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "File an appeal" in html


def test_payment_pages_warn_while_an_appeal_draft_exists(portal, citizen, monkeypatch):
    _ente, _person, v = citizen
    html = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "app-appeal-warning" not in html
    portal.post(_url(v, 1), data={"route": "prefetto"})
    html = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "app-appeal-warning" in html and "You are preparing an appeal" in html
    # pagoPA: a confirmation page first, then the node
    page = portal.get(f"/pagopa/pay/{v.id}?lang=en")
    assert page.status_code == 200 and "Before you pay" in page.get_data(as_text=True)
    assert "confirm_appeal_warning=1" in page.get_data(as_text=True)
    confirmed = portal.get(f"/pagopa/pay/{v.id}?confirm_appeal_warning=1")
    assert confirmed.status_code == 302 and "/checkout?" in confirmed.headers["Location"]
    # card: the same confirmation before the checkout starts
    from core.payments import card
    started = []
    monkeypatch.setattr(card, "start_checkout",
                        lambda verbale_id, person_id, lang: started.append(verbale_id) or "https://pay.example/x")
    page = portal.post(f"/payments/card/{v.id}?lang=en")
    assert page.status_code == 200 and "Before you pay" in page.get_data(as_text=True)
    assert started == []
    done = portal.post(f"/payments/card/{v.id}", data={"confirm_appeal_warning": "1"})
    assert done.status_code == 303 and started == [v.id]


def test_another_persons_verbale_appeal_and_files_are_404(portal, citizen, portal_app):
    ente, person, v = citizen
    stranger = factories.person(ente)
    theirs = factories.verbale(ente, stranger, notified_on=local_today() - timedelta(days=3),
                               assessed_on=local_today() - timedelta(days=10))
    their_appeal = factories.appeal(theirs, stranger,
                                    attachments=[{"key": "x/y.pdf", "filename": "y.pdf",
                                                  "content_type": "application/pdf",
                                                  "size": 1, "sha256": "0" * 64}])
    theirs_id, their_appeal_id = theirs.id, their_appeal.id
    theirs = type("V", (), {"id": theirs_id})
    their_appeal = type("A", (), {"id": their_appeal_id})
    for url in (f"/appeals/verbale/{theirs.id}", _url(theirs, 1), _url(theirs, 4),
                f"/appeals/{their_appeal.id}", f"/appeals/{their_appeal.id}/ricorso.pdf",
                f"/appeals/{their_appeal.id}/files/0", f"/appeals/verbale/{theirs.id}/draft-files/0",
                "/appeals/verbale/999999", "/appeals/999999"):
        assert portal.get(url).status_code == 404, url
    assert portal.post(_url(theirs, 1), data={"route": "prefetto"}).status_code == 404
    assert portal.post(f"/appeals/{their_appeal.id}/file-online").status_code == 404
    assert portal.post(f"/appeals/verbale/{theirs.id}/discard").status_code == 404
    assert portal.post(f"/payments/card/{theirs.id}", data={"confirm_appeal_warning": "1"}).status_code == 404


def test_appeal_pages_need_sign_in(portal_app, db_session):
    client = portal_app.test_client()
    response = client.get("/appeals/verbale/1")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
