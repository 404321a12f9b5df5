"""Naming the driver (art. 126-bis): the deadline from the engine, any country's address and
licence, the cross-field rules (dates, Italian licence pattern, fiscal code, signatures), the
draft surviving errors and a new session, the licence copy checked by content, the case with the
data and the copy attached, and 404 for anyone else's verbale or file."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from core import db
from core.contact.setup import ensure_default_queues
from core.models import AuditEvent, Case, DriverDeclaration
from core.positions import local_today
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture()
def owner(portal, portal_app):
    ente = factories.ente()
    with portal_app.app_context():
        ensure_default_queues(ente.id)
        db.session.commit()
    person = factories.person(ente, language="en", country="GB", first_name="Oliver",
                              last_name="Smith")
    vt = factories.violation_type(licence_points=5)
    v = factories.verbale(ente, person, vt, notified_on=local_today() - timedelta(days=5),
                          assessed_on=local_today() - timedelta(days=12),)
    factories.sign_in_citizen(portal, person)
    return ente, person, v.id


def _valid(**over):
    data = {
        "driver_is_me": "no", "first_name": "Anna", "last_name": "Müller",
        "birth_date": "1980-05-17", "birth_place": "München", "birth_country": "DE",
        "address_line": "Hauptstraße 5", "postal_code": "80331", "city": "München",
        "province": "Bayern", "country": "DE", "licence_number": "B072RRE2I55",
        "licence_categories": ["B", "AM"], "licence_authority": "Landratsamt München",
        "licence_country": "DE", "licence_issued_on": "2000-03-01",
        "licence_expires_on": "2033-03-01",
        "declarations": ["truthful", "driver_at_time", "licence_valid", "privacy"],
        "driver_signature": "anna MULLER", "owner_signature": "Oliver Smith",
    }
    data.update(over)
    return data


def _post(portal, vid, data, copy=True, lang="en"):
    payload = dict(data)
    if copy:
        payload["licence_copy"] = (io.BytesIO(PNG), "patente.png")
    return portal.post(f"/driver/verbale/{vid}?lang={lang}", data=payload,
                       content_type="multipart/form-data")


def test_form_shows_the_deadline_and_any_country(portal, owner):
    _ente, _person, vid = owner
    html = portal.get(f"/driver/verbale/{vid}?lang=en").get_data(as_text=True)
    assert "Deadline:" in html and "126-bis" in html
    assert '<option value="JP">Japan</option>' in html and '<option value="DE">Germany</option>' in html
    assert 'type="date"' in html and 'id="licence_copy"' in html
    html = portal.get(f"/my-position/verbale/{vid}?lang=en").get_data(as_text=True)
    assert f"/driver/verbale/{vid}" in html and "Name the driver" in html


def test_empty_form_lists_errors_and_keeps_what_was_typed(portal, owner):
    _ente, _person, vid = owner
    html = _post(portal, vid, {"first_name": "Anna", "city": "Wien"}, copy=False).get_data(as_text=True)
    assert 'id="error-summary"' in html
    for anchor in ("#driver_is_me", "#last_name", "#birth_date", "#licence_number",
                   "#licence_categories", "#licence_copy", "#declarations"):
        assert f'href="{anchor}"' in html, anchor
    assert 'value="Anna"' in html and 'value="Wien"' in html


@pytest.mark.parametrize("over, field, message", [
    ({"licence_issued_on": "2030-01-01", "licence_expires_on": "2029-01-01"}, "licence_issued_on",
     "cannot be in the future"),
    ({"licence_issued_on": "2010-01-01", "licence_expires_on": "2009-01-01"}, "licence_expires_on",
     "must be after the issue date"),
    ({"licence_expires_on": "2020-01-01"}, "licence_expires_on", "had expired on the day"),
    ({"licence_country": "IT", "licence_number": "B072RRE2I55"}, "licence_number",
     "10 characters"),
    ({"licence_number": "<script>"}, "licence_number", "as printed"),
    ({"country": "IT", "fiscal_code": ""}, "fiscal_code", "living in Italy"),
    ({"fiscal_code": "RSSMRA85T10A562X"}, "fiscal_code", "not valid"),
    ({"driver_signature": "Someone Else"}, "driver_signature", "exactly as entered"),
    ({"owner_signature": "Mallory"}, "owner_signature", "Oliver Smith"),
    ({"declarations": ["truthful"]}, "declarations", "Tick every declaration"),
])
def test_cross_field_rules(portal, owner, over, field, message):
    _ente, _person, vid = owner
    html = _post(portal, vid, _valid(**over)).get_data(as_text=True)
    assert f'href="#{field}"' in html and message in html


def test_italian_licence_and_fiscal_code_accepted(portal, owner):
    _ente, _person, vid = owner
    response = _post(portal, vid, _valid(country="IT", licence_country="IT",
                                         licence_number="mi 1234567 a",
                                         fiscal_code="rssmra85t10a562s",
                                         licence_authority="MIT-UCO"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/confirm")


def test_licence_copy_refused_by_content(portal, owner):
    _ente, _person, vid = owner
    payload = _valid()
    payload["licence_copy"] = (io.BytesIO(b"GIF89a fake"), "licence.png")
    html = portal.post(f"/driver/verbale/{vid}?lang=en", data=payload,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "is not a PDF, JPEG or PNG file" in html and 'href="#licence_copy"' in html


def test_draft_survives_an_error_and_a_new_session(portal, portal_app, owner):
    _ente, person, vid = owner
    _post(portal, vid, _valid(licence_expires_on="1999-01-01"))  # invalid, but saved
    other = portal_app.test_client()
    factories.sign_in_citizen(other, person)
    html = other.get(f"/driver/verbale/{vid}?lang=en").get_data(as_text=True)
    assert 'value="Landratsamt München"' in html and 'value="1999-01-01"' in html
    assert "Attached: patente.png" in html  # the copy was kept with the draft
    assert other.get(f"/driver/verbale/{vid}/draft-licence").status_code == 200
    # the copy is not asked again
    response = _post(other, vid, _valid(), copy=False)
    assert response.status_code == 302


def test_confirm_and_send_opens_a_driver_data_case(portal, owner):
    ente, person, vid = owner
    assert _post(portal, vid, _valid()).status_code == 302
    html = portal.get(f"/driver/verbale/{vid}/confirm?lang=en").get_data(as_text=True)
    assert "Confirm and send" in html and "Anna Müller" in html and "Germany" in html
    response = portal.post(f"/driver/verbale/{vid}/confirm")
    declaration = db.session.query(DriverDeclaration).filter_by(verbale_id=vid).one()
    assert response.headers["Location"].endswith(f"/driver/{declaration.id}")
    assert declaration.licence_number == "B072RRE2I55" and declaration.country == "DE"
    assert declaration.licence_issued_on == date(2000, 3, 1)
    assert declaration.owner_signature == "Oliver Smith" and declaration.owner_signed_at
    assert declaration.driver_signed_at is not None and not declaration.owner_is_driver
    case = db.session.get(Case, declaration.case_id)
    assert case.type == "driver_data" and case.person_id == person.id
    assert case.queue.code == "foreign_drivers"  # English-speaking owner
    assert case.payload["licence"]["number"] == "B072RRE2I55"
    assert case.payload["driver"]["address"]["country"] == "DE"
    assert [a.filename for a in case.attachments] == ["patente.png"]
    assert case.resolution_due is not None  # the charter clock runs
    page = portal.get(f"/driver/{declaration.id}?lang=en").get_data(as_text=True)
    assert case.protocol in page and "have been sent" in page
    assert portal.get(f"/driver/{declaration.id}/licence").data == PNG
    position = portal.get(f"/my-position/verbale/{vid}?lang=en").get_data(as_text=True)
    assert "Driver named: Anna Müller" in position
    blocked = portal.get(f"/driver/verbale/{vid}?lang=en").get_data(as_text=True)
    assert "already been sent" in blocked
    assert db.session.query(AuditEvent).filter_by(action="driver_data.filed").count() == 1


def test_owner_driving_needs_only_one_signature(portal, owner):
    _ente, _person, vid = owner
    data = _valid(driver_is_me="yes", first_name="Oliver", last_name="Smith",
                  driver_signature="Oliver Smith", owner_signature="")
    assert _post(portal, vid, data).status_code == 302
    portal.post(f"/driver/verbale/{vid}/confirm")
    declaration = db.session.query(DriverDeclaration).filter_by(verbale_id=vid).one()
    assert declaration.owner_is_driver and declaration.owner_signed_at is None


def test_no_points_and_other_persons_are_refused(portal, owner):
    ente, _person, vid = owner
    stranger = factories.person(ente)
    theirs = factories.verbale(ente, stranger, factories.violation_type(licence_points=3)).id
    for url in (f"/driver/verbale/{theirs}", f"/driver/verbale/{theirs}/confirm",
                f"/driver/verbale/{theirs}/draft-licence", "/driver/999999",
                "/driver/999999/licence"):
        assert portal.get(url).status_code == 404, url
    assert _post(portal, theirs, _valid()).status_code == 404
    assert portal.post(f"/driver/verbale/{theirs}/discard").status_code == 404
    _e, person, _v = owner
    no_points = factories.verbale(ente, db.session.get(type(stranger), person.id)).id
    html = portal.get(f"/driver/verbale/{no_points}?lang=en").get_data(as_text=True)
    assert "does not cost licence points" in html
