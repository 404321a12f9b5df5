"""The lifecycle of a phone call, recorded from Twilio's webhooks for the call metrics.

Each function takes plain values from one webhook, finds (or creates) the :class:`Call` of the
``CallSid``, logs a :class:`CallEvent` and updates the call's columns. Nothing commits (the
request wrapper does).

Idempotent: Twilio retries a callback when it gets no answer in time, so every lifecycle step
is an event of its own kind, unique per call; a second delivery finds it and changes nothing.
The ``waitUrl`` requests, repeated by design while the caller holds, only refresh
``last_in_queue_at`` (the heartbeat of the "calls waiting" panel).

Outcome of a call, from the strongest down (a stronger outcome replaces a weaker one, never
the reverse): answered (an operator took the call: ``QueueResult`` *bridged*, or the
``<Queue url>`` of the operator's ``<Dial>``) › callback › voicemail › abandoned (the caller
hung up while queued: ``QueueResult`` *hangup*, or the call's status callback said it ended
while still queued — until the queue result, which may come later, says otherwise) ›
self-service (amount heard) › out of hours › failed › menu (hung up in the menus).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import db
from core.ivr import calls as _clock
from core.models import Call, CallEvent, CallOutcome, Ente

RANK = {
    CallOutcome.MENU: 0, CallOutcome.FAILED: 1, CallOutcome.OUT_OF_HOURS: 2,
    CallOutcome.SELF_SERVICE: 3, CallOutcome.ABANDONED: 4, CallOutcome.VOICEMAIL: 5,
    CallOutcome.CALLBACK: 6, CallOutcome.ANSWERED: 7,
}
#: Twilio ``QueueResult`` values (the ``<Enqueue action>`` request).
QUEUE_RESULTS = ("bridged", "bridging-in-process", "redirected-from-bridged", "hangup", "leave",
                 "redirected", "queue-full", "error", "system-error")
ANSWERED_RESULTS = ("bridged", "bridging-in-process", "redirected-from-bridged")
FAILED_RESULTS = ("queue-full", "error", "system-error")
#: Twilio ``CallStatus`` values; the last five end the call.
CALL_STATUSES = ("queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed",
                 "no-answer", "canceled")
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
LANGUAGES = ("it", "en", "fr", "de", "es")
#: ``queue_result`` of a call that ended while queued before its ``<Enqueue action>`` came:
#: abandoned for now; the queue result, when it arrives, has the last word.
ENDED_IN_QUEUE = "ended-in-queue"


def _now() -> datetime:
    return _clock.now()


def _seconds(value: Any) -> int | None:
    """A non-negative whole number of seconds from a Twilio parameter, else ``None``."""
    try:
        return max(0, int(str(value).strip()))
    except (TypeError, ValueError):
        return None


def _between(later: datetime, earlier: datetime | None) -> int:
    return 0 if earlier is None else max(0, round((later - earlier).total_seconds()))


def find(call_sid: str) -> Call | None:
    if not call_sid:
        return None
    return db.session.scalar(select(Call).where(Call.call_sid == call_sid[:64]))


def event_of(call_sid: str, kind: str) -> CallEvent | None:
    """The call's event of this kind, if it was already logged."""
    if not call_sid:
        return None
    return db.session.scalar(select(CallEvent).join(Call, CallEvent.call_id == Call.id).where(
        Call.call_sid == call_sid[:64], CallEvent.kind == kind))


def _call(ente: Ente | None, call_sid: str, caller: str = "", language: str | None = None,
          at: datetime | None = None) -> Call | None:
    """The call of ``call_sid``, created on its first webhook (a concurrent retry that
    created it first is picked up instead)."""
    call = find(call_sid)
    if call is None:
        if ente is None or not call_sid:
            return None
        call = Call(call_sid=call_sid[:64], ente_id=ente.id, from_number=(caller or None),
                    started_at=at or _now(), self_served=False)
        try:
            with db.session.begin_nested():
                db.session.add(call)
        except IntegrityError:
            call = find(call_sid)
            if call is None:
                raise
    if caller and not call.from_number:
        call.from_number = caller[:40]
    if language in LANGUAGES:
        call.language = language
    return call


