"""Deadlines of a verbale: rule keys, periods, bases and roll-forward."""

from dataclasses import fields
from datetime import date

import pytest

from core.fines.calendar import CalendarSettings
from core.fines.deadlines import (
    DEADLINE_RULES,
    Deadline,
    apply_rule,
    notification_is_late,
    verbale_deadlines,
)

ASSESSED, NOTIFIED = date(2025, 1, 10), date(2025, 3, 3)


def test_cli_example():
    d = verbale_deadlines(ASSESSED, NOTIFIED, points=True)
    assert {name: (x.due if x else None) for name, x in d.items()} == {
        "notify_by": date(2025, 4, 10),
        "prefetto_appeal_by": date(2025, 5, 2),
        "gdp_appeal_by": date(2025, 4, 2),
        "driver_data_by": date(2025, 5, 2),
        "instalment_request_by": date(2025, 4, 2),
        "prescription": date(2030, 1, 10),
    }


def test_rules_carry_keys_references_and_periods_not_text():
    d = verbale_deadlines(ASSESSED, NOTIFIED, points=True)
    assert d.notify_by == Deadline("cds_201_90_days", "art. 201 c.1 CdS", ASSESSED, 90, 0,
                                   date(2025, 4, 10), date(2025, 4, 10))
    assert d.prefetto_appeal_by.rule == "cds_203_60_days"
    assert d.prefetto_appeal_by.base == NOTIFIED and d.prefetto_appeal_by.days == 60
    assert d.gdp_appeal_by.rule == "cds_204bis_30_days"
    assert d.driver_data_by.rule == "cds_126bis_60_days"
    assert d.instalment_request_by.rule == "cds_202bis_30_days"
    assert (d.prescription.rule, d.prescription.years) == ("cds_209_5_years", 5)
    assert {f.name for f in fields(Deadline)} == {
        "rule", "reference", "base", "days", "years", "nominal", "due"}
    assert all(key == rule.rule for key, rule in DEADLINE_RULES.items())


def test_driver_data_only_with_points():
    assert verbale_deadlines(ASSESSED, NOTIFIED).driver_data_by is None


def test_without_notification_only_notify_by_and_prescription():
    d = verbale_deadlines(ASSESSED)
    assert d.notify_by.due == date(2025, 4, 10)
    assert d.prescription.due == date(2030, 1, 10)
    assert d.prefetto_appeal_by is d.gdp_appeal_by is d.instalment_request_by is None


def test_abroad():
    d = verbale_deadlines(ASSESSED, NOTIFIED, abroad=True)
    assert (d.notify_by.rule, d.notify_by.days) == ("cds_201_360_days_abroad", 360)
    assert d.notify_by.due == date(2026, 1, 5)
    assert (d.gdp_appeal_by.rule, d.gdp_appeal_by.due) == ("cds_204bis_60_days_abroad",
                                                           date(2025, 5, 2))


def test_later_identification_restarts_the_notification_clock():
    d = verbale_deadlines(ASSESSED, NOTIFIED, identified=date(2025, 2, 1))
    assert d.notify_by.base == date(2025, 2, 1)
    assert d.notify_by.due == date(2025, 5, 2)


def test_deadlines_roll_forward():
    # notified Fri 7 Feb 2025: +30 = Sun 9 Mar → Mon 10 Mar; +60 = Tue 8 Apr
    d = verbale_deadlines(date(2025, 2, 1), date(2025, 2, 7))
    assert d.gdp_appeal_by.nominal == date(2025, 3, 9)
    assert d.gdp_appeal_by.due == date(2025, 3, 10)
    # 90 days from 17 Sep 2025 is Tue 16 Dec; from 26 Sep 2025 it is Christmas → Sat 27 Dec
    assert verbale_deadlines(date(2025, 9, 26)).notify_by.due == date(2025, 12, 27)
    sat = CalendarSettings(saturday_rolls_forward=True)
    assert verbale_deadlines(date(2025, 9, 26), settings=sat).notify_by.due == date(2025, 12, 29)


def test_prescription_from_violation_date_and_leap_day():
    d = verbale_deadlines(date(2024, 3, 1), violation_date=date(2024, 2, 29))
    assert d.prescription.nominal == date(2029, 2, 28)
    assert d.prescription.due == date(2029, 2, 28)
    # 15 Aug 2031 (Ferragosto, a Friday) rolls to Saturday 16 Aug
    assert apply_rule("cds_209_5_years", date(2026, 8, 15)).due == date(2031, 8, 16)


def test_notification_is_late():
    d = verbale_deadlines(ASSESSED)
    assert not notification_is_late(d, date(2025, 4, 10))
    assert notification_is_late(d, date(2025, 4, 11))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"notified": date(2025, 1, 1)},
        {"identified": date(2025, 1, 1)},
        {"violation_date": date(2025, 2, 1)},
    ],
)
def test_inconsistent_dates_are_refused(kwargs):
    with pytest.raises(ValueError):
        verbale_deadlines(ASSESSED, **kwargs)
