"""E-mail and PEC intake: inbound messages become cases or thread onto existing ones.

:func:`ingest` takes one RFC 5322 message (bytes) and, inside the caller's transaction:

- finds the Ente from the recipients (envelope first, then ``Delivered-To``, ``To``, ``Cc``):
  its PEC address (or a PEC transport envelope, ``X-Trasporto``/``X-Ricevuta``) means channel
  ``pec``, its ordinary address ``email``; an unknown recipient is rejected;
- unwraps a PEC "busta di trasporto" (the original is ``postacert.eml``; the envelope is kept
  as an attachment of the case);
- threads the message onto a case of the same Ente quoted as ``[RHO-2026-000123]`` in the
  subject, or referenced by ``In-Reply-To``/``References``, when it comes from the case's
  requester; otherwise opens a new case (routed, acknowledged to the sender);
- stores attachments under ``cases/<case id>/<message id>/`` and records them;
- is idempotent on the Message-ID per Ente (a redelivery is reported as a duplicate).

Everything is parsed and checked before anything is written, so a rejected message leaves no
trace. :func:`ingest` flushes but never commits: the receivers (:class:`IntakeHandler`, the
``flask mail`` commands in :mod:`core.contact.intake_cli`) commit once per message and then run
the queued jobs (the acknowledgement e-mail).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, or_, select

from core import db, jobs, storage
from core.contact import cases, notify
from core.db import utcnow
from core.models import Case, CaseAttachment, CaseChannel, CaseMessage, CaseStatus, Ente

log = logging.getLogger(__name__)

__all__ = [
    "IngestResult",
    "IntakeHandler",
    "Rejected",
    "discard_files",
    "find_ente",
    "guess_case_type",
    "guess_language",
    "html_to_text",
    "ingest",
    "process",
    "sanitize_filename",
    "start_receiver",
]

# Limits; each can be overridden by the app config key of the same name.
INTAKE_MAX_MESSAGE_BYTES = 30 * 1024 * 1024
INTAKE_MAX_BODY_CHARS = 50_000
INTAKE_MAX_ATTACHMENTS = 10
INTAKE_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

NO_TEXT = "(no text)"
NO_SUBJECT = "(no subject)"
PEC_ENVELOPE_FILENAME = "busta-trasporto-pec.eml"

PROTOCOL_RE = re.compile(r"\[([A-Za-z0-9_]{1,20}-\d{4}-\d{6,})\]")
_MSGID_RE = re.compile(r"<[^<>\s]{1,298}>")


# -- result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    """What happened to one message.

    ``status``: ``created`` (new case), ``threaded`` (added to an existing case), ``duplicate``
    (Message-ID already stored for this Ente; nothing written), ``receipt`` (a PEC receipt of
    one of our notifications, recorded by :mod:`core.notification.receipts`), ``ignored``
    (accepted but not a request: delivery reports, other PEC receipts) or ``rejected``
    (``reason`` says why; nothing written)."""

    status: str
    reason: str = ""
    case_id: int | None = None
    protocol: str | None = None
    channel: str | None = None
    message_id: str | None = None
    attachments: int = 0
    stored_keys: tuple[str, ...] = field(default=(), repr=False)

    @property
    def accepted(self) -> bool:
        return self.status != "rejected"

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason or None, "case_id": self.case_id,
                "protocol": self.protocol, "channel": self.channel,
                "message_id": self.message_id, "attachments": self.attachments}


class Rejected(ValueError):
    """The message cannot be taken in; the text is a short, sender-safe reason."""


# -- text helpers ------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """HTML to plain text: tags dropped, script/style/head content skipped, block elements on
    their own lines, entities decoded. Never executes or fetches anything."""

    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
              "ul", "ol", "blockquote", "pre", "hr", "section", "article", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str, limit: int = INTAKE_MAX_BODY_CHARS) -> str:
    parser = _TextExtractor()
    parser.feed(html[: limit * 8])  # bound the work on huge markup
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _clip(text: str, limit: int) -> str:
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_STOPWORDS = {
    "it": {"il", "lo", "la", "gli", "le", "di", "che", "non", "per", "sono", "della", "buongiorno",
           "grazie", "multa", "verbale", "vorrei", "salve", "cordiali", "saluti", "mio", "mia"},
    "en": {"the", "and", "is", "are", "my", "i", "you", "please", "thank", "thanks", "fine",
           "hello", "dear", "regards", "would", "have", "with", "this"},
    "fr": {"le", "les", "et", "est", "je", "vous", "merci", "bonjour", "amende", "une", "des",
           "mon", "ma", "pour", "avec", "cordialement", "madame", "monsieur"},
    "de": {"der", "die", "das", "und", "ist", "ich", "sie", "nicht", "bitte", "danke", "mit",
           "ein", "eine", "mein", "meine", "guten", "tag", "grüßen", "strafe", "bußgeld"},
    "es": {"el", "los", "las", "y", "es", "yo", "usted", "gracias", "hola", "multa", "una",
           "por", "favor", "mi", "para", "con", "saludos", "estimados"},
}
LANGUAGES = tuple(_STOPWORDS)


def guess_language(header: str | None, text: str) -> str:
    """``Content-Language`` when it names one of our languages, else a keyword count over the
    first words of the text (a clear winner with at least two hits), else Italian."""
    for tag in (header or "").split(","):
        primary = tag.strip().split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES:
            return primary
    words = re.findall(r"[^\W\d_]+", text[:4000].lower())
    scores = {lang: sum(word in stop for word in words) for lang, stop in _STOPWORDS.items()}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_second, runner_up) = ranked[0], ranked[1]
    return best if top >= 2 and top > runner_up else "it"


_COMPLAINT_RE = re.compile(
    r"\b(reclam[oi]|complaints?|r[ée]clamations?|beschwerden?|reclamaci[oó]n(es)?)\b", re.I)
_ACCESS_RE = re.compile(r"\baccesso\s+agli\s+atti\b", re.I)


def guess_case_type(subject: str, body: str) -> str:
    text = f"{subject}\n{body[:10_000]}"
    if _COMPLAINT_RE.search(text):
        return "complaint"
    if _ACCESS_RE.search(text):
        return "access"
    return "information"


def sanitize_filename(name: str | None, fallback: str) -> str:
    """A safe, short ASCII file name: no directories, no leading dots, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" ._")
    name = re.sub(r"[ _]{2,}", "_", name)
    if not name:
        return fallback
    if len(name) > 100:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 99 - len(ext)] + "." + ext) if dot and len(ext) <= 10 else name[:100]
    return name


