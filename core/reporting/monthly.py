"""The monthly report to each Ente (rendicontazione mensile).

What the tenders ask (Rho art. 3 j, Siracusa art. 7): every payment of the month, told apart by
**payment channel** and by **source** (traffic code, other administrative violations,
enforcement), as paid in full (saldo), in part (acconto) or over (eccedenza); the notifications
sent and failed; the number of verbali handled and paid in the month; the international
recovery in a section of its own; each paid verbale on a worksheet line with the kinds of
amounts that make up what was paid; and the **amount to remit** to the Ente's treasury by the
10th of the following month.

Definitions (documented in the report itself):

- the month is the Ente's calendar month in Europe/Rome; a payment belongs to the month of its
  ``paid_at``; only confirmed payments count (a payment refunded later stays in the month it
  was collected, with its refund shown in the month the refund is paid);
- *source*: ``enforcement`` for verbali in enforcement (ingiunzione/ruolo) or payments marked
  ``details.source = "enforcement"``; otherwise the family of the verbale's violation types
  (``traffic_code`` wins over ``other_administrative`` when a verbale mixes them);
- *international*: verbali with a vehicle registered abroad or an offender living abroad;
- the worksheet splits each payment over the components due on the day it was paid (engine
  quote: sanction, notification costs, procedure costs, surcharge) in proportion, cent-exact,
  the excess of an over-payment apart;
- *to remit* = collected − excesses held for refund.

Aggregates are computed in SQL (GROUP BY); the worksheet streams payments in chunks with their
verbali loaded set-wise, so a month of a large city stays in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased, selectinload

from core import db
from core.db import utcnow
from core.models import (
    Allocation,
    Ente,
    NotificationEvent,
    NotificationOutcome,
    Payment,
    PaymentStatus,
    Person,
    Verbale,
    VerbaleStatus,
    VerbaleViolation,
    ViolationFamily,
    ViolationType,
)
from core.positions import quote_verbale

ROME = ZoneInfo("Europe/Rome")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
REMIT_DAY = 10
SOURCES = ("traffic_code", "other_administrative", "enforcement")
COMPONENTS = ("sanction", "notification_costs", "procedure_costs", "surcharge")
SENT_OUTCOMES = (NotificationOutcome.SENT, NotificationOutcome.DELIVERED,
                 NotificationOutcome.VIEWED, NotificationOutcome.IN_STORAGE,
                 NotificationOutcome.PERFECTED)
FAILED_OUTCOMES = (NotificationOutcome.FAILED, NotificationOutcome.RETURNED)


@dataclass(frozen=True)
class Line:
    """A row of a summary table: a key (channel, source …), a count and an amount."""

    key: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class NotificationLine:
    channel: str
    sent: int
    failed: int
    perfected: int


@dataclass(frozen=True)
class WorksheetLine:
    """One payment of the month, split over the components of what was due that day."""

    verbale_number: str
    paid_at: datetime
    channel: str
    source: str
    allocation: str
    amount: Decimal
    sanction: Decimal
    notification_costs: Decimal
    procedure_costs: Decimal
    surcharge: Decimal
    excess: Decimal
    international: bool
    receipt_number: str


@dataclass
class MonthlyReport:
    ente: Ente
    year: int
    month: int
    generated_at: datetime
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    remit_by: date
    collected: Decimal = ZERO
    payments: int = 0
    excess: Decimal = ZERO
    verbali_handled: int = 0
    verbali_paid: int = 0
    by_channel: list[Line] = field(default_factory=list)
    by_source: list[Line] = field(default_factory=list)
    by_allocation: list[Line] = field(default_factory=list)
    international: Line = Line("international", 0, ZERO)
    notifications: list[NotificationLine] = field(default_factory=list)

    @property
    def to_remit(self) -> Decimal:
        return self.collected - self.excess

    @property
    def month_label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-10"`` → ``(2026, 10)``; raises ``ValueError`` for anything else."""
    year_text, sep, month_text = (text or "").partition("-")
    if not (sep and len(year_text) == 4 and year_text.isdigit() and month_text.isdigit()):
        raise ValueError(f"bad month {text!r}")
    year, month = int(year_text), int(month_text)
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ValueError(f"bad month {text!r}")
    return year, month


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month in Europe/Rome as a UTC half-open interval (DST-correct)."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    start = datetime.combine(first, time.min, tzinfo=ROME).astimezone(UTC)
    end = datetime.combine(following, time.min, tzinfo=ROME).astimezone(UTC)
    return start, end


