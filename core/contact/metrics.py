"""Contact-center metrics for the supervisor dashboard and the monthly charter report.

Every figure is an SQL aggregate (``GROUP BY``, ``percentile_cont`` on PostgreSQL): cases are
never loaded into Python, only grouped rows (at most one per channel × type). Every query is
limited to the chosen Enti and, except the backlog, to the period, so it runs on an index:
``ix_case_ente_opened (ente_id, opened_at)`` for the cases received, ``ix_case_ente_status`` for
the open ones and, once added (see ``bench/README.md``), ``ix_case_ente_resolved (ente_id,
resolved_at)`` for the cases resolved in the period.

Definitions
-----------
Period
    ``date_from`` … ``date_to`` inclusive, calendar days in Europe/Rome, i.e. the UTC instants
    ``[start, end)``.
Cases received
    Cases opened in the period by the chosen Enti; duplicates merged into another case are left
    out. The charter-term figures, breaches and response times are about these cases (their
    own outcome, whenever it happened).
Charter-term outcome of a target (first response or resolution)
    Measured against the case's due time (``first_response_due`` / ``resolution_due``, the SLA
    cache that :mod:`core.contact.sla_service` rewrites on every event, pauses included):

    * *on time* — met at or before the due time;
    * *late* — met after it;
    * *overdue* — not met and the due time has passed (already a breach);
    * *pending* — not met and not yet due: left out of the shares.

    The first response is met by the first citizen-visible reply or, failing one, by the
    resolution (as the SLA engine counts it). "Answered within the charter term" uses the
    first-response target, or the resolution target for cases without one.
    Share = on time ÷ (on time + late + overdue). The charter states maximum times, so its
    target is every case within the term (:data:`TERM_TARGET`).
Breaches
    Targets of the cases received that were met late or are overdue.
Response times
    **Calendar hours** from receipt to the first response / to the resolution (time waiting
    for the citizen included, no office calendar), mean and 90th percentile (linear
    interpolation, like ``percentile_cont``).
Backlog
    Cases open *now* (new, open, waiting for the citizen or the Municipality), by age in
    calendar days: 0–1, 2–5, 6–10, 11–30, more than 30.
Workload
    Per agent: cases assigned and open now; cases resolved or closed in the period.
Satisfaction
    Survey responses about the cases received in the period, whenever they were answered:
    share of 4 and 5 answers (charter: at least :data:`SATISFACTION_TARGET`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from core import db
from core.contact import sla
from core.db import utcnow
from core.models import Case, CaseChannel, CaseStatus, CaseType, Ente, StaffUser, SurveyResponse

ROME = ZoneInfo("Europe/Rome")

#: Share of cases the charter wants within its terms (maximum times: all of them).
TERM_TARGET = Fraction(1)
#: Customer satisfaction: share of positive (4–5) answers, charter seed 001 art. 9.
SATISFACTION_TARGET = Fraction(9, 10)
#: Charter KPI (seed 001): mean response time to e-mail and PEC at most 3 days.
EMAIL_PEC_MEAN_TARGET_HOURS = 72
#: The percentile of the response times.
PERCENTILE = Fraction(9, 10)
#: The longest period the dashboard accepts, in days.
MAX_PERIOD_DAYS = 366

OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING_CITIZEN,
                 CaseStatus.WAITING_ENTE)
#: Backlog age buckets: (key, lowest age in days, highest age in days or None).
AGE_BUCKETS = (("0-1", 0, 1), ("2-5", 2, 5), ("6-10", 6, 10), ("11-30", 11, 30),
               ("over-30", 31, None))

CHANNELS = tuple(c.value for c in CaseChannel)
CASE_TYPES = tuple(t.value for t in CaseType)
TARGETS = sla.TARGETS  # first_response, resolution


class NotVisible(LookupError):
    """The principal may not see this Ente (the views answer 404)."""


# -- scope ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What is measured: the Enti, the period ``[start, end)`` (UTC) and the instant ``now``."""

    ente_ids: tuple[int, ...]
    start: datetime
    end: datetime
    now: datetime
    date_from: date
    date_to: date


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def default_period(now: datetime | None = None) -> tuple[date, date]:
    """The current month in Europe/Rome, up to today."""
    today = (now or utcnow()).astimezone(ROME).date()
    return today.replace(day=1), today


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ROME).astimezone(UTC)


def make_scope(ente_ids: Iterable[int], date_from: date, date_to: date,
               now: datetime | None = None) -> Scope:
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    return Scope(tuple(sorted(set(ente_ids))), _midnight_utc(date_from),
                 _midnight_utc(date_to + timedelta(days=1)), now or utcnow(), date_from, date_to)


