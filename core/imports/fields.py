"""Field parsers of the import formats. Each takes the raw value (a CSV string, or a JSON
string/number/boolean) and returns the typed value or raises :class:`Invalid` with a reason in
the current locale (the import runs inside ``force_locale`` of the operator's language).
Empty strings and ``null`` are "missing": the parsers return ``None`` for them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale, iva

CENT = Decimal("0.01")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PLATE = re.compile(r"^[A-Z0-9]{2,12}$")
_TRUE = {"1", "true", "yes", "y", "si", "sì", "s", "vero", "x"}
_FALSE = {"0", "false", "no", "n", "falso"}
# The language of a letter when the file does not say: the country's main language among the
# five the service speaks, English for the rest.
LANGUAGE_OF_COUNTRY = {"IT": "it", "SM": "it", "VA": "it", "FR": "fr", "BE": "fr", "LU": "fr",
                       "MC": "fr", "DE": "de", "AT": "de", "LI": "de", "CH": "de", "ES": "es",
                       "AD": "es", "MX": "es", "AR": "es"}
LANGUAGES = ("it", "en", "fr", "de", "es")


class Invalid(ValueError):
    """A translated reason why a value is refused."""


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, max_length: int) -> str | None:
    if missing(value):
        return None
    if isinstance(value, dict | list):
        raise Invalid(_("A text is expected."))
    result = str(value).strip()
    if len(result) > max_length:
        raise Invalid(_("Too long: at most %(max)s characters.", max=max_length))
    return result


def boolean(value: Any) -> bool | None:
    if missing(value):
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise Invalid(_("Expected yes or no (true/false, 1/0)."))


def a_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``."""
    if missing(value):
        return None
    raw = str(value).strip()
    try:
        if "/" in raw:
            day, month, year = raw.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(_("Not a valid date: use YYYY-MM-DD or DD/MM/YYYY.")) from None


def instant(value: Any, tz: ZoneInfo, *, require_offset: bool = False) -> datetime | None:
    """ISO 8601 (``2026-03-01T10:15:00+01:00``, ``…Z``) or a local ``YYYY-MM-DD HH:MM[:SS]`` /
    ``DD/MM/YYYY HH:MM[:SS]`` read in the Ente's time zone; returned in UTC."""
    if missing(value):
        return None
    raw = str(value).strip()
    try:
        if "/" in raw[:10]:
            day_part, _sep, time_part = raw.partition(" ")
            day = a_date(day_part)
            clock = time.fromisoformat(time_part) if time_part else time(0, 0)
            moment = datetime.combine(day, clock)  # type: ignore[arg-type]
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, Invalid):
        raise Invalid(_("Not a valid date and time: use ISO 8601, e.g. 2026-03-01T10:15:00+01:00.")) from None
    if moment.tzinfo is None:
        if require_offset:
            raise Invalid(_("The time must carry its UTC offset, e.g. 2026-03-01T10:15:00+01:00."))
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def money(value: Any) -> Decimal | None:
    """``12.50``, ``12,50`` or ``1.234,50``; two decimals at most."""
    if missing(value):
        return None
    if isinstance(value, bool):
        raise Invalid(_("Not a valid amount."))
    raw = str(value).strip().replace("€", "").replace(" ", "")
    if "," in raw and "." in raw:
        raw = raw.replace(".", "").replace(",", ".") if raw.rfind(",") > raw.rfind(".") \
            else raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise Invalid(_("Not a valid amount.")) from None
    if not amount.is_finite() or amount != amount.quantize(CENT) or abs(amount) >= Decimal("1e12"):
        raise Invalid(_("Not a valid amount: use at most two decimals."))
    return amount.quantize(CENT)


def number(value: Any) -> Decimal | None:
    if missing(value) or isinstance(value, bool):
        if isinstance(value, bool):
            raise Invalid(_("A number is expected."))
        return None
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise Invalid(_("A number is expected.")) from None
    if not result.is_finite() or result < 0 or result > 1000:
        raise Invalid(_("A number is expected."))
    return result


def country(value: Any) -> str | None:
    if missing(value):
        return None
    code = str(value).strip().upper()
    if len(code) != 2 or not code.isalpha() or not code.isascii():
        raise Invalid(_("Not a country code: use ISO 3166-1 alpha-2, e.g. IT, DE, FR."))
    return code


def plate(value: Any) -> str | None:
    if missing(value):
        return None
    compact = re.sub(r"[\s\-.·]", "", str(value)).upper()
    if not _PLATE.match(compact):
        raise Invalid(_("Not a valid plate: letters and digits only."))
    return compact


def fiscal_code(value: Any) -> str | None:
    """An Italian codice fiscale (16 characters) or partita IVA (11 digits), checked with
    python-stdnum (check character / check digit included)."""
    if missing(value):
        return None
    compact = re.sub(r"\s", "", str(value)).upper()
    try:
        if len(compact) == 11 and compact.isdigit():
            return iva.validate(compact)
        return codicefiscale.validate(compact)
    except ValidationError:
        raise Invalid(_("Not a valid Italian fiscal code or VAT number.")) from None


def email(value: Any) -> str | None:
    result = text(value, 254)
    if result is None:
        return None
    if not _EMAIL.match(result):
        raise Invalid(_("Enter a valid e-mail address."))
    return result.lower()


def language(value: Any) -> str | None:
    if missing(value):
        return None
    code = str(value).strip().lower()[:2]
    if code not in LANGUAGES:
        raise Invalid(_("Unsupported language: use one of %(codes)s.", codes=", ".join(LANGUAGES)))
    return code


def choice(value: Any, allowed: dict[str, str]) -> str | None:
    """One of ``allowed`` (keys are accepted spellings, values the stored value)."""
    if missing(value):
        return None
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in allowed:
        values = sorted(set(allowed.values()))
        raise Invalid(_("Unknown value: use one of %(values)s.", values=", ".join(values)))
    return allowed[key]


def filename(value: Any) -> str | None:
    result = text(value, 200)
    if result is None:
        return None
    if "/" in result or "\\" in result or result in (".", "..") or result.startswith("."):
        raise Invalid(_("A plain file name is expected, without folders."))
    return result
