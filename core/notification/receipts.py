"""PEC receipts arriving by mail, recorded on the verbale's timeline.

A PEC provider answers every message with receipts carrying ``X-Ricevuta`` (the kind) and
``X-Riferimento-Message-ID`` (the ``Message-ID`` of our message), plus a ``daticert.xml``
attachment with the official date and time (``<data zona="+0100"><giorno>dd/mm/yyyy</giorno>
<ora>hh:mm:ss</ora></data>``), the delivery address and, on errors, ``errore-esteso``.

=============================  ==============================  ===========================
``X-Ricevuta``                 event                           dispatch
=============================  ==============================  ===========================
``accettazione``               sent (accepted by the provider)  sent (settles ``uncertain``)
``presa-in-carico``            sent                            —
``avvenuta-consegna``          delivered + perfected           perfected; day 0 of the verbale
``preavviso-errore-consegna``  failed (not final)              —
``errore-consegna``            failed (mancata consegna)       failed
``non-accettazione``           failed                          failed
``rilevazione-virus``          failed                          failed
=============================  ==============================  ===========================

:func:`record_receipt` is called by the mail intake (:func:`core.contact.intake.ingest`) for
every message with ``X-Ricevuta``; it answers ``None`` when the receipt is not about one of our
dispatches of that Ente (the intake then ignores it) and is idempotent on the receipt's own
Message-ID. The receipt's S/MIME signature is not verified here: the receipts reach the Ente's
PEC mailbox, which only accepts mail from the PEC system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from defusedxml import ElementTree as SafeET
from sqlalchemy import select

from core import audit, db
from core.models import (
    DispatchStatus,
    Ente,
    NotificationChannel,
    NotificationDispatch,
    NotificationOutcome,
)

from . import dispatches, tracking
from .perfection import ROME, pec_perfection

_MSGID = re.compile(r"<[^<>\s]{1,298}>")
KINDS = {
    "accettazione": (NotificationOutcome.SENT, None),
    "presa-in-carico": (NotificationOutcome.SENT, None),
    "avvenuta-consegna": (NotificationOutcome.DELIVERED, None),
    "preavviso-errore-consegna": (NotificationOutcome.FAILED, None),
    "errore-consegna": (NotificationOutcome.FAILED, DispatchStatus.FAILED),
    "non-accettazione": (NotificationOutcome.FAILED, DispatchStatus.FAILED),
    "rilevazione-virus": (NotificationOutcome.FAILED, DispatchStatus.FAILED),
}


@dataclass(frozen=True)
class Receipt:
    kind: str  # the X-Ricevuta value
    reference: str  # Message-ID of the message it is about
    message_id: str  # the receipt's own Message-ID
    at: datetime  # when the provider generated it (timezone-aware)
    delivered_to: str = ""
    error: str = ""


def _msgid(value: object) -> str:
    found = _MSGID.findall(str(value or ""))
    return found[0] if found else ""


def _daticert(msg: EmailMessage) -> dict[str, str]:
    for part in msg.walk():
        if (part.get_filename() or "").lower() != "daticert.xml":
            continue
        data = part.get_payload(decode=True) or b""
        try:
            root = SafeET.fromstring(data)
        except Exception:  # noqa: BLE001 - a malformed attachment is ignored, not fatal
            return {}
        found = {"tipo": root.get("tipo", ""), "errore": root.get("errore", "")}
        for name in ("giorno", "ora", "msgid", "consegna", "errore-esteso"):
            node = root.find(f".//{name}")
            if node is not None and node.text:
                found[name] = node.text.strip()
        data_node = root.find(".//dati/data")
        if data_node is not None:
            found["zona"] = data_node.get("zona", "")
        return found
    return {}


def _when(cert: dict[str, str], msg: EmailMessage, fallback: datetime) -> datetime:
    if cert.get("giorno") and cert.get("ora"):
        zone = re.fullmatch(r"([+-])(\d{2})(\d{2})", cert.get("zona", ""))
        tz = ROME
        if zone:
            sign = 1 if zone.group(1) == "+" else -1
            tz = timezone(sign * timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3))))
        try:
            day = datetime.strptime(cert["giorno"], "%d/%m/%Y").date()  # noqa: DTZ007 - a date
            hour = datetime.strptime(cert["ora"], "%H:%M:%S").time()  # noqa: DTZ007 - a time
            return datetime.combine(day, hour, tz)
        except ValueError:
            pass
    try:
        parsed = parsedate_to_datetime(str(msg.get("Date", "")))
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    except (TypeError, ValueError):
        pass
    return fallback


def parse_receipt(raw: bytes, received_at: datetime | None = None) -> Receipt | None:
    """The receipt in ``raw``, or ``None`` when it is not a PEC receipt we understand."""
    msg = message_from_bytes(raw, policy=policy.default)
    kind = str(msg.get("X-Ricevuta", "")).strip().lower()
    if kind not in KINDS:
        return None
    cert = _daticert(msg)
    reference = _msgid(msg.get("X-Riferimento-Message-ID")) or _msgid(cert.get("msgid"))
    if not reference:
        return None
    return Receipt(kind=kind, reference=reference, message_id=_msgid(msg.get("Message-ID")),
                   at=_when(cert, msg, received_at or datetime.now(UTC)),
                   delivered_to=cert.get("consegna", ""), error=cert.get("errore-esteso", ""))


def record_receipt(raw: bytes, ente: Ente, received_at: datetime) -> str | None:
    """Record a receipt about one of ``ente``'s PEC dispatches; ``None`` when it is not ours."""
    receipt = parse_receipt(raw, received_at)
    if receipt is None:
        return None
    dispatch = db.session.scalars(select(NotificationDispatch).where(
        NotificationDispatch.message_id == receipt.reference,
        NotificationDispatch.ente_id == ente.id,
        NotificationDispatch.channel == NotificationChannel.PEC)).first()
    if dispatch is None:
        return None
    seen = list((dispatch.details or {}).get("receipts") or [])
    key = receipt.message_id or f"{receipt.kind}:{receipt.at.isoformat()}"
    if any(r.get("id") == key for r in seen):
        return f"PEC receipt {receipt.kind} already recorded"
    seen.append({"id": key, "kind": receipt.kind, "at": receipt.at.isoformat()})
    dispatches.set_details(dispatch, receipts=seen[-50:])
    outcome, final_status = KINDS[receipt.kind]
    details = {"receipt": receipt.kind, "receipt_id": receipt.message_id,
               "delivered_to": receipt.delivered_to, "error": receipt.error}
    dispatches.events_for_all(dispatch, outcome, reference=dispatch.message_id, at=receipt.at,
                              final=final_status is not None or outcome != NotificationOutcome.FAILED,
                              **details)
    if receipt.kind == "accettazione" and dispatch.status in (
            DispatchStatus.SENDING, DispatchStatus.UNCERTAIN, DispatchStatus.QUEUED):
        dispatch.status = DispatchStatus.SENT
        dispatches.handed_over(dispatch, pec_perfection(receipt.at))  # its Italian date
    elif receipt.kind == "avvenuta-consegna":
        _delivered(dispatch, receipt)
    elif final_status is not None and dispatch.status != DispatchStatus.PERFECTED:
        dispatch.status = final_status
        dispatch.last_error = f"{receipt.kind}: {receipt.error}"[:2000]
    audit.record("notification.pec_receipt", actor_type="system", actor_id=None,
                 object_type="notification_dispatch", object_id=dispatch.id, ente_id=ente.id,
                 verbale_id=dispatch.verbale_id, kind=receipt.kind, at=receipt.at.isoformat())
    db.session.flush()
    return f"PEC receipt {receipt.kind}"


def _delivered(dispatch: NotificationDispatch, receipt: Receipt) -> None:
    verbale = dispatch.verbale
    on = pec_perfection(receipt.at)
    for person_id in dispatches.recipients(dispatch):
        tracking.record_event(verbale, person_id, NotificationChannel.PEC,
                              NotificationOutcome.PERFECTED, reference=dispatch.message_id,
                              perfected_on=on, at=receipt.at, dispatch_id=dispatch.id,
                              basis="pec_delivery_receipt")
    if dispatch.sent_on is None:
        dispatches.handed_over(dispatch, on)
    dispatch.status = DispatchStatus.PERFECTED
    dispatch.perfected_on = on
    dispatch.last_error = ""
    tracking.apply_perfection(verbale, NotificationChannel.PEC,
                              {p: on for p in dispatches.recipients(dispatch)},
                              reference=dispatch.message_id)
