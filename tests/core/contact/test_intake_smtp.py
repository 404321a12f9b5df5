"""E-mail and PEC intake end to end: the IntakeHandler runs on a real aiosmtpd server on
loopback, messages are sent with smtplib, acknowledgements land on the ``smtp_server`` fixture.

The handler works in its own thread on the test's connection and commits per message (a
savepoint release here); smtplib waits for its answer, so the two threads never overlap."""

from __future__ import annotations

import hashlib
import re
import smtplib
import socket
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import db
from core.contact import cases, intake
from core.models import Case, CaseAttachment, CaseChannel, CaseMessage, CaseStatus
from tests import factories

CITIZEN = "mario.rossi@example.net"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def receiver(cc_app, db_session):
    controller = intake.start_receiver(cc_app, "127.0.0.1", _free_port())
    yield controller.port
    controller.stop()
    controller.handler.close()


@pytest.fixture()
def office(db_session):
    """An Ente with an ordinary and a PEC address, a general and a foreign-language queue."""
    ente = factories.ente(email="protocollo@comune.example.it", pec="protocollo@pec.comune.example.it")
    general = factories.queue(ente, "assistance")
    foreign = factories.queue(ente, "foreign_drivers", languages=("en", "de", "fr", "es"))
    factories.routing_rule(ente, foreign, 1, language="en")
    factories.routing_rule(ente, general, 99)
    return ente, general, foreign


