"""Office calendar, legal deadline roll-forward and working-time clocks.

Pure functions over plain values: no Flask, no database. Every function takes the Ente's
:class:`CalendarSettings` as its last argument (``settings``), defaulting to
:data:`NATIONAL_CALENDAR` (Europe/Rome, Monday–Friday 09:00–13:00 and 15:00–19:00).

Days
----
* A **working day** is Monday–Friday (plus Saturday when ``saturday_working``) that is not an
  Italian national holiday (the ``holidays`` package, cached per year; 4 October counts from
  2026, law 151/2025), not the Ente's patron saint and not one of its ``extra_closures``.
* :func:`is_working_day`, :func:`next_working_day` (strictly after the given day).
* :func:`add_months` — calendar-month arithmetic (end-of-month clamp, art. 2963 c.c.).

Legal deadlines (fines-law §1)
------------------------------
:func:`roll_forward` moves a legal deadline that falls on a Sunday or a national holiday to
the next day that is neither. Saturday does not move unless ``saturday_rolls_forward`` [C].
The patron saint is an office closure, not a legal holiday: it moves deadlines only when
``patron_saint_is_legal_holiday`` is set (default no). ``extra_closures`` never move legal
deadlines. :func:`is_deadline_day` says whether a deadline may fall on a day.

Office hours and clocks
-----------------------
Time arithmetic is done on the local wall-clock office intervals of each day, converted to
UTC with :mod:`zoneinfo`, so a clock running across a daylight-saving change counts real
elapsed office time; results are returned in the settings' timezone. Every instant must be
timezone-aware (a naive datetime raises ``ValueError``).

``pauses`` is an iterable of ``(start, end)`` aware datetimes during which the clock is stopped
(e.g. waiting for the citizen); overlapping pauses are merged; an empty pause is ignored.

* :func:`is_open`, :func:`next_opening` (the instant itself when open), :func:`office_intervals`.
* :func:`working_time_between` — office time in ``[a, b)`` minus pauses (negative if ``b < a``).
* :func:`add_working_time` / :func:`add_working_hours` — the earliest instant at which the
  office time elapsed since ``start`` (outside pauses) reaches the duration; a start outside
  office hours starts counting at the next opening; a zero duration returns ``start``.
* :func:`add_working_days` — due at the close of office hours of the Nth working day after the
  day of receipt. A receipt on a non-working day, or at/after that day's close, counts as
  received on the next working day. **Pauses:** a working day on which any part of the office
  hours is paused does not count, so each (wholly or partly) paused working day pushes the due
  time one working day later.
* :func:`add_calendar_days` — due at the close of office hours of the Nth calendar day after the
  local date of receipt, or of the next working day when that day is not a working day.
  **Pauses:** a calendar day on which the clock is paused at any moment does not count.

Both day clocks only ever skip more days for a later start, so a later start never gives an
earlier due time (property-tested).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "CalendarSettings",
    "DEFAULT_OFFICE_HOURS",
    "NATIONAL_CALENDAR",
    "ROME",
    "WEEKDAY_KEYS",
    "add_calendar_days",
    "add_months",
    "add_working_days",
    "add_working_hours",
    "add_working_time",
    "is_deadline_day",
    "is_open",
    "is_working_day",
    "national_holidays",
    "next_opening",
    "next_working_day",
    "office_intervals",
    "roll_forward",
    "working_time_between",
]

ROME = ZoneInfo("Europe/Rome")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SATURDAY, _SUNDAY = 5, 6
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# Give up when no office time at all is found within this many days (misconfigured calendar).
_SEARCH_LIMIT_DAYS = 3700

_SPLIT_DAY = ((time(9), time(13)), (time(15), time(19)))
#: Monday–Friday 09:00–13:00 and 15:00–19:00; Saturday and Sunday closed.
DEFAULT_OFFICE_HOURS: tuple[tuple[tuple[time, time], ...], ...] = (
    (_SPLIT_DAY,) * 5 + ((), ())
)

Pause = tuple[datetime, datetime]


@lru_cache(maxsize=256)
def national_holidays(year: int) -> frozenset[date]:
    """Italian national holidays of ``year`` (cached per year)."""
    days = set(holidays.country_holidays("IT", years=year))
    if year >= 2026:
        # San Francesco d'Assisi, national holiday from 2026 (law 151 of 8 Oct 2025).
        # holidays >= 0.83 already has it; older releases allowed by pyproject do not.
        days.add(date(year, 10, 4))
    return frozenset(days)


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    """Per-Ente calendar settings (immutable; hashable).

    Fields (defaults are the national ones):

    * ``timezone`` — ``ZoneInfo`` (a zone name is accepted and converted), default Europe/Rome.
    * ``office_hours`` — 7 tuples (Monday … Sunday) of ``(start, end)`` ``time`` ranges, sorted
      and non-overlapping, ``start < end``. Default Mon–Fri 09:00–13:00, 15:00–19:00.
      A working weekday needs at least one range; a non-working weekday must have none.
    * ``saturday_working`` — Saturday is a working day (default ``False``).
    * ``saturday_rolls_forward`` — a legal deadline on Saturday moves on (default ``False``,
      fines-law §1 [C]).
    * ``patron_saint`` — ``(month, day)`` or ``None``: an office closure.
    * ``patron_saint_is_legal_holiday`` — the patron saint also moves legal deadlines
      (default ``False``).
    * ``extra_closures`` — further office-closure dates (never legal holidays).
    """

    timezone: ZoneInfo = ROME
    office_hours: tuple[tuple[tuple[time, time], ...], ...] = DEFAULT_OFFICE_HOURS
    saturday_working: bool = False
    saturday_rolls_forward: bool = False
    patron_saint: tuple[int, int] | None = None
    patron_saint_is_legal_holiday: bool = False
    extra_closures: frozenset[date] = frozenset()
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if isinstance(self.timezone, str):
            try:
                object.__setattr__(self, "timezone", ZoneInfo(self.timezone))
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if not isinstance(self.timezone, ZoneInfo):
            raise ValueError("timezone must be a zoneinfo.ZoneInfo or a zone name")
        hours = tuple(tuple((r[0], r[1]) for r in day) for day in self.office_hours)
        if len(hours) != 7:
            raise ValueError("office_hours needs 7 entries, Monday to Sunday")
        object.__setattr__(self, "office_hours", hours)
        for weekday, ranges in enumerate(hours):
            previous_end = None
            for start, end in ranges:
                if not (isinstance(start, time) and isinstance(end, time)):
                    raise ValueError(f"office_hours[{WEEKDAY_KEYS[weekday]}]: times expected")
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError("office_hours: times are local wall-clock, without tzinfo")
                if not start < end:
                    raise ValueError(f"office_hours[{WEEKDAY_KEYS[weekday]}]: start >= end")
                if previous_end is not None and start < previous_end:
                    raise ValueError(
                        f"office_hours[{WEEKDAY_KEYS[weekday]}]: ranges unsorted or overlapping"
                    )
                previous_end = end
            working = weekday < _SATURDAY or (weekday == _SATURDAY and self.saturday_working)
            if working and not ranges:
                raise ValueError(f"office_hours[{WEEKDAY_KEYS[weekday]}]: a working day "
                                 "needs office hours")
            if not working and ranges:
                raise ValueError(f"office_hours[{WEEKDAY_KEYS[weekday]}]: office hours on a "
                                 "non-working weekday (set saturday_working for Saturday)")
        if self.patron_saint is not None:
            month, day = self.patron_saint
            date(2024, month, day)  # validates, leap year so 29 Feb is accepted
            object.__setattr__(self, "patron_saint", (month, day))
        object.__setattr__(self, "extra_closures", frozenset(self.extra_closures))

    # -- cached day classification (private: use the module functions) -----------------

    def _closed_days(self, year: int) -> frozenset[date]:
        """Non-working dates of ``year`` that are not weekends (holidays and closures)."""
        key = ("closed", year)
        cached = self._memo.get(key)
        if cached is None:
            days = set(national_holidays(year))
            patron = self._patron_date(year)
            if patron is not None:
                days.add(patron)
            days.update(d for d in self.extra_closures if d.year == year)
            cached = self._memo[key] = frozenset(days)
        return cached

    def _legal_holidays(self, year: int) -> frozenset[date]:
        key = ("legal", year)
        cached = self._memo.get(key)
        if cached is None:
            days = set(national_holidays(year))
            patron = self._patron_date(year)
            if patron is not None and self.patron_saint_is_legal_holiday:
                days.add(patron)
            cached = self._memo[key] = frozenset(days)
        return cached

    def _patron_date(self, year: int) -> date | None:
        if self.patron_saint is None:
            return None
        month, day = self.patron_saint
        if (month, day) == (2, 29) and not _is_leap(year):
            return None
        return date(year, month, day)

    def _is_working(self, d: date) -> bool:
        weekday = d.weekday()
        if weekday == _SUNDAY or (weekday == _SATURDAY and not self.saturday_working):
            return False
        return d not in self._closed_days(d.year)

    def _utc_intervals(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        """Office intervals of local day ``d`` as UTC datetimes (empty if not working)."""
        key = ("iv", d)
        cached = self._memo.get(key)
        if cached is None:
            if not self._is_working(d):
                cached = ()
            else:
                tz = self.timezone
                cached = tuple(
                    (
                        datetime.combine(d, start, tzinfo=tz).astimezone(UTC),
                        datetime.combine(d, end, tzinfo=tz).astimezone(UTC),
                    )
                    for start, end in self.office_hours[d.weekday()]
                )
            if len(self._memo) > 50_000:  # bound the memo for long-running processes
                self._memo.clear()
            self._memo[key] = cached
        return cached

    def _day_bounds_utc(self, d: date) -> tuple[datetime, datetime]:
        tz = self.timezone
        return (
            datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC),
            datetime.combine(d + _ONE_DAY, time(0), tzinfo=tz).astimezone(UTC),
        )


#: National defaults: Europe/Rome, Mon–Fri split office day, no patron saint.
NATIONAL_CALENDAR = CalendarSettings()


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months (art. 2963 c.c.).

    The same day of the month; when the target month has no such day, its last day
    (31 Aug + 6 months = 28/29 Feb; 29 Feb + 12 months = 28 Feb).
    """
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = 29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month - 1]
    return date(year, month, min(d.day, last))


