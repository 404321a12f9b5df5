"""The phone line walked through with signed requests, as Twilio would call it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from core import db
from core.ivr import calls, lookup
from core.ivr.signature import sign
from core.models import AuditEvent, Case
from tests import factories

from .conftest import BASE, CALLER, TOKEN, Call

IN_HOURS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Rome
CHRISTMAS = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)  # Friday, national holiday, 10:00 in Rome


@pytest.fixture()
def ente(db_session):
    return factories.ente(code="IVRT", name="Comune di Prova IVR")


@pytest.fixture()
def at(monkeypatch):
    def set_now(instant):
        monkeypatch.setattr(calls, "now", lambda: instant)
    set_now(IN_HOURS)
    return set_now


@pytest.fixture()
def verbale(ente):
    offender = factories.person(ente)
    v = factories.verbale(ente, offender, number="IVRT/2026/004321", notified_on=date(2026, 11, 20))
    lookup.set_pin(v, "246810")
    db.session.commit()
    return v


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- signature ---------------------------------------------------------------------------

def test_forged_or_missing_signature_is_refused(ivr, ente):
    data = {"CallSid": "CA1", "From": CALLER, "To": "+390200000001"}
    assert ivr.post("/ivr/voice", data=data).status_code == 403
    forged = {"X-Twilio-Signature": sign("wrong-token", BASE + "/ivr/voice", data)}
    assert ivr.post("/ivr/voice", data=data, headers=forged).status_code == 403
    tampered = {"X-Twilio-Signature": sign(TOKEN, BASE + "/ivr/voice", {**data, "From": "+39000"})}
    assert ivr.post("/ivr/voice", data=data, headers=tampered).status_code == 403
    other_url = {"X-Twilio-Signature": sign(TOKEN, BASE + "/ivr/topic?ente=IVRT", data)}
    assert ivr.post("/ivr/voice", data=data, headers=other_url).status_code == 403
    good = {"X-Twilio-Signature": sign(TOKEN, BASE + "/ivr/voice", data)}
    assert ivr.post("/ivr/voice", data=data, headers=good).status_code == 200


def test_query_string_is_part_of_the_signed_url(ivr, ente, at):
    data = {"CallSid": "CA1", "From": CALLER, "Digits": "1"}
    path = "/ivr/language?ente=IVRT&tries=0"
    assert ivr.post(path, data=data, headers={
        "X-Twilio-Signature": sign(TOKEN, BASE + "/ivr/language", data)}).status_code == 403
    assert ivr.post(path, data=data, headers={
        "X-Twilio-Signature": sign(TOKEN, BASE + path, data)}).status_code == 200


# --- entry and language ------------------------------------------------------------------

def test_entry_offers_the_five_languages_italian_first(ivr, ente, at):
    root = Call(ivr).start()
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    says = gather.findall("Say")
    assert [s.get("language") for s in says[1:6]] == ["it-IT", "en-GB", "fr-FR", "de-DE", "es-ES"]
    assert "Comune di Prova IVR" in says[0].text
    assert gather.get("action").startswith(BASE + "/ivr/language?ente=IVRT")


@pytest.mark.parametrize(("params", "lang"), [
    ({"Digits": "1"}, "it-IT"), ({"Digits": "3"}, "fr-FR"),
    ({"Digits": "", "SpeechResult": "Deutsch."}, "de-DE"),
    ({"Digits": "", "SpeechResult": "español"}, "es-ES"),
])
def test_language_by_key_or_speech_leads_to_the_topic_menu(ivr, ente, at, params, lang):
    call = Call(ivr)
    call.start()
    root = call.press(**params)
    gather = root.find("Gather")
    assert gather.get("language") == lang
    assert "/ivr/topic?" in gather.get("action")
    assert {s.get("language") for s in gather.iter("Say")} == {lang}


def test_star_repeats_and_two_failures_reach_a_human(ivr, ente, at):
    call = Call(ivr)
    call.start()
    call.press("2")
    first = call.action()
    call.press("*")
    assert call.action() == first  # repeated, same node
    call.press("9")
    assert "Sorry, I did not understand" in call.said()
    root = call.press("8")
    enqueue = root.find("Enqueue")
    assert enqueue is not None and enqueue.text == "IVRT-general-en"


def test_zero_goes_back(ivr, ente, at):
    call = Call(ivr)
    call.start()
    call.press("2")
    call.press("1")
    assert "/ivr/pay?" in call.action()
    call.press("0")
    assert "/ivr/topic?" in call.action()
    call.press("0")
    assert "/ivr/language?" in call.action()


# --- queues, hold and callback -----------------------------------------------------------

def test_topic_enqueues_with_wait_url_and_hold_offers_callback(ivr, ente, at):
    call = Call(ivr)
    call.start()
    call.press("2")
    root = call.press("2")
    enqueue = root.find("Enqueue")
    assert enqueue.text == "IVRT-appeals-en"
    wait_url = enqueue.get("waitUrl")
    assert wait_url.startswith(BASE + "/ivr/wait?")

    short = call.post(wait_url, QueuePosition="3", AvgQueueTime="120", QueueTime="5")
    assert "number 3 in the queue" in call.said() and "about 2 minutes" in call.said()
    assert short.find("Gather") is None

    call.post(wait_url, QueuePosition="7", AvgQueueTime="900", QueueTime="5")
    assert "about 15 minutes" in call.said()
    call.press("1", AvgQueueTime="900")
    assert call.root.find("Hangup") is not None
    case = db.session.scalars(select(Case).where(Case.ente_id == ente.id)).one()
    assert str(case.channel) == "phone" and case.requester_phone == CALLER
    assert case.payload["callback"] is True and case.payload["queue"] == "IVRT-appeals-en"
    assert str(case.language) == "en"


# --- out of hours ------------------------------------------------------------------------

def test_christmas_call_ends_in_voicemail_and_a_case(ivr, ente, at):
    at(CHRISTMAS)
    call = Call(ivr)
    call.start()
    root = call.press("4")
    said = call.said()
    assert "geschlossen" in said and "multe.example.org" in said
    assert "Montag 28 Dezember, 09:00" in said  # next opening after Christmas and St Stephen
    record = root.find("Record")
    assert record is not None and record.get("action").startswith(BASE + "/ivr/voicemail?")
    call.post(record.get("action"), RecordingUrl="https://api.twilio.com/rec/RE1",
              RecordingDuration="14")
    assert call.root.find("Hangup") is not None
    case = db.session.scalars(select(Case).where(Case.ente_id == ente.id)).one()
    assert str(case.channel) == "voicemail" and case.requester_phone == CALLER
    assert str(case.language) == "de"
    assert case.payload["recording_url"] == "https://api.twilio.com/rec/RE1"


# --- self-service ------------------------------------------------------------------------

def test_full_call_amount_read_and_sms_link(ivr, ente, at, verbale):
    call = Call(ivr)
    call.start()
    call.press("2")          # English
    call.press("1")          # pay / amount
    root = call.press("1")   # hear the amount
    gather = root.find("Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("input") == "dtmf"
    call.press("2026004321")  # digits of IVRT/2026/004321
    assert "PIN" in call.said()
    call.press("246810")
    said = call.said()
    assert "The amount due today for this fine is" in said and "euros" in said
    assert "The amount changes on" in said and "multe.example.org" in said
    assert "/ivr/sms?" in call.action()
    call.press("1")
    assert "sent you a text message" in call.said()
    sms = _events("ivr.sms")
    assert len(sms) == 1 and sms[0].details["to"] == CALLER
    assert sms[0].details["outcome"] == "recorded"
    assert "https://multe.example.org" in sms[0].details["body"]
    checks = _events("ivr.pin_check")
    assert [e.details["ok"] for e in checks] == [True]
    assert checks[0].object_id == str(verbale.id)


def test_wrong_pin_retries_then_operator(ivr, ente, at, verbale):
    call = Call(ivr)
    call.start()
    call.press("1")
    call.press("1")
    call.press("1")
    for attempt in range(3):
        call.press("2026004321")
        root = call.press("000000")
        assert "non corretti" in call.said()
        if attempt < 2:
            assert "/ivr/number?" in call.action()
    assert root.find("Enqueue").text == "IVRT-payments-it"
    assert [e.details["ok"] for e in _events("ivr.pin_check")] == [False] * 3


def test_pin_attempts_are_rate_limited_per_caller(ivr_app, ivr, ente, at, verbale, monkeypatch):
    monkeypatch.setitem(ivr_app.config, "IVR_PIN_LIMITS", "2 per minute")
    monkeypatch.setitem(ivr_app.config, "RATELIMIT_ENABLED", True)
    call = Call(ivr)
    call.start()
    call.press("1")
    call.press("1")
    pin_url = None
    call.press("1")
    call.press("2026004321")
    pin_url = call.action()
    call.post(pin_url, Digits="111111")
    call.post(pin_url, Digits="222222")
    root = call.post(pin_url, Digits="246810")  # right PIN, but over the limit
    assert "Troppi tentativi" in call.said() and root.find("Enqueue") is not None
