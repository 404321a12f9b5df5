"""When a notification is perfected for each recipient (fines-law §2, pagopa.md §6) — pure
functions, no database.

SEND, per recipient, from the notification's timeline:

============================  =====================================================
outcome (timeline category)   perfected on
============================  =====================================================
``DIGITAL_SUCCESS_WORKFLOW``  delivery to the digital address + 7 days
``DIGITAL_FAILURE_WORKFLOW``  the failed digital delivery + 15 days
``ANALOG_SUCCESS_WORKFLOW``   paper delivery + 10 days
``ANALOG_FAILURE_WORKFLOW``   failed paper delivery + 10 days (also
/ ``COMPLETELY_UNREACHABLE``
``NOTIFICATION_VIEWED``       the day the recipient viewed it, when earlier
============================  =====================================================

Days are calendar days counted on the Italian date of the event. The platform's own
``REFINEMENT`` date is kept for comparison, never preferred to the rule.

PEC: the date of the delivery receipt (ricevuta di avvenuta consegna). Post and international
registered mail: the ``PERFECTED`` events recorded from the return receipts.

The verbale's day 0 (``Verbale.notified_on``) is the offender's perfection date, or the earliest
one when the offender was not among the recipients (:func:`day_zero`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")

SEND_RULE_DAYS = {"digital_success": 7, "digital_failure": 15, "analog_success": 10,
                  "analog_failure": 10}
_OUTCOMES = {
    "DIGITAL_SUCCESS_WORKFLOW": "digital_success",
    "DIGITAL_FAILURE_WORKFLOW": "digital_failure",
    "ANALOG_SUCCESS_WORKFLOW": "analog_success",
    "ANALOG_FAILURE_WORKFLOW": "analog_failure",
    "COMPLETELY_UNREACHABLE": "analog_failure",
}


def parse_timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=ROME)


def local_date(value: datetime, tz: ZoneInfo = ROME) -> date:
    return value.astimezone(tz).date()


@dataclass(frozen=True)
class RecipientPerfection:
    """What the timeline says about one recipient (``rec_index`` as in the request)."""

    rec_index: int
    outcome: str | None = None  # a key of SEND_RULE_DAYS
    outcome_on: date | None = None
    viewed_on: date | None = None
    platform_refinement_on: date | None = None
    cost_cents: int | None = None

    @property
    def rule_date(self) -> date | None:
        if self.outcome is None or self.outcome_on is None:
            return None
        return self.outcome_on + timedelta(days=SEND_RULE_DAYS[self.outcome])

    @property
    def perfected_on(self) -> date | None:
        """The perfection date by the rule, or the view when earlier."""
        candidates = [d for d in (self.rule_date, self.viewed_on) if d is not None]
        return min(candidates) if candidates else None

    def perfected(self, today: date) -> bool:
        """Perfection has happened: its date has come, or the platform reports it."""
        on = self.perfected_on
        if on is None:
            return False
        return on <= today or self.viewed_on is not None or self.platform_refinement_on is not None

    @property
    def basis(self) -> str:
        if self.viewed_on is not None and (self.rule_date is None or self.viewed_on <= self.rule_date):
            return "viewed"
        return self.outcome or ""


def send_perfection(timeline: Iterable[Mapping[str, Any]], recipients: int,
                    tz: ZoneInfo = ROME) -> list[RecipientPerfection]:
    """One :class:`RecipientPerfection` per recipient from SEND timeline elements."""
    found: dict[int, dict[str, Any]] = {i: {} for i in range(recipients)}
    for element in timeline:
        details = element.get("details") or {}
        idx = details.get("recIndex")
        if not isinstance(idx, int) or idx not in found:
            continue
        at = parse_timestamp(element.get("timestamp"))
        if at is None:
            continue
        info = found[idx]
        category = element.get("category")
        if category in _OUTCOMES:
            outcome = _OUTCOMES[category]
            # the workflow's outcome wins over COMPLETELY_UNREACHABLE at the same time
            if "outcome" not in info or category.endswith("_WORKFLOW"):
                info["outcome"], info["outcome_on"] = outcome, local_date(at, tz)
        elif category == "NOTIFICATION_VIEWED":
            viewed = parse_timestamp(details.get("eventTimestamp")) or at
            day = local_date(viewed, tz)
            info["viewed_on"] = min(day, info.get("viewed_on", day))
            if isinstance(details.get("notificationCost"), int):
                info["cost_cents"] = details["notificationCost"]
        elif category == "REFINEMENT":
            info["platform_refinement_on"] = local_date(at, tz)
            if isinstance(details.get("notificationCost"), int):
                info.setdefault("cost_cents", details["notificationCost"])
    return [RecipientPerfection(rec_index=i, **found[i]) for i in range(recipients)]


def pec_perfection(delivery_receipt_at: datetime, tz: ZoneInfo = ROME) -> date:
    """PEC: perfected when the delivery receipt is generated."""
    return local_date(delivery_receipt_at, tz)


def day_zero(perfected: Mapping[int, date], offender_id: int) -> date | None:
    """The verbale's day 0: the offender's perfection date, else the earliest one."""
    if offender_id in perfected:
        return perfected[offender_id]
    return min(perfected.values()) if perfected else None
