"""SLA clocks derived from the case's event history, hand-computed.

National calendar: Europe/Rome, office Mon-Fri 09:00-13:00 and 15:00-19:00 (8 h a day),
Italian holidays off. Working-day clocks end at the close (19:00) of the Nth working day after
the day of receipt (a receipt at/after the close counts as the next working day); calendar-day
clocks end at the close of the Nth calendar day (next working day if closed); a day touched by
a pause is not counted (working days: only if office time is paused).
"""

from datetime import datetime, timedelta

import pytest

from core.contact.sla import (
    DEFAULT_POLICIES,
    Event,
    apply_charter_terms,
    clock_events,
    derive_pauses,
    due_times,
    evaluate,
)
from core.fines.calendar import CalendarSettings


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def first_due(channel, case_type, opened, **kw):
    return due_times(DEFAULT_POLICIES, channel, case_type, at(opened), **kw).first_response.due


def clocks(channel, case_type, opened, events, now, **kw):
    return evaluate(DEFAULT_POLICIES, channel, case_type, at(opened), events, at(now), **kw)


# -- receipt on a Friday evening ----------------------------------------------------------


def test_friday_evening_receipt():
    # Fri 13 Mar 2026 18:30 (office still open): received Friday; 5 working days after it:
    # Mon 16 .. Fri 20 -> Fri 20 Mar 19:00.
    assert first_due("email", "other", "2026-03-13T18:30:00+01:00").isoformat() == \
        "2026-03-20T19:00:00+01:00"
    # 19:30 (after close): counts as received Mon 16; 17, 18, 19, 20, 23 -> Mon 23 Mar.
    assert first_due("email", "other", "2026-03-13T19:30:00+01:00").isoformat() == \
        "2026-03-23T19:00:00+01:00"
    # Callback after hours: 1 working day after Mon 16 -> Tue 17 Mar 19:00.
    assert first_due("voicemail", "other", "2026-03-13T19:30:00+01:00").isoformat() == \
        "2026-03-17T19:00:00+01:00"
    # Blocking incident after hours: counting starts at the next opening, Mon 09:00 + 2 h.
    assert first_due("portal", "incident_blocking", "2026-03-13T19:30:00+01:00").isoformat() \
        == "2026-03-16T11:00:00+01:00"


# -- Christmas week ----------------------------------------------------------------------


def test_christmas_week():
    opened = "2026-12-24T10:00:00+01:00"  # Thursday, a working day
    # E-mail 5 working days: (25 holiday, 26-27 weekend) 28, 29, 30, 31, (1 Jan holiday,
    # 2-3 weekend) Mon 4 Jan 2027.
    assert first_due("email", "other", opened).isoformat() == "2027-01-04T19:00:00+01:00"
    # Complaint 8 working days: 28, 29, 30, 31, 4, 5, (6 Jan Epiphany) 7, 8 -> Fri 8 Jan.
    assert first_due("letter", "complaint", opened).isoformat() == "2027-01-08T19:00:00+01:00"
    # Information 10 calendar days: Sun 3 Jan -> Mon 4 Jan.
    assert first_due("letter", "information", opened).isoformat() == \
        "2027-01-04T19:00:00+01:00"
    # Blocking incident at 18:00 on the 24th, solved within 8 working hours: 18-19 (1 h),
    # 25 holiday, Mon 28: 09-13 (5 h), 15-18 (8 h) -> Mon 28 Dec 18:00.
    result = due_times(DEFAULT_POLICIES, "email", "incident_blocking",
                       at("2026-12-24T18:00:00+01:00"))
    assert result.resolution.due.isoformat() == "2026-12-28T18:00:00+01:00"
    # ... and taken in charge within 2 h: 18-19 (1 h), Mon 28 09-10 -> 10:00.
    assert result.first_response.due.isoformat() == "2026-12-28T10:00:00+01:00"


# -- daylight-saving changes ---------------------------------------------------------------


def test_dst_spring_forward_working_hours():
    # Clocks go forward on Sun 29 Mar 2026. Blocking incident Fri 27 Mar 17:00 (+01:00):
    # taken in charge 17-19 -> Fri 19:00+01:00; solved: Fri 17-19 (2 h), Mon 30 09-13 (6 h),
    # 15-17 (8 h) -> Mon 30 Mar 17:00+02:00.
    result = due_times(DEFAULT_POLICIES, "portal", "incident_blocking",
                       at("2026-03-27T17:00:00+01:00"))
    assert result.first_response.due.isoformat() == "2026-03-27T19:00:00+01:00"
    assert result.resolution.due.isoformat() == "2026-03-30T17:00:00+02:00"
    # Budget used at Mon 30 11:00+02:00: Fri 2 h + Mon 2 h = 4 of 8 h -> ok, 50 %.
    now = clocks("portal", "incident_blocking", "2026-03-27T17:00:00+01:00", [],
                 "2026-03-30T11:00:00+02:00")
    assert now.resolution.used == timedelta(hours=4)
    assert now.resolution.budget == timedelta(hours=8)
    assert (now.resolution.fraction, now.resolution.state) == (0.5, "ok")
    # Taken in charge late (first response still missing after Fri 19:00): breached.
    assert now.first_response.state == "breached"


