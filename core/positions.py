"""The citizen's position: each verbale with the engine's amount due today, its timeline and
deadlines, the payments recorded and pending. This module is the one bridge between stored
verbali and the pure engine in :mod:`core.fines`; the portal, the pagoPA service, card
checkout, the IVR and the letters all quote through :func:`quote_verbale`.

Every read is scoped: a citizen only ever gets verbali where they are the offender or the
jointly liable owner, and a lookup of anything else answers ``None`` (the views turn it into a
404, whatever id is typed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import db
from core.fines import Cost, Quote, VerbaleDeadlines, Violation, quote, verbale_deadlines
from core.fines.settings import EnteSettings, settings_of
from core.models import (
    Evidence,
    Payment,
    PaymentStatus,
    Verbale,
    VerbaleStatus,
    VerbaleViolation,
)

ZERO = Decimal("0.00")


class PositionState:
    NOT_NOTIFIED = "not_notified"
    TO_PAY = "to_pay"
    PAID = "paid"
    APPEALED = "appealed"
    INSTALMENTS = "instalments"
    ENFORCEMENT = "enforcement"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class VerbalePosition:
    verbale: Verbale
    state: str
    quote: Quote | None
    deadlines: VerbaleDeadlines
    paid_total: Decimal
    pending_total: Decimal
    payments: tuple[Payment, ...]
    quote_valid_until: date | None
    licence_points: int
    accessory_sanctions: tuple[str, ...]

    @property
    def payable(self) -> bool:
        return self.quote is not None and self.quote.total > 0 and self.state in (
            PositionState.TO_PAY, PositionState.ENFORCEMENT)

    @property
    def photos(self) -> list[Evidence]:
        return [e for e in self.verbale.evidence if e.kind == "photo"]

    @property
    def documents(self) -> list[Evidence]:
        return [e for e in self.verbale.evidence if e.kind != "photo"]

    @property
    def payment_pending(self) -> bool:
        return self.pending_total > 0


@lru_cache(maxsize=256)
def _settings_cached(ente_id: int, code: str, patron: str | None, rules_key: str, tz: str):
    import json

    class _Ente:  # a frozen snapshot for the pure builder
        pass

    snapshot = _Ente()
    snapshot.code, snapshot.patron_saint, snapshot.timezone = code, patron, tz
    snapshot.rules = json.loads(rules_key)
    return settings_of(snapshot)


def ente_settings(ente) -> EnteSettings:
    import json

    return _settings_cached(ente.id, ente.code, ente.patron_saint,
                            json.dumps(ente.rules or {}, sort_keys=True), ente.timezone)


def local_today(ente=None, now: datetime | None = None) -> date:
    tz = ZoneInfo(ente.timezone if ente is not None else "Europe/Rome")
    return (now or datetime.now(tz)).astimezone(tz).date()


def engine_inputs(verbale: Verbale) -> tuple[tuple[Violation, ...], tuple[Cost, ...]]:
    violations = tuple(
        Violation(v.min_amount, v.max_amount, v.violation_type.reduced_payment_allowed,
                  v.violation_type.discount_30_allowed)
        for v in verbale.violations
    )
    costs = tuple(
        Cost(str(c.kind), str(c.channel or c.kind), c.amount) for c in verbale.costs
    )
    return violations, costs


def confirmed_total(verbale: Verbale) -> Decimal:
    return sum((p.amount for p in verbale.payments if p.status == PaymentStatus.CONFIRMED), ZERO)


def quote_verbale(verbale: Verbale, on: date, paid: Decimal | None = None,
                  timeline: bool = True) -> Quote | None:
    """The engine's quote for paying ``verbale`` on ``on`` (``None`` before day 0 exists)."""
    if verbale.notified_on is None:
        return None
    violations, costs = engine_inputs(verbale)
    settings = ente_settings(verbale.ente)
    return quote(violations, verbale.notified_on, on, costs,
                 confirmed_total(verbale) if paid is None else paid,
                 settings.fines, enrolled_on=enrolled_on(verbale), timeline=timeline)


def enrolled_on(verbale: Verbale) -> date | None:
    """The day the title was enrolled (ingiunzione issued): the art. 27 surcharge stops there."""
    value = (verbale.extra or {}).get("enrolled_on")
    return date.fromisoformat(value) if value else None


