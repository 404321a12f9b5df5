"""Enforcement: the per-Ente (versioned) enforcement policy, the provisional roll the Ente
approves, and its entries (one per verbale), which become ingiunzioni fiscali once approved."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money, UTCDateTime, utcnow

from ._common import str_enum


class EnforcementPolicy(Base):
    """When reminders and rolls happen for an Ente; a new row with a later ``valid_from``
    replaces the previous one from that day (the terms differ between tenders)."""

    __tablename__ = "enforcement_policy"
    __table_args__ = (UniqueConstraint("ente_id", "valid_from", name="uq_enforcement_policy_ente_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id", ondelete="CASCADE"))
    valid_from: Mapped[date] = mapped_column(Date)
    # Days after the last day of the minimum-amount window before the ultimo avviso is sent.
    reminder_after_days: Mapped[int] = mapped_column(Integer, default=30)
    # Days the ultimo avviso gives before the verbale goes on the provisional roll.
    roll_after_reminder_days: Mapped[int] = mapped_column(Integer, default=30)
    # Days the ingiunzione fiscale gives to pay (R.D. 639/1910: 30).
    ingiunzione_payment_days: Mapped[int] = mapped_column(Integer, default=30)
    # Prescription (art. 209 CdS, art. 28 L. 689/81): years from the last interrupting act.
    prescription_years: Mapped[int] = mapped_column(Integer, default=5)
    # Warn this many days before a verbale prescribes.
    prescription_warning_days: Mapped[int] = mapped_column(Integer, default=180)


class RollStatus(StrEnum):
    DRAFT = "draft"  # provisional: the Ente reviews it
    APPROVED = "approved"  # the Ente approved it; ingiunzioni are being issued
    ISSUED = "issued"  # every ingiunzione issued
    REJECTED = "rejected"


class EntryStatus(StrEnum):
    INCLUDED = "included"
    EXCLUDED = "excluded"  # removed by the Ente, with a reason
    PAID = "paid"  # paid before the ingiunzione was issued
    SUSPENDED = "suspended"  # an appeal or instalment plan arrived meanwhile
    ISSUED = "issued"


class Roll(Base):
    """A provisional roll (minuta di ruolo / lista di carico) of one Ente."""

    __tablename__ = "enforcement_roll"
    __table_args__ = (Index("ix_enforcement_roll_ente_created", "ente_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    number: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. "RHO-ROLL-2026-0003"
    status: Mapped[RollStatus] = mapped_column(str_enum(RollStatus), default=RollStatus.DRAFT)
    prepared_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    entries_count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    ente = relationship("Ente")
    entries: Mapped[list[RollEntry]] = relationship(back_populates="roll", order_by="RollEntry.id")


class RollEntry(Base):
    __tablename__ = "enforcement_roll_entry"
    __table_args__ = (UniqueConstraint("roll_id", "verbale_id", name="uq_roll_entry_roll_verbale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("enforcement_roll.id", ondelete="CASCADE"))
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id"), index=True)
    status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus), default=EntryStatus.INCLUDED)
    # The engine's figures on the day the roll was prepared.
    sanction: Mapped[Decimal] = mapped_column(Money)
    costs: Mapped[Decimal] = mapped_column(Money)
    surcharge: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)  # still due
    prescription_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    roll: Mapped[Roll] = relationship(back_populates="entries")
    verbale = relationship("Verbale")
