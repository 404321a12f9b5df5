"""The citizen's request: what the form shows (the engine's amount due today, the deadline,
the income limit for the household, the possible plans) and the request itself, which becomes
an INSTALMENTS case with its decision clock and an :class:`~core.models.InstalmentPlan` in
status ``requested``.

The amount split into instalments is the engine's balance due on the request day
(:func:`core.positions.build_position`). The due dates shown before the decision are
indicative: the first instalment falls due one month after the approval
(:func:`core.instalments.decisions.approve` sets the dates again; the amounts do not change).
Requesting instalments waives the appeal (art. 202-bis): the waiver must be acknowledged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, db, drafts
from core.contact import cases
from core.contact.notify import acknowledge
from core.db import utcnow
from core.fines.calendar import add_months, roll_forward
from core.fines.instalments import Eligibility, InstalmentRules, eligibility, instalment_plan
from core.i18n import money
from core.models import (
    CaseChannel,
    CaseType,
    Instalment,
    InstalmentPlan,
    InstalmentStatus,
    PlanStatus,
    Verbale,
)
from core.positions import (
    PositionState,
    VerbalePosition,
    build_position,
    ente_settings,
    local_today,
    verbale_of_person,
)

from . import texts

DRAFT_KIND = "instalments"
MAX_FAMILY_MEMBERS = 30
MAX_INCOME = Decimal("100000000.00")


class RequestError(ValueError):
    """A request that cannot be accepted; the message is translated, for the citizen."""


@dataclass(frozen=True)
class RequestQuote:
    """What the first step shows: the amount, the deadline and the rules of this Ente."""

    verbale: Verbale
    position: VerbalePosition
    rules: InstalmentRules
    today: date
    amount: Decimal | None  # the engine's balance due today (None when not payable)
    request_by: date | None
    blocked: str | None  # a key of texts.BLOCKED when no request can be made at all

    def income_limit(self, family_members: int) -> Decimal:
        return self.rules.income_threshold + self.rules.income_per_family_member * family_members


@dataclass(frozen=True)
class PlanOption:
    count: int
    first_amount: Decimal
    total: Decimal


def rules_of(verbale: Verbale, rate: str | None = None) -> InstalmentRules:
    """The Ente's instalment rules; ``rate`` (a stored plan's) fixes the interest rate."""
    rules = ente_settings(verbale.ente).instalments
    return replace(rules, annual_interest_rate=Decimal(rate)) if rate is not None else rules


def existing_plan(verbale_id: int) -> InstalmentPlan | None:
    return db.session.scalars(select(InstalmentPlan).where(InstalmentPlan.verbale_id == verbale_id)
                              .order_by(InstalmentPlan.id.desc())).first()


def request_quote(verbale: Verbale, today: date | None = None) -> RequestQuote:
    today = today or local_today(verbale.ente)
    position = build_position(verbale, today)
    deadline = position.deadlines.instalment_request_by
    blocked = None
    if existing_plan(verbale.id) is not None:
        blocked = "already_requested"
    elif position.state != PositionState.TO_PAY or not position.payable:
        blocked = "not_payable"
    return RequestQuote(verbale, position, rules_of(verbale), today,
                        position.quote.total if position.payable else None,
                        deadline.due if deadline is not None else None, blocked)


def check(quote: RequestQuote, taxable_income: Decimal, family_members: int) -> Eligibility:
    """The engine's eligibility for the declared household (amount, income, deadline)."""
    return eligibility(quote.amount, taxable_income, family_members, requested_on=quote.today,
                       request_by=quote.request_by, rules=quote.rules)


def reasons_text(quote: RequestQuote, result: Eligibility, taxable_income: Decimal) -> list[str]:
    return [texts.reason_text(key, amount=quote.amount, income=taxable_income,
                              limit=result.income_limit, threshold=quote.rules.eligible_above,
                              request_by=quote.request_by, minimum=quote.rules.min_instalment)
            for key in result.reasons]


def first_due_after(decided_on: date, verbale: Verbale) -> date:
    """The first instalment falls due one month after the decision (rolled forward)."""
    return roll_forward(add_months(decided_on, 1), ente_settings(verbale.ente).calendar)


