"""Demo phone calls: a few hundred past calls per Ente across queues, languages and outcomes,
coherent with the office calendar, loaded once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from core import db
from core.contact.metrics import make_scope
from core.demo.calls import load_demo_calls
from core.fines.calendar import is_open
from core.ivr import metrics
from core.models import Call, CallEvent
from core.positions import ente_settings
from tests import factories

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_demo_calls_fill_the_dashboard(db_session):
    a, b = factories.ente(), factories.ente()
    assert load_demo_calls(NOW, per_ente=150) == 300
    assert load_demo_calls(NOW, per_ente=150) == 0  # idempotent
    report = metrics.call_report(make_scope([a.id], date(2026, 10, 1), date(2026, 11, 24), NOW))
    total = report.total
    assert total.calls == 150 and total.in_progress == 0
    present = {o for o in metrics.OUTCOMES if total.outcome(o)}
    assert present >= {"answered", "abandoned", "voicemail", "self_service", "out_of_hours", "menu"}
    assert total.answered > total.abandoned > 0
    assert 0 < total.service_level < 1 and total.asa_seconds > 0
    assert {row.key for row in report.by_queue} >= set(metrics.QUEUES)
    assert {row.key for row in report.by_language} >= set(metrics.LANGUAGES)
    calendar = ente_settings(a).calendar
    for call in db.session.scalars(select(Call).where(Call.ente_id == a.id)):
        assert call.started_at < NOW and call.ended_at is not None
        closed = str(call.outcome) in ("out_of_hours", "voicemail")
        assert closed == (not is_open(call.started_at, calendar)), call.started_at
    completed = db.session.scalar(select(func.count()).select_from(CallEvent).where(
        CallEvent.kind == "status.completed"))
    assert completed == 300
    assert db.session.scalar(select(func.count()).select_from(Call).where(
        Call.ente_id == b.id)) == 150
