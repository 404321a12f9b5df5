"""Card payment end to end over real HTTP: the portal and the Stripe stand-in each run on a
loopback port; a ``requests`` session plays the browser. The gateway reaches the stand-in
through the official ``stripe`` library and the stand-in delivers the signed webhook to the
portal, exactly as in the demo."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from core import db
from core.models import Payment, PaymentChannel, PaymentStatus, Verbale, VerbaleStatus
from core.positions import local_today, position_of_verbale
from tests import factories

PASSWORD = "Secret-pass-1"


@pytest.fixture()
def browser(portal_server, portal_app, monkeypatch):
    """A signed-in citizen with one verbale to pay: (requests session, verbale id, amount)."""
    monkeypatch.setitem(portal_app.config, "REDIS_URL", "")  # after-commit jobs inline
    ente = factories.ente()
    person = factories.person(ente, language="en")
    v = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=2),
                          assessed_on=local_today() - timedelta(days=12))
    cred = factories.credential(person, password=PASSWORD)
    amount = position_of_verbale(v.id, person.id).quote.total
    vid, username = v.id, cred.username
    db.session.commit()  # nothing of the test's stays open while the servers use the database
    http = requests.Session()
    response = http.post(f"{portal_server}/sign-in", data={"username": username, "password": PASSWORD},
                         allow_redirects=False, timeout=10)
    assert response.status_code == 302
    return http, vid, amount


def _card_payments(verbale_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(
        Payment.verbale_id == verbale_id, Payment.channel == PaymentChannel.CARD)))


def _start(http, base, vid):
    response = http.post(f"{base}/payments/card/{vid}?lang=en", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    return response.headers["Location"]


def _pay(http, pay_url, number):
    return http.post(pay_url, data={"email": "payer@example.org", "card_number": number,
                                    "expiry": "12 / 39", "cvc": "123"}, timeout=10)


def test_pay_by_card_end_to_end(browser, portal_server, stripe_standin):
    http, vid, amount = browser
    pay_url = _start(http, portal_server, vid)
    assert pay_url.startswith(stripe_standin.base_url + "/pay/cs_test_")
    page = http.get(pay_url, timeout=10)
    assert page.status_code == 200 and f"€{amount}" in page.text

    final = _pay(http, pay_url, "4242 4242 4242 4242")  # → 303 to the portal's return page
    assert final.status_code == 200
    assert final.url.startswith(f"{portal_server}/payments/card/return?session_id=cs_test_")
    assert "Payment confirmed" in final.text and re.search(r"R-\w+-\d{8}-[0-9A-F]{8}", final.text)
    [delivery] = stripe_standin.state.deliveries
    assert delivery["delivered"] and delivery["attempts"][0]["status"] == 200

    [payment] = _card_payments(vid)
    assert payment.status == PaymentStatus.CONFIRMED and payment.amount == amount
    assert payment.allocation == "saldo" and payment.payer_email == "payer@example.org"
    assert db.session.get(Verbale, vid).status == VerbaleStatus.PAID
    # the position no longer offers to pay, and the same session cannot pay twice
    assert http.post(f"{portal_server}/payments/card/{vid}", allow_redirects=False, timeout=10).status_code == 404
    _pay(http, pay_url, "4242 4242 4242 4242")
    assert len(_card_payments(vid)) == 1


def test_declined_card_then_cancel(browser, portal_server, stripe_standin):
    http, vid, amount = browser
    pay_url = _start(http, portal_server, vid)
    declined = _pay(http, pay_url, "4000 0000 0000 0002")
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    [payment] = _card_payments(vid)
    assert payment.status == PaymentStatus.PENDING

    cancel_link = re.search(r'href="([^"]+/payments/card/cancel/\d+)"', declined.text).group(1)
    cancelled = http.get(cancel_link, timeout=10)
    assert cancelled.status_code == 200 and "nothing has been charged" in cancelled.text
    # the portal expired the session at Stripe, whose webhook marked the attempt FAILED
    [payment] = _card_payments(vid)
    assert payment.status == PaymentStatus.FAILED
    assert db.session.get(Verbale, vid).status == VerbaleStatus.NOTIFIED

    # a new attempt gets a new session and can pay
    again = _start(http, portal_server, vid)
    assert again != pay_url
    assert "Payment confirmed" in _pay(http, again, "4242424242424242").text
    statuses = sorted(p.status for p in _card_payments(vid))
    assert statuses == [PaymentStatus.CONFIRMED, PaymentStatus.FAILED]
    assert sum(p.amount for p in _card_payments(vid) if p.status == PaymentStatus.CONFIRMED) == Decimal(amount)
