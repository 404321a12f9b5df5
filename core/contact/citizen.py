"""The citizen's side of cases: their requests and replies in the portal, status lookup by
protocol number and e-mail, the satisfaction survey after closing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import audit, db
from core.contact import cases
from core.models import Case, CaseChannel, CaseStatus, SurveyResponse


def cases_of_person(person_id: int) -> list[Case]:
    stmt = (select(Case).where(Case.person_id == person_id, Case.merged_into_id.is_(None))
            .options(selectinload(Case.messages)).order_by(Case.opened_at.desc()))
    return list(db.session.scalars(stmt))


def case_of_person(protocol: str, person_id: int) -> Case | None:
    stmt = (select(Case).where(Case.protocol == protocol, Case.person_id == person_id)
            .options(selectinload(Case.messages)))
    return db.session.scalars(stmt).one_or_none()


def case_by_protocol_and_email(protocol: str, email: str) -> Case | None:
    """Public status lookup: both the protocol and the requester's e-mail must match."""
    stmt = (select(Case).where(Case.protocol == protocol.strip().upper(),
                               func.lower(Case.requester_email) == email.strip().lower())
            .options(selectinload(Case.messages)))
    return db.session.scalars(stmt).one_or_none()


def public_messages(case: Case):
    return [m for m in case.messages if not m.internal]


def citizen_reply(case: Case, person_id: int | None, body: str) -> None:
    cases.reply(case, cases.Actor("citizen", person_id), body, channel=CaseChannel.PORTAL)


def record_survey(case_id: int, score: int, comment: str) -> bool:
    """One answer per closed case; returns False when it was already answered."""
    case = db.session.get(Case, case_id)
    if case is None or case.status not in (CaseStatus.CLOSED, CaseStatus.RESOLVED):
        return False
    if db.session.scalars(select(SurveyResponse).where(SurveyResponse.case_id == case_id)).first():
        return False
    db.session.add(SurveyResponse(case_id=case_id, score=score, comment=comment[:1000]))
    cases.add_event(case, "survey_answered", cases.Actor("citizen"), score=score)
    audit.record("case.survey", actor_type="citizen", actor_id=None, object_type="case",
                 object_id=case_id, ente_id=case.ente_id)
    return True
