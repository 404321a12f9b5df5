"""Instalments as payable items: each has its own pagoPA notice and can be paid by card.

* :func:`issue_notices` — on approval, one :class:`~core.models.PaymentNotice` per instalment
  (aux digit 3, the Ente's segregation code, a new IUV base from the per-Ente counter: never
  reused), linked by ``Instalment.notice_id``. The verbale's own notice is left alone: the
  creditor service answers it "cancelled, replaced by an instalment plan" while the plan runs.
* :func:`check_instalment_notice` — the pagoPA creditor service's check for an instalment
  notice (called by :func:`core.pagopa.service.check_payable`): the amount is the instalment's
  and its due date the instalment's (today when already past).
* :func:`record_instalment_payment` — a confirmed payment of an instalment (pagoPA receipt or
  Stripe webhook) goes through the ledger classified against the plan's outstanding amount
  (acconto until the last instalment, then saldo); the instalment and its notice become paid,
  and the last one completes the plan and marks the verbale paid.
* :func:`start_card_checkout` — a Stripe Checkout Session for exactly one instalment.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import stripe
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.collection.ledger import LedgerError, Recorded, record_confirmed_payment
from core.contact import cases
from core.db import utcnow
from core.models import (
    Instalment,
    InstalmentPlan,
    InstalmentStatus,
    NoticeStatus,
    PaymentChannel,
    PaymentNotice,
    PaymentStatus,
    PlanStatus,
    Verbale,
    VerbaleStatus,
)
from core.pagopa.notice import make_notice_number
from core.positions import build_position, local_today

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")


# -- notices ---------------------------------------------------------------------------------


def issue_notices(plan: InstalmentPlan) -> list[PaymentNotice]:
    """One new notice per instalment that has none (idempotent)."""
    from core.pagopa.service import next_iuv_base

    ente = plan.ente
    issued = []
    for instalment in plan.instalments:
        if instalment.notice_id is not None:
            continue
        number = make_notice_number(ente.segregation_code, next_iuv_base(ente.id))
        notice = PaymentNotice(ente_id=ente.id, verbale_id=plan.verbale_id,
                               notice_number=number.value, iuv=number.iuv,
                               status=NoticeStatus.ACTIVE)
        db.session.add(notice)
        db.session.flush()
        instalment.notice_id = notice.id
        instalment.notice = notice
        issued.append(notice)
        audit.record("pagopa.notice_issued", actor_type="system", actor_id=None,
                     object_type="payment_notice", object_id=notice.id, ente_id=ente.id,
                     verbale_id=plan.verbale_id, notice_number=notice.notice_number,
                     iuv=notice.iuv, instalment_plan_id=plan.id, instalment=instalment.number)
    db.session.flush()
    return issued


def cancel_open_notices(plan: InstalmentPlan) -> None:
    for instalment in plan.instalments:
        if instalment.notice is not None and instalment.status != InstalmentStatus.PAID \
                and instalment.notice.status == NoticeStatus.ACTIVE:
            instalment.notice.status = NoticeStatus.CANCELLED


def instalment_of_notice(notice_id: int) -> Instalment | None:
    stmt = (select(Instalment).where(Instalment.notice_id == notice_id)
            .options(selectinload(Instalment.plan)))
    return db.session.scalars(stmt).one_or_none()


def check_instalment_notice(notice: PaymentNotice, today: date, now: datetime | None = None,
                            opening: bool = False):
    """:class:`core.pagopa.service.Check` for an instalment notice, ``None`` for any other."""
    instalment = instalment_of_notice(notice.id)
    if instalment is None:
        return None
    from core.pagopa.service import Check, Reason

    plan, verbale = instalment.plan, notice.verbale
    if notice.status == NoticeStatus.PAID or instalment.status == InstalmentStatus.PAID:
        return Check(Reason.PAID, None, "the instalment has been paid")
    if notice.status == NoticeStatus.CANCELLED or verbale.status == VerbaleStatus.CANCELLED:
        return Check(Reason.CANCELLED, None, "the notice or its verbale was cancelled")
    if plan.status != PlanStatus.APPROVED:
        return Check(Reason.CANCELLED, None, f"the instalment plan is {plan.status}")
    position = build_position(verbale, today)
    if today > position.deadlines.prescription.due:
        return Check(Reason.EXPIRED, None,
                     f"prescribed on {position.deadlines.prescription.due.isoformat()}")
    if position.quote is None:
        return Check(Reason.UNKNOWN, None, "the verbale has not been notified")
    if opening and notice.in_progress_until is not None and now is not None \
            and notice.in_progress_until > now:
        return Check(Reason.IN_PROGRESS, None,
                     f"another payment attempt is open until {notice.in_progress_until.isoformat()}")
    # The creditor service quotes position.quote.total until position.quote_valid_until:
    # for an instalment, its own amount and due date.
    instalment_position = dataclasses.replace(
        position, quote=position.quote._replace(total=instalment.amount),
        quote_valid_until=max(instalment.due_on, today))
    return Check(None, instalment_position)


# -- recording payments ---------------------------------------------------------------------


def outstanding(plan: InstalmentPlan) -> Decimal:
    return sum((i.amount for i in plan.instalments if i.status != InstalmentStatus.PAID), ZERO)


def paid_total(plan: InstalmentPlan) -> Decimal:
    return sum((i.amount for i in plan.instalments if i.status == InstalmentStatus.PAID), ZERO)


def record_instalment_payment(instalment: Instalment, *, verbale_id: int | None = None,
                              channel: PaymentChannel, provider_ref: str, amount: Decimal,
                              paid_at: datetime, quoted_total: Decimal | None = None,
                              quote_valid_until: date | None = None,
                              payer_email: str | None = None,
                              details: dict[str, Any] | None = None) -> Recorded:
    """Record a confirmed payment of ``instalment`` through the ledger (idempotent on
    ``(channel, provider_ref)`` like the ledger itself). Raises
    :class:`~core.collection.ledger.LedgerError` when it refers to another verbale."""
    plan = instalment.plan
    if verbale_id is not None and verbale_id != plan.verbale_id:
        raise LedgerError("the confirmation refers to another verbale")
    db.session.execute(select(Verbale.id).where(Verbale.id == plan.verbale_id).with_for_update())
    for item in plan.instalments:  # what a concurrent payment committed before the lock
        db.session.refresh(item)
    active = plan.status == PlanStatus.APPROVED
    recorded = record_confirmed_payment(
        verbale_id=plan.verbale_id, channel=channel, provider_ref=provider_ref, amount=amount,
        paid_at=paid_at, quoted_total=quoted_total, quote_valid_until=quote_valid_until,
        payer_email=payer_email,
        details={**(details or {}), "instalment_plan_id": plan.id, "instalment": instalment.number,
                 "instalment_id": instalment.id},
        balance=outstanding(plan) if active else None,
    )
    if not recorded.created or not active or instalment.status == InstalmentStatus.PAID:
        return recorded
    if amount < instalment.amount:
        log.warning("payment %s of %s is less than instalment %s (%s): left due",
                    recorded.payment.id, amount, instalment.id, instalment.amount)
        return recorded
    instalment.status = InstalmentStatus.PAID
    instalment.paid_at = paid_at
    instalment.payment_id = recorded.payment.id
    if instalment.notice is not None:
        instalment.notice.status = NoticeStatus.PAID
        instalment.notice.in_progress_until = None
    audit.record("instalments.instalment_paid", actor_type="system", actor_id=None,
                 object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                 verbale_id=plan.verbale_id, instalment=instalment.number,
                 payment_id=recorded.payment.id, channel=str(channel), amount=str(amount))
    if plan.case is not None:
        cases.add_event(plan.case, "instalment_paid", cases.SYSTEM, number=instalment.number,
                        payment_id=recorded.payment.id)
    if all(i.status == InstalmentStatus.PAID for i in plan.instalments):
        plan.status = PlanStatus.COMPLETED
        plan.completed_at = utcnow()
        verbale = db.session.get(Verbale, plan.verbale_id)
        if verbale.status == VerbaleStatus.INSTALMENTS:
            verbale.status = VerbaleStatus.PAID
        audit.record("instalments.completed", actor_type="system", actor_id=None,
                     object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                     verbale_id=plan.verbale_id)
    db.session.flush()
    return recorded


def instalment_recorder(instalment_id: int) -> Callable[..., Recorded]:
    """A drop-in for :func:`~core.collection.ledger.record_confirmed_payment` that records
    against the instalment ``instalment_id`` (used by the card webhook)."""

    def record(**kwargs: Any) -> Recorded:
        instalment = db.session.get(Instalment, instalment_id)
        if instalment is None:
            raise LedgerError(f"unknown instalment {instalment_id}")
        return record_instalment_payment(instalment, **kwargs)

    return record


# -- card ------------------------------------------------------------------------------------


def payable(instalment: Instalment) -> bool:
    return (instalment.plan.status == PlanStatus.APPROVED
            and instalment.status in (InstalmentStatus.DUE, InstalmentStatus.MISSED))


def start_card_checkout(instalment: Instalment, person_id: int, *, lang: str,
                        today: date | None = None) -> str | None:
    """Start (or resume) a card payment of exactly this instalment; the URL of Stripe's page,
    or ``None`` when it is not payable by card. Raises
    :class:`core.payments.card.CheckoutUnavailable` when Stripe fails."""
    from core.payments import card

    if not payable(instalment) or instalment.amount < card.MIN_CARD_AMOUNT:
        return None
    plan = instalment.plan
    verbale = plan.verbale
    locale = lang if lang in card.STRIPE_LOCALES else "auto"
    client = card.stripe_client()
    resumed = _open_session(client, verbale, instalment, person_id, locale)
    if resumed:
        return resumed
    person = verbale.offender if verbale.offender_id == person_id else verbale.owner
    email = person.email if person is not None else None
    params = _session_params(card, instalment, person_id, locale, email)
    day = today or local_today(verbale.ente)
    try:
        session = client.v1.checkout.sessions.create(
            params=params,
            options={"idempotency_key": card._idempotency_key(verbale, params, day)})
    except stripe.StripeError as exc:
        log.warning("card checkout for instalment %s failed at Stripe: %s", instalment.id, exc)
        raise card.CheckoutUnavailable(str(exc)) from exc
    payment = card._record_pending(
        session.id, verbale, instalment.amount, instalment.due_on, email,
        {"person_id": person_id, "locale": locale, "instalment_id": instalment.id,
         "instalment_plan_id": plan.id})
    audit.record("payment.card_checkout_started", actor_type="citizen", actor_id=person_id,
                 object_type="payment", object_id=payment.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, amount=str(instalment.amount), session_id=session.id,
                 instalment_plan_id=plan.id, instalment=instalment.number)
    return session.url


def _session_params(card, instalment: Instalment, person_id: int, locale: str,
                    email: str | None) -> dict[str, Any]:
    plan, verbale = instalment.plan, instalment.plan.verbale
    metadata = {"verbale_id": str(verbale.id), "quoted_total": str(instalment.amount),
                "quote_valid_until": instalment.due_on.isoformat(),
                "person_id": str(person_id), "ente": verbale.ente.code,
                "instalment_id": str(instalment.id), "instalment_plan_id": str(plan.id)}
    params: dict[str, Any] = {
        "mode": "payment",
        "payment_method_types": ["card"],
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": card.CURRENCY,
                "unit_amount": card.to_cents(instalment.amount),
                "product_data": {
                    # Translators: the item shown on the card payment page.
                    "name": _("Instalment %(number)s of %(count)s – fine no. %(verbale)s – "
                              "%(ente)s", number=instalment.number, count=plan.count,
                              verbale=verbale.number, ente=verbale.ente.name),
                },
            },
        }],
        "client_reference_id": f"instalment-{instalment.id}",
        "metadata": metadata,
        "success_url": card._portal_url("payments.card_return") + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": card._portal_url("payments.card_cancel", verbale_id=verbale.id),
        "locale": locale,
        "expires_at": (int(time.time()) // 60 + 1) * 60 + card.CHECKOUT_LIFETIME,
    }
    if email:
        params["customer_email"] = email
    return params


def _open_session(client, verbale: Verbale, instalment: Instalment, person_id: int,
                  locale: str) -> str | None:
    """A checkout of this instalment the person already started and Stripe still has open."""
    for payment in reversed(verbale.payments):
        details = payment.details or {}
        if (payment.channel != PaymentChannel.CARD or payment.status != PaymentStatus.PENDING
                or details.get("instalment_id") != instalment.id
                or details.get("person_id") != person_id or details.get("locale") != locale):
            continue
        try:
            session = client.v1.checkout.sessions.retrieve(payment.provider_ref)
        except stripe.StripeError:
            return None
        if session.status == "open" and session.url:
            return session.url
    return None
