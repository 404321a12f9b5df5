"""SLA policies: the charter table, per-Ente overrides and earliest-wins selection.

Calendar facts used below (national calendar, Europe/Rome, office 09-13 and 15-19 Mon-Fri):
Fri 18 Dec 2026 18:30 is before the 19:00 close, so the receipt day is Friday itself and
working days are counted from Monday 21. 24 Dec and 31 Dec are working days, 25 Dec, 1 Jan
and 6 Jan are holidays.
"""

from datetime import datetime

import pytest

from core.contact.sla import (
    CASE_TYPES,
    DEFAULT_POLICIES,
    KNOWN_CASE_TYPES,
    Policy,
    PolicyError,
    Selector,
    applicable_policies,
    apply_charter_terms,
    due_times,
)

FRIDAY_EVENING = datetime.fromisoformat("2026-12-18T18:30:00+01:00")
BY_KEY = {p.key: p for p in DEFAULT_POLICIES}


def due(channel, case_type, opened=FRIDAY_EVENING, policies=DEFAULT_POLICIES, **kw):
    return due_times(policies, channel, case_type, opened, **kw)


def test_default_table():
    table = {p.key: (p.clock, p.first_response, p.resolution, p.fallback)
             for p in DEFAULT_POLICIES}
    assert table == {
        "information": ("calendar_days", 10, None, False),
        "complaint": ("working_days", 8, None, False),
        "generic": ("calendar_days", None, 30, False),
        "complex": ("calendar_days", 8, None, False),
        "access": ("calendar_days", None, 30, False),
        "civic_access": ("calendar_days", None, 30, False),
        "appeal": ("calendar_days", 5, 20, False),
        "instalments": ("calendar_days", None, 15, False),
        "incident_blocking": ("working_hours", 2, 8, False),
        "incident_minor": ("working_hours", 4, 24, False),
        "payment_registration": ("hours", None, 48, False),
        "pec": ("working_days", 3, None, False),
        "email": ("working_days", 5, None, False),
        "callback": ("working_days", 1, None, False),
        "portal": ("working_days", 5, None, True),
        "letter": ("working_days", 5, None, True),
    }
    assert all(p.label_key == f"sla.policy.{p.key}" for p in DEFAULT_POLICIES)


@pytest.mark.parametrize("channel", ["portal", "email", "pec", "phone", "voicemail", "letter",
                                     "counter"])
@pytest.mark.parametrize("case_type", KNOWN_CASE_TYPES)
def test_every_case_gets_a_first_response_or_resolution_clock(channel, case_type):
    result = due(channel, case_type)
    assert result.first_response is not None or result.resolution is not None


def test_pec_complaint_earliest_wins():
    # PEC 3 working days: Mon 21, Tue 22, Wed 23 -> Wed 23 at closing.
    # Complaint 8 working days: 21, 22, 23, 24, (25 holiday, 26-27 weekend) 28, 29, 30, 31.
    result = due("pec", "complaint")
    assert result.first_response.policy.key == "pec"
    assert result.first_response.due.isoformat() == "2026-12-23T19:00:00+01:00"
    assert result.resolution is None
    assert result.policy.key == "pec"
    complaint_only = due("letter", "complaint")  # letter is a fallback: the type term rules
    assert complaint_only.first_response.policy.key == "complaint"
    assert complaint_only.first_response.due.isoformat() == "2026-12-31T19:00:00+01:00"


def test_other_channels_against_the_complaint_term():
    # E-mail 5 working days: 21, 22, 23, 24, 28 -> Mon 28 Dec beats complaint (31 Dec).
    assert due("email", "complaint").first_response.policy.key == "email"
    assert due("email", "complaint").first_response.due.isoformat() == \
        "2026-12-28T19:00:00+01:00"
    # Portal is a fallback: a complaint sent through the portal keeps its 8 working days.
    assert due("portal", "complaint").first_response.policy.key == "complaint"
    # Phone / voicemail: call back within 1 working day -> Mon 21 Dec 19:00.
    phone = due("voicemail", "complaint").first_response
    assert (phone.policy.key, phone.due.isoformat()) == ("callback", "2026-12-21T19:00:00+01:00")


