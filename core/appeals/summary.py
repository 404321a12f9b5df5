"""What the position page shows about requests on one verbale: the appeals, whether an appeal
may be started (or continued from a draft), the payment warning, the driver declaration."""

from __future__ import annotations

from dataclasses import dataclass

from core.appeals import driver, service
from core.appeals.rules import appeal_options
from core.models import Appeal, DriverDeclaration
from core.positions import VerbalePosition


@dataclass(frozen=True)
class VerbaleRequests:
    appeals: list[Appeal]
    appeal_blocked: str | None
    appeal_draft: bool
    payment_warning: str | None
    driver_points: bool
    driver_blocked: str | None
    driver_declaration: DriverDeclaration | None
    driver_draft: bool
    driver_deadline: object
    driver_late: bool

    @property
    def can_appeal(self) -> bool:
        return self.appeal_blocked is None

    @property
    def can_name_driver(self) -> bool:
        return self.driver_points and self.driver_blocked is None


def verbale_requests(position: VerbalePosition, person_id: int) -> VerbaleRequests:
    verbale = position.verbale
    options = appeal_options(position)
    d = driver.options_from_position(position, person_id)
    return VerbaleRequests(
        appeals=service.appeals_of_verbale(verbale.id, person_id),
        appeal_blocked=options.blocked,
        appeal_draft=service.load_draft(person_id, verbale.id) is not None,
        payment_warning=service.payment_warning(verbale.id, person_id),
        driver_points=position.licence_points > 0,
        driver_blocked=d.blocked if d else "no_points",
        driver_declaration=d.existing if d else None,
        driver_draft=driver.load_draft(person_id, verbale.id) is not None,
        driver_deadline=d.deadline if d else None,
        driver_late=bool(d and d.late),
    )
