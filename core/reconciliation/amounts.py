"""Amounts and dates as the reporting formats write them, parsed into exact values.

* XML and JSON flows and camt.053 write decimal euros with a dot (``1234.56``):
  :func:`dot_amount`.
* Bank CSV exports write either the Italian format (``1.234,56``: dot for thousands, comma
  for decimals) or the international one (``1,234.56``). :class:`DecimalFormat` says which;
  :class:`AmountReader` in ``auto`` mode takes the format from the first amount that shows it
  and then refuses any amount written the other way, so ``1.234`` can never be read as
  1234 in one line and 1.234 in another. Whatever the format, at most two decimals.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
ROME = ZoneInfo("Europe/Rome")
MAX_AMOUNT = Decimal("999999999999.99")  # NUMERIC(14, 2)

_DOT = re.compile(r"[+-]?\d{1,12}(?:\.\d{1,2})?")
_IT = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d{1,12})(?:,\d{1,2})?")
_INTL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,12})(?:\.\d{1,2})?")
_THOUSANDS_ONLY = re.compile(r"[+-]?\d{1,3}[.,]\d{3}")
_DATE_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


class DecimalFormat(StrEnum):
    AUTO = "auto"
    IT = "it"  # 1.234,56
    INTL = "intl"  # 1,234.56


def dot_amount(text: str | None) -> Decimal | None:
    """``"42.5"`` → ``Decimal("42.50")``; ``None`` when ``text`` is not a decimal with a dot
    and at most two decimals (commas, exponents, three decimals … are refused)."""
    if text is None:
        return None
    text = text.strip()
    if not _DOT.fullmatch(text):
        return None
    return Decimal(text).quantize(CENT)


def json_amount(value: object) -> Decimal | None:
    """A JSON number read with ``parse_float=Decimal`` (or an int): exact, two decimals at
    most. Booleans, strings and floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:  # pragma: no cover - int and Decimal always convert
        return None
    if not amount.is_finite() or amount != amount.quantize(CENT) or abs(amount) > MAX_AMOUNT:
        return None
    return amount.quantize(CENT)


class AmountReader:
    """Reads bank-CSV amounts in one :class:`DecimalFormat` (``auto``: settled by the first
    amount that shows its format)."""

    def __init__(self, fmt: DecimalFormat | str = DecimalFormat.AUTO):
        self.format = DecimalFormat(fmt)
        self.settled_by: int | None = None  # line that settled the format in auto mode

    def read(self, text: str, line: int) -> Decimal:
        """The amount, or :class:`ValueError` with a short reason key: ``"format"`` (not an
        amount with at most two decimals in the expected format), ``"mixed"`` (written in
        the other format than the file's) or ``"ambiguous"`` (``12,345`` before the file's
        format is known)."""
        raw = text.strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
        raw = raw.removeprefix("€").removesuffix("€").removesuffix("EUR")
        it_ok = bool(_IT.fullmatch(raw))
        intl_ok = bool(_INTL.fullmatch(raw))
        fmt = self.format
        if fmt == DecimalFormat.AUTO:
            if it_ok and intl_ok:  # digits only: the same value in both formats
                return Decimal(raw).quantize(CENT)
            if not (it_ok or intl_ok):
                raise ValueError("format")
            if _THOUSANDS_ONLY.fullmatch(raw):  # "12,345": 12345, or 12.345 with 3 decimals?
                raise ValueError("ambiguous")
            fmt = DecimalFormat.IT if it_ok else DecimalFormat.INTL
            self.format, self.settled_by = fmt, line
        elif (fmt == DecimalFormat.IT and not it_ok) or (fmt == DecimalFormat.INTL and not intl_ok):
            raise ValueError("mixed" if self.settled_by is not None and (it_ok or intl_ok)
                             else "format")
        if fmt == DecimalFormat.IT:
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
        amount = Decimal(raw).quantize(CENT)
        if abs(amount) > MAX_AMOUNT:
            raise ValueError("format")
        return amount


def iso_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` (a time part after it is ignored)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def any_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` or the Italian ``DD/MM/YYYY`` (also with ``-`` or ``.``)."""
    if not text:
        return None
    text = text.strip()
    found = iso_date(text)
    if found is not None:
        return found
    match = _DATE_DMY.fullmatch(text[:10])
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def iso_datetime(text: str | None) -> datetime | None:
    """An ISO 8601 date-time; without an offset it is Italian local time (as pagoPA writes
    it). Returned in UTC."""
    if not text:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ROME)
    return moment.astimezone(UTC)


def noon(day: date) -> datetime:
    """A payment reported only by its date: midday in Rome (never another calendar day)."""
    return datetime.combine(day, time(12), tzinfo=ROME)
