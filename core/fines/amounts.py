"""Amount due on a verbale on any payment date (art. 202, 203 c.3, 206 CdS; art. 27 L. 689/81).

Pure functions over plain values (``Decimal`` money, ``datetime.date`` legal dates).

Windows (tiers), counted in calendar days from **day 0** (roadside contestation or the date
notification was perfected):

* ``discounted`` — days 1 … ``reduced_window_days`` (5): the minimum − ``discount_rate`` (30 %).
  Payment on or before day 0 also falls here. A violation without ``discount_30_allowed``
  pays its minimum in this window.
* ``minimum`` — up to day ``minimum_window_days`` (60): the edictal minimum.
* ``half_maximum`` — afterwards, open-ended: half the edictal maximum, never less than the
  minimum, plus the art. 27 surcharge when enabled.

The last day of each closed window is a legal deadline, rolled forward with
:func:`core.fines.calendar.roll_forward` on ``rules.calendar`` (Sunday/national holiday moves;
Saturday only if ``saturday_rolls_forward``), so the discounted window may end after day 5.

A violation **without** ``reduced_payment_allowed`` has no reduced payment: the engine
charges its half maximum (never less than its minimum) from day 1 in every window and the
quote carries ``reduced_payment_excluded=True`` so the UI can explain that the Prefetto will
decide the amount. ``discount_excluded`` flags a violation that pays its minimum in the
discounted window.

Several violations on one verbale add up. Rounding: ROUND_HALF_UP to the cent at the last step
of each component — each violation's tier amount, each cost line, the surcharge. Costs are
never discounted and are added to every window.

Surcharge (art. 27 c.6 L. 689/81) — settings in :class:`FineRules`: ``surcharge_rate_per_semester``
(10 %) per semester, running from the first day of the ``half_maximum`` window (when the sum
became payable) until ``enrolled_on`` (the title handed to the collector) if given; only
completed semesters count unless ``surcharge_counts_started_semester`` [C]; semester k is
completed on the day ``add_months(payable_from, 6 k)``; capped at ``surcharge_cap_fraction``
(3/5) of the base; base = the sanction, plus costs if ``surcharge_costs_in_base`` [C].
Amount = round(base × min(semesters × rate, cap)).

``total = sanction + costs + surcharge − paid``, floored at 0; any excess is ``overpaid``.

Public API: :class:`Violation`, :class:`Cost`, :class:`FineRules` (:data:`NATIONAL_RULES`),
:func:`quote` → :class:`Quote` (with its :class:`Window` timeline and ``next_change``),
:func:`next_change_date`, :func:`window_bounds`, :func:`repeated_speeding`,
:func:`appeal_amount_range` → :class:`AppealRange`; tier names :data:`DISCOUNTED`,
:data:`MINIMUM`, :data:`HALF_MAXIMUM`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

from core.fines.calendar import NATIONAL_CALENDAR, CalendarSettings, add_months, roll_forward

__all__ = [
    "DISCOUNTED",
    "HALF_MAXIMUM",
    "MINIMUM",
    "NATIONAL_RULES",
    "SPEEDING_ROUNDINGS",
    "TIERS",
    "AppealRange",
    "Cost",
    "FineRules",
    "Quote",
    "Violation",
    "Window",
    "appeal_amount_range",
    "next_change_date",
    "quote",
    "repeated_speeding",
    "window_bounds",
]

DISCOUNTED = "discounted"
MINIMUM = "minimum"
HALF_MAXIMUM = "half_maximum"
TIERS = (DISCOUNTED, MINIMUM, HALF_MAXIMUM)
#: ``cent`` half-up to the cent; ``euro`` half-up to the euro; ``euro_down`` truncated to the euro.
SPEEDING_ROUNDINGS = ("cent", "euro", "euro_down")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_ONE_DAY = timedelta(days=1)
_TWO = Decimal(2)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _check_amount(value: object, name: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal")
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


@dataclass(frozen=True, slots=True)
class Violation:
    """One violation on a verbale: edictal minimum and maximum (``Decimal``) and its two flags.

    The rounded minimum and half maximum are computed once, on creation.
    """

    minimum: Decimal
    maximum: Decimal
    reduced_payment_allowed: bool = True
    discount_30_allowed: bool = True
    _minimum: Decimal = field(init=False, repr=False, compare=False)
    _half: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_amount(self.minimum, "minimum")
        _check_amount(self.maximum, "maximum")
        if self.minimum > self.maximum:
            raise ValueError("minimum must not exceed maximum")
        minimum = _money(self.minimum)
        half = _money(self.maximum / _TWO)
        object.__setattr__(self, "_minimum", minimum)
        object.__setattr__(self, "_half", half if half >= minimum else minimum)

    def half_maximum(self) -> Decimal:
        """Half the maximum, never less than the minimum, rounded to the cent."""
        return self._half


@dataclass(frozen=True, slots=True)
class Cost:
    """A cost line (``kind`` e.g. notification/procedure/assessment). Never discounted.

    ``amount`` is rounded half-up to the cent on creation.
    """

    kind: str
    label: str
    amount: Decimal

    def __post_init__(self) -> None:
        _check_amount(self.amount, "cost amount")
        object.__setattr__(self, "amount", _money(self.amount))


@dataclass(frozen=True, slots=True)
class FineRules:
    """Amount rules, per Ente overridable (see module docstring). Defaults are national."""

    discount_rate: Decimal = Decimal("0.30")
    reduced_window_days: int = 5
    minimum_window_days: int = 60
    surcharge_enabled: bool = True
    surcharge_rate_per_semester: Decimal = Decimal("0.10")
    surcharge_cap_fraction: Decimal = Decimal("0.6")
    surcharge_counts_started_semester: bool = False
    surcharge_costs_in_base: bool = False
    speeding_increase: Fraction = Fraction(1, 3)
    speeding_rounding: str = "cent"
    prefetto_minimum_multiplier: Decimal = Decimal(2)
    calendar: CalendarSettings = NATIONAL_CALENDAR
    _keep: Decimal = field(init=False, repr=False, compare=False)
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in ("discount_rate", "surcharge_rate_per_semester", "surcharge_cap_fraction"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a Decimal between 0 and 1")
        value = self.prefetto_minimum_multiplier
        if not isinstance(value, Decimal) or not value.is_finite() or value < 1:
            raise ValueError("prefetto_minimum_multiplier must be a Decimal >= 1")
        for name in ("reduced_window_days", "minimum_window_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int")
        if not self.reduced_window_days < self.minimum_window_days:
            raise ValueError("reduced_window_days must be less than minimum_window_days")
        if not isinstance(self.speeding_increase, Fraction) or self.speeding_increase < 0:
            raise ValueError("speeding_increase must be a non-negative Fraction")
        if self.speeding_rounding not in SPEEDING_ROUNDINGS:
            raise ValueError(f"speeding_rounding must be one of {', '.join(SPEEDING_ROUNDINGS)}")
        if not isinstance(self.calendar, CalendarSettings):
            raise ValueError("calendar must be a CalendarSettings")
        object.__setattr__(self, "_keep", Decimal(1) - self.discount_rate)


#: National defaults.
NATIONAL_RULES = FineRules()


class Window(NamedTuple):
    """One stretch of the timeline: ``first``…``last`` (``None`` = open-ended) and its amounts.

    An immutable record (a ``NamedTuple``: cheap to build in the hot path).
    """

    tier: str
    first: date
    last: date | None
    sanction: Decimal
    surcharge: Decimal
    total: Decimal


class Quote(NamedTuple):
    """The amount due on ``on`` with its breakdown (an immutable ``NamedTuple`` record).

    ``windows`` and ``next_change`` are filled only when the quote is made with
    ``timeline=True`` (the default); ``next_change`` is the first later date on which
    ``total`` differs, ``None`` if it never changes again.
    """

    on: date
    tier: str
    sanction: Decimal
    costs: tuple[Cost, ...]
    costs_total: Decimal
    surcharge: Decimal
    paid: Decimal
    total: Decimal
    overpaid: Decimal
    reduced_payment_excluded: bool
    discount_excluded: bool
    windows: tuple[Window, ...] = ()
    next_change: date | None = None


# A schedule: (last day of the discounted window, last day of the minimum window,
# surcharge steps ((first, last or None, fraction of the base), ...) from the payable date).
_Schedule = tuple[date, date, tuple[tuple[date, date | None, Decimal], ...]]
# Builds a NamedTuple record from a tuple of all its fields, skipping the generated __new__
# (a measurable share of the hot path; see bench/engine_bench.py).
_record = tuple.__new__
_NO_FRACTION = Decimal(0)


def _schedule(day0: date, enrolled_on: date | None, rules: FineRules) -> _Schedule:
    """The dates of a verbale's timeline (cached per day 0 and enrolment date)."""
    memo = rules._memo
    key = (day0, enrolled_on)
    schedule = memo.get(key)
    if schedule is None:
        if len(memo) > 20_000:  # bound the memo in long-running processes
            memo.clear()
        calendar = rules.calendar
        disc_last = roll_forward(day0 + timedelta(days=rules.reduced_window_days), calendar)
        min_last = roll_forward(day0 + timedelta(days=rules.minimum_window_days), calendar)
        schedule = memo[key] = (
            disc_last, min_last, _surcharge_steps(min_last + _ONE_DAY, enrolled_on, rules)
        )
    return schedule


