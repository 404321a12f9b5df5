"""The monthly charter report: each target of the Ente's effective policies beside the measured
value and its compliance, satisfaction and the e-mail/PEC mean KPI; CSV and PDF; and the
metrics of cases handled through the real case services (SLA cache filled by the engine)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from core import db
from core.contact import cases, metrics, reports
from core.contact.sla_service import policies_for
from tests import factories
from tests.contact_center.dashboard.builders import at, case, survey

NOW = at("2026-04-15")


@pytest.fixture()
def en(cc_app):
    with cc_app.test_request_context("/?lang=en"):
        yield


def _csv(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_groups_are_governed_by_the_earliest_policy(db_session):
    ente = factories.ente(charter_terms={"complaint": {"first_response": 10,
                                                        "clock": "calendar_days"}})
    governing = metrics.governing_policies(policies_for(ente))
    assert governing[("pec", "complaint")] == {"first_response": "pec", "resolution": None}
    assert governing[("portal", "complaint")]["first_response"] == "complaint"
    assert governing[("portal", "generic")] == {"first_response": "portal", "resolution": "generic"}
    assert governing[("phone", "appeal")] == {"first_response": "callback", "resolution": "appeal"}


def test_report_lines_targets_measured_and_compliance(db_session, en):
    ente = factories.ente()
    opened = at("2026-03-10", 9)
    due = at("2026-03-13", 18)
    case(ente, "pec", "information", opened=opened, fr_due=due, fr_at=at("2026-03-11"))
    case(ente, "pec", "information", opened=opened, fr_due=due, fr_at=at("2026-03-17"))
    case(ente, "email", "information", opened=opened, fr_due=due, fr_at=at("2026-03-11"))
    for score in (5, 5, 4, 2):
        survey(case(ente, "phone", opened=at("2026-03-02"), resolved_at=at("2026-03-02", 15)),
               score, at("2026-03-20"))
    report = reports.charter_report(ente, 2026, 3, now=NOW)
    assert report.received == 7 and report.resolved == 4 and report.open_now == 3
    assert report.breaches["first_response"].breaches == 1

    lines = {line.key: line for line in reports.report_lines(report)}
    keys = [f"{p.key}.{t}" for p in policies_for(ente) for t in ("first_response", "resolution")
            if p.target(t) is not None]
    assert list(lines)[:len(keys)] == keys  # every charter target, in the charter's order
    pec = lines["pec.first_response"]
    assert pec.target == "first response within 3 working days, every case"
    assert (pec.cases, pec.measured_number, pec.compliant) == (2, "50.0", False)
    assert pec.measured == "50.0% on time (1 of 2)"
    email = lines["email.first_response"]
    assert (email.cases, email.compliant) == (1, True)
    assert lines["information.first_response"].cases == 0  # governed by the channel terms
    assert lines["information.first_response"].compliant is None
    assert lines["generic.resolution"].target == "resolution within 30 calendar days, every case"
    assert lines["incident_blocking.first_response"].target.startswith(
        "first response within 2 working hours")
    satisfaction = lines["satisfaction"]
    assert (satisfaction.cases, satisfaction.measured_number, satisfaction.compliant) == (4, "75.0", False)
    mean = lines["email_pec_mean_response"]
    # opened 10 March 09:00 UTC; answered 11 March 10:00 (25 h) and 17 March 10:00 (169 h)
    assert float(mean.measured_number) == pytest.approx((25 + 169 + 25) / 3, abs=0.01)
    assert mean.cases == 3 and mean.compliant is False  # 73 hours: more than 3 days
    assert mean.target == "at most 3 days (72 calendar hours)"



def test_report_csv_and_pdf(db_session, en):
    ente = factories.ente(charter_terms={"email": {"first_response": 2}})
    case(ente, "email", "information", opened=at("2026-03-10"), fr_due=at("2026-03-12", 18),
         fr_at=at("2026-03-11"))
    report = reports.charter_report(ente, 2026, 3, now=NOW)
    rows = _csv(reports.report_csv(report))
    by_key = {r["key"]: r for r in rows}
    assert by_key["email.first_response"]["target"] == "first response within 2 working days, every case"
    assert by_key["email.first_response"]["compliance"] == "met"
    assert by_key["email.first_response"]["measured"] == "100.0"
    assert by_key["satisfaction"]["compliance"] == "" and by_key["satisfaction"]["target_value"] == "90.0"
    assert by_key["cases_received"]["cases"] == "1"
    assert {r["ente"] for r in rows} == {ente.code} and {r["month"] for r in rows} == {"2026-03"}
    pdf = reports.report_pdf(report)
    assert pdf.startswith(b"%PDF")


def test_report_in_the_readers_language(cc_app, db_session):
    ente = factories.ente()
    report = reports.charter_report(ente, 2026, 3, now=NOW)
    with cc_app.test_request_context("/?lang=it"):
        lines = {line.key: line for line in reports.report_lines(report)}
        assert reports.report_pdf(report).startswith(b"%PDF")
    assert lines["satisfaction"].target != "at least 90.0% positive answers (4 or 5 out of 5)"


def test_month_parsing():
    assert reports.parse_month("2026-03") == (2026, 3)
    for bad in ("2026-13", "2026-3", "26-03", "1999-12", "2026-03.pdf", ""):
        with pytest.raises(ValueError):
            reports.parse_month(bad)
    assert metrics.month_bounds(2026, 12) == (at("2026-12-01").date(), at("2026-12-31").date())
    assert metrics.month_bounds(2024, 2)[1] == at("2024-02-29").date()


def test_metrics_of_cases_handled_through_the_services(db_session, en):
    """open_case / reply / set_status fill the SLA cache the metrics read."""
    ente = factories.ente()
    factories.queue(ente)
    opened = at("2026-03-09", 9)  # Monday 10:00 in Rome
    fast = cases.open_case(ente_id=ente.id, channel="pec", case_type="information", subject="a",
                           body="x", opened_at=opened)
    slow = cases.open_case(ente_id=ente.id, channel="pec", case_type="information", subject="b",
                           body="x", opened_at=opened)
    agent = cases.Actor("staff", factories.staff(enti=[ente]).id)
    cases.reply(fast, agent, "answer", at=opened + timedelta(hours=2))
    cases.reply(slow, agent, "answer", at=opened + timedelta(days=10))
    cases.set_status(slow, agent, "resolved", at=opened + timedelta(days=11))
    db.session.flush()
    assert fast.first_response_due is not None  # 3 working days: Thursday 12 March, 19:00
    scope = metrics.make_scope([ente.id], at("2026-03-01").date(), at("2026-03-31").date(), now=NOW)
    pec = metrics.by_channel(metrics.outcomes(scope))[0]
    assert (pec.key, pec.outcome.on_time, pec.outcome.late) == ("pec", 1, 1)
    assert metrics.resolved_count(scope) == 1
