"""Citizen account: e-mail verified by a signed link over real SMTP, password change."""

from __future__ import annotations

import re

from core import db
from core.models import Person
from tests import factories


def test_email_is_stored_only_after_the_link_is_opened(portal, smtp_server):
    ente = factories.ente()
    person = factories.person(ente, language="fr")
    factories.sign_in_citizen(portal, person)
    response = portal.post("/account/email", data={"email": "jean@example.org"})
    assert response.status_code == 302
    assert db.session.get(Person, person.id).email is None
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "jean@example.org"
    assert "Confirmez" in message["Subject"] or "adresse" in message["Subject"].lower()
    link = re.search(r"https?://\S+/account/email/verify/\S+", message.get_content()).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert portal.get("/" + path).status_code == 302
    stored = db.session.get(Person, person.id)
    assert stored.email == "jean@example.org" and stored.email_verified_at is not None


def test_tampered_link_is_refused(portal):
    ente = factories.ente()
    person = factories.person(ente)
    factories.sign_in_citizen(portal, person)
    response = portal.get("/account/email/verify/not-a-token", follow_redirects=True)
    assert "not valid" in response.get_data(as_text=True) or response.status_code == 200
    assert db.session.get(Person, person.id).email is None


def test_invalid_email_keeps_what_was_typed(portal):
    ente = factories.ente()
    factories.sign_in_citizen(portal, factories.person(ente))
    html = portal.post("/account/email?lang=en", data={"email": "not-an-email"}).get_data(as_text=True)
    assert "valid e-mail" in html and 'value="not-an-email"' in html


def test_change_password(portal):
    ente = factories.ente()
    person = factories.person(ente)
    cred = factories.sign_in_citizen(portal, person)
    bad = portal.post("/account/password?lang=en", data={"current": "wrong", "new": "another-long-pass", "confirm": "another-long-pass"})
    assert "not correct" in bad.get_data(as_text=True)
    ok = portal.post("/account/password", data={"current": "Secret-pass-1", "new": "another-long-pass", "confirm": "another-long-pass"})
    assert ok.status_code == 302
    assert portal.get("/my-position/").status_code == 200  # this session continues
    portal.post("/sign-out")
    old = portal.post("/sign-in", data={"username": cred.username, "password": "Secret-pass-1"})
    assert old.status_code == 200
    new = portal.post("/sign-in", data={"username": cred.username, "password": "another-long-pass"})
    assert new.status_code == 302
