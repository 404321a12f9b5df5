"""Per-Ente engine settings: conversion from JSON-native overrides, and loading an Ente.

``Ente.rules`` is a JSON object of overrides keyed by the field names of
:class:`~core.fines.calendar.CalendarSettings`, :class:`~core.fines.amounts.FineRules` and
:class:`~core.fines.instalments.InstalmentRules`; fields not given keep the national default.
Value formats:

* Decimal fields — a string (``"0.30"``) or an int; floats are refused (no binary money).
* int / bool fields — JSON numbers / ``true``/``false``.
* ``timezone`` — a zone name (``"Europe/Rome"``); by default the ``Ente.timezone`` column.
* ``office_hours`` — ``{"mon": [["09:00", "13:00"], ["15:00", "19:00"]], ...}``; weekdays not
  given keep the default; ``[]`` closes a day.
* ``patron_saint`` — ``"MM-DD"`` (the ``Ente.patron_saint`` column wins when set).
* ``extra_closures`` — a list of ``"YYYY-MM-DD"``.
* ``speeding_increase`` — a fraction string ``"1/3"``; ``speeding_rounding`` — ``"cent"``,
  ``"euro"`` or ``"euro_down"``.
* ``max_instalments_tiers`` — ``[["2000.00", 12], ["5000.00", 24]]``.
* ``court_fee_tiers`` — ``[["1100.00", "43.00"], ["5200.00", "98.00"]]`` (court fee of a
  Giudice di Pace appeal, :class:`~core.fines.court_fee.CourtFeeRules`).

An unknown key, or a bad value, raises :class:`SettingsError` naming the key.

:func:`calendar_settings_from`, :func:`fine_rules_from` and :func:`instalment_rules_from` are
pure. :func:`load_ente_settings` reads the Ente from the database (imported lazily, so importing
:mod:`core.fines` never imports SQLAlchemy) and raises :class:`UnknownEnteError` for an
unknown code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.fines.amounts import NATIONAL_RULES, FineRules
from core.fines.calendar import NATIONAL_CALENDAR, WEEKDAY_KEYS, CalendarSettings
from core.fines.court_fee import COURT_FEE_RULES, CourtFeeRules
from core.fines.instalments import INSTALMENT_RULES, InstalmentRules

__all__ = [
    "EnteSettings",
    "SettingsError",
    "UnknownEnteError",
    "calendar_settings_from",
    "court_fee_rules_from",
    "fine_rules_from",
    "instalment_rules_from",
    "load_ente_settings",
    "settings_of",
]


class SettingsError(ValueError):
    """A bad engine setting (message names the key)."""


class UnknownEnteError(SettingsError, LookupError):
    """No Ente with the given code."""


@dataclass(frozen=True, slots=True)
class EnteSettings:
    """Engine settings of one Ente."""

    code: str
    calendar: CalendarSettings
    fines: FineRules
    instalments: InstalmentRules
    court_fee: CourtFeeRules = COURT_FEE_RULES  # contributo unificato (core.fines.court_fee)


# -- converters ----------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected a decimal string such as \"0.30\"")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not result.is_finite():
        raise ValueError("must be finite")
    return result


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected an integer")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _iso_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("expected a date \"YYYY-MM-DD\"")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date \"YYYY-MM-DD\": {value!r}") from None


def _hhmm(value: Any) -> time:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValueError(f"expected a time \"HH:MM\", got {value!r}")
    try:
        return time(int(value[:2]), int(value[3:]))
    except ValueError:
        raise ValueError(f"not a time \"HH:MM\": {value!r}") from None


def _month_day(value: Any) -> tuple[int, int]:
    if not isinstance(value, str) or len(value) != 5 or value[2] != "-":
        raise ValueError(f"expected \"MM-DD\", got {value!r}")
    try:
        month, day = int(value[:2]), int(value[3:])
        date(2024, month, day)
    except ValueError:
        raise ValueError(f"not a valid \"MM-DD\": {value!r}") from None
    return month, day


def _timezone(value: Any) -> ZoneInfo:
    if not isinstance(value, str):
        raise ValueError("expected a zone name such as \"Europe/Rome\"")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None


def _office_hours(value: Any) -> tuple[tuple[tuple[time, time], ...], ...]:
    if not isinstance(value, Mapping):
        raise ValueError('expected {"mon": [["09:00", "13:00"], ...], ...}')
    unknown = set(value) - set(WEEKDAY_KEYS)
    if unknown:
        raise ValueError(f"unknown weekday(s) {sorted(unknown)}; use {', '.join(WEEKDAY_KEYS)}")
    days = list(NATIONAL_CALENDAR.office_hours)
    for index, key in enumerate(WEEKDAY_KEYS):
        if key in value:
            ranges = value[key]
            if not isinstance(ranges, list | tuple) or not all(
                isinstance(r, list | tuple) and len(r) == 2 for r in ranges
            ):
                raise ValueError(f"{key}: expected a list of [\"HH:MM\", \"HH:MM\"] pairs")
            days[index] = tuple((_hhmm(a), _hhmm(b)) for a, b in ranges)
    return tuple(days)


def _closures(value: Any) -> frozenset[date]:
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list of \"YYYY-MM-DD\" dates")
    return frozenset(_iso_date(v) for v in value)


def _fraction(value: Any) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected a fraction string such as \"1/3\"")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"not a fraction: {value!r}") from None


def _choice(*choices: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return convert


def _tiers(value: Any) -> tuple[tuple[Decimal, int], ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(t, list | tuple) and len(t) == 2 for t in value
    ):
        raise ValueError('expected [["2000.00", 12], ["5000.00", 24]]')
    return tuple((_decimal(limit), _int(count)) for limit, count in value)


_CALENDAR_FIELDS: dict[str, Callable[[Any], Any]] = {
    "timezone": _timezone,
    "office_hours": _office_hours,
    "saturday_working": _bool,
    "saturday_rolls_forward": _bool,
    "patron_saint": _month_day,
    "patron_saint_is_legal_holiday": _bool,
    "extra_closures": _closures,
}
_FINE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "discount_rate": _decimal,
    "reduced_window_days": _int,
    "minimum_window_days": _int,
    "surcharge_enabled": _bool,
    "surcharge_rate_per_semester": _decimal,
    "surcharge_cap_fraction": _decimal,
    "surcharge_counts_started_semester": _bool,
    "surcharge_costs_in_base": _bool,
    "speeding_increase": _fraction,
    "speeding_rounding": _choice("cent", "euro", "euro_down"),
    "prefetto_minimum_multiplier": _decimal,
}
_INSTALMENT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "eligible_above": _decimal,
    "income_threshold": _decimal,
    "income_per_family_member": _decimal,
    "max_instalments_tiers": _tiers,
    "max_instalments_above": _int,
    "min_instalment": _decimal,
    "annual_interest_rate": _decimal,
    "decision_days": _int,
    "missed_grace_days": _int,
    "forfeit_later_missed": _int,
}


def _fee_tiers(value: Any) -> tuple[tuple[Decimal, Decimal], ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(t, list | tuple) and len(t) == 2 for t in value
    ):
        raise ValueError('expected [["1100.00", "43.00"], ["5200.00", "98.00"]]')
    return tuple((_decimal(limit), _decimal(fee)) for limit, fee in value)


_COURT_FEE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "court_fee_tiers": _fee_tiers,
    "court_fee_above": _decimal,
    "court_fee_surcharge_above": _decimal,
    "court_fee_surcharge": _decimal,
}
_ALL_KEYS = (frozenset(_CALENDAR_FIELDS) | frozenset(_FINE_FIELDS)
             | frozenset(_INSTALMENT_FIELDS) | frozenset(_COURT_FEE_FIELDS))


def _check_tables() -> None:
    """Every public settings field has exactly one converter (import-time self-check)."""
    for cls, table, extra in (
        (CalendarSettings, _CALENDAR_FIELDS, set()),
        (FineRules, _FINE_FIELDS, {"calendar"}),
        (InstalmentRules, _INSTALMENT_FIELDS, {"valid_from"}),
        (CourtFeeRules, _COURT_FEE_FIELDS, {"valid_from"}),
    ):
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        if names != set(table) | extra:
            raise RuntimeError(f"settings table out of date for {cls.__name__}")


_check_tables()


def _convert(rules: Mapping[str, Any] | None, table: dict[str, Callable[[Any], Any]]) -> dict:
    if rules is None:
        return {}
    if not isinstance(rules, Mapping):
        raise SettingsError("rules must be a JSON object")
    unknown = sorted(set(rules) - _ALL_KEYS)
    if unknown:
        raise SettingsError(f"unknown rule key(s): {', '.join(map(str, unknown))}")
    values = {}
    for key, convert in table.items():
        if key in rules:
            try:
                values[key] = convert(rules[key])
            except ValueError as error:
                raise SettingsError(f"rules.{key}: {error}") from None
    return values


def _build(values: dict, defaults: Any) -> Any:
    if not values:
        return defaults
    try:
        return dataclasses.replace(defaults, **values)
    except (ValueError, TypeError) as error:
        raise SettingsError(f"rules: {error}") from None


def calendar_settings_from(
    patron_saint: str | None,
    rules: Mapping[str, Any] | None,
    timezone: str | None = None,
) -> CalendarSettings:
    """:class:`CalendarSettings` from the Ente's patron saint (``"MM-DD"``) and rule overrides.

    ``timezone`` (the ``Ente.timezone`` column) applies unless ``rules`` sets one.
    """
    values = _convert(rules, _CALENDAR_FIELDS)
    if timezone is not None and "timezone" not in values:
        try:
            values["timezone"] = _timezone(timezone)
        except ValueError as error:
            raise SettingsError(f"timezone: {error}") from None
    if patron_saint is not None:
        try:
            values["patron_saint"] = _month_day(patron_saint)
        except ValueError as error:
            raise SettingsError(f"patron_saint: {error}") from None
    return _build(values, NATIONAL_CALENDAR)


def fine_rules_from(
    rules: Mapping[str, Any] | None, calendar: CalendarSettings | None = None
) -> FineRules:
    """:class:`FineRules` from rule overrides.

    ``calendar`` is the Ente's calendar for window roll-forward; when omitted it is built
    from the same ``rules`` (without a patron saint).
    """
    values = _convert(rules, _FINE_FIELDS)
    if calendar is None:
        calendar = calendar_settings_from(None, rules)
    if calendar is not NATIONAL_CALENDAR:
        values["calendar"] = calendar
    return _build(values, NATIONAL_RULES)


def instalment_rules_from(
    rules: Mapping[str, Any] | None, base: InstalmentRules = INSTALMENT_RULES
) -> InstalmentRules:
    """``base`` (the version in force) with the Ente's overrides applied."""
    return _build(_convert(rules, _INSTALMENT_FIELDS), base)


