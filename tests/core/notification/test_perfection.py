"""Perfection per recipient and channel (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.notification.perfection import day_zero, pec_perfection, send_perfection


def el(category: str, at: str, idx: int = 0, **details) -> dict:
    return {"elementId": f"x_{category}_{idx}", "timestamp": at, "category": category,
            "details": {"recIndex": idx, **details}}


@pytest.mark.parametrize(("category", "days"), [
    ("DIGITAL_SUCCESS_WORKFLOW", 7), ("DIGITAL_FAILURE_WORKFLOW", 15),
    ("ANALOG_SUCCESS_WORKFLOW", 10), ("ANALOG_FAILURE_WORKFLOW", 10),
])
def test_send_rule_days_from_the_outcome(category, days):
    (rec,) = send_perfection([el(category, "2026-03-10T09:00:00Z")], 1)
    assert rec.outcome_on == date(2026, 3, 10)
    assert (rec.perfected_on - rec.outcome_on).days == days
    assert not rec.perfected(date(2026, 3, 10)) and rec.perfected(rec.perfected_on)


def test_the_italian_date_counts_not_the_utc_one():
    (rec,) = send_perfection([el("DIGITAL_SUCCESS_WORKFLOW", "2026-03-09T23:30:00Z")], 1)
    assert rec.outcome_on == date(2026, 3, 10) and rec.perfected_on == date(2026, 3, 17)


def test_an_earlier_view_perfects_a_later_one_does_not():
    early = send_perfection([el("DIGITAL_SUCCESS_WORKFLOW", "2026-03-10T09:00:00Z"),
                             el("NOTIFICATION_VIEWED", "2026-03-12T08:00:00Z")], 1)[0]
    assert (early.perfected_on, early.basis) == (date(2026, 3, 12), "viewed")
    assert early.perfected(date(2026, 3, 12))
    late = send_perfection([el("DIGITAL_SUCCESS_WORKFLOW", "2026-03-10T09:00:00Z"),
                            el("NOTIFICATION_VIEWED", "2026-03-20T08:00:00Z")], 1)[0]
    assert (late.perfected_on, late.basis) == (date(2026, 3, 17), "digital_success")


def test_each_recipient_has_its_own_date():
    timeline = [el("ANALOG_SUCCESS_WORKFLOW", "2026-03-10T09:00:00Z", 0),
                el("DIGITAL_SUCCESS_WORKFLOW", "2026-03-06T09:00:00Z", 1),
                el("REFINEMENT", "2026-03-12T23:00:00Z", 1, notificationCost=200)]
    first, second = send_perfection(timeline, 2)
    assert first.perfected_on == date(2026, 3, 20) and second.perfected_on == date(2026, 3, 13)
    assert second.platform_refinement_on == date(2026, 3, 13) and second.cost_cents == 200
    assert first.cost_cents is None


def test_nothing_known_yet():
    (rec,) = send_perfection([el("SEND_ANALOG_DOMICILE", "2026-03-06T09:00:00Z")], 1)
    assert rec.perfected_on is None and not rec.perfected(date(2030, 1, 1))


def test_pec_is_perfected_on_the_delivery_receipt_italian_date():
    assert pec_perfection(datetime(2026, 8, 1, 22, 30, tzinfo=UTC)) == date(2026, 8, 2)


def test_day_zero_is_the_offenders_date_else_the_earliest():
    assert day_zero({1: date(2026, 3, 20), 2: date(2026, 3, 13)}, offender_id=1) == date(2026, 3, 20)
    assert day_zero({2: date(2026, 3, 13), 3: date(2026, 3, 15)}, offender_id=1) == date(2026, 3, 13)
    assert day_zero({}, offender_id=1) is None