def _log(call: Call, kind: str, at: datetime, **data: Any) -> bool:
    """Log the event unless the call already has one of this kind: True when it is new."""
    exists = db.session.scalar(select(CallEvent.id).where(CallEvent.call_id == call.id,
                                                          CallEvent.kind == kind))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(CallEvent(call_id=call.id, kind=kind, at=at,
                                     data={k: v for k, v in data.items() if v not in (None, "")}))
    except IntegrityError:
        return False
    return True


def _settle(call: Call, outcome: CallOutcome) -> None:
    current = call.outcome
    if current is None or RANK[outcome] >= RANK[CallOutcome(current)]:
        call.outcome = outcome


def _enter(call: Call, at: datetime, queue: str | None) -> None:
    if queue and not call.queue:
        call.queue = queue[:40]
    if call.enqueued_at is None:
        call.enqueued_at = at
    if call.last_in_queue_at is None or call.last_in_queue_at < at:
        call.last_in_queue_at = at


def _leave(call: Call, at: datetime, result: str, wait: int | None) -> None:
    if call.dequeued_at is not None and call.queue_result != ENDED_IN_QUEUE:
        return
    if call.dequeued_at is not None:  # Twilio's queue result replaces the inference
        call.queue_result = result
        if wait is not None:
            call.wait_seconds = wait
            call.dequeued_at = call.enqueued_at + timedelta(seconds=wait)
        return
    if call.enqueued_at is None:  # the enqueue went unrecorded: reconstruct it
        call.enqueued_at = at - timedelta(seconds=wait or 0)
    call.dequeued_at = at
    call.queue_result = result
    call.wait_seconds = wait if wait is not None else _between(at, call.enqueued_at)


# -- the steps of a call -----------------------------------------------------------------


def call_started(ente: Ente, call_sid: str, caller: str = "") -> Call | None:
    """``/ivr/voice``: the call reached the line."""
    call = _call(ente, call_sid, caller)
    if call is not None:
        _log(call, "started", _now(), to_ente=ente.code)
    return call


def language_chosen(ente: Ente, call_sid: str, caller: str, language: str) -> Call | None:
    return _call(ente, call_sid, caller, language)


def out_of_hours(ente: Ente, call_sid: str, caller: str, language: str) -> Call | None:
    """The closed message was played (a voicemail may follow)."""
    call = _call(ente, call_sid, caller, language)
    if call is not None and _log(call, "out_of_hours", _now()):
        _settle(call, CallOutcome.OUT_OF_HOURS)
    return call


def self_served(ente: Ente, call_sid: str, caller: str, language: str,
                verbale_id: int | None = None) -> Call | None:
    """The caller heard the amount due (self-service)."""
    call = _call(ente, call_sid, caller, language)
    if call is not None and _log(call, "self_service", _now(), verbale_id=verbale_id):
        call.self_served = True
        _settle(call, CallOutcome.SELF_SERVICE)
    return call


def entered_queue(ente: Ente, call_sid: str, caller: str, language: str,
                  queue: str) -> Call | None:
    """The webhook answered with ``<Enqueue>``: the caller now waits for an operator."""
    call = _call(ente, call_sid, caller, language)
    if call is not None:
        at = _now()
        if _log(call, "queue.enter", at, queue=queue):
            _enter(call, at, queue)
    return call


def waiting(ente: Ente, call_sid: str, caller: str, language: str, queue: str,
            queue_time: Any = None, position: Any = None) -> Call | None:
    """A ``waitUrl`` request (``QueuePosition``, ``QueueTime``, ``AvgQueueTime``,
    ``CurrentQueueSize``): the caller is still queued. Enters the queue if that step was
    missed, then refreshes the heartbeat."""
    call = _call(ente, call_sid, caller, language)
    if call is None or call.dequeued_at is not None or call.ended_at is not None:
        return call
    at = _now()
    if call.enqueued_at is None and _log(call, "queue.enter", at, queue=queue,
                                         position=_seconds(position)):
        _enter(call, at - timedelta(seconds=_seconds(queue_time) or 0), queue)
    if call.last_in_queue_at is None or call.last_in_queue_at < at:
        call.last_in_queue_at = at
    return call


