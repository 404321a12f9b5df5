"""Reminders, the provisional roll, ingiunzioni fiscali and the prescription watch.

The path of an unpaid verbale (fines-law digest §6, Rho art. 3 g, Siracusa art. 2):

1. **Ultimo avviso** — once the minimum-amount window has closed and the Ente's
   ``reminder_after_days`` have passed with a balance still due, a reminder letter
   (``LetterKind.ULTIMO_AVVISO``) is produced. The batch re-reads the ledger for each verbale
   *just before* producing its letter, so no one who has paid (or whose payment is being
   confirmed) gets a reminder.
2. **Provisional roll** — ``roll_after_reminder_days`` after the reminder, verbali still unpaid
   go on a draft :class:`~core.models.Roll` with the engine's figures of the day (sanction,
   costs, the art. 27 surcharge per the Ente's rules, payments). The Ente reviews it in the
   contact center, may exclude entries with a reason, and approves it.
3. **Ingiunzione fiscale** — approval issues one ingiunzione per included entry (R.D.
   639/1910, payable in ``ingiunzione_payment_days``), again re-checking the ledger and any
   suspension first; the verbale passes to ``enforcement`` and the surcharge stops on the
   issue date (``extra.enrolled_on``, read by the engine bridge).

Never selected: verbali with an appeal pending (status ``appealed``), with an instalment plan
(status ``instalments``), paid, cancelled, already in enforcement, or prescribed — the
prescription date is the last interrupting act (violation, notification, reminder,
ingiunzione, perfected notification) plus ``prescription_years`` (art. 209 CdS, art. 28 L.
689/81), and :func:`prescription_watch` lists those approaching it.

Batches stream verbali by keyset in chunks through :mod:`core.batches`; letters are unique per
(verbale, kind, sequence), so a killed run resumes without duplicating a reminder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from core import audit, batches, db
from core.batches import Chunk
from core.db import utcnow
from core.models import (
    BatchRun,
    EnforcementPolicy,
    Ente,
    EntryStatus,
    Letter,
    LetterKind,
    NotificationEvent,
    Payment,
    PaymentStatus,
    Roll,
    RollEntry,
    RollStatus,
    Verbale,
    VerbaleStatus,
    VerbaleViolation,
)
from core.positions import local_today, quote_verbale
from core.reporting.monthly import ROME

from . import acts

ZERO = Decimal("0.00")
CHUNK = 500
# A payment started this recently and not yet confirmed holds back reminders and rolls.
PENDING_HOLD = timedelta(days=3)
SUSPENDED = {VerbaleStatus.APPEALED: "appeal_pending", VerbaleStatus.INSTALMENTS: "instalments"}
CLOSED = {VerbaleStatus.PAID, VerbaleStatus.CANCELLED}
INTERRUPTING_LETTERS = (LetterKind.VERBALE, LetterKind.ULTIMO_AVVISO, LetterKind.INGIUNZIONE)


class EnforcementError(ValueError):
    """A rule forbids the action (the message is shown to the staff member)."""


# -- policy ------------------------------------------------------------------------------------


def policy_for(ente_id: int, on: date) -> EnforcementPolicy:
    """The Ente's policy in force on ``on`` (the defaults when it has none)."""
    policy = db.session.scalar(
        select(EnforcementPolicy).where(EnforcementPolicy.ente_id == ente_id,
                                        EnforcementPolicy.valid_from <= on)
        .order_by(EnforcementPolicy.valid_from.desc()).limit(1))
    if policy is None:
        policy = EnforcementPolicy(ente_id=ente_id, valid_from=date(2000, 1, 1),
                                   reminder_after_days=30, roll_after_reminder_days=30,
                                   ingiunzione_payment_days=30, prescription_years=5,
                                   prescription_warning_days=180)
    return policy


# -- ledger and prescription, read fresh --------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    confirmed: Decimal
    pending: bool