def remit_deadline(year: int, month: int) -> date:
    """The 10th of the month after the one reported (Siracusa art. 7)."""
    return date(year + month // 12, month % 12 + 1, REMIT_DAY)


def source_expr():
    """SQL expression: the report source of a payment's verbale."""
    traffic = (select(literal(1)).select_from(VerbaleViolation)
               .join(ViolationType, ViolationType.id == VerbaleViolation.violation_type_id)
               .where(VerbaleViolation.verbale_id == Verbale.id,
                      ViolationType.family == ViolationFamily.TRAFFIC_CODE)
               .exists())
    return case(
        (Verbale.status == VerbaleStatus.ENFORCEMENT, literal("enforcement")),
        (func.coalesce(Payment.details["source"].as_string(), "") == "enforcement",
         literal("enforcement")),
        (traffic, literal("traffic_code")),
        else_=literal("other_administrative"),
    )


def _international_expr():
    offender = aliased(Person)
    abroad = (select(literal(1)).select_from(offender)
              .where(offender.id == Verbale.offender_id, offender.country != "IT").exists())
    return or_(Verbale.registration_country != "IT", abroad)


def _month_payments(ente_id: int, start: datetime, end: datetime):
    return and_(Payment.ente_id == ente_id, Payment.status.in_(
        (PaymentStatus.CONFIRMED, PaymentStatus.REFUNDED)), Payment.paid_at >= start,
        Payment.paid_at < end)


def _lines(rows) -> list[Line]:
    return [Line(str(key), int(count), Decimal(amount or 0).quantize(CENT))
            for key, count, amount in rows]


def monthly_report(ente: Ente, year: int, month: int, now: datetime | None = None) -> MonthlyReport:
    start, end = month_bounds(year, month)
    report = MonthlyReport(ente=ente, year=year, month=month, generated_at=now or utcnow(),
                           start=start, end=end, remit_by=remit_deadline(year, month))
    in_month = _month_payments(ente.id, start, end)
    session = db.session

    collected, count, excess, paid_verbali = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0), func.count(Payment.id),
               func.coalesce(func.sum(Payment.excess), 0),
               func.count(func.distinct(Payment.verbale_id))).where(in_month)).one()
    report.collected = Decimal(collected).quantize(CENT)
    report.payments = int(count)
    report.excess = Decimal(excess).quantize(CENT)
    report.verbali_paid = int(paid_verbali)
    report.verbali_handled = int(session.scalar(
        select(func.count(Verbale.id)).where(Verbale.ente_id == ente.id, Verbale.created_at >= start,
                                             Verbale.created_at < end)) or 0)

    report.by_channel = _lines(session.execute(
        select(Payment.channel, func.count(Payment.id), func.sum(Payment.amount))
        .where(in_month).group_by(Payment.channel).order_by(Payment.channel)))
    source = source_expr().label("source")
    by_source = {row.key: row for row in _lines(session.execute(
        select(source, func.count(Payment.id), func.sum(Payment.amount))
        .join(Verbale, Verbale.id == Payment.verbale_id).where(in_month).group_by(source)))}
    report.by_source = [by_source.get(key, Line(key, 0, ZERO)) for key in SOURCES]
    allocation = func.coalesce(Payment.allocation, Allocation.FULL.value).label("allocation")
    by_alloc = {row.key: row for row in _lines(session.execute(
        select(allocation, func.count(Payment.id), func.sum(Payment.amount))
        .where(in_month).group_by(allocation)))}
    report.by_allocation = [by_alloc.get(a.value, Line(a.value, 0, ZERO)) for a in Allocation]
    intl_count, intl_amount = session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount), 0))
        .join(Verbale, Verbale.id == Payment.verbale_id)
        .where(in_month, _international_expr())).one()
    report.international = Line("international", int(intl_count), Decimal(intl_amount).quantize(CENT))

    sent = func.sum(case((NotificationEvent.outcome.in_(SENT_OUTCOMES), 1), else_=0))
    failed = func.sum(case((NotificationEvent.outcome.in_(FAILED_OUTCOMES), 1), else_=0))
    perfected = func.sum(case((NotificationEvent.outcome == NotificationOutcome.PERFECTED, 1), else_=0))
    report.notifications = [
        NotificationLine(str(channel), int(s or 0), int(f or 0), int(p or 0))
        for channel, s, f, p in session.execute(
            select(NotificationEvent.channel, sent, failed, perfected)
            .join(Verbale, Verbale.id == NotificationEvent.verbale_id)
            .where(Verbale.ente_id == ente.id, NotificationEvent.occurred_at >= start,
                   NotificationEvent.occurred_at < end)
            .group_by(NotificationEvent.channel).order_by(NotificationEvent.channel))]
    return report


