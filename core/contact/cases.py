"""Case services: open a case (protocol number, routing to a queue, SLA clocks), thread
replies and internal notes, status changes, assignment, merge — each appending to the case's
event history in the same transaction. Views call these; nothing here commits.

Every function that acts for a staff member takes the acting principal and checks that the
case belongs to one of their Enti (:func:`visible_case`), so no URL reaches another Ente's case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from core import audit, db
from core.db import utcnow
from core.models import (
    Case,
    CaseChannel,
    CaseEvent,
    CaseMessage,
    CasePriority,
    CaseStatus,
    CaseType,
    Ente,
    Language,
    ProtocolCounter,
    Queue,
    RoutingRule,
    StaffRole,
    Verbale,
)


class CaseError(ValueError):
    pass


@dataclass(frozen=True)
class Actor:
    """Who acts on a case: ``kind`` is staff, citizen or system."""

    kind: str
    id: int | None = None

    @classmethod
    def staff(cls, principal) -> Actor:
        return cls("staff", principal.id)


SYSTEM = Actor("system")


def next_protocol(ente: Ente, when: datetime) -> str:
    """Per-Ente, per-year protocol numbers, allocated atomically: ``RHO-2026-000123``."""
    year = when.year
    stmt = (update(ProtocolCounter)
            .where(ProtocolCounter.ente_id == ente.id, ProtocolCounter.year == year)
            .values(last=ProtocolCounter.last + 1).returning(ProtocolCounter.last))
    number = db.session.execute(stmt).scalar_one_or_none()
    if number is None:
        db.session.add(ProtocolCounter(ente_id=ente.id, year=year, last=1))
        db.session.flush()
        number = 1
    return f"{ente.code}-{year}-{number:06d}"


def route(ente_id: int, channel: str, case_type: str, language: str) -> Queue | None:
    """The queue of the first matching routing rule (lowest position), else the Ente's first
    active queue."""
    rules = db.session.scalars(
        select(RoutingRule).where(RoutingRule.ente_id == ente_id).order_by(RoutingRule.position)
    )
    for rule in rules:
        if (rule.channel in (None, channel) and rule.case_type in (None, case_type)
                and rule.language in (None, language)):
            return rule.queue
    return db.session.scalars(select(Queue).where(Queue.ente_id == ente_id, Queue.active)
                              .order_by(Queue.id)).first()


def add_event(case: Case, kind: str, actor: Actor, at: datetime | None = None, **data: Any) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, actor_type=actor.kind, actor_id=actor.id,
                      at=at or utcnow(), data=data)
    db.session.add(event)
    return event


def open_case(
    *,
    ente_id: int,
    channel: CaseChannel | str,
    case_type: CaseType | str,
    subject: str,
    body: str,
    language: str = "it",
    actor: Actor = SYSTEM,
    person_id: int | None = None,
    requester_name: str = "",
    requester_email: str | None = None,
    requester_phone: str | None = None,
    verbale_ids: Iterable[int] = (),
    payload: dict[str, Any] | None = None,
    opened_at: datetime | None = None,
    priority: CasePriority = CasePriority.NORMAL,
    email_message_id: str | None = None,
) -> Case:
    ente = db.session.get(Ente, ente_id)
    if ente is None:
        raise CaseError("unknown Ente")
    channel, case_type = CaseChannel(channel), CaseType(case_type)
    language = Language(language if language in {lang.value for lang in Language} else "it")
    opened_at = opened_at or utcnow()
    case = Case(
        ente_id=ente.id, protocol=next_protocol(ente, opened_at), channel=channel,
        type=case_type, language=language, subject=subject[:300], person_id=person_id,
        requester_name=requester_name, requester_email=requester_email,
        requester_phone=requester_phone, opened_at=opened_at, payload=payload or {},
        priority=priority, status=CaseStatus.NEW,
    )
    queue = route(ente.id, channel, case_type, language)
    case.queue_id = queue.id if queue else None
    if verbale_ids:
        verbali = db.session.scalars(select(Verbale).where(
            Verbale.id.in_(list(verbale_ids)), Verbale.ente_id == ente.id)).all()
        case.verbali = list(verbali)
    db.session.add(case)
    db.session.flush()
    add_event(case, "created", actor, at=opened_at, channel=str(channel), type=str(case_type),
              queue=queue.code if queue else None)
    if body:
        db.session.add(CaseMessage(case=case, at=opened_at, author_type=actor.kind,
                                   author_id=actor.id, internal=False, body=body,
                                   channel=channel, email_message_id=email_message_id))
    refresh_sla(case)
    audit.record("case.opened", actor_type=actor.kind, actor_id=actor.id, object_type="case",
                 object_id=case.id, ente_id=ente.id, protocol=case.protocol)
    return case


def refresh_sla(case: Case, now: datetime | None = None) -> None:
    """Recompute the SLA cache of the case from its events (see :mod:`core.contact.sla`)."""
    from core.contact.sla_service import refresh

    refresh(case, now)


# -- staff scoping -------------------------------------------------------------------------


def staff_ente_filter(principal):
    """SQL condition limiting cases to the Enti the staff member may see."""
    if principal.all_enti:
        return True
    return Case.ente_id.in_(principal.ente_ids or {-1})


def visible_case(case_id: int, principal) -> Case | None:
    stmt = select(Case).where(Case.id == case_id, staff_ente_filter(principal))
    return db.session.scalars(stmt).one_or_none()


def _require_writer(principal) -> None:
    if principal.role == StaffRole.ENTE_VIEWER:
        raise CaseError("read_only")


# -- actions --------------------------------------------------------------------------------


def claim(case: Case, principal) -> None:
    _require_writer(principal)
    case.assignee_id = principal.id
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN
        add_event(case, "status_changed", Actor.staff(principal), status=str(CaseStatus.OPEN))
    add_event(case, "assigned", Actor.staff(principal), assignee_id=principal.id)


def reassign(case: Case, principal, assignee_id: int | None, queue_id: int | None = None) -> None:
    _require_writer(principal)
    if queue_id is not None:
        queue = db.session.get(Queue, queue_id)
        if queue is None or queue.ente_id != case.ente_id:
            raise CaseError("bad_queue")
        case.queue_id = queue.id
        add_event(case, "queue_changed", Actor.staff(principal), queue_id=queue.id)
    case.assignee_id = assignee_id
    add_event(case, "assigned", Actor.staff(principal), assignee_id=assignee_id)


def reply(case: Case, actor: Actor, body: str, *, internal: bool = False,
          at: datetime | None = None, channel: CaseChannel | None = None,
          email_message_id: str | None = None) -> CaseMessage:
    """A citizen-visible reply (first one sets the first response) or an internal note.
    A reply from the citizen resumes a case waiting for them."""
    at = at or utcnow()
    message = CaseMessage(case=case, at=at, author_type=actor.kind, author_id=actor.id,
                          internal=internal, body=body, channel=channel,
                          email_message_id=email_message_id)
    db.session.add(message)
    if actor.kind == "staff" and not internal:
        add_event(case, "reply_sent", actor, at=at)
        if case.first_response_at is None:
            case.first_response_at = at
            add_event(case, "first_response", actor, at=at)
        from core.contact.notify import notify_reply

        notify_reply(case, message)
    elif actor.kind == "staff":
        add_event(case, "note_added", actor, at=at)
    else:
        add_event(case, "citizen_replied", actor, at=at)
        if case.status in (CaseStatus.WAITING_CITIZEN, CaseStatus.RESOLVED):
            set_status(case, actor, CaseStatus.OPEN, at=at)
    refresh_sla(case)
    return message


def set_status(case: Case, actor: Actor, status: CaseStatus | str, at: datetime | None = None) -> None:
    status = CaseStatus(status)
    at = at or utcnow()
    if status == case.status:
        return
    case.status = status
    if status == CaseStatus.RESOLVED:
        case.resolved_at = at
    elif status == CaseStatus.CLOSED:
        case.closed_at = at
        case.resolved_at = case.resolved_at or at
    elif status in (CaseStatus.OPEN, CaseStatus.NEW):
        case.resolved_at = case.closed_at = None
    add_event(case, "status_changed", actor, at=at, status=str(status))
    if status == CaseStatus.CLOSED:
        from core.contact.notify import send_survey_invitation

        send_survey_invitation(case)
    refresh_sla(case)


def change_priority(case: Case, principal, priority: CasePriority | str) -> None:
    _require_writer(principal)
    case.priority = CasePriority(priority)
    add_event(case, "priority_changed", Actor.staff(principal), priority=str(case.priority))


def merge(duplicate: Case, into: Case, principal) -> None:
    """Merge a duplicate into another case of the same Ente: its messages move, it closes."""
    _require_writer(principal)
    if duplicate.id == into.id or duplicate.ente_id != into.ente_id:
        raise CaseError("bad_merge")
    for message in list(duplicate.messages):
        message.case = into
    into.verbali = list({v.id: v for v in [*into.verbali, *duplicate.verbali]}.values())
    duplicate.merged_into_id = into.id
    add_event(into, "merged", Actor.staff(principal), duplicate=duplicate.protocol)
    add_event(duplicate, "merged_into", Actor.staff(principal), into=into.protocol)
    set_status(duplicate, Actor.staff(principal), CaseStatus.CLOSED)
