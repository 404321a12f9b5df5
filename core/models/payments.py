"""The collection ledger: every confirmed payment, once, with its channel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money, UTCDateTime, utcnow

from ._common import str_enum


class PaymentChannel(StrEnum):
    CARD = "card"  # Stripe Checkout
    PAGOPA = "pagopa"
    BANK_TRANSFER = "bank_transfer"
    POSTAL = "postal"
    COUNTER = "counter"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # started by the citizen, not yet confirmed by the provider
    CONFIRMED = "confirmed"  # confirmed by webhook / receipt / reporting flow
    FAILED = "failed"
    REFUNDED = "refunded"


class Allocation(StrEnum):
    """What a confirmed payment did to the balance (the ledger's classification)."""

    FULL = "saldo"  # paid the balance in full
    PARTIAL = "acconto"  # paid part of it
    OVERPAID = "eccedenza"  # paid more than the balance: the excess is refundable


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        # The provider's own id makes recording idempotent (same webhook/receipt twice = one).
        UniqueConstraint("channel", "provider_ref"),
        Index("ix_payment_verbale_status", "verbale_id", "status"),
        Index("ix_payment_ente_paid_at", "ente_id", "paid_at"),
        # Room in each page for the reconciliation mark: a heap-only-tuple update (no index
        # rewritten), since no index covers the columns a reporting flow sets (migration 0018).
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id"))
    channel: Mapped[PaymentChannel] = mapped_column(str_enum(PaymentChannel))
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus), default=PaymentStatus.PENDING
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    provider_ref: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The amount quoted to the citizen and the last day it was valid: honoured within the
    # grace period after the window changes (core.collection.ledger).
    quoted_total: Mapped[Decimal | None] = mapped_column(Money)
    quote_valid_until: Mapped[date | None] = mapped_column(Date)
    allocation: Mapped[Allocation | None] = mapped_column(str_enum(Allocation))
    excess: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    payer_email: Mapped[str | None] = mapped_column(String(254))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The pagoPA reporting flow that confirmed the payment, and its regulation (bank transfer)
    # date (core.reconciliation). Deliberately not indexed: marking 100,000 payments stays a
    # heap-only-tuple update (migration 0018); nothing looks payments up by import.
    reconciliation_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("reconciliation_import.id"))
    regulation_date: Mapped[date | None] = mapped_column(Date)

    verbale = relationship("Verbale")


class NoticeStatus(StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentNotice(Base):
    """A pagoPA payment notice (avviso): its 18-digit number and IUV, never reused."""

    __tablename__ = "payment_notice"
    # (creditor, IUV) identifies a payment: two Enti may share a segregation code.
    __table_args__ = (UniqueConstraint("ente_id", "iuv"), UniqueConstraint("ente_id", "notice_number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id"), index=True)
    notice_number: Mapped[str] = mapped_column(String(18), index=True)
    iuv: Mapped[str] = mapped_column(String(35))
    status: Mapped[NoticeStatus] = mapped_column(str_enum(NoticeStatus), default=NoticeStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last amount given to the node by paGetPayment, honoured by paSendRT.
    quoted_total: Mapped[Decimal | None] = mapped_column(Money)
    quoted_on: Mapped[date | None] = mapped_column(Date)
    quote_valid_until: Mapped[date | None] = mapped_column(Date)
    # paGetPayment opens a payment attempt; a second one before it ends is "in progress".
    in_progress_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    verbale = relationship("Verbale")
    ente = relationship("Ente")


class IuvCounter(Base):
    """Per-Ente monotonic counter of IUV bases: incremented atomically, never decremented."""

    __tablename__ = "iuv_counter"

    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), primary_key=True)
    last_base: Mapped[int] = mapped_column(BigInteger, default=0)


class RefundStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"


class RefundRequest(Base):
    """Opened by the ledger when a payment exceeds the balance (eccedenza)."""

    __tablename__ = "refund_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), index=True)
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus), default=RefundStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
