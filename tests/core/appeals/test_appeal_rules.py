"""Appeal rules: routes and deadlines from the engine, the court fee from the versioned
per-Ente setting, and the cases where an appeal is not allowed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.appeals.rules import appeal_options
from core.contact import cases
from core.fines.court_fee import COURT_FEE_RULES, CourtFeeRules, court_fee, court_fee_rules_on
from core.fines.settings import SettingsError, court_fee_rules_from
from core.positions import local_today, position_of_verbale
from tests import factories

D = Decimal


def _ago(days: int) -> date:
    return local_today() - timedelta(days=days)


def _options(verbale, person):
    return appeal_options(position_of_verbale(verbale.id, person.id))


@pytest.mark.parametrize("value, fee, surcharge", [
    ("42.00", "43.00", "0.00"), ("1033.00", "43.00", "0.00"), ("1033.01", "43.00", "27.00"),
    ("1100.00", "43.00", "27.00"), ("1100.01", "98.00", "27.00"), ("5200.00", "98.00", "27.00"),
    ("5200.01", "237.00", "27.00"),
])
def test_court_fee_tiers(value, fee, surcharge):
    result = court_fee(D(value))
    assert (result.fee, result.surcharge) == (D(fee), D(surcharge))
    assert result.total == D(fee) + D(surcharge)


def test_court_fee_undetermined_value_and_versions():
    assert court_fee(None).fee == D("237.00")
    newer = CourtFeeRules(valid_from=date(2030, 1, 1), court_fee_tiers=((D("1100"), D("50")),))
    versions = (COURT_FEE_RULES, newer)
    assert court_fee_rules_on(date(2029, 12, 31), versions) is COURT_FEE_RULES
    assert court_fee_rules_on(date(2030, 1, 1), versions) is newer
    with pytest.raises(ValueError):
        court_fee_rules_on(date(2000, 1, 1), versions)


def test_court_fee_ente_override_and_bad_values():
    rules = court_fee_rules_from({"court_fee_tiers": [["1100.00", "45.00"]],
                                  "court_fee_surcharge": "30.00"})
    assert court_fee(D("500"), rules).fee == D("45.00")
    assert court_fee(D("1200"), rules).total == D("237.00") + D("30.00")
    with pytest.raises(SettingsError, match="court_fee_tiers"):
        court_fee_rules_from({"court_fee_tiers": "43"})
    with pytest.raises(SettingsError, match="court_fee_above"):
        court_fee_rules_from({"court_fee_above": 1.5})


def test_routes_deadlines_come_from_the_engine(portal_app, db_session):
    ente = factories.ente(rules={"court_fee_tiers": [["1100.00", "50.00"]]})
    person = factories.person(ente)
    v = factories.verbale(ente, person, notified_on=_ago(10), assessed_on=_ago(20))
    with portal_app.app_context():
        o = _options(v, person)
        assert o.allowed and o.open_routes() == ["prefetto", "giudice_di_pace"]
        position = o.position
        assert o.routes["prefetto"].deadline == position.deadlines.prefetto_appeal_by
        assert o.routes["giudice_di_pace"].deadline == position.deadlines.gdp_appeal_by
        assert o.routes["prefetto"].deadline.rule == "cds_203_60_days"
        assert o.routes["giudice_di_pace"].deadline.rule == "cds_204bis_30_days"
        assert o.routes["prefetto"].court_fee is None
        assert o.routes["giudice_di_pace"].court_fee.fee == D("50.00")  # the Ente's setting
        assert o.routes["prefetto"].if_rejected.low == D("84.00")  # twice the minimum
        assert o.routes["prefetto"].online and not o.routes["giudice_di_pace"].online


def test_giudice_di_pace_closes_after_30_days_prefetto_after_60(portal_app, db_session):
    ente = factories.ente()
    person = factories.person(ente)
    v40 = factories.verbale(ente, person, notified_on=_ago(40), assessed_on=_ago(50))
    v70 = factories.verbale(ente, person, notified_on=_ago(75), assessed_on=_ago(80))
    with portal_app.app_context():
        o = _options(v40, person)
        assert o.allowed and o.open_routes() == ["prefetto"]
        assert _options(v70, person).blocked == "window_closed"


def test_abroad_the_giudice_di_pace_window_is_60_days(portal_app, db_session):
    ente = factories.ente()
    person = factories.person(ente, country="DE", language="de")
    v = factories.verbale(ente, person, notified_on=_ago(40), assessed_on=_ago(50))
    with portal_app.app_context():
        o = _options(v, person)
        assert o.open_routes() == ["prefetto", "giudice_di_pace"]
        assert o.routes["giudice_di_pace"].deadline.rule == "cds_204bis_60_days_abroad"


def test_paid_in_full_bars_the_appeal_partial_does_not(portal_app, db_session):
    ente = factories.ente()
    person = factories.person(ente)
    paid = factories.verbale(ente, person, notified_on=_ago(2), assessed_on=_ago(10))
    partial = factories.verbale(ente, person, notified_on=_ago(2), assessed_on=_ago(10))
    factories.payment(paid, "29.40", allocation="saldo")
    factories.payment(partial, "10.00", allocation="acconto")
    with portal_app.app_context():
        assert _options(paid, person).blocked == "paid"
        assert _options(partial, person).allowed


def test_instalment_request_waives_the_appeal(portal_app, db_session):
    ente = factories.ente()
    person = factories.person(ente)
    v = factories.verbale(ente, person, notified_on=_ago(5), assessed_on=_ago(10))
    with portal_app.app_context():
        cases.open_case(ente_id=ente.id, channel="portal", case_type="instalments",
                        subject="Rateizzazione", body="", verbale_ids=[v.id])
        assert _options(v, person).blocked == "instalments"


def test_not_notified_cancelled_and_already_appealed(portal_app, db_session):
    ente = factories.ente()
    person = factories.person(ente)
    not_notified = factories.verbale(ente, person, notified_on=None, status="assessed")
    cancelled = factories.verbale(ente, person, status="cancelled", notified_on=_ago(3),
                                  assessed_on=_ago(10))
    appealed = factories.verbale(ente, person, notified_on=_ago(3), assessed_on=_ago(10))
    factories.appeal(appealed, person)
    rejected = factories.verbale(ente, person, notified_on=_ago(3), assessed_on=_ago(10))
    factories.appeal(rejected, person, status="rejected")
    with portal_app.app_context():
        assert _options(not_notified, person).blocked == "not_notified"
        assert _options(cancelled, person).blocked == "cancelled"
        assert _options(appealed, person).blocked == "already_appealed"
        assert _options(rejected, person).allowed  # a rejected appeal does not block
