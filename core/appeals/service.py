"""Appeal services: the four-step draft (kind ``appeal``, ref = verbale id), attachments kept
under a draft prefix from the moment they are uploaded, and the confirmation that produces the
Italian PDF and either prepares it for filing by post/PEC or files it online as a case.

Nothing here commits (the request wrapper does). Files are written to storage before the
commit; files of a discarded draft are removed after the commit (:func:`discard_files` job).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import audit, db, drafts, jobs, mail, storage, uploads
from core.appeals.document import GROUNDS_IT, appeal_content, render_pdf
from core.appeals.rules import GROUNDS, ROUTES, AppealOptions, appeal_options
from core.appeals.texts import GROUNDS as GROUND_LABELS
from core.appeals.texts import ROUTES as ROUTE_LABELS
from core.contact import cases
from core.db import utcnow
from core.models import (
    Appeal,
    AppealRoute,
    AppealStatus,
    CaseAttachment,
    CaseChannel,
    CaseType,
    FormDraft,
    Verbale,
    VerbaleStatus,
)
from core.models.appeals import FILED_APPEAL_STATUSES, PENDING_APPEAL_STATUSES
from core.positions import position_of_verbale, verbale_of_person

DRAFT_KIND = "appeal"
TEXT_MAX = 8000


class AppealError(ValueError):
    """A rule refused the action; ``key`` is a stable reason (see texts.BLOCKED)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


# -- lookups (always through the person: anything else is None → 404) ---------------------


def options_for(verbale_id: int, person_id: int) -> AppealOptions | None:
    position = position_of_verbale(verbale_id, person_id)
    return appeal_options(position) if position is not None else None


def appeals_of_verbale(verbale_id: int, person_id: int) -> list[Appeal]:
    stmt = (select(Appeal).join(Verbale, Appeal.verbale_id == Verbale.id)
            .where(Appeal.verbale_id == verbale_id, Appeal.person_id == person_id)
            .order_by(Appeal.id.desc()))
    return list(db.session.scalars(stmt))


def appeal_of_person(appeal_id: int, person_id: int) -> Appeal | None:
    stmt = select(Appeal).where(Appeal.id == appeal_id, Appeal.person_id == person_id)
    return db.session.scalars(stmt).one_or_none()


# -- drafts ---------------------------------------------------------------------------------


def _owner(person_id: int) -> str:
    return drafts.person_owner(person_id)


def load_draft(person_id: int, verbale_id: int) -> FormDraft | None:
    return drafts.load(_owner(person_id), DRAFT_KIND, str(verbale_id))


def draft_data(person_id: int, verbale_id: int) -> dict[str, Any]:
    draft = load_draft(person_id, verbale_id)
    return dict(draft.data or {}) if draft is not None else {}


def save_step(person_id: int, verbale_id: int, data: dict[str, Any],
              reached: int | None = None) -> FormDraft:
    """Merge what was typed into the draft (valid or not: nothing typed is lost); ``reached``
    is the furthest step the citizen may now open."""
    draft = load_draft(person_id, verbale_id)
    step = max(draft.step if draft else 1, reached or 1)
    return drafts.save(_owner(person_id), DRAFT_KIND, str(verbale_id), data, step=step)


def _draft_prefix(person_id: int, verbale_id: int) -> str:
    return f"drafts/appeal/{person_id}/{verbale_id}"


def add_attachments(person_id: int, verbale_id: int, files: Iterable) -> list[dict[str, Any]]:
    """Check and store uploaded files at once under the draft prefix; raises
    :class:`core.uploads.UploadError` (nothing stored) on a bad file or too many."""
    current = draft_data(person_id, verbale_id).get("attachments", [])
    accepted = uploads.check_files(files, already=len(current))
    if not accepted:
        return current
    stored = uploads.store(_draft_prefix(person_id, verbale_id), accepted)
    known = {a["key"] for a in current}
    for upload, saved in stored:
        if saved.key not in known:
            current.append({"key": saved.key, "filename": upload.filename,
                            "content_type": upload.content_type, "size": saved.size,
                            "sha256": saved.sha256})
            known.add(saved.key)
    save_step(person_id, verbale_id, {"attachments": current})
    audit.record("appeal.attachment_uploaded", actor_type="citizen", actor_id=person_id,
                 object_type="verbale", object_id=verbale_id, count=len(stored))
    return current


