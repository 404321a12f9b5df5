"""Payment in instalments (art. 202-bis CdS): request, decision, payable instalments, missed
instalments.

The pure rules (eligibility, maximum count, plan arithmetic, the missed-instalment rule) are
in :mod:`core.fines.instalments`; the per-Ente and versioned parameters in
:mod:`core.fines.settings`. This package applies them to stored verbali:

* :mod:`.requests` — the citizen's request from the portal (a case + a plan "requested");
* :mod:`.decisions` — a supervisor approves or rejects it in the contact center;
* :mod:`.payments` — each instalment's own pagoPA notice, card checkout, payments recorded
  through the ledger;
* :mod:`.sweep` — missed instalments, forfeiture, refusal by silence (``flask instalments
  sweep``);
* :mod:`.summary` — what the position pages show; :func:`has_instalment_request` for the
  appeal rule (a request waives the appeal).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import db
from core.models import Instalment, InstalmentPlan
from core.positions import verbale_of_person

from .summary import (
    InstalmentLine,
    PlanSummary,
    RequestOffer,
    has_instalment_request,
    plan_summary,
    request_offer,
    summarise,
)


def plan_of_person(plan_id: int, person_id: int) -> InstalmentPlan | None:
    """A plan on one of the person's verbali (offender or jointly liable owner), else None."""
    stmt = (select(InstalmentPlan).where(InstalmentPlan.id == plan_id)
            .options(selectinload(InstalmentPlan.instalments).selectinload(Instalment.notice),
                     selectinload(InstalmentPlan.case)))
    plan = db.session.scalars(stmt).one_or_none()
    if plan is None or verbale_of_person(plan.verbale_id, person_id) is None:
        return None
    return plan


def instalment_of_person(plan_id: int, number: int, person_id: int) -> Instalment | None:
    plan = plan_of_person(plan_id, person_id)
    if plan is None:
        return None
    return next((i for i in plan.instalments if i.number == number), None)


__all__ = [
    "InstalmentLine", "PlanSummary", "RequestOffer", "has_instalment_request",
    "instalment_of_person", "plan_of_person", "plan_summary", "request_offer", "summarise",
]
