"""Alerts before the 90/360-day notification terms (calendar days: holidays change nothing),
the per-Ente warning margin, the ``late_notification_suspected`` flag and its review, and the
``flask notifications alerts`` command."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from core import db
from core.accounts import StaffPrincipal
from core.models import (
    AuditEvent,
    DispatchStatus,
    NotificationChannel,
    NotificationDispatch,
    StaffRole,
    VerbaleStatus,
)
from core.notification import alerts, tracking
from tests import factories

TODAY = date(2026, 6, 1)


def verbale(ente, assessed: date, *, abroad: bool = False, **kw):
    person = factories.foreign_person(ente) if abroad else factories.person(ente)
    return factories.verbale(ente, person, status=kw.pop("status", VerbaleStatus.ASSESSED),
                             notified_on=kw.pop("notified_on", None), assessed_on=assessed,
                             violation_at=kw.pop("violation_at", None) or _midnight(assessed), **kw)


def _midnight(day: date):
    from datetime import UTC, datetime

    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def listed(ente, today=TODAY) -> dict[str, alerts.Alert]:
    return {a.number: a for a in alerts.alerts_for_ente(ente, today)}


@pytest.fixture()
def ente(db_session):
    return factories.ente()


def test_italy_90_days_abroad_360_within_the_margin(app_ctx, ente):
    near = verbale(ente, date(2026, 3, 13))  # limit 11 June: 10 days left
    past = verbale(ente, date(2026, 2, 21))  # limit 22 May: 10 days past
    far = verbale(ente, date(2026, 4, 2))  # limit 1 July: 30 days left, outside 15
    abroad = verbale(ente, date(2025, 6, 16), abroad=True)  # 360 days: limit 11 June
    abroad_far = verbale(ente, date(2026, 2, 21), abroad=True)  # would be past at 90 days
    found = listed(ente)
    assert set(found) == {near.number, past.number, abroad.number}
    assert (found[near.number].limit, found[near.number].days_left, found[near.number].state) == \
        (date(2026, 6, 11), 10, "approaching")
    assert (found[past.number].days_left, found[past.number].state) == (-10, "overdue")
    assert (found[abroad.number].term_days, found[abroad.number].limit) == (360, date(2026, 6, 11))
    assert far.number not in found and abroad_far.number not in found


def test_limits_are_calendar_days_whatever_the_holidays(app_ctx, ente):
    # 90 days after 4 March 2026 is Tuesday 2 June, Festa della Repubblica: the alert's limit
    # stays on the holiday (the engine would roll the legal due date to 3 June).
    item = verbale(ente, date(2026, 3, 4))
    alert = listed(ente, date(2026, 6, 2))[item.number]
    assert alert.limit == date(2026, 6, 2) and alert.days_left == 0
    assert listed(ente, date(2026, 6, 3))[item.number].state == "overdue"
    assert tracking.notify_deadline(item).due == date(2026, 6, 3)
    # Christmas and New Year inside the period change nothing either
    winter = verbale(ente, date(2025, 12, 1))
    assert listed(ente, date(2026, 2, 20))[winter.number].limit == date(2026, 3, 1)


def test_identification_date_and_per_ente_margin(app_ctx, ente):
    later = verbale(ente, date(2026, 1, 2), identified_on=date(2026, 3, 20))  # limit 18 June
    assert later.number not in listed(ente)
    factories.notification_settings(ente, alert_margin_days=30)
    alert = listed(ente)[later.number]
    assert (alert.base, alert.limit, alert.days_left) == (date(2026, 3, 20), date(2026, 6, 18), 17)


def test_handed_over_notified_or_contested_verbali_are_not_alerts(app_ctx, ente):
    dispatched = verbale(ente, date(2026, 3, 10))
    db.session.add(NotificationDispatch(ente_id=ente.id, verbale_id=dispatched.id,
                                        channel=NotificationChannel.SEND,
                                        status=DispatchStatus.REQUESTED, round=1,
                                        protocol_number=dispatched.number, idempotence_token="t",
                                        request_id="r", iun="", message_id="", address="",
                                        attempts=1, last_error="", details={}))
    posted = verbale(ente, date(2026, 3, 10))
    tracking.record_event(posted, posted.offender_id, "post", "sent")
    notified = verbale(ente, date(2026, 3, 10), status=VerbaleStatus.NOTIFIED,
                       notified_on=date(2026, 3, 20))
    roadside = verbale(ente, date(2026, 3, 10), contested_on_spot=True)
    refused = verbale(ente, date(2026, 3, 10))
    db.session.add(NotificationDispatch(ente_id=ente.id, verbale_id=refused.id,
                                        channel=NotificationChannel.SEND,
                                        status=DispatchStatus.REFUSED, round=1,
                                        protocol_number=refused.number, idempotence_token="t2",
                                        request_id="r2", iun="", message_id="", address="",
                                        attempts=1, last_error="", details={}))
    db.session.commit()
    found = listed(ente)
    assert refused.number in found  # a refused request notified nobody
    for item in (dispatched, posted, notified, roadside):
        assert item.number not in found


def test_sending_after_the_term_sets_the_late_flag_for_review(app_ctx, ente):
    late = verbale(ente, date(2026, 1, 2))  # due 2 April
    on_time = verbale(ente, date(2026, 3, 2))
    assert tracking.flag_if_late(late, date(2026, 4, 3), NotificationChannel.PEC) is True
    assert tracking.flag_if_late(on_time, date(2026, 4, 3), NotificationChannel.PEC) is False
    db.session.commit()
    assert late.late_notification_suspected and not on_time.late_notification_suspected
    assert [i.verbale_id for i in alerts.late_to_review([ente])] == [late.id]

    boss = factories.staff(StaffRole.SUPERVISOR, [ente])
    alerts.review_late(late.id, StaffPrincipal(boss), "Sent late: tell the Ente")
    db.session.commit()
    assert alerts.late_to_review([ente]) == []
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "notification.late_reviewed")).one()
    assert (event.actor_id, event.object_id, event.details["note"]) == \
        (boss.id, str(late.id), "Sent late: tell the Ente")
    assert late.late_notification_suspected  # the flag stays: it is a fact, reviewed


def test_review_outside_the_principals_enti_is_refused(app_ctx, ente):
    other = factories.ente()
    flagged = verbale(other, date(2026, 1, 2), late_notification_suspected=True)
    boss = StaffPrincipal(factories.staff(StaffRole.SUPERVISOR, [ente]))
    with pytest.raises(alerts.NotVisible):
        alerts.review_late(flagged.id, boss)
    unflagged = verbale(ente, date(2026, 1, 2))
    with pytest.raises(alerts.NotVisible):
        alerts.review_late(unflagged.id, boss)


def test_cli_alerts_prints_json(app_ctx, ente):
    near = verbale(ente, date(2026, 3, 13))
    verbale(ente, date(2026, 4, 20))
    result = app_ctx.test_cli_runner().invoke(
        args=["notifications", "alerts", "--ente", ente.code, "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)
    assert item == {"verbale_id": near.id, "number": near.number, "ente": ente.code,
                    "abroad": False, "term_days": 90, "base": "2026-03-13",
                    "limit": "2026-06-11", "days_left": 10, "state": "approaching"}


def test_cli_rejects_an_unknown_ente(app_ctx):
    result = app_ctx.test_cli_runner().invoke(args=["notifications", "alerts", "--ente", "NOPE"])
    assert result.exit_code == 2 and "unknown Ente" in result.output
