"""The violation catalogue: articles with texts in five languages and versioned amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money

from ._common import str_enum


class ViolationFamily(StrEnum):
    TRAFFIC_CODE = "traffic_code"  # Codice della Strada
    OTHER_ADMINISTRATIVE = "other_administrative"  # regolamenti comunali, L. 689/81


class ViolationType(Base):
    __tablename__ = "violation_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # e.g. "142.8"
    article: Mapped[str] = mapped_column(String(60))  # e.g. "art. 142 c. 8 CdS"
    family: Mapped[ViolationFamily] = mapped_column(
        str_enum(ViolationFamily), default=ViolationFamily.TRAFFIC_CODE
    )
    # {"it": "...", "en": "...", "fr": "...", "de": "...", "es": "..."}
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    licence_points: Mapped[int] = mapped_column(Integer, default=0)
    reduced_payment_allowed: Mapped[bool] = mapped_column(default=True)
    discount_30_allowed: Mapped[bool] = mapped_column(default=True)
    # Accessory sanctions by key, e.g. ["licence_suspension"], ["vehicle_confiscation"].
    accessory_sanctions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Offences of Directive (EU) 2015/413 (cross-border exchange of vehicle data).
    cross_border: Mapped[bool] = mapped_column(default=False)

    amounts: Mapped[list[ViolationAmount]] = relationship(
        back_populates="violation_type", order_by="ViolationAmount.valid_from",
        cascade="all, delete-orphan",
    )

    def description_for(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get("it", "")

    def amount_on(self, day: date) -> ViolationAmount | None:
        for amount in self.amounts:
            if amount.valid_from <= day and (amount.valid_to is None or day <= amount.valid_to):
                return amount
        return None


class ViolationAmount(Base):
    """Edictal minimum and maximum of a violation for a validity period (ISTAT updates)."""

    __tablename__ = "violation_amount"
    __table_args__ = (UniqueConstraint("violation_type_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    violation_type_id: Mapped[int] = mapped_column(
        ForeignKey("violation_type.id", ondelete="CASCADE"), index=True
    )
    min_amount: Mapped[Decimal] = mapped_column(Money)
    max_amount: Mapped[Decimal] = mapped_column(Money)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    violation_type: Mapped[ViolationType] = relationship(back_populates="amounts")