# -- parsing -----------------------------------------------------------------------------------


@dataclass
class _Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class _Parsed:
    message_id: str
    sender_email: str
    sender_name: str
    subject: str
    body: str
    language: str
    case_type: str
    recipients: list[str]
    references: list[str]
    pec: bool
    auto_submitted: bool
    attachments: list[_Attachment]
    ignore_reason: str = ""
    envelope_message_id: str | None = None


def _limit(name: str) -> int:
    return int(current_app.config.get(name, globals()[name]))


def _msgids(value: str | None) -> list[str]:
    return _MSGID_RE.findall(str(value or ""))


def _message_id(msg: EmailMessage) -> str | None:
    ids = _msgids(msg.get("Message-ID"))
    return ids[0] if ids else None


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    values = [str(value) for value in msg.get_all(name, [])]
    return [addr.lower() for _n, addr in getaddresses(values) if "@" in addr]


def _is_pec(msg: EmailMessage) -> bool:
    transport = str(msg.get("X-Trasporto", "")).strip().lower()
    return bool(transport) or msg.get("X-Ricevuta") is not None


def _unwrap_pec(msg: EmailMessage) -> EmailMessage:
    """The original message of a PEC transport envelope (``postacert.eml``)."""
    candidate = None
    for part in msg.walk():
        if part.get_content_type() != "message/rfc822":
            continue
        if (part.get_filename() or "").lower() == "postacert.eml":
            candidate = part
            break
        candidate = candidate or part
    if candidate is None:
        raise Rejected("PEC envelope without postacert.eml")
    inner = candidate.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if not isinstance(inner, EmailMessage):
        raise Rejected("malformed PEC envelope")
    return inner


