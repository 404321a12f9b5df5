"""Card payments with Stripe Checkout, through the official ``stripe`` library.

Flow:

1. :func:`start_checkout` — the signed-in citizen asks to pay a verbale by card. The engine
   quotes the balance due *today* (what was already paid deducted); a Checkout Session is
   created for exactly that amount in euro cents, with the quote carried in its ``metadata``
   (``verbale_id``, ``quoted_total``, ``quote_valid_until``, ``person_id``), and a PENDING
   payment is recorded with the session id as ``provider_ref``
   (:func:`core.collection.ledger.start_pending`). The browser goes to Stripe's page.
2. :func:`handle_webhook` — Stripe calls ``POST /payments/stripe/webhook``. The signature is
   verified with ``stripe.Webhook.construct_event``; ``checkout.session.completed`` (or
   ``…async_payment_succeeded``) with ``payment_status == "paid"`` becomes one call to
   :func:`~core.collection.ledger.record_confirmed_payment` — idempotent on the session id, so
   a replayed event, or a confirmation that arrives before the pending row exists, is still
   one payment. ``checkout.session.expired`` (or ``…async_payment_failed``) marks a still
   PENDING payment FAILED and never touches a confirmed one.
3. :func:`checkout_of` — the return page only *reads*: it shows "being confirmed" until the
   webhook has confirmed. Nothing here marks a payment paid from a browser redirect.

Grace period: the amount is fixed when the checkout starts. ``quoted_total`` and
``quote_valid_until`` (the last day of the window the quote belongs to) travel in the session
metadata and come back with the webhook; the ledger honours the quoted amount when the payment
is confirmed up to ``QUOTE_GRACE_DAYS`` after that day. A checkout started on the last day of
the 30 % reduction and confirmed the next morning therefore pays the verbale in full (saldo) at
the reduced amount. Sessions expire after :data:`CHECKOUT_LIFETIME`, well inside the grace
period, so a stale quote can never be paid late.

Configuration only decides where the calls go: ``STRIPE_SECRET_KEY``,
``STRIPE_WEBHOOK_SECRET`` and ``STRIPE_API_BASE`` (the local stand-in
:mod:`core.standins.stripe_server` in the demo and tests; empty for the real Stripe).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import stripe
from flask import current_app, has_request_context, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import audit, db, jobs
from core.collection.ledger import LedgerError, record_confirmed_payment, start_pending
from core.db import CENT
from core.models import Payment, PaymentChannel, PaymentStatus, Verbale
from core.positions import VerbalePosition, local_today, position_of_verbale, verbale_of_person

log = logging.getLogger(__name__)

CURRENCY = "eur"
MIN_CARD_AMOUNT = Decimal("0.50")  # Stripe's minimum charge in euro
CHECKOUT_LIFETIME = 60 * 60  # seconds; Stripe accepts 30 minutes to 24 hours
HTTP_TIMEOUT = 20  # seconds per call to Stripe
STRIPE_LOCALES = {"it", "en", "fr", "de", "es"}
CONFIRMING_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
FAILING_EVENTS = {"checkout.session.expired", "checkout.session.async_payment_failed"}


class CheckoutUnavailable(RuntimeError):
    """Stripe could not be reached or refused the request: nothing was started or charged."""


@dataclass(frozen=True)
class WebhookOutcome:
    status: int  # HTTP status for Stripe: 2xx = handled (or deliberately ignored)
    body: dict[str, Any]


@dataclass(frozen=True)
class CardCheckout:
    """What the return page shows: the ledger's view of one Checkout Session."""

    payment: Payment
    verbale: Verbale
    # "confirmed" | "confirming" (paid at Stripe, webhook not processed yet) |
    # "not_completed" (still open at Stripe) | "failed" (expired/declined) | "refunded"
    state: str
    continue_url: str | None = None


# --- the client ------------------------------------------------------------------------------

def stripe_client() -> stripe.StripeClient:
    """A client configured from the app: the stand-in when ``STRIPE_API_BASE`` is set, the real
    Stripe API when it is empty."""
    cfg = current_app.config
    base = (cfg.get("STRIPE_API_BASE") or "").rstrip("/")
    return stripe.StripeClient(
        cfg.get("STRIPE_SECRET_KEY") or "",
        base_addresses={"api": base} if base else None,
        http_client=stripe.RequestsClient(timeout=HTTP_TIMEOUT),
        max_network_retries=2,  # retried POSTs reuse the idempotency key
    )


