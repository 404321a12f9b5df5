"""E-mail intake without a server: the heuristics, :func:`ingest` called directly (threading by
headers, receipts, loops, limits) and the ``flask mail ingest`` command."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from core import db
from core.contact import intake
from core.contact.intake_cli import mail_cli
from core.models import Case
from tests import factories

CITIZEN = "anna.bianchi@example.net"


@pytest.fixture()
def app_ctx(cc_app, db_session):
    with cc_app.app_context():
        yield cc_app


@pytest.fixture()
def ente(db_session):
    obj = factories.ente(email="urp@comune.example.it", pec="urp@pec.comune.example.it")
    factories.queue(obj, "assistance")
    return obj


def raw(to: str = "urp@comune.example.it", subject: str = "Domanda", body: str = "Buongiorno",
        sender: str = CITIZEN, **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.net")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def cases_of(ente_obj) -> list[Case]:
    return list(db.session.scalars(select(Case).where(Case.ente_id == ente_obj.id).order_by(Case.id)))


@pytest.mark.parametrize(("header", "text", "expected"), [
    ("de-DE", "Buongiorno", "de"),
    ("en, it", "", "en"),
    ("xx", "Bonjour, je vous écris pour une amende. Merci", "fr"),
    (None, "Hola, tengo una multa y quiero pagar. Gracias", "es"),
    (None, "Guten Tag, ich habe eine Strafe bekommen. Danke", "de"),
    (None, "Hello, this is about my fine, thanks", "en"),
    (None, "Buongiorno, vorrei pagare la multa", "it"),
    (None, "ok", "it"),
])
def test_language_guess(header, text, expected):
    assert intake.guess_language(header, text) == expected


@pytest.mark.parametrize(("subject", "body", "expected"), [
    ("Reclamo", "", "complaint"),
    ("", "I want to make a complaint", "complaint"),
    ("Réclamation", "", "complaint"),
    ("", "Ich möchte eine Beschwerde einreichen", "complaint"),
    ("Reclamación", "", "complaint"),
    ("Istanza di accesso agli atti", "", "access"),
    ("Informazioni", "Come pago?", "information"),
    ("", "reclamante", "information"),  # whole words only
])
def test_case_type_guess(subject, body, expected):
    assert intake.guess_case_type(subject, body) == expected


def test_html_to_text_drops_markup_safely():
    html = ('<p>Ciao&nbsp;<a href="javascript:x()">link</a></p><script>evil()</script>'
            '<style>b{}</style><img src=x onerror=alert(1)><br>fine &lt;tag&gt;')
    assert intake.html_to_text(html) == "Ciao link\n\nfine <tag>"


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\ricorso.pdf", "ricorso.pdf"),
    ("..", "attachment-1"),
    (".htaccess", "htaccess"),
    ("perché è così.pdf", "perche e cosi.pdf"),
    ("a\x00b<>|.txt", "a_b_.txt"),
    (None, "attachment-1"),
    ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
])
def test_sanitize_filename(name, expected):
    assert intake.sanitize_filename(name, "attachment-1") == expected


def test_reply_threads_by_in_reply_to(app_ctx, ente):
    first = intake.ingest(raw(message_id="<first@example.net>"))
    assert first.status == "created"
    second = intake.ingest(raw(subject="Re: Domanda", body="Altro", In_Reply_To="<first@example.net>"))
    assert (second.status, second.case_id) == ("threaded", first.case_id)
    assert [m.body for m in cases_of(ente)[0].messages] == ["Buongiorno", "Altro"]


def test_reply_to_closed_case_opens_a_new_one(app_ctx, ente):
    from core.contact import cases

    first = intake.ingest(raw())
    case = db.session.get(Case, first.case_id)
    cases.set_status(case, cases.SYSTEM, "closed")
    again = intake.ingest(raw(subject=f"Re: [{case.protocol}]"))
    assert again.status == "created" and again.case_id != case.id
    assert db.session.get(Case, again.case_id).payload["email"]["quoted_protocol"] == case.protocol


def test_reply_to_merged_case_lands_on_the_surviving_case(app_ctx, ente):
    a = db.session.get(Case, intake.ingest(raw()).case_id)
    b = db.session.get(Case, intake.ingest(raw()).case_id)
    b.merged_into_id = a.id
    result = intake.ingest(raw(subject=f"Re: [{b.protocol}]"))
    assert (result.status, result.case_id) == ("threaded", a.id)


def test_recipient_priority_envelope_first(app_ctx, ente):
    other = factories.ente(email="info@altro.example.it")
    result = intake.ingest(raw(to="info@altro.example.it"), recipients=["URP@pec.comune.example.it"])
    assert result.status == "created" and result.channel == "pec"
    assert cases_of(ente) and not cases_of(other)


def test_unknown_recipient_is_rejected_without_a_case(app_ctx, ente):
    result = intake.ingest(raw(to="someone@else.example"))
    assert (result.status, result.reason) == ("rejected", "unknown recipient")
    assert not result.accepted and cases_of(ente) == []


def test_pec_receipts_and_bounces_are_ignored(app_ctx, ente):
    receipt = raw(to=ente.pec, subject="ACCETTAZIONE: verbale", X_Ricevuta="accettazione",
                  X_Trasporto="posta-certificata")
    assert intake.ingest(receipt).status == "ignored"
    bounce = raw(subject="Undelivered Mail Returned to Sender", sender="MAILER-DAEMON@mx.example")
    assert intake.ingest(bounce).status == "ignored"
    assert cases_of(ente) == []


def test_auto_replies_are_not_acknowledged(app_ctx, ente):
    result = intake.ingest(raw(subject="Fuori ufficio", Auto_Submitted="auto-replied"))
    assert result.status == "created"
    assert db.session().info.get("jobs_pending", []) == []  # no acknowledgement queued
    intake.ingest(raw())
    assert len(db.session().info["jobs_pending"]) == 1


def test_our_own_mail_is_refused(app_ctx, ente, cc_app):
    result = intake.ingest(raw(sender=cc_app.config["MAIL_SENDER"]))
    assert result.status == "rejected"


def test_body_is_size_limited_and_message_without_text_kept(app_ctx, ente, cc_app, monkeypatch):
    monkeypatch.setitem(cc_app.config, "INTAKE_MAX_BODY_CHARS", 20)
    long = intake.ingest(raw(body="parola " * 100))
    assert len(db.session.get(Case, long.case_id).messages[0].body) == 20
    empty = intake.ingest(raw(subject="", body=""))
    case = db.session.get(Case, empty.case_id)
    assert (case.subject, case.messages[0].body) == (intake.NO_SUBJECT, intake.NO_TEXT)


def test_oversized_message_and_attachment_are_rejected(app_ctx, ente, cc_app, monkeypatch):
    monkeypatch.setitem(cc_app.config, "INTAKE_MAX_MESSAGE_BYTES", 200)
    assert intake.ingest(raw(body="x" * 500)).reason == "message too large"
    monkeypatch.setitem(cc_app.config, "INTAKE_MAX_MESSAGE_BYTES", 10**6)
    monkeypatch.setitem(cc_app.config, "INTAKE_MAX_ATTACHMENT_BYTES", 10)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = CITIZEN, ente.email, "x"
    msg.set_content("x")
    msg.add_attachment(b"y" * 11, maintype="application", subtype="octet-stream", filename="y.bin")
    assert intake.ingest(msg.as_bytes()).reason == "attachment too large"
    assert cases_of(ente) == []


def test_naive_received_at_is_refused(app_ctx, ente):
    from datetime import datetime

    with pytest.raises(ValueError):
        intake.ingest(raw(), received_at=datetime(2026, 1, 1))  # noqa: DTZ001


def test_cli_ingest_prints_the_result_and_commits(cc_app, ente, tmp_path, smtp_server):
    path = tmp_path / "request.eml"
    path.write_bytes(raw(subject="Accesso agli atti"))
    result = cc_app.test_cli_runner().invoke(mail_cli, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["status"] == "created" and out["channel"] == "email"
    case = db.session.get(Case, out["case_id"])
    assert case.protocol == out["protocol"] and case.type == "access"
    assert f"[{case.protocol}]" in smtp_server.wait_for(1)[0]["Subject"]

    again = cc_app.test_cli_runner().invoke(mail_cli, ["ingest", str(path)])
    assert json.loads(again.stdout)["status"] == "duplicate"


def test_cli_ingest_rcpt_option_and_rejection(cc_app, ente, tmp_path, smtp_server):
    pec = ente.pec
    path = tmp_path / "request.eml"
    path.write_bytes(raw(to="undisclosed-recipients:;"))
    runner = cc_app.test_cli_runner()
    refused = runner.invoke(mail_cli, ["ingest", str(path)])
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.strip() == "error: message rejected: unknown recipient"
    taken = runner.invoke(mail_cli, ["ingest", str(path), "--rcpt", pec])
    assert taken.exit_code == 0 and json.loads(taken.stdout)["channel"] == "pec"


def test_cli_serve_inbound_is_registered():
    assert "serve-inbound" in mail_cli.commands and "ingest" in mail_cli.commands
    params = {p.name: p.default for p in mail_cli.commands["serve-inbound"].params}
    assert params == {"host": "127.0.0.1", "port": 2525}