def left_queue(ente: Ente, call_sid: str, caller: str, language: str, queue: str,
               result: str, queue_time: Any = None) -> Call | None:
    """The ``<Enqueue action>`` request: ``QueueResult`` and ``QueueTime`` (seconds queued).
    *bridged* is an answered call, *hangup* an abandoned one; *leave* follows a callback
    request, *queue-full*/*error*/*system-error* a failure; *redirected* moved the call elsewhere."""
    result = (result or "").strip().lower()
    if result not in QUEUE_RESULTS:
        result = "error"
    call = _call(ente, call_sid, caller, language)
    if call is None:
        return None
    at, wait = _now(), _seconds(queue_time)
    if not _log(call, "queue.leave", at, result=result, queue_time=wait):
        return call
    if queue and not call.queue:
        call.queue = queue[:40]
    _leave(call, at, result, wait)
    if result in ANSWERED_RESULTS:
        if call.answered_at is None:
            call.answered_at = call.enqueued_at + timedelta(seconds=call.wait_seconds or 0)
        _settle(call, CallOutcome.ANSWERED)
    elif result == "hangup":
        _settle(call, CallOutcome.ABANDONED)
    elif result in FAILED_RESULTS:
        _settle(call, CallOutcome.FAILED)
    return call


def connected(ente: Ente | None, call_sid: str, queue_time: Any = None,
              agent_call_sid: str = "") -> Call | None:
    """The ``url`` of the ``<Queue>`` an operator dials: the queued caller is being connected
    now (the ``<Enqueue action>`` of a bridged call only comes when the conversation ends)."""
    call = _call(ente, call_sid)
    if call is None:
        return None
    at, wait = _now(), _seconds(queue_time)
    if _log(call, "queue.answered", at, queue_time=wait, agent_call_sid=agent_call_sid):
        _leave(call, at, "bridged", wait)
        if call.answered_at is None:
            call.answered_at = at
        _settle(call, CallOutcome.ANSWERED)
    return call


def callback_requested(ente: Ente, call_sid: str, caller: str, language: str,
                       queue: str, case_id: int | None = None) -> Call | None:
    call = _call(ente, call_sid, caller, language)
    if call is not None and _log(call, "callback", _now(), queue=queue, case_id=case_id):
        _settle(call, CallOutcome.CALLBACK)
    return call


def voicemail_left(ente: Ente, call_sid: str, caller: str, language: str,
                   case_id: int | None = None) -> Call | None:
    call = _call(ente, call_sid, caller, language)
    if call is not None and _log(call, "voicemail", _now(), case_id=case_id):
        _settle(call, CallOutcome.VOICEMAIL)
    return call


def call_status(ente: Ente | None, call_sid: str, status: str, caller: str = "",
                duration: Any = None) -> Call | None:
    """The call's ``statusCallback``: ``CallStatus`` and, at the end, ``CallDuration``. A call
    that ends while still queued was abandoned; one that ends without any outcome was hung up
    in the menus (or failed, for busy/failed/no-answer/canceled)."""
    status = (status or "").strip().lower()
    if status not in CALL_STATUSES:
        return None
    call = _call(ente, call_sid, caller)
    if call is None:
        return None
    at = _now()
    if not _log(call, f"status.{status}", at, duration=_seconds(duration)):
        return call
    if status not in FINAL_STATUSES or call.ended_at is not None:
        return call
    call.ended_at = at
    seconds = _seconds(duration)
    call.duration_seconds = seconds if seconds is not None else _between(at, call.started_at)
    if call.enqueued_at is not None and call.dequeued_at is None:
        _leave(call, at, ENDED_IN_QUEUE, None)
        _settle(call, CallOutcome.ABANDONED)
    if call.outcome is None:
        _settle(call, CallOutcome.MENU if status == "completed" else CallOutcome.FAILED)
    return call
