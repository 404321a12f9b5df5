"""People: offenders and jointly liable owners, natural or legal persons, Italian or foreign.

A person belongs to one Ente: each municipality is the data controller of its own procedures,
so the same human fined by two Enti is two records (and the per-Ente export stays complete).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from stdnum.it import codicefiscale, iva

from core.db import Base, UTCDateTime, utcnow

from ._common import Language, str_enum


class PersonKind(StrEnum):
    NATURAL = "natural"
    LEGAL = "legal"


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_ente_fiscal_code", "ente_id", "fiscal_code"),
        Index("ix_person_ente_foreign_id", "ente_id", "foreign_id_country", "foreign_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"), index=True)
    kind: Mapped[PersonKind] = mapped_column(str_enum(PersonKind), default=PersonKind.NATURAL)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    # Italian codice fiscale (16 chars) or partita IVA (11 digits), validated with python-stdnum.
    fiscal_code: Mapped[str | None] = mapped_column(String(16))
    # Foreign identifier (passport, national id, foreign tax number) with its issuing country.
    foreign_id: Mapped[str | None] = mapped_column(String(40))
    foreign_id_type: Mapped[str | None] = mapped_column(String(30))
    foreign_id_country: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[date | None] = mapped_column(Date)
    address_line: Mapped[str] = mapped_column(String(300), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    province: Mapped[str] = mapped_column(String(60), default="")
    country: Mapped[str] = mapped_column(String(2), default="IT")  # ISO 3166-1 alpha-2
    language: Mapped[Language] = mapped_column(str_enum(Language, 5), default=Language.IT)
    email: Mapped[str | None] = mapped_column(String(254))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pec: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ente = relationship("Ente")

    @validates("fiscal_code")
    def _validate_fiscal_code(self, _key: str, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        compact = value.strip().upper().replace(" ", "")
        if len(compact) == 11:
            return iva.validate(compact)
        return codicefiscale.validate(compact)

    @validates("country", "foreign_id_country")
    def _validate_country(self, _key: str, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError("country must be an ISO 3166-1 alpha-2 code")
        return value

    @property
    def resides_abroad(self) -> bool:
        return self.country != "IT"

    @property
    def display_name(self) -> str:
        return self.name_of(self.kind, self.first_name, self.last_name, self.company_name)

    @staticmethod
    def name_of(kind: str, first_name: str, last_name: str, company_name: str) -> str:
        """The name shown for a person (also from bare columns, without loading a Person)."""
        if kind == PersonKind.LEGAL:
            return company_name
        return f"{first_name} {last_name}".strip()
