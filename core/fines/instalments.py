"""Instalment payment of a verbale (art. 202-bis CdS): eligibility and plan.

Rules are an :class:`InstalmentRules` version (thresholds are revised with the ISTAT updates);
:data:`INSTALMENT_RULES_VERSIONS` lists them by ``valid_from`` and
:func:`instalment_rules_on` picks the one in force on a date. An Ente may override fields
(see :mod:`core.fines.settings`).

Eligibility (:func:`eligibility`): the amount must exceed ``eligible_above`` (€200) and the
household's taxable income must not exceed ``income_threshold`` (€10,628.16) +
``income_per_family_member`` (€1,032.91) × cohabiting family members (the caller sums the
household incomes). If a request date and its deadline are given, a late request is
ineligible too. Reasons are stable rule keys:

* ``cds_202bis_amount_not_above_threshold``
* ``cds_202bis_income_above_threshold``
* ``cds_202bis_request_late``
* ``cds_202bis_too_few_instalments`` (no plan of at least 2 instalments of ≥ €100 exists)

Maximum number of instalments (:func:`max_instalments`): 12 if the amount is ≤ €2,000, 24 if
≤ €5,000, 60 above (``max_instalments_tiers``/``max_instalments_above``), and never so many
that an instalment falls below ``min_instalment`` (€100) of principal.

Plan (:func:`instalment_plan`): monthly instalments from ``first_due`` (same day each month,
end-of-month clamp, each due date rolled forward with the calendar). Principal: the total
split in equal cents, the leftover cents added one each to the first instalments (or, with
``remainder_last=True``, all of them to the last instalment), so the principals sum exactly
to the total. **Interest formula** — simple interest at
``annual_interest_rate`` on each instalment's principal for the months it is deferred after
the first due date: ``interest_k = round_half_up(principal_k × rate × (k − 1) / 12)``. The
plan's interest is the sum of the rounded ``interest_k``, so the instalments sum exactly to
``total + interest``. The default rate (4.5 %, art. 21 c.1 DPR 602/1973, "legal rate for tax
instalments") is [C]: verify and override per version.

Decision and missed instalments: the Ente decides within ``decision_days`` (90, silence =
refusal) of the request. An instalment still unpaid ``missed_grace_days`` after its due date
([C], default 5 calendar days) is *missed* (:func:`missed_after`); missing the first
instalment, or ``forfeit_later_missed`` (2) later ones, ends the plan (:func:`forfeited`) and
the balance becomes due in one payment under the ordinary rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from core.fines.calendar import NATIONAL_CALENDAR, CalendarSettings, add_months, roll_forward

__all__ = [
    "INSTALMENT_RULES",
    "INSTALMENT_RULES_VERSIONS",
    "Eligibility",
    "Instalment",
    "InstalmentPlan",
    "InstalmentRules",
    "eligibility",
    "forfeited",
    "instalment_plan",
    "instalment_rules_on",
    "max_instalments",
    "missed_after",
]

CENT = Decimal("0.01")
_TWELVE = Decimal(12)

AMOUNT_NOT_ABOVE_THRESHOLD = "cds_202bis_amount_not_above_threshold"
INCOME_ABOVE_THRESHOLD = "cds_202bis_income_above_threshold"
REQUEST_LATE = "cds_202bis_request_late"
TOO_FEW_INSTALMENTS = "cds_202bis_too_few_instalments"


@dataclass(frozen=True, slots=True)
class InstalmentRules:
    """One version of the art. 202-bis parameters (money as ``Decimal``)."""

    valid_from: date = date(2019, 1, 1)
    eligible_above: Decimal = Decimal("200.00")
    income_threshold: Decimal = Decimal("10628.16")
    income_per_family_member: Decimal = Decimal("1032.91")
    max_instalments_tiers: tuple[tuple[Decimal, int], ...] = (
        (Decimal("2000.00"), 12),
        (Decimal("5000.00"), 24),
    )
    max_instalments_above: int = 60
    min_instalment: Decimal = Decimal("100.00")
    annual_interest_rate: Decimal = Decimal("0.045")
    decision_days: int = 90
    missed_grace_days: int = 5
    forfeit_later_missed: int = 2

    def __post_init__(self) -> None:
        for name in ("eligible_above", "income_threshold", "income_per_family_member",
                     "min_instalment", "annual_interest_rate"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"{name} must be a non-negative Decimal")
        if self.min_instalment <= 0:
            raise ValueError("min_instalment must be positive")
        tiers = tuple((Decimal(limit), int(count)) for limit, count in self.max_instalments_tiers)
        if [t[0] for t in tiers] != sorted(t[0] for t in tiers) or any(c < 1 for _, c in tiers):
            raise ValueError("max_instalments_tiers must be sorted by amount with counts >= 1")
        object.__setattr__(self, "max_instalments_tiers", tiers)
        if self.max_instalments_above < 1:
            raise ValueError("max_instalments_above must be >= 1")
        for name in ("decision_days", "missed_grace_days", "forfeit_later_missed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        if self.forfeit_later_missed < 1:
            raise ValueError("forfeit_later_missed must be >= 1")


#: Versions in force, oldest first (2019 tables; the biennial update was suspended 2023–2025).
INSTALMENT_RULES_VERSIONS: tuple[InstalmentRules, ...] = (InstalmentRules(),)
#: The latest version.
INSTALMENT_RULES = INSTALMENT_RULES_VERSIONS[-1]


def instalment_rules_on(
    on: date, versions: tuple[InstalmentRules, ...] = INSTALMENT_RULES_VERSIONS
) -> InstalmentRules:
    """The version in force on ``on`` (the latest ``valid_from`` not after it)."""
    current = None
    for version in sorted(versions, key=lambda v: v.valid_from):
        if version.valid_from <= on:
            current = version
    if current is None:
        raise ValueError(f"no instalment rules in force on {on.isoformat()}")
    return current


def max_instalments(total: Decimal, rules: InstalmentRules = INSTALMENT_RULES) -> int:
    """The most instalments allowed for ``total`` (tier limit and the €100 floor)."""
    limit = rules.max_instalments_above
    for ceiling, count in rules.max_instalments_tiers:
        if total <= ceiling:
            limit = count
            break
    by_floor = int((total / rules.min_instalment).to_integral_value(ROUND_DOWN))
    return max(0, min(limit, by_floor))


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Outcome of :func:`eligibility`: ``reasons`` are rule keys (empty when eligible)."""

    eligible: bool
    reasons: tuple[str, ...]
    income_limit: Decimal
    max_instalments: int