def _body(msg: EmailMessage, limit: int) -> tuple[str, Any]:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", None
    content = part.get_content()
    if not isinstance(content, str):
        return "", None
    if part.get_content_subtype() == "html":
        return _clip(html_to_text(content, limit), limit), part
    return _clip(content, limit), part


def _attachments(msg: EmailMessage, body_part: Any) -> list[_Attachment]:
    """Leaf parts other than the body (and other than alternative renderings of it); an
    attached e-mail is kept whole as ``.eml``."""
    found: list[_Attachment] = []

    def visit(part: EmailMessage) -> None:
        ctype = part.get_content_type()
        if part is body_part:
            return
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            data = inner.as_bytes(policy=policy.SMTP) if isinstance(inner, EmailMessage) else b""
            found.append(_Attachment(part.get_filename() or "message.eml", ctype, data))
            return
        if part.is_multipart():
            for sub in part.iter_parts():
                visit(sub)
            return
        filename = part.get_filename()
        is_attachment = part.get_content_disposition() == "attachment" or filename
        if not is_attachment and part.get_content_maintype() == "text":
            return  # an alternative rendering of the body
        data = part.get_payload(decode=True) or b""
        found.append(_Attachment(filename or "", ctype, data))

    visit(msg)
    return found


def _parse(raw: bytes, recipients: Sequence[str]) -> _Parsed:
    try:
        return _parse_message(raw, recipients)
    except Rejected:
        raise
    except Exception as error:  # the parser is lenient; what still fails is garbage
        log.info("intake: unparseable message (%s: %s)", type(error).__name__, error)
        raise Rejected("malformed message") from error