def remove_attachment(person_id: int, verbale_id: int, index: int) -> None:
    current = draft_data(person_id, verbale_id).get("attachments", [])
    if not 0 <= index < len(current):
        return
    removed = current.pop(index)
    save_step(person_id, verbale_id, {"attachments": current})
    jobs.enqueue(discard_files, [removed["key"]])


def discard_draft(person_id: int, verbale_id: int) -> None:
    """Throw the draft away with its uploaded files (removed after the commit)."""
    keys = [a["key"] for a in draft_data(person_id, verbale_id).get("attachments", [])]
    drafts.discard(_owner(person_id), DRAFT_KIND, str(verbale_id))
    if keys:
        jobs.enqueue(discard_files, keys)
    audit.record("appeal.draft_discarded", actor_type="citizen", actor_id=person_id,
                 object_type="verbale", object_id=verbale_id)


def discard_files(keys: list[str]) -> None:
    """After-commit job: remove files that no longer belong to anything."""
    uploads.discard(keys)


def draft_attachment(person_id: int, verbale_id: int, index: int) -> dict[str, Any] | None:
    current = draft_data(person_id, verbale_id).get("attachments", [])
    return current[index] if 0 <= index < len(current) else None


# -- confirmation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    route: str
    grounds: list[str]
    text: str
    hearing: bool
    attachments: list[dict[str, Any]]


def check_draft(options: AppealOptions, data: dict[str, Any]) -> Checked:
    """The draft is complete and still allowed today, else :class:`AppealError`."""
    if options.blocked:
        raise AppealError(options.blocked)
    route = data.get("route")
    if route not in ROUTES or route not in options.routes:
        raise AppealError("route_missing")
    if not options.routes[route].open:
        raise AppealError("route_closed")
    grounds = [g for g in data.get("grounds") or [] if g in GROUNDS]
    text = (data.get("text") or "").strip()
    if not grounds or not text or len(text) > TEXT_MAX:
        raise AppealError("grounds_missing")
    return Checked(route, grounds, text, bool(data.get("hearing")) and route == "prefetto",
                   list(data.get("attachments") or []))


def _pdf(options: AppealOptions, checked: Checked, language: str, person, at: datetime,
         online: bool, reference: str = "") -> tuple[bytes, list]:
    option = options.routes[checked.route]
    blocks = appeal_content(
        route=checked.route, verbale=options.position.verbale, person=person,
        grounds=checked.grounds, text=checked.text, language=language,
        hearing=checked.hearing, attachments=[a["filename"] for a in checked.attachments],
        office=option.office, value=options.value, fee=option.court_fee, prepared_at=at,
        online=online, reference=reference)
    return render_pdf(blocks, f"Ricorso - verbale {options.position.verbale.number}"), blocks


def submit(person_id: int, verbale_id: int, *, online: bool, language: str,
           now: datetime | None = None) -> Appeal:
    """Confirm the draft: the Italian PDF is produced and stored; filed online (a case in the
    right queue, the verbale becomes ``appealed``) or prepared for filing by post/PEC."""
    options = options_for(verbale_id, person_id)
    if options is None:
        raise AppealError("not_found")
    checked = check_draft(options, draft_data(person_id, verbale_id))
    if online and not options.routes[checked.route].online:
        raise AppealError("online_not_available")
    verbale = options.position.verbale
    person = verbale.offender if verbale.offender_id == person_id else verbale.owner
    at = now or utcnow()
    appeal = Appeal(ente_id=verbale.ente_id, verbale_id=verbale.id, person_id=person_id,
                    route=AppealRoute(checked.route), grounds=checked.grounds, text=checked.text,
                    hearing_requested=checked.hearing, language=language,
                    status=AppealStatus.DOWNLOADED, created_at=at,
                    attachments=checked.attachments, pdf_key="", pdf_sha256="")
    db.session.add(appeal)
    db.session.flush()
    drafts.discard(_owner(person_id), DRAFT_KIND, str(verbale_id))  # files now the appeal's
    audit.record("appeal.prepared", actor_type="citizen", actor_id=person_id,
                 object_type="appeal", object_id=appeal.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, route=checked.route)
    if online:
        _file(appeal, options, checked, person, at)
    else:
        _store_pdf(appeal, options, checked, person, at, online=False)
    return appeal


