"""Appeals (ricorsi, art. 203/204-bis CdS), driver declarations (art. 126-bis CdS) and the
per-Ente offices an appeal is addressed to.

An :class:`Appeal` row exists once the citizen confirmed the summary step (the steps before live
in a ``FormDraft`` of kind ``appeal``). Its Italian PDF is stored under ``pdf_key`` with its
SHA-256; the citizen's attachments under ``attachments`` (storage key, name, type, size, hash).
While an appeal is *pending* (:data:`PENDING_APPEAL_STATUSES`) paying is warned against; once
it is filed online the verbale's status becomes ``appealed`` and reminders stop
(``core.appeals.pending_appeal_verbale_ids``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import Language, str_enum


class AppealRoute(StrEnum):
    PREFETTO = "prefetto"  # art. 203 CdS, 60 days, free
    GIUDICE_DI_PACE = "giudice_di_pace"  # art. 204-bis CdS, 30 days (60 abroad), court fee


class AppealStatus(StrEnum):
    DRAFT = "draft"  # reserved: drafts live in FormDraft until confirmed
    DOWNLOADED = "downloaded"  # the PDF was produced for filing by registered mail or PEC
    FILED_ONLINE = "filed_online"  # filed through the portal: a case is open
    FORWARDED = "forwarded"  # forwarded to the Ente / Prefettura
    ACCEPTED = "accepted"  # decided: appeal accepted
    REJECTED = "rejected"  # decided: appeal rejected
    WITHDRAWN = "withdrawn"


#: Statuses in which the appeal is (or may be) pending: paying warns, reminders may stop.
PENDING_APPEAL_STATUSES = (AppealStatus.DOWNLOADED, AppealStatus.FILED_ONLINE,
                           AppealStatus.FORWARDED)
#: Statuses that mean the appeal was lodged with the portal (reminders stop).
FILED_APPEAL_STATUSES = (AppealStatus.FILED_ONLINE, AppealStatus.FORWARDED)


class Appeal(Base):
    __tablename__ = "appeal"
    __table_args__ = (Index("ix_appeal_verbale_status", "verbale_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), index=True)
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    route: Mapped[AppealRoute] = mapped_column(str_enum(AppealRoute))
    grounds: Mapped[list[str]] = mapped_column(JSON, default=list)  # stable keys
    text: Mapped[str] = mapped_column(Text, default="")  # the citizen's own words, verbatim
    hearing_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[Language] = mapped_column(str_enum(Language, 5), default=Language.IT)
    status: Mapped[AppealStatus] = mapped_column(str_enum(AppealStatus),
                                                 default=AppealStatus.DOWNLOADED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_case.id"))
    pdf_key: Mapped[str] = mapped_column(String(300))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    # [{"key", "filename", "content_type", "size", "sha256"}] of the citizen's attachments.
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    verbale = relationship("Verbale")
    person = relationship("Person")
    ente = relationship("Ente")
    case = relationship("Case")


class DriverDeclarationStatus(StrEnum):
    FILED = "filed"  # sent through the portal: a case is open
    REGISTERED = "registered"  # the Ente registered the driver (points deducted)
    REJECTED = "rejected"  # incomplete or invalid: the citizen is asked again


class DriverDeclaration(Base):
    """The owner's communication of the driver's identity and licence (art. 126-bis c.2)."""

    __tablename__ = "driver_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), index=True)
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)  # declarant
    owner_is_driver: Mapped[bool] = mapped_column(Boolean, default=False)
    # The driver's identity and residence (any country).
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    birth_place: Mapped[str] = mapped_column(String(120))
    birth_country: Mapped[str] = mapped_column(String(2))
    fiscal_code: Mapped[str | None] = mapped_column(String(16))
    address_line: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(120))
    province: Mapped[str] = mapped_column(String(60), default="")
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    # The licence.
    licence_number: Mapped[str] = mapped_column(String(40))
    licence_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    licence_authority: Mapped[str] = mapped_column(String(200))
    licence_country: Mapped[str] = mapped_column(String(2))
    licence_issued_on: Mapped[date] = mapped_column(Date)
    licence_expires_on: Mapped[date] = mapped_column(Date)
    # {"key", "filename", "content_type", "size", "sha256"} of the licence copy.
    licence_copy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    declarations: Mapped[list[str]] = mapped_column(JSON, default=list)  # accepted keys
    driver_signature: Mapped[str] = mapped_column(String(200))
    driver_signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    owner_signature: Mapped[str] = mapped_column(String(200), default="")
    owner_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[Language] = mapped_column(str_enum(Language, 5), default=Language.IT)
    status: Mapped[DriverDeclarationStatus] = mapped_column(
        str_enum(DriverDeclarationStatus), default=DriverDeclarationStatus.FILED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_case.id"))

    verbale = relationship("Verbale")
    person = relationship("Person")
    case = relationship("Case")

    @property
    def driver_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class AppealOffice(Base):
    """Where an Ente's appeals go, per route: the addressee printed on the Italian document
    ("Prefetto di Milano", "Giudice di Pace di Milano") and the filing address and PEC shown to
    the citizen. Without a row the document names the authority generically and the Ente's
    own address is shown."""

    __tablename__ = "appeal_office"
    __table_args__ = (UniqueConstraint("ente_id", "route"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    route: Mapped[AppealRoute] = mapped_column(str_enum(AppealRoute))
    addressee: Mapped[str] = mapped_column(String(200))  # in Italian
    office: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    pec: Mapped[str] = mapped_column(String(254), default="")
