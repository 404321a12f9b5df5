"""Amounts the demo charges on its payments, from the fines engine when it is available.

``core.fines`` (amounts, per-Ente settings) computes the amount due with holiday roll-forward
and surcharges; if it cannot be imported, a plain fallback applies the three windows of art.
202 CdS (days 1-5 minimum - 30 %, up to day 60 the minimum, then half the maximum) with
Decimal arithmetic, so the demo still loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")

try:  # the engine is developed alongside; keep the demo loadable without it
    from core.fines.amounts import Cost as _Cost
    from core.fines.amounts import Violation as _Violation
    from core.fines.amounts import quote as _quote
    from core.fines.settings import calendar_settings_from, fine_rules_from
except ImportError:  # pragma: no cover - exercised only while the engine is missing
    _quote = None


@dataclass(frozen=True)
class Line:
    minimum: Decimal
    maximum: Decimal
    reduced_payment_allowed: bool = True
    discount_30_allowed: bool = True


def ente_rules(patron_saint: str | None, rules: dict[str, Any]) -> Any:
    """The engine's rules for an Ente (``None`` when the engine is unavailable)."""
    if _quote is None:
        return None
    return fine_rules_from(rules, calendar_settings_from(patron_saint, rules))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _fallback(lines: Sequence[Line], day0: date, on: date) -> Decimal:
    days = (on - day0).days
    total = Decimal(0)
    for line in lines:
        half = max(_money(line.maximum / 2), _money(line.minimum))
        if days > 60 or not line.reduced_payment_allowed:
            total += half
        elif days <= 5 and line.discount_30_allowed:
            total += _money(line.minimum * Decimal("0.7"))
        else:
            total += _money(line.minimum)
    return total


def sanction_due(lines: Sequence[Line], day0: date, on: date, rules: Any = None) -> Decimal:
    """The sanction part (no costs) due when paying on ``on``."""
    return amount_due(lines, day0, on, (), rules)


def amount_due(lines: Sequence[Line], day0: date, on: date, costs: Sequence[Decimal],
               rules: Any = None) -> Decimal:
    """Sanction plus costs due when paying on ``on`` for day 0 ``day0``."""
    if _quote is None:
        return _fallback(lines, day0, on) + sum(costs, Decimal(0))
    violations = [_Violation(line.minimum, line.maximum, line.reduced_payment_allowed,
                             line.discount_30_allowed) for line in lines]
    cost_lines = [_Cost("cost", "cost", amount) for amount in costs]
    kwargs = {"rules": rules} if rules is not None else {}
    return _quote(violations, day0, on, cost_lines, timeline=False, **kwargs).total
