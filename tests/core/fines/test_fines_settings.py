"""Per-Ente settings: JSON-native overrides → engine settings, and loading an Ente."""

from datetime import date, time
from decimal import Decimal as D
from fractions import Fraction
from types import SimpleNamespace

import pytest

from core.fines.amounts import NATIONAL_RULES
from core.fines.calendar import NATIONAL_CALENDAR
from core.fines.instalments import INSTALMENT_RULES
from core.fines.settings import (
    SettingsError,
    UnknownEnteError,
    calendar_settings_from,
    fine_rules_from,
    instalment_rules_from,
    load_ente_settings,
)


def test_empty_rules_give_national_defaults():
    assert calendar_settings_from(None, {}) is NATIONAL_CALENDAR
    assert fine_rules_from({}) is NATIONAL_RULES
    assert fine_rules_from(None) is NATIONAL_RULES
    assert instalment_rules_from({}) is INSTALMENT_RULES


def test_calendar_overrides():
    cal = calendar_settings_from("06-19", {
        "timezone": "Europe/Rome",
        "office_hours": {"sat": [["09:00", "12:30"]], "wed": [["08:30", "14:00"]]},
        "saturday_working": True,
        "saturday_rolls_forward": True,
        "patron_saint_is_legal_holiday": True,
        "extra_closures": ["2025-12-24"],
    })
    assert cal.patron_saint == (6, 19)
    assert cal.office_hours[5] == ((time(9), time(12, 30)),)
    assert cal.office_hours[2] == ((time(8, 30), time(14)),)
    assert cal.office_hours[0] == NATIONAL_CALENDAR.office_hours[0]
    assert cal.saturday_working and cal.saturday_rolls_forward
    assert cal.extra_closures == frozenset({date(2025, 12, 24)})


def test_timezone_column_unless_rules_set_one():
    assert calendar_settings_from(None, {}, "Europe/Vienna").timezone.key == "Europe/Vienna"
    rules = {"timezone": "Europe/Rome"}
    assert calendar_settings_from(None, rules, "Europe/Vienna").timezone.key == "Europe/Rome"
    with pytest.raises(SettingsError, match="timezone"):
        calendar_settings_from(None, {}, "Nowhere/Land")


def test_patron_saint_column_wins_over_rules():
    assert calendar_settings_from("06-19", {"patron_saint": "12-07"}).patron_saint == (6, 19)
    assert calendar_settings_from(None, {"patron_saint": "12-07"}).patron_saint == (12, 7)


def test_fine_rule_overrides():
    rules = fine_rules_from({
        "discount_rate": "0.25",
        "reduced_window_days": 5,
        "surcharge_enabled": False,
        "surcharge_counts_started_semester": True,
        "speeding_increase": "1/3",
        "speeding_rounding": "euro",
        "saturday_rolls_forward": True,
    })
    assert rules.discount_rate == D("0.25")
    assert not rules.surcharge_enabled
    assert rules.speeding_increase == Fraction(1, 3)
    assert rules.calendar.saturday_rolls_forward  # calendar built from the same rules


def test_fine_rules_use_the_given_calendar():
    cal = calendar_settings_from("06-19", {})
    assert fine_rules_from({}, cal).calendar is cal


def test_instalment_overrides():
    rules = instalment_rules_from({"annual_interest_rate": "0.02",
                                   "max_instalments_tiers": [["2000.00", 12], ["5000", 24]]})
    assert rules.annual_interest_rate == D("0.02")
    assert rules.max_instalments_tiers == ((D("2000.00"), 12), (D("5000"), 24))


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"discount_rat": "0.3"}, "unknown rule key"),
        ({"discount_rate": 0.3}, "rules.discount_rate"),  # floats refused
        ({"discount_rate": "abc"}, "rules.discount_rate"),
        ({"discount_rate": "1.5"}, "between 0 and 1"),
        ({"reduced_window_days": "5"}, "rules.reduced_window_days"),
        ({"surcharge_enabled": "yes"}, "rules.surcharge_enabled"),
        ({"speeding_increase": "1/0"}, "rules.speeding_increase"),
        ({"speeding_rounding": "up"}, "rules.speeding_rounding"),
        ({"office_hours": {"mon": [["9:00", "13:00"]]}}, "rules.office_hours"),
        ({"office_hours": {"lun": []}}, "rules.office_hours"),
        ({"office_hours": {"mon": [["13:00", "09:00"]]}}, "start >= end"),
        ({"timezone": "Europe/Atlantis"}, "rules.timezone"),
        ({"extra_closures": ["2025-02-30"]}, "rules.extra_closures"),
        ({"saturday_working": True}, "office_hours"),
    ],
)
def test_bad_values_give_clear_errors(rules, message):
    with pytest.raises(SettingsError, match=message):
        calendar_settings_from(None, rules)
        fine_rules_from(rules)


def test_bad_patron_saint():
    with pytest.raises(SettingsError, match="patron_saint"):
        calendar_settings_from("19-06", {})


class _FakeSession:
    def __init__(self, ente):
        self.ente = ente
        self.statements = []

    def scalars(self, statement):
        self.statements.append(statement)
        return SimpleNamespace(one_or_none=lambda: self.ente)


def test_load_ente_settings(monkeypatch):
    pytest.importorskip("core.models")
    import core.db

    ente = SimpleNamespace(code="RHO", patron_saint="06-19", timezone="Europe/Rome",
                           rules={"saturday_rolls_forward": True, "discount_rate": "0.30"})
    fake = _FakeSession(ente)
    monkeypatch.setattr(core.db, "session", fake)
    settings = load_ente_settings("RHO")
    assert settings.code == "RHO"
    assert settings.calendar.patron_saint == (6, 19)
    assert settings.fines.calendar is settings.calendar
    assert settings.calendar.saturday_rolls_forward
    assert "ente.code" in str(fake.statements[0])


def test_load_unknown_ente(monkeypatch):
    pytest.importorskip("core.models")
    import core.db

    monkeypatch.setattr(core.db, "session", _FakeSession(None))
    with pytest.raises(UnknownEnteError, match="XYZ"):
        load_ente_settings("XYZ")


def test_engine_import_pulls_in_neither_flask_nor_sqlalchemy():
    import subprocess
    import sys

    code = (
        "import sys, core.fines; "
        "bad = sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'click'}); "
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""
