"""The call lifecycle service: what each Twilio callback records, idempotency under retries,
abandonment, and the outcome precedence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core import db
from core.ivr import calls, tracking
from core.models import Call, CallEvent, Case
from tests import factories

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Rome
CALLER = "+393331112222"


class Clock:
    def __init__(self, monkeypatch):
        self.now = T0
        monkeypatch.setattr(calls, "now", lambda: self.now)

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture()
def ente(db_session):
    return factories.ente(code="TRK")


def _kinds(call: Call) -> list[str]:
    return list(db.session.scalars(select(CallEvent.kind).where(CallEvent.call_id == call.id)
                                   .order_by(CallEvent.id)))


def _queued(ente, clock, sid="CA-answered", queue="payments", lang="en") -> Call:
    tracking.call_started(ente, sid, CALLER)
    clock.advance(40)
    tracking.language_chosen(ente, sid, CALLER, lang)
    return tracking.entered_queue(ente, sid, CALLER, lang, queue)


def test_answered_call_lifecycle(ente, clock):
    call = _queued(ente, clock)
    assert call.from_number == CALLER and str(call.language) == "en"
    assert call.started_at == T0 and call.enqueued_at == T0 + timedelta(seconds=40)
    clock.advance(10)
    tracking.waiting(ente, "CA-answered", CALLER, "en", "payments", queue_time="10", position="2")
    assert call.last_in_queue_at == T0 + timedelta(seconds=50)
    clock.advance(200)  # the action of a bridged call comes when the conversation ends
    tracking.left_queue(ente, "CA-answered", CALLER, "en", "payments", "bridged", queue_time="15")
    clock.advance(1)
    tracking.call_status(ente, "CA-answered", "completed", duration="251")
    assert str(call.outcome) == "answered" and call.queue_result == "bridged"
    assert call.wait_seconds == 15
    assert call.answered_at == call.enqueued_at + timedelta(seconds=15)
    assert call.ended_at == T0 + timedelta(seconds=251) and call.duration_seconds == 251
    assert _kinds(call) == ["started", "queue.enter", "queue.leave", "status.completed"]


def test_retried_callbacks_change_nothing(ente, clock):
    call = _queued(ente, clock)
    clock.advance(12)
    tracking.left_queue(ente, "CA-answered", CALLER, "en", "payments", "bridged", queue_time="12")
    tracking.call_status(ente, "CA-answered", "completed", duration="100")
    snapshot = (call.answered_at, call.wait_seconds, call.ended_at, call.duration_seconds,
                call.outcome)
    clock.advance(30)  # Twilio retries, later, possibly with other values
    tracking.left_queue(ente, "CA-answered", CALLER, "en", "payments", "hangup", queue_time="40")
    tracking.call_status(ente, "CA-answered", "completed", duration="130")
    tracking.entered_queue(ente, "CA-answered", CALLER, "en", "payments")
    tracking.call_started(ente, "CA-answered", CALLER)
    assert (call.answered_at, call.wait_seconds, call.ended_at, call.duration_seconds,
            call.outcome) == snapshot
    assert db.session.scalar(select(func.count()).select_from(Call)) == 1
    assert _kinds(call) == ["started", "queue.enter", "queue.leave", "status.completed"]


def test_caller_hanging_up_in_queue_is_abandoned(ente, clock):
    call = _queued(ente, clock, sid="CA-gone")
    clock.advance(75)
    tracking.left_queue(ente, "CA-gone", CALLER, "en", "payments", "hangup", queue_time="75")
    tracking.call_status(ente, "CA-gone", "completed", duration="115")
    assert str(call.outcome) == "abandoned" and call.answered_at is None
    assert call.wait_seconds == 75 and call.queue_result == "hangup"
    assert call.dequeued_at == call.enqueued_at + timedelta(seconds=75)


def test_call_ending_while_queued_without_queue_result_is_abandoned(ente, clock):
    call = _queued(ente, clock, sid="CA-lost")
    clock.advance(33)
    tracking.call_status(ente, "CA-lost", "completed")
    assert str(call.outcome) == "abandoned" and call.wait_seconds == 33
    assert call.duration_seconds == 73  # no CallDuration: from the instants
    clock.advance(5)  # the queue result, later, has the last word on the wait
    tracking.left_queue(ente, "CA-lost", CALLER, "en", "payments", "hangup", queue_time="31")
    assert str(call.outcome) == "abandoned" and call.wait_seconds == 31
    assert call.queue_result == "hangup"


def test_status_before_the_bridged_queue_result_still_ends_answered(ente, clock):
    call = _queued(ente, clock, sid="CA-late")
    clock.advance(400)  # 20 s in queue, then a conversation; the status callback comes first
    tracking.call_status(ente, "CA-late", "completed", duration="440")
    tracking.left_queue(ente, "CA-late", CALLER, "en", "payments", "bridged", queue_time="20")
    assert str(call.outcome) == "answered" and call.wait_seconds == 20
    assert call.answered_at == call.enqueued_at + timedelta(seconds=20)
    assert call.duration_seconds == 440


def test_callback_request_is_not_an_abandon(ente, clock):
    call = _queued(ente, clock, sid="CA-cb", queue="appeals", lang="de")
    clock.advance(400)
    calls.callback_case(ente, caller=CALLER, language="de", queue="TRK-appeals-de",
                        call_sid="CA-cb", queue_code="appeals")
    calls.callback_case(ente, caller=CALLER, language="de", queue="TRK-appeals-de",
                        call_sid="CA-cb", queue_code="appeals")  # retried webhook
    tracking.left_queue(ente, "CA-cb", CALLER, "de", "appeals", "hangup", queue_time="401")
    assert str(call.outcome) == "callback" and call.wait_seconds == 401
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_voicemail_retry_opens_one_case(ente, clock):
    tracking.call_started(ente, "CA-vm", CALLER)
    call = tracking.out_of_hours(ente, "CA-vm", CALLER, "fr")
    assert str(call.outcome) == "out_of_hours"
    for _ in range(2):
        calls.voicemail_case(ente, caller=CALLER, language="fr",
                             recording_url="https://api.twilio.com/rec/RE9", call_sid="CA-vm")
    assert str(call.outcome) == "voicemail"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


@pytest.mark.parametrize(("steps", "expected"), [
    (["self_service"], "self_service"),
    (["self_service", "queue", "bridged"], "answered"),
    (["self_service", "queue", "hangup"], "abandoned"),
    (["out_of_hours"], "out_of_hours"),
    ([], "menu"),
    (["queue", "error"], "failed"),
    (["queue", "queue-full", "voicemail"], "voicemail"),
])
def test_outcome_precedence(ente, clock, steps, expected):
    sid = "CA-prec"
    tracking.call_started(ente, sid, CALLER)
    for step in steps:
        clock.advance(10)
        if step == "self_service":
            tracking.self_served(ente, sid, CALLER, "it")
        elif step == "queue":
            tracking.entered_queue(ente, sid, CALLER, "it", "general")
        elif step == "out_of_hours":
            tracking.out_of_hours(ente, sid, CALLER, "it")
        elif step == "voicemail":
            tracking.voicemail_left(ente, sid, CALLER, "it")
        else:
            tracking.left_queue(ente, sid, CALLER, "it", "general", step, queue_time="10")
    clock.advance(10)
    call = tracking.call_status(ente, sid, "completed", duration="60")
    assert str(call.outcome) == expected


def test_unanswered_statuses_fail_and_unknown_ones_are_ignored(ente, clock):
    tracking.call_started(ente, "CA-busy", CALLER)
    assert tracking.call_status(ente, "CA-busy", "made-up") is None
    call = tracking.call_status(ente, "CA-busy", "no-answer")
    assert str(call.outcome) == "failed" and call.ended_at == T0


def test_connect_times_the_answer_then_the_bridged_result_keeps_it(ente, clock):
    call = _queued(ente, clock, sid="CA-conn")
    clock.advance(18)
    tracking.connected(ente, "CA-conn", queue_time="18", agent_call_sid="CA-agent")
    answered_at = call.answered_at
    assert answered_at == T0 + timedelta(seconds=58) and str(call.outcome) == "answered"
    clock.advance(300)
    tracking.left_queue(ente, "CA-conn", CALLER, "en", "payments", "bridged", queue_time="18")
    assert call.answered_at == answered_at and call.wait_seconds == 18
    assert call.dequeued_at == answered_at


def test_wait_request_without_recorded_enqueue_reconstructs_it(ente, clock):
    tracking.call_started(ente, "CA-wait", CALLER)
    clock.advance(100)
    call = tracking.waiting(ente, "CA-wait", CALLER, "es", "driver_data", queue_time="30")
    assert call.enqueued_at == T0 + timedelta(seconds=70) and call.queue == "driver_data"
    assert str(call.language) == "es" and _kinds(call) == ["started", "queue.enter"]


def test_unknown_queue_result_counts_as_an_error(ente, clock):
    _queued(ente, clock, sid="CA-odd")
    call = tracking.left_queue(ente, "CA-odd", CALLER, "en", "payments", "<script>")
    assert call.queue_result == "error" and str(call.outcome) == "failed"


def test_no_call_without_call_sid_or_ente(ente, clock):
    assert tracking.call_started(ente, "", CALLER) is None
    assert tracking.call_status(None, "CA-nobody", "completed") is None
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0