def visible_enti(principal) -> list[Ente]:
    """The Enti the principal may measure: every Ente for an admin without Enti, else theirs."""
    stmt = select(Ente).order_by(Ente.code)
    if not principal.all_enti:
        stmt = stmt.where(Ente.id.in_(sorted(principal.ente_ids)))
    return list(db.session.scalars(stmt))


def visible_ente(principal, code: str) -> Ente:
    """The Ente with ``code`` if the principal may see it, else :class:`NotVisible`."""
    for ente in visible_enti(principal):
        if ente.code == code:
            return ente
    raise NotVisible(code)


def scope_for(principal, *, ente_code: str | None = None, date_from: date | None = None,
              date_to: date | None = None, now: datetime | None = None) -> tuple[Scope, list[Ente]]:
    """The scope of a principal's dashboard: one visible Ente (``ente_code``) or all of them;
    the period defaults to the current month. Raises :class:`NotVisible`."""
    now = now or utcnow()
    enti = [visible_ente(principal, ente_code)] if ente_code else visible_enti(principal)
    first, last = default_period(now)
    return make_scope((e.id for e in enti), date_from or first, date_to or last, now), enti


# -- value objects -------------------------------------------------------------------------


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@dataclass(frozen=True)
class Outcome:
    """Charter-term outcome counts of one target over a set of cases."""

    cases: int = 0  # cases with this target
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.cases + other.cases, self.on_time + other.on_time,
                       self.late + other.late, self.overdue + other.overdue,
                       self.pending + other.pending)

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def breaches(self) -> int:
        return self.late + self.overdue

    @property
    def share(self) -> Fraction | None:
        """On time ÷ decided (``None`` when nothing is decided yet)."""
        return _share(self.on_time, self.decided)

    @property
    def compliant(self) -> bool | None:
        share = self.share
        return None if share is None else share >= TERM_TARGET


@dataclass(frozen=True)
class GroupOutcome:
    """The cases received of one channel × type and their outcomes."""

    channel: str
    type: str
    received: int
    first_response: Outcome
    resolution: Outcome
    primary: Outcome  # first response, or resolution when there is no first-response target

    def target(self, name: str) -> Outcome:
        return getattr(self, name)


@dataclass(frozen=True)
class ShareRow:
    key: str  # channel or case type; "" for the total
    received: int
    outcome: Outcome


@dataclass(frozen=True)
class TimeStats:
    count: int
    mean_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class TimeRow:
    key: str  # channel; "" for all channels
    first_response: TimeStats
    resolution: TimeStats


@dataclass(frozen=True)
class BacklogRow:
    key: str  # AGE_BUCKETS key
    low: int
    high: int | None
    count: int
    overdue: int  # of which past a due time


@dataclass(frozen=True)
class AgentLoad:
    staff_id: int
    name: str
    open_assigned: int
    resolved_in_period: int


@dataclass(frozen=True)
class SatisfactionRow:
    key: str  # channel; "" for all
    responses: int
    positive: int

    @property
    def share(self) -> Fraction | None:
        return _share(self.positive, self.responses)

    @property
    def compliant(self) -> bool | None:
        share = self.share
        return None if share is None else share >= SATISFACTION_TARGET


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    groups: tuple[GroupOutcome, ...]
    by_channel: tuple[ShareRow, ...]
    by_type: tuple[ShareRow, ...]
    total: ShareRow
    breaches: dict[str, Outcome]
    times: tuple[TimeRow, ...]
    email_pec_mean_hours: float | None
    backlog: tuple[BacklogRow, ...]
    workload: tuple[AgentLoad, ...]
    satisfaction: tuple[SatisfactionRow, ...]  # the total first


# -- queries -------------------------------------------------------------------------------


def _received(scope: Scope) -> list[ColumnElement[bool]]:
    """Cases received in the period: a range on ix_case_ente_opened."""
    return [Case.ente_id.in_(scope.ente_ids), Case.opened_at >= scope.start,
            Case.opened_at < scope.end, Case.merged_into_id.is_(None)]


def _first_response_met():
    return func.coalesce(Case.first_response_at, Case.resolved_at)


def _count_if(condition) -> ColumnElement[int]:
    """``count(*) FILTER (WHERE …)`` (PostgreSQL, SQLite ≥ 3.30)."""
    return func.count().filter(condition)


