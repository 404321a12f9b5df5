"""Reconciliation: imported reporting flows and bank statements, their bank entries, and the
exceptions that need a person (the contact center's reconciliation work queue).

* :class:`ReconciliationImport` — one imported file (pagoPA FlussoRiversamento XML, FdR 3
  JSON, bank statement CSV or camt.053), identified by its SHA-256 and, for flows, by the
  PSP's flow id and revision: importing it again is a no-op reported as a duplicate.
  Payments confirmed by a flow point at it (``payment.reconciliation_import_id``).
* :class:`BankEntry` — one booked line of a bank statement: the settlement of a flow, a
  direct payment of a notice, an exception, or ignored (debits).
* :class:`ReconciliationItem` — a line that could not be reconciled automatically (unknown
  IUV, amount mismatch, revoked payment …): open until an operator resolves it by linking it
  to a notice or verbale, or by marking it refunded or ignored, with a note.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money, UTCDateTime, utcnow

from ._common import str_enum


class ImportKind(StrEnum):
    FLUSSO = "flusso"  # pagoPA FlussoRiversamento XML (FdR 1)
    FDR3 = "fdr3"  # pagoPA FdR 3 JSON
    CSV = "csv"  # bank statement, documented CSV columns
    CAMT053 = "camt053"  # bank statement, ISO 20022 BkToCstmrStmt

    @property
    def is_flow(self) -> bool:
        return self in (ImportKind.FLUSSO, ImportKind.FDR3)


class ImportStatus(StrEnum):
    IMPORTED = "imported"  # recorded; a flow still waits for its bank transfer
    SETTLED = "settled"  # a flow whose bank transfer was found on a statement


class ReconciliationImport(Base):
    __tablename__ = "reconciliation_import"
    __table_args__ = (
        UniqueConstraint("ente_id", "sha256"),
        # flows: "fdr:<flow id>:<revision>"; camt.053: "camt053:<message id>"; CSV: none
        UniqueConstraint("ente_id", "natural_key"),
        Index("ix_reconciliation_import_ente_imported", "ente_id", "imported_at"),
        Index("ix_reconciliation_import_regulation", "ente_id", "regulation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    kind: Mapped[ImportKind] = mapped_column(str_enum(ImportKind))
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus),
                                                 default=ImportStatus.IMPORTED)
    filename: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    storage_key: Mapped[str | None] = mapped_column(String(300))
    natural_key: Mapped[str | None] = mapped_column(String(160))
    # flow header (identificativoFlusso / fdr …); statement id for bank statements
    flow_id: Mapped[str | None] = mapped_column(String(70))
    revision: Mapped[int | None] = mapped_column(Integer)
    flow_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sender: Mapped[str] = mapped_column(String(140), default="")
    regulation_id: Mapped[str | None] = mapped_column(String(140))
    regulation_date: Mapped[date | None] = mapped_column(Date)
    account: Mapped[str] = mapped_column(String(34), default="")
    # totals: declared in the header, and found in the rows (equal, or the file is refused)
    declared_count: Mapped[int | None] = mapped_column(Integer)
    declared_total: Mapped[Decimal | None] = mapped_column(Money)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # outcome of the matching
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    exception_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    ignored_count: Mapped[int] = mapped_column(Integer, default=0)
    settled_on: Mapped[date | None] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ente = relationship("Ente")
    imported_by = relationship("StaffUser")


class BankEntryStatus(StrEnum):
    SETTLEMENT = "settlement"  # the bank transfer of a reporting flow
    PAYMENT = "payment"  # a direct payment of a notice (IUV / RF reference)
    EXCEPTION = "exception"  # in the work queue
    IGNORED = "ignored"  # debits


class BankEntry(Base):
    __tablename__ = "bank_entry"
    # The bank's reference of an entry: a statement that overlaps an earlier one skips it.
    __table_args__ = (UniqueConstraint("ente_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_import.id"), index=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(120))
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)  # positive; see ``credit``
    credit: Mapped[bool] = mapped_column(default=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    account: Mapped[str] = mapped_column(String(34), default="")
    counterparty: Mapped[str] = mapped_column(String(140), default="")
    remittance: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[BankEntryStatus] = mapped_column(str_enum(BankEntryStatus))
    flow_import_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_import.id"),
                                                       index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))

    flow_import = relationship("ReconciliationImport", foreign_keys=[flow_import_id])


class ItemStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ItemReason(StrEnum):
    UNKNOWN_IUV = "unknown_iuv"  # no notice of this Ente has the IUV
    AMOUNT_MISMATCH = "amount_mismatch"  # the flow's amount differs from the recorded receipt
    VERBALE_MISMATCH = "verbale_mismatch"  # the receipt was recorded on another verbale
    ALREADY_RECONCILED = "already_reconciled"  # the payment was reported by another flow
    REVOKED = "revoked"  # outcome 3 / REVOKED: a revocation of a payment
    INVALID_AMOUNT = "invalid_amount"  # an executed payment of zero or less
    UNEXPECTED_TRANSFER = "unexpected_transfer"  # a transfer index the notice does not have
    CANCELLED_NOTICE = "cancelled_notice"  # paid on a cancelled notice or verbale
    PAYMENT_REFUNDED = "payment_refunded"  # the receipt's payment was refunded meanwhile
    REFERENCE_CONFLICT = "reference_conflict"  # the receipt id belongs to another Ente
    LEDGER_REJECTED = "ledger_rejected"  # the ledger refused to record it
    UNMATCHED_CREDIT = "unmatched_credit"  # a bank credit matching no flow and no notice
    AMBIGUOUS_REFERENCE = "ambiguous_reference"  # a bank credit naming several notices
    SETTLEMENT_MISMATCH = "settlement_mismatch"  # a flow's transfer with another amount
    ALREADY_SETTLED = "already_settled"  # a second transfer for a settled flow


class ItemResolution(StrEnum):
    LINKED = "linked"  # linked to a notice / verbale (and recorded in the ledger if needed)
    REFUNDED = "refunded"  # the money was returned to the payer
    IGNORED = "ignored"  # nothing to do (explained in the note)


class ReconciliationItem(Base):
    """An exception of the reconciliation: the contact center's work queue."""

    __tablename__ = "reconciliation_item"
    __table_args__ = (
        Index("ix_reconciliation_item_ente_status", "ente_id", "status", "id"),
        Index("ix_reconciliation_item_import", "import_id", "line_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_import.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    reason: Mapped[ItemReason] = mapped_column(str_enum(ItemReason))
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus), default=ItemStatus.OPEN)
    iuv: Mapped[str | None] = mapped_column(String(35))
    iur: Mapped[str | None] = mapped_column(String(35))
    transfer_index: Mapped[int | None] = mapped_column(SmallInteger)
    reference: Mapped[str | None] = mapped_column(String(120))  # bank entry reference
    amount: Mapped[Decimal] = mapped_column(Money)
    expected_amount: Mapped[Decimal | None] = mapped_column(Money)
    outcome: Mapped[str | None] = mapped_column(String(20))
    value_date: Mapped[date | None] = mapped_column(Date)
    remittance: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("payment_notice.id"))
    verbale_id: Mapped[int | None] = mapped_column(ForeignKey("verbale.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    bank_entry_id: Mapped[int | None] = mapped_column(ForeignKey("bank_entry.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolution: Mapped[ItemResolution | None] = mapped_column(str_enum(ItemResolution))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    ente = relationship("Ente")
    source = relationship("ReconciliationImport")
    notice = relationship("PaymentNotice")
    verbale = relationship("Verbale")
    payment = relationship("Payment")
    bank_entry = relationship("BankEntry")
    resolved_by = relationship("StaffUser")
