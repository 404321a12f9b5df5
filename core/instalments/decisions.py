"""The Ente's decision on an instalment request, taken by a supervisor in the contact center.

* :func:`approve` — the instalments get their final due dates (the first one month after the
  approval, then monthly; the amounts fixed at the request do not change) and each its own
  pagoPA notice; the verbale's status becomes ``instalments``.
* :func:`reject` — with a reason; the fine must then be paid in full within
  :data:`PAY_AFTER_REFUSAL_DAYS` (the appeal stays waived: the request itself waived it).

Both answer the citizen on the case's thread, in the language of the request (the reply is
e-mailed by :func:`core.contact.notify.notify_reply`), resolve the case, and record an audit
event. Only supervisors and administrators decide, and only for the Enti they serve:
:func:`visible_plan` answers ``None`` for any other Ente's plan.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.contact import cases
from core.db import utcnow
from core.fines.calendar import roll_forward
from core.fines.instalments import instalment_plan
from core.i18n import long_date, money
from core.models import (
    CaseStatus,
    Instalment,
    InstalmentPlan,
    PlanStatus,
    StaffRole,
    Verbale,
    VerbaleStatus,
)
from core.pagopa.notice import NoticeNumber
from core.positions import PositionState, build_position, ente_settings, local_today

from . import payments
from .requests import first_due_after, rules_of

#: After a refusal the fine is due within 30 days (art. 202-bis) [L].
PAY_AFTER_REFUSAL_DAYS = 30
DECIDERS = frozenset({StaffRole.SUPERVISOR, StaffRole.ADMIN})


class DecisionError(ValueError):
    """The decision cannot be taken; ``str(error)`` is a translated message for the staff."""


def plan_url(plan: InstalmentPlan) -> str:
    """The plan's page on the portal (links in e-mails from either app)."""
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/instalments/{plan.id}"


# -- staff scoping ---------------------------------------------------------------------------


def _scope(principal):
    if principal.all_enti:
        return True
    return InstalmentPlan.ente_id.in_(principal.ente_ids or {-1})


def _loaded():
    return (selectinload(InstalmentPlan.instalments).selectinload(Instalment.notice),
            selectinload(InstalmentPlan.verbale), selectinload(InstalmentPlan.person),
            selectinload(InstalmentPlan.case), selectinload(InstalmentPlan.ente))


def visible_plan(plan_id: int, principal) -> InstalmentPlan | None:
    stmt = select(InstalmentPlan).where(InstalmentPlan.id == plan_id, _scope(principal)) \
        .options(*_loaded())
    return db.session.scalars(stmt).one_or_none()


def plan_of_case(case_id: int, principal) -> InstalmentPlan | None:
    stmt = select(InstalmentPlan).where(InstalmentPlan.case_id == case_id, _scope(principal)) \
        .order_by(InstalmentPlan.id.desc())
    return db.session.scalars(stmt).first()


def plans_for_staff(principal, status: str | None = None, limit: int = 200) -> list[InstalmentPlan]:
    stmt = select(InstalmentPlan).where(_scope(principal)).options(
        selectinload(InstalmentPlan.verbale), selectinload(InstalmentPlan.person),
        selectinload(InstalmentPlan.case), selectinload(InstalmentPlan.ente))
    if status in {s.value for s in PlanStatus}:
        stmt = stmt.where(InstalmentPlan.status == status)
    return list(db.session.scalars(
        stmt.order_by(InstalmentPlan.decision_due, InstalmentPlan.id).limit(limit)))


def record_view(plan: InstalmentPlan, principal) -> None:
    """Agent access to the citizen's declared income and household: audited."""
    audit.record("instalments.viewed", actor_type="staff", actor_id=principal.id,
                 object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                 person_id=plan.person_id, verbale_id=plan.verbale_id)


# -- decisions -------------------------------------------------------------------------------


def _check_decider(plan: InstalmentPlan, principal) -> Verbale:
    if principal.role not in DECIDERS:
        raise DecisionError(_("Only a supervisor can decide on instalment requests."))
    db.session.execute(select(Verbale.id).where(Verbale.id == plan.verbale_id).with_for_update())
    db.session.refresh(plan)
    if plan.status != PlanStatus.REQUESTED:
        raise DecisionError(_("This request has already been decided."))
    return plan.verbale


