"""Demo contact-center data: the default queues of each Ente and a few dozen cases in every
status, channel and language, with replies, so the console and the dashboard have content."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core import db
from core.contact import cases
from core.contact.setup import ensure_default_queues
from core.models import CaseStatus, Ente, Person, StaffUser, SurveyResponse

ROME = ZoneInfo("Europe/Rome")

SUBJECTS = {
    "it": ["Richiesta informazioni sul verbale", "Reclamo per doppio addebito", "Come pagare a rate?"],
    "en": ["Question about my fine", "I already paid this fine", "How do I appeal?"],
    "de": ["Frage zu meinem Bußgeld", "Zahlung bereits erfolgt", "Wie lege ich Einspruch ein?"],
    "fr": ["Question sur mon amende", "J'ai déjà payé", "Comment contester ?"],
    "es": ["Consulta sobre mi multa", "Ya he pagado", "¿Cómo recurrir?"],
}
MIX = [("email", "information"), ("pec", "complaint"), ("portal", "information"),
       ("phone", "other"), ("portal", "instalments"), ("email", "access"), ("letter", "appeal"),
       ("portal", "lost_codes"), ("phone", "incident_minor")]


def load_demo_cases(today: datetime | None = None, per_ente: int = 30) -> int:
    """Idempotent: does nothing when the Enti already have cases."""
    rng = random.Random(20261123)
    now = today or datetime.now(UTC)
    count = 0
    for ente in db.session.scalars(select(Ente).order_by(Ente.id)):
        ensure_default_queues(ente.id)
        if db.session.scalar(select(cases.Case.id).where(cases.Case.ente_id == ente.id).limit(1)):
            continue
        people = db.session.scalars(select(Person).where(Person.ente_id == ente.id).limit(200)).all()
        agents = [s for s in db.session.scalars(select(StaffUser)) if ente in s.enti and s.role == "agent"]
        for i in range(per_ente):
            channel, case_type = MIX[i % len(MIX)]
            person = people[rng.randrange(len(people))]
            lang = str(person.language)
            days_ago = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35])
            local = (now.astimezone(ROME) - timedelta(days=days_ago)).date()
            opened = datetime.combine(local, time(9 + rng.randrange(9), rng.randrange(60)), ROME)
            case = cases.open_case(
                ente_id=ente.id, channel=channel, case_type=case_type,
                subject=SUBJECTS[lang][i % 3], body=SUBJECTS[lang][i % 3] + ".", language=lang,
                actor=cases.Actor("citizen", person.id), person_id=person.id,
                requester_name=person.display_name, requester_email=person.email,
                opened_at=opened)
            if agents and i % 3:
                agent = agents[i % len(agents)]
                case.assignee_id = agent.id
                case.status = CaseStatus.OPEN
                cases.add_event(case, "assigned", cases.Actor("staff", agent.id), at=opened, assignee_id=agent.id)
                if i % 3 == 2:
                    answered = opened + timedelta(hours=rng.randrange(2, 60))
                    if answered < now:
                        cases.reply(case, cases.Actor("staff", agent.id), "Gentile utente, ...", at=answered)
                        if i % 2:
                            cases.set_status(case, cases.Actor("staff", agent.id), CaseStatus.CLOSED,
                                             at=answered + timedelta(hours=1))
                            db.session.add(SurveyResponse(case_id=case.id, score=rng.choice([3, 4, 5, 5, 5]),
                                                          at=answered + timedelta(hours=2)))
            cases.refresh_sla(case, now)
            count += 1
    db.session.flush()
    return count


DEMO_IVR_PIN = "246810"


def set_demo_pins() -> int:
    """The IVR PIN of the demo personas' verbali (one argon2 hash, reused): see the README."""
    from core.ivr.lookup import PIN_KEY
    from core.models import AccessCredential, Verbale
    from core.security import hash_password

    from .data import DEMO_SIGN_INS

    usernames = [s.username for s in DEMO_SIGN_INS if s.app == "portal"]
    person_ids = list(db.session.scalars(select(AccessCredential.person_id).where(
        AccessCredential.username.in_(usernames))))
    pin_hash = hash_password(DEMO_IVR_PIN)
    count = 0
    for verbale in db.session.scalars(select(Verbale).where(
            Verbale.offender_id.in_(person_ids) | Verbale.owner_id.in_(person_ids))):
        verbale.extra = {**(verbale.extra or {}), PIN_KEY: pin_hash}
        count += 1
    return count
