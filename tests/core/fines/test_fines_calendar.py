"""Calendar: holidays, roll-forward, office hours, working-time clocks, DST and pauses."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.fines.calendar import (
    NATIONAL_CALENDAR,
    CalendarSettings,
    add_calendar_days,
    add_months,
    add_working_days,
    add_working_hours,
    add_working_time,
    is_deadline_day,
    is_open,
    is_working_day,
    national_holidays,
    next_opening,
    next_working_day,
    office_intervals,
    roll_forward,
    working_time_between,
)

ROME = ZoneInfo("Europe/Rome")
RHO = CalendarSettings(patron_saint=(6, 19))  # Santi Gervasio e Protasio


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- holidays and working days -----------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1),
        date(2025, 1, 6),
        date(2025, 4, 21),  # Easter Monday 2025
        date(2026, 4, 6),  # Easter Monday 2026
        date(2025, 4, 25),
        date(2025, 5, 1),
        date(2025, 6, 2),
        date(2025, 8, 15),  # Ferragosto
        date(2025, 11, 1),
        date(2025, 12, 8),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 10, 4),  # San Francesco, national holiday from 2026
        date(2027, 10, 4),
    ],
)
def test_national_holidays(day):
    assert day in national_holidays(day.year)
    assert not is_working_day(day)
    assert not is_deadline_day(day)


def test_4_october_is_not_a_holiday_before_2026():
    assert date(2025, 10, 4) not in national_holidays(2025)
    assert date(2024, 10, 4) not in national_holidays(2024)
    # 4 October 2024 was a Friday, an ordinary working day
    assert is_working_day(date(2024, 10, 4))


def test_4_october_2027_a_monday_is_closed():
    assert date(2027, 10, 4).weekday() == 0
    assert next_working_day(date(2027, 10, 1)) == date(2027, 10, 5)


def test_national_holidays_are_cached_per_year():
    assert national_holidays(2026) is national_holidays(2026)


def test_weekends_and_ordinary_days():
    assert is_working_day(date(2025, 3, 5))  # Wednesday
    assert not is_working_day(date(2025, 3, 8))  # Saturday
    assert not is_working_day(date(2025, 3, 9))  # Sunday


def test_saturday_working_setting():
    hours = list(NATIONAL_CALENDAR.office_hours)
    hours[5] = ((time(9), time(12)),)
    cal = CalendarSettings(office_hours=tuple(hours), saturday_working=True)
    assert is_working_day(date(2025, 3, 8), cal)
    assert not is_working_day(date(2025, 3, 9), cal)
    assert is_open(at("2025-03-08T10:00:00+01:00"), cal)
    assert not is_open(at("2025-03-08T12:00:00+01:00"), cal)


def test_patron_saint_is_an_office_closure():
    d = date(2026, 6, 19)  # Friday
    assert is_working_day(d)
    assert not is_working_day(d, RHO)
    assert next_working_day(date(2026, 6, 18), RHO) == date(2026, 6, 22)
    assert not is_open(at("2026-06-19T10:00:00+02:00"), RHO)
    assert next_opening(at("2026-06-18T20:00:00+02:00"), RHO) == at("2026-06-22T09:00:00+02:00")


def test_extra_closures():
    cal = CalendarSettings(extra_closures=frozenset({date(2025, 3, 5)}))
    assert not is_working_day(date(2025, 3, 5), cal)
    assert is_deadline_day(date(2025, 3, 5), cal)  # never a legal holiday


def test_next_working_day_is_strictly_after():
    assert next_working_day(date(2025, 3, 5)) == date(2025, 3, 6)
    assert next_working_day(date(2025, 3, 7)) == date(2025, 3, 10)
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_working_day(date(2025, 4, 18)) == date(2025, 4, 22)  # Easter weekend


# -- legal roll-forward ------------------------------------------------------------------


def test_roll_forward_national_default():
    assert roll_forward(date(2025, 3, 8)) == date(2025, 3, 8)  # Saturday stays
    assert roll_forward(date(2025, 3, 9)) == date(2025, 3, 10)  # Sunday moves
    assert roll_forward(date(2025, 4, 20)) == date(2025, 4, 22)  # Easter Sunday + Monday
    # Christmas (Fri) → Santo Stefano is a Saturday but a holiday → Sunday → Monday 28
    assert roll_forward(date(2026, 12, 25)) == date(2026, 12, 28)
    assert roll_forward(date(2026, 12, 26)) == date(2026, 12, 28)
    assert roll_forward(date(2025, 8, 15)) == date(2025, 8, 16)  # Ferragosto → Saturday
    assert roll_forward(date(2025, 3, 5)) == date(2025, 3, 5)


def test_roll_forward_saturday_setting():
    cal = CalendarSettings(saturday_rolls_forward=True)
    assert roll_forward(date(2025, 3, 8), cal) == date(2025, 3, 10)
    assert roll_forward(date(2025, 8, 15), cal) == date(2025, 8, 18)


def test_patron_saint_moves_deadlines_only_when_configured():
    assert roll_forward(date(2026, 6, 19), RHO) == date(2026, 6, 19)
    legal = CalendarSettings(patron_saint=(6, 19), patron_saint_is_legal_holiday=True)
    assert roll_forward(date(2026, 6, 19), legal) == date(2026, 6, 20)


def test_add_months_clamps_to_month_end():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 10), 60) == date(2030, 1, 10)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


# -- office hours ------------------------------------------------------------------------


def test_split_office_day():
    assert is_open(at("2025-03-05T09:00:00+01:00"))
    assert is_open(at("2025-03-05T12:59:59+01:00"))
    assert not is_open(at("2025-03-05T13:00:00+01:00"))  # lunch break
    assert not is_open(at("2025-03-05T14:59:00+01:00"))
    assert is_open(at("2025-03-05T15:00:00+01:00"))
    assert not is_open(at("2025-03-05T19:00:00+01:00"))


def test_is_open_converts_from_any_offset():
    assert is_open(at("2025-03-05T08:30:00+00:00"))  # 09:30 in Rome
    assert not is_open(at("2025-03-05T07:30:00+00:00"))


def test_next_opening():
    assert next_opening(at("2025-03-05T10:00:00+01:00")) == at("2025-03-05T10:00:00+01:00")
    assert next_opening(at("2025-03-05T13:30:00+01:00")) == at("2025-03-05T15:00:00+01:00")
    assert next_opening(at("2025-03-07T19:00:00+01:00")) == at("2025-03-10T09:00:00+01:00")
    assert next_opening(at("2026-12-24T19:30:00+01:00")) == at("2026-12-28T09:00:00+01:00")
    assert next_opening(at("2025-04-18T20:00:00+02:00")) == at("2025-04-22T09:00:00+02:00")
    assert next_opening(at("2025-03-05T10:00:00+01:00")).tzinfo == ROME


def test_office_intervals():
    assert office_intervals(date(2025, 3, 8)) == ()
    assert office_intervals(date(2025, 3, 5)) == (
        (at("2025-03-05T09:00:00+01:00"), at("2025-03-05T13:00:00+01:00")),
        (at("2025-03-05T15:00:00+01:00"), at("2025-03-05T19:00:00+01:00")),
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(datetime(2025, 3, 5, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_hours(datetime(2025, 3, 5, 10), 1)


# -- working hours -----------------------------------------------------------------------


def test_add_working_hours_christmas():
    due = add_working_hours(at("2026-12-24T17:00:00+01:00"), 8)
    assert due == at("2026-12-28T17:00:00+01:00")
    assert due.isoformat() == "2026-12-28T17:00:00+01:00"


def test_add_working_hours_basics():
    assert add_working_hours(at("2025-03-05T10:00:00+01:00"), 2) == at("2025-03-05T12:00:00+01:00")
    # ending exactly at closing time gives the closing time, not the next opening
    assert add_working_hours(at("2025-03-05T09:00:00+01:00"), 4) == at("2025-03-05T13:00:00+01:00")
    assert add_working_hours(at("2025-03-05T12:00:00+01:00"), 2) == at("2025-03-05T16:00:00+01:00")
    # outside hours: counting starts at the next opening
    assert add_working_hours(at("2025-03-08T11:00:00+01:00"), 1) == at("2025-03-10T10:00:00+01:00")
    assert add_working_hours(at("2025-03-05T13:30:00+01:00"), Decimal("1.5")) == at(
        "2025-03-05T16:30:00+01:00"
    )
    assert add_working_hours(at("2025-03-05T10:00:00+01:00"), 0.25) == at(
        "2025-03-05T10:15:00+01:00"
    )
    # zero returns the start itself
    assert add_working_hours(at("2025-03-08T11:00:00+01:00"), 0) == at("2025-03-08T11:00:00+01:00")


def test_add_working_hours_easter_and_ferragosto():
    # Thu 17 Apr 2025 18:00 + 4h: 1h Thu, Fri 18 09–12 → Fri 12:00 (Good Friday is a workday)
    assert add_working_hours(at("2025-04-17T18:00:00+02:00"), 4) == at("2025-04-18T12:00:00+02:00")
    # Fri 18 Apr 18:00 + 2h: 1h Fri, Mon 21 is Easter Monday → Tue 22 10:00
    assert add_working_hours(at("2025-04-18T18:00:00+02:00"), 2) == at("2025-04-22T10:00:00+02:00")
    # Thu 14 Aug 2025 18:00 + 2h: Ferragosto Friday → Mon 18 Aug 10:00
    assert add_working_hours(at("2025-08-14T18:00:00+02:00"), 2) == at("2025-08-18T10:00:00+02:00")
    # Fri 2 Oct 2026 18:00 + 2h → Mon 5 Oct 10:00 (4 Oct is a Sunday in 2026)
    assert add_working_hours(at("2026-10-02T18:00:00+02:00"), 2) == at("2026-10-05T10:00:00+02:00")
    # Fri 1 Oct 2027 18:00 + 2h: 4 Oct 2027 is a Monday holiday → Tue 5 Oct 10:00
    assert add_working_hours(at("2027-10-01T18:00:00+02:00"), 2) == at("2027-10-05T10:00:00+02:00")


def test_add_working_hours_across_spring_dst_change():
    # Last Sunday of March 2026 is the 29th: clocks go 02:00 → 03:00.
    due = add_working_hours(at("2026-03-27T17:00:00+01:00"), 4)
    assert due.isoformat() == "2026-03-30T11:00:00+02:00"
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 9, tzinfo=UTC)
    # same instant given in UTC
    assert add_working_hours(at("2026-03-27T16:00:00Z"), 4) == due


def test_add_working_hours_across_autumn_dst_change():
    # Last Sunday of October 2026 is the 25th: clocks go 03:00 → 02:00.
    due = add_working_hours(at("2026-10-23T17:00:00+02:00"), 4)
    assert due.isoformat() == "2026-10-26T11:00:00+01:00"
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 10, tzinfo=UTC)


def test_working_time_between_across_dst_weekends():
    assert working_time_between(
        at("2026-03-27T09:00:00+01:00"), at("2026-03-30T19:00:00+02:00")
    ) == timedelta(hours=16)
    assert working_time_between(
        at("2026-10-23T09:00:00+02:00"), at("2026-10-26T19:00:00+01:00")
    ) == timedelta(hours=16)


def test_dst_change_inside_office_hours_counts_real_time():
    # A night shift in Israel, where summer time starts on Friday 27 March 2026 at 02:00.
    night = ((time(0), time(6)),)
    cal = CalendarSettings(timezone="Asia/Jerusalem", office_hours=(night,) * 5 + ((), ()))
    start = at("2026-03-27T00:00:00+02:00")
    assert working_time_between(start, at("2026-03-27T06:00:00+03:00"), settings=cal) == (
        timedelta(hours=5)
    )
    due = add_working_hours(start, 5, settings=cal)
    assert due.isoformat() == "2026-03-27T06:00:00+03:00"
    assert add_working_hours(start, 1, settings=cal).isoformat() == "2026-03-27T01:00:00+02:00"
    # 02:00 does not exist that night: one hour after 01:00 is 03:00 summer time
    assert add_working_hours(start, 2, settings=cal).isoformat() == "2026-03-27T03:00:00+03:00"


def test_working_time_between():
    a, b = at("2025-03-05T10:00:00+01:00"), at("2025-03-06T10:00:00+01:00")
    assert working_time_between(a, b) == timedelta(hours=8)
    assert working_time_between(b, a) == -timedelta(hours=8)
    assert working_time_between(a, a) == timedelta(0)
    # Christmas weekend
    assert working_time_between(
        at("2026-12-24T17:00:00+01:00"), at("2026-12-28T17:00:00+01:00")
    ) == timedelta(hours=8)


def test_working_time_and_add_are_consistent():
    start = at("2025-03-05T11:17:00+01:00")
    for minutes in (1, 60, 103, 479, 480, 481, 2000):
        due = add_working_time(start, timedelta(minutes=minutes))
        assert working_time_between(start, due) == timedelta(minutes=minutes)


def test_negative_duration_is_refused():
    with pytest.raises(ValueError):
        add_working_hours(at("2025-03-05T10:00:00+01:00"), -1)
    with pytest.raises(ValueError):
        add_working_days(at("2025-03-05T10:00:00+01:00"), -1)


# -- pauses ------------------------------------------------------------------------------


def test_pause_inside_office_hours_extends_working_hours():
    start = at("2025-03-05T10:00:00+01:00")
    pause = (at("2025-03-05T11:00:00+01:00"), at("2025-03-05T12:00:00+01:00"))
    # 10–11 counts, 11–12 paused, 12–13 counts
    assert add_working_hours(start, 2, [pause]) == at("2025-03-05T13:00:00+01:00")
    # 10–11, 12–13, then 15–16 after the lunch break
    assert add_working_hours(start, 3, [pause]) == at("2025-03-05T16:00:00+01:00")
    assert working_time_between(start, at("2025-03-05T16:00:00+01:00"), [pause]) == (
        timedelta(hours=3)
    )


def test_pause_outside_office_hours_changes_nothing():
    start = at("2025-03-05T10:00:00+01:00")
    pause = (at("2025-03-05T13:00:00+01:00"), at("2025-03-05T15:00:00+01:00"))
    assert add_working_hours(start, 4, [pause]) == at("2025-03-05T16:00:00+01:00")


def test_overlapping_pauses_are_merged_and_cover_start():
    start = at("2025-03-05T10:00:00+01:00")
    pauses = [
        (at("2025-03-05T09:30:00+01:00"), at("2025-03-05T11:00:00+01:00")),
        (at("2025-03-05T10:30:00+01:00"), at("2025-03-05T12:00:00+01:00")),
        (at("2025-03-05T12:00:00+01:00"), at("2025-03-05T12:00:00+01:00")),  # empty
    ]
    # paused 09:30–12:00 (merged): counting starts at 12:00
    assert add_working_hours(start, 1, pauses) == at("2025-03-05T13:00:00+01:00")
    assert add_working_hours(start, 2, pauses) == at("2025-03-05T16:00:00+01:00")


def test_pause_ending_before_start_is_refused():
    bad = (at("2025-03-05T12:00:00+01:00"), at("2025-03-05T11:00:00+01:00"))
    with pytest.raises(ValueError):
        add_working_hours(at("2025-03-05T10:00:00+01:00"), 1, [bad])


# -- working days ------------------------------------------------------------------------


def test_add_working_days_example():
    due = add_working_days(at("2026-12-18T18:30:00+01:00"), 3)
    assert due.isoformat() == "2026-12-23T19:00:00+01:00"


def test_add_working_days_receipt_rules():
    # received after closing: counts as received the next working day (Monday)
    assert add_working_days(at("2026-12-18T19:00:00+01:00"), 3) == at("2026-12-24T19:00:00+01:00")
    # received on Saturday: as if Monday
    assert add_working_days(at("2026-12-19T10:00:00+01:00"), 3) == at("2026-12-24T19:00:00+01:00")
    # received before opening: that day counts as the day of receipt
    assert add_working_days(at("2025-03-05T07:00:00+01:00"), 1) == at("2025-03-06T19:00:00+01:00")
    # during lunch break: still the same day
    assert add_working_days(at("2025-03-05T14:00:00+01:00"), 1) == at("2025-03-06T19:00:00+01:00")
    # zero days: the close of the day of receipt
    assert add_working_days(at("2025-03-05T10:00:00+01:00"), 0) == at("2025-03-05T19:00:00+01:00")
    # Christmas: 24 Dec + 1 → 28 Dec
    assert add_working_days(at("2026-12-24T10:00:00+01:00"), 1) == at("2026-12-28T19:00:00+01:00")


def test_add_working_days_skips_patron_saint():
    start = at("2026-06-18T10:00:00+02:00")  # Thursday; Friday 19 June is Rho's patron saint
    assert add_working_days(start, 1) == at("2026-06-19T19:00:00+02:00")
    assert add_working_days(start, 1, settings=RHO) == at("2026-06-22T19:00:00+02:00")


def test_add_working_days_with_pauses():
    start = at("2026-12-18T18:30:00+01:00")
    partial = (at("2026-12-21T10:00:00+01:00"), at("2026-12-21T11:00:00+01:00"))
    assert add_working_days(start, 3, [partial]) == at("2026-12-24T19:00:00+01:00")
    # spanning two working days: both are not counted
    two = (at("2026-12-21T18:00:00+01:00"), at("2026-12-22T09:30:00+01:00"))
    assert add_working_days(start, 3, [two]) == at("2026-12-28T19:00:00+01:00")
    # paused only outside office hours: nothing changes
    night = (at("2026-12-21T20:00:00+01:00"), at("2026-12-22T08:00:00+01:00"))
    assert add_working_days(start, 3, [night]) == at("2026-12-23T19:00:00+01:00")


def test_add_working_days_across_dst():
    due = add_working_days(at("2026-03-27T10:00:00+01:00"), 1)
    assert due.isoformat() == "2026-03-30T19:00:00+02:00"


# -- calendar days -----------------------------------------------------------------------


def test_add_calendar_days():
    assert add_calendar_days(at("2025-03-05T10:00:00+01:00"), 10) == at(
        "2025-03-17T19:00:00+01:00"  # 15 Mar is a Saturday → Monday 17
    )
    assert add_calendar_days(at("2025-03-05T10:00:00+01:00"), 8) == at("2025-03-13T19:00:00+01:00")
    assert add_calendar_days(at("2026-12-20T10:00:00+01:00"), 5) == at("2026-12-28T19:00:00+01:00")
    # after closing, the receipt date is still the calendar date
    assert add_calendar_days(at("2025-03-05T22:00:00+01:00"), 1) == at("2025-03-06T19:00:00+01:00")
    # across the spring DST change
    assert add_calendar_days(at("2026-03-27T10:00:00+01:00"), 3).isoformat() == (
        "2026-03-30T19:00:00+02:00"
    )


def test_add_calendar_days_with_pauses():
    start = at("2025-03-05T10:00:00+01:00")
    pause = (at("2025-03-06T23:00:00+01:00"), at("2025-03-07T01:00:00+01:00"))  # 2 days touched
    assert add_calendar_days(start, 8, [pause]) == at("2025-03-17T19:00:00+01:00")


# -- settings validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"office_hours": NATIONAL_CALENDAR.office_hours[:6]},  # 6 entries
        {"office_hours": ((((time(13), time(9)),),) * 5) + ((), ())},  # start after end
        {"office_hours": ((((time(9), time(13)), (time(12), time(19))),) * 5) + ((), ())},
        {"office_hours": ((),) * 7},  # working weekday without hours
        {"saturday_working": True},  # Saturday working without hours
        {"patron_saint": (2, 30)},
        {"timezone": "Mars/Olympus"},
        {"office_hours": NATIONAL_CALENDAR.office_hours[:6] + (((time(9), time(12)),),)},  # Sun
    ],
)
def test_bad_calendar_settings(kwargs):
    with pytest.raises(ValueError):
        CalendarSettings(**kwargs)


def test_settings_are_hashable_and_comparable():
    assert CalendarSettings() == NATIONAL_CALENDAR
    assert hash(CalendarSettings(patron_saint=(6, 19))) == hash(RHO)
    assert CalendarSettings(timezone="Europe/Rome").timezone is ROME