def _parse_message(raw: bytes, recipients: Sequence[str]) -> _Parsed:
    max_bytes = _limit("INTAKE_MAX_MESSAGE_BYTES")
    if not raw or not raw.strip():
        raise Rejected("empty message")
    if len(raw) > max_bytes:
        raise Rejected("message too large")
    outer = message_from_bytes(raw, policy=policy.default)
    if not isinstance(outer, EmailMessage) or not outer.keys():
        raise Rejected("malformed message")

    pec_envelope = _is_pec(outer)
    ignore_reason = ""
    if outer.get("X-Ricevuta") is not None:
        ignore_reason = "PEC receipt"
    elif (outer.get_content_type() == "multipart/report"
          or parseaddr(str(outer.get("From", "")))[1].lower().startswith(("mailer-daemon@",
                                                                          "postmaster@"))):
        ignore_reason = "delivery report"
    msg = outer
    if pec_envelope and not ignore_reason:
        msg = _unwrap_pec(outer)

    name, sender = parseaddr(str(msg.get("From", "")))
    if not ignore_reason and ("@" not in sender or any(c.isspace() for c in sender)):
        raise Rejected("missing or invalid sender")
    if sender.lower() == str(current_app.config.get("MAIL_SENDER", "")).lower():
        raise Rejected("message from our own sender")

    limit = _limit("INTAKE_MAX_BODY_CHARS")
    subject = " ".join(str(msg.get("Subject", "")).split())
    body, body_part = _body(msg, limit) if not ignore_reason else ("", None)
    attachments = _attachments(msg, body_part) if not ignore_reason else []
    for index, att in enumerate(attachments, start=1):
        att.filename = sanitize_filename(att.filename, f"attachment-{index}")
        att.content_type = att.content_type[:100]
    if len(attachments) > _limit("INTAKE_MAX_ATTACHMENTS"):
        raise Rejected("too many attachments")
    if any(len(att.data) > _limit("INTAKE_MAX_ATTACHMENT_BYTES") for att in attachments):
        raise Rejected("attachment too large")
    if pec_envelope and not ignore_reason:
        attachments.append(_Attachment(PEC_ENVELOPE_FILENAME, "message/rfc822", raw))

    content_language = msg.get("Content-Language") or (
        body_part.get("Content-Language") if body_part is not None else None)
    # The Message-ID of the citizen's own message (inside a PEC envelope) is what later
    # replies reference; without one, the content hash makes redeliveries recognisable.
    message_id = (_message_id(msg) or _message_id(outer)
                  or f"<{hashlib.sha256(raw).hexdigest()}@intake.invalid>")
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower() not in ("", "no") or str(
        msg.get("Precedence", "")).strip().lower() in ("bulk", "junk", "auto_reply", "list")

    header_rcpts = [*_addresses(outer, "Delivered-To"), *_addresses(outer, "To"),
                    *_addresses(outer, "Cc")]
    return _Parsed(
        message_id=message_id,
        sender_email=sender.lower(),
        sender_name=" ".join(str(name).split())[:200],
        subject=subject,
        body=body,
        language=guess_language(str(content_language or ""), f"{subject}\n{body}"),
        case_type=guess_case_type(subject, body),
        recipients=[r.strip().lower() for r in recipients if r and "@" in r] + header_rcpts,
        references=[*_msgids(msg.get("In-Reply-To")), *_msgids(msg.get("References"))],
        pec=pec_envelope,
        auto_submitted=auto,
        attachments=attachments,
        ignore_reason=ignore_reason,
        envelope_message_id=_message_id(outer) if msg is not outer else None,
    )


# -- database ----------------------------------------------------------------------------------


def find_ente(addresses: Iterable[str]) -> tuple[Ente, str] | None:
    """The Ente of the first address that is one of its addresses, with the channel that
    address implies (``pec`` or ``email``)."""
    ordered = list(dict.fromkeys(a.strip().lower() for a in addresses if a and "@" in a))
    if not ordered:
        return None
    enti = db.session.scalars(select(Ente).where(or_(
        func.lower(Ente.email).in_(ordered), func.lower(Ente.pec).in_(ordered)))).all()
    for address in ordered:
        for ente in enti:
            if address == (ente.pec or "").lower():
                return ente, CaseChannel.PEC.value
            if address == (ente.email or "").lower():
                return ente, CaseChannel.EMAIL.value
    return None


def _duplicate(ente: Ente, message_ids: Iterable[str]) -> CaseMessage | None:
    ids = [mid for mid in message_ids if mid]
    return db.session.scalars(
        select(CaseMessage).join(Case, CaseMessage.case_id == Case.id)
        .where(Case.ente_id == ente.id, CaseMessage.email_message_id.in_(ids))
        .order_by(CaseMessage.id)).first()


def _follow_merges(case: Case) -> Case:
    for _ in range(10):
        if case.merged_into_id is None:
            break
        case = db.session.get(Case, case.merged_into_id)
    return case


def _sender_may_reply(case: Case, sender: str) -> bool:
    """A message threads onto a case only from an address the case knows (protocols are
    sequential, so quoting one proves nothing); a case with no address on file accepts any."""
    known = {(case.requester_email or "").lower()}
    if case.person is not None and case.person.email:
        known.add(case.person.email.lower())
    known.discard("")
    return not known or sender in known