def test_fallback_is_per_target():
    # A portal generic instance: no type first-response term, so the portal's 5 working days
    # apply (Mon 28 Dec); the resolution is the generic 30 days: 18 Dec + 30 = Sun 17 Jan 2027
    # -> next working day Mon 18 Jan.
    result = due("portal", "generic")
    assert (result.first_response.policy.key, result.first_response.due.isoformat()) == (
        "portal", "2026-12-28T19:00:00+01:00")
    assert (result.resolution.policy.key, result.resolution.due.isoformat()) == (
        "generic", "2027-01-18T19:00:00+01:00")
    assert result.policy.key == "portal"
    # lost_codes / refund / other have no type policy: the channel decides.
    assert due("portal", "lost_codes").first_response.policy.key == "portal"
    assert due("counter", "refund").first_response.policy.key == "letter"


def test_resolution_only_policy_names_itself():
    # Instalments via letter with the letter policy dropped: only the 15-day resolution.
    policies = apply_charter_terms(DEFAULT_POLICIES, {"letter": None})
    result = due("letter", "instalments", policies=policies)
    assert result.first_response is None
    # 18 Dec + 15 = Sat 2 Jan 2027 -> Mon 4 Jan.
    assert result.resolution.due.isoformat() == "2027-01-04T19:00:00+01:00"
    assert result.policy.key == "instalments"


def test_tie_goes_to_the_policy_listed_first():
    # Information by e-mail on Thu 24 Dec 2026 10:00: e-mail 5 working days = 28, 29, 30, 31,
    # 4 Jan; information 10 calendar days = Sun 3 Jan -> Mon 4 Jan. Same instant: the type
    # policy (listed first) is named.
    opened = datetime.fromisoformat("2026-12-24T10:00:00+01:00")
    result = due("email", "information", opened)
    assert result.first_response.due.isoformat() == "2027-01-04T19:00:00+01:00"
    assert result.first_response.policy.key == "information"


def test_appeal_and_incidents_have_both_targets():
    appeal = due("pec", "appeal")
    # Forwarding: 5 calendar days -> Wed 23 Dec; PEC 3 working days -> Wed 23 Dec too (tie:
    # appeal listed first). Internal review 20 days -> Thu 7 Jan 2027.
    assert appeal.first_response.due.isoformat() == "2026-12-23T19:00:00+01:00"
    assert appeal.first_response.policy.key == "appeal"
    assert appeal.resolution.due.isoformat() == "2027-01-07T19:00:00+01:00"


# -- per-Ente overrides -----------------------------------------------------------------


def test_override_complaint_ten_calendar_days():
    # Charter 000 style: complaints within 10 (calendar) days. 18 Dec + 10 = Mon 28 Dec.
    policies = apply_charter_terms(
        DEFAULT_POLICIES, {"complaint": {"first_response": 10, "clock": "calendar_days"}})
    result = due("letter", "complaint", policies=policies)
    assert result.first_response.due.isoformat() == "2026-12-28T19:00:00+01:00"
    assert result.first_response.policy.clock == "calendar_days"
    # Defaults untouched (recomputed, nothing stored).
    assert due("letter", "complaint").first_response.due.isoformat() == \
        "2026-12-31T19:00:00+01:00"
    # PEC still wins over the longer complaint term.
    assert due("pec", "complaint", policies=policies).first_response.policy.key == "pec"


def test_override_can_make_the_type_win_over_pec():
    # Complaint within 1 calendar day: Sat 19 Dec -> next working day Mon 21 < PEC Wed 23.
    policies = apply_charter_terms(
        DEFAULT_POLICIES, {"complaint": {"first_response": 1, "clock": "calendar_days"}})
    first = due("pec", "complaint", policies=policies).first_response
    assert (first.policy.key, first.due.isoformat()) == (
        "complaint", "2026-12-21T19:00:00+01:00")


def test_shorthand_from_demo_data():
    # {"complaint_working_days": 10}: 21, 22, 23, 24, 28, 29, 30, 31, 4 Jan, 5 Jan.
    policies = apply_charter_terms(DEFAULT_POLICIES, {"complaint_working_days": 10})
    assert due("letter", "complaint", policies=policies).first_response.due.isoformat() == \
        "2027-01-05T19:00:00+01:00"
    # Shorthand on a resolution-only policy sets its resolution.
    policies = apply_charter_terms(DEFAULT_POLICIES, {"instalments_calendar_days": 30})
    assert {p.key: p for p in policies}["instalments"].resolution == 30


