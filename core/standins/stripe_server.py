"""A local stand-in for the part of Stripe the card gateway uses (``core.payments.card``).

It speaks Stripe's wire format, so the official ``stripe`` library talks to it unchanged (only
``STRIPE_API_BASE`` differs):

* ``POST /v1/checkout/sessions`` — form-encoded parameters in bracket notation
  (``line_items[0][price_data][unit_amount]=2940``), ``Authorization: Bearer <secret key>``
  checked, ``Idempotency-Key`` honoured (same key + same parameters = the same response, with
  ``Idempotent-Replayed: true``; same key + other parameters = ``idempotency_error``);
* ``GET /v1/checkout/sessions/<id>`` and ``POST /v1/checkout/sessions/<id>/expire``;
* JSON objects with ``object: "checkout.session"``, ids ``cs_test_…``; errors as
  ``{"error": {"type", "message", "param", "code"}}`` with a 4xx status.

The hosted payment page ``GET /pay/<id>`` is a plain, accessible HTML form (e-mail, card
number, expiry, CVC). Stripe's test cards behave as documented: 4242 4242 4242 4242 pays,
4000 0000 0000 0002 is declined, 4000 0000 0000 9995 has insufficient funds, 4000 0000 0000
0069 is expired. A payment marks the session complete, sends a signed
``checkout.session.completed`` event to the webhook URL (``Stripe-Signature: t=…,v1=…``: HMAC
SHA-256 of ``"{t}.{payload}"`` with the webhook secret, exactly like Stripe) and redirects the
browser to ``success_url`` with ``{CHECKOUT_SESSION_ID}`` replaced. Expiring a session (API
call, or its ``expires_at`` passing) sends ``checkout.session.expired``. A failed delivery is
retried a few times in the background, as Stripe does (much faster here).

Run it alone with ``python -m core.standins.stripe_server`` or embed it:
``werkzeug.serving.make_server(host, port, create_app(secret_key, webhook_secret, webhook_url),
threaded=True)``. Loopback only: it keeps everything in memory and has no security beyond the
API key check.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, render_template_string, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

API_VERSION = "2025-03-31.basil"
LOCALES = {
    "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr",
    "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt",
    "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
}
# Parameters of POST /v1/checkout/sessions this stand-in understands; anything else is refused
# like Stripe refuses unknown parameters, so a typo in the gateway fails in the tests.
CREATE_PARAMS = {
    "mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata",
    "customer_email", "locale", "expires_at", "payment_method_types", "submit_type",
    "payment_intent_data",
}
MIN_AMOUNT = {"eur": 50, "usd": 50, "gbp": 30, "chf": 50}  # cents; Stripe's card minimums
SESSION_LIFETIME = 24 * 3600
# Stripe's documented test cards: number -> None (succeeds) or (decline code, message).
TEST_CARDS: dict[str, tuple[str, str] | None] = {
    "4242424242424242": None,
    "5555555555554444": None,
    "4000000000000002": ("card_declined", "Your card was declined."),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
    "4000000000000069": ("expired_card", "Your card has expired."),
}
NON_TEST_CARD = ("Your card was declined. Your request was in test mode, but used a non test "
                 "card. For a list of valid test cards, visit: https://stripe.com/docs/testing.")


class StripeApiError(Exception):
    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type_, param, code

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.param:
            error["param"] = self.param
        if self.code:
            error["code"] = self.code
        return {"error": error}


@dataclass
class StandinState:
    """Everything the stand-in knows, in memory. Tests read it (``app.extensions``)."""

    secret_key: str
    webhook_secret: str
    webhook_url: str | None
    retry_delays: tuple[float, ...] = (1.0, 5.0, 15.0)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    line_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)


def stripe_signature(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``: ``t=<unix time>,v1=<hex HMAC-SHA256 of
    "{t}.{payload}" keyed with the webhook secret>``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.{payload}".encode(), hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


# --- form decoding (Stripe's bracket notation) -----------------------------------------------

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def decode_params(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``[("a[b][0][c]", "1")]`` -> ``{"a": {"b": [{"c": "1"}]}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise StripeApiError(400, f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for i, part in enumerate(parts):
            if part == "":
                raise StripeApiError(400, f"Invalid array notation in {key}", param=key)
            if i == len(parts) - 1:
                if isinstance(node.get(part), dict):
                    raise StripeApiError(400, f"Invalid hash for {key}", param=key)
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise StripeApiError(400, f"Invalid hash for {key}", param=key)
                node = child
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {k: _listify(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


# --- validation --------------------------------------------------------------------------

def _int(value: Any, param: str, minimum: int | None = None) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise StripeApiError(400, f"Invalid integer: {value}", param=param)
    number = int(value)
    if minimum is not None and number < minimum:
        raise StripeApiError(400, f"This value must be greater than or equal to {minimum}.", param=param)
    return number


def _url(value: Any, param: str) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeApiError(400, "Not a valid URL", param=param, code="url_invalid")
    return value


def _required(params: dict[str, Any], name: str) -> Any:
    if name not in params or params[name] == "":
        raise StripeApiError(400, f"Missing required param: {name}.", param=name,
                             code="parameter_missing")
    return params[name]


def _line_items(raw: Any) -> tuple[list[dict[str, Any]], str, int]:
    if not isinstance(raw, list) or not raw:
        raise StripeApiError(400, "line_items must be a non-empty array.", param="line_items")
    items, currency, total = [], None, 0
    for i, item in enumerate(raw):
        prefix = f"line_items[{i}]"
        if not isinstance(item, dict):
            raise StripeApiError(400, "Invalid line item.", param=prefix)
        if "price" in item:
            raise StripeApiError(400, "The stand-in only supports price_data.", param=f"{prefix}[price]")
        price = item.get("price_data")
        if not isinstance(price, dict):
            raise StripeApiError(400, f"Missing required param: {prefix}[price_data].",
                                 param=f"{prefix}[price_data]", code="parameter_missing")
        cur = str(_required(price, "currency")).lower()
        if not re.fullmatch(r"[a-z]{3}", cur):
            raise StripeApiError(400, f"Invalid currency: {cur}", param=f"{prefix}[price_data][currency]")
        if currency not in (None, cur):
            raise StripeApiError(400, "All line items must use the same currency.",
                                 param=f"{prefix}[price_data][currency]")
        currency = cur
        unit = _int(price.get("unit_amount"), f"{prefix}[price_data][unit_amount]", minimum=0)
        product = price.get("product_data")
        if not isinstance(product, dict) or not product.get("name"):
            raise StripeApiError(400, f"Missing required param: {prefix}[price_data][product_data][name].",
                                 param=f"{prefix}[price_data][product_data][name]",
                                 code="parameter_missing")
        quantity = _int(_required(item, "quantity"), f"{prefix}[quantity]", minimum=1)
        items.append({"name": product["name"], "description": product.get("description"),
                      "unit_amount": unit, "quantity": quantity})
        total += unit * quantity
    return items, currency or "eur", total


def _metadata(raw: Any) -> dict[str, str]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise StripeApiError(400, "Invalid hash", param="metadata")
    if len(raw) > 50:
        raise StripeApiError(400, "You can specify up to 50 keys.", param="metadata")
    for key, value in raw.items():
        if len(key) > 40:
            raise StripeApiError(400, "Keys must be at most 40 characters.", param=f"metadata[{key}]")
        if not isinstance(value, str) or len(value) > 500:
            raise StripeApiError(400, "Values must be strings of at most 500 characters.",
                                 param=f"metadata[{key}]")
    return {k: v for k, v in raw.items() if v != ""}


def new_session(params: dict[str, Any], base_url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate create parameters and build the session object (Stripe's field names)."""
    unknown = sorted(set(params) - CREATE_PARAMS)
    if unknown:
        raise StripeApiError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0],
                             code="parameter_unknown")
    mode = _required(params, "mode")
    if mode != "payment":
        raise StripeApiError(400, "The stand-in only supports mode=payment.", param="mode")
    success_url = _url(_required(params, "success_url"), "success_url")
    cancel_url = _url(params["cancel_url"], "cancel_url") if params.get("cancel_url") else None
    items, currency, total = _line_items(params.get("line_items"))
    minimum = MIN_AMOUNT.get(currency, 50)
    if total < minimum:
        raise StripeApiError(400, f"The Checkout Session's total amount due must add up to at least "
                                  f"{minimum} {currency}", param="line_items", code="amount_too_small")
    locale = params.get("locale") or "auto"
    if locale not in LOCALES:
        raise StripeApiError(400, f"Invalid locale: {locale}", param="locale")
    email = params.get("customer_email") or None
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise StripeApiError(400, f"Invalid email address: {email}", param="customer_email",
                             code="email_invalid")
    methods = params.get("payment_method_types") or ["card"]
    if not isinstance(methods, list) or methods != ["card"]:
        raise StripeApiError(400, "The stand-in only supports payment_method_types=[\"card\"].",
                             param="payment_method_types")
    reference = params.get("client_reference_id") or None
    if reference is not None and len(reference) > 200:
        raise StripeApiError(400, "client_reference_id must be at most 200 characters.",
                             param="client_reference_id")
    now = int(time.time())
    expires_at = now + SESSION_LIFETIME
    if params.get("expires_at"):
        expires_at = _int(params["expires_at"], "expires_at")
        if not now + 1800 <= expires_at <= now + SESSION_LIFETIME:
            raise StripeApiError(400, "expires_at must be between 30 minutes and 24 hours from now.",
                                 param="expires_at")
    sid = "cs_test_" + secrets.token_hex(24)
    session = {
        "id": sid, "object": "checkout.session", "livemode": False, "mode": "payment",
        "amount_subtotal": total, "amount_total": total, "currency": currency,
        "cancel_url": cancel_url, "success_url": success_url,
        "client_reference_id": reference, "customer": None, "customer_details": None,
        "customer_email": email, "created": now, "expires_at": expires_at, "locale": locale,
        "metadata": _metadata(params.get("metadata")), "payment_intent": None,
        "payment_method_types": methods, "payment_status": "unpaid", "status": "open",
        "url": f"{base_url.rstrip('/')}/pay/{sid}",
    }
    return session, items