def _thread_target(ente: Ente, parsed: _Parsed) -> tuple[Case | None, str | None]:
    """The open case this message answers, and the protocol it quoted without threading."""
    candidates: list[Case] = []
    protocols = PROTOCOL_RE.findall(parsed.subject)
    if protocols:
        by_protocol = {c.protocol: c for c in db.session.scalars(
            select(Case).where(Case.ente_id == ente.id, Case.protocol.in_(protocols)))}
        candidates += [by_protocol[p] for p in protocols if p in by_protocol]
    if parsed.references:
        candidates += db.session.scalars(
            select(Case).join(CaseMessage, CaseMessage.case_id == Case.id)
            .where(Case.ente_id == ente.id,
                   CaseMessage.email_message_id.in_(parsed.references))
            .order_by(CaseMessage.id.desc())).all()
    quoted = None
    for candidate in candidates:
        case = _follow_merges(candidate)
        quoted = quoted or case.protocol
        if case.status != CaseStatus.CLOSED and _sender_may_reply(case, parsed.sender_email):
            return case, None
    return None, quoted


def _store_attachments(case: Case, message: CaseMessage, attachments: list[_Attachment],
                       at: datetime, saved: list[str]) -> None:
    for index, att in enumerate(attachments, start=1):
        key = f"cases/{case.id}/{message.id}/{index:02d}-{att.filename}"
        stored = storage.save(key, att.data)
        saved.append(stored.key)
        db.session.add(CaseAttachment(
            case_id=case.id, message_id=message.id, filename=att.filename,
            content_type=att.content_type, size=stored.size, sha256=stored.sha256,
            storage_key=stored.key, at=at))


def discard_files(keys: Iterable[str]) -> None:
    """Remove files written for a message whose transaction did not commit."""
    for key in keys:
        try:
            storage.path_for(key).unlink(missing_ok=True)
        except (OSError, storage.StorageError):
            log.warning("could not remove %s", key)


def ingest(raw_bytes: bytes, *, received_at: datetime | None = None,
           recipients: Sequence[str] = ()) -> IngestResult:
    """Take in one message (see the module docstring). ``recipients`` is the SMTP envelope's
    RCPT TO list when known. Flushes, never commits; raises only on unexpected failures, after
    removing the files it wrote (the caller rolls back)."""
    received_at = received_at or utcnow()
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    try:
        parsed = _parse(bytes(raw_bytes), recipients)
    except Rejected as error:
        return IngestResult("rejected", reason=str(error))

    found = find_ente(parsed.recipients)
    if found is None:
        return IngestResult("rejected", reason="unknown recipient",
                            message_id=parsed.message_id)
    ente, channel = found
    if parsed.pec:
        channel = CaseChannel.PEC.value
    if parsed.ignore_reason == "PEC receipt":  # receipts of our own PEC notifications
        from core.notification.receipts import record_receipt

        recorded = record_receipt(bytes(raw_bytes), ente, received_at)
        if recorded is not None:
            return IngestResult("receipt", reason=recorded, channel=channel,
                                message_id=parsed.message_id)
    if parsed.ignore_reason:
        log.info("intake: ignored %s for %s (%s)", parsed.message_id, ente.code,
                 parsed.ignore_reason)
        return IngestResult("ignored", reason=parsed.ignore_reason, channel=channel,
                            message_id=parsed.message_id)

    existing = _duplicate(ente, [parsed.message_id])
    if existing is not None:
        case = db.session.get(Case, existing.case_id)
        return IngestResult("duplicate", case_id=case.id, protocol=case.protocol,
                            channel=channel, message_id=parsed.message_id)

    saved: list[str] = []
    try:
        return _write(ente, channel, parsed, received_at, saved)
    except Exception:
        discard_files(saved)
        raise


