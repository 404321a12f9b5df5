"""Bridge between stored cases and the pure SLA engine (:mod:`core.contact.sla`).

:func:`clocks` derives a case's clocks from its event history, the Ente's charter terms and
calendar — nothing is stored as truth, so changing a policy or the calendar recomputes every
due time. :func:`refresh` writes the cache columns used to sort queues, and escalates: the
first time a case passes 80 % of a budget a ``sla_warning`` event is appended; on breach a
``sla_breached`` event, the priority is raised and the Ente's supervisors are e-mailed.
:func:`sweep` does the same for every open case in streaming batches (run it periodically:
``flask --app wsgi sla sweep``, or as an RQ job).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import db, jobs, mail
from core.contact import sla
from core.db import utcnow
from core.models import Case, CaseEvent, CasePriority, CaseStatus, StaffRole, StaffUser, staff_ente
from core.positions import ente_settings

_RAISE = {CasePriority.LOW: CasePriority.NORMAL, CasePriority.NORMAL: CasePriority.HIGH,
          CasePriority.HIGH: CasePriority.URGENT, CasePriority.URGENT: CasePriority.URGENT}


@lru_cache(maxsize=128)
def _policies(terms_json: str) -> tuple[sla.Policy, ...]:
    return sla.apply_charter_terms(sla.DEFAULT_POLICIES, json.loads(terms_json))


def policies_for(ente) -> tuple[sla.Policy, ...]:
    return _policies(json.dumps(ente.charter_terms or {}, sort_keys=True))


def clocks(case: Case, now: datetime | None = None) -> sla.CaseClocks:
    events = sla.clock_events((e.at, e.kind, e.data) for e in case.events)
    return sla.evaluate(policies_for(case.ente), str(case.channel), str(case.type),
                        case.opened_at, events, now or utcnow(), ente_settings(case.ente).calendar)


def refresh(case: Case, now: datetime | None = None) -> sla.CaseClocks:
    db.session.flush()
    now = now or utcnow()
    result = clocks(case, now)
    fr, res = result.first_response, result.resolution
    case.first_response_due = fr.due if fr else None
    case.resolution_due = res.due if res else None
    open_case = case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
    case.next_due = result.next_due if open_case else None
    state = result.state if open_case else "ok"
    _escalate(case, state, now)
    case.sla_state = state
    return result


def _escalate(case: Case, state: str, now: datetime) -> None:
    seen = {e.kind for e in case.events}
    if state in ("warning", "breached") and "sla_warning" not in seen:
        db.session.add(CaseEvent(case=case, kind="sla_warning", actor_type="system", at=now))
    if state == "breached" and "sla_breached" not in seen:
        db.session.add(CaseEvent(case=case, kind="sla_breached", actor_type="system", at=now,
                                 data={"priority_before": str(case.priority)}))
        case.priority = _RAISE[CasePriority(case.priority)]
        jobs.enqueue(notify_supervisors, case.id)


def notify_supervisors(case_id: int) -> None:
    case = db.session.get(Case, case_id)
    stmt = (select(StaffUser).join(staff_ente, staff_ente.c.staff_id == StaffUser.id)
            .where(staff_ente.c.ente_id == case.ente_id, StaffUser.active,
                   StaffUser.role == StaffRole.SUPERVISOR))
    for supervisor in db.session.scalars(stmt):
        mail.send(mail.Mail(
            to=supervisor.email,
            subject=f"[{case.protocol}] SLA breached / termine superato",
            text=(f"Case {case.protocol} ({case.type}, {case.channel}) has passed its charter "
                  f"term; priority raised to {case.priority}.\n"
                  f"{current_app.config['CONTACT_CENTER_BASE_URL']}/cases/{case.id}"),
        ))


def sweep(now: datetime | None = None, batch: int = 500) -> int:
    """Refresh every open case, in batches of ``batch`` (constant memory). Returns the count."""
    now = now or utcnow()
    done, last_id = 0, 0
    open_statuses = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_CITIZEN,
                     CaseStatus.WAITING_ENTE)
    while True:
        rows = db.session.scalars(
            select(Case).where(Case.id > last_id, Case.status.in_(open_statuses))
            .options(selectinload(Case.events), selectinload(Case.ente))
            .order_by(Case.id).limit(batch)).all()
        if not rows:
            return done
        for case in rows:
            refresh(case, now)
        last_id = rows[-1].id
        done += len(rows)
        db.session.commit()
        jobs.run_ready()
        db.session.expunge_all()
