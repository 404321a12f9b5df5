"""Hand-built cases for the metrics tests: every instant and due time given explicitly (the SLA
cache columns are set directly, as :func:`core.contact.sla_service.refresh` would)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from core import db
from core.models import Case, CaseStatus, SurveyResponse

_seq = itertools.count(1)


def at(day: str, hour: int = 10) -> datetime:
    """``at("2026-03-10", 9)``: an instant in UTC."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def case(ente, channel: str = "email", case_type: str = "information", *, opened: datetime,
         fr_due: datetime | None = None, res_due: datetime | None = None,
         fr_at: datetime | None = None, resolved_at: datetime | None = None,
         status: str | None = None, assignee=None, next_due: datetime | None = None,
         merged_into: Case | None = None) -> Case:
    if status is None:
        status = CaseStatus.RESOLVED if resolved_at else CaseStatus.OPEN
    obj = Case(ente_id=ente.id, protocol=f"T-{next(_seq):08d}", channel=channel, type=case_type,
               subject="test", opened_at=opened, first_response_at=fr_at,
               resolved_at=resolved_at, status=status, first_response_due=fr_due,
               resolution_due=res_due, next_due=next_due,
               assignee_id=assignee.id if assignee else None,
               merged_into_id=merged_into.id if merged_into else None)
    db.session.add(obj)
    db.session.flush()
    return obj


def answered(ente, channel: str, case_type: str, opened: datetime, after_hours: float,
             resolved_after_hours: float | None = None) -> Case:
    """A case answered ``after_hours`` after opening (well within a far due time)."""
    far = opened + timedelta(days=60)
    return case(ente, channel, case_type, opened=opened, fr_due=far, res_due=far,
                fr_at=opened + timedelta(hours=after_hours),
                resolved_at=(None if resolved_after_hours is None
                             else opened + timedelta(hours=resolved_after_hours)))


def survey(case_obj: Case, score: int, when: datetime) -> SurveyResponse:
    obj = SurveyResponse(case_id=case_obj.id, score=score, at=when)
    db.session.add(obj)
    db.session.flush()
    return obj