# -- days ----------------------------------------------------------------------------------


def is_working_day(d: date, settings: CalendarSettings = NATIONAL_CALENDAR) -> bool:
    """True when ``d`` is a working day of the Ente (see module docstring)."""
    return settings._is_working(d)


def next_working_day(d: date, settings: CalendarSettings = NATIONAL_CALENDAR) -> date:
    """The first working day strictly after ``d``."""
    for _ in range(_SEARCH_LIMIT_DAYS):
        d += _ONE_DAY
        if settings._is_working(d):
            return d
    raise ValueError("no working day found: check the calendar settings")


def is_deadline_day(d: date, settings: CalendarSettings = NATIONAL_CALENDAR) -> bool:
    """True when a legal deadline falling on ``d`` stays on ``d`` (no roll-forward)."""
    weekday = d.weekday()
    if weekday == _SUNDAY or (weekday == _SATURDAY and settings.saturday_rolls_forward):
        return False
    return d not in settings._legal_holidays(d.year)


def roll_forward(d: date, settings: CalendarSettings = NATIONAL_CALENDAR) -> date:
    """The legal deadline ``d`` moved forward past Sundays and national holidays.

    Saturday moves only with ``saturday_rolls_forward``; the patron saint only with
    ``patron_saint_is_legal_holiday``. A day that needs no move is returned unchanged.
    """
    while not is_deadline_day(d, settings):
        d += _ONE_DAY
    return d