# --- the app -----------------------------------------------------------------------------

def create_app(secret_key: str, webhook_secret: str, webhook_url: str | None = None, *,
               retry_delays: tuple[float, ...] = (1.0, 5.0, 15.0)) -> Flask:
    """The stand-in as a WSGI app. ``webhook_url`` is where events go (the portal's
    ``/payments/stripe/webhook``); it may be changed later through ``state_of(app)``."""
    app = Flask(__name__)
    state = StandinState(secret_key, webhook_secret, webhook_url, retry_delays)
    app.extensions["stripe_standin"] = state

    def api_error(exc: StripeApiError) -> Response:
        return _json(exc.body(), exc.status)

    def authorised() -> None:
        header = request.headers.get("Authorization", "")
        if not header:
            raise StripeApiError(401, "You did not provide an API key. You need to provide your API "
                                      "key in the Authorization header, using Bearer auth.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "basic" and request.authorization is not None:
            token = request.authorization.username or ""
        elif scheme.lower() != "bearer":
            raise StripeApiError(401, "Invalid authorization header.")
        if not hmac.compare_digest(token.strip().encode(), state.secret_key.encode()):
            shown = token[:8] + "*" * max(0, len(token) - 12) + token[-4:] if len(token) > 12 else "***"
            raise StripeApiError(401, f"Invalid API Key provided: {shown}")

    @app.errorhandler(StripeApiError)
    def _api_error(exc: StripeApiError):
        return api_error(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/v1/"):
            message = (f"Unrecognized request URL ({request.method}: {request.path})."
                       if exc.code in (404, 405) else exc.description)
            return api_error(StripeApiError(exc.code or 400, message))
        return exc

    @app.post("/v1/checkout/sessions")
    def create_session():
        authorised()
        params = decode_params(list(request.form.items(multi=True)))
        key = request.headers.get("Idempotency-Key")
        fingerprint = f"POST {request.path} {json.dumps(params, sort_keys=True)}"
        with state.lock:  # one request per key at a time, like Stripe
            seen = state.idempotency.get((state.secret_key, key)) if key else None
            if seen is not None:
                if seen[0] != fingerprint:
                    raise StripeApiError(
                        400, "Keys for idempotent requests can only be used with the same "
                             "parameters they were first used with. Try using a key other than "
                             f"'{key}' if you meant to execute a different request.",
                        type_="idempotency_error")
                response = _json(seen[2], seen[1])
                response.headers["Idempotent-Replayed"] = "true"
                return response
            try:
                session, items = new_session(params, request.host_url)
                status, body = 200, session
                state.sessions[session["id"]] = session
                state.line_items[session["id"]] = items
            except StripeApiError as exc:
                status, body = exc.status, exc.body()
            if key:
                state.idempotency[(state.secret_key, key)] = (fingerprint, status, dict(body))
        return _json(body, status)

    @app.get("/v1/checkout/sessions/<sid>")
    def retrieve_session(sid: str):
        authorised()
        return _json(_refresh(state, _session(state, sid)))

    @app.post("/v1/checkout/sessions/<sid>/expire")
    def expire_session(sid: str):
        authorised()
        session = _refresh(state, _session(state, sid))
        if session["status"] != "open":
            raise StripeApiError(400, "Only Checkout Sessions with a status in [\"open\"] can be "
                                      f"expired. This session has status \"{session['status']}\".",
                                 param="session")
        return _json(_expire(state, session))

    @app.get("/pay/<sid>")
    def pay_page(sid: str):
        session = _hosted(state, sid)
        return _page(state, session)

    @app.post("/pay/<sid>")
    def pay(sid: str):
        session = _hosted(state, sid)
        if session["status"] != "open":
            return _page(state, session)
        form = {k: request.form.get(k, "").strip() for k in ("email", "card_number", "expiry", "cvc")}
        errors = _card_errors(form, needs_email=not session["customer_email"])
        if errors:
            return _page(state, session, form, errors), 402 if "card_number" in errors else 400
        with state.lock:
            if session["status"] != "open":  # paid meanwhile in another tab
                return _page(state, session)
            session.update(
                status="complete", payment_status="paid",
                payment_intent="pi_test_" + secrets.token_hex(12),
                customer_details={"email": session["customer_email"] or form["email"],
                                  "name": None, "phone": None, "address": None},
            )
        send_event(state, "checkout.session.completed", session)
        return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]), 303)

    @app.get("/pay/standin.css")
    def stylesheet():
        return Response(_CSS, mimetype="text/css")

    @app.after_request
    def _headers(response: Response):
        response.headers.setdefault("Request-Id", "req_" + secrets.token_hex(7))
        if response.mimetype == "text/html":
            # No form-action: after paying, the browser goes on to the portal's success URL.
            response.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'")
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def state_of(app: Flask) -> StandinState:
    return app.extensions["stripe_standin"]


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, indent=2), status=status, mimetype="application/json")


