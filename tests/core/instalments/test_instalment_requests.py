"""The request: eligibility against the engine's amount and the household's income, the plan
stored in Decimal, the waiver, the INSTALMENTS case routed with its decision clock (per-Ente
charter terms), drafts, and nothing written when the request is refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import db, drafts
from core.contact.sla_service import clocks
from core.db import utcnow
from core.instalments import has_instalment_request, requests
from core.models import (
    AuditEvent,
    Case,
    CaseType,
    InstalmentPlan,
    InstalmentStatus,
    PlanStatus,
    VerbaleStatus,
)
from tests import factories


def _setup(amount="600.00", days=10, **ente_kw):
    ente = factories.ente(**ente_kw)
    verbali_queue = factories.queue(ente, "verbali")
    factories.routing_rule(ente, verbali_queue, 1, case_type="instalments")
    factories.routing_rule(ente, factories.queue(ente, "assistance"), 99)
    person = factories.person(ente, email="driver@example.org", email_verified_at=utcnow())
    verbale = factories.instalment_verbale(ente, person, min_amount=amount, notified_days_ago=days)
    return ente, person, verbale, verbali_queue


def _submit(verbale, person, **kw):
    values = {"taxable_income": Decimal("9000.00"), "family_members": 0, "count": 3,
              "waiver": True, "language": "fr"}
    values.update(kw)
    return requests.submit(verbale.id, person.id, **values)


def _plans():
    return db.session.scalar(select(func.count()).select_from(InstalmentPlan))


def test_quote_uses_the_engines_amount_and_deadline(ctx):
    _ente, _person, verbale, _q = _setup("600.00", days=10)
    quote = requests.request_quote(verbale)
    assert quote.blocked is None
    assert quote.amount == Decimal("600.00")  # the minimum, days 6–60
    assert quote.request_by >= verbale.notified_on + timedelta(days=30)  # maybe rolled forward
    assert quote.income_limit(2) == Decimal("10628.16") + 2 * Decimal("1032.91")


def test_request_becomes_a_routed_case_with_its_clock_and_a_plan(ctx):
    ente, person, verbale, verbali_queue = _setup("600.00")
    plan = _submit(verbale, person, count=4)
    assert plan.status == PlanStatus.REQUESTED and plan.language == "fr"
    assert plan.principal == Decimal("600.00") and plan.count == 4
    assert [i.principal for i in plan.instalments] == [Decimal("150.00")] * 4
    assert sum(i.amount for i in plan.instalments) == plan.total == plan.principal + plan.interest
    assert all(i.amount >= Decimal("100.00") and i.status == InstalmentStatus.DUE
               for i in plan.instalments)
    assert plan.waiver_acknowledged_at is not None
    assert plan.decision_due >= verbale.notified_on + timedelta(days=90)
    case = db.session.get(Case, plan.case_id)
    assert case.type == CaseType.INSTALMENTS and case.queue_id == verbali_queue.id
    assert case.person_id == person.id and [v.id for v in case.verbali] == [verbale.id]
    assert case.payload["instalment_plan_id"] == plan.id
    resolution = clocks(case).resolution
    assert resolution.policy.key == "instalments"
    assert timedelta(days=15) <= case.resolution_due - case.opened_at <= timedelta(days=17)
    assert db.session.get(type(verbale), verbale.id).status == VerbaleStatus.NOTIFIED
    assert has_instalment_request(verbale.id)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "instalments.requested", AuditEvent.object_id == str(plan.id)))


def test_decision_clock_follows_the_entes_charter_terms(ctx):
    _ente, person, verbale, _q = _setup(charter_terms={"instalments": {"resolution": 90}})
    case = db.session.get(Case, _submit(verbale, person).case_id)
    assert timedelta(days=90) <= case.resolution_due - case.opened_at <= timedelta(days=92)


def test_waiver_must_be_acknowledged(ctx):
    _ente, person, verbale, _q = _setup()
    with pytest.raises(requests.RequestError, match="appeal"):
        _submit(verbale, person, waiver=False)
    assert _plans() == 0 and not has_instalment_request(verbale.id)


@pytest.mark.parametrize(("members", "income", "accepted"), [
    (0, "10628.16", True), (0, "10628.17", False), (2, "12693.98", True), (2, "12693.99", False)])
def test_income_threshold_with_household_members(ctx, members, income, accepted):
    _ente, person, verbale, _q = _setup()
    before = _plans()
    if accepted:
        assert _submit(verbale, person, taxable_income=Decimal(income), family_members=members)
    else:
        with pytest.raises(requests.RequestError):
            _submit(verbale, person, taxable_income=Decimal(income), family_members=members)
        assert _plans() == before


def test_amount_not_above_200_is_refused(ctx):
    _ente, person, verbale, _q = _setup("200.00")
    quote = requests.request_quote(verbale)
    result = requests.check(quote, Decimal("0"), 0)
    assert not result.eligible and "cds_202bis_amount_not_above_threshold" in result.reasons
    with pytest.raises(requests.RequestError, match="200"):
        _submit(verbale, person, count=2)
    assert _plans() == 0


def test_late_request_and_too_many_instalments_are_refused(ctx):
    _ente, person, late, _q = _setup("600.00", days=40)
    with pytest.raises(requests.RequestError):
        _submit(late, person)
    _ente, person, verbale, _q = _setup("600.00")
    with pytest.raises(requests.RequestError):
        _submit(verbale, person, count=7)  # 600 allows at most 6 instalments of ≥ €100
    assert _plans() == 0


def test_one_request_per_verbale_and_only_own_verbali(ctx):
    ente, person, verbale, _q = _setup()
    _submit(verbale, person)
    with pytest.raises(requests.RequestError):
        _submit(verbale, person)
    stranger = factories.person(ente)
    assert requests.submit(verbale.id, stranger.id, taxable_income=Decimal("1"), family_members=0,
                           count=2, waiver=True, language="it") is None
    assert requests.request_quote(verbale).blocked == "already_requested"


def test_draft_kept_between_steps_and_discarded_on_submit(ctx):
    _ente, person, verbale, _q = _setup()
    requests.remember(person.id, verbale.id, 1, taxable_income="9.500,50", family_members="2")
    requests.remember(person.id, verbale.id, 2, count=3)
    typed = requests.answers(person.id, verbale.id)
    assert typed.taxable_income == Decimal("9500.50") and typed.family_members == 2
    assert typed.count == 3
    assert requests.eligibility_of(requests.request_quote(verbale), typed).eligible
    _submit(verbale, person)
    assert not drafts.exists(drafts.person_owner(person.id), "instalments", str(verbale.id))


@pytest.mark.parametrize(("typed", "value"), [
    ("9500", "9500.00"), ("9.500,50", "9500.50"), ("9,500.50", "9500.50"), ("12 000,5", "12000.50"),
    ("12.000", "12000.00"), ("€ 800", "800.00"), ("0", "0.00")])
def test_amounts_typed_in_any_language(typed, value):
    assert requests.parse_amount(typed) == Decimal(value)


@pytest.mark.parametrize("typed", ["", "abc", "-5", "1,2,3", "9.50.0"])
def test_bad_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        requests.parse_amount(typed)