# -- office hours --------------------------------------------------------------------------


def _utc(instant: datetime, name: str = "instant") -> datetime:
    if not isinstance(instant, datetime):
        raise TypeError(f"{name} must be a datetime")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return instant.astimezone(UTC)


def _local_date(instant_utc: datetime, settings: CalendarSettings) -> date:
    return instant_utc.astimezone(settings.timezone).date()


def office_intervals(
    d: date, settings: CalendarSettings = NATIONAL_CALENDAR
) -> tuple[tuple[datetime, datetime], ...]:
    """The office intervals ``[start, end)`` of local day ``d`` as aware local datetimes.

    Empty on a non-working day.
    """
    tz = settings.timezone
    return tuple((s.astimezone(tz), e.astimezone(tz)) for s, e in settings._utc_intervals(d))


def is_open(instant: datetime, settings: CalendarSettings = NATIONAL_CALENDAR) -> bool:
    """True when the office is open at ``instant`` (intervals are half-open ``[start, end)``)."""
    t = _utc(instant)
    return any(s <= t < e for s, e in settings._utc_intervals(_local_date(t, settings)))


def next_opening(instant: datetime, settings: CalendarSettings = NATIONAL_CALENDAR) -> datetime:
    """The first instant at or after ``instant`` when the office is open, in local time.

    Returns ``instant`` itself (converted to the local timezone) when the office is open.
    """
    t = _utc(instant)
    d = _local_date(t, settings)
    for _ in range(_SEARCH_LIMIT_DAYS):
        for s, e in settings._utc_intervals(d):
            if t < e:
                return max(s, t).astimezone(settings.timezone)
        d += _ONE_DAY
    raise ValueError("no office hours found: check the calendar settings")