def preview(quote: RequestQuote, count: int, rules: InstalmentRules | None = None):
    """The engine's plan for ``count`` instalments, dated as if approved today."""
    return instalment_plan(quote.amount, count, first_due_after(quote.today, quote.verbale),
                           rules or quote.rules, ente_settings(quote.verbale.ente).calendar,
                           remainder_last=True)


def options(quote: RequestQuote, max_count: int) -> list[PlanOption]:
    """One line per possible number of instalments (2 … the maximum)."""
    result = []
    for count in range(2, max_count + 1):
        plan = preview(quote, count)
        result.append(PlanOption(count, plan.instalments[0].amount, plan.total + plan.interest))
    return result


def option_label(option: PlanOption) -> str:
    return _("%(count)s monthly instalments, the first of %(first)s – total %(total)s",
             count=option.count, first=money(option.first_amount), total=money(option.total))


# -- what the citizen typed (kept as a draft between the steps) ------------------------------

_GROUPED = re.compile(r"^\d{1,3}([.,' ]\d{3})+$")


def parse_amount(text: str | None) -> Decimal:
    """An amount typed in any of the portal's languages: ``12000``, ``12.000,50``,
    ``12,000.50``, ``12 000,50``, ``12000.5``. Raises ``ValueError``."""
    value = (text or "").replace("€", "").replace("\u00a0", " ").replace("\u202f", " ").strip()
    if not value:
        raise ValueError("empty")
    integer, sep, cents = value, "", ""
    last = max(value.rfind(","), value.rfind("."))
    if last >= 0 and 1 <= len(value) - last - 1 <= 2:  # a decimal separator
        integer, sep, cents = value[:last], value[last], value[last + 1:]
    if integer and not integer.isdigit():
        if not _GROUPED.match(integer):
            raise ValueError("not an amount")
        integer = re.sub(r"[.,' ]", "", integer)
    if sep and not cents.isdigit():
        raise ValueError("not an amount")
    return Decimal(f"{integer or '0'}.{cents or '0'}").quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Answers:
    """The draft of a request, as typed (strings), with parsed values when they are valid."""

    income_text: str = ""
    members_text: str = ""
    count_text: str = ""

    @property
    def taxable_income(self) -> Decimal | None:
        try:
            value = parse_amount(self.income_text)
        except ValueError:
            return None
        return value if value <= MAX_INCOME else None

    @property
    def family_members(self) -> int | None:
        text = self.members_text.strip()
        return int(text) if text.isdigit() and int(text) <= MAX_FAMILY_MEMBERS else None

    @property
    def count(self) -> int | None:
        return int(self.count_text) if self.count_text.isdigit() else None


def answers(person_id: int, verbale_id: int) -> Answers:
    draft = drafts.load(drafts.person_owner(person_id), DRAFT_KIND, str(verbale_id))
    data = draft.data if draft is not None else {}
    return Answers(str(data.get("taxable_income") or ""), str(data.get("family_members") or ""),
                   str(data.get("count") or ""))


def remember(person_id: int, verbale_id: int, step: int, **typed) -> None:
    """Save what was typed on a step (even when invalid: nothing typed is lost)."""
    drafts.save(drafts.person_owner(person_id), DRAFT_KIND, str(verbale_id),
                {k: ("" if v is None else str(v))[:40] for k, v in typed.items()}, step=step)


def eligibility_of(quote: RequestQuote, typed: Answers) -> Eligibility | None:
    """The eligibility for the household in the draft (``None`` if it is incomplete)."""
    if quote.blocked or typed.taxable_income is None or typed.family_members is None:
        return None
    return check(quote, typed.taxable_income, typed.family_members)


# -- the request ---------------------------------------------------------------------------


def _lock(verbale_id: int, person_id: int) -> Verbale | None:
    verbale = verbale_of_person(verbale_id, person_id)
    if verbale is not None:
        db.session.execute(select(Verbale.id).where(Verbale.id == verbale.id).with_for_update())
    return verbale


