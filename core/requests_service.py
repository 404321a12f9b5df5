"""Requests citizens leave without signing in: each becomes a contact-center case (the public
request forms themselves live in :mod:`core.requests.public`)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import db
from core.contact import cases
from core.contact.notify import acknowledge
from core.models import Case, CaseChannel, CaseType, Ente, Person, Verbale


def enti_choices() -> list[tuple[str, str]]:
    return [(str(e.id), e.name) for e in db.session.scalars(select(Ente).order_by(Ente.name))]


def open_lost_codes_case(data: dict, language: str) -> Case:
    """"I lost my codes": a case in the Ente's queues, acknowledged by e-mail."""
    ente_id = int(data["ente"])
    number = (data.get("verbale_number") or "").strip()
    verbale = db.session.scalars(
        select(Verbale).where(Verbale.ente_id == ente_id, Verbale.number == number)
    ).first() if number else None
    with force_locale("it"):  # the agents' working language for the subject line
        subject = _("Lost access codes: %(name)s", name=data["name"].strip())
    body = "\n".join(filter(None, [
        data.get("message", "").strip(),
        f"verbale: {number}" if number else "",
        f"targa/plate: {(data.get('plate') or '').strip().upper()}" if data.get("plate") else "",
    ])) or "-"
    case = cases.open_case(
        ente_id=ente_id, channel=CaseChannel.PORTAL, case_type=CaseType.LOST_CODES,
        subject=subject, body=body, language=language, actor=cases.Actor("citizen"),
        requester_name=data["name"].strip(), requester_email=data["email"].strip(),
        verbale_ids=[verbale.id] if verbale else [],
        payload={"verbale_number": number, "plate": (data.get("plate") or "").strip().upper()},
    )
    acknowledge(case)
    return case


def profile_of(person_id: int) -> dict[str, str]:
    """What a signed-in driver's request form starts with: name, e-mail, Municipality."""
    person = db.session.get(Person, person_id)
    if person is None:
        return {}
    return {"name": person.display_name, "email": person.email or "", "ente": str(person.ente_id)}