def _close_of(d: date, settings: CalendarSettings) -> datetime:
    return settings._utc_intervals(d)[-1][1].astimezone(settings.timezone)


# -- pauses --------------------------------------------------------------------------------


def _normalize_pauses(pauses: Iterable[Pause]) -> tuple[tuple[datetime, datetime], ...]:
    """Pauses in UTC, sorted, merged, empty ones dropped."""
    spans = []
    for pause in pauses:
        start, end = pause
        s, e = _utc(start, "pause start"), _utc(end, "pause end")
        if e < s:
            raise ValueError("a pause ends before it starts")
        if e > s:
            spans.append((s, e))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return tuple(merged)


def _minus_pauses(
    s: datetime, e: datetime, pauses: tuple[tuple[datetime, datetime], ...]
) -> list[tuple[datetime, datetime]]:
    """``[s, e)`` minus the (merged, sorted) pauses."""
    if not pauses:
        return [(s, e)]
    pieces = []
    cursor = s
    for ps, pe in pauses:
        if pe <= cursor:
            continue
        if ps >= e:
            break
        if ps > cursor:
            pieces.append((cursor, ps))
        cursor = max(cursor, pe)
        if cursor >= e:
            break
    if cursor < e:
        pieces.append((cursor, e))
    return pieces


def _overlaps(s: datetime, e: datetime, pauses: tuple[tuple[datetime, datetime], ...]) -> bool:
    return any(ps < e and pe > s for ps, pe in pauses)


def _search_end(start: date, pauses: tuple[tuple[datetime, datetime], ...]) -> date:
    last = start
    if pauses:
        last = max(last, pauses[-1][1].date() + _ONE_DAY)
    return last + timedelta(days=_SEARCH_LIMIT_DAYS)


# -- clocks --------------------------------------------------------------------------------


def working_time_between(
    a: datetime,
    b: datetime,
    pauses: Iterable[Pause] = (),
    settings: CalendarSettings = NATIONAL_CALENDAR,
) -> timedelta:
    """Office time in ``[a, b)`` outside pauses (negative when ``b`` is before ``a``)."""
    ta, tb = _utc(a, "a"), _utc(b, "b")
    if tb < ta:
        return -working_time_between(b, a, pauses, settings)
    ps = _normalize_pauses(pauses)
    total = _ZERO
    d, last = _local_date(ta, settings), _local_date(tb, settings)
    while d <= last:
        for s, e in settings._utc_intervals(d):
            s, e = max(s, ta), min(e, tb)
            if s < e:
                for ps_, pe_ in _minus_pauses(s, e, ps):
                    total += pe_ - ps_
        d += _ONE_DAY
    return total