def fresh_ledger(verbale_ids: Iterable[int], now: datetime | None = None) -> dict[int, Ledger]:
    """Confirmed totals and payments in progress, read from the database now (one query)."""
    ids = list(verbale_ids)
    if not ids:
        return {}
    since = (now or utcnow()) - PENDING_HOLD
    rows = db.session.execute(
        select(Payment.verbale_id,
               func.coalesce(func.sum(Payment.amount).filter(Payment.status == PaymentStatus.CONFIRMED), 0),
               func.count(Payment.id).filter(Payment.status == PaymentStatus.PENDING,
                                             Payment.created_at >= since))
        .where(Payment.verbale_id.in_(ids)).group_by(Payment.verbale_id)).all()
    found = {vid: Ledger(Decimal(total).quantize(Decimal("0.01")), bool(pending))
             for vid, total, pending in rows}
    return {vid: found.get(vid, Ledger(ZERO, False)) for vid in ids}


def last_acts(verbale_ids: Iterable[int]) -> dict[int, date]:
    """The latest interrupting act per verbale among letters and perfected notifications."""
    ids = list(verbale_ids)
    latest: dict[int, date] = {}
    if not ids:
        return latest
    for vid, created in db.session.execute(
            select(Letter.verbale_id, func.max(Letter.created_at))
            .where(Letter.verbale_id.in_(ids), Letter.kind.in_(INTERRUPTING_LETTERS))
            .group_by(Letter.verbale_id)):
        if created is not None:
            latest[vid] = max(latest.get(vid, date.min), _as_date(created))
    for vid, perfected in db.session.execute(
            select(NotificationEvent.verbale_id, func.max(NotificationEvent.perfected_on))
            .where(NotificationEvent.verbale_id.in_(ids)).group_by(NotificationEvent.verbale_id)):
        if perfected is not None:
            latest[vid] = max(latest.get(vid, date.min), perfected)
    return latest


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(ROME).date()
    if isinstance(value, str):  # SQLite aggregates come back as text
        return datetime.fromisoformat(value).date()
    return value


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def prescription_on(verbale: Verbale, last_act: date | None, years: int) -> date:
    start = max(d for d in (verbale.violation_at.date(), verbale.notified_on, last_act) if d)
    return _add_years(start, years)


# -- selection ---------------------------------------------------------------------------------


def _midnight_after(day: date) -> datetime:
    """The instant the day after ``day`` starts in Europe/Rome (an exclusive upper bound)."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=ROME)


def _keyset(stmt, cursor: dict[str, Any]):
    after = cursor.get("after_id", 0)
    return stmt.where(Verbale.id > after).order_by(Verbale.id).limit(CHUNK)


def _load(ids: list[int]) -> list[Verbale]:
    if not ids:
        return []
    return list(db.session.scalars(
        select(Verbale).where(Verbale.id.in_(ids)).order_by(Verbale.id).options(
            selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
            selectinload(Verbale.costs), selectinload(Verbale.payments),
            selectinload(Verbale.ente))))


@dataclass(frozen=True)
class Assessment:
    """Why a verbale is or is not due for the next step, with the engine's figures."""

    verbale_id: int
    due: bool
    reason: str  # "due", "paid", "payment_in_progress", "prescribed", "appeal_pending", …
    total: Decimal = ZERO
    sanction: Decimal = ZERO
    costs: Decimal = ZERO
    surcharge: Decimal = ZERO
    paid: Decimal = ZERO
    prescription_on: date | None = None


def assess(verbale: Verbale, today: date, ledger: Ledger, last_act: date | None,
           policy: EnforcementPolicy) -> Assessment:
    """Is ``verbale`` still unpaid, enforceable and not suspended today?"""
    status = VerbaleStatus(verbale.status)
    prescribes = prescription_on(verbale, last_act, policy.prescription_years)
    if status in SUSPENDED:
        return Assessment(verbale.id, False, SUSPENDED[status], prescription_on=prescribes)
    if status in CLOSED:
        return Assessment(verbale.id, False, str(status), prescription_on=prescribes)
    if prescribes <= today:
        return Assessment(verbale.id, False, "prescribed", prescription_on=prescribes)
    if ledger.pending:
        return Assessment(verbale.id, False, "payment_in_progress", prescription_on=prescribes)
    quote = quote_verbale(verbale, today, paid=ledger.confirmed, timeline=False)
    if quote is None:
        return Assessment(verbale.id, False, "not_notified", prescription_on=prescribes)
    if quote.total <= 0:
        return Assessment(verbale.id, False, "paid", paid=ledger.confirmed, prescription_on=prescribes)
    return Assessment(verbale.id, True, "due", total=quote.total, sanction=quote.sanction,
                      costs=quote.costs_total, surcharge=quote.surcharge, paid=ledger.confirmed,
                      prescription_on=prescribes)


