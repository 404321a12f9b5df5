"""Starting a card payment: the Checkout Session asks exactly the engine's balance due today
(in cents), carries the quote in its metadata, is recorded as PENDING, and only the owner of a
payable verbale can start one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import db
from core.models import AuditEvent, Payment, PaymentChannel, PaymentStatus, VerbaleStatus
from core.positions import local_today, position_of_verbale
from tests import factories
from tests.core.payments.stripe_support import sign_in


@pytest.fixture()
def citizen(portal):
    ente = factories.ente(name="Comune di Rho")
    person = factories.person(ente, language="de", country="DE", email="anna@example.org")
    sign_in(portal, person)
    return ente, person


def _verbale(ente, person, days_ago=2, **kw):
    today = local_today()
    return factories.verbale(ente, person, notified_on=today - timedelta(days=days_ago),
                             assessed_on=today - timedelta(days=days_ago + 10), **kw)


def _card_payments(verbale_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(
        Payment.verbale_id == verbale_id, Payment.channel == PaymentChannel.CARD)))


def test_checkout_asks_the_engine_quote_for_today(portal, citizen, stripe_standin):
    ente, person = citizen
    v = _verbale(ente, person)
    position = position_of_verbale(v.id, person.id)
    response = portal.post(f"/payments/card/{v.id}?lang=fr")
    assert response.status_code == 303
    session = stripe_standin.only_session()
    assert response.headers["Location"] == session["url"]
    [item] = stripe_standin.state.line_items[session["id"]]
    assert item["unit_amount"] == int(position.quote.total * 100) == session["amount_total"]
    assert session["currency"] == "eur" and item["quantity"] == 1
    assert session["mode"] == "payment" and session["payment_method_types"] == ["card"]
    assert v.number in item["name"] and "Comune di Rho" in item["name"]
    assert session["metadata"] == {
        "verbale_id": str(v.id), "quoted_total": str(position.quote.total),
        "quote_valid_until": position.quote_valid_until.isoformat(),
        "person_id": str(person.id), "ente": ente.code}
    assert session["client_reference_id"] == f"verbale-{v.id}"
    assert session["locale"] == "fr" and session["customer_email"] == "anna@example.org"
    assert session["success_url"].endswith("/payments/card/return?session_id={CHECKOUT_SESSION_ID}")
    assert session["cancel_url"].endswith(f"/payments/card/cancel/{v.id}")
    assert 30 * 60 <= session["expires_at"] - session["created"] <= 24 * 3600
    [payment] = _card_payments(v.id)
    assert payment.status == PaymentStatus.PENDING and payment.provider_ref == session["id"]
    assert payment.amount == payment.quoted_total == position.quote.total
    assert payment.quote_valid_until == position.quote_valid_until
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "payment.card_checkout_started",
        AuditEvent.object_id == str(payment.id))).one().actor_id == person.id


def test_partial_payment_leaves_only_the_balance(portal, citizen, stripe_standin):
    ente, person = citizen
    v = _verbale(ente, person)
    full = position_of_verbale(v.id, person.id).quote.total
    factories.payment(v, "10.00", allocation="acconto")
    db.session.expire_all()  # the test shares the request's session: forget the loaded payments
    portal.post(f"/payments/card/{v.id}")
    session = stripe_standin.only_session()
    assert session["amount_total"] == int((full - Decimal("10.00")) * 100)
    assert session["metadata"]["quoted_total"] == str(full - Decimal("10.00"))


def test_second_click_resumes_the_same_session(portal, citizen, stripe_standin):
    ente, person = citizen
    v = _verbale(ente, person)
    first = portal.post(f"/payments/card/{v.id}").headers["Location"]
    second = portal.post(f"/payments/card/{v.id}").headers["Location"]
    assert first == second and len(stripe_standin.state.sessions) == 1
    assert len(_card_payments(v.id)) == 1


def test_new_attempt_after_an_expired_one(portal, citizen, stripe_standin):
    ente, person = citizen
    v = _verbale(ente, person)
    portal.post(f"/payments/card/{v.id}")
    stripe_standin.only_session()["status"] = "expired"
    portal.post(f"/payments/card/{v.id}")
    assert len(stripe_standin.state.sessions) == 2 and len(_card_payments(v.id)) == 2


def test_someone_elses_verbale_is_404(portal, citizen, stripe_standin):
    ente, _person = citizen
    theirs = _verbale(ente, factories.person(ente)).id
    assert portal.post(f"/payments/card/{theirs}").status_code == 404
    assert portal.post("/payments/card/999999").status_code == 404
    assert stripe_standin.state.sessions == {} and _card_payments(theirs) == []


@pytest.mark.parametrize("status", [VerbaleStatus.PAID, VerbaleStatus.APPEALED, VerbaleStatus.CANCELLED])
def test_not_payable_is_404(portal, citizen, stripe_standin, status):
    ente, person = citizen
    v = _verbale(ente, person, status=status)
    assert portal.post(f"/payments/card/{v.id}").status_code == 404
    assert stripe_standin.state.sessions == {}


def test_stripe_refusing_is_a_message_not_an_error(portal, portal_app, citizen, stripe_standin, monkeypatch):
    ente, person = citizen
    v = _verbale(ente, person)
    monkeypatch.setitem(portal_app.config, "STRIPE_SECRET_KEY", "sk_test_revoked_000000000000")
    response = portal.post(f"/payments/card/{v.id}?lang=en", follow_redirects=True)
    assert response.status_code == 200
    assert "Card payment is not available at the moment and nothing was charged" in response.get_data(as_text=True)
    assert _card_payments(v.id) == []


def test_csrf_token_is_required(portal, portal_app, citizen, stripe_standin, monkeypatch):
    ente, person = citizen
    v = _verbale(ente, person)
    monkeypatch.setitem(portal_app.config, "WTF_CSRF_ENABLED", True)
    assert portal.post(f"/payments/card/{v.id}").status_code == 400
    assert stripe_standin.state.sessions == {}


def test_sign_in_is_required(portal_app, portal, stripe_standin):
    ente = factories.ente()
    v = _verbale(ente, factories.person(ente))
    response = portal_app.test_client().post(f"/payments/card/{v.id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert stripe_standin.state.sessions == {}


def test_pay_button_macro(portal_app, citizen):
    ente, person = citizen
    v = _verbale(ente, person)
    position = position_of_verbale(v.id, person.id)
    with portal_app.test_request_context("/?lang=en"):
        template = portal_app.jinja_env.from_string(
            '{% from "portal/payments/_card.html" import card_pay_button %}{{ card_pay_button(p) }}')
        html = template.render(p=position)
    assert f'action="/payments/card/{v.id}"' in html and 'name="csrf_token"' in html
    assert f"Pay €{position.quote.total}" in html
