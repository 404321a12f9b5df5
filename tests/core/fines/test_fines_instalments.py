"""Instalments (art. 202-bis): eligibility, maximum count, plans and interest."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from core.fines.calendar import CalendarSettings
from core.fines.instalments import (
    INSTALMENT_RULES,
    InstalmentRules,
    eligibility,
    instalment_plan,
    instalment_rules_on,
    max_instalments,
)


def test_eligible():
    e = eligibility(D("500"), D("9000"))
    assert e.eligible and e.reasons == ()
    assert e.income_limit == D("10628.16")
    assert e.max_instalments == 5


def test_amount_must_exceed_200():
    e = eligibility(D("200.00"), D("0"))
    assert not e.eligible
    assert "cds_202bis_amount_not_above_threshold" in e.reasons
    assert eligibility(D("200.01"), D("0")).eligible


def test_income_threshold_with_family_members():
    assert eligibility(D("500"), D("10628.16")).eligible
    e = eligibility(D("500"), D("10628.17"))
    assert e.reasons == ("cds_202bis_income_above_threshold",)
    two = eligibility(D("500"), D("12000"), family_members=2)
    assert two.income_limit == D("10628.16") + 2 * D("1032.91")
    assert two.eligible


def test_late_request():
    e = eligibility(D("500"), D("0"), requested_on=date(2025, 4, 3), request_by=date(2025, 4, 2))
    assert e.reasons == ("cds_202bis_request_late",)


@pytest.mark.parametrize(
    ("total", "count"),
    [("250", 2), ("1200", 12), ("2000", 12), ("2000.01", 20), ("2400", 24), ("5000", 24),
     ("5000.01", 50), ("9000", 60), ("100000", 60), ("99.99", 0)],
)
def test_max_instalments(total, count):
    assert max_instalments(D(total)) == count


def test_plan_sums_exactly_with_interest():
    plan = instalment_plan(D("2000.03"), 12, date(2025, 5, 15))
    assert len(plan.instalments) == 12
    assert sum(i.principal for i in plan.instalments) == D("2000.03")
    assert sum(i.amount for i in plan.instalments) == plan.total + plan.interest
    # 200003 cents / 12 = 16666 r 11: the first 11 instalments carry one more cent
    assert [i.principal for i in plan.instalments] == [D("166.67")] * 11 + [D("166.66")]
    first, second, last = plan.instalments[0], plan.instalments[1], plan.instalments[-1]
    assert first.interest == D("0.00")
    # 166.67 × 4.5 % × 1/12 = 0.6250125 → 0.63
    assert second.interest == D("0.63")
    assert second.amount == D("167.30")
    # 166.66 × 4.5 % × 11/12 = 6.874725 → 6.87
    assert last.interest == D("6.87")
    assert [i.number for i in plan.instalments] == list(range(1, 13))


def test_plan_due_dates_monthly_and_rolled_forward():
    plan = instalment_plan(D("600"), 6, date(2025, 1, 31))
    assert [i.due for i in plan.instalments] == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30),
        date(2025, 5, 31),  # Saturday: stays by default
        date(2025, 6, 30),
    ]
    sat = CalendarSettings(saturday_rolls_forward=True)
    assert instalment_plan(D("600"), 6, date(2025, 1, 31), settings=sat).instalments[4].due == (
        date(2025, 6, 3)  # Sat 31 May → Sun → Mon 2 June holiday → Tue 3 June
    )


def test_each_instalment_at_least_100():
    with pytest.raises(ValueError):
        instalment_plan(D("250"), 3, date(2025, 1, 1))
    plan = instalment_plan(D("250"), 2, date(2025, 1, 1))
    assert all(i.principal >= D("100") for i in plan.instalments)


def test_interest_rate_is_a_setting():
    rules = replace(INSTALMENT_RULES, annual_interest_rate=D("0"))
    plan = instalment_plan(D("1200"), 12, date(2025, 1, 10), rules)
    assert plan.interest == D("0.00")
    assert all(i.amount == D("100.00") for i in plan.instalments)


def test_versions():
    new = InstalmentRules(valid_from=date(2027, 1, 1), income_threshold=D("11000.00"))
    versions = (INSTALMENT_RULES, new)
    assert instalment_rules_on(date(2026, 12, 31), versions) is INSTALMENT_RULES
    assert instalment_rules_on(date(2027, 1, 1), versions) is new
    with pytest.raises(ValueError):
        instalment_rules_on(date(2018, 1, 1), versions)


def test_bad_rules():
    with pytest.raises(ValueError):
        InstalmentRules(min_instalment=D("0"))
    with pytest.raises(ValueError):
        InstalmentRules(max_instalments_tiers=((D("5000"), 24), (D("2000"), 12)))