def _portal_url(endpoint: str, **values: Any) -> str:
    """An absolute portal URL from ``PORTAL_BASE_URL`` (what Stripe sends the browser back to)."""
    path = url_for(endpoint, **values)
    if has_request_context() and request.script_root and path.startswith(request.script_root):
        path = path[len(request.script_root):]
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + path


def to_cents(amount: Decimal) -> int:
    return int(amount.quantize(CENT) * 100)


def card_payable(position: VerbalePosition | None) -> bool:
    """The balance can be paid by card now (payable and at least Stripe's minimum charge)."""
    return position is not None and position.payable and position.quote.total >= MIN_CARD_AMOUNT


def _card_payment(session_id: str) -> Payment | None:
    return db.session.scalars(select(Payment).where(
        Payment.channel == PaymentChannel.CARD, Payment.provider_ref == session_id)).one_or_none()


# --- 1. start --------------------------------------------------------------------------------

def start_checkout(verbale_id: int, person_id: int, *, lang: str,
                   today: date | None = None) -> str | None:
    """Start (or resume) a card payment of the verbale's balance due today; returns the URL of
    Stripe's payment page, or ``None`` when the verbale is not the person's or cannot be paid
    by card. Raises :class:`CheckoutUnavailable` when Stripe fails."""
    position = position_of_verbale(verbale_id, person_id, today)
    if not card_payable(position):
        return None
    verbale, amount, valid_until = position.verbale, position.quote.total, position.quote_valid_until
    locale = lang if lang in STRIPE_LOCALES else "auto"
    client = stripe_client()
    resumed = _open_session_url(client, verbale, person_id, amount, valid_until, locale)
    if resumed:
        return resumed

    person = verbale.offender if verbale.offender_id == person_id else verbale.owner
    email = person.email if person is not None else None
    params = _session_params(verbale, person_id, amount, valid_until, locale, email)
    day = today or local_today(verbale.ente)
    try:
        session = client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": _idempotency_key(verbale, params, day)})
    except stripe.StripeError as exc:
        log.warning("card checkout for verbale %s failed at Stripe: %s", verbale.id, exc)
        raise CheckoutUnavailable(str(exc)) from exc

    payment = _record_pending(session.id, verbale, amount, valid_until, email,
                              {"person_id": person_id, "locale": locale})
    audit.record("payment.card_checkout_started", actor_type="citizen", actor_id=person_id,
                 object_type="payment", object_id=payment.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, amount=str(amount), session_id=session.id)
    return session.url


def _session_params(verbale: Verbale, person_id: int, amount: Decimal, valid_until: date | None,
                    locale: str, email: str | None) -> dict[str, Any]:
    metadata = {"verbale_id": str(verbale.id), "quoted_total": str(amount),
                "person_id": str(person_id), "ente": verbale.ente.code}
    if valid_until is not None:
        metadata["quote_valid_until"] = valid_until.isoformat()
    params: dict[str, Any] = {
        "mode": "payment",
        # Cards only (wallets such as Apple Pay/Google Pay included): confirmed at once, so the
        # quote's grace period always covers the confirmation. Bank debits would confirm days later.
        "payment_method_types": ["card"],
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": CURRENCY,
                "unit_amount": to_cents(amount),
                "product_data": {
                    # Translators: the item shown on the card payment page.
                    "name": _("Fine no. %(number)s – %(ente)s", number=verbale.number,
                              ente=verbale.ente.name),
                },
            },
        }],
        "client_reference_id": f"verbale-{verbale.id}",
        "metadata": metadata,
        # Stripe replaces {CHECKOUT_SESSION_ID} in success_url only.
        "success_url": _portal_url("payments.card_return") + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": _portal_url("payments.card_cancel", verbale_id=verbale.id),
        "locale": locale,
        # Rounded to the minute so a double click sends identical parameters (same session).
        "expires_at": (int(time.time()) // 60 + 1) * 60 + CHECKOUT_LIFETIME,
    }
    if email:
        params["customer_email"] = email
    return params


def _idempotency_key(verbale: Verbale, params: dict[str, Any], day: date) -> str:
    """Same verbale, day, parameters and previous attempt = the same Checkout Session (a double
    click does not open two); a new attempt after one ended gets a new key."""
    last_attempt = db.session.scalar(select(func.max(Payment.id)).where(
        Payment.verbale_id == verbale.id, Payment.channel == PaymentChannel.CARD)) or 0
    stable = {k: v for k, v in params.items() if k != "expires_at"}
    digest = hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:24]
    return f"card-checkout-{verbale.id}-{day:%Y%m%d}-{last_attempt}-{digest}"


