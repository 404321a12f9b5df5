"""The art. 202-bis arithmetic the requests use: eligibility edges (amount, income with the
household), plans in Decimal with the rounding remainder on the last instalment, and the
missed-instalment rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.fines.instalments import (
    INSTALMENT_RULES,
    eligibility,
    forfeited,
    instalment_plan,
    max_instalments,
    missed_after,
)
from core.fines.settings import SettingsError, instalment_rules_from

CENT = D("0.01")


@pytest.mark.parametrize(("amount", "eligible"), [("200.00", False), ("200.01", True),
                                                  ("199.99", False), ("1000", True)])
def test_amount_must_be_above_200(amount, eligible):
    result = eligibility(D(amount), D("0"))
    assert result.eligible is eligible
    assert ("cds_202bis_amount_not_above_threshold" in result.reasons) is not eligible


@pytest.mark.parametrize(("members", "income", "eligible"), [
    (0, "10628.16", True), (0, "10628.17", False),
    (1, "11661.07", True), (1, "11661.08", False),   # + 1,032.91 for one member
    (3, "13726.89", True), (3, "13726.90", False),   # + 3 × 1,032.91
])
def test_income_limit_rises_with_each_household_member(members, income, eligible):
    result = eligibility(D("900"), D(income), members)
    assert result.eligible is eligible
    assert result.income_limit == D("10628.16") + members * D("1032.91")


def test_income_limit_is_an_ente_setting():
    rules = instalment_rules_from({"income_threshold": "12000.00",
                                   "income_per_family_member": "1500.00"})
    assert eligibility(D("900"), D("13500"), 1, rules=rules).eligible
    assert not eligibility(D("900"), D("13500"), 1).eligible
    with pytest.raises(SettingsError):
        instalment_rules_from({"missed_grace_days": "five"})


def test_remainder_goes_on_the_last_instalment():
    plan = instalment_plan(D("1000.05"), 3, date(2026, 1, 15), remainder_last=True)
    principals = [i.principal for i in plan.instalments]
    assert principals == [D("333.35"), D("333.35"), D("333.35")]
    plan = instalment_plan(D("1000.00"), 3, date(2026, 1, 15), remainder_last=True)
    assert [i.principal for i in plan.instalments] == [D("333.33"), D("333.33"), D("333.34")]
    # interest: 4.5 % a year on each principal for the months it is deferred, rounded half-up
    assert [i.interest for i in plan.instalments] == [D("0.00"), D("1.25"), D("2.50")]
    assert plan.interest == D("3.75")
    assert sum(i.amount for i in plan.instalments) == D("1003.75")


def test_interest_rate_comes_from_the_setting():
    rules = replace(INSTALMENT_RULES, annual_interest_rate=D("0.12"))
    plan = instalment_plan(D("1200.00"), 12, date(2026, 1, 31), rules, remainder_last=True)
    assert plan.instalments[1].interest == D("1.00")  # 100 × 12 % × 1/12
    assert plan.instalments[1].due == date(2026, 2, 28)  # end-of-month clamp (a Saturday: kept)


@given(cents=st.integers(min_value=20001, max_value=2_000_000), data=st.data())
def test_plans_sum_exactly_and_respect_the_floor(cents, data):
    total = D(cents) * CENT
    count = data.draw(st.integers(min_value=2, max_value=max_instalments(total)))
    plan = instalment_plan(total, count, date(2026, 5, 15), remainder_last=True)
    amounts = [i.amount for i in plan.instalments]
    assert len(amounts) == count
    assert sum(i.principal for i in plan.instalments) == total
    assert sum(amounts) == total + plan.interest
    assert all(a == a.quantize(CENT) for a in amounts)
    assert all(i.principal >= D("100.00") for i in plan.instalments)
    first = plan.instalments[0].principal
    assert all(i.principal == first for i in plan.instalments[:-1])
    assert D(0) <= plan.instalments[-1].principal - first < count * CENT
    assert [i.number for i in plan.instalments] == list(range(1, count + 1))


@pytest.mark.parametrize(("total", "count"), [("2000.00", 12), ("2000.01", 20), ("5000.00", 24),
                                              ("5000.01", 50), ("8000.00", 60), ("250.00", 2)])
def test_number_of_instalments_by_band_and_floor(total, count):
    assert max_instalments(D(total)) == count
    with pytest.raises(ValueError):
        instalment_plan(D(total), count + 1, date(2026, 1, 1))


def test_missed_instalment_rule():
    assert forfeited([1])
    assert not forfeited([3])
    assert forfeited([2, 5])
    assert not forfeited([])
    assert forfeited([4], replace(INSTALMENT_RULES, forfeit_later_missed=1))
    assert missed_after(date(2026, 3, 10)) == date(2026, 3, 15)
    assert missed_after(date(2026, 3, 10), replace(INSTALMENT_RULES, missed_grace_days=0)) == \
        date(2026, 3, 10)
