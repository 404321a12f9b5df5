"""Public requests waiting for the submitter to confirm their e-mail address.

A complaint, information request, access-to-documents or civic-access request sent from the
public forms is held here until the submitter opens the signed, expiring link mailed to the
address they gave; only then does it become a contact-center case. The row is single-use: once
confirmed it keeps only the link to the case (the data now live in the case), and rows never
confirmed are deleted with their files when they expire (:func:`core.requests.public.purge`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import Language, str_enum


class RequestKind(StrEnum):
    COMPLAINT = "complaint"  # reclamo (service charter)
    INFORMATION = "information"  # richiesta di informazioni
    ACCESS = "access"  # accesso ai documenti, L. 241/1990 artt. 22-25
    CIVIC_SIMPLE = "civic_simple"  # accesso civico semplice, D.Lgs. 33/2013 art. 5 c. 1
    CIVIC_GENERALISED = "civic_generalised"  # accesso civico generalizzato, art. 5 c. 2


class PendingRequest(Base):
    __tablename__ = "pending_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind))
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # signed-in driver
    language: Mapped[Language] = mapped_column(str_enum(Language, 5), default=Language.IT)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    verbale_number: Mapped[str] = mapped_column(String(40), default="")
    # The form's own fields (text, documents, interest, delivery …), cleared once confirmed.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Files already checked and stored: [{key, filename, content_type, size, sha256}].
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Random value carried by the signed link: a link only opens the row it was made for.
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_case.id", ondelete="SET NULL"))

    ente = relationship("Ente")
    case = relationship("Case")
