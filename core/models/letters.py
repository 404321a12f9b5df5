"""The letter archive: every letter produced (invito bonario, verbale notification, reminder,
ingiunzione, appeal copy …) with its SHA-256, its storage key and the verification code printed
on it, which anyone can check on the portal's public "is this letter genuine?" page."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import str_enum


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
