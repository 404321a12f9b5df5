"""Property tests (hypothesis): monotonic due times.

* A later opening never gives an earlier due time (for every channel, type and target).
* Pausing never makes a due time earlier, and adding a pause never makes it earlier either.
"""

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from core.contact.sla import CHANNELS, DEFAULT_POLICIES, KNOWN_CASE_TYPES, due_times
from core.fines.calendar import CalendarSettings

# National; Milan's patron saint (Sant'Ambrogio); Saturday mornings open.
CALENDARS = [
    CalendarSettings(),
    CalendarSettings(patron_saint=(12, 7)),
    CalendarSettings(saturday_working=True, office_hours=(
        *CalendarSettings().office_hours[:5], ((time(9), time(12)),), ())),
]

# Any minute from 2026 to 2027 (both DST changes and the Christmas weeks included).
openings = st.integers(min_value=0, max_value=2 * 365 * 24 * 60).map(
    lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m))
channels = st.sampled_from(CHANNELS)
case_types = st.sampled_from(KNOWN_CASE_TYPES)
calendars = st.sampled_from(CALENDARS)
pause_spans = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40 * 24 * 60),
              st.integers(min_value=0, max_value=5 * 24 * 60)),
    max_size=3,
)


def dues(channel, case_type, opened, calendar, pauses=()):
    result = due_times(DEFAULT_POLICIES, channel, case_type, opened, pauses, calendar)
    return [None if d is None else d.due for d in (result.first_response, result.resolution)]


@settings(max_examples=300, deadline=None)
@given(channels, case_types, openings, st.integers(min_value=0, max_value=20 * 24 * 60),
       calendars)
def test_later_opening_never_gives_an_earlier_due_time(channel, case_type, opened, later,
                                                       calendar):
    first = dues(channel, case_type, opened, calendar)
    second = dues(channel, case_type, opened + timedelta(minutes=later), calendar)
    for a, b in zip(first, second, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert b >= a


@settings(max_examples=300, deadline=None)
@given(channels, case_types, openings, pause_spans, pause_spans, calendars)
def test_pausing_never_makes_a_due_time_earlier(channel, case_type, opened, spans, extra,
                                                calendar):
    def to_pauses(items):
        return [(opened + timedelta(minutes=s), opened + timedelta(minutes=s + d))
                for s, d in items]

    plain = dues(channel, case_type, opened, calendar)
    paused = dues(channel, case_type, opened, calendar, to_pauses(spans))
    more = dues(channel, case_type, opened, calendar, to_pauses(spans + extra))
    for a, b, c in zip(plain, paused, more, strict=True):
        if a is not None:
            assert a <= b <= c
