"""Read models of the agent console, always scoped to the staff member's Enti.

Viewing a case or a citizen's position writes an audit event (who, what, which record, when,
from where): every agent access to personal data is traced.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, nulls_last, or_, select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.contact.cases import staff_ente_filter
from core.models import Case, CaseStatus, Person, Queue, StaffUser, Verbale
from core.positions import build_position, local_today, verbali_of_person

OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_CITIZEN, CaseStatus.WAITING_ENTE)


@dataclass(frozen=True)
class CaseFilter:
    view: str = "mine"  # mine, queues, all
    queue_id: int | None = None
    status: str | None = None
    q: str = ""


def list_cases(principal, flt: CaseFilter, limit: int = 100) -> list[Case]:
    """Open cases sorted by time to breach (the cached next due time, via an index)."""
    stmt = select(Case).where(staff_ente_filter(principal))
    if flt.status:
        stmt = stmt.where(Case.status == flt.status)
    else:
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    if flt.view == "mine":
        stmt = stmt.where(Case.assignee_id == principal.id)
    elif flt.view == "queues":
        stmt = stmt.where(Case.assignee_id.is_(None))
    if flt.queue_id:
        stmt = stmt.where(Case.queue_id == flt.queue_id)
    if flt.q:
        like = f"%{flt.q.strip()}%"
        stmt = stmt.where(or_(Case.protocol.ilike(like), Case.subject.ilike(like),
                              Case.requester_name.ilike(like)))
    stmt = (stmt.options(selectinload(Case.queue), selectinload(Case.assignee))
            .order_by(nulls_last(Case.next_due.asc()), Case.id).limit(limit))
    return list(db.session.scalars(stmt))


def queue_counts(principal) -> list[tuple[Queue, int]]:
    stmt = (select(Queue, func.count(Case.id))
            .join(Case, and_(Case.queue_id == Queue.id, Case.status.in_(OPEN_STATUSES)), isouter=True)
            .where(Queue.ente_id.in_(principal.ente_ids) if not principal.all_enti else True)
            .group_by(Queue.id).order_by(Queue.ente_id, Queue.id))
    return [(queue, count) for queue, count in db.session.execute(stmt)]


def load_case(case_id: int, principal) -> Case | None:
    stmt = (select(Case).where(Case.id == case_id, staff_ente_filter(principal))
            .options(selectinload(Case.messages), selectinload(Case.events),
                     selectinload(Case.attachments), selectinload(Case.verbali),
                     selectinload(Case.queue), selectinload(Case.person), selectinload(Case.ente)))
    case = db.session.scalars(stmt).one_or_none()
    if case is not None:
        audit.record("case.view", actor_type="staff", actor_id=principal.id, object_type="case",
                     object_id=case.id, ente_id=case.ente_id)
    return case


def attachment_of_case(case_id: int, attachment_id: int, principal):
    """An attachment of a case the staff member may see (download audited)."""
    from core.models import CaseAttachment

    stmt = (select(CaseAttachment).join(Case, CaseAttachment.case_id == Case.id)
            .where(CaseAttachment.id == attachment_id, Case.id == case_id,
                   staff_ente_filter(principal)))
    item = db.session.scalars(stmt).one_or_none()
    if item is not None:
        audit.record("case.attachment_download", actor_type="staff", actor_id=principal.id,
                     object_type="case_attachment", object_id=item.id)
    return item


def colleagues(principal, ente_id: int) -> list[StaffUser]:
    from core.models import staff_ente

    stmt = (select(StaffUser).join(staff_ente, staff_ente.c.staff_id == StaffUser.id)
            .where(staff_ente.c.ente_id == ente_id, StaffUser.active).order_by(StaffUser.name))
    return list(db.session.scalars(stmt))


def queues_of(ente_id: int) -> list[Queue]:
    return list(db.session.scalars(select(Queue).where(Queue.ente_id == ente_id, Queue.active)
                                   .order_by(Queue.id)))


def person_position(person_id: int, principal):
    """A citizen's position as the agent sees it (engine amounts), audited."""
    stmt = select(Person).where(Person.id == person_id)
    if not principal.all_enti:
        stmt = stmt.where(Person.ente_id.in_(principal.ente_ids or {-1}))
    person = db.session.scalars(stmt).one_or_none()
    if person is None:
        return None, []
    audit.record("person.view", actor_type="staff", actor_id=principal.id, object_type="person",
                 object_id=person.id, ente_id=person.ente_id)
    verbali = verbali_of_person(person.id)
    return person, [build_position(v, local_today(v.ente)) for v in verbali]


def find_verbale(number: str, principal) -> Verbale | None:
    stmt = select(Verbale).where(Verbale.number == number.strip())
    if not principal.all_enti:
        stmt = stmt.where(Verbale.ente_id.in_(principal.ente_ids or {-1}))
    return db.session.scalars(stmt).first()
