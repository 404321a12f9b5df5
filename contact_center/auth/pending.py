"""The half-authenticated state between the password and the code: a marker in the session,
signed and timestamped on its own (5 minutes), holding the staff id, the account's session
token (so sign-out or a TOTP reset voids it) and where to go afterwards. It is never a login:
Flask-Login knows nothing of it, so every ``login_required`` route stays closed."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core.accounts import StaffPasswordOk

SESSION_KEY = "cc_second_factor"
MAX_AGE_SECONDS = 300
_SALT = "contact-center-second-factor"


@dataclass(frozen=True)
class PendingSignIn:
    staff_id: int
    session_token: str
    next_url: str | None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def begin(password_ok: StaffPasswordOk, next_url: str | None) -> None:
    """After the right password: a fresh session holding only the marker (and the language)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[SESSION_KEY] = _serializer().dumps(
        {"id": password_ok.staff_id, "token": password_ok.session_token, "next": next_url})


def exists() -> bool:
    return SESSION_KEY in session


def current() -> PendingSignIn | None:
    """The valid marker, or ``None`` (absent, tampered with or older than 5 minutes)."""
    raw = session.get(SESSION_KEY)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # includes SignatureExpired
        session.pop(SESSION_KEY, None)
        return None
    return PendingSignIn(int(data["id"]), str(data["token"]), data.get("next"))


def clear() -> None:
    session.pop(SESSION_KEY, None)
