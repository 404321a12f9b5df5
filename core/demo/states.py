"""The demo's view of where a verbale stands: the procedural status plus, for a notified and
unpaid verbale, the amount window it is in today (day 0 = ``notified_on``).

Used to plan the demo (every state exists whenever it is loaded), to print the bulk summary
and by the tests.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

ASSESSED = "assessed"  # accertato, not yet sent
SENT = "sent"  # notification sent, not yet perfected
JUST_NOTIFIED = "just_notified"  # day 0 is today
REDUCED_WINDOW = "reduced_window"  # days 1-5: minimum - 30 %
MINIMUM_WINDOW = "minimum_window"  # days 6-60: minimum
PAST_60_DAYS = "past_60_days"  # day 61 on: half the maximum
PARTIALLY_PAID = "partially_paid"
PAID = "paid"
APPEALED = "appealed"
INSTALMENTS = "instalments"
ENFORCEMENT = "enforcement"
CANCELLED = "cancelled"

STATES = (ASSESSED, SENT, JUST_NOTIFIED, REDUCED_WINDOW, MINIMUM_WINDOW, PAST_60_DAYS,
          PARTIALLY_PAID, PAID, APPEALED, INSTALMENTS, ENFORCEMENT, CANCELLED)


def demo_state(status: str, notified_on: date | None, today: date,
               paid: Decimal = Decimal(0)) -> str:
    """The state of a verbale with procedural ``status``, day 0 ``notified_on`` and ``paid``
    already confirmed, seen on ``today``."""
    status = str(status)
    if status == "notified":
        if paid > 0:
            return PARTIALLY_PAID
        if notified_on is None:
            return SENT
        days = (today - notified_on).days
        if days <= 0:
            return JUST_NOTIFIED
        if days <= 5:
            return REDUCED_WINDOW
        if days <= 60:
            return MINIMUM_WINDOW
        return PAST_60_DAYS
    return {"assessed": ASSESSED, "paid": PAID, "appealed": APPEALED,
            "instalments": INSTALMENTS, "enforcement": ENFORCEMENT,
            "cancelled": CANCELLED}[status]
