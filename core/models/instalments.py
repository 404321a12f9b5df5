"""Instalment plans (art. 202-bis CdS): the citizen's request, the supervisor's decision and
the instalments, each a payable item with its own pagoPA notice once the plan is approved.

The amounts are fixed when the plan is requested (the engine's amount due that day, split by
:func:`core.fines.instalments.instalment_plan`); the due dates are set again on approval.
Rules live in :mod:`core.instalments`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money, UTCDateTime, utcnow

from ._common import Language, str_enum


class PlanStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the Ente's decision
    APPROVED = "approved"  # instalments payable
    REJECTED = "rejected"  # refused (or no decision in time: silence = refusal)
    FORFEITED = "forfeited"  # ended by missed instalments: the balance is due in one payment
    COMPLETED = "completed"  # every instalment paid


class InstalmentStatus(StrEnum):
    DUE = "due"
    PAID = "paid"
    MISSED = "missed"


class InstalmentPlan(Base):
    __tablename__ = "instalment_plan"
    __table_args__ = (
        Index("ix_instalment_plan_verbale", "verbale_id"),
        Index("ix_instalment_plan_ente_status", "ente_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_case.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.REQUESTED)
    language: Mapped[Language] = mapped_column(str_enum(Language, 5), default=Language.IT)
    # The request: the household's declared taxable income and cohabiting family members.
    taxable_income: Mapped[Decimal] = mapped_column(Money)
    family_members: Mapped[int] = mapped_column(Integer, default=0)
    income_limit: Mapped[Decimal] = mapped_column(Money)
    # The plan: the engine's amount on the request day, interest and the instalment count.
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)  # principal + interest
    count: Mapped[int] = mapped_column(Integer)
    annual_interest_rate: Mapped[str] = mapped_column(String(16))  # Decimal as text, exact
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    waiver_acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_due: Mapped[date] = mapped_column(Date)  # silence after this day = refusal
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    pay_by: Mapped[date | None] = mapped_column(Date)  # after a refusal: pay in full by then
    forfeited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ente = relationship("Ente")
    verbale = relationship("Verbale")
    person = relationship("Person")
    case = relationship("Case")
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Instalment.number")


class Instalment(Base):
    __tablename__ = "instalment"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        Index("ix_instalment_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("instalment_plan.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1-based
    due_on: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)  # principal + interest
    status: Mapped[InstalmentStatus] = mapped_column(
        str_enum(InstalmentStatus), default=InstalmentStatus.DUE)
    missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # kept if paid late
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    # Its own pagoPA notice (aux digit 3, own IUV), issued on approval.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("payment_notice.id"), unique=True)

    plan: Mapped[InstalmentPlan] = relationship(back_populates="instalments")
    payment = relationship("Payment")
    notice = relationship("PaymentNotice")
