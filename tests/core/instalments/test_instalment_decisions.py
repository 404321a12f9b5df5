"""The supervisor's decision: approval dates the instalments and gives each its own pagoPA
notice (aux digit 3, own IUV, never reused), the verbale goes to "instalments", the citizen is
answered on the case and by e-mail in the request's language; refusals need a reason; only
supervisors decide, once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlalchemy import select

from core import db, jobs
from core.accounts import StaffPrincipal
from core.db import utcnow
from core.fines.calendar import add_months
from core.instalments import decisions, summarise
from core.models import (
    AuditEvent,
    CaseStatus,
    NoticeStatus,
    PaymentNotice,
    PlanStatus,
    StaffRole,
    Verbale,
    VerbaleStatus,
)
from core.pagopa.notice import is_valid_check
from core.pagopa.service import NoticeError, active_notice, ensure_notice
from core.positions import local_today
from tests import factories


def _requested(language="fr", amount="600.00", count=3):
    ente = factories.ente()
    person = factories.person(ente, email="camille@example.fr", email_verified_at=utcnow(),
                              language=language)
    verbale = factories.instalment_verbale(ente, person, min_amount=amount)
    own_notice = ensure_notice(verbale)
    db.session.commit()
    plan = factories.instalment_request(verbale, person, count=count, language=language)
    supervisor = StaffPrincipal(factories.staff(StaffRole.SUPERVISOR, [ente]))
    return ente, person, verbale, own_notice, plan, supervisor


def test_approval_issues_one_new_notice_per_instalment(ctx, smtp_server):
    ente, _person, verbale, own_notice, plan, supervisor = _requested(count=3)
    decisions.approve(plan, supervisor)
    db.session.commit()
    jobs.run_ready()  # the e-mails queued for after the commit
    assert plan.status == PlanStatus.APPROVED and plan.decided_by == supervisor.id
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.INSTALMENTS
    numbers = [i.notice.notice_number for i in plan.instalments]
    assert len(set(numbers)) == 3 and own_notice.notice_number not in numbers
    for instalment in plan.instalments:
        notice = instalment.notice
        assert notice.notice_number.startswith("3" + ente.segregation_code)
        assert len(notice.notice_number) == 18 and is_valid_check(notice.notice_number)
        assert notice.iuv == notice.notice_number[1:] and notice.status == NoticeStatus.ACTIVE
        assert notice.verbale_id == verbale.id
    today = local_today(ente)
    first = plan.instalments[0].due_on
    assert add_months(today, 1) <= first <= add_months(today, 1) + timedelta(days=3)
    assert [i.due_on for i in plan.instalments] == sorted(i.due_on for i in plan.instalments)
    # the verbale's own notice is still its notice, never an instalment's
    assert active_notice(verbale.id).id == own_notice.id
    case = plan.case
    assert case.status == CaseStatus.RESOLVED
    [reply] = [m for m in case.messages if m.author_type == "staff" and not m.internal]
    assert plan.instalments[0].notice.notice_number[:4] in reply.body
    message = smtp_server.wait_for(2)[-1]  # the acknowledgement, then the decision
    assert case.protocol in message["Subject"]
    body = message.get_content()
    assert format_date(first, "long", locale="fr") in body  # in the request's language
    assert message["To"] == "camille@example.fr"
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "instalments.approved", AuditEvent.actor_id == supervisor.id))


def test_no_new_verbale_notice_while_the_plan_runs(ctx):
    ente = factories.ente()
    person = factories.person(ente)
    verbale = factories.instalment_verbale(ente, person)
    factories.approved_instalment_plan(verbale, person, count=2)
    assert active_notice(verbale.id) is None
    with pytest.raises(NoticeError):
        ensure_notice(verbale)
    assert len(db.session.scalars(select(PaymentNotice).where(
        PaymentNotice.verbale_id == verbale.id)).all()) == 2


def test_rejection_needs_a_reason_and_sets_the_payment_term(ctx, smtp_server):
    _ente, _person, verbale, _notice, plan, supervisor = _requested(language="it")
    with pytest.raises(decisions.DecisionError):
        decisions.reject(plan, supervisor, "   ")
    decisions.reject(plan, supervisor, "Reddito dichiarato non documentato.")
    db.session.commit()
    jobs.run_ready()
    assert plan.status == PlanStatus.REJECTED and plan.decision_reason
    assert plan.pay_by >= local_today() + timedelta(days=30)
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.NOTIFIED
    message = smtp_server.wait_for(2)[-1]
    assert "Reddito dichiarato non documentato." in message.get_content()
    assert summarise(plan).balance_due == Decimal("600.00")


def test_only_supervisors_decide_and_only_once(ctx):
    ente, _person, _verbale, _notice, plan, supervisor = _requested()
    agent = StaffPrincipal(factories.staff(StaffRole.AGENT, [ente]))
    with pytest.raises(decisions.DecisionError):
        decisions.approve(plan, agent)
    assert plan.status == PlanStatus.REQUESTED and not any(i.notice_id for i in plan.instalments)
    decisions.approve(plan, supervisor)
    with pytest.raises(decisions.DecisionError):
        decisions.reject(plan, supervisor, "too late")
    other = StaffPrincipal(factories.staff(StaffRole.SUPERVISOR, [factories.ente()]))
    assert decisions.visible_plan(plan.id, other) is None
    assert decisions.visible_plan(plan.id, supervisor).id == plan.id


def test_a_fine_paid_meanwhile_cannot_be_approved(ctx):
    _ente, _person, verbale, _notice, plan, supervisor = _requested()
    factories.payment(verbale, "600.00")
    verbale.status = VerbaleStatus.PAID
    db.session.commit()
    with pytest.raises(decisions.DecisionError):
        decisions.approve(plan, supervisor)
    assert plan.status == PlanStatus.REQUESTED