def court_fee_rules_from(
    rules: Mapping[str, Any] | None, base: CourtFeeRules = COURT_FEE_RULES
) -> CourtFeeRules:
    """``base`` (the court-fee version in force) with the Ente's overrides applied."""
    return _build(_convert(rules, _COURT_FEE_FIELDS), base)


def load_ente_settings(code: str) -> EnteSettings:
    """Engine settings of the Ente with ``code``, read from the database.

    Raises :class:`UnknownEnteError` when no Ente has that code and :class:`SettingsError`
    when its stored rules are invalid. Needs an application context (the DB session).
    """
    from sqlalchemy import select  # lazy: the pure engine never imports the database

    from core.db import session
    from core.models import Ente

    ente = session.scalars(select(Ente).where(Ente.code == code)).one_or_none()
    if ente is None:
        raise UnknownEnteError(f"unknown Ente code {code!r}")
    return settings_of(ente)


def settings_of(ente: Any) -> EnteSettings:
    """Engine settings of an Ente-like object (``code``, ``patron_saint``, ``rules``,
    ``timezone`` attributes). Pure: no database access."""
    rules = ente.rules or {}
    calendar = calendar_settings_from(ente.patron_saint, rules, getattr(ente, "timezone", None))
    return EnteSettings(
        code=ente.code,
        calendar=calendar,
        fines=fine_rules_from(rules, calendar),
        instalments=instalment_rules_from(rules),
        court_fee=court_fee_rules_from(rules),
    )
