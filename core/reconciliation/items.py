"""The reconciliation work queue of the contact center: exception items and imports, scoped
to the Enti of the reader, and the resolution of an item.

An item is resolved once, with a note, in one of three ways:

* **linked** to a notice (notice number or IUV) or a verbale (its number) of the item's Ente:
  when the item carries money not yet in the ledger (an unknown IUV, an unmatched bank credit
  …) the payment is recorded through the ledger on that verbale, so the full / partial /
  over-payment rules apply (an over-payment opens a refund request);
* **refunded**: the money went back to the payer;
* **ignored**: nothing to do.

Every resolution, and every opening of an item (its remittance text may hold personal data),
is audited.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true
from sqlalchemy.orm import selectinload

from core import audit, db
from core.collection.ledger import LedgerError, record_confirmed_payment
from core.db import utcnow
from core.models import (
    Allocation,
    BankEntryStatus,
    Ente,
    ItemReason,
    ItemResolution,
    ItemStatus,
    NoticeStatus,
    PaymentChannel,
    PaymentNotice,
    ReconciliationImport,
    ReconciliationItem,
    StaffRole,
    Verbale,
    VerbaleStatus,
)
from core.pagopa import service as pagopa_service
from core.positions import local_today

from .amounts import noon
from .errors import ReconciliationError, show
from .matching import bank_provider_ref, record_bank_payment, verbale_loading

PAGE_SIZE = 50
#: items whose money is not in the ledger: linking them records the payment
UNRECORDED = frozenset({ItemReason.UNKNOWN_IUV, ItemReason.UNEXPECTED_TRANSFER,
                        ItemReason.CANCELLED_NOTICE, ItemReason.LEDGER_REJECTED,
                        ItemReason.UNMATCHED_CREDIT, ItemReason.AMBIGUOUS_REFERENCE,
                        ItemReason.REFERENCE_CONFLICT})
MANAGERS = frozenset({StaffRole.SUPERVISOR, StaffRole.ADMIN})


class ResolutionError(ReconciliationError):
    pass


def _scope(column, principal):
    if principal.all_enti:
        return true()
    return column.in_(sorted(principal.ente_ids) or [-1])


def visible_enti(principal) -> list[Ente]:
    stmt = select(Ente).order_by(Ente.code)
    if not principal.all_enti:
        stmt = stmt.where(Ente.id.in_(sorted(principal.ente_ids) or [-1]))
    return list(db.session.scalars(stmt))


def allowed_ente_ids(principal) -> frozenset[int] | None:
    return None if principal.all_enti else frozenset(principal.ente_ids)


@dataclass(frozen=True)
class ItemFilter:
    status: str = ItemStatus.OPEN.value  # "open", "resolved" or "" (all)
    reason: str = ""
    ente_id: int | None = None
    import_id: int | None = None


@dataclass(frozen=True)
class Page:
    rows: list[ReconciliationItem]
    total: int
    number: int
    pages: int


def list_items(principal, flt: ItemFilter, page: int = 1, size: int = PAGE_SIZE) -> Page:
    stmt = select(ReconciliationItem).where(_scope(ReconciliationItem.ente_id, principal))
    if flt.status:
        stmt = stmt.where(ReconciliationItem.status == ItemStatus(flt.status))
    if flt.reason:
        stmt = stmt.where(ReconciliationItem.reason == ItemReason(flt.reason))
    if flt.ente_id:
        stmt = stmt.where(ReconciliationItem.ente_id == flt.ente_id)
    if flt.import_id:
        stmt = stmt.where(ReconciliationItem.import_id == flt.import_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = list(db.session.scalars(
        stmt.options(selectinload(ReconciliationItem.ente), selectinload(ReconciliationItem.source))
        .order_by(ReconciliationItem.id.desc()).offset((page - 1) * size).limit(size)))
    return Page(rows, total, page, pages)


def open_counts(principal) -> Counter:
    rows = db.session.execute(
        select(ReconciliationItem.reason, func.count())
        .where(_scope(ReconciliationItem.ente_id, principal),
               ReconciliationItem.status == ItemStatus.OPEN)
        .group_by(ReconciliationItem.reason)).all()
    return Counter({str(reason): count for reason, count in rows})


def recent_imports(principal, limit: int = 20) -> list[ReconciliationImport]:
    return list(db.session.scalars(
        select(ReconciliationImport).where(_scope(ReconciliationImport.ente_id, principal))
        .options(selectinload(ReconciliationImport.ente))
        .order_by(ReconciliationImport.id.desc()).limit(limit)))


def visible_import(import_id: int, principal) -> ReconciliationImport | None:
    return db.session.scalars(select(ReconciliationImport).where(
        ReconciliationImport.id == import_id,
        _scope(ReconciliationImport.ente_id, principal))).one_or_none()


def visible_item(item_id: int, principal) -> ReconciliationItem | None:
    return db.session.scalars(select(ReconciliationItem).where(
        ReconciliationItem.id == item_id,
        _scope(ReconciliationItem.ente_id, principal))).one_or_none()


def open_item(item_id: int, principal) -> ReconciliationItem | None:
    """The item for its page, the reading audited (payer names may be in the remittance)."""
    item = visible_item(item_id, principal)
    if item is not None:
        audit.record("reconciliation.item_viewed", actor_type="staff", actor_id=principal.id,
                     object_type="reconciliation_item", object_id=item.id,
                     ente_id=item.ente_id)
    return item


# -- resolution -----------------------------------------------------------------------------

_NOTICE = re.compile(r"[0-9]{18}")
_IUV = re.compile(r"[0-9A-Za-z]{15,35}")


def find_target(ente_id: int, reference: str) -> tuple[PaymentNotice | None, Verbale]:
    """A notice (18-digit notice number or IUV) or a verbale (its number) of the Ente."""
    text = "".join(reference.split())
    notice = None
    if _NOTICE.fullmatch(text) or _IUV.fullmatch(text):
        notice = db.session.scalars(
            select(PaymentNotice).where(PaymentNotice.ente_id == ente_id,
                                        (PaymentNotice.notice_number == text)
                                        | (PaymentNotice.iuv == text))
            .options(selectinload(PaymentNotice.verbale).options(*verbale_loading()))).first()
    if notice is not None:
        return notice, notice.verbale
    verbale = db.session.scalars(
        select(Verbale).where(Verbale.ente_id == ente_id, Verbale.number == reference.strip())
        .options(*verbale_loading())).one_or_none()
    if verbale is None:
        raise ResolutionError(_l("No notice or verbale of this Ente has the reference "
                                 "%(reference)s.", reference=show(reference)))
    notice = db.session.scalars(
        select(PaymentNotice).where(PaymentNotice.verbale_id == verbale.id,
                                    PaymentNotice.status != NoticeStatus.CANCELLED)
        .order_by(PaymentNotice.id.desc())).first()
    return notice, verbale


def resolve(item: ReconciliationItem, principal, action: str, *, note: str,
            reference: str = "", today: date | None = None) -> None:
    """Resolve ``item`` (already checked visible to ``principal``); see the module docstring."""
    if principal.role not in MANAGERS:
        raise ResolutionError(_l("Only supervisors and administrators resolve reconciliation "
                                 "items."))
    if item.status != ItemStatus.OPEN:
        raise ResolutionError(_l("This item has already been resolved."))
    note = note.strip()
    if len(note) < 3:
        raise ResolutionError(_l("Explain the resolution in a note."))
    resolution = ItemResolution(action)
    details: dict = {"resolution": str(resolution)}
    savepoint = db.session.begin_nested()  # a refused link leaves nothing behind
    try:
        _apply(item, resolution, details, reference, today)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    item.status = ItemStatus.RESOLVED
    item.resolution = resolution
    item.resolved_at = utcnow()
    item.resolved_by_id = principal.id
    item.note = note[:2000]
    db.session.flush()
    audit.record("reconciliation.item_resolved", actor_type="staff", actor_id=principal.id,
                 object_type="reconciliation_item", object_id=item.id, ente_id=item.ente_id,
                 reason=str(item.reason), **details)


def _apply(item: ReconciliationItem, resolution: ItemResolution, details: dict,
           reference: str, today: date | None) -> None:
    if resolution == ItemResolution.LINKED:
        if not reference.strip():
            raise ResolutionError(_l("Give the notice number, IUV or verbale number to link."))
        notice, verbale = find_target(item.ente_id, reference)
        if verbale.status == VerbaleStatus.CANCELLED or (
                notice is not None and notice.status == NoticeStatus.CANCELLED
                and item.reason != ItemReason.CANCELLED_NOTICE):
            raise ResolutionError(_l("The verbale %(number)s is cancelled: refund the payer and "
                                     "mark the item as refunded.", number=verbale.number))
        if item.payment_id is None and item.reason in UNRECORDED and item.amount > 0:
            _record(item, notice, verbale, today)
        item.notice_id = notice.id if notice is not None else None
        item.verbale_id = verbale.id
        details.update(verbale_id=verbale.id, notice_id=item.notice_id,
                       payment_id=item.payment_id)
        db.session.flush()


def _record(item: ReconciliationItem, notice: PaymentNotice | None, verbale: Verbale,
            today: date | None) -> None:
    """The item's money into the ledger, on the linked verbale."""
    entry = item.bank_entry
    try:
        if entry is not None:
            if notice is None:
                raise ResolutionError(_l("The verbale %(number)s has no pagoPA notice to link "
                                         "the transfer to.", number=verbale.number))
            payment = record_bank_payment(entry, notice, details={"reconciliation_item": item.id})
            entry.status = BankEntryStatus.PAYMENT
        else:
            source = item.source
            values = dict(
                provider_ref=item.iur or bank_provider_ref(item.ente_id, f"item-{item.id}"),
                amount=item.amount,
                paid_at=noon(item.value_date or today or local_today(verbale.ente)),
                details={"source": "reconciliation_item", "reconciliation_item": item.id,
                         "flow_id": source.flow_id, "receipt_id": item.iur, "iuv": item.iuv})
            if notice is not None:  # as paSendRT records a receipt (instalments included)
                recorded = pagopa_service.record_receipt(
                    notice, quoted_total=notice.quoted_total,
                    quote_valid_until=notice.quote_valid_until, **values)
            else:
                recorded = record_confirmed_payment(verbale_id=verbale.id,
                                                    channel=PaymentChannel.PAGOPA, **values)
            payment = recorded.payment
            if not recorded.created:
                raise ResolutionError(_l("The receipt %(iur)s is already recorded on another "
                                         "payment.", iur=show(item.iur or "")))
            payment.reconciliation_import_id = source.id
            payment.regulation_date = source.regulation_date
            if notice is not None and payment.allocation in (Allocation.FULL, Allocation.OVERPAID):
                notice.status = NoticeStatus.PAID
    except LedgerError as error:
        raise ResolutionError(_l("The ledger refused the payment: %(detail)s",
                                 detail=show(error))) from None
    item.payment_id = payment.id
