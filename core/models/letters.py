"""The letter archive: every letter produced (invito bonario, verbale notification, reminder,
ingiunzione, appeal copy …) with its SHA-256, its storage key and the verification code printed
on it, which anyone can check on the portal's public "is this letter genuine?" page."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import str_enum
from .ente import NotificationChannel
from .notifications import NotificationOutcome


class LetterKind(StrEnum):
    INVITO_BONARIO = "invito_bonario"  # friendly first letter with the access codes
    VERBALE = "verbale"  # formal notification of the verbale, costs added
    ULTIMO_AVVISO = "ultimo_avviso"  # reminder before enrolment
    INGIUNZIONE = "ingiunzione"  # ingiunzione fiscale (R.D. 639/1910)
    INSTALMENT_PLAN = "instalment_plan"
    OTHER = "other"


class Letter(Base):
    __tablename__ = "letter"
    __table_args__ = (
        UniqueConstraint("verbale_id", "kind", "sequence", name="uq_letter_verbale_kind_seq"),
        Index("ix_letter_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    verbale_id: Mapped[int | None] = mapped_column(ForeignKey("verbale.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[LetterKind] = mapped_column(str_enum(LetterKind))
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # 2nd reminder = 2 …
    language: Mapped[str] = mapped_column(String(5), default="it")
    # Printed on the letter; 12 characters from an unambiguous alphabet, e.g. "K7QM-4TXP-9WDE".
    verification_code: Mapped[str] = mapped_column(String(20), unique=True)
    storage_key: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=1)
    batch_run_id: Mapped[int | None] = mapped_column(ForeignKey("batch_run.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ente = relationship("Ente")
    verbale = relationship("Verbale")


# -- per-Ente letter templates and the postal items of print batches -----------------------


class LetterTemplate(Base):
    """Per-Ente overrides of a letter template, as data (see :mod:`core.letters.templates` for
    every key, its type and default). ``kind`` is a :class:`LetterKind` value, or ``"*"`` for
    overrides shared by every kind of that Ente; the kind's own row wins over ``"*"``."""

    __tablename__ = "letter_template"
    __table_args__ = (UniqueConstraint("ente_id", "kind", name="uq_letter_template_ente_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32), default="*")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PostalProduct(StrEnum):
    """What the printer puts the letter in. The registered products come back with a return
    receipt (avviso di ricevimento) whose scan is recorded."""

    RACCOMANDATA_AR = "raccomandata_ar"
    ATTO_GIUDIZIARIO = "atto_giudiziario_890"  # L. 890/1982
    RACCOMANDATA_INTERNAZIONALE_AR = "raccomandata_internazionale_ar"  # Strasbourg convention
    PRIORITARIA = "posta_prioritaria"
    PRIORITARIA_INTERNAZIONALE = "posta_prioritaria_internazionale"

    @property
    def registered(self) -> bool:
        return self in (PostalProduct.RACCOMANDATA_AR, PostalProduct.ATTO_GIUDIZIARIO,
                        PostalProduct.RACCOMANDATA_INTERNAZIONALE_AR)

    @property
    def international(self) -> bool:
        return self in (PostalProduct.RACCOMANDATA_INTERNAZIONALE_AR,
                        PostalProduct.PRIORITARIA_INTERNAZIONALE)


class PostalItem(Base):
    """One letter handed to the printer in a print batch: what goes in the manifest, the
    tracking number the postal operator assigns, and the return-receipt scan once it is back.
    One per letter: a print batch replayed after a crash never prints a letter twice."""

    __tablename__ = "postal_item"
    __table_args__ = (
        Index("ix_postal_item_verbale", "verbale_id"),
        Index("ix_postal_item_tracking", "tracking_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"),
                                           unique=True)
    verbale_id: Mapped[int | None] = mapped_column(ForeignKey("verbale.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    batch_run_id: Mapped[int | None] = mapped_column(ForeignKey("batch_run.id"), index=True)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    product: Mapped[PostalProduct] = mapped_column(str_enum(PostalProduct))
    # Our own identifier printed on the envelope and the return receipt until the postal
    # operator's tracking number is known (then both are kept).
    barcode: Mapped[str] = mapped_column(String(40), unique=True)
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[NotificationOutcome] = mapped_column(
        str_enum(NotificationOutcome), default=NotificationOutcome.QUEUED)
    file_name: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int] = mapped_column(Integer, default=1)
    sheets: Mapped[int] = mapped_column(Integer, default=1)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    weight_class: Mapped[str] = mapped_column(String(20), default="")
    # Snapshot of the addressee as printed: {"name", "lines": [...], "country", ...}.
    recipient: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sent_on: Mapped[date | None] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    receipt_storage_key: Mapped[str | None] = mapped_column(String(300))
    receipt_sha256: Mapped[str | None] = mapped_column(String(64))
    receipt_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    letter = relationship("Letter")
    verbale = relationship("Verbale")
