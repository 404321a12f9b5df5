"""Court fee (contributo unificato) of an appeal to the Giudice di Pace (art. 204-bis CdS;
art. 13 and 30 DPR 115/2002) — fines-law §3, tagged [C]: a versioned table that an Ente may
override (see :mod:`core.fines.settings`), never a constant in a view.

:data:`COURT_FEE_VERSIONS` lists the versions by ``valid_from``; :func:`court_fee_rules_on`
picks the one in force on a date. The value of the dispute is the amount contested.

* ``court_fee_tiers`` — ``((ceiling, fee), ...)``: the fee of the first tier whose ceiling is
  not below the value (€43 up to €1,100; €98 up to €5,200);
* ``court_fee_above`` — the fee above the last ceiling (€237, also for undetermined value);
* ``court_fee_surcharge`` (€27, the flat "anticipazioni forfettarie" of art. 30) is added when
  the value exceeds ``court_fee_surcharge_above`` (€1,033).

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

__all__ = [
    "COURT_FEE_RULES",
    "COURT_FEE_VERSIONS",
    "CourtFee",
    "CourtFeeRules",
    "court_fee",
    "court_fee_rules_on",
]


@dataclass(frozen=True, slots=True)
class CourtFeeRules:
    """One version of the court-fee table (money as ``Decimal``)."""

    valid_from: date = date(2014, 6, 25)
    court_fee_tiers: tuple[tuple[Decimal, Decimal], ...] = (
        (Decimal("1100.00"), Decimal("43.00")),
        (Decimal("5200.00"), Decimal("98.00")),
    )
    court_fee_above: Decimal = Decimal("237.00")
    court_fee_surcharge_above: Decimal = Decimal("1033.00")
    court_fee_surcharge: Decimal = Decimal("27.00")

    def __post_init__(self) -> None:
        tiers = tuple((Decimal(limit), Decimal(fee)) for limit, fee in self.court_fee_tiers)
        if [t[0] for t in tiers] != sorted(t[0] for t in tiers) or any(
                not f.is_finite() or f < 0 for _, f in tiers):
            raise ValueError("court_fee_tiers must be sorted by value with fees >= 0")
        object.__setattr__(self, "court_fee_tiers", tiers)
        for name in ("court_fee_above", "court_fee_surcharge_above", "court_fee_surcharge"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"{name} must be a non-negative Decimal")


#: Versions in force, oldest first.
COURT_FEE_VERSIONS: tuple[CourtFeeRules, ...] = (CourtFeeRules(),)
#: The latest version.
COURT_FEE_RULES = COURT_FEE_VERSIONS[-1]


def court_fee_rules_on(
    on: date, versions: tuple[CourtFeeRules, ...] = COURT_FEE_VERSIONS
) -> CourtFeeRules:
    """The version in force on ``on`` (the latest ``valid_from`` not after it)."""
    current = None
    for version in sorted(versions, key=lambda v: v.valid_from):
        if version.valid_from <= on:
            current = version
    if current is None:
        raise ValueError(f"no court-fee rules in force on {on.isoformat()}")
    return current


@dataclass(frozen=True, slots=True)
class CourtFee:
    """The fee for a value: ``total = fee + surcharge``."""

    value: Decimal
    fee: Decimal
    surcharge: Decimal

    @property
    def total(self) -> Decimal:
        return self.fee + self.surcharge


def court_fee(value: Decimal | None, rules: CourtFeeRules = COURT_FEE_RULES) -> CourtFee:
    """The court fee for a dispute of ``value`` (``None``: undetermined value)."""
    if value is None:
        return CourtFee(Decimal("0.00"), rules.court_fee_above, rules.court_fee_surcharge)
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError("value must be a non-negative Decimal")
    fee = rules.court_fee_above
    for ceiling, tier_fee in rules.court_fee_tiers:
        if value <= ceiling:
            fee = tier_fee
            break
    surcharge = rules.court_fee_surcharge if value > rules.court_fee_surcharge_above \
        else Decimal("0.00")
    return CourtFee(value, fee, surcharge)
