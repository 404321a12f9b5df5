"""The collection ledger: every confirmed payment, once, with its channel."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
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


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        # The provider's own id makes recording idempotent (same webhook/receipt twice = one).
        UniqueConstraint("channel", "provider_ref"),
        Index("ix_payment_verbale_status", "verbale_id", "status"),
        Index("ix_payment_ente_paid_at", "ente_id", "paid_at"),
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
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    verbale = relationship("Verbale")
