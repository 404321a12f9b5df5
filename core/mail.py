"""Outgoing e-mail over real SMTP (``MAIL_SERVER``/``MAIL_PORT``; the demo starts a local
catcher that stores messages under ``instance/mail``)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    reply_to: str | None = None


def build(mail: Mail) -> EmailMessage:
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = formataddr((cfg["MAIL_SENDER_NAME"], cfg["MAIL_SENDER"]))
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=cfg["MAIL_SENDER"].split("@")[-1])
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    for att in mail.attachments:
        maintype, subtype = att.mimetype.split("/", 1)
        msg.add_attachment(att.content, maintype=maintype, subtype=subtype, filename=att.filename)
    return msg


def send(mail: Mail) -> str:
    """Send now (callers normally go through :func:`core.jobs.enqueue`). Returns Message-ID."""
    cfg = current_app.config
    msg = build(mail)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=15) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)
    return msg["Message-ID"]
