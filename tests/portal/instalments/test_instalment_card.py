"""Paying one instalment by card through the Stripe stand-in: a Checkout Session for exactly
the instalment's amount, the signed webhook records it through the ledger against the
instalment (acconto), the return page reads the ledger, a replay is one payment."""

from __future__ import annotations

from sqlalchemy import select

from core import db
from core.models import (
    Allocation,
    Instalment,
    InstalmentStatus,
    NoticeStatus,
    Payment,
    PaymentChannel,
    PaymentStatus,
)
from tests import factories
from tests.core.payments.stripe_support import paid, sign_in, signed_event

HOOK = "/payments/stripe/webhook"


def _approved(portal, portal_app):
    ente = factories.ente()
    person = factories.person(ente)
    verbale = factories.instalment_verbale(ente, person, min_amount="600.00")
    with portal_app.test_request_context():
        plan = factories.approved_instalment_plan(verbale, person, count=3)
    sign_in(portal, person)
    return plan.id, plan.instalments[1].id, plan.instalments[1].amount, verbale.id


def test_card_payment_of_one_instalment(portal, portal_app, stripe_standin):
    plan_id, instalment_id, amount, verbale_id = _approved(portal, portal_app)
    started = portal.post(f"/instalments/{plan_id}/2/card")
    assert started.status_code == 303 and started.headers["Location"].startswith(stripe_standin.base_url)
    session = dict(stripe_standin.only_session())
    assert session["amount_total"] == int(amount * 100)
    assert session["metadata"]["instalment_id"] == str(instalment_id)
    assert session["metadata"]["verbale_id"] == str(verbale_id)
    # a second click resumes the same session
    assert portal.post(f"/instalments/{plan_id}/2/card").headers["Location"] == \
        started.headers["Location"]
    assert len(stripe_standin.state.sessions) == 1
    pending = db.session.scalars(select(Payment).where(Payment.provider_ref == session["id"])).one()
    assert pending.status == PaymentStatus.PENDING and pending.amount == amount

    secret = portal_app.config["STRIPE_WEBHOOK_SECRET"]
    payload, headers = signed_event("checkout.session.completed", paid(session), secret)
    response = portal.post(HOOK, data=payload, headers=headers)
    assert response.status_code == 200 and response.json == {"status": "confirmed"}
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "duplicate"}
    db.session.expire_all()
    instalment = db.session.get(Instalment, instalment_id)
    assert instalment.status == InstalmentStatus.PAID
    assert instalment.notice.status == NoticeStatus.PAID
    payment = instalment.payment
    assert payment.channel == PaymentChannel.CARD and payment.status == PaymentStatus.CONFIRMED
    assert payment.amount == amount and payment.allocation == Allocation.PARTIAL
    assert payment.details["instalment_id"] == instalment_id
    back = portal.get(f"/payments/card/return?session_id={session['id']}&lang=en")
    assert back.status_code == 200 and "Payment confirmed" in back.get_data(as_text=True)
    # the paid instalment is no longer offered for payment
    page = portal.get(f"/instalments/{plan_id}").get_data(as_text=True)
    assert f"/instalments/{plan_id}/2/card" not in page
    assert f"/instalments/{plan_id}/1/card" in page


def test_paid_instalment_cannot_be_paid_again(portal, portal_app, stripe_standin):
    plan_id, instalment_id, _amount, _vid = _approved(portal, portal_app)
    instalment = db.session.get(Instalment, instalment_id)
    instalment.status = InstalmentStatus.PAID
    db.session.commit()
    response = portal.post(f"/instalments/{plan_id}/2/card")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/instalments/{plan_id}")
    assert not stripe_standin.state.sessions
    assert not [p for p in db.session.scalars(select(Payment))
                if (p.details or {}).get("instalment_id") == instalment_id]