def eligibility(
    total: Decimal,
    taxable_income: Decimal,
    family_members: int = 0,
    *,
    requested_on: date | None = None,
    request_by: date | None = None,
    rules: InstalmentRules = INSTALMENT_RULES,
) -> Eligibility:
    """Whether a verbale of ``total`` may be paid in instalments (see module docstring).

    ``family_members``: cohabiting family members besides the applicant; ``request_by``:
    the instalment-request deadline (e.g. ``VerbaleDeadlines.instalment_request_by.due``).
    """
    if family_members < 0:
        raise ValueError("family_members must not be negative")
    if total < 0 or taxable_income < 0:
        raise ValueError("amounts must not be negative")
    limit = rules.income_threshold + rules.income_per_family_member * family_members
    count = max_instalments(total, rules)
    reasons = []
    if total <= rules.eligible_above:
        reasons.append(AMOUNT_NOT_ABOVE_THRESHOLD)
    if taxable_income > limit:
        reasons.append(INCOME_ABOVE_THRESHOLD)
    if requested_on is not None and request_by is not None and requested_on > request_by:
        reasons.append(REQUEST_LATE)
    if count < 2:
        reasons.append(TOO_FEW_INSTALMENTS)
    return Eligibility(not reasons, tuple(reasons), limit, count)


@dataclass(frozen=True, slots=True)
class Instalment:
    """One instalment: ``amount = principal + interest``."""

    number: int
    due: date
    principal: Decimal
    interest: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InstalmentPlan:
    """A plan: ``sum(i.amount) == total + interest`` exactly."""

    total: Decimal
    interest: Decimal
    instalments: tuple[Instalment, ...]


def instalment_plan(
    total: Decimal,
    count: int,
    first_due: date,
    rules: InstalmentRules = INSTALMENT_RULES,
    settings: CalendarSettings = NATIONAL_CALENDAR,
    *,
    remainder_last: bool = False,
) -> InstalmentPlan:
    """Split ``total`` into ``count`` monthly instalments with interest (see module docstring).

    ``remainder_last``: the cents left over by the equal split go to the last instalment
    instead of one each to the first ones.
    """
    if not isinstance(total, Decimal) or not total.is_finite() or total <= 0:
        raise ValueError("total must be a positive Decimal")
    total = total.quantize(CENT, ROUND_HALF_UP)
    allowed = max_instalments(total, rules)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= allowed:
        raise ValueError(f"count must be between 1 and {allowed} for this amount")
    cents = int(total / CENT)
    share, leftover = divmod(cents, count)
    instalments = []
    interest_total = Decimal("0.00")
    for k in range(count):
        if remainder_last:
            principal = Decimal(share + (leftover if k == count - 1 else 0)) * CENT
        else:
            principal = Decimal(share + (1 if k < leftover else 0)) * CENT
        interest = (principal * rules.annual_interest_rate * k / _TWELVE).quantize(
            CENT, ROUND_HALF_UP
        )
        interest_total += interest
        due = roll_forward(add_months(first_due, k), settings)
        instalments.append(Instalment(k + 1, due, principal, interest, principal + interest))
    return InstalmentPlan(total, interest_total, tuple(instalments))


def missed_after(due: date, rules: InstalmentRules = INSTALMENT_RULES) -> date:
    """The last day an instalment due on ``due`` may be paid before it counts as missed."""
    return due + timedelta(days=rules.missed_grace_days)


def forfeited(missed: Iterable[int], rules: InstalmentRules = INSTALMENT_RULES) -> bool:
    """Whether missing the instalments numbered ``missed`` (1 = the first) ends the plan: the
    first one, or ``forfeit_later_missed`` later ones."""
    numbers = set(missed)
    return 1 in numbers or len(numbers - {1}) >= rules.forfeit_later_missed
