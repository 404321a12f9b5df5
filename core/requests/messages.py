"""Messages on a verbale: "an online module for the exchange of information" between the
citizen and the operator (Siracusa tender).

Each (verbale, person) pair has its own thread, only ever shown to that person: the offender
and the jointly liable owner of the same verbale do not see each other's messages. The thread
is stored as contact-center cases linked to the verbale (``case_verbale``), marked in their
payload with ``{"thread": "verbale", "verbale_id": …}``: the first message opens an
information case on the portal channel (routed and clocked like any other), later messages
thread onto it while it is not closed (a resolved case reopens); after it is closed the next
message opens a new case, and the page shows them all as one conversation. Agents answer
from the console with :func:`core.contact.cases.reply`; :mod:`core.contact.notify` then
e-mails the citizen, in the case's language, with a link back to the thread. Internal notes
are never part of the thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import audit, db, storage, uploads
from core.contact import cases
from core.contact.notify import acknowledge
from core.models import (
    Case,
    CaseAttachment,
    CaseChannel,
    CaseMessage,
    CaseStatus,
    CaseType,
    Person,
    Verbale,
    case_verbale,
)
from core.positions import verbale_of_person

THREAD = "verbale"
MAX_BODY = 5000


@dataclass
class Thread:
    verbale: Verbale
    person: Person
    messages: list[CaseMessage] = field(default_factory=list)
    attachments: dict[int, list[CaseAttachment]] = field(default_factory=dict)  # by message id
    current: Case | None = None  # the case a new message threads onto

    @property
    def notify_email(self) -> str | None:
        """Where answers are announced: the person's verified address, if any."""
        if self.person.email and self.person.email_verified_at:
            return self.person.email
        return None


def is_thread_case(case: Case, verbale_id: int) -> bool:
    payload = case.payload or {}
    return payload.get("thread") == THREAD and payload.get("verbale_id") == verbale_id


def _thread_cases(verbale_id: int, person_id: int) -> list[Case]:
    """The person's thread cases on the verbale, oldest first, each followed to the case it
    was merged into (merging moves the messages there)."""
    stmt = (select(Case).join(case_verbale, case_verbale.c.case_id == Case.id)
            .where(case_verbale.c.verbale_id == verbale_id, Case.person_id == person_id)
            .options(selectinload(Case.messages), selectinload(Case.attachments))
            .order_by(Case.id))
    found: dict[int, Case] = {}
    for case in db.session.scalars(stmt):
        if not is_thread_case(case, verbale_id):
            continue
        found[case.id] = case
        seen = {case.id}
        while case.merged_into_id and case.merged_into_id not in seen:
            target = db.session.get(Case, case.merged_into_id)
            if target is None or target.ente_id != case.ente_id:
                break
            seen.add(target.id)
            found.setdefault(target.id, target)
            case = target
    return sorted(found.values(), key=lambda c: c.id)


def _current(thread_cases: list[Case]) -> Case | None:
    for case in reversed(thread_cases):
        if case.merged_into_id is None and case.status != CaseStatus.CLOSED:
            return case
    return None


def thread(verbale_id: int, person_id: int) -> Thread | None:
    """The person's conversation about one of their verbali; ``None`` when the verbale is not
    theirs (the view answers 404)."""
    verbale = verbale_of_person(verbale_id, person_id)
    if verbale is None:
        return None
    person = db.session.get(Person, person_id)
    found = _thread_cases(verbale.id, person_id)
    messages = sorted({m.id: m for c in found for m in c.messages if not m.internal}.values(),
                      key=lambda m: (m.at, m.id))
    visible = {m.id for m in messages}
    attachments: dict[int, list[CaseAttachment]] = {}
    for case in found:
        for item in case.attachments:
            if item.message_id in visible:
                attachments.setdefault(item.message_id, []).append(item)
    return Thread(verbale, person, messages, attachments, _current(found))


def post(verbale_id: int, person_id: int, body: str, files: Iterable = (),
         language: str = "it") -> Case | None:
    """The citizen writes on the thread of one of their verbali (``None`` when the verbale is
    not theirs). Attachments are checked before anything is written
    (:class:`core.uploads.UploadError`)."""
    body = (body or "").strip()[:MAX_BODY]
    if not body:
        raise ValueError("empty message")
    current = thread(verbale_id, person_id)
    if current is None:
        return None
    accepted = uploads.check_files(files)
    verbale, person = current.verbale, current.person
    actor = cases.Actor("citizen", person_id)
    case = current.current
    if case is None:
        with force_locale("it"):  # the agents' working language for the subject line
            subject = _("Message about verbale %(number)s", number=verbale.number)
        case = cases.open_case(
            ente_id=verbale.ente_id, channel=CaseChannel.PORTAL, case_type=CaseType.INFORMATION,
            subject=subject, body=body, language=language, actor=actor, person_id=person_id,
            requester_name=person.display_name, verbale_ids=[verbale.id],
            payload={"thread": THREAD, "verbale_id": verbale.id, "verbale_number": verbale.number},
        )
        db.session.flush()
        message = case.messages[-1]
        acknowledge(case)
    else:
        message = cases.reply(case, actor, body, channel=CaseChannel.PORTAL)
        db.session.flush()
    stored = []
    try:
        for index, upload in enumerate(accepted, start=1):
            key = f"cases/{case.id}/{message.id}/{index:02d}-{upload.filename}"
            saved = storage.save(key, upload.data)
            stored.append(saved.key)
            db.session.add(CaseAttachment(
                case_id=case.id, message_id=message.id, filename=upload.filename,
                content_type=upload.content_type, size=saved.size, sha256=saved.sha256,
                storage_key=saved.key))
        audit.record("verbale.message_sent", actor_type="citizen", actor_id=person_id,
                     object_type="case", object_id=case.id, ente_id=case.ente_id,
                     verbale_id=verbale.id, attachments=len(accepted))
        db.session.flush()
    except Exception:
        uploads.discard(stored)
        raise
    return case


def attachment(verbale_id: int, person_id: int, attachment_id: int) -> CaseAttachment | None:
    """A file of the person's thread on the verbale (never one of an internal note)."""
    current = thread(verbale_id, person_id)
    if current is None:
        return None
    for items in current.attachments.values():
        for item in items:
            if item.id == attachment_id:
                return item
    return None
