"""Acts sent by PEC over real SMTP (the local aiosmtpd server), the provider's receipts
(acceptance, delivery, non-delivery) arriving through the mail intake and recorded on the
timeline; the informal e-mail recorded as sent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage
from xml.sax.saxutils import escape

from sqlalchemy import select

from core import db
from core.contact import intake
from core.models import (
    Case,
    DispatchStatus,
    NotificationChannel,
    NotificationDispatch,
    NotificationEvent,
    VerbaleStatus,
)
from core.notification import batch, receipts
from tests import factories
from tests.core.notification.conftest import ready_verbale

PEC_OF_ENTE = "protocollo@pec.comune.example.it"


def dispatch_of(verbale) -> NotificationDispatch:
    return db.session.scalars(select(NotificationDispatch)
                              .where(NotificationDispatch.verbale_id == verbale.id)).one()


def events(verbale, outcome=None):
    stmt = select(NotificationEvent).where(NotificationEvent.verbale_id == verbale.id)
    if outcome is not None:
        stmt = stmt.where(NotificationEvent.outcome == outcome)
    return list(db.session.scalars(stmt.order_by(NotificationEvent.id)))


def receipt(kind: str, reference: str, *, day: str = "12/03/2026", hour: str = "10:15:00",
            receipt_id: str | None = None, to: str = PEC_OF_ENTE, error: str = "") -> bytes:
    """A PEC receipt as a provider sends it: X-Ricevuta, X-Riferimento-Message-ID and the
    daticert.xml attachment with the official time."""
    msg = EmailMessage()
    msg["From"] = "posta-certificata@pec.provider.example.it"
    msg["To"] = to
    msg["Subject"] = f"{kind.upper()}: Notifica verbale"
    msg["Message-ID"] = receipt_id or f"<{kind}-{abs(hash(reference))}@pec.provider.example.it>"
    msg["Date"] = "Thu, 12 Mar 2026 10:15:00 +0100"
    msg["X-Ricevuta"] = kind
    msg["X-Riferimento-Message-ID"] = reference
    msg.set_content(f"Ricevuta di {kind}")
    cert = (f'<?xml version="1.0" encoding="UTF-8"?><postacert tipo="{kind}" '
            f'errore="{"no-dest" if error else "nessuno"}"><intestazione><mittente>{PEC_OF_ENTE}'
            '</mittente></intestazione><dati><gestore-emittente>Provider</gestore-emittente>'
            f'<data zona="+0100"><giorno>{day}</giorno><ora>{hour}</ora></data>'
            f'<identificativo>opec.1</identificativo><msgid>{escape(reference)}</msgid>'
            '<consegna>mario.rossi@pec.example.it</consegna>'
            f'{f"<errore-esteso>{error}</errore-esteso>" if error else ""}</dati></postacert>')
    msg.add_attachment(cert.encode(), maintype="application", subtype="xml",
                       filename="daticert.xml")
    return msg.as_bytes()


def pec_verbale(app, **kw):
    return ready_verbale(app, pec="mario.rossi@pec.example.it", **kw)


def test_pec_send_then_receipts_perfect_the_notification(app_ctx, smtp_server):
    verbale = pec_verbale(app_ctx)
    factories.ente_cost(verbale.ente, "pec", "notification", "2.50")
    run = batch.send_batch(verbale.ente, "pec", today=date(2026, 3, 12))
    assert run.result == {"sent": 1}
    (message,) = smtp_server.wait_for(1)
    dispatch = dispatch_of(verbale)
    assert message["Message-ID"].strip() == dispatch.message_id
    assert message["To"] == "mario.rossi@pec.example.it" and PEC_OF_ENTE in message["From"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == factories.TEST_PDF
    assert dispatch.status == DispatchStatus.SENT and dispatch.sent_on == date(2026, 3, 12)
    (sent,) = events(verbale, "sent")
    assert (sent.channel, sent.reference) == (NotificationChannel.PEC, dispatch.message_id)

    accepted = intake.ingest(receipt("accettazione", dispatch.message_id, hour="10:00:05"),
                             recipients=[PEC_OF_ENTE])
    assert (accepted.status, accepted.reason) == ("receipt", "PEC receipt accettazione")
    delivered = intake.ingest(receipt("avvenuta-consegna", dispatch.message_id),
                              recipients=[PEC_OF_ENTE])
    assert delivered.status == "receipt"
    db.session.refresh(verbale)
    assert [e.outcome for e in events(verbale)] == ["sent", "sent", "delivered", "perfected"]
    (perfected,) = events(verbale, "perfected")
    assert perfected.perfected_on == date(2026, 3, 12)
    assert (verbale.notified_on, verbale.notification_channel, verbale.status) == \
        (date(2026, 3, 12), NotificationChannel.PEC, VerbaleStatus.NOTIFIED)
    assert [(c.channel, c.amount) for c in verbale.costs] == [(NotificationChannel.PEC, Decimal("2.50"))]
    assert dispatch_of(verbale).status == DispatchStatus.PERFECTED
    # a redelivered receipt is recognised and adds nothing; no case was ever opened
    again = intake.ingest(receipt("avvenuta-consegna", dispatch.message_id), recipients=[PEC_OF_ENTE])
    assert again.status == "receipt" and "already recorded" in again.reason
    assert len(events(verbale)) == 4
    assert db.session.scalars(select(Case)).all() == []


def test_non_delivery_receipt_fails_the_dispatch(app_ctx, smtp_server):
    verbale = pec_verbale(app_ctx)
    batch.send_batch(verbale.ente, "pec", today=date(2026, 3, 12))
    smtp_server.wait_for(1)
    dispatch = dispatch_of(verbale)
    warning = intake.ingest(receipt("preavviso-errore-consegna", dispatch.message_id),
                            recipients=[PEC_OF_ENTE])
    assert warning.status == "receipt" and dispatch_of(verbale).status == DispatchStatus.SENT
    result = intake.ingest(receipt("errore-consegna", dispatch.message_id,
                                   error="5.1.1 casella inesistente"), recipients=[PEC_OF_ENTE])
    assert result.status == "receipt"
    dispatch = dispatch_of(verbale)
    assert dispatch.status == DispatchStatus.FAILED and "inesistente" in dispatch.last_error
    failures = events(verbale, "failed")
    assert [e.details["receipt"] for e in failures] == ["preavviso-errore-consegna", "errore-consegna"]
    assert [e.details["final"] for e in failures] == [False, True]
    db.session.refresh(verbale)
    assert verbale.notified_on is None


def test_receipts_of_unknown_messages_or_other_enti_stay_ignored(app_ctx, smtp_server):
    verbale = pec_verbale(app_ctx)
    batch.send_batch(verbale.ente, "pec", today=date(2026, 3, 12))
    smtp_server.wait_for(1)
    dispatch = dispatch_of(verbale)
    unknown = intake.ingest(receipt("avvenuta-consegna", "<someone-else@example.org>"),
                            recipients=[PEC_OF_ENTE])
    assert (unknown.status, unknown.reason) == ("ignored", "PEC receipt")
    other = factories.ente(pec="altro@pec.comune.example.it")
    foreign = intake.ingest(receipt("avvenuta-consegna", dispatch.message_id, to=other.pec),
                            recipients=[other.pec])
    assert foreign.status == "ignored"
    assert events(verbale, "perfected") == []


def test_receipt_parsing_reads_daticert_time_and_zone():
    raw = receipt("avvenuta-consegna", "<abc@x.example>", day="01/08/2026", hour="23:30:00")
    parsed = receipts.parse_receipt(raw)
    assert parsed.kind == "avvenuta-consegna" and parsed.reference == "<abc@x.example>"
    assert parsed.at == datetime(2026, 8, 1, 22, 30, tzinfo=UTC)
    assert parsed.delivered_to == "mario.rossi@pec.example.it"
    assert receipts.parse_receipt(b"From: a@b.example\r\nSubject: hello\r\n\r\nhi") is None


def test_pec_is_sent_once_even_when_the_batch_runs_twice(app_ctx, smtp_server):
    verbale = pec_verbale(app_ctx)
    batch.send_batch(verbale.ente, "pec", today=date(2026, 3, 12))
    second = batch.send_batch(verbale.ente, "pec", today=date(2026, 3, 12))
    assert second.total == 0
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


def test_smtp_unavailable_is_retried_later(app_ctx, monkeypatch):
    verbale = pec_verbale(app_ctx)
    monkeypatch.setitem(app_ctx.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app_ctx.config, "MAIL_PORT", 9)  # nothing listens there
    run = batch.send_batch(verbale.ente, "pec", today=date(2026, 3, 12))
    assert run.result == {"retry": 1}
    dispatch = dispatch_of(verbale)
    assert dispatch.status == DispatchStatus.QUEUED and dispatch.next_attempt_at is not None
    assert events(verbale, "queued")[0].details["step"] == "smtp"


def test_interrupted_hand_over_becomes_uncertain_and_is_not_resent(app_ctx, smtp_server):
    from datetime import timedelta

    from core.db import utcnow

    verbale = pec_verbale(app_ctx)
    from core.notification import pec

    dispatch, _ = pec.prepare(verbale, NotificationChannel.PEC)
    dispatch.status = DispatchStatus.SENDING  # as left by a worker killed mid-SMTP
    db.session.commit()
    dispatch.updated_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    counts = batch.poll_all(today=date(2026, 3, 12))
    assert counts == {"uncertain": 1}
    assert dispatch_of(verbale).status == DispatchStatus.UNCERTAIN
    assert batch.send_batch(verbale.ente, "pec", today=date(2026, 3, 12)).total == 0
    assert smtp_server.messages == []
    # the provider's acceptance receipt settles it
    intake.ingest(receipt("accettazione", dispatch.message_id), recipients=[PEC_OF_ENTE])
    assert dispatch_of(verbale).status == DispatchStatus.SENT


def test_informal_email_is_recorded_as_sent(app_ctx, smtp_server):
    verbale = ready_verbale(app_ctx, kind="invito_bonario", email="mario@example.org")
    run = batch.send_batch(verbale.ente, "email", today=date(2026, 3, 3))
    assert run.result == {"sent": 1}
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "mario@example.org"
    (sent,) = events(verbale)
    assert (sent.channel, sent.outcome, sent.details["medium"]) == \
        (NotificationChannel.FRIENDLY_LETTER, "sent", "email")
    db.session.refresh(verbale)
    assert verbale.notified_on is None and verbale.costs == []
    assert batch.send_batch(verbale.ente, "email", today=date(2026, 3, 3)).total == 0
