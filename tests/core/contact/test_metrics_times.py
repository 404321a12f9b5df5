"""Response and resolution times in calendar hours: mean and 90th percentile (linear
interpolation, like PostgreSQL's percentile_cont; SQLite uses the window-function fallback)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.contact import metrics
from tests import factories
from tests.contact_center.dashboard.builders import answered, at, case

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _scope(ente):
    return metrics.make_scope([ente.id], *MARCH, now=at("2026-04-15"))


def test_mean_and_p90_per_channel_and_overall(db_session):
    ente = factories.ente()
    opened = at("2026-03-10", 9)
    for hours in range(1, 11):  # e-mail: 1 … 10 hours
        answered(ente, "email", "information", opened, hours)
    for hours in (24, 48, 96):  # PEC: answered and resolved
        answered(ente, "pec", "complaint", opened, hours, resolved_after_hours=hours * 2)
    case(ente, "phone", "information", opened=opened)  # not answered: left out of the times
    answered(ente, "email", "information", at("2026-04-02"), 500)  # April: not in March

    rows = {r.key: r for r in metrics.response_times(_scope(ente))}
    assert list(rows) == ["email", "pec", "phone", ""]
    email, pec, phone, overall = rows["email"], rows["pec"], rows["phone"], rows[""]
    assert email.first_response.count == 10
    assert email.first_response.mean_hours == pytest.approx(5.5, abs=1e-3)
    assert email.first_response.p90_hours == pytest.approx(9.1, abs=1e-3)  # 9 + 0.1 × (10 − 9)
    assert email.resolution.count == 0 and email.resolution.mean_hours is None
    assert email.resolution.p90_hours is None
    assert pec.first_response.mean_hours == pytest.approx(56, abs=1e-3)
    assert pec.first_response.p90_hours == pytest.approx(86.4, abs=1e-3)  # 48 + 0.8 × 48
    assert pec.resolution.count == 3
    assert pec.resolution.mean_hours == pytest.approx(112, abs=1e-3)
    assert pec.resolution.p90_hours == pytest.approx(172.8, abs=1e-3)
    assert phone.first_response.count == 0 and phone.first_response.p90_hours is None
    # all channels: 1 … 10, 24, 48, 96 → position 0.9 × 12 = 10.8 between 24 and 48
    assert overall.first_response.count == 13
    assert overall.first_response.mean_hours == pytest.approx((55 + 168) / 13, abs=1e-3)
    assert overall.first_response.p90_hours == pytest.approx(24 + 0.8 * 24, abs=1e-3)
    assert overall.resolution.p90_hours == pytest.approx(172.8, abs=1e-3)
    assert metrics.email_pec_mean_hours(rows.values()) == pytest.approx((55 + 168) / 13, abs=1e-3)


def test_single_case_and_first_response_met_by_resolution(db_session):
    ente = factories.ente()
    opened = at("2026-03-10", 9)
    case(ente, "letter", "generic", opened=opened, res_due=opened + timedelta(days=30),
         resolved_at=opened + timedelta(hours=30))
    rows = {r.key: r for r in metrics.response_times(_scope(ente))}
    letter = rows["letter"]
    assert letter.first_response.count == 1
    assert letter.first_response.mean_hours == pytest.approx(30, abs=1e-3)
    assert letter.first_response.p90_hours == pytest.approx(30, abs=1e-3)
    assert letter.resolution.p90_hours == pytest.approx(30, abs=1e-3)


def test_no_cases_no_times(db_session):
    ente = factories.ente()
    rows = metrics.response_times(_scope(ente))
    assert len(rows) == 1 and rows[0].key == ""
    assert rows[0].first_response.count == 0 and rows[0].first_response.mean_hours is None
    assert metrics.email_pec_mean_hours(rows) is None
