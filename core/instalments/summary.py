"""What the position and verbale pages show about instalments (read-only).

* :func:`plan_summary` — the verbale's plan (latest request): status, each instalment with
  its due date, amount, status and pagoPA notice number, the next one to pay, totals, and
  after a refusal or the end of the plan the balance now due in one payment.
* :func:`request_offer` — for a verbale without a plan, whether the citizen may still ask for
  instalments (amount above the threshold, inside the request term), to show the way in.
* :func:`has_instalment_request` — whether instalments were ever requested for the verbale:
  the request waives the appeal (art. 202-bis), so the appeal form refuses such verbali.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from core import db
from core.models import Instalment, InstalmentPlan, InstalmentStatus, PlanStatus
from core.pagopa.notice import NoticeNumber
from core.positions import PositionState, VerbalePosition, build_position, local_today

from . import payments
from .requests import rules_of

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InstalmentLine:
    number: int
    due_on: date
    principal: Decimal
    interest: Decimal
    amount: Decimal
    status: str  # due, paid, missed
    notice_number: str | None  # 18 digits
    payable: bool
    overdue: bool  # past its due date and not paid

    @property
    def notice_formatted(self) -> str:
        return NoticeNumber(self.notice_number).formatted() if self.notice_number else ""


@dataclass(frozen=True)
class PlanSummary:
    plan: InstalmentPlan
    status: str
    protocol: str | None
    lines: tuple[InstalmentLine, ...]
    next_instalment: InstalmentLine | None
    paid: Decimal
    outstanding: Decimal
    # After a refusal or the end of the plan: the engine's amount due today, in one payment.
    balance_due: Decimal | None
    pay_by: date | None

    @property
    def active(self) -> bool:
        return self.status == PlanStatus.APPROVED

    @property
    def payable_lines(self) -> tuple[InstalmentLine, ...]:
        return tuple(line for line in self.lines if line.payable)


@dataclass(frozen=True)
class RequestOffer:
    amount: Decimal
    request_by: date
    threshold: Decimal


def latest_plan(verbale_id: int) -> InstalmentPlan | None:
    stmt = (select(InstalmentPlan).where(InstalmentPlan.verbale_id == verbale_id)
            .options(selectinload(InstalmentPlan.instalments).selectinload(Instalment.notice),
                     selectinload(InstalmentPlan.case))
            .order_by(InstalmentPlan.id.desc()))
    return db.session.scalars(stmt).first()


def has_instalment_request(verbale_id: int) -> bool:
    """True once instalments were requested for the verbale (whatever the decision)."""
    return bool(db.session.scalar(select(exists().where(InstalmentPlan.verbale_id == verbale_id))))


def summarise(plan: InstalmentPlan, today: date | None = None) -> PlanSummary:
    today = today or local_today(plan.ente)
    active = plan.status == PlanStatus.APPROVED
    lines = tuple(
        InstalmentLine(
            number=i.number, due_on=i.due_on, principal=i.principal, interest=i.interest,
            amount=i.amount, status=str(i.status),
            notice_number=i.notice.notice_number if i.notice is not None else None,
            payable=active and i.status != InstalmentStatus.PAID,
            overdue=active and i.status != InstalmentStatus.PAID and i.due_on < today)
        for i in plan.instalments)
    balance_due = None
    if plan.status in (PlanStatus.REJECTED, PlanStatus.FORFEITED):
        position = build_position(plan.verbale, today)
        if position.payable:
            balance_due = position.quote.total
    return PlanSummary(
        plan=plan, status=str(plan.status), protocol=plan.case.protocol if plan.case else None,
        lines=lines, next_instalment=next((line for line in lines if line.payable), None),
        paid=payments.paid_total(plan), outstanding=payments.outstanding(plan),
        balance_due=balance_due, pay_by=plan.pay_by)


def plan_summary(verbale_id: int, today: date | None = None) -> PlanSummary | None:
    """The verbale's latest plan for the position pages (the caller has already checked that
    the verbale is the viewer's); ``None`` when instalments were never requested."""
    plan = latest_plan(verbale_id)
    return summarise(plan, today) if plan is not None else None


def request_offer(position: VerbalePosition) -> RequestOffer | None:
    """Whether a request may still be made for this verbale (before asking about income)."""
    deadline = position.deadlines.instalment_request_by
    if position.state != PositionState.TO_PAY or not position.payable or deadline is None:
        return None
    rules = rules_of(position.verbale)
    today = position.quote.on
    if position.quote.total <= rules.eligible_above or today > deadline.due:
        return None
    if has_instalment_request(position.verbale.id):
        return None
    return RequestOffer(position.quote.total, deadline.due, rules.eligible_above)