def _assess_all(verbali: list[Verbale], today: date, policy: EnforcementPolicy) -> list[Assessment]:
    ids = [v.id for v in verbali]
    ledgers, acts_by_id = fresh_ledger(ids), last_acts(ids)
    return [assess(v, today, ledgers[v.id], acts_by_id.get(v.id), policy) for v in verbali]


def reminder_candidates(ente_id: int, today: date, policy: EnforcementPolicy):
    """SQL pre-selection: notified verbali past the minimum window plus the Ente's delay,
    without an ultimo avviso. The engine and a fresh ledger decide for each one."""
    limit = today - timedelta(days=60 + policy.reminder_after_days)
    has_reminder = select(Letter.id).where(Letter.verbale_id == Verbale.id,
                                           Letter.kind == LetterKind.ULTIMO_AVVISO).exists()
    return select(Verbale.id).where(
        Verbale.ente_id == ente_id, Verbale.status == VerbaleStatus.NOTIFIED,
        Verbale.notified_on.is_not(None), Verbale.notified_on <= limit, ~has_reminder)


def roll_candidates(ente_id: int, today: date, policy: EnforcementPolicy):
    """Notified verbali whose ultimo avviso is older than the Ente's term and which are on no
    live roll."""
    limit = today - timedelta(days=policy.roll_after_reminder_days)
    reminded = select(Letter.id).where(Letter.verbale_id == Verbale.id,
                                       Letter.kind == LetterKind.ULTIMO_AVVISO,
                                       Letter.created_at < _midnight_after(limit)).exists()
    on_roll = (select(RollEntry.id).join(Roll, Roll.id == RollEntry.roll_id)
               .where(RollEntry.verbale_id == Verbale.id, Roll.status != RollStatus.REJECTED,
                      RollEntry.status.in_((EntryStatus.INCLUDED, EntryStatus.ISSUED))).exists())
    return select(Verbale.id).where(
        Verbale.ente_id == ente_id, Verbale.status == VerbaleStatus.NOTIFIED, reminded, ~on_roll)


# -- 1. reminders ------------------------------------------------------------------------------


def start_reminders(ente: Ente, *, today: date | None = None, created_by: str = "") -> BatchRun:
    today = today or local_today(ente)
    total = db.session.scalar(select(func.count()).select_from(
        reminder_candidates(ente.id, today, policy_for(ente.id, today)).subquery()))
    return batches.start("reminders", ente_id=ente.id, label=f"Ultimo avviso {ente.code} {today}",
                         params={"today": today.isoformat()}, total=total, created_by=created_by)


def reminders_chunk(run: BatchRun) -> Chunk:
    today = date.fromisoformat(run.params["today"])
    policy = policy_for(run.ente_id, today)
    ids = list(db.session.scalars(_keyset(reminder_candidates(run.ente_id, today, policy), run.cursor)))
    if not ids:
        return Chunk(more=False)
    done, skipped = 0, {}
    verbali = _load(ids)
    for verbale, assessment in zip(verbali, _assess_all(verbali, today, policy), strict=True):
        if not assessment.due:
            skipped[assessment.reason] = skipped.get(assessment.reason, 0) + 1
            continue
        acts.produce(verbale, LetterKind.ULTIMO_AVVISO, batch_run_id=run.id)
        done += 1
    return Chunk(done=done + sum(skipped.values()), cursor={"after_id": ids[-1]}, more=len(ids) == CHUNK,
                 result={"reminders": done, **{f"skipped_{k}": v for k, v in skipped.items()}})


def run_reminders(run_id: int) -> None:
    batches.drive(run_id, reminders_chunk)


# -- 2. provisional roll -----------------------------------------------------------------------


