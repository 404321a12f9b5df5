"""The daily sweep of instalment plans (``flask instalments sweep``).

For every approved plan, on the Ente's local day:

* an instalment still unpaid after its due date + ``missed_grace_days``
  (:func:`core.fines.instalments.missed_after`) becomes **missed** (``missed_at`` is kept even
  if it is paid late);
* missing the first instalment, or ``forfeit_later_missed`` later ones
  (:func:`core.fines.instalments.forfeited`), **ends the plan**: its open notices are
  cancelled, the verbale goes back to the ordinary rules (status ``notified``: the engine's
  amount for the payment day, less what was paid, is due in one payment) and the citizen is
  told by e-mail in the language of the request.

A request left without a decision past ``decision_due`` is **refused by silence** (art.
202-bis): the fine is then due within 30 days.

Each plan is handled on its own; ``commit`` (the CLI passes ``db.session.commit``) is called
after each one, so a long sweep keeps its progress and running it twice changes nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, db, jobs, mail
from core.contact import cases
from core.db import utcnow
from core.fines.instalments import forfeited, missed_after
from core.i18n import long_date, money
from core.models import Ente, InstalmentPlan, InstalmentStatus, PlanStatus, Verbale, VerbaleStatus
from core.positions import build_position, local_today

from . import payments
from .decisions import pay_by_after, plan_url
from .requests import rules_of


@dataclass
class SweepResult:
    plans: int = 0
    missed: int = 0
    forfeited: int = 0
    refused_by_silence: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"plans": self.plans, "missed": self.missed, "forfeited": self.forfeited,
                "refused_by_silence": self.refused_by_silence}


def sweep(today: date | None = None, *, ente_code: str | None = None,
          now: datetime | None = None, commit: Callable[[], None] | None = None) -> SweepResult:
    """Sweep every approved or pending plan (of one Ente with ``ente_code``)."""
    stmt = select(InstalmentPlan.id).where(
        InstalmentPlan.status.in_([PlanStatus.APPROVED, PlanStatus.REQUESTED]))
    if ente_code is not None:
        stmt = stmt.join(Ente, Ente.id == InstalmentPlan.ente_id).where(Ente.code == ente_code)
    result = SweepResult()
    for plan_id in list(db.session.scalars(stmt.order_by(InstalmentPlan.id))):
        sweep_plan(plan_id, result, today=today, now=now)
        if commit is not None:
            commit()
    return result


def sweep_plan(plan_id: int, result: SweepResult, *, today: date | None = None,
               now: datetime | None = None) -> None:
    plan = db.session.get(InstalmentPlan, plan_id)
    db.session.execute(select(Verbale.id).where(Verbale.id == plan.verbale_id).with_for_update())
    db.session.refresh(plan)
    now = now or utcnow()
    day = today or local_today(plan.ente, now)
    result.plans += 1
    if plan.status == PlanStatus.REQUESTED:
        if day > plan.decision_due:
            _refuse_by_silence(plan, day, now)
            result.refused_by_silence += 1
        return
    if plan.status != PlanStatus.APPROVED:
        return
    rules = rules_of(plan.verbale, plan.annual_interest_rate)
    for instalment in plan.instalments:
        if instalment.status == InstalmentStatus.DUE and day > missed_after(instalment.due_on, rules):
            instalment.status = InstalmentStatus.MISSED
            instalment.missed_at = now
            result.missed += 1
            audit.record("instalments.instalment_missed", actor_type="system", actor_id=None,
                         object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                         verbale_id=plan.verbale_id, instalment=instalment.number,
                         due_on=instalment.due_on.isoformat())
    missed = [i.number for i in plan.instalments if i.missed_at is not None]
    if forfeited(missed, rules):
        _forfeit(plan, missed, now)
        result.forfeited += 1
    db.session.flush()


def _forfeit(plan: InstalmentPlan, missed: list[int], now: datetime) -> None:
    plan.status = PlanStatus.FORFEITED
    plan.forfeited_at = now
    plan.details = {**(plan.details or {}), "missed": missed}
    payments.cancel_open_notices(plan)
    verbale = plan.verbale
    if verbale.status == VerbaleStatus.INSTALMENTS:
        verbale.status = VerbaleStatus.NOTIFIED
    if plan.case is not None:
        cases.add_event(plan.case, "instalments_forfeited", cases.SYSTEM, at=now,
                        plan_id=plan.id, missed=missed)
    audit.record("instalments.forfeited", actor_type="system", actor_id=None,
                 object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                 verbale_id=plan.verbale_id, missed=missed)
    jobs.enqueue(send_forfeiture_email, plan.id)


def _refuse_by_silence(plan: InstalmentPlan, day: date, now: datetime) -> None:
    plan.status = PlanStatus.REJECTED
    plan.decided_at = now
    plan.pay_by = pay_by_after(plan.decision_due, plan.verbale)
    plan.details = {**(plan.details or {}), "refused_by_silence": True}
    if plan.case is not None:
        cases.add_event(plan.case, "instalments_refused_by_silence", cases.SYSTEM, at=now,
                        plan_id=plan.id, decision_due=plan.decision_due.isoformat())
    audit.record("instalments.refused_by_silence", actor_type="system", actor_id=None,
                 object_type="instalment_plan", object_id=plan.id, ente_id=plan.ente_id,
                 verbale_id=plan.verbale_id, decision_due=plan.decision_due.isoformat())
    jobs.enqueue(send_silence_email, plan.id)


# -- e-mails (jobs, after the commit) --------------------------------------------------------


def _recipient(plan: InstalmentPlan) -> str | None:
    person = plan.person
    if person is not None and person.email and person.email_verified_at:
        return person.email
    return plan.case.requester_email if plan.case is not None else None


def _subject_tag(plan: InstalmentPlan) -> str:
    return f"[{plan.case.protocol}] " if plan.case is not None else ""


def send_forfeiture_email(plan_id: int) -> None:
    plan = db.session.get(InstalmentPlan, plan_id)
    to = _recipient(plan) if plan is not None else None
    if not to:
        return
    position = build_position(plan.verbale, local_today(plan.ente))
    due = position.quote.total if position.quote is not None else None
    with force_locale(str(plan.language)):
        subject = _subject_tag(plan) + _("Your instalment plan has ended")
        text = _("Your plan to pay fine no. %(verbale)s in instalments has ended because "
                 "instalments were not paid on time.\n\nThe remaining balance, %(amount)s "
                 "today, must now be paid in one payment. You can pay it in your personal area: "
                 "%(url)s\n\n%(sender)s",
                 verbale=plan.verbale.number, amount=money(due) if due is not None else "-",
                 url=plan_url(plan), sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=to, subject=subject, text=text))


def send_silence_email(plan_id: int) -> None:
    plan = db.session.get(InstalmentPlan, plan_id)
    to = _recipient(plan) if plan is not None else None
    if not to:
        return
    with force_locale(str(plan.language)):
        subject = _subject_tag(plan) + _("No decision on your instalment request")
        text = _("No decision was taken on your request to pay fine no. %(verbale)s in "
                 "instalments by %(decision)s: by law the request is refused. The fine must be "
                 "paid in one payment by %(date)s; the amount due is shown in your personal "
                 "area: %(url)s\n\n%(sender)s",
                 verbale=plan.verbale.number, decision=long_date(plan.decision_due),
                 date=long_date(plan.pay_by), url=plan_url(plan),
                 sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=to, subject=subject, text=text))
