"""Demo data for the request and enforcement desks: the appeal offices of both Enti (the
appeal PDF names its addressee), their enforcement policies, and archived letters — the formal
notification of a few notified verbali — so the contact center's letters
page has content and the portal's "is this letter genuine?" page can be tried with
:data:`DEMO_LETTER_CODE`. Idempotent."""

from __future__ import annotations

from datetime import date

from flask import has_app_context
from sqlalchemy import select

from core import db
from core.models import (
    AccessCredential,
    AppealOffice,
    EnforcementPolicy,
    Ente,
    Letter,
    LetterKind,
    NotificationChannel,
    Verbale,
    VerbaleStatus,
)

from .data import PERSONAS

#: The verification code printed on the first demo letter (Comune di Rho).
DEMO_LETTER_CODE = "DEMQ-RHXK-7N26"

OFFICES = {
    "RHO": (
        ("prefetto", "Al Signor Prefetto di Milano", "Prefettura - Ufficio Territoriale del Governo di Milano",
         "Corso Monforte 31, 20122 Milano", "protocollo.prefmi@pec.interno.it"),
        ("giudice_di_pace", "All'Ufficio del Giudice di Pace di Rho", "Ufficio del Giudice di Pace di Rho",
         "Via Pace 2, 20017 Rho (MI)", "gdp.rho@giustiziacert.it"),
    ),
    "SIRACUSA": (
        ("prefetto", "Al Signor Prefetto di Siracusa", "Prefettura - Ufficio Territoriale del Governo di Siracusa",
         "Piazza Archimede 1, 96100 Siracusa", "protocollo.prefsr@pec.interno.it"),
        ("giudice_di_pace", "All'Ufficio del Giudice di Pace di Siracusa", "Ufficio del Giudice di Pace di Siracusa",
         "Viale Santa Panagia 109, 96100 Siracusa", "gdp.siracusa@giustiziacert.it"),
    ),
}


def load_demo_extras() -> None:
    enti = {e.code: e for e in db.session.scalars(select(Ente).where(Ente.code.in_(list(OFFICES))))}
    for code, ente in enti.items():
        if db.session.scalar(select(AppealOffice.id).where(AppealOffice.ente_id == ente.id)) is None:
            for route, addressee, office, address, pec in OFFICES[code]:
                db.session.add(AppealOffice(ente_id=ente.id, route=route, addressee=addressee,
                                            office=office, address=address, pec=pec))
        if db.session.scalar(select(EnforcementPolicy.id).where(EnforcementPolicy.ente_id == ente.id)) is None:
            db.session.add(EnforcementPolicy(ente_id=ente.id, valid_from=date(2020, 1, 1),
                                             reminder_after_days=30, roll_after_reminder_days=30,
                                             ingiunzione_payment_days=30, prescription_years=5,
                                             prescription_warning_days=180))
    db.session.flush()
    if has_app_context():  # letters are rendered with the app's templates, fonts and storage
        _sample_letters(enti)


def _sample_letters(enti: dict[str, Ente], per_ente: int = 3) -> None:
    """The formal notification letter of a few notified verbali of people who are not demo
    personas (producing it adds the channel's costs, which must not move the personas'
    amounts that the walkthrough and the browser tests read)."""
    from core.letters.service import produce_letter

    personas = select(AccessCredential.person_id).where(
        AccessCredential.username.in_([p.username for p in PERSONAS]))
    first = True
    for ente in enti.values():
        verbali = db.session.scalars(
            select(Verbale).where(Verbale.ente_id == ente.id, Verbale.status == VerbaleStatus.NOTIFIED,
                                  Verbale.notification_channel != NotificationChannel.FRIENDLY_LETTER,
                                  Verbale.offender_id.not_in(personas))
            .order_by(Verbale.id).limit(per_ente)).all()
        for verbale in verbali:
            letter = produce_letter(verbale, LetterKind.VERBALE)
            if first and not db.session.scalar(select(Letter.id).where(
                    Letter.verification_code == DEMO_LETTER_CODE)):
                letter.verification_code = DEMO_LETTER_CODE
            first = False
    db.session.flush()
