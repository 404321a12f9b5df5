"""Sending an act by PEC, and informal notices by plain e-mail, over real SMTP.

PEC goes through the PEC provider's SMTP (``PEC_SERVER``/``PEC_PORT``/``PEC_USE_SSL``/
``PEC_USERNAME``/``PEC_PASSWORD``; with no ``PEC_SERVER``, the ordinary ``MAIL_*`` settings —
the demo's mail catcher, the tests' local server), from the Ente's PEC address (or the
``pec_sender`` of its notification settings) to the offender's PEC, with the act attached. The
message's ``Message-ID`` is stored on the dispatch before the hand-over: the provider's
receipts quote it in ``X-Riferimento-Message-ID`` (:mod:`core.notification.receipts`).

At most once: the dispatch is committed as ``sending`` *before* the SMTP conversation, so a
worker killed during the hand-over leaves a ``sending`` dispatch (made ``uncertain`` by the
next poll, for a person to check) instead of sending the act twice.

The e-mail channel is informal (the invito bonario, channel ``friendly_letter``): its delivery
is recorded as ``sent`` and never perfects anything.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from core import db
from core.db import utcnow
from core.models import (
    DispatchStatus,
    Letter,
    NotificationChannel,
    NotificationDispatch,
    NotificationOutcome,
    Verbale,
)

from . import dispatches, tracking
from .dispatches import NotEligible

PEC = NotificationChannel.PEC
EMAIL = NotificationChannel.FRIENDLY_LETTER
SENDING_STALE_AFTER = timedelta(minutes=15)


class SmtpTemporary(Exception):
    """The SMTP server could not take the message now (connection, 4xx)."""


class SmtpPermanent(Exception):
    """The SMTP server refused the message (5xx)."""


def pec_sender(verbale: Verbale) -> str:
    settings = tracking.settings_for(verbale.ente)
    return (settings.pec_sender or verbale.ente.pec or "").strip()


def new_message_id(verbale: Verbale, channel: NotificationChannel, domain: str) -> str:
    return make_msgid(idstring=f"v{verbale.id}.{channel}", domain=domain)


def _smtp_settings(pec: bool) -> dict:
    cfg = current_app.config
    if pec and cfg.get("PEC_SERVER"):
        return {"host": cfg["PEC_SERVER"], "port": int(cfg.get("PEC_PORT", 465)),
                "ssl": bool(cfg.get("PEC_USE_SSL", True)), "tls": False,
                "user": cfg.get("PEC_USERNAME", ""), "password": cfg.get("PEC_PASSWORD", "")}
    return {"host": cfg["MAIL_SERVER"], "port": int(cfg["MAIL_PORT"]), "ssl": False,
            "tls": bool(cfg.get("MAIL_USE_TLS")), "user": cfg.get("MAIL_USERNAME", ""),
            "password": cfg.get("MAIL_PASSWORD", "")}


def deliver(msg: EmailMessage, *, pec: bool) -> None:
    """Hand ``msg`` to the SMTP server; raises :class:`SmtpTemporary` / :class:`SmtpPermanent`."""
    s = _smtp_settings(pec)
    try:
        if s["ssl"]:
            smtp = smtplib.SMTP_SSL(s["host"], s["port"], timeout=20,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s["host"], s["port"], timeout=20)
        with smtp:
            if s["tls"]:
                smtp.starttls(context=ssl.create_default_context())
            if s["user"]:
                smtp.login(s["user"], s["password"])
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _msg in exc.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise SmtpTemporary(f"recipient refused for now: {exc.recipients}") from exc
        raise SmtpPermanent(f"recipient refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise SmtpTemporary(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise SmtpPermanent(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpTemporary(str(exc) or type(exc).__name__) from exc


def build_message(dispatch: NotificationDispatch, letter: Letter, content: bytes, sender: str,
                  *, pec: bool) -> EmailMessage:
    verbale: Verbale = dispatch.verbale
    person = verbale.offender
    ente = verbale.ente
    with force_locale(str(person.language or "it")):
        if pec:
            subject = _("Notification of the report of violation no. %(number)s – %(ente)s",
                        number=verbale.number, ente=ente.name)
            text = _("Dear %(name)s,\n\nattached is the report of violation no. %(number)s "
                     "issued by %(ente)s, notified to you by certified e-mail (PEC). The "
                     "notification is complete when this message is delivered to your mailbox.\n\n"
                     "%(ente)s", name=person.display_name, number=verbale.number, ente=ente.name)
        else:
            subject = _("Report of violation no. %(number)s – %(ente)s", number=verbale.number,
                        ente=ente.name)
            text = _("Dear %(name)s,\n\nattached is a letter about the report of violation "
                     "no. %(number)s issued by %(ente)s. This e-mail is for your information; "
                     "the letter explains how to pay or to contact us.\n\n%(ente)s",
                     name=person.display_name, number=verbale.number, ente=ente.name)
    msg = EmailMessage()
    msg["From"] = formataddr((ente.name, sender))
    msg["To"] = dispatch.address
    msg["Subject"] = subject
    msg["Message-ID"] = dispatch.message_id
    if not pec:
        msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_attachment(content, maintype="application", subtype="pdf",
                       filename=f"verbale-{verbale.number.replace('/', '-')}.pdf")
    return msg


def prepare(verbale: Verbale, channel: NotificationChannel) -> tuple[NotificationDispatch, bool]:
    """The verbale's PEC (or e-mail) dispatch, created with its address and Message-ID."""
    letter = dispatches.act_of(verbale, channel)
    if letter is None:
        raise NotEligible("no letter to send")
    if channel == PEC:
        address = (verbale.offender.pec or "").strip()
        sender = pec_sender(verbale)
        if not sender:
            raise NotEligible("the Ente has no PEC address to send from")
    else:
        address = (verbale.offender.email or "").strip()
        sender = current_app.config["MAIL_SENDER"]
    if "@" not in address:
        raise NotEligible("no address")
    return dispatches.get_or_create(verbale, channel, letter, address=address,
                                    message_id=new_message_id(verbale, channel,
                                                              sender.rsplit("@", 1)[-1]),
                                    people=[verbale.offender_id])