def test_dst_fall_back_working_hours():
    # Clocks go back on Sun 25 Oct 2026. Non-blocking incident Fri 23 Oct 15:00 (+02:00):
    # taken in charge 15-19 -> Fri 19:00+02:00; solved in 24 h: Fri 4 h, Mon 26 8 h (12),
    # Tue 27 8 h (20), Wed 28 09-13 (24) -> Wed 28 Oct 13:00+01:00.
    result = due_times(DEFAULT_POLICIES, "email", "incident_minor",
                       at("2026-10-23T15:00:00+02:00"))
    assert result.first_response.due.isoformat() == "2026-10-23T19:00:00+02:00"
    assert result.resolution.due.isoformat() == "2026-10-28T13:00:00+01:00"
    now = clocks("email", "incident_minor", "2026-10-23T15:00:00+02:00",
                 [(at("2026-10-23T16:00:00+02:00"), "first_response")], "2026-10-26T19:00:00+01:00")
    assert now.resolution.used == timedelta(hours=12)  # Fri 4 h + Mon 8 h
    assert now.resolution.state == "ok"
    assert now.first_response.met and now.first_response.state == "ok"


def test_plain_hours_clock_counts_real_time_across_dst():
    # Payment registration within 48 elapsed hours, Sat 28 Mar 2026 12:00+01:00: the night of
    # 29 Mar lasts one hour less, so 48 real hours later the wall clock reads 13:00+02:00.
    result = due_times(DEFAULT_POLICIES, "portal", "payment_registration",
                       at("2026-03-28T12:00:00+01:00"))
    assert result.resolution.due.isoformat() == "2026-03-30T13:00:00+02:00"
    assert result.resolution.policy.clock == "hours"


# -- pause and resume ----------------------------------------------------------------------


WEEKEND_WAIT = [
    (at("2026-03-06T19:30:00+01:00"), "status", "waiting_citizen"),  # Fri after close
    (at("2026-03-09T08:30:00+01:00"), "status", "open"),  # Mon before opening
]


def test_pause_over_a_weekend_calendar_days():
    # Information by letter, Mon 2 Mar 2026 10:00: 10 calendar days -> Thu 12 Mar 19:00.
    # Waiting for the citizen Fri 6 19:30 -> Mon 9 08:30 touches 6, 7, 8 and 9 Mar: those days
    # do not count. 3 (1), 4 (2), 5 (3), 10 (4), 11, 12, 13, 14, 15, 16 (10) -> Mon 16 Mar.
    opened = "2026-03-02T10:00:00+01:00"
    assert first_due("letter", "information", opened).isoformat() == \
        "2026-03-12T19:00:00+01:00"
    result = clocks("letter", "information", opened, WEEKEND_WAIT, "2026-03-10T12:00:00+01:00")
    assert result.first_response.due.isoformat() == "2026-03-16T19:00:00+01:00"
    assert not result.paused and not result.first_response.paused
    assert result.pauses == ((at("2026-03-06T19:30:00+01:00"), at("2026-03-09T08:30:00+01:00")),)


def test_pause_still_running_at_now():
    # At Sat 7 Mar 12:00 the case is still waiting: the pause is taken to end at now, so 6 and
    # 7 Mar are skipped: 3, 4, 5, 8 (4), 9 .. 14 (10) -> Sat 14 -> Mon 16 Mar. Paused.
    result = clocks("letter", "information", "2026-03-02T10:00:00+01:00", WEEKEND_WAIT,
                    "2026-03-07T12:00:00+01:00")
    assert result.paused and result.first_response.paused
    assert result.first_response.due.isoformat() == "2026-03-16T19:00:00+01:00"


def test_weekend_pause_outside_office_hours_does_not_move_working_days():
    # E-mail 5 working days from Mon 2 Mar 10:00: 3, 4, 5, 6, 9 -> Mon 9 Mar 19:00; the pause
    # covers no office time, so nothing moves.
    result = clocks("email", "other", "2026-03-02T10:00:00+01:00", WEEKEND_WAIT,
                    "2026-03-09T12:00:00+01:00")
    assert result.first_response.due.isoformat() == "2026-03-09T19:00:00+01:00"


