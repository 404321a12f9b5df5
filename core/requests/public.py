"""Public requests: complaint, information request, access to documents (L. 241/1990) and
civic access, simple and generalised (D.Lgs. 33/2013 art. 5) — open to anyone.

Flow: :func:`submit` checks the rules and the attachments, stores the files, keeps the request
as a :class:`~core.models.PendingRequest` and queues an e-mail with a signed link that expires
(:data:`DEFAULT_VERIFY_HOURS`, setting ``REQUEST_VERIFY_HOURS``). :func:`confirm` — when the
submitter opens the link and confirms — claims the row once (a second use of the same link is
refused), opens the contact-center case of the right type (routed to its queue by the Ente's
routing rules, with the legal or charter clock of :mod:`core.contact.sla`: information 10
days, complaint 8 working days or the Ente's charter term, access and civic access 30 days)
and sends the protocol number by e-mail. A signed-in driver whose e-mail address is already
verified and who writes from that address skips the link: the case opens at once.

The submitter follows the case with the protocol number and the same e-mail address
(:func:`core.contact.citizen.case_by_protocol_and_email`).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update

from core import audit, db, jobs, mail, uploads
from core.contact import cases
from core.contact.notify import acknowledge
from core.db import utcnow
from core.models import (
    Case,
    CaseAttachment,
    CaseChannel,
    CaseType,
    Ente,
    PendingRequest,
    Person,
    RequestKind,
    Verbale,
)

DEFAULT_VERIFY_HOURS = 48

CASE_TYPES = {
    RequestKind.COMPLAINT: CaseType.COMPLAINT,
    RequestKind.INFORMATION: CaseType.INFORMATION,
    RequestKind.ACCESS: CaseType.ACCESS,
    RequestKind.CIVIC_SIMPLE: CaseType.CIVIC_ACCESS,
    RequestKind.CIVIC_GENERALISED: CaseType.CIVIC_ACCESS,
}

#: The fields each form keeps besides Ente, name, e-mail and verbale number.
FIELDS = {
    RequestKind.COMPLAINT: ("text",),
    RequestKind.INFORMATION: ("text",),
    RequestKind.ACCESS: ("identity_document", "capacity", "documents", "interest", "delivery",
                         "postal_address", "text"),
    RequestKind.CIVIC_SIMPLE: ("documents", "text"),
    RequestKind.CIVIC_GENERALISED: ("documents", "delivery", "postal_address", "text"),
}

#: Fields the rules require. Access to documents needs a direct, concrete and current interest
#: (L. 241/1990 art. 22 and 25); civic access needs no motivation at all (D.Lgs. 33/2013 art. 5).
REQUIRED = {
    RequestKind.COMPLAINT: ("text",),
    RequestKind.INFORMATION: ("text",),
    RequestKind.ACCESS: ("identity_document", "capacity", "documents", "interest", "delivery"),
    RequestKind.CIVIC_SIMPLE: ("documents",),
    RequestKind.CIVIC_GENERALISED: ("documents", "delivery"),
}

DELIVERY = ("email", "post", "office")
CAPACITY = ("offender", "owner", "representative", "other")
MAX_TEXT = 5000

KIND_LABELS = {
    RequestKind.COMPLAINT: _l("Complaint"),
    RequestKind.INFORMATION: _l("Information request"),
    RequestKind.ACCESS: _l("Access to documents (Law 241/1990)"),
    RequestKind.CIVIC_SIMPLE: _l("Simple civic access (Legislative Decree 33/2013)"),
    RequestKind.CIVIC_GENERALISED: _l("Generalised civic access (Legislative Decree 33/2013)"),
}
DELIVERY_LABELS = {
    "email": _l("Electronic copy by e-mail"),
    "post": _l("Paper copy by post"),
    "office": _l("Inspection or collection at the office"),
}
CAPACITY_LABELS = {
    "offender": _l("Person who committed the violation"),
    "owner": _l("Owner of the vehicle"),
    "representative": _l("Legal representative or lawyer"),
    "other": _l("Other"),
}
_BODY_LABELS = {
    "identity_document": _l("Identity document"),
    "capacity": _l("Requesting as"),
    "documents": _l("Documents requested"),
    "interest": _l("Direct, concrete and current interest"),
    "delivery": _l("Delivery"),
    "postal_address": _l("Postal address"),
    "text": _l("Message"),
    "verbale_number": _l("Verbale number"),
}
_REQUIRED_MESSAGES = {
    "text": _l("Write your request."),
    "identity_document": _l("Enter the type and number of your identity document."),
    "capacity": _l("Choose in what capacity you make the request."),
    "documents": _l("Say which documents, information or data you ask for."),
    "interest": _l("Explain your direct, concrete and current interest in the documents."),
    "delivery": _l("Choose how you want to receive the documents."),
    "postal_address": _l("Enter the postal address for the paper copy."),
}


class RequestError(ValueError):
    """A rule of the request is not met: ``field`` names the form field, ``message`` is
    translated."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class VerifyError(ValueError):
    """The verification link cannot be used: ``reason`` is invalid, expired or used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Submitted:
    pending: PendingRequest
    case: Case | None  # set when the case opened at once (already verified address)


# -- submission -----------------------------------------------------------------------------


def _clean(kind: RequestKind, fields: dict[str, Any]) -> dict[str, str]:
    """The form's own fields, stripped and checked against the rules of ``kind``."""
    data = {name: str(fields.get(name) or "").strip()[:MAX_TEXT] for name in FIELDS[kind]}
    for name in REQUIRED[kind]:
        if not data.get(name):
            raise RequestError(name, str(_REQUIRED_MESSAGES[name]))
    if "delivery" in data:
        if data["delivery"] and data["delivery"] not in DELIVERY:
            raise RequestError("delivery", str(_REQUIRED_MESSAGES["delivery"]))
        if data["delivery"] == "post" and not data.get("postal_address"):
            raise RequestError("postal_address", str(_REQUIRED_MESSAGES["postal_address"]))
        if data["delivery"] != "post":
            data["postal_address"] = ""
    if data.get("capacity") and data["capacity"] not in CAPACITY:
        raise RequestError("capacity", str(_REQUIRED_MESSAGES["capacity"]))
    return {k: v for k, v in data.items() if v}