def _open_session_url(client: stripe.StripeClient, verbale: Verbale, person_id: int,
                      amount: Decimal, valid_until: date | None, locale: str) -> str | None:
    """The page of a checkout this person already started for the same amount, if Stripe
    still has it open (back button, second click): resumed rather than duplicated."""
    for payment in reversed(verbale.payments):
        details = payment.details or {}
        if (payment.channel != PaymentChannel.CARD or payment.status != PaymentStatus.PENDING
                or payment.amount != amount or payment.quote_valid_until != valid_until
                or details.get("person_id") != person_id or details.get("locale") != locale):
            continue
        try:
            session = client.v1.checkout.sessions.retrieve(payment.provider_ref)
        except stripe.StripeError:
            return None
        if session.status == "open" and session.url:
            return session.url
    return None


def _record_pending(session_id: str, verbale: Verbale, amount: Decimal, valid_until: date | None,
                    email: str | None, details: dict[str, Any]) -> Payment:
    """The PENDING row for the session; a replayed session (same idempotency key) or a webhook
    that already recorded it keeps the existing row."""
    existing = _card_payment(session_id)
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            return start_pending(verbale_id=verbale.id, channel=PaymentChannel.CARD,
                                 provider_ref=session_id, amount=amount, quoted_total=amount,
                                 quote_valid_until=valid_until, payer_email=email, details=details)
    except IntegrityError:  # a concurrent request recorded the same session first
        return _card_payment(session_id)


# --- 2. webhook ------------------------------------------------------------------------------

