"""The collection ledger: every confirmed payment recorded once, classified, and applied.

:func:`record_confirmed_payment` is the one entry point for card webhooks, pagoPA receipts,
and (later) reporting flows and bank statements. It is idempotent on ``(channel,
provider_ref)``: the same webhook or receipt delivered twice, or a confirmation that arrives
before or after the pending record, is one payment.

Classification against the balance due on the payment date (the engine's quote, with what was
already paid deducted):

* ``saldo`` — the payment covers the balance: the verbale is paid;
* ``acconto`` — a partial payment: the rest stays due (and keeps its own windows);
* ``eccedenza`` — more than the balance: the verbale is paid and the excess opens a refund.

A quote accepted inside a window is honoured when the payment arrives within
``QUOTE_GRACE_DAYS`` after that window's last day (a checkout started on day 5 and confirmed
on day 6 still pays the reduced amount). A verbale is never marked paid from a browser
redirect: only this function, called on a verified provider confirmation, changes the ledger.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from core import audit, db, jobs
from core.models import (
    Allocation,
    Payment,
    PaymentChannel,
    PaymentStatus,
    RefundRequest,
    Verbale,
    VerbaleStatus,
)
from core.positions import confirmed_total, local_today, quote_verbale

ZERO = Decimal("0.00")


class LedgerError(ValueError):
    pass


@dataclass(frozen=True)
class Recorded:
    payment: Payment
    created: bool  # False when this confirmation was already recorded (idempotent replay)


def _lock_verbale(verbale_id: int) -> Verbale:
    """Serialise payments of one verbale (row lock on PostgreSQL; SQLite locks the file)."""
    stmt = select(Verbale).where(Verbale.id == verbale_id).with_for_update()
    verbale = db.session.scalars(stmt).one_or_none()
    if verbale is None:
        raise LedgerError(f"unknown verbale {verbale_id}")
    return verbale


def balance_due(verbale: Verbale, on: date, quoted_total: Decimal | None = None,
                quote_valid_until: date | None = None, grace_days: int = 0) -> Decimal:
    """What settles the verbale on ``on``: the engine's amount, or the accepted quote when the
    payment comes within the grace period after the quoted window."""
    q = quote_verbale(verbale, on, timeline=False)
    due = q.total if q is not None else ZERO
    if quoted_total is not None and quote_valid_until is not None \
            and on <= quote_valid_until + timedelta(days=grace_days):
        due = min(due, quoted_total)
    return due


def start_pending(*, verbale_id: int, channel: PaymentChannel, provider_ref: str,
                  amount: Decimal, quoted_total: Decimal, quote_valid_until: date | None,
                  payer_email: str | None = None, details: dict[str, Any] | None = None) -> Payment:
    """Record a payment the citizen started (e.g. a Stripe Checkout session): shown as
    "being confirmed" until the provider confirms it. Never counts towards the balance."""
    verbale = db.session.get(Verbale, verbale_id)
    payment = Payment(
        ente_id=verbale.ente_id, verbale_id=verbale_id, channel=channel,
        status=PaymentStatus.PENDING, amount=amount, provider_ref=provider_ref,
        quoted_total=quoted_total, quote_valid_until=quote_valid_until,
        payer_email=payer_email, details=details or {},
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def record_confirmed_payment(
    *,
    verbale_id: int,
    channel: PaymentChannel,
    provider_ref: str,
    amount: Decimal,
    paid_at: datetime,
    quoted_total: Decimal | None = None,
    quote_valid_until: date | None = None,
    payer_email: str | None = None,
    details: dict[str, Any] | None = None,
    balance: Decimal | None = None,
) -> Recorded:
    """``balance``: what the payment is classified against when the caller knows it better
    than the engine (an approved instalment plan's outstanding amount, :mod:`core.instalments`);
    by default the engine's balance due on the payment date."""
    if not isinstance(amount, Decimal) or amount <= 0:
        raise LedgerError("a payment amount is a positive Decimal")
    if paid_at.tzinfo is None:
        raise LedgerError("paid_at must be timezone-aware")
    verbale = _lock_verbale(verbale_id)
    existing = db.session.scalars(
        select(Payment).where(Payment.channel == channel, Payment.provider_ref == provider_ref)
    ).one_or_none()
    if existing is not None and existing.status == PaymentStatus.CONFIRMED:
        return Recorded(existing, created=False)
    if existing is not None and existing.verbale_id != verbale_id:
        raise LedgerError("the confirmation refers to another verbale")

    payment = existing or Payment(ente_id=verbale.ente_id, verbale_id=verbale_id,
                                  channel=channel, provider_ref=provider_ref)
    if existing is None:
        db.session.add(payment)
    payment.amount = amount
    payment.paid_at = paid_at
    payment.quoted_total = quoted_total if quoted_total is not None else payment.quoted_total
    payment.quote_valid_until = quote_valid_until or payment.quote_valid_until
    payment.payer_email = payer_email or payment.payer_email
    payment.details = {**(payment.details or {}), **(details or {})}

    on = local_today(verbale.ente, paid_at)
    due = balance if balance is not None else balance_due(
        verbale, on, payment.quoted_total, payment.quote_valid_until,
        current_app.config.get("QUOTE_GRACE_DAYS", 0))
    if amount < due:
        payment.allocation, payment.excess = Allocation.PARTIAL, ZERO
    elif amount == due:
        payment.allocation, payment.excess = Allocation.FULL, ZERO
    else:
        payment.allocation, payment.excess = Allocation.OVERPAID, amount - due
    payment.status = PaymentStatus.CONFIRMED
    payment.receipt_number = payment.receipt_number or _receipt_number(verbale, on)
    db.session.flush()

    if payment.allocation in (Allocation.FULL, Allocation.OVERPAID) and verbale.status in (
            VerbaleStatus.NOTIFIED, VerbaleStatus.ASSESSED, VerbaleStatus.ENFORCEMENT):
        verbale.status = VerbaleStatus.PAID
    if payment.excess > 0:
        db.session.add(RefundRequest(ente_id=verbale.ente_id, verbale_id=verbale.id,
                                     payment_id=payment.id, amount=payment.excess))
    audit.record("payment.confirmed", actor_type="system", actor_id=None,
                 object_type="payment", object_id=payment.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, channel=str(channel), amount=str(amount),
                 allocation=str(payment.allocation))
    from core.collection.receipts import send_receipt_email

    jobs.enqueue(send_receipt_email, payment.id)
    return Recorded(payment, created=True)


def _receipt_number(verbale: Verbale, on: date) -> str:
    return f"R-{verbale.ente.code}-{on:%Y%m%d}-{secrets.token_hex(4).upper()}"


def paid_so_far(verbale: Verbale) -> Decimal:
    return confirmed_total(verbale)
