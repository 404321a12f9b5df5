"""Twilio webhook signatures (``X-Twilio-Signature``): base64 HMAC-SHA1 over the public URL
followed by the sorted POST parameters, checked with Twilio's own
:class:`~twilio.request_validator.RequestValidator`.

Twilio signs the URL it called, so the check uses the *public* URL (configured base URL +
path + query string), never the one the app sees behind a proxy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator


def public_url(base_url: str, path: str, query_string: str = "") -> str:
    """``base_url`` (scheme, host and any mount prefix) + ``path`` + ``?query``."""
    url = base_url.rstrip("/") + path
    return f"{url}?{query_string}" if query_string else url


def is_valid(auth_token: str | None, url: str, params: Mapping[str, Any] | None,
             signature: str | None) -> bool:
    """True only with a configured token and a matching signature (fails closed)."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, params or {}, signature)


def sign(auth_token: str, url: str, params: Mapping[str, Any] | None) -> str:
    """The signature Twilio would send (used by the simulator and the tests)."""
    return RequestValidator(auth_token).compute_signature(url, params or {})
