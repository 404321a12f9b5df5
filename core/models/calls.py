"""Phone calls of the IVR and their lifecycle, for the call metrics (service level, average
speed of answer, abandonment) and the "calls waiting" panel of the console.

One :class:`Call` per Twilio ``CallSid``; its columns are the current state, rewritten by
:mod:`core.ivr.tracking` as Twilio's webhooks arrive. :class:`CallEvent` is the append-only log
of what happened; ``(call_id, kind)`` is unique, which makes every webhook idempotent (Twilio
retries its callbacks: the second delivery finds the event and changes nothing).

The calling number is personal data: it is stored because a callback or a voicemail case needs
it, and it is shown only to the Ente's staff.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import Language, str_enum


class CallOutcome(StrEnum):
    ANSWERED = "answered"  # an operator took the call from the queue (QueueResult bridged)
    ABANDONED = "abandoned"  # the caller hung up while in queue (QueueResult hangup)
    VOICEMAIL = "voicemail"  # a voicemail was recorded
    CALLBACK = "callback"  # the caller left the queue asking to be called back
    SELF_SERVICE = "self_service"  # amount heard / payment link sent, no operator asked
    OUT_OF_HOURS = "out_of_hours"  # closed message heard, no voicemail left
    MENU = "menu"  # hung up in the menus before any of the above
    FAILED = "failed"  # Twilio reported a queue or call error


class Call(Base):
    __tablename__ = "phone_call"
    __table_args__ = (
        # The dashboard (calls started in a period) and the waiting panel (recent calls).
        Index("ix_phone_call_ente_started", "ente_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    from_number: Mapped[str | None] = mapped_column(String(40))  # personal data
    language: Mapped[Language | None] = mapped_column(str_enum(Language, 5))
    queue: Mapped[str | None] = mapped_column(String(40))  # IVR queue: payments, appeals, …
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_in_queue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last waitUrl request
    dequeued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_result: Mapped[str | None] = mapped_column(String(20))  # Twilio QueueResult
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[CallOutcome | None] = mapped_column(str_enum(CallOutcome))
    wait_seconds: Mapped[int | None] = mapped_column(Integer)  # time in queue
    duration_seconds: Mapped[int | None] = mapped_column(Integer)  # whole call
    self_served: Mapped[bool] = mapped_column(default=False)

    ente = relationship("Ente")
    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan")


class CallEvent(Base):
    """Append-only log of a call; one event of each kind per call (idempotent webhooks)."""

    __tablename__ = "phone_call_event"
    __table_args__ = (UniqueConstraint("call_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("phone_call.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    call: Mapped[Call] = relationship(back_populates="events")