def _outcome_columns(name: str, due, met, now: datetime) -> list:
    has = due.is_not(None)
    return [
        _count_if(has).label(f"{name}_cases"),
        _count_if(and_(has, met.is_not(None), met <= due)).label(f"{name}_on_time"),
        _count_if(and_(has, met.is_not(None), met > due)).label(f"{name}_late"),
        _count_if(and_(has, met.is_(None), due < now)).label(f"{name}_overdue"),
        _count_if(and_(has, met.is_(None), due >= now)).label(f"{name}_pending"),
    ]


def _outcome(row, name: str) -> Outcome:
    return Outcome(*(int(getattr(row, f"{name}_{part}") or 0)
                     for part in ("cases", "on_time", "late", "overdue", "pending")))


def outcomes(scope: Scope) -> tuple[GroupOutcome, ...]:
    """Cases received per channel × type with the outcome of each target (one query)."""
    fr_met = _first_response_met()
    primary_due = func.coalesce(Case.first_response_due, Case.resolution_due)
    primary_met = case((Case.first_response_due.is_not(None), fr_met), else_=Case.resolved_at)
    stmt = (
        select(Case.channel, Case.type, func.count().label("received"),
               *_outcome_columns("first_response", Case.first_response_due, fr_met, scope.now),
               *_outcome_columns("resolution", Case.resolution_due, Case.resolved_at, scope.now),
               *_outcome_columns("primary", primary_due, primary_met, scope.now))
        .where(*_received(scope))
        .group_by(Case.channel, Case.type)
        .order_by(Case.channel, Case.type)
    )
    return tuple(
        GroupOutcome(str(row.channel), str(row.type), int(row.received),
                     _outcome(row, "first_response"), _outcome(row, "resolution"),
                     _outcome(row, "primary"))
        for row in db.session.execute(stmt)
    )


def _roll_up(groups: Iterable[GroupOutcome], attr: str, keys: Sequence[str],
             target: str = "primary") -> tuple[ShareRow, ...]:
    received = dict.fromkeys(keys, 0)
    totals = {key: Outcome() for key in keys}
    for group in groups:
        key = getattr(group, attr)
        received[key] = received.get(key, 0) + group.received
        totals[key] = totals.get(key, Outcome()) + group.target(target)
    return tuple(ShareRow(key, received[key], totals[key]) for key in received if received[key])


def by_channel(groups: Iterable[GroupOutcome]) -> tuple[ShareRow, ...]:
    return _roll_up(groups, "channel", CHANNELS)


def by_type(groups: Iterable[GroupOutcome]) -> tuple[ShareRow, ...]:
    return _roll_up(groups, "type", CASE_TYPES)


def total(groups: Iterable[GroupOutcome]) -> ShareRow:
    groups = tuple(groups)
    outcome = sum((g.primary for g in groups), Outcome())
    return ShareRow("", sum(g.received for g in groups), outcome)


def breaches(groups: Iterable[GroupOutcome]) -> dict[str, Outcome]:
    groups = tuple(groups)
    return {name: sum((g.target(name) for g in groups), Outcome()) for name in TARGETS}


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _hours(seconds) -> float | None:
    return None if seconds is None else float(seconds) / 3600


def _time_measures():
    """The two durations measured: (name, instant the target was met)."""
    return (("first_response", _first_response_met()), ("resolution", Case.resolved_at))


def _time_rows(rows, key_of, p90_of) -> dict[str, TimeRow]:
    return {
        key_of(row): TimeRow(key_of(row), *(
            TimeStats(int(getattr(row, f"{name}_n") or 0), _hours(getattr(row, f"{name}_mean")),
                      _hours(p90_of(row, name)))
            for name, _ in _time_measures()))
        for row in rows
    }


def _times_postgres(scope: Scope) -> dict[str, TimeRow]:
    """One pass: ``avg`` and ``percentile_cont`` per channel and, through ``ROLLUP``, for all
    channels. The seconds are computed once per case in a subquery, as double precision
    (``date_part``; ``EXTRACT`` gives numeric, slower to compute and to sort); NULLs (targets
    not met) are ignored by the aggregates."""
    inner = select(Case.channel, *(
        (func.date_part("epoch", met) - func.date_part("epoch", Case.opened_at)).label(name)
        for name, met in _time_measures())).where(*_received(scope)).subquery()
    columns = []
    for name, _ in _time_measures():
        seconds = inner.c[name]
        columns += [
            func.count(seconds).label(f"{name}_n"),
            func.avg(seconds).label(f"{name}_mean"),
            func.percentile_cont(float(PERCENTILE)).within_group(seconds).label(f"{name}_p90"),
        ]
    stmt = (select(inner.c.channel, func.grouping(inner.c.channel).label("total"), *columns)
            .group_by(func.rollup(inner.c.channel)))
    return _time_rows(db.session.execute(stmt),
                      lambda row: "" if row.total else str(row.channel),
                      lambda row, name: getattr(row, f"{name}_p90"))