def file_online(appeal_id: int, person_id: int, now: datetime | None = None) -> Appeal:
    """File online an appeal that was prepared for the post (Prefetto route only)."""
    appeal = appeal_of_person(appeal_id, person_id)
    if appeal is None:
        raise AppealError("not_found")
    if appeal.status != AppealStatus.DOWNLOADED:
        raise AppealError("already_appealed")
    options = options_for(appeal.verbale_id, person_id)
    if options is None:
        raise AppealError("not_found")
    option = options.routes.get(str(appeal.route))
    if option is None or not option.open:
        raise AppealError("route_closed")
    if not option.online:
        raise AppealError("online_not_available")
    if options.blocked not in (None, "already_appealed"):
        raise AppealError(options.blocked)
    checked = Checked(str(appeal.route), list(appeal.grounds), appeal.text,
                      appeal.hearing_requested, list(appeal.attachments))
    verbale = options.position.verbale
    person = verbale.offender if verbale.offender_id == person_id else verbale.owner
    _file(appeal, options, checked, person, now or utcnow())
    return appeal


def _store_pdf(appeal: Appeal, options, checked: Checked, person, at: datetime, *,
               online: bool, reference: str = "") -> None:
    pdf, _blocks = _pdf(options, checked, str(appeal.language), person, at, online, reference)
    digest = hashlib.sha256(pdf).hexdigest()
    key = f"appeals/{appeal.ente_id}/{appeal.id}/ricorso-{digest[:12]}.pdf"
    storage.save(key, pdf)
    appeal.pdf_key, appeal.pdf_sha256 = key, digest


def _file(appeal: Appeal, options: AppealOptions, checked: Checked, person, at: datetime) -> None:
    verbale = options.position.verbale
    option = options.routes[checked.route]
    with force_locale("it"):  # the agents' working language for the subject and body
        subject = _("Appeal to the %(authority)s: verbale %(number)s",
                    authority=str(ROUTE_LABELS[checked.route]), number=verbale.number)
    body = "\n".join([
        f"Ricorso ({checked.route}) - verbale n. {verbale.number}",
        "Motivi: " + "; ".join(GROUNDS_IT[g] for g in checked.grounds),
        "",
        "Testo dell'interessato (riportato testualmente):",
        checked.text,
    ])
    case = cases.open_case(
        ente_id=verbale.ente_id, channel=CaseChannel.PORTAL, case_type=CaseType.APPEAL,
        subject=subject, body=body, language=str(appeal.language),
        actor=cases.Actor("citizen", appeal.person_id), person_id=appeal.person_id,
        requester_name=person.display_name if person else "",
        verbale_ids=[verbale.id], opened_at=at,
        payload={"appeal_id": appeal.id, "route": checked.route, "grounds": checked.grounds,
                 "hearing_requested": checked.hearing, "language": str(appeal.language),
                 "deadline": option.deadline.due.isoformat(),
                 "addressee": option.office.addressee},
    )
    previous = appeal.pdf_key
    _store_pdf(appeal, options, checked, person, at, online=True, reference=case.protocol)
    if previous and previous != appeal.pdf_key:
        jobs.enqueue(discard_files, [previous])  # the copy prepared for the post
    db.session.add(CaseAttachment(case=case, filename=pdf_filename(appeal),
                                  content_type="application/pdf",
                                  size=storage.path_for(appeal.pdf_key).stat().st_size,
                                  sha256=appeal.pdf_sha256, storage_key=appeal.pdf_key, at=at))
    for item in checked.attachments:
        db.session.add(CaseAttachment(case=case, filename=item["filename"],
                                      content_type=item["content_type"], size=item["size"],
                                      sha256=item["sha256"], storage_key=item["key"], at=at))
    appeal.status, appeal.filed_at, appeal.case_id = AppealStatus.FILED_ONLINE, at, case.id
    verbale.status = VerbaleStatus.APPEALED
    audit.record("appeal.filed_online", actor_type="citizen", actor_id=appeal.person_id,
                 object_type="appeal", object_id=appeal.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, case_id=case.id, protocol=case.protocol)
    db.session.flush()
    jobs.enqueue(send_appeal_receipt, appeal.id)


