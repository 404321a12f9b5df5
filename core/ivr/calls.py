"""What a phone call leaves behind: a voicemail case, a callback-request case (each also
recorded in the call's lifecycle, :mod:`core.ivr.tracking`), audit events of the self-service
PIN checks. Nothing here commits (the request wrapper does)."""

from __future__ import annotations

from datetime import datetime

from core import audit, db
from core.contact.cases import open_case
from core.db import utcnow
from core.ivr import tracking
from core.models import Case, CaseChannel, CaseType, Ente, Verbale


def now() -> datetime:
    """The call's instant (patched in tests)."""
    return utcnow()


def _earlier_case(call_sid: str, kind: str) -> Case | None:
    """The case a retried webhook of the same call already opened (Twilio retries)."""
    event = tracking.event_of(call_sid, kind)
    case_id = (event.data or {}).get("case_id") if event is not None else None
    return db.session.get(Case, case_id) if case_id else None


def voicemail_case(ente: Ente, *, caller: str, language: str, recording_url: str,
                   duration: str = "", call_sid: str = "") -> Case:
    earlier = _earlier_case(call_sid, "voicemail")
    if earlier is not None:
        return earlier
    case = open_case(
        ente_id=ente.id, channel=CaseChannel.VOICEMAIL, case_type=CaseType.OTHER,
        subject=f"Voicemail from {caller or 'unknown number'}",
        body=f"Voicemail recording: {recording_url}", language=language,
        requester_phone=caller or None,
        payload={"recording_url": recording_url, "recording_duration": duration,
                 "call_sid": call_sid, "source": "ivr"},
    )
    tracking.voicemail_left(ente, call_sid, caller, language, case_id=case.id)
    return case


def callback_case(ente: Ente, *, caller: str, language: str, queue: str,
                  call_sid: str = "", wait_seconds: int = 0, queue_code: str = "") -> Case:
    earlier = _earlier_case(call_sid, "callback")
    if earlier is not None:
        return earlier
    case = open_case(
        ente_id=ente.id, channel=CaseChannel.PHONE, case_type=CaseType.OTHER,
        subject=f"Callback request from {caller or 'unknown number'}",
        body=f"The caller asked to be called back instead of waiting in queue {queue}.",
        language=language, requester_phone=caller or None,
        payload={"callback": True, "queue": queue, "call_sid": call_sid,
                 "estimated_wait_seconds": wait_seconds, "source": "ivr"},
    )
    tracking.callback_requested(ente, call_sid, caller, language, queue_code or queue,
                                case_id=case.id)
    return case


def record_pin_check(ente: Ente, verbale: Verbale | None, *, caller: str, ok: bool,
                     call_sid: str = "") -> None:
    audit.record("ivr.pin_check", actor_type="citizen" if ok else "system",
                 actor_id=verbale.offender_id if (ok and verbale) else None,
                 object_type="verbale", object_id=verbale.id if verbale else "",
                 ente_id=ente.id, caller=caller, ok=ok, call_sid=call_sid)