def _semesters(payable_from: date, on: date, rules: FineRules) -> int:
    """Semesters of delay counted on ``on`` (0 before ``payable_from``)."""
    if on < payable_from:
        return 0
    months = (on.year - payable_from.year) * 12 + on.month - payable_from.month
    if add_months(payable_from, months) > on:
        months -= 1
    completed = months // 6
    return completed + 1 if rules.surcharge_counts_started_semester else completed


def _surcharge_steps(
    payable_from: date, enrolled_on: date | None, rules: FineRules
) -> tuple[tuple[date, date | None, Decimal], ...]:
    """Stretches of constant surcharge fraction, from ``payable_from``, open-ended last."""
    if not rules.surcharge_enabled or not rules.surcharge_rate_per_semester:
        return ((payable_from, None, _NO_FRACTION),)
    rate, cap = rules.surcharge_rate_per_semester, rules.surcharge_cap_fraction

    def fraction(on: date) -> Decimal:
        if enrolled_on is not None and enrolled_on < on:
            on = enrolled_on
        return min(_semesters(payable_from, on, rules) * rate, cap)

    steps = []
    first, current = payable_from, fraction(payable_from)
    k = 1
    while current < cap:
        change = add_months(payable_from, 6 * k)
        if enrolled_on is not None and change > enrolled_on:
            break
        following = fraction(change)
        if following != current:
            steps.append((first, change - _ONE_DAY, current))
            first, current = change, following
        k += 1
    steps.append((first, None, current))
    return tuple(steps)


