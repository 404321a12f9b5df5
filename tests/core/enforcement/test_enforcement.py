"""Enforcement rules: who is due for a reminder or the roll (fresh ledger, suspensions,
prescription), the roll with the engine's figures, the Ente's decision, the watch list."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core import db
from core.enforcement import service
from core.models import (
    EnforcementPolicy,
    EntryStatus,
    Letter,
    LetterKind,
    NotificationEvent,
    RollStatus,
    Verbale,
)
from tests import factories as f

TODAY = date(2026, 11, 23)


def _letter(verbale, kind, created_at):
    return f._save(Letter(ente_id=verbale.ente_id, verbale_id=verbale.id, person_id=verbale.offender_id,
                          kind=kind, verification_code=f"T{verbale.id}{kind[:3]}{created_at:%j}".upper()[:20],
                          storage_key=f"letters/{verbale.id}.pdf", sha256="0" * 64, created_at=created_at))


@pytest.fixture()
def world(portal_app, db_session):
    with portal_app.app_context():
        ente = f.ente()
        vtype = f.violation_type(min_amount="42.00", max_amount="173.00")
        people = [f.person(ente) for _ in range(3)]
        yield ente, vtype, people


def _verbale(world, notified_on=date(2026, 6, 1), **kw):
    ente, vtype, people = world
    violated = notified_on - timedelta(days=20)
    return f.verbale(ente, people[0], vtype, notified_on=notified_on, assessed_on=violated,
                     violation_at=datetime.combine(violated, datetime.min.time(), UTC), **kw)


def _assess(verbale, today=TODAY):
    ledger = service.fresh_ledger([verbale.id])[verbale.id]
    last = service.last_acts([verbale.id]).get(verbale.id)
    return service.assess(verbale, today, ledger, last, service.policy_for(verbale.ente_id, today))


def test_unpaid_past_the_windows_is_due_with_the_engines_figures(portal_app, world):
    with portal_app.app_context():
        v = _verbale(world)
        a = _assess(v)
        assert a.due and a.reason == "due"
        # day 61+: half the maximum (86.50) plus a started-semester surcharge per the defaults
        assert a.sanction == Decimal("86.50")
        assert a.total == a.sanction + a.costs + a.surcharge - a.paid


def test_paid_in_progress_suspended_and_closed_are_not_due(portal_app, world):
    with portal_app.app_context():
        paid = _verbale(world)
        f.payment(paid, "500.00")
        assert _assess(paid).reason == "paid"
        pending = _verbale(world)
        f.payment(pending, "86.50", status="pending", created_at=datetime.now(UTC))
        assert _assess(pending).reason == "payment_in_progress"
        assert _assess(_verbale(world, status="appealed")).reason == "appeal_pending"
        assert _assess(_verbale(world, status="instalments")).reason == "instalments"
        assert not _assess(_verbale(world, status="cancelled")).due


def test_prescription_restarts_from_the_last_interrupting_act(portal_app, world):
    with portal_app.app_context():
        v = _verbale(world, notified_on=date(2021, 3, 1))
        assert _assess(v, TODAY).reason == "prescribed"  # 2021-03-01 + 5 years = 2026-03-01
        v2 = _verbale(world, notified_on=date(2021, 3, 1))
        _letter(v2, LetterKind.ULTIMO_AVVISO, datetime(2024, 5, 2, 10, tzinfo=UTC))
        a = _assess(v2)
        assert a.due and a.prescription_on == date(2029, 5, 2)
        v3 = _verbale(world, notified_on=date(2021, 3, 1))
        f._save(NotificationEvent(verbale_id=v3.id, person_id=v3.offender_id, channel="post",
                                  outcome="perfected", perfected_on=date(2022, 1, 10)))
        assert _assess(v3).prescription_on == date(2027, 1, 10)


def test_reminder_candidates_respect_the_policy_and_existing_reminders(portal_app, world):
    with portal_app.app_context():
        ente = world[0]
        early = _verbale(world, notified_on=TODAY - timedelta(days=80))  # 60 + 30 not yet passed
        due = _verbale(world, notified_on=TODAY - timedelta(days=95))
        reminded = _verbale(world, notified_on=TODAY - timedelta(days=200))
        _letter(reminded, LetterKind.ULTIMO_AVVISO, datetime(2026, 9, 1, tzinfo=UTC))
        policy = service.policy_for(ente.id, TODAY)
        ids = set(db.session.scalars(service.reminder_candidates(ente.id, TODAY, policy)))
        assert due.id in ids and early.id not in ids and reminded.id not in ids
        f._save(EnforcementPolicy(ente_id=ente.id, valid_from=date(2026, 1, 1), reminder_after_days=10))
        policy = service.policy_for(ente.id, TODAY)
        assert early.id in set(db.session.scalars(service.reminder_candidates(ente.id, TODAY, policy)))


def test_roll_is_prepared_with_figures_and_decided_by_the_ente(portal_app, world):
    with portal_app.app_context():
        ente = world[0]
        reminded = _verbale(world)
        _letter(reminded, LetterKind.ULTIMO_AVVISO, datetime(2026, 9, 1, tzinfo=UTC))
        recent = _verbale(world)
        _letter(recent, LetterKind.ULTIMO_AVVISO, datetime(2026, 11, 20, tzinfo=UTC))
        paid = _verbale(world)
        _letter(paid, LetterKind.ULTIMO_AVVISO, datetime(2026, 9, 1, tzinfo=UTC))
        f.payment(paid, "500.00")
        roll = service.prepare_roll(ente, today=TODAY)
        assert roll.status == RollStatus.DRAFT and roll.number.endswith("-ROLL-2026-0001")
        assert [e.verbale_id for e in roll.entries] == [reminded.id]
        [entry] = roll.entries
        assert roll.total == entry.amount > 0
        # a second preparation finds nothing new: the verbale is on a live roll
        assert service.prepare_roll(ente, today=TODAY) is None

        agent = f.staff("supervisor", enti=[ente])
        viewer = f.staff("ente_viewer", enti=[ente])
        with pytest.raises(service.EnforcementError):
            service.decide(roll, agent, approve=True)
        with pytest.raises(service.EnforcementError):
            service.exclude_entry(roll, entry.id, viewer, "  ")
        service.exclude_entry(roll, entry.id, viewer, "Deceased offender")
        assert entry.status == EntryStatus.EXCLUDED and roll.entries_count == 0 and roll.total == 0
        assert service.decide(roll, viewer, approve=False, note="Nothing left") is None
        assert roll.status == RollStatus.REJECTED
        with pytest.raises(service.EnforcementError):
            service.decide(roll, viewer, approve=True)


def test_prescription_watch_lists_unpaid_verbali_soonest_first(portal_app, world):
    with portal_app.app_context():
        ente = world[0]
        soon = _verbale(world, notified_on=date(2021, 12, 20))
        later = _verbale(world, notified_on=date(2022, 3, 1))
        far = _verbale(world, notified_on=date(2025, 1, 1))
        paid = _verbale(world, notified_on=date(2021, 12, 1))
        f.payment(paid, "900.00")
        lines = list(service.prescription_watch(ente.id, TODAY, within_days=180))
        assert [line.verbale_id for line in lines] == [soon.id, later.id]
        assert lines[0].prescription_on == date(2026, 12, 20) and lines[0].days_left == 27
        assert lines[0].balance > 0 and far.id not in {line.verbale_id for line in lines}


def test_enrolment_stops_the_surcharge(portal_app, world):
    from core.positions import quote_verbale

    with portal_app.app_context():
        v = _verbale(world, notified_on=date(2024, 1, 10))
        running = quote_verbale(v, TODAY, timeline=False).surcharge
        v.extra = {"enrolled_on": "2024-06-01"}
        db.session.flush()
        stopped = quote_verbale(db.session.get(Verbale, v.id), TODAY, timeline=False).surcharge
        assert stopped < running


def test_reminder_batch_rechecks_the_ledger_just_before_each_letter(portal_app, world):
    from core import batches

    with portal_app.app_context():
        ente = world[0]
        due = _verbale(world, notified_on=TODAY - timedelta(days=120))
        paid_meanwhile = _verbale(world, notified_on=TODAY - timedelta(days=120))
        appealed = _verbale(world, notified_on=TODAY - timedelta(days=120), status="appealed")
        run = service.start_reminders(ente, today=TODAY)
        assert run.total == 2  # the appealed verbale is not even a candidate
        f.payment(paid_meanwhile, "500.00")  # arrives after the selection, before the letter
        run = batches.drive(run.id, service.reminders_chunk)
        assert run.status == "done"
        assert run.result == {"reminders": 1, "skipped_paid": 1}
        letters = db.session.query(Letter).filter_by(kind=LetterKind.ULTIMO_AVVISO).all()
        assert [letter.verbale_id for letter in letters] == [due.id]
        assert letters[0].sha256 and letters[0].verification_code
        assert appealed.id not in {letter.verbale_id for letter in letters}
        # a second run sends nothing new: the reminder exists (unique per verbale, kind, sequence)
        again = batches.drive(service.start_reminders(ente, today=TODAY).id, service.reminders_chunk)
        assert again.result.get("reminders") == 0
        assert db.session.query(Letter).filter_by(kind="ultimo_avviso").count() == 1


def test_approved_roll_issues_ingiunzioni_and_stops_the_surcharge(portal_app, world):
    from core import batches

    with portal_app.app_context():
        ente = world[0]
        unpaid = _verbale(world, notified_on=date(2025, 9, 1))
        paid_late = _verbale(world, notified_on=date(2025, 9, 1))
        for v in (unpaid, paid_late):
            _letter(v, LetterKind.ULTIMO_AVVISO, datetime(2026, 9, 1, tzinfo=UTC))
        roll = service.prepare_roll(ente, today=TODAY)
        assert roll.entries_count == 2
        viewer = f.staff("ente_viewer", enti=[ente])
        run = service.decide(roll, viewer, approve=True)
        f.payment(paid_late, "900.00")
        run = batches.drive(run.id, service.ingiunzioni_chunk)
        assert run.result == {"issued": 1, "not_issued_paid": 1}
        db.session.refresh(roll)
        assert roll.status == RollStatus.ISSUED
        statuses = {e.verbale_id: e.status for e in roll.entries}
        assert statuses == {unpaid.id: EntryStatus.ISSUED, paid_late.id: EntryStatus.PAID}
        v = db.session.get(Verbale, unpaid.id)
        assert v.status == "enforcement" and v.extra["enrolled_on"] == TODAY.isoformat()
        assert db.session.query(Letter).filter_by(verbale_id=unpaid.id, kind="ingiunzione").count() == 1
