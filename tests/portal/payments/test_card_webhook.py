"""Stripe's webhook: real signature verification (bad input is a 400, never a 500), one payment
per Checkout Session whatever the order or number of deliveries, expiry marks only a PENDING
payment FAILED, and every handled event is audited."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import db
from core.models import AuditEvent, Payment, PaymentChannel, PaymentStatus, Verbale, VerbaleStatus
from core.positions import local_today, position_of_verbale
from tests import factories
from tests.core.payments.stripe_support import paid, sign_in, signed_event

HOOK = "/payments/stripe/webhook"


@pytest.fixture()
def secret(portal_app):
    return portal_app.config["STRIPE_WEBHOOK_SECRET"]


@pytest.fixture()
def started(portal, stripe_standin):
    """A checkout started through the portal: (verbale id, person id, session as Stripe has it)."""
    ente = factories.ente()
    person = factories.person(ente)
    today = local_today()
    v = factories.verbale(ente, person, notified_on=today - timedelta(days=2),
                          assessed_on=today - timedelta(days=12))
    ids = v.id, person.id
    sign_in(portal, person)
    assert portal.post(f"/payments/card/{ids[0]}").status_code == 303
    return ids[0], ids[1], dict(stripe_standin.only_session())


def _payments(verbale_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(
        Payment.verbale_id == verbale_id, Payment.channel == PaymentChannel.CARD)))


def _status(verbale_id):
    db.session.expire_all()
    return db.session.get(Verbale, verbale_id).status


def test_completed_confirms_the_payment(portal, started, secret):
    vid, pid, session = started
    payload, headers = signed_event("checkout.session.completed", paid(session), secret)
    response = portal.post(HOOK, data=payload, headers=headers)
    assert response.status_code == 200 and response.json == {"status": "confirmed"}
    [payment] = _payments(vid)
    assert payment.status == PaymentStatus.CONFIRMED and payment.allocation == "saldo"
    assert payment.amount == Decimal(session["amount_total"]) / 100
    assert payment.paid_at.tzinfo is not None and payment.receipt_number
    assert payment.details["payment_intent"] == "pi_test_123"
    assert _status(vid) == VerbaleStatus.PAID
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(payment.id))))
    assert {"payment.confirmed", "payment.card_webhook"} <= actions


def test_same_event_twice_is_one_payment(portal, started, secret):
    vid, _pid, session = started
    payload, headers = signed_event("checkout.session.completed", paid(session), secret, event_id="evt_dup")
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "confirmed"}
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "duplicate"}
    # …and a later async_payment_succeeded for the same session too
    payload, headers = signed_event("checkout.session.async_payment_succeeded", paid(session), secret)
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "duplicate"}
    assert [p.status for p in _payments(vid)] == [PaymentStatus.CONFIRMED]
    assert len(list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.confirmed",
                                                                AuditEvent.object_id == str(_payments(vid)[0].id))))) == 1


def test_completed_before_the_pending_row_is_one_payment(portal, stripe_standin, secret):
    """Out of order: the confirmation arrives for a session whose start was never stored."""
    ente = factories.ente()
    person = factories.person(ente)
    v = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=2),
                          assessed_on=local_today() - timedelta(days=12))
    q = position_of_verbale(v.id, person.id)
    vid = v.id
    session = {"id": "cs_test_early", "object": "checkout.session", "amount_total": int(q.quote.total * 100),
               "currency": "eur", "metadata": {"verbale_id": str(vid), "quoted_total": str(q.quote.total),
                                               "quote_valid_until": q.quote_valid_until.isoformat()}}
    payload, headers = signed_event("checkout.session.completed", paid(session, "x@example.org"), secret)
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "confirmed"}
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "duplicate"}
    [payment] = _payments(vid)
    assert payment.provider_ref == "cs_test_early" and payment.status == PaymentStatus.CONFIRMED
    assert payment.payer_email == "x@example.org" and payment.quoted_total == q.quote.total
    assert _status(vid) == VerbaleStatus.PAID


def test_pending_confirmed_by_webhook_keeps_one_row(portal, started, secret):
    vid, _pid, session = started
    [pending] = _payments(vid)
    assert pending.status == PaymentStatus.PENDING
    payload, headers = signed_event("checkout.session.completed", paid(session), secret)
    portal.post(HOOK, data=payload, headers=headers)
    [payment] = _payments(vid)
    assert payment.id == pending.id and payment.status == PaymentStatus.CONFIRMED


def test_expired_marks_pending_failed(portal, started, secret):
    vid, _pid, session = started
    payload, headers = signed_event("checkout.session.expired", {**session, "status": "expired"}, secret)
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "failed"}
    [payment] = _payments(vid)
    assert payment.status == PaymentStatus.FAILED
    assert _status(vid) == VerbaleStatus.NOTIFIED


def test_expired_never_touches_a_confirmed_payment(portal, started, secret):
    vid, _pid, session = started
    payload, headers = signed_event("checkout.session.completed", paid(session), secret)
    portal.post(HOOK, data=payload, headers=headers)
    payload, headers = signed_event("checkout.session.expired", {**session, "status": "expired"}, secret)
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "unchanged"}
    assert [p.status for p in _payments(vid)] == [PaymentStatus.CONFIRMED]


def test_completed_but_unpaid_waits(portal, started, secret):
    vid, _pid, session = started
    unpaid = {**session, "status": "complete", "payment_status": "unpaid"}
    payload, headers = signed_event("checkout.session.completed", unpaid, secret)
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "awaiting payment"}
    assert [p.status for p in _payments(vid)] == [PaymentStatus.PENDING]


def test_unknown_event_type_is_ignored(portal, started, secret):
    vid, _pid, session = started
    payload, headers = signed_event("payment_intent.created", {"id": "pi_1", "object": "payment_intent"}, secret)
    response = portal.post(HOOK, data=payload, headers=headers)
    assert response.status_code == 200 and response.json == {"status": "ignored"}
    assert [p.status for p in _payments(vid)] == [PaymentStatus.PENDING]


def test_session_without_our_metadata_is_audited_not_applied(portal, started, secret):
    vid, _pid, session = started
    foreign = paid({**session, "id": "cs_test_foreign", "metadata": {}})
    payload, headers = signed_event("checkout.session.completed", foreign, secret)
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "not applied"}
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "payment.card_webhook")).all()[-1].details["outcome"] == "unmatched"
    assert [p.status for p in _payments(vid)] == [PaymentStatus.PENDING]


def _bad_requests(session, secret):
    payload, headers = signed_event("checkout.session.completed", paid(session), secret)
    stale, stale_headers = signed_event("checkout.session.completed", paid(session), secret,
                                        timestamp=int(time.time()) - 3600)
    forged, forged_headers = signed_event("checkout.session.completed", paid(session), "whsec_attacker")
    return {
        "bad signature": (forged, forged_headers),
        "tampered payload": (payload.replace(b'"paid"', b'"PAID"', 1), headers),
        "missing header": (payload, {"Content-Type": "application/json"}),
        "garbage header": (payload, {"Stripe-Signature": "nonsense"}),
        "stale timestamp": (stale, stale_headers),
    }


@pytest.mark.parametrize("case", ["bad signature", "tampered payload", "missing header",
                                  "garbage header", "stale timestamp"])
def test_unverified_requests_are_400(portal, started, secret, case):
    vid, _pid, session = started
    payload, headers = _bad_requests(session, secret)[case]
    response = portal.post(HOOK, data=payload, headers=headers)
    assert response.status_code == 400 and response.is_json and "error" in response.json
    assert [p.status for p in _payments(vid)] == [PaymentStatus.PENDING]


def test_malformed_json_is_400(portal, portal_app, secret):
    from core.standins.stripe_server import stripe_signature

    for body in ("{not json", '"just a string"', '{"type": "checkout.session.completed"}'):
        response = portal.post(HOOK, data=body, headers={"Stripe-Signature": stripe_signature(body, secret)})
        assert response.status_code == 400 and response.is_json, body
    raw = b"\xff\xfe not utf-8"
    response = portal.post(HOOK, data=raw, headers={"Stripe-Signature": "t=1,v1=00"})
    assert response.status_code == 400


def test_no_webhook_secret_refuses_everything(portal, portal_app, started, secret, monkeypatch):
    vid, _pid, session = started
    payload, headers = signed_event("checkout.session.completed", paid(session), "")
    monkeypatch.setitem(portal_app.config, "STRIPE_WEBHOOK_SECRET", "")
    assert portal.post(HOOK, data=payload, headers=headers).status_code == 503
    assert [p.status for p in _payments(vid)] == [PaymentStatus.PENDING]


def test_webhook_is_csrf_exempt(portal, portal_app, started, secret, monkeypatch):
    monkeypatch.setitem(portal_app.config, "WTF_CSRF_ENABLED", True)
    vid, _pid, session = started
    payload, headers = signed_event("checkout.session.completed", paid(session), secret)
    assert portal.post(HOOK, data=payload, headers=headers).status_code == 200
    assert _status(vid) == VerbaleStatus.PAID


def test_paid_at_is_the_event_time(portal, started, secret):
    vid, _pid, session = started
    created = int(time.time()) - 3600  # delivered an hour after the payment
    payload, headers = signed_event("checkout.session.completed", paid(session), secret, created=created)
    portal.post(HOOK, data=payload, headers=headers)
    [payment] = _payments(vid)
    assert payment.paid_at == datetime.fromtimestamp(created, UTC)