def _fraction_on(steps: tuple[tuple[date, date | None, Decimal], ...], on: date) -> Decimal:
    for _first, last, fraction in steps:
        if last is None or on <= last:
            return fraction
    return _NO_FRACTION  # not reached: the last step is open-ended


def window_bounds(day0: date, rules: FineRules = NATIONAL_RULES) -> tuple[date, date]:
    """Last day of the discounted and of the minimum window (rolled forward; cached)."""
    disc_last, min_last, _ = _schedule(day0, None, rules)
    return disc_last, min_last


def _sanction(violations: Sequence[Violation], tier: str, keep: Decimal) -> Decimal:
    """Sum of the violations' amounts in ``tier`` (each rounded to the cent)."""
    total = ZERO
    if tier == HALF_MAXIMUM:
        for v in violations:
            total += v._half
    elif tier == MINIMUM:
        for v in violations:
            total += v._minimum if v.reduced_payment_allowed else v._half
    else:
        for v in violations:
            if not v.reduced_payment_allowed:
                total += v._half
            elif v.discount_30_allowed:
                total += (v.minimum * keep).quantize(CENT, ROUND_HALF_UP)
            else:
                total += v._minimum
    return total


def quote(
    violations: Sequence[Violation],
    day0: date,
    on: date,
    costs: Sequence[Cost] = (),
    paid: Decimal = ZERO,
    rules: FineRules = NATIONAL_RULES,
    enrolled_on: date | None = None,
    timeline: bool = True,
) -> Quote:
    """The amount due when paying on ``on`` for a verbale whose day 0 is ``day0``.

    ``paid`` is the sum already paid; ``enrolled_on`` stops the surcharge (title handed to
    the collector). With ``timeline=False`` the windows and ``next_change`` are skipped
    (faster). See the module docstring for every rule.
    """
    if not violations:
        raise ValueError("at least one violation is needed")
    if not isinstance(paid, Decimal) or not paid.is_finite() or paid < 0:
        raise ValueError("paid must be a non-negative finite Decimal")
    disc_last, min_last, steps = _schedule(day0, enrolled_on, rules)
    keep = rules._keep
    if on <= disc_last:
        tier = DISCOUNTED
    elif on <= min_last:
        tier = MINIMUM
    else:
        tier = HALF_MAXIMUM
    sanction = _sanction(violations, tier, keep)
    reduced_excluded = discount_excluded = False
    for v in violations:
        if not v.reduced_payment_allowed:
            reduced_excluded = True
        elif not v.discount_30_allowed:
            discount_excluded = True
    costs = tuple(costs)
    costs_total = ZERO
    for c in costs:
        costs_total += c.amount
    paid = paid.quantize(CENT, ROUND_HALF_UP)
    surcharge = ZERO
    if tier == HALF_MAXIMUM:
        fraction = _fraction_on(steps, on)
        if fraction:
            base = sanction + costs_total if rules.surcharge_costs_in_base else sanction
            surcharge = (base * fraction).quantize(CENT, ROUND_HALF_UP)
    due = sanction + costs_total + surcharge - paid
    total, overpaid = (due, ZERO) if due >= 0 else (ZERO, -due)
    windows: tuple[Window, ...] = ()
    next_change = None
    if timeline:
        windows = _timeline(
            violations, day0, disc_last, min_last, steps, costs_total, paid, rules, keep
        )
        for w in windows:
            if w.first > on and w.total != total:
                next_change = w.first
                break
    return _record(Quote, (
        on, tier, sanction, costs, costs_total, surcharge, paid, total, overpaid,
        reduced_excluded, discount_excluded, windows, next_change,
    ))