def approve(plan: InstalmentPlan, principal, now: datetime | None = None,
            today: date | None = None) -> InstalmentPlan:
    verbale = _check_decider(plan, principal)
    now = now or utcnow()
    today = today or local_today(verbale.ente, now)
    position = build_position(verbale, today)
    if position.state != PositionState.TO_PAY or not position.payable:
        raise DecisionError(_("The fine is no longer payable (paid, cancelled or under "
                              "appeal): the plan cannot be approved."))
    rules = rules_of(verbale, plan.annual_interest_rate)
    dated = instalment_plan(plan.principal, plan.count, first_due_after(today, verbale), rules,
                            ente_settings(verbale.ente).calendar, remainder_last=True)
    for row, engine in zip(plan.instalments, dated.instalments, strict=True):
        if row.amount != engine.amount:  # the rules changed the split: refuse, never re-price
            raise DecisionError(_("The plan's amounts no longer match the rules: ask the "
                                  "citizen to file a new request."))
        row.due_on = engine.due
    plan.status = PlanStatus.APPROVED
    plan.decided_at, plan.decided_by = now, principal.id
    payments.issue_notices(plan)
    verbale.status = VerbaleStatus.INSTALMENTS
    db.session.flush()
    _answer(plan, principal, _approval_text, now)
    audit.record("instalments.approved", actor_type="staff", actor_id=principal.id,
                 object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                 verbale_id=plan.verbale_id, case_id=plan.case_id, count=plan.count,
                 total=str(plan.total))
    return plan


def reject(plan: InstalmentPlan, principal, reason: str, now: datetime | None = None,
           today: date | None = None) -> InstalmentPlan:
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError(_("Write the reason for the refusal: the citizen receives it."))
    verbale = _check_decider(plan, principal)
    now = now or utcnow()
    today = today or local_today(verbale.ente, now)
    plan.status = PlanStatus.REJECTED
    plan.decided_at, plan.decided_by = now, principal.id
    plan.decision_reason = reason[:2000]
    plan.pay_by = pay_by_after(today, verbale)
    db.session.flush()
    _answer(plan, principal, _refusal_text, now)
    audit.record("instalments.rejected", actor_type="staff", actor_id=principal.id,
                 object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                 verbale_id=plan.verbale_id, case_id=plan.case_id)
    return plan


def pay_by_after(day: date, verbale: Verbale) -> date:
    return roll_forward(day + timedelta(days=PAY_AFTER_REFUSAL_DAYS),
                        ente_settings(verbale.ente).calendar)


def _answer(plan: InstalmentPlan, principal, text, now: datetime) -> None:
    """The decision on the case's thread (e-mailed in the request's language); the case is
    resolved."""
    with force_locale(str(plan.language)):
        body = text(plan)
    case = plan.case
    if case is None:
        return
    actor = cases.Actor.staff(principal)
    cases.add_event(case, f"instalments_{plan.status}", actor, at=now, plan_id=plan.id)
    cases.reply(case, actor, body, at=now)
    cases.set_status(case, actor, CaseStatus.RESOLVED, at=now)


def _instalment_lines(plan: InstalmentPlan) -> str:
    lines = []
    for i in plan.instalments:
        notice = NoticeNumber(i.notice.notice_number).formatted() if i.notice else "-"
        lines.append(_("%(number)s. %(date)s – %(amount)s – pagoPA notice no. %(notice)s",
                       number=i.number, date=long_date(i.due_on), amount=money(i.amount),
                       notice=notice))
    return "\n".join(lines)


def _approval_text(plan: InstalmentPlan) -> str:
    first = plan.instalments[0]
    return _(
        "Your request to pay fine no. %(verbale)s in instalments has been granted: %(count)s "
        "monthly instalments, total %(total)s including interest of %(interest)s.\n\n"
        "%(lines)s\n\n"
        "The first instalment, of %(first)s, is due on %(date)s. Each instalment has its own "
        "pagoPA notice number: you can pay it with pagoPA or by card in your personal area: "
        "%(url)s\n\n"
        "If you miss the first instalment, or two later ones, the plan ends and the remaining "
        "balance must be paid in one payment.",
        verbale=plan.verbale.number, count=plan.count, total=money(plan.total),
        interest=money(plan.interest), lines=_instalment_lines(plan), first=money(first.amount),
        date=long_date(first.due_on), url=plan_url(plan))


def _refusal_text(plan: InstalmentPlan) -> str:
    return _(
        "Your request to pay fine no. %(verbale)s in instalments has not been granted.\n\n"
        "Reason given by the office: %(reason)s\n\n"
        "The fine must now be paid in one payment by %(date)s. The amount due is shown in "
        "your personal area: %(url)s",
        verbale=plan.verbale.number, reason=plan.decision_reason, date=long_date(plan.pay_by),
        url=plan_url(plan))


__all__ = ["DECIDERS", "DecisionError", "PAY_AFTER_REFUSAL_DAYS", "approve", "pay_by_after",
           "plan_of_case", "plans_for_staff", "reject", "visible_plan"]
