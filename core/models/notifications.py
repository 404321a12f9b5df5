"""Notification events: each attempt and outcome of delivering an act to a recipient."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import str_enum
from .ente import NotificationChannel


class NotificationOutcome(StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # handed to the postal operator / sent by PEC / accepted by SEND
    DELIVERED = "delivered"
    VIEWED = "viewed"
    IN_STORAGE = "in_storage"  # giacenza
    FAILED = "failed"
    RETURNED = "returned"
    PERFECTED = "perfected"  # legal perfection for this recipient


class NotificationEvent(Base):
    __tablename__ = "notification_event"
    __table_args__ = (Index("ix_notification_event_verbale_at", "verbale_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    outcome: Mapped[NotificationOutcome] = mapped_column(str_enum(NotificationOutcome))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    perfected_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="")  # IUN, PEC id, tracking no.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    verbale = relationship("Verbale")
