"""The daily sweep: an instalment unpaid after its due date + grace is missed; missing the
first one, or two later ones, ends the plan (notices cancelled, the verbale back to the
ordinary rules, the balance due in one payment, the citizen told); a request left undecided
past its term is refused by silence; the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

from core import db, jobs
from core.db import utcnow
from core.instalments import plan_summary
from core.instalments.payments import record_instalment_payment
from core.instalments.sweep import sweep
from core.models import (
    InstalmentStatus,
    NoticeStatus,
    PaymentChannel,
    PlanStatus,
    Verbale,
    VerbaleStatus,
)
from tests import factories


def _plan(count=4, email=None, **kw):
    ente = factories.ente()
    person = factories.person(ente, email=email, email_verified_at=utcnow() if email else None)
    verbale = factories.instalment_verbale(ente, person, min_amount="800.00")
    plan = factories.approved_instalment_plan(verbale, person, count=count, **kw)
    return verbale, plan


def _pay(instalment, ref):
    record_instalment_payment(instalment, channel=PaymentChannel.BANK_TRANSFER, provider_ref=ref,
                              amount=instalment.amount, paid_at=utcnow())
    db.session.commit()


def test_grace_then_missed_first_instalment_ends_the_plan(ctx, smtp_server):
    verbale, plan = _plan(email="driver@example.org", language="de")
    first = plan.instalments[0]
    result = sweep(first.due_on + timedelta(days=5))  # last day of grace
    assert result.missed == 0 and plan.status == PlanStatus.APPROVED
    result = sweep(first.due_on + timedelta(days=6))
    db.session.commit()
    jobs.run_ready()
    assert (result.missed, result.forfeited) == (1, 1)
    assert first.status == InstalmentStatus.MISSED and first.missed_at is not None
    assert plan.status == PlanStatus.FORFEITED and plan.forfeited_at is not None
    assert all(i.notice.status == NoticeStatus.CANCELLED for i in plan.instalments)
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.NOTIFIED
    summary = plan_summary(verbale.id, first.due_on + timedelta(days=6))
    assert summary.status == "forfeited" and summary.balance_due is not None
    assert summary.next_instalment is None and not summary.payable_lines
    message = smtp_server.wait_for(3)[-1]  # acknowledgement, approval, end of the plan
    assert plan.case.protocol in message["Subject"]
    assert any(event.kind == "instalments_forfeited" for event in plan.case.events)


def test_two_later_missed_instalments_end_the_plan(ctx):
    _verbale, plan = _plan(count=4)
    first, second, third, _fourth = plan.instalments
    _pay(first, "BT-1")
    sweep(second.due_on + timedelta(days=6))
    assert second.status == InstalmentStatus.MISSED and plan.status == PlanStatus.APPROVED
    _pay(second, "BT-2")  # paid late: still counts as missed
    assert second.status == InstalmentStatus.PAID and second.missed_at is not None
    sweep(third.due_on + timedelta(days=6))
    assert third.status == InstalmentStatus.MISSED
    assert plan.status == PlanStatus.FORFEITED
    assert plan.details["missed"] == [2, 3]


def test_sweep_twice_changes_nothing_more(ctx):
    _verbale, plan = _plan(count=3)
    day = plan.instalments[1].due_on + timedelta(days=6)
    _pay(plan.instalments[0], "BT-x")
    assert sweep(day).missed == 1
    assert sweep(day).missed == 0


def test_request_without_decision_is_refused_by_silence(ctx):
    ente = factories.ente()
    person = factories.person(ente)
    verbale = factories.instalment_verbale(ente, person)
    plan = factories.instalment_request(verbale, person)
    assert sweep(plan.decision_due).refused_by_silence == 0
    result = sweep(plan.decision_due + timedelta(days=1))
    assert result.refused_by_silence == 1
    assert plan.status == PlanStatus.REJECTED and plan.details["refused_by_silence"]
    assert plan.pay_by >= plan.decision_due + timedelta(days=30)


def test_cli_sweep(ctx, portal_app):
    _verbale, plan = _plan(count=3)
    day = plan.instalments[0].due_on + timedelta(days=6)
    ente_code = plan.ente.code
    runner = portal_app.test_cli_runner()
    result = runner.invoke(args=["instalments", "sweep", "--ente", ente_code,
                                 "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"plans": 1, "missed": 1, "forfeited": 1,
                                         "refused_by_silence": 0}
    bad = runner.invoke(args=["instalments", "sweep", "--today", "tomorrow"])
    assert bad.exit_code == 2
