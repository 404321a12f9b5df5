"""Signatures (Twilio's published vector), prompts and the PIN check."""

from __future__ import annotations

import string

import pytest

from core.ivr import lookup
from core.ivr.prompts import LANGUAGE_KEYS, LANGUAGES, PROMPTS, VOICES
from core.ivr.signature import is_valid, public_url, sign

# Twilio's documented example (twilio-python / twilio-php RequestValidator tests).
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
                 "From": "+14158675309", "To": "+18005551212"}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilio_published_vector_is_accepted():
    assert sign("12345", VECTOR_URL, VECTOR_PARAMS) == VECTOR_SIGNATURE
    assert is_valid("12345", VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)


@pytest.mark.parametrize(("token", "url", "params", "signature"), [
    ("12345", VECTOR_URL, VECTOR_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8X"),
    ("12345", VECTOR_URL, {**VECTOR_PARAMS, "Digits": "9999"}, VECTOR_SIGNATURE),
    ("12345", VECTOR_URL + "&baz=3", VECTOR_PARAMS, VECTOR_SIGNATURE),
    ("54321", VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE),
    ("12345", VECTOR_URL, VECTOR_PARAMS, ""),
    ("", VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE),
    (None, VECTOR_URL, VECTOR_PARAMS, None),
])
def test_forged_signatures_are_rejected(token, url, params, signature):
    assert not is_valid(token, url, params, signature)


def test_public_url_keeps_the_query_string():
    assert public_url("https://a.example/cc/", "/ivr/voice", "x=1&y=2") == \
        "https://a.example/cc/ivr/voice?x=1&y=2"
    assert public_url("https://a.example", "/ivr/voice") == "https://a.example/ivr/voice"


def test_every_language_has_every_prompt_with_the_same_placeholders():
    keys = set(PROMPTS["it"])
    fmt = string.Formatter()
    for lang in LANGUAGES:
        assert set(PROMPTS[lang]) == keys, lang
        for key in keys:
            names = {f[1] for f in fmt.parse(PROMPTS[lang][key]) if f[1]}
            it_names = {f[1] for f in fmt.parse(PROMPTS["it"][key]) if f[1]}
            assert names == it_names, (lang, key)
    assert set(VOICES) == set(LANGUAGES) == set(LANGUAGE_KEYS.values())


def test_each_language_offer_names_its_own_key():
    for key, lang in LANGUAGE_KEYS.items():
        assert key in PROMPTS[lang]["choose_language"]


class _V:
    def __init__(self, extra):
        self.extra = extra


def test_check_pin_uses_the_argon2_hash():
    v = _V({})
    assert not lookup.check_pin(v, "123456")
    lookup.set_pin(v, "123456")
    assert v.extra[lookup.PIN_KEY].startswith("$argon2")
    assert lookup.check_pin(v, "123456")
    assert not lookup.check_pin(v, "654321")
    assert not lookup.check_pin(None, "123456")


def test_digits_of():
    assert lookup.digits_of("RHO/2026/000123") == "2026000123"
