"""Ente: the municipality (creditor) the concessionaire works for, with its costs and settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money, UTCDateTime, utcnow

from ._common import str_enum


class NotificationChannel(StrEnum):
    """How an act reaches the recipient; costs and perfection rules depend on it."""

    ROADSIDE = "roadside"  # contestazione immediata
    FRIENDLY_LETTER = "friendly_letter"  # invito bonario (foreign drivers)
    POST = "post"  # raccomandata A/R, atti giudiziari
    PEC = "pec"
    SEND = "send"
    INTERNATIONAL_MAIL = "international_mail"  # Strasbourg convention


class CostKind(StrEnum):
    NOTIFICATION = "notification"
    PROCEDURE = "procedure"
    ASSESSMENT = "assessment"


class Ente(Base):
    __tablename__ = "ente"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    fiscal_code: Mapped[str] = mapped_column(String(11), unique=True)
    # pagoPA: segregation code of the IUV generation point, broker and station ids
    segregation_code: Mapped[str] = mapped_column(String(2))
    id_broker_pa: Mapped[str] = mapped_column(String(35))
    id_station: Mapped[str] = mapped_column(String(35))
    iban: Mapped[str] = mapped_column(String(34))
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    pec: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    portal_url: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Rome")
    # Patron saint's day as "MM-DD": an office closure for the contact center's calendar.
    patron_saint: Mapped[str | None] = mapped_column(String(5))
    # Overrides of the fines engine settings (see core.fines.settings), JSON-native values.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Service-charter response terms that differ from the national charter defaults.
    charter_terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Human-readable contact hours per language, e.g. {"it": "lun-ven 9-13 e 15-19"}.
    contact_hours: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    logo_path: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    costs: Mapped[list[EnteCost]] = relationship(
        back_populates="ente", cascade="all, delete-orphan", order_by="EnteCost.id"
    )

    def __repr__(self) -> str:
        return f"<Ente {self.code}>"


class EnteCost(Base):
    """A cost the Ente charges on top of the sanction, per notification channel, versioned."""

    __tablename__ = "ente_cost"
    __table_args__ = (UniqueConstraint("ente_id", "channel", "kind", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id", ondelete="CASCADE"), index=True)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    kind: Mapped[CostKind] = mapped_column(str_enum(CostKind))
    amount: Mapped[Decimal] = mapped_column(Money)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    ente: Mapped[Ente] = relationship(back_populates="costs")
