"""Notification events: each attempt and outcome of delivering an act to a recipient.

Also the dispatches (one hand-over of an act through SEND, PEC or e-mail, unique per verbale,
channel and round, so a replayed batch never notifies twice), the per-Ente notification
settings and the reviews of verbali flagged ``late_notification_suspected``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Money, UTCDateTime, utcnow

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


class DispatchStatus(StrEnum):
    QUEUED = "queued"  # recorded, nothing handed over yet (or a transient error: retried later)
    SENDING = "sending"  # PEC/e-mail: committed just before the SMTP hand-over
    REQUESTED = "requested"  # SEND: request received (HTTP 202), validation pending
    ACCEPTED = "accepted"  # SEND: IUN assigned, delivery to the recipients in progress
    SENT = "sent"  # PEC / e-mail handed to the provider
    DELIVERED = "delivered"  # PEC delivery receipt received
    PERFECTED = "perfected"  # every recipient's perfection recorded
    REFUSED = "refused"  # SEND refused the request (errors in ``details``)
    FAILED = "failed"  # permanent failure (non-delivery, rejected request, too many errors)
    UNCERTAIN = "uncertain"  # interrupted during the hand-over: to check before any resend


class NotificationDispatch(Base):
    """One hand-over of an act (a :class:`~core.models.letters.Letter`) through one channel.

    Unique per (verbale, channel, round): a batch replayed after a crash finds the row and
    never sends again. For SEND the ``protocol_number``/``idempotence_token`` pair is
    deterministic, so a request whose answer was lost is found again on the platform."""

    __tablename__ = "notification_dispatch"
    __table_args__ = (
        UniqueConstraint("verbale_id", "channel", "round",
                         name="uq_notification_dispatch_verbale_channel_round"),
        Index("ix_notification_dispatch_ente_channel_status", "ente_id", "channel", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id", ondelete="CASCADE"))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"))
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[DispatchStatus] = mapped_column(
        str_enum(DispatchStatus), default=DispatchStatus.QUEUED)
    protocol_number: Mapped[str] = mapped_column(String(100), default="")  # SEND paProtocolNumber
    idempotence_token: Mapped[str] = mapped_column(String(100), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")  # notificationRequestId
    iun: Mapped[str] = mapped_column(String(25), default="", index=True)
    message_id: Mapped[str] = mapped_column(String(300), default="", index=True)  # PEC/e-mail
    address: Mapped[str] = mapped_column(String(254), default="")  # PEC / e-mail recipient
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The date the act was handed over (the Ente meets the art. 201 term on this date).
    sent_on: Mapped[date | None] = mapped_column(Date)
    perfected_on: Mapped[date | None] = mapped_column(Date)
    cost: Mapped[Decimal | None] = mapped_column(Money)  # what the channel charged, if known
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    verbale = relationship("Verbale")
    ente = relationship("Ente")
    letter = relationship("Letter")


class NotificationSettings(Base):
    """Per-Ente notification settings; an Ente without a row gets the defaults below.

    ``send_taxonomy_code`` must be checked against the SEND taxonomy (Avviso PNRR 1.4.5,
    allegato 2 cap. C) before going live."""

    __tablename__ = "notification_settings"

    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id", ondelete="CASCADE"),
                                         primary_key=True)
    # Alerts start this many days before the 90/360-day notification term.
    alert_margin_days: Mapped[int] = mapped_column(Integer, default=15)
    send_fee_policy: Mapped[str] = mapped_column(String(20), default="DELIVERY_MODE")
    send_pa_fee_cents: Mapped[int] = mapped_column(Integer, default=100)
    send_vat_percent: Mapped[int] = mapped_column(Integer, default=22)
    send_taxonomy_code: Mapped[str] = mapped_column(String(7), default="010801N")
    send_physical_type: Mapped[str] = mapped_column(String(30), default="REGISTERED_LETTER_890")
    pec_sender: Mapped[str] = mapped_column(String(254), default="")  # default: the Ente's PEC
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LateNotificationReview(Base):
    """A supervisor's review of a verbale flagged ``late_notification_suspected``."""

    __tablename__ = "late_notification_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id", ondelete="CASCADE"),
                                            unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