def _verified_email(person_id: int | None) -> str | None:
    person = db.session.get(Person, person_id) if person_id else None
    if person is not None and person.email and person.email_verified_at:
        return person.email.strip().lower()
    return None


def submit(kind: RequestKind | str, fields: dict[str, Any], files: Iterable = (),
           language: str = "it", person_id: int | None = None,
           now: datetime | None = None) -> Submitted:
    """Keep a public request until its e-mail address is confirmed (see the module docstring).
    Raises :class:`RequestError` or :class:`core.uploads.UploadError` before storing anything."""
    kind = RequestKind(kind)
    now = now or utcnow()
    try:
        ente = db.session.get(Ente, int(fields.get("ente") or 0))
    except (TypeError, ValueError):
        ente = None
    if ente is None:
        raise RequestError("ente", _("Choose the Municipality."))
    name = str(fields.get("name") or "").strip()[:200]
    email = str(fields.get("email") or "").strip()[:254]
    if not name:
        raise RequestError("name", _("Enter your full name."))
    if "@" not in email:
        raise RequestError("email", _("Enter a valid e-mail address."))
    data = _clean(kind, fields)
    accepted = uploads.check_files(files)
    nonce = secrets.token_urlsafe(24)
    stored = uploads.store(f"requests/{nonce}", accepted)
    try:
        pending = PendingRequest(
            kind=kind, ente_id=ente.id, person_id=person_id, language=_language(language),
            name=name, email=email, verbale_number=str(fields.get("verbale_number") or "").strip()[:40],
            data=data, nonce=nonce, created_at=now,
            expires_at=now + timedelta(hours=_verify_hours()),
            attachments=[{"key": s.key, "filename": u.filename, "content_type": u.content_type,
                          "size": s.size, "sha256": s.sha256} for u, s in stored],
        )
        db.session.add(pending)
        db.session.flush()
        audit.record("request.submitted", actor_type="citizen", actor_id=person_id,
                     object_type="pending_request", object_id=pending.id, ente_id=ente.id,
                     kind=str(kind))
        if _verified_email(person_id) == email.lower():
            return Submitted(pending, _confirm(pending, now))
    except Exception:
        uploads.discard(s.key for _u, s in stored)
        raise
    jobs.enqueue(send_verification, pending.id)
    return Submitted(pending, None)


