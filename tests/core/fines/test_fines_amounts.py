"""Amounts: worked examples of fines-law §1, windows, costs, surcharge, special cases."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from fractions import Fraction

import pytest

from core.fines.amounts import (
    DISCOUNTED,
    HALF_MAXIMUM,
    MINIMUM,
    NATIONAL_RULES,
    Cost,
    FineRules,
    Violation,
    appeal_amount_range,
    next_change_date,
    quote,
    repeated_speeding,
    window_bounds,
)
from core.fines.calendar import CalendarSettings

DAY0 = date(2025, 3, 3)  # Monday
V = Violation(D("42"), D("173"))
SPEED_142_8 = Violation(D("173"), D("694"))
C = D("14.50")
COSTS = [Cost("notification", "Notification", D("9.50")), Cost("procedure", "Procedure", D("5.00"))]
NO_SURCHARGE = FineRules(surcharge_enabled=False)


def due(on, violations=(V,), costs=(), **kwargs):
    return quote(list(violations), DAY0, on, costs, **kwargs)


# -- worked examples (fines-law §1) ------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "tier", "sanction"),
    [
        (date(2025, 3, 6), DISCOUNTED, "29.40"),  # Thu, day 3
        (date(2025, 3, 8), DISCOUNTED, "29.40"),  # Sat, day 5, last day of the window
        (date(2025, 3, 9), MINIMUM, "42.00"),  # Sun, day 6
        (date(2025, 5, 2), MINIMUM, "42.00"),  # Fri, day 60
        (date(2025, 5, 3), HALF_MAXIMUM, "86.50"),  # day 61
        (date(2025, 9, 1), HALF_MAXIMUM, "86.50"),  # day 61+, within the first semester
    ],
)
def test_worked_examples(on, tier, sanction):
    q = due(on, costs=COSTS)
    assert q.tier == tier
    assert q.sanction == D(sanction)
    assert q.costs_total == C
    assert q.total == D(sanction) + C
    assert q.surcharge == D("0.00")


def test_day_61_or_later_not_enrolled_without_surcharge():
    q = due(date(2030, 1, 1), costs=COSTS, rules=NO_SURCHARGE)
    assert (q.tier, q.sanction, q.total) == (HALF_MAXIMUM, D("86.50"), D("101.00"))


@pytest.mark.parametrize(
    ("on", "sanction"),
    [(date(2025, 3, 6), "121.10"), (date(2025, 4, 17), "173.00"), (date(2025, 5, 3), "347.00")],
)
def test_art_142_c8_speeding(on, sanction):
    q = due(on, violations=[SPEED_142_8], costs=COSTS)
    assert q.sanction == D(sanction)
    assert q.total == D(sanction) + C


def test_payment_on_day_0_is_discounted():
    assert due(DAY0).tier == DISCOUNTED


# -- windows and roll-forward ------------------------------------------------------------


def test_timeline_example():
    q = due(date(2025, 3, 6), costs=COSTS, rules=NO_SURCHARGE)
    assert [(w.tier, w.first, w.last, w.total) for w in q.windows] == [
        (DISCOUNTED, date(2025, 3, 4), date(2025, 3, 8), D("43.90")),
        (MINIMUM, date(2025, 3, 9), date(2025, 5, 2), D("56.50")),
        (HALF_MAXIMUM, date(2025, 5, 3), None, D("101.00")),
    ]
    assert q.next_change == date(2025, 3, 9)


def test_discounted_window_rolls_over_sunday():
    day0 = date(2025, 3, 4)  # Tuesday: day 5 is Sunday 9 March
    # day 60 is Saturday 3 May 2025, which does not move by default
    assert window_bounds(day0) == (date(2025, 3, 10), date(2025, 5, 3))
    q = quote([V], day0, date(2025, 3, 10))
    assert (q.tier, q.sanction) == (DISCOUNTED, D("29.40"))


def test_window_end_on_holiday_rolls_forward():
    # day0 Tue 20 Dec 2022: day 5 is Christmas Sunday 25, Santo Stefano 26 → Tue 27
    assert window_bounds(date(2022, 12, 20))[0] == date(2022, 12, 27)
    # day 60 on Easter Monday 2026 (6 April): day0 = 5 Feb 2026 → Tue 7 April
    assert window_bounds(date(2026, 2, 5))[1] == date(2026, 4, 7)


def test_saturday_roll_forward_setting():
    rules = FineRules(calendar=CalendarSettings(saturday_rolls_forward=True))
    assert window_bounds(DAY0, rules)[0] == date(2025, 3, 10)
    assert quote([V], DAY0, date(2025, 3, 10), rules=rules).tier == DISCOUNTED


def test_window_lengths_are_settings():
    rules = FineRules(reduced_window_days=3, minimum_window_days=30, discount_rate=D("0.25"))
    assert window_bounds(DAY0, rules) == (date(2025, 3, 6), date(2025, 4, 2))
    assert quote([V], DAY0, date(2025, 3, 6), rules=rules).sanction == D("31.50")


# -- costs, payments, several violations -------------------------------------------------


def test_costs_are_never_discounted_and_listed():
    q = due(date(2025, 3, 6), costs=COSTS)
    assert [(c.kind, c.amount) for c in q.costs] == [("notification", D("9.50")),
                                                     ("procedure", D("5.00"))]
    assert all(w.total - w.sanction - w.surcharge == C for w in q.windows)


def test_several_violations_add_up():
    q = due(date(2025, 3, 6), violations=[V, SPEED_142_8])
    assert q.sanction == D("29.40") + D("121.10")
    assert due(date(2025, 5, 3), violations=[V, SPEED_142_8]).sanction == D("86.50") + D("347.00")


def test_partial_payment_and_overpayment():
    q = due(date(2025, 3, 9), costs=COSTS, paid=D("29.40"))
    assert q.total == D("42.00") + C - D("29.40")
    assert q.overpaid == D("0.00")
    over = due(date(2025, 3, 6), costs=COSTS, paid=D("50"))
    assert over.total == D("0.00")
    assert over.overpaid == D("50.00") - D("43.90")
    assert over.paid == D("50.00")


def test_rounding_half_up_per_component():
    v = Violation(D("41.25"), D("165.01"))  # 41.25 × 0.7 = 28.875 → 28.88; 165.01 / 2 → 82.51
    assert due(date(2025, 3, 6), violations=[v]).sanction == D("28.88")
    assert due(date(2025, 5, 3), violations=[v]).sanction == D("82.51")
    cost = Cost("procedure", "Procedure", D("1.005"))
    q = due(date(2025, 3, 6), violations=[v], costs=[cost])
    assert q.costs[0].amount == D("1.01")
    assert q.total == D("29.89")


def test_half_maximum_never_below_minimum():
    v = Violation(D("100"), D("150"))
    assert due(date(2025, 5, 3), violations=[v]).sanction == D("100.00")


# -- discount and reduced payment excluded -----------------------------------------------


def test_no_discount_pays_minimum_in_first_window():
    v = Violation(D("42"), D("173"), discount_30_allowed=False)
    q = due(date(2025, 3, 6), violations=[v, SPEED_142_8])
    assert q.sanction == D("42.00") + D("121.10")
    assert q.discount_excluded
    assert not q.reduced_payment_excluded


def test_no_reduced_payment_is_half_maximum_from_day_1():
    v = Violation(D("42"), D("173"), reduced_payment_allowed=False)
    q = due(date(2025, 3, 6), violations=[v], rules=NO_SURCHARGE)
    assert q.sanction == D("86.50")
    assert q.reduced_payment_excluded
    assert {w.total for w in q.windows} == {D("86.50")}
    assert q.next_change is None


# -- surcharge (art. 27 L. 689/81) -------------------------------------------------------


def test_surcharge_completed_semesters():
    # payable from 3 May 2025; first semester completed on 3 Nov 2025
    assert due(date(2025, 11, 2)).surcharge == D("0.00")
    assert due(date(2025, 11, 3)).surcharge == D("8.65")
    assert due(date(2026, 5, 3)).surcharge == D("17.30")
    q = due(date(2035, 1, 1), costs=COSTS)
    assert q.surcharge == D("51.90")  # capped at 3/5 of 86.50
    assert q.total == D("86.50") + D("51.90") + C


def test_surcharge_started_semester_counts():
    rules = FineRules(surcharge_counts_started_semester=True)
    assert due(date(2025, 5, 3), rules=rules).surcharge == D("8.65")
    assert due(date(2025, 11, 3), rules=rules).surcharge == D("17.30")


def test_surcharge_costs_in_base():
    rules = FineRules(surcharge_costs_in_base=True)
    assert due(date(2025, 11, 3), costs=COSTS, rules=rules).surcharge == D("10.10")


def test_surcharge_stops_at_enrolment():
    q = due(date(2027, 1, 1), enrolled_on=date(2025, 12, 1))
    assert q.surcharge == D("8.65")
    assert q.windows[-1].last is None
    assert q.windows[-1].surcharge == D("8.65")
    assert due(date(2027, 1, 1), enrolled_on=date(2025, 5, 1)).surcharge == D("0.00")


def test_surcharge_windows_in_timeline():
    q = due(date(2025, 5, 3))
    half = [w for w in q.windows if w.tier == HALF_MAXIMUM]
    assert [w.surcharge for w in half] == [D(x) for x in
                                           ("0.00", "8.65", "17.30", "25.95", "34.60", "43.25",
                                            "51.90")]
    assert half[0].first == date(2025, 5, 3) and half[0].last == date(2025, 11, 2)
    assert half[-1].first == date(2028, 5, 3) and half[-1].last is None
    assert q.next_change == date(2025, 11, 3)


def test_next_change_date_helper():
    assert next_change_date([V], DAY0, date(2025, 3, 6)) == date(2025, 3, 9)
    assert next_change_date([V], DAY0, date(2025, 3, 9)) == date(2025, 5, 3)
    assert next_change_date([V], DAY0, date(2030, 1, 1)) is None
    assert next_change_date([V], DAY0, date(2025, 5, 3), rules=NO_SURCHARGE) is None


def test_quote_without_timeline_agrees():
    for on in (date(2025, 3, 6), date(2025, 4, 1), date(2026, 1, 1)):
        full = due(on, costs=COSTS, paid=D("3"))
        fast = due(on, costs=COSTS, paid=D("3"), timeline=False)
        assert fast.windows == () and fast.next_change is None
        assert full._replace(windows=(), next_change=None) == fast


# -- special cases -----------------------------------------------------------------------


def test_repeated_speeding_most_serious_plus_one_third():
    v = repeated_speeding([V, SPEED_142_8, Violation(D("42"), D("173"))])
    assert (v.minimum, v.maximum) == (D("230.67"), D("925.33"))
    euro = repeated_speeding([V], replace(NATIONAL_RULES, speeding_rounding="euro"))
    assert (euro.minimum, euro.maximum) == (D("56.00"), D("231.00"))
    down = repeated_speeding([SPEED_142_8], FineRules(speeding_rounding="euro_down"))
    assert (down.minimum, down.maximum) == (D("230.00"), D("925.00"))
    half = repeated_speeding([V], FineRules(speeding_increase=Fraction(1, 2)))
    assert half.minimum == D("63.00")


def test_appeal_amount_range():
    prefetto = appeal_amount_range([V], "prefetto")
    assert (prefetto.low, prefetto.high) == (D("84.00"), D("173.00"))
    gdp = appeal_amount_range([V, SPEED_142_8], "giudice_di_pace")
    assert (gdp.low, gdp.high) == (D("215.00"), D("867.00"))
    narrow = appeal_amount_range([Violation(D("100"), D("150"))], "prefetto")
    assert (narrow.low, narrow.high) == (D("200.00"), D("200.00"))
    with pytest.raises(ValueError):
        appeal_amount_range([V], "tar")


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: Violation(D("200"), D("100")),
        lambda: Violation(D("-1"), D("100")),
        lambda: Violation(42, D("100")),  # not a Decimal
        lambda: Violation(D("NaN"), D("100")),
        lambda: Cost("notification", "x", D("-1")),
        lambda: FineRules(discount_rate=D("1.5")),
        lambda: FineRules(reduced_window_days=60),
        lambda: FineRules(speeding_rounding="banker"),
        lambda: quote([], DAY0, DAY0),
        lambda: quote([V], DAY0, DAY0, paid=D("-1")),
    ],
)
def test_bad_input(make):
    with pytest.raises((ValueError, TypeError)):
        make()
