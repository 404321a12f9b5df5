"""The SEND client against the stand-in over real HTTP: preload → upload (SHA-256 checked) →
request → poll → IUN → timeline → perfection → ``notified_on`` → the engine's windows move.
Also a refused request, idempotency and transient failures."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import db
from core.models import (
    AuditEvent,
    DispatchStatus,
    NotificationChannel,
    NotificationDispatch,
    NotificationEvent,
    VerbaleStatus,
)
from core.notification import batch, send_service
from core.notification.send_client import SendClient, SendRejected, sha256_b64
from core.positions import build_position, quote_verbale
from tests import factories
from tests.core.notification.conftest import API_KEY, TAX_ID, ready_verbale

IUN = re.compile(r"^[A-Z]{4}-[A-Z]{4}-[A-Z]{4}-[0-9]{6}-[A-Z]-[0-9]$")
REQUESTS = "/delivery/v2.6/requests"


def events(verbale, outcome=None):
    stmt = select(NotificationEvent).where(NotificationEvent.verbale_id == verbale.id)
    if outcome is not None:
        stmt = stmt.where(NotificationEvent.outcome == outcome)
    return list(db.session.scalars(stmt.order_by(NotificationEvent.id)))


def dispatch_of(verbale) -> NotificationDispatch:
    return db.session.scalars(select(NotificationDispatch)
                              .where(NotificationDispatch.verbale_id == verbale.id)).one()


def poll(day: date) -> dict:
    return batch.poll_all(today=day)


def test_full_flow_paper_delivery_sets_day_zero_and_moves_the_windows(app_ctx, send_standin):
    verbale = ready_verbale(app_ctx)
    assert quote_verbale(verbale, date(2026, 3, 22)) is None  # no day 0 yet

    run = batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    assert (run.status, run.done, run.failed) == ("done", 1, 0)
    dispatch = dispatch_of(verbale)
    assert dispatch.status == DispatchStatus.REQUESTED and dispatch.request_id
    assert dispatch.sent_on == date(2026, 3, 5)
    # the document went through preload and upload, its digest checked by the stand-in
    state = send_standin.state
    (stored,) = state.files.values()
    assert stored["uploaded"] and stored["sha256"] == sha256_b64(factories.TEST_PDF)
    (request,) = state.requests.values()
    body = request["body"]
    assert body["paProtocolNumber"] == verbale.number
    assert body["idempotenceToken"] == f"multe-{verbale.id}-send-1"
    assert body["recipients"][0]["taxId"] == TAX_ID
    assert body["recipients"][0]["physicalAddress"]["municipality"] == "Rho"
    assert "digitalDomicile" not in body["recipients"][0]
    assert body["documents"][0]["digests"]["sha256"] == stored["sha256"]
    assert body["documents"][0]["ref"]["versionToken"] == stored["version"]
    assert (body["notificationFeePolicy"], body["physicalCommunicationType"]) == \
        ("DELIVERY_MODE", "REGISTERED_LETTER_890")

    assert poll(date(2026, 3, 5)) == {"send_waiting": 1}  # first poll: WAITING
    poll(date(2026, 3, 5))
    db.session.refresh(dispatch)
    assert dispatch.status == DispatchStatus.ACCEPTED and IUN.match(dispatch.iun)
    sent = events(verbale, "sent")
    assert [(e.channel, e.reference) for e in sent] == [(NotificationChannel.SEND, dispatch.iun)]

    send_standin.advance(6)  # paper delivered on 10 March
    poll(date(2026, 3, 11))
    db.session.refresh(verbale)
    assert [e.details["category"] for e in events(verbale, "delivered")] == ["ANALOG_SUCCESS_WORKFLOW"]
    assert verbale.notified_on is None  # perfected 10 days after delivery, not yet

    send_standin.advance(10)
    poll(date(2026, 3, 21))
    db.session.refresh(verbale)
    db.session.refresh(dispatch)
    (perfected,) = events(verbale, "perfected")
    assert perfected.perfected_on == date(2026, 3, 20) and perfected.reference == dispatch.iun
    assert perfected.details["basis"] == "analog_success"
    assert (verbale.notified_on, verbale.notification_channel, verbale.status) == \
        (date(2026, 3, 20), NotificationChannel.SEND, VerbaleStatus.NOTIFIED)
    assert dispatch.status == DispatchStatus.PERFECTED
    # SEND's cost for the paper path (1 € + paFee 1 € + 8.50 € + VAT) joins the costs
    assert [(c.channel, c.amount) for c in verbale.costs] == [(NotificationChannel.SEND, Decimal("12.37"))]
    # the engine now counts from day 0
    quote = quote_verbale(verbale, date(2026, 3, 22))
    reduced = quote.windows[0]
    assert (reduced.first, reduced.last) == (date(2026, 3, 21), date(2026, 3, 25))
    position = build_position(verbale, date(2026, 3, 22))
    assert position.deadlines.prefetto_appeal_by.base == date(2026, 3, 20)
    # a later poll changes nothing
    before = len(events(verbale))
    poll(date(2026, 3, 30))
    assert len(events(verbale)) == before


def test_digital_domicile_viewed_early_perfects_on_the_view(app_ctx, send_standin):
    verbale = ready_verbale(app_ctx, pec="mario.rossi@pec.example.it")
    batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    poll(date(2026, 3, 5))
    poll(date(2026, 3, 5))
    dispatch = dispatch_of(verbale)
    assert send_standin.state.requests[dispatch.request_id]["body"]["recipients"][0][
        "digitalDomicile"] == {"type": "PEC", "address": "mario.rossi@pec.example.it"}
    send_standin.advance(2)  # delivered to the PEC on 6 March, rule date 13 March
    send_standin.control("view", iun=dispatch.iun, recIndex=0)  # viewed on 7 March
    poll(date(2026, 3, 7))
    db.session.refresh(verbale)
    assert verbale.notified_on == date(2026, 3, 7)
    (perfected,) = events(verbale, "perfected")
    assert perfected.details["basis"] == "viewed"
    assert [e.outcome for e in events(verbale) if e.details.get("category")] == ["delivered", "viewed"]


def test_refused_request_is_recorded_and_never_resent(app_ctx, send_standin):
    verbale = ready_verbale(app_ctx)
    send_standin.control("refuse", taxId=TAX_ID, code="TAXID_NOT_VALID", detail="unknown tax id")
    batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    poll(date(2026, 3, 5))
    assert poll(date(2026, 3, 5)) == {"send_refused": 1}
    dispatch = dispatch_of(verbale)
    assert dispatch.status == DispatchStatus.REFUSED
    assert dispatch.details["refusal"][0]["code"] == "TAXID_NOT_VALID"
    (failed,) = events(verbale, "failed")
    assert failed.details["step"] == "validation" and "TAXID_NOT_VALID" in failed.details["error"]
    assert db.session.get(type(verbale), verbale.id).notified_on is None
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "notification.refused")).first() is not None
    again = batch.send_batch(verbale.ente, "send", today=date(2026, 3, 6))
    assert again.total == 0 and send_standin.posts(REQUESTS) == 1


def test_same_verbale_twice_is_one_notification(app_ctx, send_standin):
    verbale = ready_verbale(app_ctx)
    batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    second = batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    assert second.total == 0
    dispatch = dispatch_of(verbale)
    assert send_service.submit(dispatch, SendClient(send_standin.base_url, API_KEY),
                               date(2026, 3, 5)) == "skipped"
    assert send_standin.posts(REQUESTS) == 1 and len(send_standin.state.requests) == 1


def test_a_request_whose_answer_was_lost_is_adopted_not_resent(app_ctx, send_standin):
    verbale = ready_verbale(app_ctx)
    client = SendClient(send_standin.base_url, API_KEY)
    # a worker submits, then dies before committing: the dispatch row is rolled back
    savepoint = db.session.begin_nested()
    from core.notification import dispatches

    dispatch, _ = dispatches.get_or_create(verbale, NotificationChannel.SEND,
                                           dispatches.act_of(verbale, NotificationChannel.SEND))
    assert send_service.submit(dispatch, client, date(2026, 3, 5)) == "requested"
    lost_request = dispatch.request_id
    savepoint.rollback()
    assert db.session.scalars(select(NotificationDispatch)).all() == []
    # the resumed batch finds the request on SEND by protocol number + idempotence token
    run = batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    assert run.result == {"requested": 1}
    assert dispatch_of(verbale).request_id == lost_request
    assert send_standin.posts(REQUESTS) == 1
    assert events(verbale, "queued")[0].details["adopted"] is True


def test_transient_failures_are_retried_with_backoff(app_ctx, send_standin, monkeypatch):
    verbale = ready_verbale(app_ctx)
    monkeypatch.setitem(app_ctx.config, "NOTIFICATION_RETRY_DELAYS", (0, 0))
    send_standin.control("fail", count=2, status=503)  # absorbed by the in-job retries
    run = batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    assert run.result == {"requested": 1}

    other = ready_verbale(app_ctx, ente=verbale.ente, fiscal_code="VRDLGU80A01H501Q")
    monkeypatch.setitem(app_ctx.config, "NOTIFICATION_RETRY_DELAYS", ())
    send_standin.control("fail", count=1, status=502)
    run = batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    assert run.result == {"retry": 1}
    dispatch = dispatch_of(other)
    assert dispatch.status == DispatchStatus.QUEUED and dispatch.attempts == 1
    assert dispatch.next_attempt_at is not None and "502" in dispatch.last_error
    (queued,) = events(other, "queued")
    assert queued.details["step"] == "submit" and queued.details["retry_at"]
    # not due yet: a poll leaves it alone; once due, it goes through
    assert "send_requested" not in poll(date(2026, 3, 5))
    counts = batch.poll_all(today=date(2026, 3, 5), now=dispatch.next_attempt_at)
    assert counts.get("send_requested") == 1
    assert dispatch_of(other).status == DispatchStatus.REQUESTED


def test_upload_with_a_wrong_checksum_is_refused_by_the_stand_in(send_standin):
    client = SendClient(send_standin.base_url, API_KEY)
    (slot,) = client.preload([("doc0", factories.TEST_PDF, "application/pdf")])
    with pytest.raises(SendRejected) as error:
        client.upload(slot, factories.TEST_PDF + b"tampered")
    assert error.value.status == 400
    assert client.upload(slot, factories.TEST_PDF)  # the right file goes through


def test_wrong_api_key_is_refused(send_standin):
    with pytest.raises(SendRejected) as error:
        SendClient(send_standin.base_url, "nope").preload([("d", b"x", "application/pdf")])
    assert error.value.status == 403


def test_price_of_the_notice(app_ctx, send_standin, monkeypatch):
    """With a pagoPA notice, the payment goes with the offender and SEND's price is used."""
    from core.models import PaymentNotice

    verbale = ready_verbale(app_ctx)
    factories._save(PaymentNotice(ente_id=verbale.ente_id, verbale_id=verbale.id,
                                  notice_number="302202400001234579", iuv="02202400001234579"))
    batch.send_batch(verbale.ente, "send", today=date(2026, 3, 5))
    poll(date(2026, 3, 5))
    poll(date(2026, 3, 5))
    dispatch = dispatch_of(verbale)
    payment = send_standin.state.requests[dispatch.request_id]["body"]["recipients"][0]["payments"][0]
    assert payment == {"pagoPa": {"noticeCode": "302202400001234579",
                                  "creditorTaxId": verbale.ente.fiscal_code, "applyCost": True}}
    price = SendClient(send_standin.base_url, API_KEY).price(verbale.ente.fiscal_code,
                                                            "302202400001234579")
    assert price.iun == dispatch.iun and price.amount_cents == 1237
    send_standin.advance(16)
    poll(date(2026, 3, 21))
    db.session.refresh(verbale)
    assert verbale.notified_on == date(2026, 3, 20)
    assert [c.amount for c in verbale.costs] == [Decimal("12.37")]
