"""The ledger: one record per confirmation, saldo/acconto/eccedenza against the engine's
amount for the payment day, refunds for excess, quotes honoured within the grace period,
receipts e-mailed over real SMTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import db, jobs
from core.collection.ledger import LedgerError, record_confirmed_payment
from core.models import Payment, PaymentChannel, RefundRequest, Verbale, VerbaleStatus
from core.positions import local_today
from tests import factories

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture()
def verbale(portal_app, db_session):
    ente = factories.ente()
    person = factories.person(ente)
    vt = factories.violation_type(min_amount="42.00", max_amount="173.00")
    with portal_app.app_context():
        yield factories.verbale(ente, person, vt, notified_on=local_today() - timedelta(days=10),
                                assessed_on=local_today() - timedelta(days=20))


def _pay(verbale_id, amount, ref, when=None, **kw):
    return record_confirmed_payment(verbale_id=verbale_id, channel=PaymentChannel.BANK_TRANSFER,
                                    provider_ref=ref, amount=Decimal(amount),
                                    paid_at=when or datetime.now(ROME), **kw)


def test_partial_then_full(verbale):
    first = _pay(verbale.id, "20.00", "A")
    assert first.created and first.payment.allocation == "acconto"
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.NOTIFIED
    second = _pay(verbale.id, "22.00", "B")  # minimum 42.00 in the 6–60 day window
    assert second.payment.allocation == "saldo"
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.PAID


def test_overpayment_opens_a_refund(verbale):
    recorded = _pay(verbale.id, "50.00", "C")
    assert recorded.payment.allocation == "eccedenza" and recorded.payment.excess == Decimal("8.00")
    refund = db.session.scalars(select(RefundRequest).where(RefundRequest.verbale_id == verbale.id)).one()
    assert refund.amount == Decimal("8.00")


def test_same_confirmation_twice_is_one_payment(verbale):
    assert _pay(verbale.id, "42.00", "D").created
    again = _pay(verbale.id, "42.00", "D")
    assert not again.created
    assert db.session.scalar(select(Payment.id).where(Payment.provider_ref == "D")) == again.payment.id
    assert len(db.session.scalars(select(Payment).where(Payment.verbale_id == verbale.id)).all()) == 1


def test_quote_honoured_within_grace_period(portal_app, db_session):
    ente = factories.ente()
    vt = factories.violation_type(min_amount="42.00", max_amount="173.00")
    notified = local_today() - timedelta(days=6)  # day 6 today: the reduced window just closed
    with portal_app.app_context():
        v = factories.verbale(ente, factories.person(ente), vt, notified_on=notified,
                              assessed_on=notified - timedelta(days=5))
        last_reduced_day = notified + timedelta(days=5)
        recorded = _pay(v.id, "29.40", "E", quoted_total=Decimal("29.40"),
                        quote_valid_until=last_reduced_day)
        assert recorded.payment.allocation == "saldo"
        late = factories.verbale(ente, factories.person(ente), vt, notified_on=notified - timedelta(days=10),
                                 assessed_on=notified - timedelta(days=15))
        expired = _pay(late.id, "29.40", "F", quoted_total=Decimal("29.40"),
                       quote_valid_until=notified - timedelta(days=5))
        assert expired.payment.allocation == "acconto"  # the quote's grace period is over


def test_bad_input_is_refused(verbale):
    with pytest.raises(LedgerError):
        _pay(verbale.id, "0.00", "G")
    with pytest.raises(LedgerError):
        record_confirmed_payment(verbale_id=verbale.id, channel=PaymentChannel.CARD, provider_ref="H",
                                 amount=Decimal("1.00"), paid_at=datetime(2026, 1, 1))  # naive


def test_receipt_is_emailed_with_the_pdf(verbale, smtp_server, portal_app):
    _pay(verbale.id, "42.00", "I", payer_email="payer@example.org")
    db.session.commit()
    jobs.run_ready()
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "payer@example.org" and verbale.number in message["Subject"]
    pdf = next(part for part in message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