def _next_roll_number(ente: Ente, today: date) -> str:
    prefix = f"{ente.code}-ROLL-{today.year}-"
    count = db.session.scalar(select(func.count(Roll.id)).where(Roll.number.like(f"{prefix}%"))) or 0
    return f"{prefix}{count + 1:04d}"


def prepare_roll(ente: Ente, *, today: date | None = None, actor_label: str = "system") -> Roll | None:
    """A draft roll of every verbale due for enforcement, or ``None`` when there is none.
    Streams the candidates in chunks; flushes, never commits."""
    today = today or local_today(ente)
    policy = policy_for(ente.id, today)
    roll = Roll(ente_id=ente.id, number=_next_roll_number(ente, today), prepared_on=today,
                created_by=actor_label)
    db.session.add(roll)
    db.session.flush()
    cursor: dict[str, Any] = {}
    count, total, skipped = 0, ZERO, {}
    while True:
        ids = list(db.session.scalars(_keyset(roll_candidates(ente.id, today, policy), cursor)))
        if not ids:
            break
        verbali = _load(ids)
        for verbale, assessment in zip(verbali, _assess_all(verbali, today, policy), strict=True):
            if not assessment.due:
                skipped[assessment.reason] = skipped.get(assessment.reason, 0) + 1
                continue
            db.session.add(RollEntry(
                roll_id=roll.id, verbale_id=verbale.id, sanction=assessment.sanction,
                costs=assessment.costs, surcharge=assessment.surcharge, paid=assessment.paid,
                amount=assessment.total, prescription_on=assessment.prescription_on))
            count += 1
            total += assessment.total
        db.session.flush()
        cursor = {"after_id": ids[-1]}
        if len(ids) < CHUNK:
            break
    if not count:
        db.session.delete(roll)
        db.session.flush()
        return None
    roll.entries_count, roll.total = count, total
    audit.record("roll.prepared", actor_type="system", actor_id=None, object_type="roll",
                 object_id=roll.id, ente_id=ente.id, entries=count, total=str(total), skipped=skipped)
    return roll


def _require_decider(roll: Roll, principal) -> None:
    if roll.status != RollStatus.DRAFT:
        raise EnforcementError(_("This roll has already been decided."))
    if principal.role not in ("ente_viewer", "admin"):
        raise EnforcementError(_("Only the Municipality's officer or an administrator decides a roll."))


def exclude_entry(roll: Roll, entry_id: int, principal, reason: str) -> RollEntry:
    _require_decider(roll, principal)
    reason = (reason or "").strip()
    if not reason:
        raise EnforcementError(_("Give the reason for excluding the verbale."))
    entry = next((e for e in roll.entries if e.id == entry_id), None)
    if entry is None or entry.status != EntryStatus.INCLUDED:
        raise LookupError(entry_id)
    entry.status, entry.note = EntryStatus.EXCLUDED, reason[:2000]
    roll.entries_count -= 1
    roll.total -= entry.amount
    audit.record("roll.entry_excluded", actor_type="staff", actor_id=principal.id,
                 object_type="roll_entry", object_id=entry.id, ente_id=roll.ente_id, reason=reason)
    db.session.flush()
    return entry


def decide(roll: Roll, principal, approve: bool, note: str = "") -> BatchRun | None:
    """Approve (issuing the ingiunzioni in a batch after the commit) or reject the roll."""
    _require_decider(roll, principal)
    roll.status = RollStatus.APPROVED if approve else RollStatus.REJECTED
    roll.decided_at, roll.decided_by_id, roll.decision_note = utcnow(), principal.id, note.strip()[:2000]
    audit.record("roll.approved" if approve else "roll.rejected", actor_type="staff",
                 actor_id=principal.id, object_type="roll", object_id=roll.id, ente_id=roll.ente_id)
    db.session.flush()
    if not approve:
        return None
    run = batches.start("ingiunzioni", ente_id=roll.ente_id, label=f"Ingiunzioni {roll.number}",
                        params={"roll_id": roll.id}, total=roll.entries_count,
                        created_by=getattr(principal, "email", ""))
    batches.schedule(run, run_ingiunzioni)
    return run


# -- 3. ingiunzioni ----------------------------------------------------------------------------