def add_working_time(
    start: datetime,
    duration: timedelta,
    pauses: Iterable[Pause] = (),
    settings: CalendarSettings = NATIONAL_CALENDAR,
) -> datetime:
    """The instant when ``duration`` of office time (outside pauses) has elapsed from ``start``.

    Counting starts at ``start`` if the office is open, else at the next opening. The result
    is the earliest such instant (a duration ending exactly at a closing time gives that
    closing time), in the settings' timezone. ``duration`` must not be negative.
    """
    t = _utc(start, "start")
    if not isinstance(duration, timedelta):
        raise TypeError("duration must be a timedelta")
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    tz = settings.timezone
    if duration == _ZERO:
        return t.astimezone(tz)
    ps = _normalize_pauses(pauses)
    remaining = duration
    d = _local_date(t, settings)
    end = _search_end(d, ps)
    while d <= end:
        for s, e in settings._utc_intervals(d):
            if e <= t:
                continue
            for a, b in _minus_pauses(max(s, t), e, ps):
                span = b - a
                if remaining <= span:
                    return (a + remaining).astimezone(tz)
                remaining -= span
        d += _ONE_DAY
    raise ValueError("no office hours found: check the calendar settings")


def add_working_hours(
    start: datetime,
    hours: int | Decimal | float,
    pauses: Iterable[Pause] = (),
    settings: CalendarSettings = NATIONAL_CALENDAR,
) -> datetime:
    """:func:`add_working_time` with a number of hours (int, Decimal or float; exact to 1 µs)."""
    if isinstance(hours, bool) or not isinstance(hours, int | Decimal | float):
        raise TypeError("hours must be an int, a Decimal or a float")
    value = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
    if not value.is_finite() or value < 0:
        raise ValueError("hours must be a finite, non-negative number")
    microseconds = int((value * 3_600_000_000).to_integral_value())
    return add_working_time(start, timedelta(microseconds=microseconds), pauses, settings)


def _check_days(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be an int")
    if n < 0:
        raise ValueError("n must not be negative")


def add_working_days(
    start: datetime,
    n: int,
    pauses: Iterable[Pause] = (),
    settings: CalendarSettings = NATIONAL_CALENDAR,
) -> datetime:
    """Close of office hours on the Nth working day after the day of receipt.

    A receipt on a non-working day or at/after the close counts as received on the next
    working day. A working day with any paused office time is not counted.
    ``n == 0`` gives the close of the (effective) day of receipt.
    """
    t = _utc(start, "start")
    _check_days(n)
    ps = _normalize_pauses(pauses)
    d = _local_date(t, settings)
    intervals = settings._utc_intervals(d)
    if not intervals or t >= intervals[-1][1]:
        d = next_working_day(d, settings)
    counted = 0
    end = _search_end(d, ps)
    while counted < n:
        d = next_working_day(d, settings)
        if d > end:
            raise ValueError("pauses never end: no countable working day found")
        if ps and any(_overlaps(s, e, ps) for s, e in settings._utc_intervals(d)):
            continue
        counted += 1
    return _close_of(d, settings)


def add_calendar_days(
    start: datetime,
    n: int,
    pauses: Iterable[Pause] = (),
    settings: CalendarSettings = NATIONAL_CALENDAR,
) -> datetime:
    """Close of office hours of the Nth calendar day after the local date of ``start``.

    When that day is not a working day, the close of the next working day. A calendar day on
    which the clock is paused at any moment is not counted.
    """
    t = _utc(start, "start")
    _check_days(n)
    ps = _normalize_pauses(pauses)
    d = _local_date(t, settings)
    if ps:
        counted = 0
        end = _search_end(d, ps)
        while counted < n:
            d += _ONE_DAY
            if d > end:
                raise ValueError("pauses never end: no countable day found")
            if not _overlaps(*settings._day_bounds_utc(d), ps):
                counted += 1
    else:
        d += timedelta(days=n)
    if not settings._is_working(d):
        d = next_working_day(d, settings)
    return _close_of(d, settings)
