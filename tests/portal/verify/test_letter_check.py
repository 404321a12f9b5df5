"""The public letter check: a genuine code shows the Ente and the creditor (never the person),
typing mistakes are forgiven, unknown codes get a clear warning, lookups are rate-limited."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from tests import factories


@pytest.fixture()
def letter(db_session):
    ente = factories.ente(name="Comune di Siracusa", fiscal_code="80001000893",
                          iban="IT02L1234512345123456789012", pec="protocollo@pec.comune.siracusa.it")
    person = factories.person(ente, first_name="Hans", last_name="Müller", address_line="Hauptstraße 5",
                              city="München", country="DE", email="hans@example.de")
    verbale = factories.verbale(ente, person, number="SR/2026/004711", plate="M-AB-1234")
    return factories.letter(ente, verbale, code="K7QM-4TXP-9WDE", kind="invito_bonario", pages=3)


def test_genuine_letter_shows_the_ente_and_the_creditor_not_the_person(portal, letter):
    html = portal.post("/verify?lang=en", data={"code": "K7QM-4TXP-9WDE"}).get_data(as_text=True)
    assert "This letter is genuine" in html
    for fact in ("Comune di Siracusa", "80001000893", "IT02L1234512345123456789012",
                 "Friendly first letter", "4711", "Never pay to a private person"):
        assert fact in html, fact
    for private in ("Müller", "Hans", "Hauptstraße", "München", "hans@example.de", "M-AB-1234",
                    "SR/2026/004711"):
        assert private not in html, private


@pytest.mark.parametrize("typed", ["k7qm4txp9wde", " K7QM 4TXP 9WDE ", "k7qm-4txp-9wde", "K7QM.4TXP.9WDE"])
def test_case_spaces_and_dashes_do_not_matter(portal, letter, typed):
    assert "This letter is genuine" in portal.post("/verify?lang=en", data={"code": typed}).get_data(as_text=True)


def test_o_zero_and_i_one_confusion_is_tolerated(portal, db_session):
    ente = factories.ente()
    factories.letter(ente, None, code="A0B1-C0D1-E2F3")
    html = portal.post("/verify?lang=en", data={"code": "AOBI-COD1-E2F3"}).get_data(as_text=True)
    assert "This letter is genuine" in html


def test_unknown_code_warns_and_says_what_to_do(portal, letter):
    response = portal.post("/verify?lang=it", data={"code": "ZZZZ-ZZZZ-ZZZZ"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="it"' in html
    assert "ZZZZ-ZZZZ-ZZZZ" in html and "alert-danger" in html
    assert "Comune di Siracusa" not in html


def test_lookups_are_audited_without_personal_data(portal, letter):
    from sqlalchemy import select

    from core import db

    portal.post("/verify", data={"code": "K7QM-4TXP-9WDE"})
    portal.post("/verify", data={"code": "NOPE-NOPE-NOPE"})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "letter.checked")
                                .order_by(AuditEvent.id)).all()
    assert [e.details["found"] for e in events] == [True, False]


def test_lookups_are_rate_limited_per_address(portal, portal_app, letter, monkeypatch):
    monkeypatch.setitem(portal_app.config, "LETTER_CHECK_RATE_LIMIT", "3 per minute")
    codes = [portal.post("/verify", data={"code": f"AAAA-BBBB-{i:04d}"}).status_code for i in range(3)]
    assert codes == [200, 200, 200]
    assert portal.post("/verify", data={"code": "K7QM-4TXP-9WDE"}).status_code == 429
    other = portal.post("/verify", data={"code": "K7QM-4TXP-9WDE"},
                        environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200


def test_the_page_is_linked_from_the_home_page(portal):
    assert 'href="/verify"' in portal.get("/").get_data(as_text=True)
    assert portal.get("/verify?lang=de").status_code == 200