def message(to: str, subject: str = "Informazioni sul verbale", body: str = "Buongiorno, vorrei sapere "
            "come pagare la multa. Grazie e cordiali saluti.", sender: str = CITIZEN, **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Mario Rossi <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.net")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def send(port: int, msg: EmailMessage | bytes, rcpts: list[str], sender: str = CITIZEN) -> dict:
    data = msg if isinstance(msg, bytes) else msg.as_bytes(policy=policy.SMTP)  # CRLF lines
    with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost", timeout=20) as smtp:
        return smtp.sendmail(sender, rcpts, data)


def ente_cases(ente) -> list[Case]:
    db.session.expire_all()  # the handler wrote through another session
    return list(db.session.scalars(select(Case).where(Case.ente_id == ente.id).order_by(Case.id)))


def files(app) -> set[Path]:
    return {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_request_becomes_a_routed_case_and_is_acknowledged(receiver, office, smtp_server):
    ente, general, _foreign = office
    msg = message(ente.email)
    assert send(receiver, msg, [ente.email]) == {}

    [case] = ente_cases(ente)
    assert re.fullmatch(rf"{ente.code}-\d{{4}}-000001", case.protocol)
    assert case.channel == CaseChannel.EMAIL and case.type == "information"
    assert case.queue_id == general.id and case.language == "it"
    assert (case.requester_email, case.requester_name) == (CITIZEN, "Mario Rossi")
    assert case.subject == "Informazioni sul verbale"
    [first] = case.messages
    assert first.email_message_id == msg["Message-ID"] and "come pagare" in first.body
    assert first.author_type == "citizen" and first.channel == CaseChannel.EMAIL
    assert case.first_response_due is not None  # SLA clocks started

    [ack] = smtp_server.wait_for(1)
    assert ack["To"] == CITIZEN and f"[{case.protocol}]" in ack["Subject"]


def test_language_and_type_drive_routing(receiver, office, smtp_server):
    ente, _general, foreign = office
    send(receiver, message(ente.email, subject="Complaint about my fine",
                           body="Hello, I would like to file a complaint: the fine is wrong. Thanks"),
         [ente.email])
    [case] = ente_cases(ente)
    assert (case.language, case.type, case.queue_id) == ("en", "complaint", foreign.id)
    assert "received your request" in smtp_server.wait_for(1)[0]["Subject"]  # in English


def test_reply_with_protocol_threads_and_resumes_a_waiting_case(receiver, office, smtp_server):
    ente, *_ = office
    send(receiver, message(ente.email), [ente.email])
    [case] = ente_cases(ente)
    cases.set_status(case, cases.SYSTEM, CaseStatus.WAITING_CITIZEN)
    db.session.commit()

    reply = message(ente.email, subject=f"Re: [{case.protocol}] We have received your request",
                    body="Ecco la copia del documento richiesto.")
    send(receiver, reply, [ente.email])

    [same] = ente_cases(ente)
    assert same.id == case.id and same.status == CaseStatus.OPEN
    assert [m.body for m in same.messages][-1] == "Ecco la copia del documento richiesto."
    assert same.messages[-1].email_message_id == reply["Message-ID"]
    assert "citizen_replied" in [e.kind for e in same.events]
    assert len(smtp_server.messages) == 1  # only the first message is acknowledged


def test_protocol_of_another_ente_or_unknown_opens_a_new_case(receiver, office, smtp_server):
    ente, *_ = office
    other = factories.ente(email="info@altro.example.it")
    factories.queue(other, "assistance")
    send(receiver, message(other.email), [other.email])
    [foreign_case] = ente_cases(other)

    send(receiver, message(ente.email, subject=f"Re: [{foreign_case.protocol}] domanda"), [ente.email])
    send(receiver, message(ente.email, subject=f"[{ente.code}-2026-999999] domanda"), [ente.email])

    assert len(ente_cases(ente)) == 2 and len(ente_cases(other)) == 1
    assert len(foreign_case.messages) == 1


def test_protocol_quoted_by_a_stranger_opens_a_linked_case(receiver, office, smtp_server):
    ente, *_ = office
    send(receiver, message(ente.email), [ente.email])
    [case] = ente_cases(ente)
    send(receiver, message(ente.email, subject=f"Re: [{case.protocol}]", sender="eve@example.org"),
         [ente.email], sender="eve@example.org")
    first, second = ente_cases(ente)
    assert len(first.messages) == 1
    assert second.payload["email"]["quoted_protocol"] == case.protocol


def _pec_envelope(inner: EmailMessage, to: str) -> EmailMessage:
    envelope = EmailMessage()
    envelope["From"] = '"Per conto di: mario.rossi@pec.example.it" <posta-certificata@pec.provider.example>'
    envelope["To"] = to
    envelope["Reply-To"] = "mario.rossi@pec.example.it"
    envelope["Subject"] = f"POSTA CERTIFICATA: {inner['Subject']}"
    envelope["Message-ID"] = make_msgid(domain="pec.provider.example")
    envelope["X-Trasporto"] = "posta-certificata"
    envelope["X-Riferimento-Message-ID"] = inner["Message-ID"]
    envelope.set_content("Messaggio di posta certificata.\nIl messaggio originale è incluso in allegato.")
    envelope.add_attachment(b"<postacert tipo='posta-certificata'/>", maintype="application",
                            subtype="xml", filename="daticert.xml")
    envelope.add_attachment(inner, filename="postacert.eml")
    return envelope


def test_pec_envelope_is_unwrapped_into_a_pec_case(receiver, office, smtp_server, cc_app):
    ente, *_ = office
    inner = message(ente.pec, subject="Reclamo per il verbale 123",
                    body="Presento reclamo contro il verbale.", sender="mario.rossi@pec.example.it")
    inner.add_attachment(b"%PDF-1.4 ricorso", maintype="application", subtype="pdf",
                         filename="ricorso.pdf")
    envelope = _pec_envelope(inner, ente.pec)
    send(receiver, envelope, [ente.pec], sender="posta-certificata@pec.provider.example")

    [case] = ente_cases(ente)
    assert case.channel == CaseChannel.PEC and case.type == "complaint"
    assert case.requester_email == "mario.rossi@pec.example.it"
    assert case.subject == "Reclamo per il verbale 123"
    assert case.messages[0].body == "Presento reclamo contro il verbale."
    assert case.messages[0].email_message_id == inner["Message-ID"]
    names = [a.filename for a in case.attachments]
    assert names == ["ricorso.pdf", intake.PEC_ENVELOPE_FILENAME]
    stored = Path(cc_app.config["STORAGE_DIR"], case.attachments[1].storage_key).read_bytes()
    assert b"X-Trasporto: posta-certificata" in stored and b"daticert.xml" in stored
    assert f"[{case.protocol}]" in smtp_server.wait_for(1)[0]["Subject"]


def test_pec_headers_make_a_pec_case_even_at_the_ordinary_address(receiver, office, smtp_server):
    ente, *_ = office
    inner = message(ente.email, sender="mario.rossi@pec.example.it")
    send(receiver, _pec_envelope(inner, ente.email), [ente.email])
    [case] = ente_cases(ente)
    assert case.channel == CaseChannel.PEC


def test_unknown_recipient_is_refused_at_rcpt(receiver, office, smtp_server):
    ente, *_ = office
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(receiver, message("nobody@comune.example.it"), ["nobody@comune.example.it"])
    assert refused.value.recipients["nobody@comune.example.it"][0] == 550
    # One good recipient is enough: the message is taken, the bad one reported.
    result = send(receiver, message(ente.email), ["nobody@comune.example.it", ente.email])
    assert list(result) == ["nobody@comune.example.it"]
    assert len(ente_cases(ente)) == 1


def test_duplicate_message_id_is_stored_once(receiver, office, smtp_server):
    ente, *_ = office
    msg = message(ente.email)
    send(receiver, msg, [ente.email])
    send(receiver, msg, [ente.email])  # redelivered after a lost 250
    [case] = ente_cases(ente)
    assert len(case.messages) == 1
    assert count(CaseMessage) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_attachment_is_stored_with_its_sha256(receiver, office, smtp_server, cc_app):
    ente, *_ = office
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    msg = message(ente.email)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="../../patente di guida.pdf")
    send(receiver, msg, [ente.email])

    [case] = ente_cases(ente)
    [att] = case.attachments
    assert att.filename == "patente di guida.pdf" and att.content_type == "application/pdf"
    assert att.size == len(pdf) and att.sha256 == hashlib.sha256(pdf).hexdigest()
    assert att.message_id == case.messages[0].id
    assert att.storage_key == f"cases/{case.id}/{case.messages[0].id}/01-patente di guida.pdf"
    assert Path(cc_app.config["STORAGE_DIR"], att.storage_key).read_bytes() == pdf


def test_html_only_message_is_converted_to_text(receiver, office, smtp_server):
    ente, *_ = office
    msg = message(ente.email)
    msg.set_content("<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
                    "<body><p>Buongiorno,</p><p>vorrei <b>informazioni</b> &amp; chiarimenti.</p>"
                    "<ul><li>verbale 1</li></ul></body></html>", subtype="html")
    send(receiver, msg, [ente.email])
    [case] = ente_cases(ente)
    body = case.messages[0].body
    assert body == "Buongiorno,\n\nvorrei informazioni & chiarimenti.\n\n- verbale 1"


@pytest.mark.parametrize("raw", [
    b"\x00\xff this is not an e-mail at all \xfe",
    b"Subject: no sender here\r\n\r\nbody\r\n",
    b"From: nobody\r\nSubject: bad sender\r\n\r\nbody\r\n",
    b"From: a@example.net\r\nX-Trasporto: posta-certificata\r\nSubject: x\r\n\r\nno postacert\r\n",
])
def test_malformed_message_is_rejected_cleanly(receiver, office, smtp_server, cc_app, raw):
    ente, *_ = office
    before = files(cc_app)
    with pytest.raises(smtplib.SMTPDataError) as error:
        send(receiver, raw, [ente.email])
    assert error.value.smtp_code == 550
    assert ente_cases(ente) == [] and count(CaseMessage) == 0
    assert files(cc_app) == before
    assert smtp_server.messages == []


def test_too_many_attachments_are_refused(receiver, office, smtp_server, cc_app, monkeypatch):
    ente, *_ = office
    monkeypatch.setitem(cc_app.config, "INTAKE_MAX_ATTACHMENTS", 1)
    msg = message(ente.email)
    for name in ("a.pdf", "b.pdf"):
        msg.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename=name)
    with pytest.raises(smtplib.SMTPDataError) as error:
        send(receiver, msg, [ente.email])
    assert (error.value.smtp_code, error.value.smtp_error) == (550, b"5.6.0 too many attachments")
    assert ente_cases(ente) == []


def test_failure_midway_leaves_nothing_and_asks_to_retry(receiver, office, smtp_server, cc_app,
                                                          monkeypatch):
    ente, *_ = office
    real_save, calls = intake.storage.save, []

    def flaky_save(key, data):
        calls.append(key)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_save(key, data)

    monkeypatch.setattr(intake.storage, "save", flaky_save)
    before = files(cc_app)
    msg = message(ente.email)
    for name in ("a.pdf", "b.pdf"):
        msg.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename=name)
    with pytest.raises(smtplib.SMTPDataError) as error:
        send(receiver, msg, [ente.email])
    assert error.value.smtp_code == 451
    assert ente_cases(ente) == [] and count(CaseAttachment) == 0
    assert files(cc_app) == before and len(calls) == 2
    assert not Path(cc_app.config["STORAGE_DIR"], calls[0]).exists()
    assert smtp_server.messages == []

    monkeypatch.setattr(intake.storage, "save", real_save)
    send(receiver, msg, [ente.email])  # the sender's retry goes through
    [case] = ente_cases(ente)
    assert len(case.attachments) == 2
