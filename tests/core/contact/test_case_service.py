"""Case services: protocol numbers, routing, SLA cache from events, pause, merge, escalation."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core import db
from core.accounts import StaffPrincipal
from core.contact import cases
from core.contact.sla_service import clocks, refresh
from core.models import Case, CasePriority, CaseStatus, StaffRole
from tests import factories

ROME = ZoneInfo("Europe/Rome")


def _ente_with_queues():
    ente = factories.ente()
    general = factories.queue(ente, "assistance")
    foreign = factories.queue(ente, "foreign_drivers", languages=("en", "de", "fr", "es"))
    dpo = factories.queue(ente, "dpo")
    factories.routing_rule(ente, dpo, 1, case_type="access")
    factories.routing_rule(ente, foreign, 2, language="de")
    factories.routing_rule(ente, foreign, 3, language="en")
    factories.routing_rule(ente, general, 99)
    return ente, general, foreign, dpo


def test_protocols_are_sequential_per_ente_and_year(db_session):
    ente, *_ = _ente_with_queues()
    opened = datetime(2026, 12, 18, 18, 30, tzinfo=ROME)
    a = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="a", body="x", opened_at=opened)
    b = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="b", body="x", opened_at=opened)
    assert a.protocol == f"{ente.code}-2026-000001" and b.protocol == f"{ente.code}-2026-000002"


def test_routing_by_type_then_language(db_session):
    ente, general, foreign, dpo = _ente_with_queues()
    assert cases.open_case(ente_id=ente.id, channel="portal", case_type="access", subject="s", body="b", language="de").queue_id == dpo.id
    assert cases.open_case(ente_id=ente.id, channel="portal", case_type="information", subject="s", body="b", language="de").queue_id == foreign.id
    assert cases.open_case(ente_id=ente.id, channel="portal", case_type="information", subject="s", body="b", language="it").queue_id == general.id


def test_pec_complaint_due_times_and_first_response(db_session):
    ente, *_ = _ente_with_queues()
    opened = datetime(2026, 12, 18, 18, 30, tzinfo=ROME)  # Friday evening
    case = cases.open_case(ente_id=ente.id, channel="pec", case_type="complaint", subject="s", body="b", opened_at=opened)
    assert case.first_response_due.astimezone(ROME) == datetime(2026, 12, 23, 19, 0, tzinfo=ROME)
    agent = StaffPrincipal(factories.staff(StaffRole.AGENT, [ente]))
    cases.reply(case, cases.Actor.staff(agent), "Risposta", at=datetime(2026, 12, 21, 10, 0, tzinfo=ROME))
    state = clocks(case, now=datetime(2026, 12, 28, 10, 0, tzinfo=ROME))
    assert state.first_response.met and state.first_response.state == "ok"


def test_waiting_for_citizen_pauses_the_clock(db_session):
    ente, *_ = _ente_with_queues()
    opened = datetime(2027, 3, 1, 9, 0, tzinfo=ROME)  # Monday
    case = cases.open_case(ente_id=ente.id, channel="email", case_type="other", subject="s", body="b", opened_at=opened)
    before = case.first_response_due
    cases.set_status(case, cases.SYSTEM, CaseStatus.WAITING_CITIZEN, at=datetime(2027, 3, 1, 10, 0, tzinfo=ROME))
    cases.reply(case, cases.Actor("citizen"), "ecco i documenti", at=datetime(2027, 3, 3, 10, 0, tzinfo=ROME))
    assert case.status == CaseStatus.OPEN
    refresh(case, now=datetime(2027, 3, 4, 9, 0, tzinfo=ROME))  # clocks are evaluated "now"
    assert case.first_response_due > before  # two paused working days push the term


def test_breach_raises_priority_once_and_is_recorded(db_session):
    ente, *_ = _ente_with_queues()
    case = cases.open_case(ente_id=ente.id, channel="phone", case_type="incident_blocking", subject="s", body="b",
                           opened_at=datetime(2027, 3, 1, 9, 0, tzinfo=ROME))
    refresh(case, now=datetime(2027, 3, 10, 9, 0, tzinfo=ROME))
    refresh(case, now=datetime(2027, 3, 11, 9, 0, tzinfo=ROME))
    kinds = [e.kind for e in case.events]
    assert kinds.count("sla_breached") == 1 and kinds.count("sla_warning") == 1
    assert case.priority == CasePriority.HIGH and case.sla_state == "breached"


def test_merge_moves_messages_and_closes_the_duplicate(db_session):
    ente, *_ = _ente_with_queues()
    agent = StaffPrincipal(factories.staff(StaffRole.AGENT, [ente]))
    a = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="a", body="one")
    b = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="b", body="two")
    cases.merge(b, a, agent)
    db.session.flush()
    assert b.status == CaseStatus.CLOSED and b.merged_into_id == a.id
    assert sorted(m.body for m in a.messages) == ["one", "two"]


def test_staff_of_another_ente_cannot_see_the_case(db_session):
    ente, *_ = _ente_with_queues()
    other = factories.ente()
    case = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="a", body="one")
    outsider = StaffPrincipal(factories.staff(StaffRole.SUPERVISOR, [other]))
    insider = StaffPrincipal(factories.staff(StaffRole.AGENT, [ente]))
    assert cases.visible_case(case.id, outsider) is None
    assert cases.visible_case(case.id, insider).id == case.id
    assert db.session.get(Case, case.id) is not None
