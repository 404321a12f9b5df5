"""Verbali (notices of violation), their violations, costs and evidence files."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money, UTCDateTime, utcnow

from ._common import str_enum
from .ente import CostKind, NotificationChannel


class VerbaleStatus(StrEnum):
    """Procedural state. Payment state (paid/partial/over-paid) comes from the ledger."""

    ASSESSED = "assessed"  # accertato, not yet notified
    NOTIFIED = "notified"  # notification sent (and possibly perfected)
    PAID = "paid"  # closed by payment in full
    APPEALED = "appealed"  # ricorso pending
    INSTALMENTS = "instalments"  # rateizzazione granted
    ENFORCEMENT = "enforcement"  # enrolled / ingiunzione fiscale
    CANCELLED = "cancelled"  # archiviato (appeal accepted, self-correction)


class EvidenceKind(StrEnum):
    PHOTO = "photo"  # frames of the automatic device
    DEVICE_APPROVAL = "device_approval"  # decreto di approvazione/omologazione
    CALIBRATION = "calibration"  # certificato di taratura
    PREFECT_DECREE = "prefect_decree"  # decreto prefettizio (fixed camera authorisation)
    OTHER = "other"


class Verbale(Base):
    __tablename__ = "verbale"
    __table_args__ = (
        UniqueConstraint("ente_id", "number"),
        Index("ix_verbale_ente_status", "ente_id", "status"),
        Index("ix_verbale_ente_plate", "ente_id", "plate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    number: Mapped[str] = mapped_column(String(40))  # e.g. "RHO/2026/000123"
    violation_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300))
    plate: Mapped[str] = mapped_column(String(20))
    registration_country: Mapped[str] = mapped_column(String(2), default="IT")
    vehicle: Mapped[str] = mapped_column(String(100), default="")
    device: Mapped[str] = mapped_column(String(200), default="")  # automatic device, if any
    assessed_on: Mapped[date] = mapped_column(Date)
    identified_on: Mapped[date | None] = mapped_column(Date)  # owner identified later
    contested_on_spot: Mapped[bool] = mapped_column(default=False)
    # Day 0 of the amount windows: contestation or perfection of notification for the offender.
    notified_on: Mapped[date | None] = mapped_column(Date, index=True)
    notification_channel: Mapped[NotificationChannel | None] = mapped_column(
        str_enum(NotificationChannel)
    )
    status: Mapped[VerbaleStatus] = mapped_column(
        str_enum(VerbaleStatus), default=VerbaleStatus.ASSESSED
    )
    late_notification_suspected: Mapped[bool] = mapped_column(default=False)
    offender_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ente = relationship("Ente")
    offender = relationship("Person", foreign_keys=[offender_id])
    owner = relationship("Person", foreign_keys=[owner_id])
    violations: Mapped[list[VerbaleViolation]] = relationship(
        back_populates="verbale", cascade="all, delete-orphan", order_by="VerbaleViolation.id"
    )
    costs: Mapped[list[VerbaleCost]] = relationship(
        back_populates="verbale", cascade="all, delete-orphan", order_by="VerbaleCost.id"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="verbale", cascade="all, delete-orphan", order_by="Evidence.id"
    )
    payments = relationship("Payment", viewonly=True, order_by="Payment.id")


class VerbaleViolation(Base):
    """One violation on a verbale, with the edictal amounts in force on the day it happened."""

    __tablename__ = "verbale_violation"

    id: Mapped[int] = mapped_column(primary_key=True)
    verbale_id: Mapped[int] = mapped_column(
        ForeignKey("verbale.id", ondelete="CASCADE"), index=True
    )
    violation_type_id: Mapped[int] = mapped_column(ForeignKey("violation_type.id"))
    min_amount: Mapped[Decimal] = mapped_column(Money)
    max_amount: Mapped[Decimal] = mapped_column(Money)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. measured speed

    verbale: Mapped[Verbale] = relationship(back_populates="violations")
    violation_type = relationship("ViolationType")


class VerbaleCost(Base):
    """A cost charged on this verbale (notification, procedure, assessment): never discounted."""

    __tablename__ = "verbale_cost"

    id: Mapped[int] = mapped_column(primary_key=True)
    verbale_id: Mapped[int] = mapped_column(
        ForeignKey("verbale.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CostKind] = mapped_column(str_enum(CostKind))
    channel: Mapped[NotificationChannel | None] = mapped_column(str_enum(NotificationChannel))
    amount: Mapped[Decimal] = mapped_column(Money)

    verbale: Mapped[Verbale] = relationship(back_populates="costs")


class Evidence(Base):
    """A photo or document of a verbale. The file lives outside the web root, by storage key."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    verbale_id: Mapped[int] = mapped_column(
        ForeignKey("verbale.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    verbale: Mapped[Verbale] = relationship(back_populates="evidence")
