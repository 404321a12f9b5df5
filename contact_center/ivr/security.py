"""``twilio_signed``: the guard of every Twilio webhook. Twilio calls these URLs without a staff
session, so instead of a login they need a valid ``X-Twilio-Signature`` (else 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, request

from core.ivr.signature import is_valid, public_url


def webhook_base_url() -> str:
    """``TWILIO_WEBHOOK_BASE_URL`` (public scheme + host + mount prefix of this app)."""
    base = current_app.config.get("TWILIO_WEBHOOK_BASE_URL")
    return (base or (request.host_url.rstrip("/") + request.script_root)).rstrip("/")


def twilio_signed(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        url = public_url(webhook_base_url(), request.path, request.query_string.decode("latin-1"))
        params = request.form if request.method == "POST" else {}
        if not is_valid(current_app.config.get("TWILIO_AUTH_TOKEN"), url, params,
                        request.headers.get("X-Twilio-Signature")):
            abort(403)
        return view(*args, **kwargs)

    wrapped.twilio_signed = True  # type: ignore[attr-defined]
    return wrapped