def ingiunzioni_chunk(run: BatchRun) -> Chunk:
    roll = db.session.get(Roll, run.params["roll_id"])
    today = local_today(roll.ente)
    policy = policy_for(roll.ente_id, today)
    after = run.cursor.get("after_entry", 0)
    entries = list(db.session.scalars(
        select(RollEntry).where(RollEntry.roll_id == roll.id, RollEntry.id > after,
                                RollEntry.status == EntryStatus.INCLUDED)
        .order_by(RollEntry.id).limit(CHUNK)))
    if not entries:
        roll.status = RollStatus.ISSUED
        return Chunk(more=False)
    verbali = {v.id: v for v in _load([e.verbale_id for e in entries])}
    ordered = [verbali[e.verbale_id] for e in entries]
    issued, outcome = 0, {}
    for entry, assessment in zip(entries, _assess_all(ordered, today, policy), strict=True):
        verbale = verbali[entry.verbale_id]
        if not assessment.due:
            entry.status = EntryStatus.PAID if assessment.reason == "paid" else EntryStatus.SUSPENDED
            entry.note = assessment.reason
            outcome[assessment.reason] = outcome.get(assessment.reason, 0) + 1
            continue
        verbale.status = VerbaleStatus.ENFORCEMENT
        verbale.extra = {**(verbale.extra or {}), "enrolled_on": today.isoformat(),
                         "ingiunzione_due_by": (today + timedelta(days=policy.ingiunzione_payment_days)).isoformat(),
                         "roll": roll.number}
        entry.status, entry.issued_on = EntryStatus.ISSUED, today
        entry.amount = assessment.total
        acts.produce(verbale, LetterKind.INGIUNZIONE, batch_run_id=run.id)
        issued += 1
    db.session.flush()
    return Chunk(done=len(entries), cursor={"after_entry": entries[-1].id}, more=True,
                 result={"issued": issued, **{f"not_issued_{k}": v for k, v in outcome.items()}})


def run_ingiunzioni(run_id: int) -> None:
    batches.drive(run_id, ingiunzioni_chunk)


# -- prescription watch ------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchLine:
    verbale_id: int
    number: str
    status: str
    prescription_on: date
    days_left: int
    balance: Decimal


def prescription_watch(ente_id: int, today: date, within_days: int | None = None) -> Iterator[WatchLine]:
    """Unpaid verbali that prescribe within ``within_days`` (the policy's warning period by
    default), soonest first within each chunk. Streams by keyset."""
    policy = policy_for(ente_id, today)
    within = policy.prescription_warning_days if within_days is None else within_days
    horizon = today + timedelta(days=within)
    # The last act is never before the notification (or violation): a cheap SQL bound.
    latest_start = _add_years(horizon, -policy.prescription_years)
    base = select(Verbale.id).where(
        Verbale.ente_id == ente_id,
        Verbale.status.in_((VerbaleStatus.ASSESSED, VerbaleStatus.NOTIFIED, VerbaleStatus.ENFORCEMENT)),
        or_(and_(Verbale.notified_on.is_not(None), Verbale.notified_on <= latest_start),
            and_(Verbale.notified_on.is_(None), Verbale.violation_at < _midnight_after(latest_start))))
    cursor: dict[str, Any] = {}
    while True:
        ids = list(db.session.scalars(_keyset(base, cursor)))
        if not ids:
            return
        verbali = _load(ids)
        ledgers, acts_by_id = fresh_ledger(ids), last_acts(ids)
        lines = []
        for verbale in verbali:
            prescribes = prescription_on(verbale, acts_by_id.get(verbale.id), policy.prescription_years)
            if prescribes > horizon:
                continue
            quote = quote_verbale(verbale, min(today, prescribes), paid=ledgers[verbale.id].confirmed,
                                  timeline=False)
            balance = quote.total if quote is not None else ZERO
            if quote is not None and balance <= 0:
                continue
            lines.append(WatchLine(verbale.id, verbale.number, str(verbale.status), prescribes,
                                   (prescribes - today).days, balance))
        yield from sorted(lines, key=lambda line: line.prescription_on)
        cursor = {"after_id": ids[-1]}
        if len(ids) < CHUNK:
            return
