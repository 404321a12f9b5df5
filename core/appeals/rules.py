"""Who may appeal which verbale, by which route, until when and at what cost.

Everything comes from the engine: the deadlines from :func:`core.positions.build_position`
(art. 203: 60 days; art. 204-bis: 30 days, 60 for people living abroad, from notification),
the court fee from the Ente's versioned setting (:mod:`core.fines.court_fee`), the amounts if
the appeal is rejected from :func:`core.fines.appeal_amount_range`. Reasons are stable keys
(:data:`core.appeals.texts.BLOCKED` words them).

An appeal is not allowed when the verbale is not notified or cancelled, when it was paid in
full (paying the reduced amount accepts the fine: the ledger's ``saldo``/``eccedenza``
allocation or the ``paid`` status), when an instalment request exists (art. 202-bis: the
request waives the appeal — an ``InstalmentPlan`` of the verbale, a case of type
``instalments`` linked to it, or the ``instalments`` status), when an appeal is already pending, or when both windows closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core import db
from core.fines import AppealRange, Deadline, appeal_amount_range
from core.fines.court_fee import CourtFee, court_fee, court_fee_rules_on
from core.fines.settings import court_fee_rules_from
from core.models import (
    Allocation,
    Appeal,
    AppealOffice,
    AppealRoute,
    AppealStatus,
    Case,
    CaseType,
    PaymentStatus,
    Verbale,
    VerbaleStatus,
    case_verbale,
)
from core.positions import VerbalePosition, engine_inputs, ente_settings, local_today

ROUTES = (AppealRoute.PREFETTO.value, AppealRoute.GIUDICE_DI_PACE.value)
GROUNDS = ("vehicle_sold", "stolen_or_cloned", "other_driver", "signage_or_device",
           "late_notification", "other")
#: Appeals that block a new one (a rejected or withdrawn appeal does not).
_BLOCKING = (AppealStatus.DOWNLOADED, AppealStatus.FILED_ONLINE, AppealStatus.FORWARDED,
             AppealStatus.ACCEPTED)


@dataclass(frozen=True)
class Office:
    """Where the appeal goes (addressee in Italian) and how to reach it."""

    addressee: str
    office: str
    address: str
    pec: str
    configured: bool


@dataclass(frozen=True)
class RouteOption:
    route: str
    deadline: Deadline
    open: bool
    court_fee: CourtFee | None  # Giudice di Pace only
    if_rejected: AppealRange
    office: Office
    online: bool  # may be filed through the portal (the Prefetto route, via the issuing office)


@dataclass(frozen=True)
class AppealOptions:
    position: VerbalePosition
    today: date
    blocked: str | None
    routes: dict[str, RouteOption]
    value: Decimal  # the value of the dispute: the amount contested today

    @property
    def allowed(self) -> bool:
        return self.blocked is None

    def open_routes(self) -> list[str]:
        return [r for r, option in self.routes.items() if option.open]


def settled_by_payment(verbale: Verbale) -> bool:
    """The ledger says the verbale was paid in full (the reduced amount accepts the fine)."""
    if verbale.status == VerbaleStatus.PAID:
        return True
    return any(p.status == PaymentStatus.CONFIRMED
               and p.allocation in (Allocation.FULL, Allocation.OVERPAID)
               for p in verbale.payments)


def instalment_requested(verbale: Verbale) -> bool:
    """An instalment request exists for the verbale (it waives the appeal)."""
    if verbale.status == VerbaleStatus.INSTALMENTS:
        return True
    try:  # the instalment plans of core.instalments (built alongside this package)
        from core.instalments.summary import has_instalment_request
    except ImportError:  # pragma: no cover - only the case check below without it
        has_instalment_request = None
    if has_instalment_request is not None and has_instalment_request(verbale.id):
        return True
    stmt = (select(Case.id).join(case_verbale, case_verbale.c.case_id == Case.id)
            .where(case_verbale.c.verbale_id == verbale.id, Case.type == CaseType.INSTALMENTS)
            .limit(1))
    return db.session.scalar(stmt) is not None


def blocking_appeal(verbale_id: int) -> Appeal | None:
    stmt = (select(Appeal).where(Appeal.verbale_id == verbale_id, Appeal.status.in_(_BLOCKING))
            .order_by(Appeal.id.desc()))
    return db.session.scalars(stmt).first()


def office_for(verbale: Verbale, route: str) -> Office:
    row = db.session.scalars(select(AppealOffice).where(
        AppealOffice.ente_id == verbale.ente_id, AppealOffice.route == route)).one_or_none()
    if row is not None:
        return Office(row.addressee, row.office, row.address or verbale.ente.address,
                      row.pec, True)
    if route == AppealRoute.PREFETTO:
        # Filed at the issuing office, which forwards it to the competent Prefetto (art. 203).
        return Office("Prefetto competente per il luogo della violazione", "", "", "", False)
    return Office("Giudice di Pace competente per il luogo della violazione",
                  "", "", "", False)


def contested_value(position: VerbalePosition) -> Decimal:
    q = position.quote
    return q.total if q is not None else Decimal("0.00")


def appeal_options(position: VerbalePosition, today: date | None = None) -> AppealOptions:
    """The routes open for this verbale today, with deadlines, costs and offices."""
    verbale = position.verbale
    today = today or local_today(verbale.ente)
    settings = ente_settings(verbale.ente)
    violations, _costs = engine_inputs(verbale)
    value = contested_value(position)
    fee_rules = court_fee_rules_from(verbale.ente.rules or {}, court_fee_rules_on(today))
    routes: dict[str, RouteOption] = {}
    deadlines = {AppealRoute.PREFETTO.value: position.deadlines.prefetto_appeal_by,
                 AppealRoute.GIUDICE_DI_PACE.value: position.deadlines.gdp_appeal_by}
    for route in ROUTES:
        deadline = deadlines[route]
        if deadline is None:
            continue
        routes[route] = RouteOption(
            route=route, deadline=deadline, open=today <= deadline.due,
            court_fee=court_fee(value, fee_rules) if route == AppealRoute.GIUDICE_DI_PACE else None,
            if_rejected=appeal_amount_range(violations, route, settings.fines),
            office=office_for(verbale, route),
            online=route == AppealRoute.PREFETTO,
        )
    blocked = None
    if verbale.status == VerbaleStatus.CANCELLED:
        blocked = "cancelled"
    elif verbale.notified_on is None:
        blocked = "not_notified"
    elif settled_by_payment(verbale):
        blocked = "paid"
    elif instalment_requested(verbale):
        blocked = "instalments"
    elif verbale.status == VerbaleStatus.APPEALED or blocking_appeal(verbale.id) is not None:
        blocked = "already_appealed"
    elif not any(option.open for option in routes.values()):
        blocked = "window_closed"
    return AppealOptions(position, today, blocked, routes, value)