def window_last_day(q: Quote) -> date | None:
    for w in q.windows:
        if w.first <= q.on and (w.last is None or q.on <= w.last):
            return w.last
    return None


def _state(verbale: Verbale, q: Quote | None) -> str:
    status = verbale.status
    if status == VerbaleStatus.CANCELLED:
        return PositionState.CANCELLED
    if status == VerbaleStatus.APPEALED:
        return PositionState.APPEALED
    if status == VerbaleStatus.INSTALMENTS:
        return PositionState.INSTALMENTS
    if status == VerbaleStatus.PAID or (q is not None and q.total == 0):
        return PositionState.PAID
    if q is None:
        return PositionState.NOT_NOTIFIED
    if status == VerbaleStatus.ENFORCEMENT:
        return PositionState.ENFORCEMENT
    return PositionState.TO_PAY


def build_position(verbale: Verbale, today: date) -> VerbalePosition:
    settings = ente_settings(verbale.ente)
    paid = confirmed_total(verbale)
    pending = sum((p.amount for p in verbale.payments if p.status == PaymentStatus.PENDING), ZERO)
    q = quote_verbale(verbale, today, paid)
    types = [v.violation_type for v in verbale.violations]
    points = sum(t.licence_points for t in types)
    deadlines = verbale_deadlines(
        verbale.assessed_on, verbale.notified_on,
        violation_date=min(verbale.violation_at.astimezone(settings.calendar.timezone).date(),
                           verbale.assessed_on),
        identified=verbale.identified_on,
        abroad=verbale.offender.resides_abroad,
        points=points > 0,
        settings=settings.calendar,
    )
    accessory = tuple(dict.fromkeys(a for t in types for a in (t.accessory_sanctions or [])))
    return VerbalePosition(
        verbale=verbale, state=_state(verbale, q), quote=q, deadlines=deadlines,
        paid_total=paid, pending_total=pending, payments=tuple(verbale.payments),
        quote_valid_until=window_last_day(q) if q is not None else None,
        licence_points=points, accessory_sanctions=accessory,
    )


def _loaded():
    return (
        selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
        selectinload(Verbale.costs),
        selectinload(Verbale.evidence),
        selectinload(Verbale.payments),
        selectinload(Verbale.ente),
        selectinload(Verbale.offender),
    )


def _of_person(person_id: int):
    return (Verbale.offender_id == person_id) | (Verbale.owner_id == person_id)


def verbali_of_person(person_id: int) -> list[Verbale]:
    """Every verbale where the person is the offender or the jointly liable owner."""
    stmt = (select(Verbale).where(_of_person(person_id)).options(*_loaded())
            .order_by(Verbale.violation_at.desc()))
    return list(db.session.scalars(stmt))


def position_of_person(person_id: int, today: date | None = None) -> list[VerbalePosition]:
    """The whole position in a constant number of queries (one per loaded relationship)."""
    verbali = verbali_of_person(person_id)
    return [build_position(v, today or local_today(v.ente)) for v in verbali]


def verbale_of_person(verbale_id: int, person_id: int) -> Verbale | None:
    stmt = select(Verbale).where(Verbale.id == verbale_id, _of_person(person_id)).options(*_loaded())
    return db.session.scalars(stmt).one_or_none()


def position_of_verbale(verbale_id: int, person_id: int, today: date | None = None) -> VerbalePosition | None:
    verbale = verbale_of_person(verbale_id, person_id)
    if verbale is None:
        return None
    return build_position(verbale, today or local_today(verbale.ente))


def evidence_of_person(evidence_id: int, person_id: int) -> Evidence | None:
    stmt = (select(Evidence).join(Verbale, Evidence.verbale_id == Verbale.id)
            .where(Evidence.id == evidence_id, _of_person(person_id)))
    return db.session.scalars(stmt).one_or_none()


def receipt_of_person(payment_id: int, person_id: int) -> Payment | None:
    """A confirmed payment on one of the person's verbali (for the receipt download)."""
    stmt = (select(Payment).join(Verbale, Payment.verbale_id == Verbale.id)
            .where(Payment.id == payment_id, Payment.status == PaymentStatus.CONFIRMED,
                   _of_person(person_id))
            .options(selectinload(Payment.verbale).selectinload(Verbale.ente),
                     selectinload(Payment.verbale).selectinload(Verbale.offender)))
    return db.session.scalars(stmt).one_or_none()