def hand_over(dispatch: NotificationDispatch, today: date) -> str:
    """Send a queued PEC/e-mail dispatch. Commits the ``sending`` state before the SMTP
    conversation; the final state is left to the caller's commit. Returns ``sent``,
    ``retry``, ``failed`` or ``skipped``."""
    if dispatch.status != DispatchStatus.QUEUED:
        return "skipped"
    pec = dispatch.channel == PEC
    verbale = dispatch.verbale
    try:
        letter = dispatch.letter
        if letter is None:
            raise NotEligible("no letter to send")
        content = dispatches.read_act(letter)
        sender = pec_sender(verbale) if pec else current_app.config["MAIL_SENDER"]
        msg = build_message(dispatch, letter, content, sender, pec=pec)
    except NotEligible as exc:
        return dispatches.permanent(dispatch, exc, step="act")
    dispatch.status = DispatchStatus.SENDING
    dispatch.updated_at = utcnow()
    db.session.commit()  # at most once: a crash from here on leaves "sending", never a resend
    try:
        deliver(msg, pec=pec)
    except SmtpTemporary as exc:
        return dispatches.transient(dispatch, exc, step="smtp")
    except SmtpPermanent as exc:
        return dispatches.permanent(dispatch, exc, step="smtp")
    dispatch.status = DispatchStatus.SENT
    dispatch.attempts += 1
    dispatch.next_attempt_at = None
    dispatch.last_error = ""
    dispatches.events_for_all(dispatch, NotificationOutcome.SENT, reference=dispatch.message_id,
                              medium="pec" if pec else "email", address=dispatch.address)
    dispatches.handed_over(dispatch, today)
    return "sent"


def mark_stale_sending(ente_id: int | None = None) -> int:
    """Dispatches left ``sending`` by an interrupted worker become ``uncertain`` (a person
    checks the provider's receipts before any resend)."""
    limit = utcnow() - SENDING_STALE_AFTER
    stmt = select(NotificationDispatch).where(
        NotificationDispatch.status == DispatchStatus.SENDING,
        NotificationDispatch.updated_at < limit)
    if ente_id is not None:
        stmt = stmt.where(NotificationDispatch.ente_id == ente_id)
    count = 0
    for dispatch in db.session.scalars(stmt):
        dispatch.status = DispatchStatus.UNCERTAIN
        dispatch.last_error = "interrupted during the SMTP hand-over"
        count += 1
    return count
