"""Requests citizens leave for the contact center before the case system exists for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

from ._common import Language, str_enum


class LostCodesRequest(Base):
    """"I lost my codes": stored for an agent to answer (becomes a case with the CC issue)."""

    __tablename__ = "lost_codes_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int | None] = mapped_column(ForeignKey("ente.id"), index=True)
    verbale_number: Mapped[str] = mapped_column(String(40), default="")
    plate: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[Language] = mapped_column(str_enum(Language, 5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
