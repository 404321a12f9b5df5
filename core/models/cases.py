"""Contact-center cases: queues, routing rules, cases with their thread, attachments, linked
verbali, an append-only event history and satisfaction surveys.

SLA due times are *derived* from a case's events by :mod:`core.contact.sla`; the copies stored
here (``first_response_due``, ``resolution_due``, ``next_due``) are a cache for sorting queues
by time to breach over millions of cases, rewritten whenever an event is added or a policy or
calendar changes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import Language, str_enum


class CaseChannel(StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    PEC = "pec"
    PHONE = "phone"
    VOICEMAIL = "voicemail"
    LETTER = "letter"
    COUNTER = "counter"


class CaseType(StrEnum):
    INFORMATION = "information"
    COMPLAINT = "complaint"
    APPEAL = "appeal"
    ACCESS = "access"  # accesso agli atti, L. 241/1990
    CIVIC_ACCESS = "civic_access"  # accesso civico, D.Lgs. 33/2013
    DRIVER_DATA = "driver_data"
    INSTALMENTS = "instalments"
    REFUND = "refund"
    LOST_CODES = "lost_codes"
    INCIDENT_BLOCKING = "incident_blocking"
    INCIDENT_MINOR = "incident_minor"
    GENERIC = "generic"
    COMPLEX = "complex"
    OTHER = "other"


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_CITIZEN = "waiting_citizen"
    WAITING_ENTE = "waiting_ente"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CasePriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Queue(Base):
    __tablename__ = "queue"
    __table_args__ = (UniqueConstraint("ente_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # traffic_fines, foreign_drivers, …
    name: Mapped[dict[str, str]] = mapped_column(JSON)  # per language
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    def name_for(self, lang: str) -> str:
        return self.name.get(lang) or self.name.get("it") or self.code


class RoutingRule(Base):
    """First matching rule (lowest position) puts a new case in its queue; None = any."""

    __tablename__ = "routing_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[CaseChannel | None] = mapped_column(str_enum(CaseChannel))
    case_type: Mapped[CaseType | None] = mapped_column(str_enum(CaseType))
    language: Mapped[Language | None] = mapped_column(str_enum(Language, 5))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))

    queue = relationship("Queue")


case_verbale = Table(
    "case_verbale",
    Base.metadata,
    Column("case_id", ForeignKey("support_case.id", ondelete="CASCADE"), primary_key=True),
    Column("verbale_id", ForeignKey("verbale.id", ondelete="CASCADE"), primary_key=True),
)


class Case(Base):
    __tablename__ = "support_case"
    __table_args__ = (
        Index("ix_case_queue_open_due", "queue_id", "status", "next_due"),
        Index("ix_case_assignee_status_due", "assignee_id", "status", "next_due"),
        Index("ix_case_ente_opened", "ente_id", "opened_at"),
        Index("ix_case_ente_status", "ente_id", "status"),
        Index("ix_case_ente_resolved", "ente_id", "resolved_at"),  # dashboard: resolved in period
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    protocol: Mapped[str] = mapped_column(String(30), unique=True)
    channel: Mapped[CaseChannel] = mapped_column(str_enum(CaseChannel))
    type: Mapped[CaseType] = mapped_column(str_enum(CaseType))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"))
    language: Mapped[Language] = mapped_column(str_enum(Language, 5), default=Language.IT)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.NEW)
    priority: Mapped[CasePriority] = mapped_column(str_enum(CasePriority), default=CasePriority.NORMAL)
    subject: Mapped[str] = mapped_column(String(300))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    requester_email: Mapped[str | None] = mapped_column(String(254))
    requester_phone: Mapped[str | None] = mapped_column(String(40))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("support_case.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Structured data of the request (appeal grounds, driver data, instalment plan …).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SLA cache (see module docstring).
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_state: Mapped[str] = mapped_column(String(12), default="ok")  # ok, warning, breached

    queue = relationship("Queue")
    ente = relationship("Ente")
    person = relationship("Person")
    assignee = relationship("StaffUser")
    verbali = relationship("Verbale", secondary=case_verbale, order_by="Verbale.id")
    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case", order_by="CaseMessage.id", cascade="all, delete-orphan")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list[CaseAttachment]] = relationship(
        back_populates="case", order_by="CaseAttachment.id", cascade="all, delete-orphan")


class CaseEvent(Base):
    """Append-only history: never updated or deleted by the application."""

    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor_type: Mapped[str] = mapped_column(String(20))  # staff, citizen, system
    actor_id: Mapped[int | None] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseMessage(Base):
    """A message of the thread: citizen-visible replies and internal notes."""

    __tablename__ = "case_message"
    __table_args__ = (Index("ix_case_message_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_type: Mapped[str] = mapped_column(String(20))  # citizen, staff, system
    author_id: Mapped[int | None] = mapped_column()
    internal: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[CaseChannel | None] = mapped_column(str_enum(CaseChannel))
    email_message_id: Mapped[str | None] = mapped_column(String(300), index=True)

    case: Mapped[Case] = relationship(back_populates="messages")


class CaseAttachment(Base):
    __tablename__ = "case_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("case_message.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")


class ProtocolCounter(Base):
    """Per-Ente, per-year protocol numbers: RHO-2026-000123."""

    __tablename__ = "protocol_counter"

    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class SurveyResponse(Base):
    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(SmallInteger)  # 1–5; 4 and 5 count as positive
    comment: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