def _timeline(
    violations: Sequence[Violation],
    day0: date,
    disc_last: date,
    min_last: date,
    steps: tuple[tuple[date, date | None, Decimal], ...],
    costs_total: Decimal,
    paid: Decimal,
    rules: FineRules,
    keep: Decimal,
) -> tuple[Window, ...]:
    fixed = costs_total - paid
    sanction = _sanction(violations, DISCOUNTED, keep)
    due = sanction + fixed
    windows = [_record(Window, (DISCOUNTED, day0 + _ONE_DAY, disc_last, sanction, ZERO,
                                due if due > 0 else ZERO))]
    if min_last > disc_last:
        sanction = _sanction(violations, MINIMUM, keep)
        due = sanction + fixed
        windows.append(_record(Window, (MINIMUM, disc_last + _ONE_DAY, min_last, sanction, ZERO,
                                        due if due > 0 else ZERO)))
    half = _sanction(violations, HALF_MAXIMUM, keep)
    base = half + costs_total if rules.surcharge_costs_in_base else half
    fixed += half
    append = windows.append
    previous_first = previous_surcharge = None
    for first, last, fraction in steps:
        surcharge = (base * fraction).quantize(CENT, ROUND_HALF_UP) if fraction else ZERO
        if surcharge == previous_surcharge:
            # the same amount once rounded (a tiny base): extend the previous window
            first = previous_first
            windows.pop()
        due = fixed + surcharge
        append(_record(Window, (HALF_MAXIMUM, first, last, half, surcharge,
                                due if due > 0 else ZERO)))
        previous_first, previous_surcharge = first, surcharge
    return tuple(windows)


