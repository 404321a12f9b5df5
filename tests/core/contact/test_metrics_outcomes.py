"""Dashboard metrics on hand-built cases: charter-term outcomes per channel and type, the
period in Europe/Rome, breaches, backlog age buckets, workload and satisfaction share."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from core import db
from core.contact import metrics
from core.contact.metrics import Outcome
from core.models import CaseStatus, StaffRole
from tests import factories
from tests.contact_center.dashboard.builders import at, case, survey

NOW = at("2026-04-15", 10)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _scope(*enti, period=MARCH, now=NOW):
    return metrics.make_scope([e.id for e in enti], *period, now=now)


@pytest.fixture()
def enti(db_session):
    return factories.ente(), factories.ente()


def test_on_time_and_late_per_channel_and_type(enti):
    a, b = enti
    opened = at("2026-03-10", 9)
    fr_due, res_due = at("2026-03-13", 18), at("2026-04-09", 21)
    case(a, "pec", "complaint", opened=opened, fr_due=fr_due, fr_at=at("2026-03-12"))  # on time
    case(a, "pec", "complaint", opened=opened, fr_due=fr_due, fr_at=at("2026-03-16"))  # late
    case(a, "email", "information", opened=opened, fr_due=fr_due)  # overdue, never answered
    case(a, "email", "information", opened=opened, fr_due=at("2026-04-30"))  # not yet due
    # no first-response term: the resolution counts
    case(a, "portal", "generic", opened=opened, res_due=res_due, resolved_at=at("2026-04-01"))
    case(a, "portal", "generic", opened=opened, res_due=res_due, resolved_at=at("2026-04-12"))
    # resolved before the first-response due time without a reply: the first response is met
    case(a, "email", "complaint", opened=opened, fr_due=fr_due, resolved_at=at("2026-03-11"))
    # not counted: another Ente, another month, a merged duplicate
    case(b, "pec", "complaint", opened=opened, fr_due=fr_due, fr_at=at("2026-03-20"))
    case(a, "pec", "complaint", opened=at("2026-02-27"), fr_due=fr_due, fr_at=at("2026-03-20"))
    into = case(a, "letter", "other", opened=opened, fr_due=fr_due, fr_at=at("2026-03-11"))
    case(a, "letter", "other", opened=opened, fr_due=fr_due, merged_into=into,
         resolved_at=at("2026-03-30"), status=CaseStatus.CLOSED)

    groups = metrics.outcomes(_scope(a))
    channels = {r.key: r for r in metrics.by_channel(groups)}
    assert set(channels) == {"pec", "email", "portal", "letter"}
    assert channels["pec"].received == 2
    assert channels["pec"].outcome == Outcome(cases=2, on_time=1, late=1)
    assert channels["pec"].outcome.share == Fraction(1, 2)
    assert channels["email"].outcome == Outcome(cases=3, on_time=1, overdue=1, pending=1)
    assert channels["email"].outcome.share == Fraction(1, 2)  # the pending case is left out
    assert channels["portal"].outcome == Outcome(cases=2, on_time=1, late=1)
    assert channels["letter"].outcome == Outcome(cases=1, on_time=1)
    assert channels["letter"].outcome.compliant is True
    assert channels["pec"].outcome.compliant is False

    types = {r.key: r for r in metrics.by_type(groups)}
    assert types["complaint"].outcome == Outcome(cases=3, on_time=2, late=1)
    assert types["information"].outcome == Outcome(cases=2, overdue=1, pending=1)
    assert types["information"].outcome.share == 0
    assert types["generic"].outcome.share == Fraction(1, 2)

    total = metrics.total(groups)
    assert total.received == 8 and total.outcome.decided == 7 and total.outcome.on_time == 4

    found = metrics.breaches(groups)
    assert found["first_response"] == Outcome(cases=6, on_time=3, late=1, overdue=1, pending=1)
    assert found["first_response"].breaches == 2
    assert found["resolution"] == Outcome(cases=2, on_time=1, late=1)


def test_nothing_to_measure_gives_no_share(enti):
    a, _ = enti
    case(a, "email", "information", opened=at("2026-03-10"), fr_due=at("2026-05-10"))
    channels = metrics.by_channel(metrics.outcomes(_scope(a)))
    assert channels[0].outcome.share is None and channels[0].outcome.compliant is None
    assert metrics.outcomes(_scope(a, period=(date(2025, 1, 1), date(2025, 1, 31)))) == ()


def test_period_is_in_rome_time(enti):
    a, _ = enti
    # 31 March 23:30 in Rome (summer time) is 21:30 UTC; 1 April 00:30 is 31 March 22:30 UTC
    case(a, "email", "information", opened=at("2026-03-31", 21).replace(minute=30))
    case(a, "phone", "information", opened=at("2026-03-31", 22).replace(minute=30))
    # 1 March 00:30 in Rome (winter time) is 28 February 23:30 UTC
    case(a, "pec", "information", opened=at("2026-02-28", 23).replace(minute=30))
    received = {r.key: r.received for r in metrics.by_channel(metrics.outcomes(_scope(a)))}
    assert received == {"email": 1, "pec": 1}


def test_backlog_age_buckets(enti):
    a, b = enti
    for age in (timedelta(0), timedelta(days=1, hours=23), timedelta(days=2),
                timedelta(days=5, hours=12), timedelta(days=6), timedelta(days=10, hours=23),
                timedelta(days=11), timedelta(days=30, hours=23), timedelta(days=31),
                timedelta(days=100)):
        case(a, opened=NOW - age, status=CaseStatus.OPEN)
    case(a, opened=NOW - timedelta(days=3), status=CaseStatus.WAITING_CITIZEN,
         next_due=NOW - timedelta(hours=1))  # past due
    case(a, opened=NOW - timedelta(days=3), status=CaseStatus.NEW, next_due=NOW + timedelta(days=1))
    case(a, opened=NOW - timedelta(days=3), resolved_at=NOW - timedelta(days=1))  # not open
    case(b, opened=NOW - timedelta(days=3), status=CaseStatus.OPEN)  # other Ente

    rows = metrics.backlog(_scope(a))
    assert [(r.key, r.count, r.overdue) for r in rows] == [
        ("0-1", 2, 0), ("2-5", 4, 1), ("6-10", 2, 0), ("11-30", 2, 0), ("over-30", 2, 0)]
    # the backlog is "now", whatever the period
    assert metrics.backlog(_scope(a, period=(date(2020, 1, 1), date(2020, 1, 31)))) == rows


def test_workload_per_agent(enti):
    a, b = enti
    anna = factories.staff(StaffRole.AGENT, [a], name="Anna")
    bruno = factories.staff(StaffRole.AGENT, [a, b], name="Bruno")
    case(a, opened=at("2026-01-10"), assignee=anna)
    case(a, opened=at("2026-03-10"), assignee=anna, status=CaseStatus.WAITING_CITIZEN)
    case(a, opened=at("2026-02-10"), assignee=anna, resolved_at=at("2026-03-02"))
    case(a, opened=at("2026-03-10"), assignee=bruno, resolved_at=at("2026-03-20"),
         status=CaseStatus.CLOSED)
    case(a, opened=at("2026-03-10"), assignee=bruno, resolved_at=at("2026-04-02"))  # April
    case(b, opened=at("2026-03-10"), assignee=bruno)  # other Ente
    case(a, opened=at("2026-03-10"))  # nobody's

    rows = metrics.workload(_scope(a))
    assert [(r.name, r.open_assigned, r.resolved_in_period) for r in rows] == [
        ("Anna", 2, 1), ("Bruno", 0, 1)]
    both = {r.name: r.open_assigned for r in metrics.workload(_scope(a, b))}
    assert both == {"Anna": 2, "Bruno": 1}


def test_satisfaction_share_of_four_and_five_about_the_cases_received(enti):
    a, b = enti
    for score, channel in ((5, "email"), (4, "email"), (3, "email"), (1, "phone"), (5, "phone")):
        survey(case(a, channel, opened=at("2026-03-20"), resolved_at=at("2026-03-25")), score,
               at("2026-04-05"))  # answered in April, about a case received in March
    survey(case(a, opened=at("2026-02-20"), resolved_at=at("2026-02-21")), 1, at("2026-03-02"))
    survey(case(b, opened=at("2026-03-02"), resolved_at=at("2026-03-03")), 1, at("2026-03-05"))
    case(a, opened=at("2026-03-02"), resolved_at=at("2026-03-03"))  # no answer

    overall, *per_channel = metrics.satisfaction(_scope(a))
    assert (overall.responses, overall.positive) == (5, 3)
    assert overall.share == Fraction(3, 5) and overall.compliant is False
    assert [(r.key, r.responses, r.positive) for r in per_channel] == [("email", 3, 2), ("phone", 2, 1)]
    nobody = metrics.satisfaction(_scope(a, period=(date(2025, 1, 1), date(2025, 1, 31))))
    assert nobody[0].responses == 0 and nobody[0].share is None and nobody[0].compliant is None


def test_ninety_percent_answered_positively_meets_the_charter(enti):
    a, _ = enti
    for score in (5,) * 9 + (2,):
        survey(case(a, opened=at("2026-03-01"), resolved_at=at("2026-03-02")), score,
               at("2026-03-03"))
    assert metrics.satisfaction(_scope(a))[0].compliant is True


def test_scope_for_principals(enti):
    a, b = enti
    db.session.commit()
    supervisor = _principal(StaffRole.SUPERVISOR, a)
    scope, seen = metrics.scope_for(supervisor, now=NOW)
    assert scope.ente_ids == (a.id,) and seen == [a]
    assert (scope.date_from, scope.date_to) == (date(2026, 4, 1), date(2026, 4, 15))
    with pytest.raises(metrics.NotVisible):
        metrics.scope_for(supervisor, ente_code=b.code)
    admin = _principal(StaffRole.ADMIN)
    assert {a.id, b.id} <= set(metrics.scope_for(admin)[0].ente_ids)
    assert metrics.scope_for(_principal(StaffRole.SUPERVISOR))[0].ente_ids == ()


def _principal(role, *enti):
    from core.accounts import StaffPrincipal

    return StaffPrincipal(factories.staff(role, list(enti)))
