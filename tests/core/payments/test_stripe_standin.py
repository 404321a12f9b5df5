"""The Stripe stand-in speaks Stripe's wire format: the official library works against it
unchanged, errors come back as the library's exceptions, and its webhook signatures verify
with ``stripe.Webhook.construct_event``."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import stripe
from flask import Flask, request

from core.standins import stripe_server
from tests.core.payments.stripe_support import running

KEY, WHSEC = "sk_test_standin_unit_0123456789", "whsec_unit_0123456789"


def _params(**over):
    params = {
        "mode": "payment",
        "line_items": [{"quantity": 1, "price_data": {
            "currency": "eur", "unit_amount": 2940,
            "product_data": {"name": "Fine no. X/2026/1 – Comune di Prova"}}}],
        "success_url": "http://127.0.0.1:1/payments/card/return?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:1/payments/card/cancel/1",
        "metadata": {"verbale_id": "1", "quoted_total": "29.40"},
        "client_reference_id": "verbale-1",
        "locale": "de",
    }
    params.update(over)
    return params


class Receiver:
    """A tiny webhook endpoint that verifies every delivery with the official library."""

    def __init__(self, fail_first: int = 0):
        self.events, self.fail_first, self.lock = [], fail_first, threading.Lock()
        self.app = Flask("receiver")

        @self.app.post("/hook")
        def hook():
            with self.lock:
                if self.fail_first:
                    self.fail_first -= 1
                    return "not now", 500
            event = stripe.Webhook.construct_event(
                request.get_data(), request.headers["Stripe-Signature"], WHSEC)
            self.events.append(event)
            return "", 200

    def wait_for(self, count: int, timeout: float = 5):
        deadline = time.time() + timeout
        while len(self.events) < count and time.time() < deadline:
            time.sleep(0.02)
        return self.events


@pytest.fixture()
def receiver():
    rec = Receiver()
    with running(rec.app) as base:
        rec.url = base + "/hook"
        yield rec


@pytest.fixture()
def standin(receiver):
    app = stripe_server.create_app(KEY, WHSEC, receiver.url, retry_delays=(0.05, 0.1))
    with running(app) as base:
        yield app, base, stripe.StripeClient(KEY, base_addresses={"api": base})


def test_create_and_retrieve_with_the_official_library(standin):
    app, base, client = standin
    session = client.v1.checkout.sessions.create(params=_params(customer_email="a@example.org"))
    assert isinstance(session, stripe.checkout.Session)
    assert session.object == "checkout.session" and session.id.startswith("cs_test_")
    assert session.amount_total == 2940 and session.currency == "eur"
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.metadata["verbale_id"] == "1" and session.client_reference_id == "verbale-1"
    assert session.locale == "de" and session.customer_email == "a@example.org"
    assert session.url == f"{base}/pay/{session.id}"
    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.id == session.id and again.amount_total == 2940
    items = stripe_server.state_of(app).line_items[session.id]
    assert items == [{"name": "Fine no. X/2026/1 – Comune di Prova", "description": None,
                      "unit_amount": 2940, "quantity": 1}]


def test_bracket_notation_is_decoded():
    decoded = stripe_server.decode_params([
        ("line_items[1][quantity]", "2"), ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][unit_amount]", "100"), ("metadata[a]", "x"), ("mode", "payment")])
    assert decoded == {"line_items": [{"quantity": "1", "price_data": {"unit_amount": "100"}},
                                      {"quantity": "2"}],
                       "metadata": {"a": "x"}, "mode": "payment"}


def test_api_key_is_checked(standin):
    _app, base, _client = standin
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("sk_test_wrong_key_000000", base_addresses={"api": base}) \
            .v1.checkout.sessions.create(params=_params())
    response = requests.post(f"{base}/v1/checkout/sessions", data={"mode": "payment"}, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_idempotency_key_replays_or_refuses(standin):
    _app, _base, client = standin
    first = client.v1.checkout.sessions.create(params=_params(), options={"idempotency_key": "k-1"})
    replay = client.v1.checkout.sessions.create(params=_params(), options={"idempotency_key": "k-1"})
    assert replay.id == first.id
    assert replay.last_response.headers.get("Idempotent-Replayed") == "true"
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(params=_params(locale="fr"), options={"idempotency_key": "k-1"})
    other = client.v1.checkout.sessions.create(params=_params(), options={"idempotency_key": "k-2"})
    assert other.id != first.id


@pytest.mark.parametrize(("over", "param"), [
    ({"success_url": ""}, "success_url"),
    ({"success_url": "not a url"}, "success_url"),
    ({"colour": "red"}, "colour"),
    ({"locale": "xx"}, "locale"),
    ({"line_items": [{"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 30,
                                                    "product_data": {"name": "x"}}}]}, "line_items"),
    ({"line_items": [{"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 300}}]},
     "line_items[0][price_data][product_data][name]"),
])
def test_invalid_requests_are_stripe_errors(standin, over, param):
    _app, _base, client = standin
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.create(params=_params(**over))
    assert info.value.http_status == 400 and info.value.param == param


def test_unknown_session_is_resource_missing(standin):
    _app, _base, client = standin
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert info.value.http_status == 404 and info.value.code == "resource_missing"


def test_payment_page_is_an_accessible_form(standin):
    _app, _base, client = standin
    session = client.v1.checkout.sessions.create(params=_params())
    html = requests.get(session.url, timeout=5).text
    assert '<html lang="en">' in html and "€29.40" in html
    for field in ("email", "card_number", "expiry", "cvc"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert 'href="http://127.0.0.1:1/payments/card/cancel/1"' in html


def test_declined_card_shows_the_message_and_sends_nothing(standin, receiver):
    app, _base, client = standin
    session = client.v1.checkout.sessions.create(params=_params())
    response = requests.post(session.url, data={"email": "a@example.org", "card_number": "4000 0000 0000 0002",
                                                "expiry": "12 / 39", "cvc": "123"},
                             allow_redirects=False, timeout=5)
    assert response.status_code == 402 and "Your card was declined." in response.text
    assert 'aria-invalid="true"' in response.text and 'role="alert"' in response.text
    assert stripe_server.state_of(app).sessions[session.id]["status"] == "open"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"
    assert receiver.events == []


def test_paying_completes_signs_the_event_and_redirects(standin, receiver):
    _app, _base, client = standin
    session = client.v1.checkout.sessions.create(params=_params())
    response = requests.post(session.url, data={"email": "a@example.org", "card_number": "4242 4242 4242 4242",
                                                "expiry": "12/39", "cvc": "123"},
                             allow_redirects=False, timeout=5)
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"http://127.0.0.1:1/payments/card/return?session_id={session.id}")
    [event] = receiver.wait_for(1)  # verified by construct_event in the receiver
    assert event.type == "checkout.session.completed"
    paid = event.data.object
    assert paid.id == session.id and paid.payment_status == "paid" and paid.status == "complete"
    assert paid.amount_total == 2940 and paid.metadata["quoted_total"] == "29.40"
    assert paid.customer_details.email == "a@example.org"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"
    # a second submission does not pay twice
    requests.post(session.url, data={"card_number": "4242424242424242", "expiry": "12/39", "cvc": "123"},
                  timeout=5)
    assert len(receiver.wait_for(2, timeout=0.3)) == 1


def test_expire_sends_the_expired_event(standin, receiver):
    _app, _base, client = standin
    session = client.v1.checkout.sessions.create(params=_params())
    assert client.v1.checkout.sessions.expire(session.id).status == "expired"
    [event] = receiver.wait_for(1)
    assert event.type == "checkout.session.expired" and event.data.object.id == session.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    assert "has expired" in requests.get(session.url, timeout=5).text


def test_failed_delivery_is_retried(receiver):
    receiver.fail_first = 1
    app = stripe_server.create_app(KEY, WHSEC, receiver.url, retry_delays=(0.05,))
    with running(app) as base:
        client = stripe.StripeClient(KEY, base_addresses={"api": base})
        session = client.v1.checkout.sessions.create(params=_params())
        client.v1.checkout.sessions.expire(session.id)
        assert len(receiver.wait_for(1)) == 1
    record = stripe_server.state_of(app).deliveries[0]
    assert [a["status"] for a in record["attempts"]] == [500, 200] and record["delivered"]


def test_signature_is_computed_like_stripe():
    payload = '{"id": "evt_1", "object": "event"}'
    header = stripe_server.stripe_signature(payload, WHSEC, timestamp=int(time.time()))
    assert stripe.WebhookSignature.verify_header(payload, header, WHSEC, tolerance=300)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(payload, header, "whsec_other", tolerance=300)
