"""Normalising typed verification codes (core.requests.letters)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.requests import letters


def test_normalise_and_format():
    assert letters.normalise(" k7qm–4txp-9wde\n") == "K7QM4TXP9WDE"
    assert letters.formatted("K7QM4TXP9WDE") == "K7QM-4TXP-9WDE"


def test_readings_cover_o_zero_and_i_l_one_and_put_the_typed_code_first():
    found = letters.readings("AO1B")
    assert found[0] == "AO1B"
    assert {"A01B", "AOIB", "A0LB"} <= set(found) and len(found) == 6


def test_readings_are_bounded():
    assert letters.readings("OOOOOOOOOOOO") == ["OOOOOOOOOOOO"]


@given(st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ23456789-  ", max_size=30))
def test_normalised_codes_contain_only_letters_and_digits(raw):
    code = letters.normalise(raw)
    assert code == code.upper() and code.isalnum() or code == ""
    assert letters.normalise(letters.formatted(code)) == code