def pdf_filename(appeal: Appeal) -> str:
    return f"ricorso-{appeal.verbale.number.replace('/', '-')}.pdf"


# -- after commit ----------------------------------------------------------------------------


def send_appeal_receipt(appeal_id: int) -> None:
    """E-mail the filed appeal (Italian PDF attached) to the citizen, in their language."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal.case is None:
        return
    person = appeal.person
    if person is None or not person.email or not person.email_verified_at:
        return
    with force_locale(str(appeal.language)):
        subject = f"[{appeal.case.protocol}] " + _("Your appeal has been filed")
        text = _("Your appeal against the fine no. %(number)s has been filed online on "
                 "%(date)s with protocol number %(protocol)s. We will forward it to the "
                 "authority within 5 days.\n\nThe appeal document, in Italian as the law "
                 "requires, is attached. Until the decision the fine does not have to be "
                 "paid.\n\n%(sender)s",
                 number=appeal.verbale.number, date=appeal.filed_at.date().isoformat(),
                 protocol=appeal.case.protocol,
                 sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=person.email, subject=subject, text=text, attachments=[
        mail.Attachment(pdf_filename(appeal), storage.read(appeal.pdf_key))]))


# -- for other areas -------------------------------------------------------------------------


def pending_appeal_verbale_ids(verbale_ids: Iterable[int] | None = None,
                               ente_id: int | None = None) -> set[int]:
    """Verbali with an appeal pending through the portal (filed online or forwarded) or in
    the ``appealed`` status: reminders must not be sent for them. Optionally limited to some
    verbale ids and/or one Ente."""
    ids = None if verbale_ids is None else list(verbale_ids)
    if ids is not None and not ids:
        return set()
    by_appeal = select(Appeal.verbale_id).where(Appeal.status.in_(FILED_APPEAL_STATUSES))
    by_status = select(Verbale.id).where(Verbale.status == VerbaleStatus.APPEALED)
    if ente_id is not None:
        by_appeal = by_appeal.where(Appeal.ente_id == ente_id)
        by_status = by_status.where(Verbale.ente_id == ente_id)
    if ids is not None:
        by_appeal = by_appeal.where(Appeal.verbale_id.in_(ids))
        by_status = by_status.where(Verbale.id.in_(ids))
    return set(db.session.scalars(by_appeal)) | set(db.session.scalars(by_status))


def payment_warning(verbale_id: int, person_id: int) -> str | None:
    """``"draft"`` or ``"pending"`` when paying now would bar (or contradict) an appeal the
    citizen is preparing or has prepared; ``None`` otherwise (and for anyone else's verbale)."""
    if verbale_of_person(verbale_id, person_id) is None:
        return None
    stmt = select(Appeal.id).where(Appeal.verbale_id == verbale_id,
                                   Appeal.status.in_(PENDING_APPEAL_STATUSES)).limit(1)
    if db.session.scalar(stmt) is not None:
        return "pending"
    if load_draft(person_id, verbale_id) is not None:
        return "draft"
    return None


def ground_labels(keys: Iterable[str]) -> list[str]:
    return [str(GROUND_LABELS[k]) for k in keys if k in GROUND_LABELS]
