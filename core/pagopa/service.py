"""pagoPA notices: issuing them, finding them, and deciding whether one can be paid today.

* :func:`ensure_notice` gives each payable verbale one active notice (aux digit 3, the Ente's
  segregation code, an IUV base from the per-Ente :class:`~core.models.IuvCounter`, check
  digits mod 93). IUV bases are never reused: the counter only grows, and a cancelled or paid
  notice keeps its number for ever.
* :func:`next_iuv_base` increments the counter with one atomic statement
  (``UPDATE iuv_counter SET last_base = last_base + 1 … RETURNING last_base``), falling back
  the first time to an ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` so two first issuers
  for the same Ente still get different bases (SQLite ≥ 3.35 and PostgreSQL).
* :func:`check_payable` maps the state of a notice and its verbale on a given day to the
  reasons the creditor SOAP service reports (unknown, paid, cancelled, expired …).

Operations flush and audit; the caller's request (or CLI command) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, selectinload

from core import audit, db
from core.models import (
    Ente,
    Instalment,
    IuvCounter,
    NoticeStatus,
    PaymentNotice,
    Person,
    PersonKind,
    Verbale,
    VerbaleStatus,
    VerbaleViolation,
)
from core.pagopa.notice import NoticeNumber, make_notice_number, qr_payload
from core.positions import PositionState, VerbalePosition, build_position, local_today

#: A paGetPayment opens a payment attempt for this long (the node's payment-token lifetime,
#: 30 minutes by default on pagoPA): another paGetPayment meanwhile is "in progress".
IN_PROGRESS_WINDOW = timedelta(minutes=30)

#: pagoPA taxonomy (transferCategory) of the single transfer: traffic-fine proceeds.
TRANSFER_CATEGORY = "9/0101100IM/"


class NoticeError(ValueError):
    """No notice can be issued (the verbale is not payable now)."""


class Reason:
    """Why a notice cannot be paid today (mapped to ``PAA_*`` fault codes by the SOAP layer)."""

    UNKNOWN = "unknown"  # no such notice, or the verbale is not notified yet
    PAID = "paid"
    CANCELLED = "cancelled"  # verbale archived, notice cancelled, or replaced by instalments
    EXPIRED = "expired"  # the credit is prescribed
    SUSPENDED = "suspended"  # an appeal is pending: not payable through this notice now
    IN_PROGRESS = "in_progress"


# -- IUV counter ---------------------------------------------------------------------------


def _upsert_counter(session: Session, ente_id: int) -> int:
    table = IuvCounter.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {dialect}")
    stmt = insert(table).values(ente_id=ente_id, last_base=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.ente_id], set_={"last_base": table.c.last_base + 1}
    ).returning(table.c.last_base)
    return int(session.execute(stmt).scalar_one())


def next_iuv_base(ente_id: int, session: Session | None = None) -> int:
    """The next IUV base of the Ente: one atomic statement, safe under concurrency (the row
    lock taken by the UPDATE serialises issuers; the value is never handed out twice)."""
    session = session or db.session()
    table = IuvCounter.__table__
    stmt = (update(table).where(table.c.ente_id == ente_id)
            .values(last_base=table.c.last_base + 1).returning(table.c.last_base))
    base = session.execute(stmt).scalar_one_or_none()
    if base is None:
        base = _upsert_counter(session, ente_id)
    return int(base)


# -- notices -------------------------------------------------------------------------------


def active_notice(verbale_id: int) -> PaymentNotice | None:
    stmt = (select(PaymentNotice)
            .where(PaymentNotice.verbale_id == verbale_id,
                   PaymentNotice.status == NoticeStatus.ACTIVE,
                   # an instalment's own notice is not the verbale's (core.instalments)
                   ~exists().where(Instalment.notice_id == PaymentNotice.id))
            .order_by(PaymentNotice.id.desc()))
    return db.session.scalars(stmt).first()


def ensure_notice(verbale: Verbale, today: date | None = None) -> PaymentNotice:
    """The verbale's active notice, issuing one when there is none (idempotent).

    Raises :class:`NoticeError` when the verbale has no amount payable today.
    """
    # Serialise issuers of the same verbale (a row lock on PostgreSQL; SQLite locks the file
    # on the first write), so two concurrent requests cannot both issue a notice.
    db.session.execute(select(Verbale.id).where(Verbale.id == verbale.id).with_for_update())
    existing = active_notice(verbale.id)
    if existing is not None:
        return existing
    position = build_position(verbale, today or local_today(verbale.ente))
    if not position.payable:
        raise NoticeError(f"verbale {verbale.number} is not payable ({position.state})")
    ente = verbale.ente
    number = make_notice_number(ente.segregation_code, next_iuv_base(ente.id))
    notice = PaymentNotice(ente_id=ente.id, verbale_id=verbale.id, notice_number=number.value,
                           iuv=number.iuv, status=NoticeStatus.ACTIVE)
    db.session.add(notice)
    db.session.flush()
    audit.record("pagopa.notice_issued", actor_type="system", actor_id=None,
                 object_type="payment_notice", object_id=notice.id, ente_id=ente.id,
                 verbale_id=verbale.id, notice_number=notice.notice_number, iuv=notice.iuv)
    return notice


def notice_qr_payload(notice: PaymentNotice, position: VerbalePosition) -> str:
    """The QR code payload with the amount due today (pagopa.md §2)."""
    amount = position.quote.total if position.quote is not None else None
    if amount is None or amount <= 0:
        raise NoticeError("nothing is due today")
    return qr_payload(NoticeNumber(notice.notice_number), notice.ente.fiscal_code, amount)


def _loaded_verbale():
    return (
        selectinload(PaymentNotice.ente),
        selectinload(PaymentNotice.verbale).options(
            selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
            selectinload(Verbale.costs), selectinload(Verbale.payments),
            selectinload(Verbale.ente), selectinload(Verbale.offender),
        ),
    )


def find_notice(ente: Ente, notice_number: str) -> PaymentNotice | None:
    stmt = (select(PaymentNotice)
            .where(PaymentNotice.ente_id == ente.id,
                   PaymentNotice.notice_number == notice_number)
            .options(*_loaded_verbale()))
    return db.session.scalars(stmt).one_or_none()


def ente_by_fiscal_code(fiscal_code: str) -> Ente | None:
    return db.session.scalars(select(Ente).where(Ente.fiscal_code == fiscal_code)).one_or_none()


@dataclass(frozen=True)
class Check:
    reason: str | None  # None: payable
    position: VerbalePosition | None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


def check_payable(notice: PaymentNotice | None, today: date, now: datetime | None = None,
                  opening: bool = False) -> Check:
    """Can ``notice`` be paid on ``today``? ``opening``: a paGetPayment that would open a new
    payment attempt (refused while another one is open)."""
    if notice is None:
        return Check(Reason.UNKNOWN, None, "no such notice for this creditor")
    from core.instalments.payments import check_instalment_notice  # lazy: avoids a cycle

    instalment_check = check_instalment_notice(notice, today, now, opening)
    if instalment_check is not None:  # an instalment's notice: its own amount and due date
        return instalment_check
    verbale = notice.verbale
    if notice.status == NoticeStatus.PAID:
        return Check(Reason.PAID, None, "the notice has been paid")
    if notice.status == NoticeStatus.CANCELLED or verbale.status == VerbaleStatus.CANCELLED:
        return Check(Reason.CANCELLED, None, "the notice or its verbale was cancelled")
    position = build_position(verbale, today)
    state = position.state
    if state == PositionState.PAID:
        return Check(Reason.PAID, position, "the verbale has been paid")
    if state == PositionState.NOT_NOTIFIED:
        return Check(Reason.UNKNOWN, position, "the verbale has not been notified yet")
    if today > position.deadlines.prescription.due:
        return Check(Reason.EXPIRED, position,
                     f"prescribed on {position.deadlines.prescription.due.isoformat()}")
    if state == PositionState.INSTALMENTS:
        return Check(Reason.CANCELLED, position, "replaced by an instalment plan")
    if state == PositionState.APPEALED:
        return Check(Reason.SUSPENDED, position, "an appeal is pending")
    if not position.payable:
        return Check(Reason.SUSPENDED, position, f"not payable ({state})")
    if opening and notice.in_progress_until is not None and now is not None \
            and notice.in_progress_until > now:
        return Check(Reason.IN_PROGRESS, position,
                     f"another payment attempt is open until {notice.in_progress_until.isoformat()}")
    return Check(None, position)


def due_date(position: VerbalePosition) -> date:
    """Last day of the window that contains today (the prescription date if open-ended)."""
    return position.quote_valid_until or position.deadlines.prescription.due


@dataclass(frozen=True)
class Debtor:
    kind: str  # "F" natural person, "G" legal person
    identifier: str  # fiscal code, foreign id, or "ANONIMO" when none fits the schema (2–16)
    name: str
    street: str
    postal_code: str
    city: str
    province: str
    country: str
    email: str | None


def debtor_of(person: Person) -> Debtor:
    """The debtor as pagoPA wants it: F for natural persons (Italian fiscal code or foreign
    id), G for legal persons; "ANONIMO" when no identifier of 2–16 characters exists."""
    kind = "G" if person.kind == PersonKind.LEGAL else "F"
    identifier = "ANONIMO"
    for candidate in (person.fiscal_code, person.foreign_id):
        compact = (candidate or "").replace(" ", "").upper()
        if 2 <= len(compact) <= 16:
            identifier = compact
            break
    email = person.email if person.email and person.email_verified_at else None
    return Debtor(kind, identifier, person.display_name or "ANONIMO", person.address_line,
                  person.postal_code, person.city, person.province, person.country, email)


def remember_quote(notice: PaymentNotice, position: VerbalePosition, today: date,
                   now: datetime) -> None:
    """paGetPayment: store the amount given to the node (honoured by paSendRT within the
    grace period) and open the payment attempt."""
    notice.quoted_total = position.quote.total
    notice.quoted_on = today
    notice.quote_valid_until = due_date(position)
    notice.in_progress_until = now + IN_PROGRESS_WINDOW
    db.session.flush()
    audit.record("pagopa.payment_started", actor_type="system", actor_id=None,
                 object_type="payment_notice", object_id=notice.id, ente_id=notice.ente_id,
                 verbale_id=notice.verbale_id, amount=str(notice.quoted_total))


def record_receipt(notice: PaymentNotice, **kwargs):
    """paSendRT: record the receipt through the ledger (keyword arguments of
    :func:`~core.collection.ledger.record_confirmed_payment` but ``verbale_id``/``channel``) —
    against its instalment for an instalment's notice (:mod:`core.instalments`)."""
    from core.collection.ledger import record_confirmed_payment
    from core.instalments.payments import instalment_of_notice, record_instalment_payment
    from core.models import PaymentChannel

    instalment = instalment_of_notice(notice.id)
    if instalment is not None:
        return record_instalment_payment(instalment, channel=PaymentChannel.PAGOPA, **kwargs)
    return record_confirmed_payment(verbale_id=notice.verbale_id, channel=PaymentChannel.PAGOPA,
                                    **kwargs)


def node_registry(app):
    """``fiscal code → (idBrokerPA, idStation)`` read from the creditor's database, for the
    simulated node in the demo (the real node has its own registry of stations)."""

    def lookup(fiscal_code: str) -> tuple[str, str] | None:
        with app.app_context():
            ente = ente_by_fiscal_code(fiscal_code)
            return (ente.id_broker_pa, ente.id_station) if ente is not None else None

    return lookup


def payment_description(verbale: Verbale) -> str:
    """What the payer sees at the PSP and on the receipt (Italian: pagoPA's language)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale("it"):
        # Translators: payment description sent to pagoPA, at most 140 characters.
        return _("Traffic fine – verbale %(number)s", number=verbale.number)