def handle_webhook(payload: bytes, sig_header: str | None) -> WebhookOutcome:
    """Verify and apply one Stripe event. Bad input is a 4xx with a short JSON error, never a
    500; events we do not handle are acknowledged (200) and ignored."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    if not secret:
        log.error("STRIPE_WEBHOOK_SECRET is not set: refusing Stripe events")
        return WebhookOutcome(503, {"error": "webhook secret not configured"})
    if not sig_header:
        return WebhookOutcome(400, {"error": "missing Stripe-Signature header"})
    try:
        event = stripe.Webhook.construct_event(payload, sig_header, secret)
    except stripe.SignatureVerificationError:
        log.warning("Stripe webhook with an invalid signature refused")
        return WebhookOutcome(400, {"error": "invalid signature"})
    except (ValueError, TypeError, AttributeError):  # not UTF-8, not JSON, not a JSON object
        return WebhookOutcome(400, {"error": "invalid payload"})

    try:
        event_type, event_id = str(event["type"]), str(event["id"])
        obj = event["data"]["object"]
        session_id = str(obj["id"])
    except (KeyError, TypeError):
        return WebhookOutcome(400, {"error": "invalid payload"})
    if event_type in CONFIRMING_EVENTS:
        return _confirm(event, event_type, event_id, session_id, obj)
    if event_type in FAILING_EVENTS:
        return _fail(event_type, event_id, session_id)
    return WebhookOutcome(200, {"status": "ignored"})


def _audit_event(outcome: str, event_type: str, event_id: str, session_id: str,
                 payment: Payment | None = None, **extra: Any) -> None:
    audit.record("payment.card_webhook", actor_type="system", actor_id=None,
                 object_type="payment", object_id=payment.id if payment else "",
                 ente_id=payment.ente_id if payment else None, event_type=event_type,
                 event_id=event_id, session_id=session_id, outcome=outcome, **extra)


def _confirm(event, event_type: str, event_id: str, session_id: str, obj) -> WebhookOutcome:
    if obj.get("payment_status") != "paid":  # e.g. a bank debit still processing
        _audit_event("awaiting_payment", event_type, event_id, session_id, _card_payment(session_id))
        return WebhookOutcome(200, {"status": "awaiting payment"})
    meta = obj.get("metadata") or {}
    try:
        verbale_id = int(meta["verbale_id"])
        if str(obj.get("currency", "")).lower() != CURRENCY:
            raise ValueError(f"currency {obj.get('currency')!r}")
        amount = (Decimal(int(obj["amount_total"])) / 100).quantize(CENT)
        quoted_total = Decimal(meta["quoted_total"]) if meta.get("quoted_total") else None
        valid_until = (date.fromisoformat(meta["quote_valid_until"])
                       if meta.get("quote_valid_until") else None)
        paid_at = datetime.fromtimestamp(int(event["created"]), UTC)
        instalment_id = int(meta["instalment_id"]) if meta.get("instalment_id") else None
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        return _unmatched(event_type, event_id, session_id, f"unusable session data: {exc}")
    details = obj.get("customer_details") or {}
    record = record_confirmed_payment
    if instalment_id is not None:  # one instalment of a plan (core.instalments)
        from core.instalments.payments import instalment_recorder

        record = instalment_recorder(instalment_id)
    try:
        recorded = record(
            verbale_id=verbale_id, channel=PaymentChannel.CARD, provider_ref=session_id,
            amount=amount, paid_at=paid_at, quoted_total=quoted_total,
            quote_valid_until=valid_until,
            payer_email=details.get("email") or obj.get("customer_email"),
            details={"stripe_event": event_id, "payment_intent": obj.get("payment_intent")},
        )
    except LedgerError as exc:  # raised before any change: the audit below is stored
        return _unmatched(event_type, event_id, session_id, str(exc))
    except IntegrityError:  # a concurrent delivery won the race: Stripe retries, we replay
        return WebhookOutcome(409, {"error": "conflict, retry later"})
    outcome = "confirmed" if recorded.created else "duplicate"
    _audit_event(outcome, event_type, event_id, session_id, recorded.payment)
    return WebhookOutcome(200, {"status": outcome})


def _unmatched(event_type: str, event_id: str, session_id: str, reason: str) -> WebhookOutcome:
    """A paid session we cannot apply: acknowledged (a retry would not help) but logged and
    audited so an operator reconciles it by hand."""
    log.error("Stripe event %s for session %s not applied: %s", event_id, session_id, reason)
    _audit_event("unmatched", event_type, event_id, session_id, _card_payment(session_id),
                 reason=reason[:200])
    return WebhookOutcome(200, {"status": "not applied"})


def _fail(event_type: str, event_id: str, session_id: str) -> WebhookOutcome:
    payment = _card_payment(session_id)
    if payment is None or payment.status != PaymentStatus.PENDING:
        _audit_event("unchanged", event_type, event_id, session_id, payment)
        return WebhookOutcome(200, {"status": "unchanged"})
    payment.status = PaymentStatus.FAILED
    payment.details = {**(payment.details or {}), "stripe_event": event_id, "failure": event_type}
    db.session.flush()
    _audit_event("failed", event_type, event_id, session_id, payment)
    return WebhookOutcome(200, {"status": "failed"})


# --- 3. return and cancel pages ----------------------------------------------------------

def checkout_of(session_id: str, person_id: int) -> CardCheckout | None:
    """The checkout behind a return URL, for its owner only (``None`` otherwise). Read-only:
    for a pending payment Stripe is asked whether the citizen actually paid, to tell "being
    confirmed" from "not completed", but the ledger is left to the webhook."""
    payment = _card_payment(session_id) if session_id.startswith("cs_") else None
    verbale = verbale_of_person(payment.verbale_id, person_id) if payment is not None else None
    if verbale is None:
        return None
    if payment.status == PaymentStatus.CONFIRMED:
        return CardCheckout(payment, verbale, "confirmed")
    if payment.status == PaymentStatus.REFUNDED:
        return CardCheckout(payment, verbale, "refunded")
    if payment.status == PaymentStatus.FAILED:
        return CardCheckout(payment, verbale, "failed")
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError:
        return CardCheckout(payment, verbale, "confirming")
    if session.status == "open":
        return CardCheckout(payment, verbale, "not_completed", session.url)
    if session.status == "expired":
        return CardCheckout(payment, verbale, "failed")
    return CardCheckout(payment, verbale, "confirming")


def abandon_checkout(verbale_id: int, person_id: int) -> VerbalePosition | None:
    """The citizen came back through Stripe's cancel link: their open sessions for this verbale
    are expired at Stripe after the commit (Stripe then sends ``checkout.session.expired`` and
    the webhook marks them FAILED), so the position stops saying a payment is on its way."""
    position = position_of_verbale(verbale_id, person_id)
    if position is None:
        return None
    sessions = [p.provider_ref for p in position.payments
                if p.channel == PaymentChannel.CARD and p.status == PaymentStatus.PENDING
                and (p.details or {}).get("person_id") == person_id]
    if sessions:
        jobs.enqueue(expire_sessions, sessions)
    return position


def expire_sessions(session_ids: list[str]) -> None:
    """Job: expire Checkout Sessions still open. Completed or already expired ones are refused
    by Stripe and left alone; the webhook reports what happened either way."""
    client = stripe_client()
    for session_id in session_ids:
        try:
            client.v1.checkout.sessions.expire(session_id)
        except stripe.InvalidRequestError:
            continue  # not open any more
        except stripe.StripeError as exc:
            log.warning("could not expire Checkout Session %s: %s", session_id, exc)
