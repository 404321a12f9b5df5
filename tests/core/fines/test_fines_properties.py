"""Property-based tests (hypothesis) of the amounts and the clocks."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.fines.amounts import Cost, FineRules, Violation, quote
from core.fines.calendar import (
    CalendarSettings,
    add_calendar_days,
    add_working_days,
    add_working_hours,
    add_working_time,
    working_time_between,
)

cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c) / 100)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
rules_st = st.builds(
    FineRules,
    surcharge_enabled=st.booleans(),
    surcharge_counts_started_semester=st.booleans(),
    surcharge_costs_in_base=st.booleans(),
    calendar=st.sampled_from([CalendarSettings(), CalendarSettings(saturday_rolls_forward=True)]),
)


@st.composite
def violations(draw):
    low = draw(cents)
    high = low + draw(cents)
    return Violation(low, high, draw(st.booleans()), draw(st.booleans()))


@st.composite
def positions(draw):
    return {
        "violations": draw(st.lists(violations(), min_size=1, max_size=3)),
        "day0": draw(days),
        "costs": [Cost("procedure", "p", c) for c in draw(st.lists(cents, max_size=3))],
        "paid": draw(cents),
        "rules": draw(rules_st),
        "enrolled_on": draw(st.none() | days),
    }


@settings(max_examples=300, deadline=None)
@given(positions(), st.integers(min_value=-5, max_value=2000))
def test_amounts_never_negative_and_breakdown_adds_up(p, offset):
    q = quote(on=p["day0"] + timedelta(days=offset), **p)
    for value in (q.sanction, q.costs_total, q.surcharge, q.paid, q.total, q.overpaid):
        assert value >= 0
        assert value == value.quantize(Decimal("0.01"))
    assert q.costs_total == sum((c.amount for c in q.costs), Decimal(0))
    assert q.total - q.overpaid == q.sanction + q.costs_total + q.surcharge - q.paid
    assert q.total == 0 or q.overpaid == 0
    if q.on <= p["day0"]:
        window = q.windows[0]
    else:
        window = next(w for w in q.windows if w.first <= q.on and (w.last is None or q.on <= w.last))
    assert (window.tier, window.total) == (q.tier, q.total)


@settings(max_examples=300, deadline=None)
@given(positions(), st.integers(min_value=-5, max_value=2000), st.integers(1, 800))
def test_amount_never_decreases_as_payment_moves_later(p, offset, later):
    on = p["day0"] + timedelta(days=offset)
    first = quote(on=on, **p)
    second = quote(on=on + timedelta(days=later), **p)
    assert second.total >= first.total
    assert second.sanction + second.surcharge >= first.sanction + first.surcharge


@settings(max_examples=100, deadline=None)
@given(positions())
def test_timeline_is_contiguous_and_non_decreasing(p):
    q = quote(on=p["day0"], **p)
    assert q.windows[0].first == p["day0"] + timedelta(days=1)
    assert q.windows[-1].last is None
    for a, b in zip(q.windows, q.windows[1:], strict=False):
        assert a.last + timedelta(days=1) == b.first
        assert b.total >= a.total


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
pauses_st = st.lists(
    st.tuples(instants, st.integers(0, 72 * 60)).map(
        lambda t: (t[0], t[0] + timedelta(minutes=t[1]))
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(0, 3 * 24 * 60), st.integers(0, 60), pauses_st)
def test_later_start_never_earlier_due_working_hours(start, later, hours, pauses):
    a = add_working_hours(start, hours, pauses)
    b = add_working_hours(start + timedelta(minutes=later), hours, pauses)
    assert b >= a


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(0, 3 * 24 * 60), st.integers(0, 30), pauses_st)
def test_later_start_never_earlier_due_working_days(start, later, n, pauses):
    a = add_working_days(start, n, pauses)
    b = add_working_days(start + timedelta(minutes=later), n, pauses)
    assert b >= a


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(0, 3 * 24 * 60), st.integers(0, 60), pauses_st)
def test_later_start_never_earlier_due_calendar_days(start, later, n, pauses):
    a = add_calendar_days(start, n, pauses)
    b = add_calendar_days(start + timedelta(minutes=later), n, pauses)
    assert b >= a


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(1, 40 * 60), pauses_st)
def test_working_time_round_trip(start, minutes, pauses):
    due = add_working_time(start, timedelta(minutes=minutes), pauses)
    assert due >= start
    assert working_time_between(start, due, pauses) == timedelta(minutes=minutes)
    # earliest instant: one second earlier is not enough
    assert working_time_between(start, due - timedelta(seconds=1), pauses) < timedelta(
        minutes=minutes
    )