def submit(verbale_id: int, person_id: int, *, taxable_income: Decimal, family_members: int,
           count: int, waiver: bool, language: str, now: datetime | None = None,
           today: date | None = None) -> InstalmentPlan | None:
    """File the request: a case (type INSTALMENTS, routed, with its SLA clocks) and the plan in
    status ``requested``. ``None`` when the verbale is not the person's. Raises
    :class:`RequestError` (translated) when the request cannot be accepted; nothing is written
    then."""
    verbale = _lock(verbale_id, person_id)
    if verbale is None:
        return None
    now = now or utcnow()
    quote = request_quote(verbale, today)
    if quote.blocked:
        raise RequestError(str(texts.BLOCKED[quote.blocked]))
    if not waiver:
        raise RequestError(_("Confirm that you give up the right to appeal: it is the condition "
                             "for paying in instalments."))
    if not 0 <= family_members <= MAX_FAMILY_MEMBERS or not 0 <= taxable_income <= MAX_INCOME:
        raise RequestError(_("Check the income and the household members you declared."))
    result = check(quote, taxable_income, family_members)
    if not result.eligible:
        raise RequestError(" ".join(reasons_text(quote, result, taxable_income)))
    if not 2 <= count <= result.max_instalments:
        raise RequestError(_("Choose between %(low)s and %(high)s instalments.", low=2,
                             high=result.max_instalments))
    engine_plan = preview(quote, count)
    person = verbale.offender if verbale.offender_id == person_id else verbale.owner
    plan = InstalmentPlan(
        ente_id=verbale.ente_id, verbale_id=verbale.id, person_id=person_id,
        status=PlanStatus.REQUESTED, language=language,
        taxable_income=taxable_income, family_members=family_members,
        income_limit=result.income_limit, principal=engine_plan.total,
        interest=engine_plan.interest, total=engine_plan.total + engine_plan.interest,
        count=count, annual_interest_rate=str(quote.rules.annual_interest_rate),
        requested_at=now, waiver_acknowledged_at=now,
        decision_due=roll_forward(quote.today + timedelta(days=quote.rules.decision_days),
                                  ente_settings(verbale.ente).calendar),
        details={"request_by": quote.request_by.isoformat() if quote.request_by else None},
    )
    plan.instalments = [
        Instalment(number=i.number, due_on=i.due, principal=i.principal, interest=i.interest,
                   amount=i.amount, status=InstalmentStatus.DUE)
        for i in engine_plan.instalments
    ]
    db.session.add(plan)
    db.session.flush()
    case = _open_case(plan, verbale, person, language, now)
    plan.case_id = case.id
    db.session.flush()
    audit.record("instalments.requested", actor_type="citizen", actor_id=person_id,
                 object_type="instalment_plan", object_id=plan.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, case_id=case.id, count=count, total=str(plan.total),
                 waiver_acknowledged=True)
    drafts.discard(drafts.person_owner(person_id), DRAFT_KIND, str(verbale.id))
    acknowledge(case)
    return plan


def _open_case(plan: InstalmentPlan, verbale: Verbale, person, language: str, now: datetime):
    with force_locale("it"):  # the agents' working language for the subject and summary
        subject = _("Instalment request: verbale %(number)s", number=verbale.number)
        body = _("Request to pay in %(count)s instalments (art. 202-bis CdS).\n"
                 "Amount due on the request day: %(principal)s; interest: %(interest)s; "
                 "total: %(total)s.\n"
                 "Declared household taxable income: %(income)s; cohabiting family members: "
                 "%(members)s (limit %(limit)s).\n"
                 "The citizen acknowledged that the request waives the appeal.",
                 count=plan.count, principal=money(plan.principal),
                 interest=money(plan.interest), total=money(plan.total),
                 income=money(plan.taxable_income), members=plan.family_members,
                 limit=money(plan.income_limit))
    email = person.email if person is not None and person.email and person.email_verified_at \
        else None
    case = cases.open_case(
        ente_id=verbale.ente_id, channel=CaseChannel.PORTAL, case_type=CaseType.INSTALMENTS,
        subject=subject, body=body, language=language,
        actor=cases.Actor("citizen", plan.person_id), person_id=plan.person_id,
        requester_name=person.display_name if person is not None else "",
        requester_email=email, verbale_ids=[verbale.id], opened_at=now,
        payload={"instalment_plan_id": plan.id, "verbale_number": verbale.number,
                 "count": plan.count, "total": str(plan.total),
                 "decision_due": plan.decision_due.isoformat()},
    )
    cases.add_event(case, "instalments_requested", cases.Actor("citizen", plan.person_id),
                    at=now, plan_id=plan.id)
    return case