def _write(ente: Ente, channel: str, parsed: _Parsed, at: datetime,
           saved: list[str]) -> IngestResult:
    body = parsed.body or NO_TEXT
    case, quoted = _thread_target(ente, parsed)
    if case is not None:
        message = cases.reply(case, cases.Actor("citizen"), body, at=at,
                              channel=CaseChannel(channel), email_message_id=parsed.message_id)
        status = "threaded"
    else:
        source = {"message_id": parsed.message_id, "recipients": parsed.recipients[:10]}
        if parsed.envelope_message_id:
            source["pec_envelope_id"] = parsed.envelope_message_id
        if quoted:
            source["quoted_protocol"] = quoted
        subject = parsed.subject or (parsed.body.split("\n", 1)[0][:80] or NO_SUBJECT)
        case = cases.open_case(
            ente_id=ente.id, channel=channel, case_type=parsed.case_type, subject=subject,
            body=body, language=parsed.language, actor=cases.Actor("citizen"),
            requester_name=parsed.sender_name, requester_email=parsed.sender_email,
            payload={"email": source}, opened_at=at, email_message_id=parsed.message_id)
        message = case.messages[-1]
        status = "created"
    db.session.flush()
    _store_attachments(case, message, parsed.attachments, at, saved)
    if status == "created" and not parsed.auto_submitted:
        notify.acknowledge(case)
    db.session.flush()
    log.info("intake: %s %s %s (%s, %d attachments)", status, case.protocol,
             parsed.message_id, channel, len(parsed.attachments))
    return IngestResult(status, case_id=case.id, protocol=case.protocol, channel=channel,
                        message_id=parsed.message_id, attachments=len(parsed.attachments),
                        stored_keys=tuple(saved))


# -- unit of work for the receivers ------------------------------------------------------------


def process(raw_bytes: bytes, recipients: Sequence[str] = (), *,
            received_at: datetime | None = None) -> list[IngestResult]:
    """Ingest and commit one message, once per Ente among ``recipients`` (one Ente when they
    are not given), then run the queued jobs. Must run inside an app context. An unexpected
    failure rolls back, removes written files and re-raises."""
    groups: dict[int, list[str]] = {}
    for address in recipients:
        found = find_ente([address])
        if found is not None:
            groups.setdefault(found[0].id, []).append(address)
    batches = list(groups.values()) or [list(recipients)]
    results = []
    for batch in batches:
        result = None
        try:
            result = ingest(raw_bytes, received_at=received_at, recipients=batch)
            db.session.commit()
        except Exception:
            db.session.rollback()
            if result is not None:
                discard_files(result.stored_keys)
            raise
        jobs.run_ready()
        results.append(result)
    return results


class IntakeHandler:
    """aiosmtpd handler: RCPT accepts only addresses of an Ente, DATA ingests the message and
    commits it (250), or answers 550 with the reason (nothing stored), or 451 on an internal
    failure so the sending server retries. The database work runs in one worker thread, one
    message at a time, each inside its own app context."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-intake")

    def _run(self, func, *args):
        def call():
            with self.app.app_context():
                return func(*args)

        return asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            known = await self._run(lambda: find_ente([address]) is not None)
        except Exception:
            log.exception("intake: recipient lookup failed")
            return "451 4.3.0 Temporary failure, try again later"
        if not known:
            return "550 5.1.1 Unknown recipient"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            results = await self._run(process, raw, list(envelope.rcpt_tos))
        except Exception:
            log.exception("intake: message processing failed")
            return "451 4.3.0 Temporary failure, try again later"
        rejected = [r for r in results if not r.accepted]
        if rejected and len(rejected) == len(results):
            reason = " ".join(rejected[0].reason.split())[:120] or "rejected"
            return f"550 5.6.0 {reason}"
        return "250 Message accepted"

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def start_receiver(app: Flask, host: str = "127.0.0.1", port: int = 2525):
    """Start the inbound SMTP receiver in a background thread; returns the aiosmtpd
    ``Controller`` (call ``stop()`` on it, then ``handler.close()``)."""
    from aiosmtpd.controller import Controller

    handler = IntakeHandler(app)
    limit = int(app.config.get("INTAKE_MAX_MESSAGE_BYTES", INTAKE_MAX_MESSAGE_BYTES))
    controller = Controller(handler, hostname=host, port=port, data_size_limit=limit,
                            ident="multe intake")
    controller.start()
    return controller
