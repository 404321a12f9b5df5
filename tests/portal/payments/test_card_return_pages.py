"""The pages Stripe sends the browser back to: they never change the ledger, show "being
confirmed" until the webhook confirmed, and exist only for the owner. Also the grace period:
a quote accepted on the last day of a window is honoured when confirmed the next day."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core import db
from core.models import AuditEvent, Payment, PaymentChannel, PaymentStatus, Verbale, VerbaleStatus
from core.payments import card
from core.positions import local_today, position_of_verbale, quote_verbale
from tests import factories
from tests.core.payments.stripe_support import paid, sign_in, signed_event

HOOK = "/payments/stripe/webhook"


@pytest.fixture()
def started(portal, stripe_standin):
    ente = factories.ente()
    person = factories.person(ente, language="en")
    today = local_today()
    v = factories.verbale(ente, person, notified_on=today - timedelta(days=2),
                          assessed_on=today - timedelta(days=12))
    ids = v.id, person.id, ente.id, v.number
    sign_in(portal, person)
    assert portal.post(f"/payments/card/{v.id}").status_code == 303
    return (*ids, stripe_standin.only_session())


def _ledger(verbale_id):
    db.session.expire_all()
    payments = db.session.scalars(select(Payment).where(Payment.verbale_id == verbale_id)).all()
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return ([(p.id, p.status, p.amount, p.receipt_number) for p in payments],
            db.session.get(Verbale, verbale_id).status, audits)


def test_return_before_the_webhook_is_being_confirmed_and_changes_nothing(portal, started):
    vid, _pid, _eid, _number, session = started
    session.update(status="complete", payment_status="paid")  # paid at Stripe, no webhook yet
    before = _ledger(vid)
    for _ in range(3):
        response = portal.get(f"/payments/card/return?session_id={session['id']}&lang=en")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Your payment is being confirmed" in html
        assert '<meta http-equiv="refresh" content="5">' in html and "<script>" not in html
    assert _ledger(vid) == before
    assert before[0][0][1] == PaymentStatus.PENDING and before[1] == VerbaleStatus.NOTIFIED


def test_return_after_the_webhook_shows_the_confirmation(portal, portal_app, started):
    vid, _pid, _eid, number, session = started
    payload, headers = signed_event("checkout.session.completed", paid(session),
                                    portal_app.config["STRIPE_WEBHOOK_SECRET"])
    assert portal.post(HOOK, data=payload, headers=headers).status_code == 200
    html = portal.get(f"/payments/card/return?session_id={session['id']}&lang=en").get_data(as_text=True)
    db.session.expire_all()
    payment = db.session.scalars(select(Payment).where(Payment.provider_ref == session["id"])).one()
    assert "Payment confirmed" in html and 'http-equiv="refresh"' not in html
    assert f"€{payment.amount}" in html and payment.receipt_number in html
    assert payment.paid_at.astimezone(ZoneInfo("Europe/Rome")).strftime("%B %-d, %Y") in html
    assert f'href="/my-position/verbale/{vid}"' in html and f"Back to fine no. {number}" in html
    assert f'href="/my-position/receipts/{payment.id}.pdf"' in html


def test_return_without_paying_offers_to_continue(portal, started):
    _vid, _pid, _eid, _number, session = started
    html = portal.get(f"/payments/card/return?session_id={session['id']}&lang=en").get_data(as_text=True)
    assert "The payment has not been completed" in html and f'href="{session["url"]}"' in html


def test_return_when_stripe_is_unreachable_is_being_confirmed(portal, portal_app, started, monkeypatch):
    _vid, _pid, _eid, _number, session = started
    monkeypatch.setitem(portal_app.config, "STRIPE_SECRET_KEY", "sk_test_revoked_000000000000")
    html = portal.get(f"/payments/card/return?session_id={session['id']}&lang=en").get_data(as_text=True)
    assert "Your payment is being confirmed" in html


def test_return_and_cancel_pages_are_for_the_owner_only(portal_app, started, stripe_standin):
    vid, _pid, eid, _number, session = started
    from core.models import Ente

    stranger = portal_app.test_client()
    sign_in(stranger, factories.person(db.session.get(Ente, eid)))
    assert stranger.get(f"/payments/card/return?session_id={session['id']}").status_code == 404
    assert stranger.get(f"/payments/card/cancel/{vid}").status_code == 404
    assert stranger.get("/payments/card/return?session_id=cs_test_unknown").status_code == 404
    assert stranger.get("/payments/card/return").status_code == 404
    anonymous = portal_app.test_client().get(f"/payments/card/return?session_id={session['id']}")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    assert stripe_standin.session(session["id"])["status"] == "open"


def test_cancel_says_nothing_was_charged_and_expires_the_session(portal, portal_app, started, stripe_standin,
                                                                  monkeypatch):
    vid, _pid, _eid, _number, session = started
    monkeypatch.setitem(portal_app.config, "REDIS_URL", "")  # run the after-commit job inline
    html = portal.get(f"/payments/card/cancel/{vid}?lang=en").get_data(as_text=True)
    assert "nothing has been charged" in html and "Try again by card" in html
    assert stripe_standin.session(session["id"])["status"] == "expired"  # by the after-commit job
    [record] = stripe_standin.state.deliveries
    assert record["event"]["type"] == "checkout.session.expired"
    # the expired event, once delivered, marks the attempt FAILED
    payload, headers = signed_event("checkout.session.expired", record["event"]["data"]["object"],
                                    portal_app.config["STRIPE_WEBHOOK_SECRET"])
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "failed"}
    payments, status, _ = _ledger(vid)
    assert [p[1] for p in payments] == [PaymentStatus.FAILED] and status == VerbaleStatus.NOTIFIED
    html = portal.get(f"/payments/card/return?session_id={session['id']}&lang=en").get_data(as_text=True)
    assert "nothing was charged" in html


def test_grace_period_honours_the_quote_of_the_last_discounted_day(portal, portal_app, stripe_standin):
    ente = factories.ente()
    person = factories.person(ente)
    v = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=1),
                          assessed_on=local_today() - timedelta(days=11))
    vid, pid = v.id, person.id
    first = position_of_verbale(vid, pid)
    last_day = first.quote_valid_until  # last day of the 30 % reduction
    assert first.quote.tier == "discounted" and last_day is not None
    with portal_app.test_request_context("/"):
        card.start_checkout(vid, pid, lang="it", today=last_day)
    db.session.commit()
    session = stripe_standin.only_session()
    quoted = Decimal(session["metadata"]["quoted_total"])
    verbale = db.session.get(Verbale, vid)
    next_day = last_day + timedelta(days=1)
    assert quote_verbale(verbale, next_day).total > quoted  # the reduction is over the next day
    next_noon = datetime.combine(next_day, time(12, 0), ZoneInfo("Europe/Rome"))
    payload, headers = signed_event("checkout.session.completed", paid(session),
                                    portal_app.config["STRIPE_WEBHOOK_SECRET"],
                                    created=int(next_noon.timestamp()))
    assert portal.post(HOOK, data=payload, headers=headers).json == {"status": "confirmed"}
    db.session.expire_all()
    payment = db.session.scalars(select(Payment).where(Payment.verbale_id == vid,
                                                       Payment.channel == PaymentChannel.CARD)).one()
    assert payment.amount == quoted and payment.allocation == "saldo" and payment.excess == 0
    assert payment.quote_valid_until == last_day
    assert db.session.get(Verbale, vid).status == VerbaleStatus.PAID