def _session(state: StandinState, sid: str) -> dict[str, Any]:
    with state.lock:
        session = state.sessions.get(sid)
    if session is None:
        raise StripeApiError(404, f"No such checkout.session: '{sid}'", param="session",
                             code="resource_missing")
    return session


def _hosted(state: StandinState, sid: str) -> dict[str, Any]:
    with state.lock:
        session = state.sessions.get(sid)
    if session is None:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    return _refresh(state, session)


def _refresh(state: StandinState, session: dict[str, Any]) -> dict[str, Any]:
    """Sessions past ``expires_at`` expire (and say so to the webhook) when next looked at."""
    if session["status"] == "open" and time.time() >= session["expires_at"]:
        _expire(state, session)
    return session


def _expire(state: StandinState, session: dict[str, Any]) -> dict[str, Any]:
    with state.lock:
        if session["status"] != "open":
            return session
        session["status"] = "expired"
    send_event(state, "checkout.session.expired", session)
    return session


# --- webhook events ----------------------------------------------------------------------

def send_event(state: StandinState, event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Build the event and deliver it now; a failed delivery is retried in the background."""
    event = {
        "id": "evt_" + secrets.token_hex(12), "object": "event", "api_version": API_VERSION,
        "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "type": event_type,
        "data": {"object": dict(obj)},
    }
    record = {"event": event, "attempts": [], "delivered": False}
    with state.lock:
        state.deliveries.append(record)
    if state.webhook_url and not _deliver(state, record):
        threading.Thread(target=_retry, args=(state, record), daemon=True).start()
    return event


def _deliver(state: StandinState, record: dict[str, Any]) -> bool:
    payload = json.dumps(record["event"], indent=2)
    url = state.webhook_url or ""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"webhook URL must be http(s): {url!r}")
    req = urllib.request.Request(  # noqa: S310 - scheme checked just above
        url, data=payload.encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Stripe-Signature": stripe_signature(payload, state.webhook_secret),
                 "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        status = None
        record["attempts"].append({"at": time.time(), "status": None, "error": str(exc)})
    if status is not None:
        record["attempts"].append({"at": time.time(), "status": status})
    record["delivered"] = status is not None and 200 <= status < 300
    return record["delivered"]


def _retry(state: StandinState, record: dict[str, Any]) -> None:
    for delay in state.retry_delays:
        time.sleep(delay)
        if _deliver(state, record):
            return


# --- hosted payment page -----------------------------------------------------------------

def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_errors(form: dict[str, str], needs_email: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if needs_email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", form["email"]):
        errors["email"] = "Your email address is incomplete."
    number = re.sub(r"[\s-]", "", form["card_number"])
    if not number.isdigit() or not 13 <= len(number) <= 19 or not _luhn_ok(number):
        errors["card_number"] = "Your card number is invalid."
    match = re.fullmatch(r"(\d{1,2})\s*/?\s*(\d{2}|\d{4})", form["expiry"])
    if not match or not 1 <= int(match.group(1)) <= 12:
        errors["expiry"] = "Your card's expiration date is incomplete."
    else:
        year = int(match.group(2)) % 100 + 2000
        now = time.gmtime()
        if (year, int(match.group(1))) < (now.tm_year, now.tm_mon):
            errors["expiry"] = "Your card's expiration year is in the past."
    if not re.fullmatch(r"\d{3,4}", form["cvc"]):
        errors["cvc"] = "Your card's security code is incomplete."
    if not errors:
        outcome = TEST_CARDS.get(number, ("card_declined", NON_TEST_CARD))
        if outcome is not None:
            errors["card_number"] = outcome[1]
    return errors


def _amount(cents: int, currency: str) -> str:
    value = Decimal(cents) / 100
    symbol = {"eur": "€", "usd": "$", "gbp": "£"}.get(currency)
    return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {currency.upper()}"


def _page(state: StandinState, session: dict[str, Any], form: dict[str, str] | None = None,
          errors: dict[str, str] | None = None) -> str:
    with state.lock:
        items = list(state.line_items.get(session["id"], []))
    return render_template_string(
        _PAGE, s=session, items=items, form=form or {}, errors=errors or {},
        amount=lambda c: _amount(c, session["currency"]),
        success=session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]),
    )


_CSS = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
main{max-width:30rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4rem}label{display:block;font-weight:600;margin-top:1rem}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #6b7385;
border-radius:4px}input[aria-invalid=true]{border-color:#b3093c}
.err{color:#b3093c;margin:.25rem 0 0}.summary{border:2px solid #b3093c;padding:.5rem 1rem}
button{margin-top:1.5rem;width:100%;padding:.8rem;font-size:1.05rem;background:#0a5bd3;
color:#fff;border:0;border-radius:4px}button:focus,a:focus,input:focus{outline:3px solid #ffbf47}
.note{font-size:.9rem;color:#3c4257}.total{font-size:1.6rem;font-weight:700}
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Pay {{ amount(s.amount_total) }} – test checkout</title>
  <link rel="stylesheet" href="/pay/standin.css">
</head>
<body>
<main>
  <p class="note">Stripe stand-in · test mode · no real money moves</p>
  <h1>Pay {{ amount(s.amount_total) }}</h1>
  <ul>
    {% for item in items %}<li>{{ item.name }}{% if item.quantity > 1 %} × {{ item.quantity }}{% endif %}:
      {{ amount(item.unit_amount * item.quantity) }}</li>{% endfor %}
  </ul>
  {% if s.status == "complete" %}
  <p role="status">This payment has been completed.</p>
  <p><a href="{{ success }}">Return to the merchant</a></p>
  {% elif s.status == "expired" %}
  <p role="status">This checkout session has expired. Nothing was charged.</p>
  {% if s.cancel_url %}<p><a href="{{ s.cancel_url }}">Return to the merchant</a></p>{% endif %}
  {% else %}
  {% if errors %}
  <div class="summary" role="alert" tabindex="-1" id="error-summary">
    <h2>There is a problem</h2>
    <ul>{% for name, message in errors.items() %}<li><a href="#{{ name }}">{{ message }}</a></li>{% endfor %}</ul>
  </div>
  {% endif %}
  <form method="post" action="/pay/{{ s.id }}" novalidate>
    {% macro input(name, label, autocomplete, inputmode=None, hint=None, type="text") -%}
    <label for="{{ name }}">{{ label }}</label>
    {% if hint %}<p class="note" id="{{ name }}-hint">{{ hint }}</p>{% endif %}
    <input id="{{ name }}" name="{{ name }}" type="{{ type }}" autocomplete="{{ autocomplete }}"
      {% if inputmode %}inputmode="{{ inputmode }}"{% endif %} value="{{ form.get(name, '') }}" required
      {% if errors.get(name) %}aria-invalid="true"{% endif %}
      {% if hint or errors.get(name) %}aria-describedby="{% if hint %}{{ name }}-hint{% endif %}{% if errors.get(name) %} {{ name }}-error{% endif %}"{% endif %}>
    {% if errors.get(name) %}<p class="err" id="{{ name }}-error">{{ errors[name] }}</p>{% endif %}
    {%- endmacro %}
    {% if s.customer_email %}
    <p>E-mail: {{ s.customer_email }}</p>
    {% else %}
    {{ input("email", "E-mail", "email", "email", type="email") }}
    {% endif %}
    {{ input("card_number", "Card number", "cc-number", "numeric", "Test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined.") }}
    {{ input("expiry", "Expiry date (MM / YY)", "cc-exp", "numeric") }}
    {{ input("cvc", "Security code (CVC)", "cc-csc", "numeric", "3 digits on the back of the card.") }}
    <button type="submit">Pay {{ amount(s.amount_total) }}</button>
  </form>
  {% if s.cancel_url %}<p><a href="{{ s.cancel_url }}">Cancel and return to the merchant</a></p>{% endif %}
  {% endif %}
</main>
</body>
</html>
"""


def serve(host: str = "127.0.0.1", port: int = 5002, **kw: Any) -> None:
    """Serve the stand-in until interrupted. ``kw`` are :func:`create_app`'s arguments
    (``secret_key``, ``webhook_secret``, ``webhook_url``). To run it beside other apps in one
    process, use ``make_server(host, port, create_app(...), threaded=True)`` instead."""
    server = make_server(host, port, create_app(**kw), threaded=True)
    print(f" * Stripe stand-in: http://{host}:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


def main() -> None:
    from core.config import BaseConfig

    parser = argparse.ArgumentParser(description="Local Stripe stand-in (test mode only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5002)
    parser.add_argument("--webhook-url",
                        default=BaseConfig.PORTAL_BASE_URL.rstrip("/") + "/payments/stripe/webhook")
    args = parser.parse_args()
    serve(args.host, args.port, secret_key=BaseConfig.STRIPE_SECRET_KEY,
          webhook_secret=BaseConfig.STRIPE_WEBHOOK_SECRET, webhook_url=args.webhook_url)


if __name__ == "__main__":
    main()
