"""Call metrics on hand-built calls: service level, average speed of answer, abandonment, calls
per queue and language, the period and Ente scope, and the calls waiting now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import event

from core.contact.metrics import make_scope
from core.ivr import metrics
from tests import factories

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def _scope(*enti, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)):
    return make_scope([e.id for e in enti], date_from, date_to, NOW)


@pytest.fixture()
def ente(db_session):
    return factories.ente()


@pytest.fixture()
def known(ente):
    """Answered after 5, 20, 21 and 62 s; two abandoned; a callback; a failed queue; three
    calls never queued (self-service, voicemail, menu)."""
    call = factories.phone_call
    call(ente, DAY, queue="payments", language="it", outcome="answered", wait=5)
    call(ente, DAY, queue="payments", language="it", outcome="answered", wait=20)
    call(ente, DAY, queue="payments", language="en", outcome="answered", wait=21)
    call(ente, DAY, queue="appeals", language="de", outcome="answered", wait=62)
    call(ente, DAY, queue="payments", language="it", outcome="abandoned", wait=3)
    call(ente, DAY, queue="appeals", language="de", outcome="abandoned", wait=90)
    call(ente, DAY, queue="general", language="fr", outcome="callback", wait=300)
    call(ente, DAY, queue="general", language="fr", outcome="failed", wait=1)
    call(ente, DAY, language="es", outcome="self_service", self_served=True)
    call(ente, DAY, language="it", outcome="voicemail")
    call(ente, DAY, language=None, outcome="menu")
    return ente


def test_no_calls(ente):
    report = metrics.call_report(_scope(ente))
    assert report.total.calls == 0 and report.total.offered == 0
    assert report.total.service_level is None and report.total.asa_seconds is None
    assert report.total.abandonment is None
    assert report.by_queue == () and report.by_language == ()


def test_known_figures(known):
    report = metrics.call_report(_scope(known))
    total = report.total
    assert (total.calls, total.offered, total.answered, total.abandoned) == (11, 8, 4, 2)
    assert total.answered_in_time == 2  # 5 and 20 s: "within 20 s" includes 20
    assert total.service_level == Fraction(1, 2)
    assert total.asa_seconds == pytest.approx((5 + 20 + 21 + 62) / 4)
    assert total.abandonment == Fraction(2, 8)
    assert (total.callback, total.failed, total.self_service, total.voicemail, total.menu) == \
        (1, 1, 1, 1, 1)
    assert total.in_progress == 0


def test_per_queue_and_language(known):
    report = metrics.call_report(_scope(known))
    queues = {row.key: row for row in report.by_queue}
    assert [row.key for row in report.by_queue] == ["payments", "appeals", "general", ""]
    assert (queues["payments"].answered, queues["payments"].abandoned) == (3, 1)
    assert queues["payments"].service_level == Fraction(2, 3)
    assert queues["appeals"].service_level == Fraction(0)
    assert queues["appeals"].asa_seconds == 62 and queues["appeals"].abandonment == Fraction(1, 2)
    assert queues["general"].answered == 0 and queues["general"].service_level is None
    assert queues["general"].abandonment == Fraction(0)
    assert queues[""].calls == 3 and queues[""].offered == 0
    languages = {row.key: row.calls for row in report.by_language}
    assert languages == {"it": 4, "en": 1, "fr": 2, "de": 2, "es": 1, "": 1}
    assert [row.key for row in report.by_language] == ["it", "en", "fr", "de", "es", ""]
    assert sum(row.calls for row in report.by_queue) == report.total.calls


def test_threshold_is_a_parameter(known):
    assert metrics.call_report(_scope(known), threshold=21).total.service_level == Fraction(3, 4)
    assert metrics.call_report(_scope(known), threshold=4).total.service_level == Fraction(0)


def test_all_abandoned(ente):
    for wait in (2, 30, 200):
        factories.phone_call(ente, DAY, queue="general", outcome="abandoned", wait=wait)
    total = metrics.call_report(_scope(ente)).total
    assert total.abandonment == Fraction(1) and total.answered == 0
    assert total.service_level is None and total.asa_seconds is None


def test_calls_in_progress_count_but_have_no_outcome(ente):
    factories.phone_call(ente, DAY, queue="general", waiting=True)
    total = metrics.call_report(_scope(ente)).total
    assert total.calls == 1 and total.offered == 1 and total.in_progress == 1
    assert total.abandonment == Fraction(0)


def test_period_is_rome_days_and_enti_are_scoped(ente):
    other = factories.ente()
    rome_midnight = datetime(2026, 3, 1, 0, 0, tzinfo=UTC) - timedelta(hours=1)  # 1 March, 00:00
    factories.phone_call(ente, rome_midnight, queue="general", outcome="answered", wait=1)
    factories.phone_call(ente, rome_midnight - timedelta(seconds=1), queue="general",
                         outcome="answered", wait=1)
    factories.phone_call(ente, datetime(2026, 3, 31, 21, 59, tzinfo=UTC), outcome="menu")
    factories.phone_call(ente, datetime(2026, 3, 31, 22, 0, tzinfo=UTC), outcome="menu")
    factories.phone_call(other, DAY, queue="general", outcome="abandoned", wait=9)
    assert metrics.call_report(_scope(ente)).total.calls == 2
    assert metrics.call_report(_scope(other)).total.abandoned == 1
    assert metrics.call_report(_scope(ente, other)).total.calls == 3
    assert metrics.call_report(_scope()).total.calls == 0


def test_report_is_one_query(known, engine):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        metrics.call_report(_scope(known))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "phone_call" in s]) == 1


# -- calls waiting now -----------------------------------------------------------------


class _Principal:
    def __init__(self, *enti, all_enti=False):
        self.ente_ids = frozenset(e.id for e in enti)
        self.all_enti = all_enti


def test_waiting_calls_per_queue_and_language(ente):
    other = factories.ente()
    now = NOW
    call = factories.phone_call
    call(ente, now - timedelta(seconds=90), queue="payments", language="it", waiting=True,
         last_in_queue_at=now - timedelta(seconds=20))
    call(ente, now - timedelta(seconds=30), queue="payments", language="it", waiting=True)
    call(ente, now - timedelta(seconds=40), queue="payments", language="en", waiting=True)
    call(ente, now - timedelta(seconds=50), queue="appeals", language="de", waiting=True)
    # not waiting: answered, ended, heartbeat stale, too old, another Ente
    call(ente, now - timedelta(seconds=60), queue="payments", language="it", outcome="answered",
         wait=10)
    call(ente, now - timedelta(seconds=60), queue="payments", language="it", waiting=True,
         ended_at=now - timedelta(seconds=5))
    call(ente, now - timedelta(seconds=600), queue="payments", language="it", waiting=True)
    call(ente, now - timedelta(hours=5), queue="payments", language="it", waiting=True,
         last_in_queue_at=now - timedelta(seconds=5))
    call(other, now - timedelta(seconds=30), queue="payments", language="it", waiting=True)

    rows = metrics.waiting_calls(_Principal(ente), now)
    assert [(r.queue, r.language, r.count) for r in rows] == [
        ("payments", "it", 2), ("payments", "en", 1), ("appeals", "de", 1)]
    assert rows[0].longest_seconds == 90
    assert sum(r.count for r in metrics.waiting_calls(_Principal(all_enti=True), now)) == 5
    assert metrics.waiting_calls(_Principal(), now) == []
    longer = metrics.waiting_calls(_Principal(ente), now, stale_seconds=900)
    assert sum(r.count for r in longer) == 5


def test_labels():
    assert metrics.queue_label("payments") and metrics.queue_label("odd") == "odd"
    assert metrics.language_label("de") == "Deutsch"
    assert metrics.language_label(None)
    assert metrics.outcome_label("abandoned")
