"""``flask notifications send|poll``: a resumable batch in chunks, idempotent; post and
international perfections recorded by the postal batches reach the engine."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core import db
from core.models import BatchRun, NotificationChannel, NotificationDispatch, VerbaleStatus
from core.notification import batch, tracking
from tests import factories
from tests.core.notification.conftest import ready_verbale

TAX_IDS = ["RSSMRA85T10A562S", "VRDLGU80A01H501Q", "BNCGNN80A41F205A", "FRRLCU75C12L219P"]


def run_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["notifications", *args])
    return result


def test_send_command_streams_in_chunks_respects_the_limit_and_resumes(app_ctx, send_standin,
                                                                       monkeypatch):
    monkeypatch.setitem(app_ctx.config, "NOTIFICATION_CHUNK_SIZE", 2)
    ente = factories.ente()
    verbali = [ready_verbale(app_ctx, ente, fiscal_code=cf) for cf in TAX_IDS]
    result = run_cli(app_ctx, "send", "--ente", ente.code, "--channel", "send", "--limit", "3",
                     "--today", "2026-03-05")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["status"], out["total"], out["done"], out["failed"]) == ("done", 3, 3, 0)
    assert out["result"] == {"requested": 3}
    run = db.session.get(BatchRun, out["run"])
    assert run.kind == "notifications.send" and run.cursor == {"last_id": verbali[2].id}
    # running again notifies only the one left, never the first three twice
    result = run_cli(app_ctx, "send", "--ente", ente.code, "--channel", "send",
                     "--today", "2026-03-05")
    assert json.loads(result.output)["result"] == {"requested": 1}
    assert len(send_standin.state.requests) == 4
    assert len(db.session.scalars(select(NotificationDispatch)).all()) == 4


def test_a_killed_run_resumes_from_its_committed_cursor(app_ctx, send_standin, monkeypatch):
    from core import batches

    monkeypatch.setitem(app_ctx.config, "NOTIFICATION_CHUNK_SIZE", 1)
    ente = factories.ente()
    verbali = [ready_verbale(app_ctx, ente, fiscal_code=cf) for cf in TAX_IDS[:3]]
    run = batch.start_send(ente, "send", today=date(2026, 3, 5))
    db.session.commit()
    calls = {"n": 0}

    def dies_on_second_chunk(r):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return batch.send_chunk(r)

    try:
        batches.drive(run.id, dies_on_second_chunk)
    except RuntimeError:
        pass
    run = db.session.get(BatchRun, run.id)
    assert (run.status, run.done, run.cursor) == ("failed", 1, {"last_id": verbali[0].id})
    batches.drive(run.id, batch.send_chunk)
    run = db.session.get(BatchRun, run.id)
    assert (run.status, run.done) == ("done", 3)
    assert len(send_standin.state.requests) == 3


def test_poll_command_moves_requests_forward(app_ctx, send_standin):
    verbale = ready_verbale(app_ctx)
    batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    first = run_cli(app_ctx, "poll", "--today", "2026-03-05")
    second = run_cli(app_ctx, "poll", "--ente", verbale.ente.code, "--today", "2026-03-05")
    assert json.loads(first.output) == {"send_waiting": 1}
    assert json.loads(second.output) == {"send_in_progress": 1}


def test_bad_channel_or_limit_is_a_usage_error(app_ctx):
    ente = factories.ente()
    assert run_cli(app_ctx, "send", "--ente", ente.code, "--channel", "fax").exit_code == 2
    assert run_cli(app_ctx, "send", "--ente", ente.code, "--channel", "pec",
                   "--limit", "0").exit_code == 2


def test_recorded_post_perfection_reaches_the_engine_with_its_cost(app_ctx):
    verbale = ready_verbale(app_ctx, assessed=date(2026, 1, 5))
    factories.ente_cost(verbale.ente, "post", "notification", "9.80")
    # what the postal batch records: handed to the operator late, then the return receipt
    from datetime import UTC, datetime

    tracking.record_event(verbale, verbale.offender_id, "post", "sent",
                          at=datetime(2026, 4, 10, 9, 0, tzinfo=UTC), reference="RR123")
    tracking.record_event(verbale, verbale.offender_id, "post", "perfected",
                          perfected_on=date(2026, 4, 14), reference="RR123")
    db.session.commit()
    counts = batch.poll_all(today=date(2026, 4, 20))
    assert counts == {"post_verbali": 1, "post_late": 1}
    db.session.refresh(verbale)
    assert (verbale.notified_on, verbale.notification_channel, verbale.status) == \
        (date(2026, 4, 14), NotificationChannel.POST, VerbaleStatus.NOTIFIED)
    assert verbale.late_notification_suspected  # handed over after 5 April
    assert [(c.channel, c.amount) for c in verbale.costs] == [(NotificationChannel.POST, Decimal("9.80"))]
    assert batch.poll_all(today=date(2026, 4, 21)) == {}


def test_no_cost_on_a_paid_verbale_or_for_the_friendly_letter(app_ctx):
    verbale = ready_verbale(app_ctx)
    assert tracking.add_notification_cost(verbale, "friendly_letter", Decimal("5")) is None
    verbale.status = VerbaleStatus.PAID
    assert tracking.add_notification_cost(verbale, "pec", Decimal("5")) is None
    verbale.status = VerbaleStatus.ASSESSED
    assert tracking.add_notification_cost(verbale, "pec", Decimal("5")) is not None
    assert tracking.add_notification_cost(verbale, "pec", Decimal("5")) is None  # once


def test_the_send_batch_runs_as_an_after_commit_job(app_ctx, send_standin):
    from core import batches, jobs

    verbale = ready_verbale(app_ctx)
    run = batch.start_send(verbale.ente, "send", today=date(2026, 3, 5), created_by="staff:1")
    batches.schedule(run, batch.run_send_batch)
    db.session.commit()
    jobs.run_ready()
    run = db.session.get(BatchRun, run.id)
    assert (run.status, run.done, run.result) == ("done", 1, {"requested": 1})
    assert len(send_standin.state.requests) == 1


def test_post_perfection_without_a_sent_event_checks_the_perfection_date(app_ctx):
    verbale = ready_verbale(app_ctx, assessed=date(2026, 1, 5))
    tracking.record_event(verbale, verbale.offender_id, "international_mail", "perfected",
                          perfected_on=date(2026, 3, 1), reference="RR9")
    db.session.commit()
    assert batch.poll_all(today=date(2026, 3, 2)) == {"post_verbali": 1}
    db.session.refresh(verbale)
    assert verbale.notification_channel == NotificationChannel.INTERNATIONAL_MAIL
    assert not verbale.late_notification_suspected  # 1 March is within the 90 days


def test_a_formal_act_already_in_a_postal_batch_is_not_sent_again_by_another_channel(app_ctx):
    """The print batch and the digital channels never notify the same verbale twice."""
    from core.models import Letter, PostalItem
    from core.notification.dispatches import eligible_query

    verbale = ready_verbale(app_ctx, pec="mario@pec.example.it")
    ente_id = verbale.ente_id
    assert verbale.id in {v.id for v in db.session.scalars(eligible_query(ente_id, NotificationChannel.PEC))}
    letter = db.session.scalars(select(Letter).where(Letter.verbale_id == verbale.id)).one()
    item = factories._save(PostalItem(ente_id=ente_id, letter_id=letter.id, verbale_id=verbale.id,
                                      channel="post", product="raccomandata_ar", barcode="BC-TEST-1",
                                      file_name="x.pdf"))
    assert verbale.id not in {v.id for v in db.session.scalars(eligible_query(ente_id, NotificationChannel.PEC))}
    item.status = "returned"
    db.session.flush()
    assert verbale.id in {v.id for v in db.session.scalars(eligible_query(ente_id, NotificationChannel.PEC))}
