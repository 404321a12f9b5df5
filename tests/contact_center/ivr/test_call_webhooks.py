"""Call metrics through the webhooks: the call's steps, the <Enqueue action> and waitUrl
requests, the status callback, retries, and signatures on the new routes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core import db
from core.ivr import calls, lookup
from core.ivr.signature import sign
from core.models import Call as PhoneCall
from core.models import CallEvent, Case
from tests import factories

from .conftest import BASE, CALLER, LINE, TOKEN, Call

IN_HOURS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Rome
CHRISTMAS = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
SID = "CA0000000000000000000000000000test"  # the conftest Call's CallSid


@pytest.fixture()
def ente(db_session):
    return factories.ente(code="IVRT", name="Comune di Prova IVR")


class Clock:
    def __init__(self, monkeypatch, start):
        self.now = start
        monkeypatch.setattr(calls, "now", lambda: self.now)

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch, IN_HOURS)


def _call() -> PhoneCall:
    db.session.expire_all()
    return db.session.scalars(select(PhoneCall).where(PhoneCall.call_sid == SID)).one()


def _kinds() -> list[str]:
    return list(db.session.scalars(select(CallEvent.kind).join(PhoneCall).where(
        PhoneCall.call_sid == SID).order_by(CallEvent.id)))


def _signed_post(client, path, **data):
    return client.post(path, data=data,
                       headers={"X-Twilio-Signature": sign(TOKEN, BASE + path, data)})


def _to_queue(ivr, clock, topic="2"):
    call = Call(ivr)
    call.start()
    clock.advance(10)
    call.press("2")  # English
    clock.advance(15)
    root = call.press(topic)  # 2: appeals
    return call, root.find("Enqueue")


def test_enqueue_has_an_action_and_the_call_is_recorded(ivr, ente, clock):
    call, enqueue = _to_queue(ivr, clock)
    assert enqueue.get("action").startswith(BASE + "/ivr/queue-result?")
    assert enqueue.get("method") == "POST" and enqueue.get("waitUrl")
    stored = _call()
    assert stored.ente_id == ente.id and stored.from_number == CALLER
    assert str(stored.language) == "en" and stored.queue == "appeals"
    assert stored.started_at == IN_HOURS and stored.enqueued_at == IN_HOURS + timedelta(seconds=25)
    assert stored.outcome is None
    assert _kinds() == ["started", "queue.enter"]


def test_answered_call_through_the_webhooks(ivr, ente, clock):
    call, enqueue = _to_queue(ivr, clock)
    clock.advance(8)
    call.post(enqueue.get("waitUrl"), QueuePosition="1", QueueTime="8", AvgQueueTime="30",
              CurrentQueueSize="1")
    assert _call().last_in_queue_at == IN_HOURS + timedelta(seconds=33)
    clock.advance(300)
    root = call.post(enqueue.get("action"), QueueResult="bridged", QueueTime="12",
                     QueueSid="QU1")
    assert root.find("Hangup") is not None
    clock.advance(1)
    root = call.post("/ivr/status", CallStatus="completed", CallDuration="334")
    assert list(root) == []
    stored = _call()
    assert str(stored.outcome) == "answered" and stored.wait_seconds == 12
    assert stored.answered_at == stored.enqueued_at + timedelta(seconds=12)
    assert stored.duration_seconds == 334 and stored.ended_at == clock.now
    assert _kinds() == ["started", "queue.enter", "queue.leave", "status.completed"]


def test_twilio_retries_are_idempotent(ivr, ente, clock):
    call, enqueue = _to_queue(ivr, clock)
    clock.advance(40)
    for _ in range(3):
        call.post(enqueue.get("action"), QueueResult="hangup", QueueTime="40")
        call.post("/ivr/status", CallStatus="completed", CallDuration="65")
    stored = _call()
    assert str(stored.outcome) == "abandoned" and stored.wait_seconds == 40
    assert _kinds() == ["started", "queue.enter", "queue.leave", "status.completed"]
    assert db.session.scalar(select(func.count()).select_from(PhoneCall)) == 1


def test_caller_hanging_up_in_queue_is_recorded_as_abandoned(ivr, ente, clock):
    call, enqueue = _to_queue(ivr, clock)
    clock.advance(95)
    root = call.post(enqueue.get("action"), QueueResult="hangup", QueueTime="95")
    assert list(root) == []  # the caller is gone: nothing to say
    stored = _call()
    assert str(stored.outcome) == "abandoned" and stored.queue_result == "hangup"
    assert stored.dequeued_at == stored.enqueued_at + timedelta(seconds=95)


def test_callback_from_the_hold_message_is_a_callback_not_an_abandon(ivr, ente, clock):
    call, enqueue = _to_queue(ivr, clock)
    clock.advance(60)
    call.post(enqueue.get("waitUrl"), QueuePosition="9", AvgQueueTime="900", QueueTime="60")
    offer = call.action()
    call.post(offer, Digits="1", AvgQueueTime="900")
    call.post(offer, Digits="1", AvgQueueTime="900")  # Twilio retried the Gather action
    call.post(enqueue.get("action"), QueueResult="hangup", QueueTime="61")
    stored = _call()
    assert str(stored.outcome) == "callback" and stored.wait_seconds == 61
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_queue_error_offers_a_voicemail(ivr, ente, clock):
    call, enqueue = _to_queue(ivr, clock)
    root = call.post(enqueue.get("action"), QueueResult="queue-full", QueueTime="0")
    assert "No operator can take your call" in call.said()
    record = root.find("Record")
    assert record is not None and "/ivr/voicemail?" in record.get("action")
    call.post(record.get("action"), RecordingUrl="https://api.twilio.com/rec/RE2")
    assert str(_call().outcome) == "voicemail"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_out_of_hours_call_and_voicemail(ivr, ente, clock):
    clock.now = CHRISTMAS
    call = Call(ivr)
    call.start()
    root = call.press("3")
    assert str(_call().outcome) == "out_of_hours" and str(_call().language) == "fr"
    call.post(root.find("Record").get("action"), RecordingUrl="https://api.twilio.com/rec/RE3")
    call.post("/ivr/status", CallStatus="completed", CallDuration="70")
    stored = _call()
    assert str(stored.outcome) == "voicemail" and stored.enqueued_at is None


def test_self_service_call(ivr, ente, clock):
    verbale = factories.verbale(ente, factories.person(ente), number="IVRT/2026/004321",
                                notified_on=date(2026, 11, 20))
    lookup.set_pin(verbale, "246810")
    db.session.commit()
    call = Call(ivr)
    call.start()
    for digits in ("1", "1", "1", "2026004321", "246810"):
        call.press(digits)
    call.post("/ivr/status", CallStatus="completed", CallDuration="120")
    stored = _call()
    assert str(stored.outcome) == "self_service" and stored.self_served
    assert stored.queue is None


def test_connect_marks_the_answer_when_the_operator_picks_up(ivr, ente, clock):
    call, _ = _to_queue(ivr, clock)
    clock.advance(14)
    root = call.post("/ivr/connect", QueueTime="14", DequeingCallSid="CAagent")
    assert list(root) == []
    stored = _call()
    assert str(stored.outcome) == "answered" and stored.answered_at == clock.now
    assert stored.wait_seconds == 14


def test_status_of_an_unknown_call_creates_it_for_the_called_line(ivr, ente, clock):
    Call(ivr).post("/ivr/status", CallStatus="completed", CallDuration="3")
    stored = _call()
    assert stored.ente_id == ente.id and str(stored.outcome) == "menu"


@pytest.mark.parametrize("path", ["/ivr/status", "/ivr/queue-result?ente=IVRT&lang=en&q=general",
                                  "/ivr/connect"])
def test_forged_signatures_are_refused_and_record_nothing(ivr, ente, clock, path):
    data = {"CallSid": SID, "From": CALLER, "To": LINE, "CallStatus": "completed",
            "QueueResult": "bridged", "QueueTime": "5"}
    assert ivr.post(path, data=data).status_code == 403
    forged = sign("not-the-token", BASE + path, data)
    assert ivr.post(path, data=data, headers={"X-Twilio-Signature": forged}).status_code == 403
    other_params = sign(TOKEN, BASE + path, {**data, "QueueResult": "hangup"})
    assert ivr.post(path, data=data,
                    headers={"X-Twilio-Signature": other_params}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PhoneCall)) == 0
    assert _signed_post(ivr, path, **data).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PhoneCall)) == 1