def test_override_new_policy_and_removal_keep_order():
    policies = apply_charter_terms(DEFAULT_POLICIES, {
        "callback": None,
        "appointment": {"channels": ["counter"], "clock": "working_days", "first_response": 5},
        "incident_blocking": {"resolution": "6.5"},
    })
    keys = [p.key for p in policies]
    assert "callback" not in keys and keys[-1] == "appointment"
    assert {p.key: p for p in policies}["incident_blocking"].resolution == 6.5
    assert {p.key: p for p in policies}["appointment"].label_key == "sla.policy.appointment"
    assert apply_charter_terms(DEFAULT_POLICIES, None) == DEFAULT_POLICIES
    assert apply_charter_terms(DEFAULT_POLICIES, {}) == DEFAULT_POLICIES


@pytest.mark.parametrize(("terms", "message"), [
    ([1, 2], "must be a JSON object"),
    ({"nope": {"first_response": 1}}, "a new policy needs"),
    ({"nope": 3}, "unknown policy 'nope'"),
    ({"complaint": 10}, "charter_terms.complaint: expected an object"),
    ({"complaint": {"first_response": 0}}, "complaint.first_response: expected 1 to"),
    ({"complaint": {"first_response": 2.5}}, "whole number of days"),
    ({"complaint": {"first_response": True}}, "whole number of days"),
    ({"complaint": {"clock": "weeks"}}, "complaint.clock: expected one of"),
    ({"complaint": {"first_respons": 3}}, "unknown field(s) first_respons"),
    ({"complaint": {"first_response": None}}, "needs a first_response or a resolution"),
    ({"appeal": {"clock": "working_days", "first_response": 3}}, "needs resolution too"),
    ({"appeal_working_days": 3}, "appeal has two targets"),
    ({"complaint_working_days": 3, "complaint": {"first_response": 4}}, "both given"),
    ({"email": {"channels": ["fax"]}}, "charter_terms.email.channels: unknown fax"),
    ({"email": {"channels": "email"}}, "expected a list of strings"),
    ({"email": {"fallback": "yes"}}, "email.fallback: expected true or false"),
    ({"incident_minor": {"resolution": "soon"}}, "not a number"),
    ({"incident_minor": {"resolution": "-1"}}, "more than 0"),
    ({"ghost": None}, "no such policy"),
    ({"Bad Key": {"clock": "hours", "channels": ["pec"], "resolution": 1}}, "bad policy key"),
])
def test_bad_overrides_are_clear_errors(terms, message):
    with pytest.raises(PolicyError) as error:
        apply_charter_terms(DEFAULT_POLICIES, terms)
    assert message in str(error.value)


def test_policy_validation():
    with pytest.raises(PolicyError, match="selector needs"):
        Selector()
    with pytest.raises(PolicyError, match="case_types: unknown"):
        Selector(case_types=frozenset({"parking"}))
    with pytest.raises(PolicyError, match="needs a first_response"):
        Policy("x", "sla.policy.x", Selector(frozenset({"pec"})), "working_days")
    assert BY_KEY["complaint"].as_json() == {
        "key": "complaint", "label_key": "sla.policy.complaint", "channels": [],
        "case_types": ["complaint"], "clock": "working_days", "first_response": 8,
        "resolution": None, "fallback": False,
    }


def test_selection_rejects_unknown_channel_and_type():
    assert {p.key for p in applicable_policies(DEFAULT_POLICIES, "pec", "complaint")} == {
        "complaint", "pec"}
    with pytest.raises(ValueError, match="unknown channel"):
        due("fax", "complaint")
    with pytest.raises(ValueError, match="unknown case type"):
        due("pec", "parking")
    with pytest.raises(ValueError, match="timezone-aware"):
        due("pec", "complaint", datetime(2026, 12, 18, 18, 30))
    assert set(CASE_TYPES) <= set(KNOWN_CASE_TYPES)