def _language(language: str) -> str:
    return language if language in ("it", "en", "fr", "de", "es") else "it"


def _verify_hours() -> int:
    return int(current_app.config.get("REQUEST_VERIFY_HOURS", DEFAULT_VERIFY_HOURS))


# -- the signed link ------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="public-request-verify")


def token_for(pending: PendingRequest) -> str:
    return _serializer().dumps({"p": pending.id, "n": pending.nonce})


def verify_url(pending: PendingRequest) -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/requests/confirm/{token_for(pending)}"


def send_verification(pending_id: int) -> None:
    """Job: the e-mail with the confirmation link, in the submitter's language."""
    pending = db.session.get(PendingRequest, pending_id)
    if pending is None or pending.confirmed_at is not None:
        return
    with force_locale(str(pending.language)):
        subject = _("Confirm your request to %(ente)s", ente=pending.ente.name)
        text = _("Hello %(name)s,\n\nwe have received your request (%(kind)s) for %(ente)s. "
                 "To send it, confirm your e-mail address by opening this link within "
                 "%(hours)s hours and pressing \"Confirm and send\":\n\n%(link)s\n\nUntil you "
                 "confirm, the request is not registered and no term runs. If you did not write "
                 "to us, ignore this message: nothing will be done.\n\n%(sender)s",
                 name=pending.name, kind=str(KIND_LABELS[pending.kind]), ente=pending.ente.name,
                 hours=_verify_hours(), link=verify_url(pending),
                 sender=current_app.config["CONCESSIONAIRE_NAME"])
    mail.send(mail.Mail(to=pending.email, subject=subject, text=text))


def pending_for_token(token: str, now: datetime | None = None) -> PendingRequest:
    """The pending request a link opens, or :class:`VerifyError` (invalid, expired, used)."""
    now = now or utcnow()
    try:
        payload = _serializer().loads(token, max_age=_verify_hours() * 3600)
    except SignatureExpired:
        raise VerifyError("expired") from None
    except BadSignature:
        raise VerifyError("invalid") from None
    if not isinstance(payload, dict):
        raise VerifyError("invalid")
    pending = db.session.get(PendingRequest, payload.get("p")) if isinstance(payload.get("p"), int) else None
    if pending is None or not hmac.compare_digest(str(payload.get("n", "")), pending.nonce):
        raise VerifyError("invalid")
    if pending.confirmed_at is not None:
        raise VerifyError("used")
    if pending.expires_at <= now:
        raise VerifyError("expired")
    return pending


def confirm(token: str, now: datetime | None = None) -> Case:
    """Open the case of a pending request whose link was opened and confirmed; single use."""
    now = now or utcnow()
    return _confirm(pending_for_token(token, now), now)