def test_pause_in_office_hours_moves_working_days():
    # Waiting Fri 6 12:00 -> Mon 9 10:00: Fri 6 and Mon 9 have paused office time and do not
    # count: 3, 4, 5, 10, 11 -> Wed 11 Mar 19:00.
    events = [Event(at("2026-03-06T12:00:00+01:00"), "status", "waiting_citizen"),
              Event(at("2026-03-09T10:00:00+01:00"), "status", "open")]
    result = clocks("email", "other", "2026-03-02T10:00:00+01:00", events,
                    "2026-03-10T12:00:00+01:00")
    assert result.first_response.due.isoformat() == "2026-03-11T19:00:00+01:00"


def test_pause_in_working_hours():
    # Blocking incident Tue 3 Mar 09:00, waiting 10:00-11:00. Taken in charge: 09-10 (1 h),
    # 11-12 (2 h) -> 12:00. Solved: 8 office hours minus the paused hour -> 09-13 is 3 h, 15-19
    # 7 h, Wed 09-10 -> Wed 4 Mar 10:00.
    events = [("2026-03-03T10:00:00+01:00", "status", "waiting_citizen"),
              ("2026-03-03T11:00:00+01:00", "status", "open")]
    events = [(at(t), k, s) for t, k, s in events]
    result = clocks("portal", "incident_blocking", "2026-03-03T09:00:00+01:00", events,
                    "2026-03-03T11:30:00+01:00")
    assert result.first_response.due.isoformat() == "2026-03-03T12:00:00+01:00"
    assert result.resolution.due.isoformat() == "2026-03-04T10:00:00+01:00"
    # Used at 11:30: 1 h + 0.5 h of 2 h (75 %) -> ok; resolution 1.5 of 8 h.
    assert result.first_response.used == timedelta(minutes=90)
    assert result.first_response.state == "ok"


# -- warning and breach --------------------------------------------------------------------


EMAIL_OPENED = "2026-03-02T09:00:00+01:00"  # Monday, due Mon 9 Mar 19:00


@pytest.mark.parametrize(("now", "state", "fraction"), [
    # Budget: office time from opening to due = Mon 2 .. Fri 6 (5 x 8 h) + Mon 9 (8 h) = 48 h.
    # 80 % = 38 h 24 min: Mon-Thu 32 h, Fri 09-13 36 h, 15:00 + 2 h 24 min = Fri 17:24.
    ("2026-03-04T12:00:00+01:00", "ok", 19 / 48),  # Mon 8 + Tue 8 + Wed 3
    ("2026-03-06T17:23:00+01:00", "ok", (38 * 60 + 23) / (48 * 60)),
    ("2026-03-06T17:24:00+01:00", "warning", 0.8),
    ("2026-03-09T19:00:00+01:00", "warning", 1.0),  # the due instant itself is on time
    ("2026-03-09T19:00:01+01:00", "breached", 1.0),
    ("2026-03-10T10:00:00+01:00", "breached", 49 / 48),
])
def test_warning_and_breach(now, state, fraction):
    result = clocks("email", "other", EMAIL_OPENED, [], now)
    clock = result.first_response
    assert clock.due.isoformat() == "2026-03-09T19:00:00+01:00"
    assert clock.budget == timedelta(hours=48)
    assert clock.state == state and result.state == state
    assert clock.fraction == pytest.approx(fraction)
    assert not clock.met and result.next_due == clock.due


def test_warning_on_calendar_days_uses_elapsed_time():
    # Information by letter Mon 2 Mar 10:00, due Thu 12 Mar 19:00: budget 10 d 9 h = 249 h;
    # 80 % = 199.2 h = 8 d 7 h 12 min -> Tue 10 Mar 17:12.
    opened = "2026-03-02T10:00:00+01:00"
    before = clocks("letter", "information", opened, [], "2026-03-10T17:11:00+01:00")
    after = clocks("letter", "information", opened, [], "2026-03-10T17:12:00+01:00")
    assert before.first_response.budget == timedelta(hours=249)
    assert (before.first_response.state, after.first_response.state) == ("ok", "warning")