def _seconds_portable(later, earlier):
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _percentile_fallback(scope: Scope, seconds, met, group) -> dict[str, float]:
    """``percentile_cont`` for databases without it (SQLite): window functions pick the two
    ranks around the percentile position of each group; Python interpolates between them."""
    num, den = PERCENTILE.numerator, PERCENTILE.denominator
    over = {"partition_by": group} if group is not None else {}
    inner = (
        select((group if group is not None else literal("")).label("g"), seconds.label("x"),
               func.row_number().over(order_by=seconds, **over).label("rn"),
               func.count().over(**over).label("n"))
        .where(*_received(scope), met.is_not(None))
        .subquery()
    )
    low_rank = (inner.c.n - 1) * num // den + 1
    stmt = select(inner.c.g, inner.c.rn, inner.c.n, inner.c.x).where(
        or_(inner.c.rn == low_rank, inner.c.rn == low_rank + 1))
    picked: dict[str, dict[int, float]] = {}
    sizes: dict[str, int] = {}
    for row in db.session.execute(stmt):
        key = str(row.g)
        picked.setdefault(key, {})[int(row.rn)] = float(row.x)
        sizes[key] = int(row.n)
    result = {}
    for key, values in picked.items():
        position = Fraction((sizes[key] - 1) * num, den)
        low = int(position)
        below = values[low + 1]
        above = values.get(low + 2, below)
        result[key] = below + (above - below) * float(position - low)
    return result


def _times_portable(scope: Scope) -> dict[str, TimeRow]:
    """The same figures without ``percentile_cont`` or ``ROLLUP`` (SQLite)."""
    result = {}
    for group in (Case.channel, None):
        columns = []
        for name, met in _time_measures():
            seconds = _seconds_portable(met, Case.opened_at)
            columns += [func.count(met).label(f"{name}_n"),
                        func.avg(seconds).label(f"{name}_mean")]
        key_col = (group if group is not None else literal("")).label("g")
        stmt = select(key_col, *columns).where(*_received(scope))
        if group is not None:
            stmt = stmt.group_by(group)
        p90 = {name: _percentile_fallback(scope, _seconds_portable(met, Case.opened_at), met,
                                          group)
               for name, met in _time_measures()}
        result.update(_time_rows(db.session.execute(stmt), lambda row: str(row.g),
                                 lambda row, name, p90=p90: p90[name].get(str(row.g))))
    return result


def response_times(scope: Scope) -> tuple[TimeRow, ...]:
    """Mean and 90th percentile, in calendar hours, per channel and then for all channels."""
    rows = _times_postgres(scope) if _is_postgres() else _times_portable(scope)
    empty = TimeRow("", TimeStats(0, None, None), TimeStats(0, None, None))
    return (*(rows[c] for c in CHANNELS if c in rows), rows.get("", empty))


def email_pec_mean_hours(times: Iterable[TimeRow]) -> float | None:
    """Mean first-response time of e-mail and PEC together (charter KPI ≤ 3 days)."""
    rows = [t.first_response for t in times if t.key in ("email", "pec")]
    count = sum(r.count for r in rows)
    if not count:
        return None
    return sum(r.mean_hours * r.count for r in rows if r.mean_hours is not None) / count


def backlog(scope: Scope) -> tuple[BacklogRow, ...]:
    """Open cases now by age in calendar days (ix_case_ente_status)."""
    now = scope.now
    bucket = case(*(
        (Case.opened_at > now - timedelta(days=high + 1), index)
        for index, (_, _, high) in enumerate(AGE_BUCKETS) if high is not None
    ), else_=len(AGE_BUCKETS) - 1)
    inner = (select(bucket.label("bucket"), Case.next_due)
             .where(Case.ente_id.in_(scope.ente_ids), Case.status.in_(OPEN_STATUSES))
             .subquery())
    stmt = (select(inner.c.bucket, func.count().label("n"),
                   _count_if(inner.c.next_due < now).label("overdue"))
            .group_by(inner.c.bucket))
    counts = {int(row.bucket): (int(row.n), int(row.overdue or 0))
              for row in db.session.execute(stmt)}
    return tuple(BacklogRow(key, low, high, *counts.get(index, (0, 0)))
                 for index, (key, low, high) in enumerate(AGE_BUCKETS))


