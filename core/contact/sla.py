"""Service-charter SLA engine: policies, per-Ente overrides and clocks derived from events.

Pure functions over plain values: no Flask, no database. Time arithmetic is delegated to the
office calendar (:mod:`core.fines.calendar`); every instant must be timezone-aware and results
are in the calendar's timezone (Europe/Rome by default). Nothing is stored: changing a policy or
the calendar and calling again gives the new answer (the ``Case.*_due`` columns are a cache).

Policies (contact-center.md §1, seeds 000/001)
----------------------------------------------
A :class:`Policy` has a key, a label key the UI translates (``sla.policy.<key>``), a
:class:`Selector` (channels and/or case types; an empty set means "any"), a clock kind and up to
two targets, ``first_response`` and ``resolution`` (``None`` = no such target). Clock kinds:

* ``working_hours`` — office time on the split day (09–13, 15–19), :func:`add_working_hours`;
* ``working_days`` — close of the Nth working day after receipt, :func:`add_working_days`;
* ``calendar_days`` — close of the Nth calendar day (next working day if closed),
  :func:`add_calendar_days`;
* ``hours`` — plain elapsed hours (payment registration within 48 hours).

Defaults (:data:`DEFAULT_POLICIES`), type policies first::

    key                   selector                  clock          first response  resolution
    information           information               calendar_days  10              -
    complaint             complaint                 working_days   8 (*)           -
    generic               generic, driver_data      calendar_days  -               30
    complex               complex                   calendar_days  8 (**)          -
    access                access                    calendar_days  -               30
    civic_access          civic_access              calendar_days  -               30
    appeal                appeal                    calendar_days  5 (***)         20
    instalments           instalments               calendar_days  -               15
    incident_blocking     incident_blocking         working_hours  2               8
    incident_minor        incident_minor            working_hours  4               24
    payment_registration  payment_registration      hours          -               48
    pec                   channel pec               working_days   3               -
    email                 channel email             working_days   5               -
    callback              channels phone, voicemail working_days   1               -
    portal   (fallback)   channel portal            working_days   5               -
    letter   (fallback)   channels letter, counter  working_days   5               -

(*) the answer, or the reasoned extension notice of a complex complaint (L. 241/1990).
(**) the reasoned extension notice; the new term it announces is not tracked here.
(***) forwarding the appeal to the Ente (record it as the ``first_response`` event);
the resolution is the internal review. Self-protection (autotutela) requests are filed as
``generic`` (30 days, same term). ``other``, ``lost_codes`` and ``refund`` have no type policy:
their channel policy applies. ``payment_registration`` is for a collection work item, if one is
ever opened as a case.

A **fallback** policy applies to a target only when no ordinary applicable policy sets that
target: a portal message or a letter is answered within 5 working days unless its case type
sets a first-response term (a portal complaint: 8 working days; a portal generic instance:
first response 5 working days, resolution 30 days). E-mail and PEC are charter standards for
the channel, so they are ordinary policies and compete with the type (earliest wins). A phone
call answered on the line is logged as a reply (first response met at once); otherwise, and for
voicemail, the callback is due within 1 working day.

Selection: every applicable policy computes its due time; for each target the **earliest**
wins (a PEC complaint: PEC 3 working days beats complaint 8), ties go to the policy listed
first. The result names the winning policy of each target.

Per-Ente overrides (``Ente.charter_terms``), :func:`apply_charter_terms`
-----------------------------------------------------------------------
A JSON object keyed by policy key::

    {"complaint": {"first_response": 10, "clock": "calendar_days"},
     "callback": null,                                   # drop a policy
     "appointment": {"channels": ["counter"], "clock": "working_days", "first_response": 5}}

Fields: ``first_response``, ``resolution`` (a positive integer; for the hour clocks also a
decimal string such as ``"1.5"``; ``null`` removes the target), ``clock``, ``channels``,
``case_types`` (lists), ``fallback`` (bool). Changing the clock of a policy that keeps two
targets requires both targets. A new key needs a clock, a selector and a target. The shorthand
``"<key>_<clock>": N`` (e.g. ``"complaint_working_days": 10``, as in the demo data) sets the
policy's main target (first response if it has one, else resolution) with that clock. Any
unknown key, field or bad value raises :class:`PolicyError` naming it.

Clocks from the event history, :func:`evaluate`
------------------------------------------------
Input: the opening instant and the case's events in time order (:class:`Event` or tuples
``(at, kind[, status])``; :func:`clock_events` builds them from ``CaseEvent`` rows). Kinds:

* ``status`` (alias ``status_changed``) with a status: ``waiting_citizen`` pauses every running
  clock; any other status resumes. ``resolved``/``closed`` count as ``resolved``; a non-resolved
  status after them counts as ``reopened``.
* ``first_response`` — a citizen-visible reply or a logged phone reply (``reply_sent`` too).
* ``resolved`` — meets the resolution target, and the first response if still open.
* ``reopened`` — the resolution target runs again; the time the case spent resolved is a pause
  of the resolution clock (the charter term runs from receipt, not from the reopening).

Events after ``now`` are ignored; a pause still open at ``now`` is taken to end at ``now``
(the due time keeps moving while it lasts, and ``paused`` is true). Due time = add_*(opened,
target, pauses). For a met target only pauses before it was met count.

Budget: for the working clocks the office time from opening to the due time
(:func:`working_time_between`, minus pauses); for ``calendar_days`` and ``hours`` the elapsed
time minus pauses. ``fraction`` = used / budget at ``now`` (or when met). State: ``breached``
when past due (or met late), ``warning`` when ≥ 80 % of the budget is used and not met,
else ``ok`` (a target met on time is ``ok``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.fines.calendar import (
    NATIONAL_CALENDAR,
    CalendarSettings,
    add_calendar_days,
    add_working_days,
    add_working_hours,
    working_time_between,
)

__all__ = [
    "CASE_TYPES",
    "CHANNELS",
    "CLOCKS",
    "DEFAULT_POLICIES",
    "KNOWN_CASE_TYPES",
    "TARGETS",
    "CaseClocks",
    "DueTime",
    "DueTimes",
    "Event",
    "Policy",
    "PolicyError",
    "Selector",
    "TargetClock",
    "applicable_policies",
    "apply_charter_terms",
    "clock_events",
    "derive_pauses",
    "due_times",
    "evaluate",
    "policy_due",
]

CHANNELS = ("portal", "email", "pec", "phone", "voicemail", "letter", "counter")
#: The case types of the contact center (the CLI accepts these).
CASE_TYPES = (
    "information", "complaint", "generic", "complex", "access", "civic_access", "appeal",
    "instalments", "incident_blocking", "incident_minor", "driver_data", "other",
)
#: Every case type the engine accepts (``lost_codes``/``refund`` exist in the app).
KNOWN_CASE_TYPES = (*CASE_TYPES, "lost_codes", "refund", "payment_registration")

WORKING_HOURS, WORKING_DAYS, CALENDAR_DAYS, HOURS = (
    "working_hours", "working_days", "calendar_days", "hours")
CLOCKS = (WORKING_HOURS, WORKING_DAYS, CALENDAR_DAYS, HOURS)
_DAY_CLOCKS = (WORKING_DAYS, CALENDAR_DAYS)
_WORKING_CLOCKS = (WORKING_HOURS, WORKING_DAYS)

FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)

OK, WARNING, BREACHED = "ok", "warning", "breached"
WAITING_CITIZEN = "waiting_citizen"
_RESOLVED_STATUSES = frozenset({"resolved", "closed"})
_EVENT_KINDS = frozenset({"status", "status_changed", "first_response", "reply_sent",
                          "resolved", "reopened"})

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_DAYS = 1000
_MAX_HOURS = Decimal(10_000)
_ZERO = timedelta(0)

Target = int | Decimal
Pause = tuple[datetime, datetime]


class PolicyError(ValueError):
    """A bad policy or charter-terms override (the message names the key)."""


# -- policies ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Selector:
    """Which cases a policy applies to; an empty set matches any value."""

    channels: frozenset[str] = frozenset()
    case_types: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name, allowed in (("channels", CHANNELS), ("case_types", KNOWN_CASE_TYPES)):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise PolicyError(f"{name}: expected a list of strings")
            value = frozenset(value)
            unknown = sorted(str(v) for v in value - set(allowed))
            if unknown:
                raise PolicyError(f"{name}: unknown {', '.join(unknown)}; "
                                  f"use {', '.join(allowed)}")
            object.__setattr__(self, name, value)
        if not self.channels and not self.case_types:
            raise PolicyError("a selector needs channels or case types")

    def matches(self, channel: str, case_type: str) -> bool:
        return ((not self.channels or channel in self.channels)
                and (not self.case_types or case_type in self.case_types))


def _check_target(value: Any, clock: str, name: str) -> Target | None:
    if value is None:
        return None
    if clock in _DAY_CLOCKS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PolicyError(f"{name}: expected a whole number of days")
        if not 0 < value <= _MAX_DAYS:
            raise PolicyError(f"{name}: expected 1 to {_MAX_DAYS} days")
        return value
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise PolicyError(f"{name}: expected a number of hours (integer or \"1.5\")")
    try:
        number = Decimal(value) if not isinstance(value, int) else value
    except InvalidOperation:
        raise PolicyError(f"{name}: not a number: {value!r}") from None
    if isinstance(number, Decimal) and not number.is_finite():
        raise PolicyError(f"{name}: must be finite")
    if not 0 < number <= _MAX_HOURS:
        raise PolicyError(f"{name}: expected more than 0 and at most {_MAX_HOURS} hours")
    return number


@dataclass(frozen=True, slots=True)
class Policy:
    """One charter term: who it applies to, its clock, and its targets."""

    key: str
    label_key: str
    selector: Selector
    clock: str
    first_response: Target | None = None
    resolution: Target | None = None
    fallback: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            raise PolicyError(f"bad policy key {self.key!r} (lowercase letters, digits, _)")
        if not isinstance(self.label_key, str) or not self.label_key:
            raise PolicyError(f"{self.key}: label_key must be a non-empty string")
        if not isinstance(self.selector, Selector):
            raise PolicyError(f"{self.key}: selector must be a Selector")
        if self.clock not in CLOCKS:
            raise PolicyError(f"{self.key}.clock: expected one of {', '.join(CLOCKS)}")
        for name in TARGETS:
            checked = _check_target(getattr(self, name), self.clock, f"{self.key}.{name}")
            object.__setattr__(self, name, checked)
        if self.first_response is None and self.resolution is None:
            raise PolicyError(f"{self.key}: needs a first_response or a resolution target")
        if not isinstance(self.fallback, bool):
            raise PolicyError(f"{self.key}.fallback: expected true or false")

    def target(self, name: str) -> Target | None:
        if name not in TARGETS:
            raise ValueError(f"unknown target {name!r}; use {', '.join(TARGETS)}")
        return getattr(self, name)

    def as_json(self) -> dict[str, Any]:
        """JSON-native description (for the CLI and the admin pages)."""
        def num(v: Target | None) -> int | str | None:
            return v if v is None or isinstance(v, int) else str(v)

        return {
            "key": self.key,
            "label_key": self.label_key,
            "channels": sorted(self.selector.channels),
            "case_types": sorted(self.selector.case_types),
            "clock": self.clock,
            "first_response": num(self.first_response),
            "resolution": num(self.resolution),
            "fallback": self.fallback,
        }


def _policy(key: str, clock: str, first_response: Target | None = None,
            resolution: Target | None = None, *, channels: Iterable[str] = (),
            case_types: Iterable[str] = (), fallback: bool = False) -> Policy:
    return Policy(key, f"sla.policy.{key}", Selector(frozenset(channels), frozenset(case_types)),
                  clock, first_response, resolution, fallback)


#: The national charter defaults (module docstring table), type policies first.
DEFAULT_POLICIES: tuple[Policy, ...] = (
    _policy("information", CALENDAR_DAYS, 10, case_types=["information"]),
    _policy("complaint", WORKING_DAYS, 8, case_types=["complaint"]),
    _policy("generic", CALENDAR_DAYS, None, 30, case_types=["generic", "driver_data"]),
    _policy("complex", CALENDAR_DAYS, 8, case_types=["complex"]),
    _policy("access", CALENDAR_DAYS, None, 30, case_types=["access"]),
    _policy("civic_access", CALENDAR_DAYS, None, 30, case_types=["civic_access"]),
    _policy("appeal", CALENDAR_DAYS, 5, 20, case_types=["appeal"]),
    _policy("instalments", CALENDAR_DAYS, None, 15, case_types=["instalments"]),
    _policy("incident_blocking", WORKING_HOURS, 2, 8, case_types=["incident_blocking"]),
    _policy("incident_minor", WORKING_HOURS, 4, 24, case_types=["incident_minor"]),
    _policy("payment_registration", HOURS, None, 48, case_types=["payment_registration"]),
    _policy("pec", WORKING_DAYS, 3, channels=["pec"]),
    _policy("email", WORKING_DAYS, 5, channels=["email"]),
    _policy("callback", WORKING_DAYS, 1, channels=["phone", "voicemail"]),
    _policy("portal", WORKING_DAYS, 5, channels=["portal"], fallback=True),
    _policy("letter", WORKING_DAYS, 5, channels=["letter", "counter"], fallback=True),
)


# -- per-Ente overrides --------------------------------------------------------------------

_OVERRIDE_FIELDS = frozenset({FIRST_RESPONSE, RESOLUTION, "clock", "channels", "case_types",
                              "fallback"})


def _string_list(value: Any, name: str) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{name}: expected a list of strings")
    return frozenset(value)


def _override(base: Policy | None, key: str, spec: Any) -> Policy:
    where = f"charter_terms.{key}"
    if base is None and not isinstance(spec, Mapping):
        raise PolicyError(f"charter_terms: unknown policy {key!r}")
    if not isinstance(spec, Mapping):
        raise PolicyError(f"{where}: expected an object such as "
                          '{"first_response": 10, "clock": "working_days"} or null')
    unknown = sorted(map(str, set(spec) - _OVERRIDE_FIELDS))
    if unknown:
        raise PolicyError(f"{where}: unknown field(s) {', '.join(unknown)}; "
                          f"use {', '.join(sorted(_OVERRIDE_FIELDS))}")
    if base is None:
        if not _KEY.match(key):
            raise PolicyError(f"charter_terms: bad policy key {key!r} "
                              "(lowercase letters, digits and _)")
        if ("clock" not in spec or not {"channels", "case_types"} & set(spec)
                or not {FIRST_RESPONSE, RESOLUTION} & set(spec)):
            raise PolicyError(f"{where}: a new policy needs clock, channels or case_types, "
                              "and first_response or resolution")
    clock = spec.get("clock", base.clock if base else None)
    if clock not in CLOCKS:
        raise PolicyError(f"{where}.clock: expected one of {', '.join(CLOCKS)}")
    if base is not None and clock != base.clock:
        kept = [t for t in TARGETS if t not in spec and base.target(t) is not None]
        if kept:
            raise PolicyError(f"{where}: changing the clock to {clock} needs "
                              f"{' and '.join(kept)} too")
    targets = {
        name: _check_target(spec[name], clock, f"{where}.{name}") if name in spec
        else (base.target(name) if base else None)
        for name in TARGETS
    }
    if targets[FIRST_RESPONSE] is None and targets[RESOLUTION] is None:
        raise PolicyError(f"{where}: needs a first_response or a resolution target "
                          "(use null to drop the policy)")
    fallback = spec.get("fallback", base.fallback if base else False)
    if not isinstance(fallback, bool):
        raise PolicyError(f"{where}.fallback: expected true or false")
    try:
        selector = Selector(
            _string_list(spec["channels"], f"{where}.channels") if "channels" in spec
            else (base.selector.channels if base else frozenset()),
            _string_list(spec["case_types"], f"{where}.case_types") if "case_types" in spec
            else (base.selector.case_types if base else frozenset()),
        )
    except PolicyError as error:
        if str(error).startswith(where):
            raise
        raise PolicyError(f"{where}.{error}") from None
    return Policy(key, base.label_key if base else f"sla.policy.{key}", selector, clock,
                  targets[FIRST_RESPONSE], targets[RESOLUTION], fallback)


def _expand_shorthand(terms: Mapping[Any, Any], known: Mapping[str, Policy]) -> dict[str, Any]:
    """``{"complaint_working_days": 10}`` → ``{"complaint": {"first_response": 10, ...}}``."""
    shorthand = {f"{key}_{clock}": (key, clock) for key in known for clock in CLOCKS}
    result: dict[str, Any] = {}
    for key, value in terms.items():
        if not isinstance(key, str):
            raise PolicyError(f"charter_terms: keys must be strings, got {key!r}")
        if key in known or key not in shorthand:
            if key in result:
                raise PolicyError(f"charter_terms: {key} given twice")
            result[key] = value
            continue
        policy_key, clock = shorthand[key]
        if policy_key in result or policy_key in terms:
            raise PolicyError(f"charter_terms: {key} and {policy_key} both given")
        policy = known[policy_key]
        main = FIRST_RESPONSE if policy.first_response is not None else RESOLUTION
        other = RESOLUTION if main == FIRST_RESPONSE else FIRST_RESPONSE
        if clock != policy.clock and policy.target(other) is not None:
            raise PolicyError(f"charter_terms.{key}: {policy_key} has two targets; use "
                              f'{{"{policy_key}": {{"first_response": N, "resolution": N, '
                              f'"clock": "{clock}"}}}}')
        if value is None:
            raise PolicyError(f"charter_terms.{key}: expected a number")
        result[policy_key] = {main: value, "clock": clock}
    return result


def apply_charter_terms(
    defaults: Iterable[Policy], terms: Mapping[str, Any] | None
) -> tuple[Policy, ...]:
    """The effective policies: ``defaults`` with the Ente's JSON overrides applied.

    Order is kept (new policies go last); ``null`` drops a policy. Raises :class:`PolicyError`.
    """
    policies = {p.key: p for p in defaults}
    if terms is None:
        return tuple(policies.values())
    if not isinstance(terms, Mapping):
        raise PolicyError("charter_terms must be a JSON object")
    for key, spec in _expand_shorthand(terms, policies).items():
        if spec is None:
            if key not in policies:
                raise PolicyError(f"charter_terms.{key}: no such policy to remove")
            del policies[key]
        else:
            policies[key] = _override(policies.get(key), key, spec)
    return tuple(policies.values())


# -- selection and due times ---------------------------------------------------------------


def _check_case(channel: str, case_type: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use {', '.join(CHANNELS)}")
    if case_type not in KNOWN_CASE_TYPES:
        raise ValueError(f"unknown case type {case_type!r}; use {', '.join(KNOWN_CASE_TYPES)}")


def applicable_policies(
    policies: Iterable[Policy], channel: str, case_type: str
) -> tuple[Policy, ...]:
    """The policies whose selector matches (fallback ones included), in table order."""
    _check_case(str(channel), str(case_type))
    return tuple(p for p in policies if p.selector.matches(str(channel), str(case_type)))


def _candidates(applicable: tuple[Policy, ...], target: str) -> tuple[Policy, ...]:
    ordinary = tuple(p for p in applicable if not p.fallback and p.target(target) is not None)
    if ordinary:
        return ordinary
    return tuple(p for p in applicable if p.target(target) is not None)


def _utc(instant: datetime, name: str) -> datetime:
    if not isinstance(instant, datetime):
        raise TypeError(f"{name} must be a datetime")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return instant.astimezone(UTC)


def _merge(pauses: Iterable[Pause]) -> list[tuple[datetime, datetime]]:
    spans = sorted((_utc(s, "pause start"), _utc(e, "pause end")) for s, e in pauses)
    merged: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if e < s:
            raise ValueError("a pause ends before it starts")
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        elif e > s:
            merged.append((s, e))
    return merged


def _add_elapsed(start: datetime, duration: timedelta, pauses: Iterable[Pause]) -> datetime:
    """``start`` + ``duration`` of elapsed time outside pauses (the ``hours`` clock)."""
    t, remaining = _utc(start, "start"), duration
    for ps, pe in _merge(pauses):
        if pe <= t:
            continue
        if ps > t:
            if ps - t >= remaining:
                return t + remaining
            remaining -= ps - t
        t = max(t, pe)
    return t + remaining


def _elapsed_between(a: datetime, b: datetime, pauses: Iterable[Pause]) -> timedelta:
    """Elapsed time in ``[a, b)`` outside pauses (0 when ``b <= a``)."""
    a, b = _utc(a, "a"), _utc(b, "b")
    if b <= a:
        return _ZERO
    total = b - a
    for ps, pe in _merge(pauses):
        s, e = max(ps, a), min(pe, b)
        if s < e:
            total -= e - s
    return total


def policy_due(
    policy: Policy,
    target: str,
    opened: datetime,
    pauses: Iterable[Pause] = (),
    calendar: CalendarSettings = NATIONAL_CALENDAR,
) -> datetime | None:
    """Due instant of one target of one policy (``None`` when the policy has no such target)."""
    amount = policy.target(target)
    if amount is None:
        return None
    pauses = tuple(pauses)
    if policy.clock == WORKING_HOURS:
        return add_working_hours(opened, amount, pauses, calendar)
    if policy.clock == WORKING_DAYS:
        return add_working_days(opened, amount, pauses, calendar)
    if policy.clock == CALENDAR_DAYS:
        return add_calendar_days(opened, amount, pauses, calendar)
    hours = Decimal(amount)
    micro = int((hours * 3_600_000_000).to_integral_value())
    return _add_elapsed(opened, timedelta(microseconds=micro), pauses).astimezone(
        calendar.timezone)


@dataclass(frozen=True, slots=True)
class DueTime:
    """The winning due time of one target, and the policy that set it."""

    target: str
    policy: Policy
    due: datetime


@dataclass(frozen=True, slots=True)
class DueTimes:
    first_response: DueTime | None
    resolution: DueTime | None

    @property
    def policy(self) -> Policy | None:
        """The policy of the first response, else of the resolution (the CLI's ``policy``)."""
        chosen = self.first_response or self.resolution
        return chosen.policy if chosen else None


def _winner(applicable: tuple[Policy, ...], target: str, opened: datetime,
            pauses: tuple[Pause, ...], calendar: CalendarSettings) -> DueTime | None:
    best: DueTime | None = None
    for policy in _candidates(applicable, target):
        due = policy_due(policy, target, opened, pauses, calendar)
        if due is not None and (best is None or due < best.due):
            best = DueTime(target, policy, due)
    return best


def due_times(
    policies: Iterable[Policy],
    channel: str,
    case_type: str,
    opened: datetime,
    pauses: Iterable[Pause] = (),
    calendar: CalendarSettings = NATIONAL_CALENDAR,
) -> DueTimes:
    """Due times of both targets for a case; the earliest applicable policy wins each."""
    _utc(opened, "opened")
    applicable = applicable_policies(policies, channel, case_type)
    pauses = tuple(pauses)
    return DueTimes(
        _winner(applicable, FIRST_RESPONSE, opened, pauses, calendar),
        _winner(applicable, RESOLUTION, opened, pauses, calendar),
    )


# -- events → clocks -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the case history that matters to the clocks (see module docstring)."""

    at: datetime
    kind: str
    status: str | None = None

    @classmethod
    def of(cls, value: Event | tuple) -> Event:
        if isinstance(value, Event):
            event = value
        elif isinstance(value, tuple) and len(value) in (2, 3):
            event = cls(*value)
        else:
            raise ValueError(f"bad event {value!r}: expected Event or (at, kind[, status])")
        _utc(event.at, "event time")
        if event.kind not in _EVENT_KINDS:
            raise ValueError(f"unknown event kind {event.kind!r}; use "
                             f"{', '.join(sorted(_EVENT_KINDS))}")
        if event.kind in ("status", "status_changed") and not event.status:
            raise ValueError("a status event needs a status")
        return event


def clock_events(entries: Iterable[tuple[datetime, str, Mapping[str, Any] | None]]) -> list[Event]:
    """The clock-relevant events of a case log given as ``(at, kind, data)`` rows.

    Maps ``status_changed`` (``data["status"]``) and keeps ``first_response``, ``reply_sent``,
    ``resolved``, ``reopened``; every other kind (``created``, ``assigned``, notes …) is
    dropped. Sorted by time (stable), so the result can go straight to :func:`evaluate`.
    """
    result = []
    for at, kind, data in entries:
        if kind in ("status", "status_changed"):
            status = (data or {}).get("status")
            result.append(Event(at, "status", None if status is None else str(status)))
        elif kind in _EVENT_KINDS:
            result.append(Event(at, kind))
    result.sort(key=lambda e: _utc(e.at, "event time"))
    return result


@dataclass(frozen=True, slots=True)
class _History:
    waiting: tuple[Pause, ...]  # waiting for the citizen
    resolved_gaps: tuple[Pause, ...]  # resolved → reopened
    first_response_at: datetime | None
    resolved_at: datetime | None
    paused: bool


def _history(opened: datetime, events: Iterable[Event | tuple], now: datetime) -> _History:
    opened_utc, now_utc = _utc(opened, "opened"), _utc(now, "now")
    waiting: list[Pause] = []
    gaps: list[Pause] = []
    waiting_since: datetime | None = None
    resolved_since: datetime | None = None
    first_at: datetime | None = None
    previous: datetime | None = None
    for raw in events:
        event = Event.of(raw)
        at = _utc(event.at, "event time")
        if at < opened_utc:
            raise ValueError(f"event {event.kind} at {event.at.isoformat()} is before opening")
        if previous is not None and at < previous:
            raise ValueError("events must be in time order")
        previous = at
        if at > now_utc:
            continue  # the future of `now`: not known yet
        kind = event.kind
        if kind in ("status", "status_changed"):
            if event.status == WAITING_CITIZEN:
                if resolved_since is not None:  # reopened straight into waiting
                    gaps.append((resolved_since, at))
                    resolved_since = None
                if waiting_since is None:
                    waiting_since = at
                continue
            kind = "resolved" if event.status in _RESOLVED_STATUSES else (
                "reopened" if resolved_since is not None else "resume")
        if waiting_since is not None and kind != FIRST_RESPONSE and kind != "reply_sent":
            waiting.append((waiting_since, at))
            waiting_since = None
        if kind in (FIRST_RESPONSE, "reply_sent"):
            first_at = first_at or at
        elif kind == "resolved":
            first_at = first_at or at
            resolved_since = resolved_since or at
        elif kind == "reopened" and resolved_since is not None:
            gaps.append((resolved_since, at))
            resolved_since = None
    paused = waiting_since is not None and resolved_since is None
    if waiting_since is not None:
        waiting.append((waiting_since, max(now_utc, waiting_since)))
    return _History(tuple(waiting), tuple(gaps), first_at, resolved_since, paused)


def derive_pauses(
    opened: datetime, events: Iterable[Event | tuple], now: datetime
) -> tuple[Pause, ...]:
    """The waiting-for-the-citizen pauses of a case up to ``now`` (open pause ends at now)."""
    return _history(opened, events, now).waiting


@dataclass(frozen=True, slots=True)
class TargetClock:
    """State of one target at ``now``."""

    target: str
    policy: Policy
    due: datetime
    met: bool
    met_at: datetime | None
    used: timedelta  # budget consumed (office time for working clocks)
    budget: timedelta
    fraction: float  # used / budget
    state: str  # ok, warning, breached
    paused: bool


@dataclass(frozen=True, slots=True)
class CaseClocks:
    first_response: TargetClock | None
    resolution: TargetClock | None
    now: datetime
    paused: bool
    pauses: tuple[Pause, ...] = field(default=())

    @property
    def state(self) -> str:
        """The worst state of the targets (``ok`` when there are none)."""
        states = [c.state for c in (self.first_response, self.resolution) if c is not None]
        for candidate in (BREACHED, WARNING):
            if candidate in states:
                return candidate
        return OK

    @property
    def next_due(self) -> datetime | None:
        """The earliest due time of a target not yet met (for sorting queues)."""
        open_dues = [c.due for c in (self.first_response, self.resolution)
                     if c is not None and not c.met]
        return min(open_dues) if open_dues else None


def _clip(pauses: Iterable[Pause], until: datetime) -> tuple[Pause, ...]:
    return tuple((s, min(e, until)) for s, e in pauses if s < until)


def _measure(clock: str, a: datetime, b: datetime, pauses: tuple[Pause, ...],
             calendar: CalendarSettings) -> timedelta:
    if b <= a:
        return _ZERO
    if clock in _WORKING_CLOCKS:
        return working_time_between(a, b, pauses, calendar)
    return _elapsed_between(a, b, pauses)


def _target_clock(applicable: tuple[Policy, ...], target: str, opened: datetime,
                  pauses: tuple[Pause, ...], met_at: datetime | None, now: datetime,
                  paused: bool, calendar: CalendarSettings) -> TargetClock | None:
    if met_at is not None:
        pauses = _clip(pauses, met_at)
    winner = _winner(applicable, target, opened, pauses, calendar)
    if winner is None:
        return None
    tz = calendar.timezone
    clock = winner.policy.clock
    end = met_at if met_at is not None else now
    used = _measure(clock, opened, end, pauses, calendar)
    budget = _measure(clock, opened, winner.due, pauses, calendar)
    fraction = used / budget if budget > _ZERO else 1.0
    if met_at is not None:
        state = OK if met_at <= winner.due else BREACHED
    elif now > winner.due:
        state = BREACHED
    elif used * 5 >= budget * 4:
        state = WARNING
    else:
        state = OK
    return TargetClock(
        target=target, policy=winner.policy, due=winner.due, met=met_at is not None,
        met_at=None if met_at is None else met_at.astimezone(tz), used=used, budget=budget,
        fraction=fraction, state=state, paused=paused and met_at is None,
    )


def evaluate(
    policies: Iterable[Policy],
    channel: str,
    case_type: str,
    opened: datetime,
    events: Iterable[Event | tuple],
    now: datetime,
    calendar: CalendarSettings = NATIONAL_CALENDAR,
) -> CaseClocks:
    """The SLA clocks of a case at ``now``, derived from its opening and event history."""
    applicable = applicable_policies(policies, channel, case_type)
    history = _history(opened, events, now)
    now_utc = _utc(now, "now")
    first = _target_clock(applicable, FIRST_RESPONSE, opened, history.waiting,
                          history.first_response_at, now_utc, history.paused, calendar)
    resolution = _target_clock(applicable, RESOLUTION, opened,
                               history.waiting + history.resolved_gaps, history.resolved_at,
                               now_utc, history.paused, calendar)
    tz = calendar.timezone
    return CaseClocks(
        first_response=first, resolution=resolution, now=now_utc.astimezone(tz),
        paused=history.paused,
        pauses=tuple((s.astimezone(tz), e.astimezone(tz)) for s, e in history.waiting),
    )