def test_met_on_time_and_late():
    # Replied Mon 9 Mar 18:00: 47 of 48 h used, on time -> ok (frozen after).
    on_time = clocks("email", "other", EMAIL_OPENED,
                     [(at("2026-03-09T18:00:00+01:00"), "first_response")],
                     "2026-03-20T10:00:00+01:00")
    clock = on_time.first_response
    assert clock.met and clock.met_at.isoformat() == "2026-03-09T18:00:00+01:00"
    assert (clock.state, clock.fraction) == ("ok", pytest.approx(47 / 48))
    assert on_time.next_due is None
    # Replied Tue 10 09:30: late -> breached, stays breached.
    late = clocks("email", "other", EMAIL_OPENED,
                  [(at("2026-03-10T09:30:00+01:00"), "reply_sent")],
                  "2026-03-20T10:00:00+01:00")
    assert late.first_response.met and late.first_response.state == "breached"


def test_resolution_reopen_and_status_events():
    # Generic instance via portal, Mon 2 Mar 2026 10:00: resolution 30 days -> Wed 1 Apr.
    # Resolved Thu 5 Mar 12:00, reopened Mon 9 Mar 12:00: days 5-9 touched by the gap do not
    # count: 3 (1), 4 (2), 10 (3) ... 28 counted days later = 6 Apr, Easter Monday (a
    # holiday) -> Tue 7 Apr 19:00.
    opened = "2026-03-02T10:00:00+01:00"
    events = [
        (at("2026-03-03T10:00:00+01:00"), "status_changed", "open"),
        (at("2026-03-03T11:00:00+01:00"), "first_response"),
        (at("2026-03-05T12:00:00+01:00"), "status_changed", "resolved"),
        (at("2026-03-09T12:00:00+01:00"), "status_changed", "open"),  # reopened
    ]
    while_resolved = clocks("portal", "generic", opened, events[:3], "2026-03-06T10:00:00+01:00")
    assert while_resolved.resolution.met and while_resolved.resolution.state == "ok"
    assert while_resolved.resolution.due.isoformat() == "2026-04-01T19:00:00+02:00"
    reopened = clocks("portal", "generic", opened, events, "2026-03-10T10:00:00+01:00")
    assert not reopened.resolution.met
    assert reopened.resolution.due.isoformat() == "2026-04-07T19:00:00+02:00"
    assert reopened.first_response.met  # stays met
    assert reopened.first_response.met_at.isoformat() == "2026-03-03T11:00:00+01:00"
    # The same with explicit kinds, and events after now are ignored.
    explicit = [(at("2026-03-05T12:00:00+01:00"), "resolved"),
                (at("2026-03-09T12:00:00+01:00"), "reopened"),
                (at("2026-03-30T12:00:00+02:00"), "resolved")]
    again = clocks("portal", "generic", opened, explicit, "2026-03-10T10:00:00+01:00")
    assert again.resolution.due == reopened.resolution.due and not again.resolution.met
    # Resolving also meets a still-open first response.
    assert again.first_response.met_at.isoformat() == "2026-03-05T12:00:00+01:00"


# -- recomputation after a change -----------------------------------------------------------


def test_adding_a_patron_saint_moves_the_due_time():
    # E-mail Mon 4 May 2026 10:00: 5, 6, 7, 8, 11 -> Mon 11 May 19:00. With San Vittore
    # (8 May, Rho) as an office closure: 5, 6, 7, 11, 12 -> Tue 12 May.
    opened, now = "2026-05-04T10:00:00+02:00", "2026-05-11T19:30:00+02:00"
    national = clocks("email", "other", opened, [], now)
    rho = clocks("email", "other", opened, [], now,
                 calendar=CalendarSettings(patron_saint=(5, 8)))
    assert national.first_response.due.isoformat() == "2026-05-11T19:00:00+02:00"
    assert rho.first_response.due.isoformat() == "2026-05-12T19:00:00+02:00"
    # At Mon 19:30: national breached; Rho used Mon 4 (7 h) + 5-7 (24 h) + Mon 11 (8 h) = 39 h
    # of 47 h (83 %) -> warning.
    assert national.first_response.state == "breached"
    assert rho.first_response.used == timedelta(hours=39)
    assert rho.first_response.budget == timedelta(hours=47)
    assert rho.first_response.state == "warning"


def test_changing_a_policy_recomputes():
    opened = at("2026-12-18T18:30:00+01:00")
    before = evaluate(DEFAULT_POLICIES, "letter", "complaint", opened, [], opened)
    policies = apply_charter_terms(DEFAULT_POLICIES,
                                   {"complaint": {"first_response": 10, "clock": "calendar_days"}})
    after = evaluate(policies, "letter", "complaint", opened, [], opened)
    assert before.first_response.due.isoformat() == "2026-12-31T19:00:00+01:00"
    assert after.first_response.due.isoformat() == "2026-12-28T19:00:00+01:00"