def workload(scope: Scope) -> tuple[AgentLoad, ...]:
    """Per agent: open cases assigned now, cases resolved or closed in the period."""
    open_stmt = (select(Case.assignee_id, func.count().label("n"))
                 .where(Case.ente_id.in_(scope.ente_ids), Case.status.in_(OPEN_STATUSES),
                        Case.assignee_id.is_not(None))
                 .group_by(Case.assignee_id))
    done_stmt = (select(Case.assignee_id, func.count().label("n"))
                 .where(Case.ente_id.in_(scope.ente_ids), Case.resolved_at >= scope.start,
                        Case.resolved_at < scope.end, Case.assignee_id.is_not(None),
                        Case.merged_into_id.is_(None))
                 .group_by(Case.assignee_id))
    open_counts = {row.assignee_id: int(row.n) for row in db.session.execute(open_stmt)}
    done_counts = {row.assignee_id: int(row.n) for row in db.session.execute(done_stmt)}
    ids = sorted(set(open_counts) | set(done_counts))
    names = {row.id: row.name for row in db.session.execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))} if ids else {}
    rows = [AgentLoad(i, names.get(i, str(i)), open_counts.get(i, 0), done_counts.get(i, 0))
            for i in ids]
    return tuple(sorted(rows, key=lambda r: (-r.open_assigned, -r.resolved_in_period, r.name)))


def satisfaction(scope: Scope) -> tuple[SatisfactionRow, ...]:
    """Survey responses about the cases received in the period: the total, then per channel.
    The cases come from ix_case_ente_opened like every other figure of the period; the survey
    table is hash-joined (a few rows per hundred cases)."""
    stmt = (select(Case.channel, func.count().label("n"),
                   _count_if(SurveyResponse.score >= 4).label("positive"))
            .join(SurveyResponse, SurveyResponse.case_id == Case.id)
            .where(*_received(scope))
            .group_by(Case.channel))
    per_channel = {str(row.channel): SatisfactionRow(str(row.channel), int(row.n),
                                                     int(row.positive or 0))
                   for row in db.session.execute(stmt)}
    rows = [per_channel[c] for c in CHANNELS if c in per_channel]
    overall = SatisfactionRow("", sum(r.responses for r in rows), sum(r.positive for r in rows))
    return (overall, *rows)


def resolved_count(scope: Scope) -> int:
    """Cases resolved or closed in the period."""
    stmt = select(func.count()).where(Case.ente_id.in_(scope.ente_ids),
                                      Case.resolved_at >= scope.start,
                                      Case.resolved_at < scope.end,
                                      Case.merged_into_id.is_(None))
    return int(db.session.scalar(stmt) or 0)


def dashboard(scope: Scope) -> Dashboard:
    """Every figure of the supervisor dashboard: six aggregate queries on PostgreSQL (the
    response times take two more on SQLite) and one for the operators' names."""
    groups = outcomes(scope)
    times = response_times(scope)
    return Dashboard(
        scope=scope, groups=groups, by_channel=by_channel(groups), by_type=by_type(groups),
        total=total(groups), breaches=breaches(groups), times=times,
        email_pec_mean_hours=email_pec_mean_hours(times), backlog=backlog(scope),
        workload=workload(scope), satisfaction=satisfaction(scope),
    )


# -- charter terms of the groups ----------------------------------------------------------

#: A Tuesday far from any holiday: the instant used to tell which policy sets each target of
#: a channel × type (the earliest due time wins; see :func:`sla.due_times`).
_REFERENCE_OPENING = datetime(2025, 2, 11, 10, 0, tzinfo=ROME)


@lru_cache(maxsize=64)
def governing_policies(policies: tuple[sla.Policy, ...]) -> dict[tuple[str, str], dict[str, str | None]]:
    """For each (channel, type): the key of the policy that sets each target, as on an
    ordinary working day. Report rows attribute the cases of a group to these policies; each
    case is still measured against its own due time."""
    result = {}
    for channel in CHANNELS:
        for case_type in CASE_TYPES:
            due = sla.due_times(policies, channel, case_type, _REFERENCE_OPENING)
            result[(channel, case_type)] = {
                name: (getattr(due, name).policy.key if getattr(due, name) else None)
                for name in TARGETS}
    return result


def by_policy(groups: Iterable[GroupOutcome],
              policies: tuple[sla.Policy, ...]) -> list[tuple[sla.Policy, str, Outcome]]:
    """One row per policy target: (policy, target name, outcome of the cases it governs)."""
    governing = governing_policies(policies)
    groups = tuple(groups)
    rows = []
    for policy in policies:
        for name in TARGETS:
            if policy.target(name) is None:
                continue
            outcome = sum((g.target(name) for g in groups
                           if governing.get((g.channel, g.type), {}).get(name) == policy.key),
                          Outcome())
            rows.append((policy, name, outcome))
    return rows
