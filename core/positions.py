"""Read models of a citizen's position, always scoped to the person who asks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import db
from core.models import Verbale, VerbaleViolation


def verbali_of_person(person_id: int) -> list[Verbale]:
    """Every verbale where the person is the offender or the jointly liable owner."""
    stmt = (
        select(Verbale)
        .where((Verbale.offender_id == person_id) | (Verbale.owner_id == person_id))
        .options(
            selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
            selectinload(Verbale.costs),
            selectinload(Verbale.ente),
        )
        .order_by(Verbale.violation_at.desc())
    )
    return list(db.session.scalars(stmt))
