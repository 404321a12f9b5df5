"""Each instalment's own notice through the creditor SOAP service (paForNode): verify and
paGetPaymentV2 answer the instalment's amount and due date, paSendRTV2 pays that instalment
through the ledger (acconto until the last one, then saldo — no refund for the interest), the
verbale's own notice answers "cancelled" while the plan runs."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core import db
from core.db import utcnow
from core.models import (
    Allocation,
    InstalmentStatus,
    NoticeStatus,
    Payment,
    PlanStatus,
    RefundRequest,
    Verbale,
    VerbaleStatus,
)
from core.pagopa import wire
from core.pagopa.service import ensure_notice
from core.positions import build_position, local_today
from tests import factories
from tests.core.pagopa.pagopa_support import (
    call,
    get_payment_request,
    new_ente,
    outcome,
    send_rt_request,
    verify_request,
)


def _approved(count=3, amount="600.00"):
    ente = new_ente()
    person = factories.person(ente, fiscal_code="RSSMRA80A01H501U")
    verbale = factories.instalment_verbale(ente, person, min_amount=amount)
    own = ensure_notice(verbale)
    db.session.commit()
    plan = factories.approved_instalment_plan(verbale, person, count=count)
    return ente, verbale, own, plan


def test_verify_and_get_payment_answer_the_instalments_amount(ctx, portal):
    ente, _verbale, _own, plan = _approved()
    second = plan.instalments[1]
    answer = call(portal, verify_request(ente, second.notice.notice_number))
    assert outcome(answer) == ("OK", None)
    option = answer.find("paymentList/paymentOptionDescription")
    assert option.findtext("amount") == wire.amount(second.amount)
    assert option.findtext("dueDate") == second.due_on.isoformat()
    answer = call(portal, get_payment_request(ente, second.notice.notice_number))
    assert outcome(answer) == ("OK", None)
    assert answer.findtext("data/paymentAmount") == wire.amount(second.amount)
    assert answer.findtext("data/creditorReferenceId") == second.notice.iuv
    assert answer.findtext("data/transferList/transfer/transferAmount") == wire.amount(second.amount)
    db.session.expire_all()
    assert second.notice.quoted_total == second.amount


def test_the_verbales_own_notice_is_cancelled_while_the_plan_runs(ctx, portal):
    ente, _verbale, own, _plan = _approved()
    assert outcome(call(portal, verify_request(ente, own.notice_number))) == \
        ("KO", "PAA_PAGAMENTO_ANNULLATO")


def test_send_rt_pays_the_instalment_and_the_last_one_settles_the_verbale(ctx, portal):
    ente, verbale, _own, plan = _approved(count=3)
    allocations = []
    for index, instalment in enumerate(plan.instalments):
        notice = instalment.notice
        call(portal, get_payment_request(ente, notice.notice_number))
        answer = call(portal, send_rt_request(ente, notice, instalment.amount,
                                              receipt_id=f"rcpt-inst-{plan.id}-{index}",
                                              paid_at=utcnow()))
        assert outcome(answer) == ("OK", None)
        db.session.expire_all()
        assert instalment.status == InstalmentStatus.PAID and instalment.payment_id
        assert notice.status == NoticeStatus.PAID
        allocations.append(instalment.payment.allocation)
        # the same receipt again is one payment
        again = call(portal, send_rt_request(ente, notice, instalment.amount,
                                             receipt_id=f"rcpt-inst-{plan.id}-{index}"))
        assert outcome(again) == ("KO", "PAA_RECEIPT_DUPLICATA")
        if index == 0:
            assert outcome(call(portal, verify_request(ente, notice.notice_number))) == \
                ("KO", "PAA_PAGAMENTO_DUPLICATO")
    assert allocations == [Allocation.PARTIAL, Allocation.PARTIAL, Allocation.FULL]
    db.session.expire_all()
    assert plan.status == PlanStatus.COMPLETED
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.PAID
    paid = db.session.scalars(select(Payment).where(Payment.verbale_id == verbale.id)).all()
    assert sum(p.amount for p in paid) == plan.total == Decimal("600.00") + plan.interest
    assert not db.session.scalars(select(RefundRequest).where(
        RefundRequest.verbale_id == verbale.id)).all()
    assert build_position(db.session.get(Verbale, verbale.id), local_today()).state == "paid"


def test_a_forfeited_plans_notices_are_cancelled(ctx, portal):
    ente, _verbale, _own, plan = _approved()
    from core.instalments.sweep import sweep

    sweep(plan.instalments[0].due_on.replace(year=plan.instalments[0].due_on.year + 1))
    db.session.commit()
    assert plan.status == PlanStatus.FORFEITED
    notice = plan.instalments[1].notice
    assert outcome(call(portal, verify_request(ente, notice.notice_number))) == \
        ("KO", "PAA_PAGAMENTO_ANNULLATO")
