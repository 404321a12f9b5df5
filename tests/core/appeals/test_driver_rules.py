"""Driver declaration rules (art. 126-bis): licence dates around the violation, Italian licence
numbers by pattern, foreign ones free but bounded, fiscal codes with python-stdnum, typed-name
signatures compared without case or accents."""

from __future__ import annotations

from datetime import date

import pytest

from core.appeals.driver import ITALIAN_LICENCE, compact_licence, driver_errors, normalise_name

VIOLATION, TODAY = date(2026, 3, 1), date(2026, 4, 1)


def _data(**over):
    data = {"first_name": "José", "last_name": "García-López", "birth_date": date(1980, 1, 1),
            "licence_issued_on": date(2005, 1, 1), "licence_expires_on": date(2030, 1, 1),
            "licence_number": "E 1234567 X", "licence_country": "ES", "country": "ES",
            "fiscal_code": "", "driver_signature": "jose garcia lopez", "driver_is_me": False,
            "owner_signature": "Mario Rossi",
            "declarations": ["truthful", "driver_at_time", "licence_valid", "privacy"]}
    data.update(over)
    return data


def _errors(portal_app, declarant="Mario Rossi", **over):
    with portal_app.test_request_context():
        return driver_errors(_data(**over), violation_date=VIOLATION, today=TODAY,
                             declarant_name=declarant)


def test_a_valid_foreign_declaration_has_no_errors(portal_app):
    assert _errors(portal_app) == {}


@pytest.mark.parametrize("over, field", [
    ({"licence_issued_on": date(2026, 3, 2)}, "licence_issued_on"),  # after the violation
    ({"licence_issued_on": date(2026, 5, 1)}, "licence_issued_on"),  # in the future
    ({"licence_issued_on": date(1979, 1, 1)}, "licence_issued_on"),  # before birth
    ({"licence_expires_on": date(2004, 1, 1)}, "licence_expires_on"),  # before issue
    ({"licence_expires_on": date(2026, 2, 28)}, "licence_expires_on"),  # expired that day
    ({"birth_date": date(2027, 1, 1)}, "birth_date"),
    ({"licence_country": "IT", "licence_number": "E1234567X"}, "licence_number"),
    ({"licence_number": "ab"}, "licence_number"),
    ({"licence_number": "X" * 31}, "licence_number"),
    ({"country": "IT"}, "fiscal_code"),
    ({"fiscal_code": "RSSMRA85T10A562X"}, "fiscal_code"),
    ({"driver_signature": "Jose Garcia"}, "driver_signature"),
    ({"owner_signature": ""}, "owner_signature"),
    ({"owner_signature": "Someone"}, "owner_signature"),
    ({"declarations": ["truthful", "privacy"]}, "declarations"),
])
def test_each_rule(portal_app, over, field):
    assert field in _errors(portal_app, **over)


def test_expiry_on_the_violation_day_is_still_valid(portal_app):
    assert _errors(portal_app, licence_expires_on=VIOLATION) == {}


def test_owner_driving_and_company_owner(portal_app):
    assert _errors(portal_app, driver_is_me=True, owner_signature="") == {}
    assert _errors(portal_app, declarant=None, owner_signature="Legale Rappresentante") == {}


def test_italian_patterns_and_normalisation(portal_app):
    for number in ("MI1234567A", "U11234567A", "U1123A456B"):
        assert ITALIAN_LICENCE.match(number), number
    for number in ("MI123456A", "1I1234567A", "U1123456789"):
        assert not ITALIAN_LICENCE.match(number), number
    assert compact_licence(" mi 1234567 a ") == "MI1234567A"
    assert normalise_name("  José  GARCÍA-López ") == normalise_name("jose garcia lopez")
    assert _errors(portal_app, fiscal_code="rssmra85t10a562s", country="IT") == {}
