"""Flask extensions that hold no per-app state beyond ``init_app``."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def _storage_uri() -> str:
    return current_app.config.get("REDIS_URL") or "memory://"


def make_limiter(app) -> Limiter:
    """One limiter per app, backed by Redis when ``REDIS_URL`` is set, memory otherwise.

    Limits are counted explicitly where codes and passwords are entered
    (:func:`enforce_limits`), per IP and per account; there are no app-wide limits, so the
    per-request check (``auto_check``) would only cost time on every page."""
    limiter = Limiter(
        key_func=get_remote_address,
        auto_check=False,
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        key_prefix=f"rl:{app.name}",
        strategy=app.config.get("RATELIMIT_STRATEGY", "moving-window"),
        headers_enabled=True,
    )
    limiter.init_app(app)
    app.extensions["app_limiter"] = limiter
    return limiter


def limiter_for(app=None) -> Limiter:
    return (app or current_app).extensions["app_limiter"]


def form_username_key() -> str:
    """Rate-limit key for per-account limits: the submitted username, normalised."""
    return "user:" + (request.form.get("username") or "").strip().upper()[:60]


def enforce_limits(scope: str, limits_spec: str, *keys: str) -> None:
    """Count one hit for each key against ``limits_spec`` (e.g. ``"10 per minute;50 per hour"``)
    and answer 429 when any is exceeded. Used for code and password entry, per IP and per
    account, on top of the account lockout."""
    from limits import parse_many
    from werkzeug.exceptions import TooManyRequests

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    strategy = limiter_for().limiter
    for item in parse_many(limits_spec):
        for key in keys:
            if not strategy.hit(item, f"{current_app.name}:{scope}", key):
                exc = TooManyRequests()
                exc.retry_after = item.get_expiry()
                raise exc
