"""Settings read from the environment.

``APP_ENV`` picks the class: ``development`` (default: the embedded demo on an SQLite file,
no Redis needed, jobs inline), ``test`` or ``production``. Production refuses to start with a
missing or weak ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))
LANGUAGES = ("it", "en", "fr", "de", "es")
DEV_SECRET = "dev-only-not-secret-change-me-0123456789abcdef"  # noqa: S105 - demo only


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app must not start."""


class BaseConfig:
    APP_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'multe.sqlite3'}")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    STORAGE_DIR = os.environ.get("STORAGE_DIR", str(INSTANCE / "storage"))

    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = LANGUAGES

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_REFRESH_FLOOR = 60  # seconds between re-signings of an unchanged session (core.web)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = False
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"

    # Signed-in page cache (core.pagecache): "auto" uses Redis when REDIS_URL is set and is
    # off otherwise; "memory" is for a single process; "off" disables it.
    PAGE_CACHE = os.environ.get("PAGE_CACHE", "auto")
    PAGE_CACHE_TTL = int(os.environ.get("PAGE_CACHE_TTL", "300"))
    PAGE_CACHE_PREFIX = os.environ.get("PAGE_CACHE_PREFIX", "pc:")  # Redis key prefix

    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000")
    CONTACT_CENTER_BASE_URL = os.environ.get("CONTACT_CENTER_BASE_URL", "http://127.0.0.1:5001")
    CONCESSIONAIRE_NAME = os.environ.get("CONCESSIONAIRE_NAME", "Multe Chiare S.r.l.")
    SUPPORT_PHONE = os.environ.get("SUPPORT_PHONE", "+39 02 0000 0000")
    SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "assistenza@example.org")
    SUPPORT_PEC = os.environ.get("SUPPORT_PEC", "multechiare@pec.example.org")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@multechiare.example.org")
    MAIL_SENDER_NAME = os.environ.get("MAIL_SENDER_NAME", "Multe Chiare")

    # A quote accepted inside a window is honoured when paid up to this many days after the
    # window's last day (card checkout or pagoPA attempt started in time, confirmed later).
    QUOTE_GRACE_DAYS = int(os.environ.get("QUOTE_GRACE_DAYS", "3"))

    # Stripe (card payments). The defaults point at the local stand-in started by the demo;
    # production sets the real keys and leaves STRIPE_API_BASE empty.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_standin_0000000000000000")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_standin_0000000000000000")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "http://127.0.0.1:5002")

    # pagoPA: the node that calls our creditor SOAP service (a simulated node in the demo).
    PAGOPA_NODE_URL = os.environ.get("PAGOPA_NODE_URL", "http://127.0.0.1:5003")
    PAGOPA_MAX_REQUEST_BYTES = 256 * 1024

    # SEND (digital notifications, pn-delivery B2B API; the demo's stand-in by default) and
    # the PEC provider's SMTP for acts sent by PEC (empty PEC_SERVER: the MAIL_* settings).
    SEND_BASE_URL = os.environ.get("SEND_BASE_URL", "http://127.0.0.1:5004")
    SEND_API_KEY = os.environ.get("SEND_API_KEY", "send-standin-api-key")
    PEC_SERVER = os.environ.get("PEC_SERVER", "")
    PEC_PORT = int(os.environ.get("PEC_PORT", "465"))
    PEC_USE_SSL = os.environ.get("PEC_USE_SSL", "1") == "1"
    PEC_USERNAME = os.environ.get("PEC_USERNAME", "")
    PEC_PASSWORD = os.environ.get("PEC_PASSWORD", "")

    # Call metrics: a call answered within this many seconds counts for the service level; a
    # queued call whose hold music was not requested for this long no longer counts as waiting.
    IVR_SERVICE_LEVEL_SECONDS = int(os.environ.get("IVR_SERVICE_LEVEL_SECONDS", "20"))
    IVR_QUEUE_STALE_SECONDS = int(os.environ.get("IVR_QUEUE_STALE_SECONDS", "120"))

    # Twilio IVR. The demo token lets the IVR simulator sign its requests; production sets
    # the real account's token and the public base URL Twilio calls.
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "demo-twilio-auth-token")
    TWILIO_WEBHOOK_BASE_URL = os.environ.get("TWILIO_WEBHOOK_BASE_URL", "http://127.0.0.1:5001")
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
    TWILIO_SMS_FROM = os.environ.get("TWILIO_SMS_FROM", "")
    IVR_NUMBERS: dict[str, str] = {}
    IVR_CALLBACK_THRESHOLD_SECONDS = 300
    IVR_PIN_LIMITS = "5 per minute"

    # Citizen sign-in: lock an account for a while after repeated failures.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15

    # Per-app session settings (applied by the factory).
    PORTAL = {
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=60),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
    }
    CONTACT_CENTER = {
        "SESSION_COOKIE_NAME": "cc_session",
        "SESSION_COOKIE_SAMESITE": "Strict",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=9),
        "STAFF_IDLE_TIMEOUT": timedelta(minutes=15),
        "LOGIN_RATE_LIMIT": "10 per minute;30 per hour",
    }


class DevelopmentConfig(BaseConfig):
    """The embedded demo: plain HTTP on 127.0.0.1, so cookies cannot be Secure-only."""

    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"


class TestConfig(DevelopmentConfig):
    APP_ENV = "test"
    TESTING = True
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"  # noqa: S105


class ProductionConfig(BaseConfig):
    APP_ENV = "production"
    HSTS = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # empty: the real Stripe API
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
    TWILIO_WEBHOOK_BASE_URL = os.environ.get("TWILIO_WEBHOOK_BASE_URL", "")
    SEND_BASE_URL = os.environ.get("SEND_BASE_URL", "https://api.notifichedigitali.it")
    SEND_API_KEY = os.environ.get("SEND_API_KEY", "")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}

WEAK_SECRETS = {"", "secret", "changeme", "change-me", "dev", DEV_SECRET}


def config_for(env: str | None = None) -> type[BaseConfig]:
    env = env or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[env]
    except KeyError:
        raise ConfigError(f"unknown APP_ENV {env!r}; use one of {', '.join(CONFIGS)}") from None


def check_required(cfg, keys) -> None:
    missing = [key for key in keys if not cfg.get(key)]
    if missing:
        raise ConfigError(f"missing required settings: {', '.join(missing)}")


def checkout_origin(cfg) -> str:
    """Where the card checkout form may be redirected: the stand-in, or Stripe's checkout."""
    from urllib.parse import urlsplit

    base = cfg.get("STRIPE_API_BASE")
    if base:
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}"
    return "https://checkout.stripe.com"


def check_secret_key(secret: str | None) -> None:
    """Production guard: at least 32 characters, not a known placeholder, not one repeated char."""
    if not secret or secret in WEAK_SECRETS or len(secret) < 32 or len(set(secret)) < 8:
        raise ConfigError(
            "SECRET_KEY is missing or weak: set at least 32 random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