def next_change_date(
    violations: Sequence[Violation],
    day0: date,
    on: date,
    costs: Sequence[Cost] = (),
    paid: Decimal = ZERO,
    rules: FineRules = NATIONAL_RULES,
    enrolled_on: date | None = None,
) -> date | None:
    """The first date after ``on`` on which the total due changes (``None``: never again)."""
    return quote(violations, day0, on, costs, paid, rules, enrolled_on).next_change


def _round_speeding(value: Decimal, rounding: str) -> Decimal:
    if rounding == "euro":
        return value.quantize(Decimal(1), ROUND_HALF_UP).quantize(CENT)
    if rounding == "euro_down":
        return value.quantize(Decimal(1), ROUND_DOWN).quantize(CENT)
    return _money(value)


def repeated_speeding(
    violations: Sequence[Violation], rules: FineRules = NATIONAL_RULES
) -> Violation:
    """Several automatic speeding detections of one vehicle within one hour (art. 142 c.6-ter).

    One sanction: the most serious violation (highest maximum, then highest minimum)
    with minimum and maximum increased by ``rules.speeding_increase`` (1/3), rounded per
    ``rules.speeding_rounding`` [C]. Its flags are kept.
    """
    if not violations:
        raise ValueError("at least one violation is needed")
    worst = max(violations, key=lambda v: (v.maximum, v.minimum))
    increase = rules.speeding_increase
    factor_num = Decimal(increase.denominator + increase.numerator)
    factor_den = Decimal(increase.denominator)
    return Violation(
        _round_speeding(worst.minimum * factor_num / factor_den, rules.speeding_rounding),
        _round_speeding(worst.maximum * factor_num / factor_den, rules.speeding_rounding),
        worst.reduced_payment_allowed,
        worst.discount_30_allowed,
    )


@dataclass(frozen=True, slots=True)
class AppealRange:
    """Bounds of the sanction decided after an appeal; costs are added on top."""

    authority: str
    low: Decimal
    high: Decimal


def appeal_amount_range(
    violations: Sequence[Violation], authority: str, rules: FineRules = NATIONAL_RULES
) -> AppealRange:
    """Sanction range after a rejected appeal (no discount; payable within 30 days).

    ``prefetto`` (ordinanza-ingiunzione, art. 204 CdS): at least
    ``prefetto_minimum_multiplier`` (2) × the minimum of each violation, up to its maximum
    (or that floor when higher). ``giudice_di_pace`` (art. 204-bis): between minimum and
    maximum. Amounts summed over the violations.
    """
    if authority == "prefetto":
        m = rules.prefetto_minimum_multiplier
        low = sum((_money(v.minimum * m) for v in violations), ZERO)
        high = sum((max(_money(v.maximum), _money(v.minimum * m)) for v in violations), ZERO)
    elif authority == "giudice_di_pace":
        low = sum((_money(v.minimum) for v in violations), ZERO)
        high = sum((_money(v.maximum) for v in violations), ZERO)
    else:
        raise ValueError("authority must be 'prefetto' or 'giudice_di_pace'")
    return AppealRange(authority, low, high)
