"""The position pages: amounts from the engine, evidence and receipts only for their owner
(404 for anyone else's id), a constant number of queries whatever the number of verbali."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from core import db
from core.positions import local_today
from tests import factories


@pytest.fixture()
def owner(portal):
    ente = factories.ente()
    person = factories.person(ente, language="de", country="DE")
    return ente, person


def _notified(days_ago: int) -> date:
    return local_today() - timedelta(days=days_ago)


def test_position_shows_amount_breakdown_and_timeline(portal, owner):
    ente, person = owner
    vt = factories.violation_type(min_amount="42.00", max_amount="173.00", licence_points=3)
    v = factories.verbale(ente, person, vt, notified_on=_notified(2), assessed_on=_notified(20))
    factories.sign_in_citizen(portal, person)
    html = portal.get("/my-position/?lang=en").get_data(as_text=True)
    assert v.number in html and "€29.40" in html
    detail = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "Reduced amount" in detail and "€42.00" in detail and "€86.50" in detail
    assert "3 licence points deducted" in detail
    assert "must be written in Italian" in detail
    assert "art. 203" in detail or "Prefetto" in detail


def test_other_persons_objects_are_404(portal, owner, portal_app):
    ente, person = owner
    stranger = factories.person(ente)
    theirs = factories.verbale(ente, stranger, notified_on=_notified(10))
    photo = factories.evidence(theirs, portal_app.config["STORAGE_DIR"])
    pay = factories.payment(theirs, "10.00")
    factories.sign_in_citizen(portal, person)
    assert portal.get(f"/my-position/verbale/{theirs.id}").status_code == 404
    assert portal.get(f"/my-position/evidence/{photo.id}").status_code == 404
    assert portal.get(f"/my-position/receipts/{pay.id}.pdf").status_code == 404
    assert portal.get("/my-position/verbale/999999").status_code == 404


def test_owner_gets_evidence_and_receipt(portal, owner, portal_app):
    ente, person = owner
    v = factories.verbale(ente, person, notified_on=_notified(10))
    photo = factories.evidence(v, portal_app.config["STORAGE_DIR"])
    pay = factories.payment(v, "10.00", allocation="acconto")
    factories.sign_in_citizen(portal, person)
    response = portal.get(f"/my-position/evidence/{photo.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    download = portal.get(f"/my-position/evidence/{photo.id}?download=1")
    assert "attachment" in download.headers["Content-Disposition"]
    receipt = portal.get(f"/my-position/receipts/{pay.id}.pdf?lang=de")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    page = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "Remaining balance" in page and "Partial payment" in page


def test_pending_payment_is_shown_as_being_confirmed_not_paid(portal, owner):
    ente, person = owner
    v = factories.verbale(ente, person, notified_on=_notified(10))
    factories.payment(v, "42.00", status="pending", channel="card")
    factories.sign_in_citizen(portal, person)
    page = portal.get(f"/my-position/verbale/{v.id}?lang=en").get_data(as_text=True)
    assert "being confirmed" in page
    assert "This fine is paid" not in page


def test_position_needs_sign_in(portal):
    response = portal.get("/my-position/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def _count_queries(client, url) -> int:
    statements = []
    engine = db.session.get_bind()

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_no_n_plus_one_on_the_position_page(portal, owner, portal_app):
    ente, person = owner
    first = factories.verbale(ente, person, notified_on=_notified(3))
    factories.evidence(first, portal_app.config["STORAGE_DIR"])
    factories.sign_in_citizen(portal, person)
    one = _count_queries(portal, "/my-position/")
    for days in (5, 20, 70, 200):
        v = factories.verbale(ente, person, notified_on=_notified(days))
        factories.evidence(v, portal_app.config["STORAGE_DIR"])
        factories.payment(v, "5.00")
    five = _count_queries(portal, "/my-position/")
    assert 0 < five == one, (one, five)