# -- incidents across the lunch break ------------------------------------------------------


def test_incident_working_hours_span_the_lunch_break():
    # Blocking, Tue 3 Mar 2026 12:00: in charge 12-13 (1 h) + 15-16 -> 16:00; solved 12-13,
    # 15-19 (5 h), Wed 09-12 -> Wed 4 Mar 12:00.
    blocking = due_times(DEFAULT_POLICIES, "email", "incident_blocking",
                         at("2026-03-03T12:00:00+01:00"))
    assert blocking.first_response.due.isoformat() == "2026-03-03T16:00:00+01:00"
    assert blocking.resolution.due.isoformat() == "2026-03-04T12:00:00+01:00"
    # Non-blocking, Tue 11:30: in charge 11:30-13 (1.5 h) + 15:00-17:30; solved: Tue 5.5 h,
    # Wed 8 (13.5), Thu 8 (21.5), Fri 09:00-11:30 -> Fri 6 Mar 11:30.
    minor = due_times(DEFAULT_POLICIES, "email", "incident_minor",
                      at("2026-03-03T11:30:00+01:00"))
    assert minor.first_response.due.isoformat() == "2026-03-03T17:30:00+01:00"
    assert minor.resolution.due.isoformat() == "2026-03-06T11:30:00+01:00"
    # The lunch break uses no budget: at 14:59 one hour of two is used (50 %), at 15:36 the
    # 80 % mark (1 h 36 min) is reached.
    lunch = clocks("email", "incident_blocking", "2026-03-03T12:00:00+01:00", [],
                   "2026-03-03T14:59:00+01:00")
    assert lunch.first_response.used == timedelta(hours=1)
    assert lunch.first_response.state == "ok"
    warn = clocks("email", "incident_blocking", "2026-03-03T12:00:00+01:00", [],
                  "2026-03-03T15:36:00+01:00")
    assert warn.first_response.state == "warning"


# -- bad input --------------------------------------------------------------------------------


def test_bad_events():
    opened = "2026-03-02T10:00:00+01:00"
    with pytest.raises(ValueError, match="time order"):
        clocks("email", "other", opened, [(at("2026-03-04T10:00:00+01:00"), "first_response"),
                                          (at("2026-03-03T10:00:00+01:00"), "resolved")],
               "2026-03-05T10:00:00+01:00")
    with pytest.raises(ValueError, match="before opening"):
        clocks("email", "other", opened, [(at("2026-03-01T10:00:00+01:00"), "resolved")],
               "2026-03-05T10:00:00+01:00")
    with pytest.raises(ValueError, match="unknown event kind"):
        clocks("email", "other", opened, [(at("2026-03-03T10:00:00+01:00"), "escalated")],
               "2026-03-05T10:00:00+01:00")
    with pytest.raises(ValueError, match="needs a status"):
        clocks("email", "other", opened, [(at("2026-03-03T10:00:00+01:00"), "status")],
               "2026-03-05T10:00:00+01:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        clocks("email", "other", opened, [(datetime(2026, 3, 3, 10), "resolved")],
               "2026-03-05T10:00:00+01:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(DEFAULT_POLICIES, "email", "other", at(opened), [], datetime(2026, 3, 5))
    assert derive_pauses(at(opened), WEEKEND_WAIT, at("2026-03-07T00:00:00+01:00")) == (
        (at("2026-03-06T19:30:00+01:00"), at("2026-03-07T00:00:00+01:00")),)


def test_clock_events_from_a_case_log():
    # Rows as stored in CaseEvent (at, kind, data): irrelevant kinds are dropped, status
    # changes keep their status; the result feeds evaluate() directly.
    log = [
        (at("2026-03-02T10:00:00+01:00"), "created", {"channel": "email"}),
        (at("2026-03-06T12:00:00+01:00"), "status_changed", {"status": "waiting_citizen"}),
        (at("2026-03-06T11:00:00+01:00"), "note_added", {}),
        (at("2026-03-09T10:00:00+01:00"), "citizen_replied", None),
        (at("2026-03-09T10:00:00+01:00"), "status_changed", {"status": "open"}),
    ]
    events = clock_events(log)
    assert [(e.kind, e.status) for e in events] == [
        ("status", "waiting_citizen"), ("status", "open")]
    # Same as test_pause_in_office_hours_moves_working_days: Wed 11 Mar 19:00.
    result = clocks("email", "other", "2026-03-02T10:00:00+01:00", events,
                    "2026-03-10T12:00:00+01:00")
    assert result.first_response.due.isoformat() == "2026-03-11T19:00:00+01:00"