# -- worksheet ---------------------------------------------------------------------------------


def split(amount: Decimal, parts: dict[str, Decimal]) -> dict[str, Decimal]:
    """Split ``amount`` over ``parts`` in proportion, to the cent, the rounding remainder on the
    largest part, so the pieces always add up to ``amount``."""
    total = sum(parts.values(), ZERO)
    if total <= 0 or amount <= 0:
        return {key: ZERO for key in parts}
    shares = {key: (amount * value / total).quantize(CENT, ROUND_HALF_UP) for key, value in parts.items()}
    remainder = amount - sum(shares.values(), ZERO)
    if remainder:
        largest = max(parts, key=lambda key: parts[key])
        shares[largest] += remainder
    return shares


def _components(verbale: Verbale, on: date) -> dict[str, Decimal]:
    """What was due on ``on`` (before any payment), by component."""
    quote = quote_verbale(verbale, on, paid=ZERO, timeline=False)
    if quote is None:
        return {"sanction": ZERO, "notification_costs": ZERO, "procedure_costs": ZERO,
                "surcharge": ZERO}
    notification = sum((c.amount for c in quote.costs if c.kind == "notification"), ZERO)
    procedure = quote.costs_total - notification
    return {"sanction": quote.sanction, "notification_costs": notification,
            "procedure_costs": procedure, "surcharge": quote.surcharge}


def worksheet(report: MonthlyReport, chunk: int = 1000) -> Iterator[WorksheetLine]:
    """Every payment of the month, oldest first, split over its components. Streams in chunks
    (keyset on ``(paid_at, id)``) with the chunk's verbali loaded set-wise."""
    source = source_expr().label("source")
    international = _international_expr().label("international")
    in_month = _month_payments(report.ente.id, report.start, report.end)
    last: tuple[datetime, int] | None = None
    while True:
        stmt = (select(Payment, source, international)
                .join(Verbale, Verbale.id == Payment.verbale_id).where(in_month)
                .order_by(Payment.paid_at, Payment.id).limit(chunk))
        if last is not None:
            stmt = stmt.where(or_(Payment.paid_at > last[0],
                                  and_(Payment.paid_at == last[0], Payment.id > last[1])))
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        verbale_ids = {payment.verbale_id for payment, _, _ in rows}
        verbali = {v.id: v for v in db.session.scalars(
            select(Verbale).where(Verbale.id.in_(verbale_ids)).options(
                selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
                selectinload(Verbale.costs), selectinload(Verbale.payments),
                selectinload(Verbale.ente)))}
        for payment, src, intl in rows:
            verbale = verbali[payment.verbale_id]
            paid_on = payment.paid_at.astimezone(ROME).date()
            kept = payment.amount - (payment.excess or ZERO)
            parts = split(kept, _components(verbale, paid_on))
            yield WorksheetLine(
                verbale_number=verbale.number, paid_at=payment.paid_at, channel=str(payment.channel),
                source=str(src), allocation=str(payment.allocation or Allocation.FULL),
                amount=payment.amount, excess=payment.excess or ZERO,
                international=bool(intl), receipt_number=payment.receipt_number or "", **parts)
        last = (rows[-1][0].paid_at, rows[-1][0].id)
        for obj in [*verbali.values(), *(payment for payment, _, _ in rows)]:
            if obj in db.session:
                db.session.expunge(obj)
