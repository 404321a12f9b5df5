"""Locale selection and locale-aware formatting shared by both apps.

Order (house style): an explicit choice (``?lang=`` remembered in the session) → the signed-in
citizen's saved language → the browser's Accept-Language → Italian.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import current_app, g, has_request_context, request, session
from flask_babel import Babel, format_currency, format_date, format_time, get_locale
from flask_login import current_user

LANGUAGE_NAMES = {
    "it": "Italiano",
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
}


def chosen_language() -> str | None:
    """The language the reader chose earlier (remembered in the session), if any."""
    remembered = session.get("lang")
    return remembered if remembered in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs: Italian unless force_locale says
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if (remembered := chosen_language()) is not None:
        return remembered
    preferred = getattr(current_user, "preferred_language", None) if current_user else None
    if preferred in languages:
        return preferred
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    if "lang_code" not in g:
        g.lang_code = str(get_locale() or "it")
    return g.lang_code


def money(amount: Decimal | None) -> str:
    """``1.234,56 €`` in Italian, ``€1,234.56`` in English: Babel's currency format."""
    if amount is None:
        return ""
    if isinstance(amount, float):
        raise TypeError("money must be Decimal")
    return format_currency(amount, "EUR")


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # e.g. "6 marzo 2025, 14:05" / "March 6, 2025, 2:05 PM", always in Europe/Rome
        return f"{format_date(value, 'long')}, {format_time(value, 'short')}"
    return format_date(value, "long")


def init_app(app) -> None:
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Rome")
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["long_date"] = long_date

    @app.context_processor
    def _i18n_context():
        return {
            "current_lang": current_language(),
            "language_names": LANGUAGE_NAMES,
            "languages": app.config["LANGUAGES"],
        }