def _confirm(pending: PendingRequest, now: datetime) -> Case:
    claimed = db.session.execute(
        update(PendingRequest)
        .where(PendingRequest.id == pending.id, PendingRequest.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another click got there first
        raise VerifyError("used")
    pending.confirmed_at = now
    case = _open_case(pending, now)
    pending.case_id = case.id
    pending.data, pending.attachments = {}, []  # the case holds them now
    audit.record("request.verified", actor_type="citizen", actor_id=pending.person_id,
                 object_type="case", object_id=case.id, ente_id=case.ente_id,
                 kind=str(pending.kind), pending_id=pending.id)
    acknowledge(case)
    return case


def _subject(kind: RequestKind, name: str) -> str:
    with force_locale("it"):  # the agents' working language for the subject line
        texts = {
            RequestKind.COMPLAINT: _("Complaint: %(name)s", name=name),
            RequestKind.INFORMATION: _("Information request: %(name)s", name=name),
            RequestKind.ACCESS: _("Access to documents (Law 241/1990): %(name)s", name=name),
            RequestKind.CIVIC_SIMPLE: _("Simple civic access: %(name)s", name=name),
            RequestKind.CIVIC_GENERALISED: _("Generalised civic access: %(name)s", name=name),
        }
    return texts[kind]


def _both(text, language: str) -> str:
    """A label in Italian (the agents) and, when different, in the submitter's language."""
    with force_locale("it"):
        italian = str(text)
    with force_locale(language):
        theirs = str(text)
    return italian if theirs == italian else f"{italian} / {theirs}"


def _body(pending: PendingRequest) -> str:
    """The first message of the case: the submitter's own words verbatim under labels."""
    lang, data = str(pending.language), dict(pending.data or {})
    if data.get("delivery"):
        data["delivery"] = _both(DELIVERY_LABELS[data["delivery"]], lang)
    if data.get("capacity"):
        data["capacity"] = _both(CAPACITY_LABELS[data["capacity"]], lang)
    if pending.verbale_number:
        data["verbale_number"] = pending.verbale_number
    parts = [f"[{_both(KIND_LABELS[pending.kind], lang)}]"]
    for name in (*FIELDS[pending.kind], "verbale_number"):
        if data.get(name):
            parts.append(f"{_both(_BODY_LABELS[name], lang)}:\n{data[name]}")
    return "\n\n".join(parts)


def _open_case(pending: PendingRequest, now: datetime) -> Case:
    verbale = db.session.scalars(
        select(Verbale).where(Verbale.ente_id == pending.ente_id,
                              Verbale.number == pending.verbale_number)
    ).first() if pending.verbale_number else None
    actor = cases.Actor("citizen", pending.person_id)
    case = cases.open_case(
        ente_id=pending.ente_id, channel=CaseChannel.PORTAL, case_type=CASE_TYPES[pending.kind],
        subject=_subject(pending.kind, pending.name), body=_body(pending),
        language=str(pending.language), actor=actor, person_id=pending.person_id,
        requester_name=pending.name, requester_email=pending.email,
        verbale_ids=[verbale.id] if verbale else [], opened_at=now,
        payload={"request_kind": str(pending.kind), "verbale_number": pending.verbale_number,
                 "email_verified_at": now.isoformat(), **pending.data},
    )
    db.session.flush()
    message_id = case.messages[0].id if case.messages else None
    for item in pending.attachments or []:
        db.session.add(CaseAttachment(
            case_id=case.id, message_id=message_id, filename=item["filename"],
            content_type=item["content_type"], size=item["size"], sha256=item["sha256"],
            storage_key=item["key"], at=now))
    db.session.flush()
    return case


# -- housekeeping ---------------------------------------------------------------------------


def purge(now: datetime | None = None) -> int:
    """Delete pending requests whose link has expired, with the files of those never
    confirmed (a confirmed request's files belong to its case). Returns the rows deleted."""
    now = now or utcnow()
    expired = db.session.scalars(select(PendingRequest).where(PendingRequest.expires_at < now)).all()
    keys = [item["key"] for p in expired if p.confirmed_at is None for item in (p.attachments or [])]
    if not expired:
        return 0
    db.session.execute(delete(PendingRequest).where(
        PendingRequest.id.in_([p.id for p in expired])).execution_options(synchronize_session=False))
    if keys:
        jobs.enqueue(discard_files, keys)  # only once the deletion is committed
    return len(expired)


def discard_files(keys: list[str]) -> None:
    uploads.discard(keys)
