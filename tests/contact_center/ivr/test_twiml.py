"""Every node of the call tree, in every language, is well-formed TwiML with valid
Say voice/language pairs and explicit Gather settings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from contact_center.ivr import twiml
from core.ivr.prompts import LANGUAGES, VOICES, text

A = "https://ivr.example.org/cc/ivr/next?ente=RHO&lang=it"
VALID_PAIRS = set(VOICES.values())


def _nodes(lang):
    return {
        "language_menu": twiml.language_menu("Comune di Rho", A),
        "topics": twiml.menu(lang, "topics", A),
        "pay_menu": twiml.menu(lang, "pay_menu", A, "prefix"),
        "offer_sms": twiml.menu(lang, "offer_sms", A),
        "ask_number": twiml.keypad_entry(lang, "ask_number", A),
        "ask_pin": twiml.keypad_entry(lang, "ask_pin", A),
        "enqueue": twiml.enqueue(lang, f"RHO-general-{lang}", A),
        "enqueue_with_action": twiml.enqueue(lang, f"RHO-general-{lang}", A, action=A),
        "no_operator": twiml.no_operator(lang, A),
        "closed": twiml.closed(lang, "lunedì 09:00", "multe.example.org", A),
        "hold": twiml.hold(lang, 2, 600, A),
        "hold_short": twiml.hold(lang, 2, 60, None),
        "goodbye": twiml.goodbye(lang, "bye"),
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_node_is_valid_twiml(lang):
    for name, vr in _nodes(lang).items():
        root = ET.fromstring(str(vr))
        assert root.tag == "Response", name
        says = list(root.iter("Say"))
        assert says, name
        for say in says:
            assert (say.get("language"), say.get("voice")) in VALID_PAIRS, name
            assert (say.text or "").strip(), name
        if name != "language_menu":
            assert {s.get("language") for s in says} == {VOICES[lang][0]}, name
        for gather in root.iter("Gather"):
            assert gather.get("action") == A and gather.get("method") == "POST", name
            assert gather.get("language") in {v[0] for v in VOICES.values()}, name
            assert gather.get("input") in ("dtmf", "dtmf speech"), name
            if gather.get("input") == "dtmf speech":
                assert gather.get("speechModel"), name
                assert gather.get("numDigits") == "1", name
            assert int(gather.get("timeout")) > 0, name


@pytest.mark.parametrize("lang", LANGUAGES)
def test_menus_offer_repeat_and_back(lang):
    nodes = _nodes(lang)
    for name in ("topics", "pay_menu", "offer_sms", "ask_number", "ask_pin"):
        root = ET.fromstring(str(nodes[name]))
        gather = root.find("Gather")
        assert gather is not None, name
        last = gather.findall("Say")[-1].text
        assert last == text(lang, "nav")


def test_keypad_entry_ends_with_hash_and_accepts_keys_only():
    gather = ET.fromstring(str(twiml.keypad_entry("it", "ask_pin", A))).find("Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("input") == "dtmf"
    assert gather.get("numDigits") is None


def test_hold_offers_callback_only_when_given_an_action():
    long = ET.fromstring(str(twiml.hold("en", 4, 600, A)))
    assert long.find("Gather") is not None and long.find("Gather").get("actionOnEmptyResult") == "false"
    assert ET.fromstring(str(twiml.hold("en", 4, 60, None))).find("Gather") is None


def test_closed_node_records_then_hangs_up():
    root = ET.fromstring(str(twiml.closed("es", "lunes 09:00", "multe.example.org", A)))
    assert [c.tag for c in root] == ["Say", "Say", "Record", "Say", "Hangup"]
    assert root.find("Record").get("action") == A


def test_enqueue_action_receives_the_queue_result():
    root = ET.fromstring(str(twiml.enqueue("de", "RHO-general-de", A, action=A + "&q=general")))
    enqueue = root.find("Enqueue")
    assert enqueue.get("action") == A + "&q=general" and enqueue.get("method") == "POST"
    assert enqueue.get("waitUrl") == A and enqueue.get("waitUrlMethod") == "POST"


def test_no_operator_offers_a_voicemail():
    root = ET.fromstring(str(twiml.no_operator("it", A)))
    assert [c.tag for c in root] == ["Say", "Say", "Record", "Say", "Hangup"]
    assert root.find("Say").text == text("it", "no_operator")
