"""Outgoing SMS. With ``TWILIO_ACCOUNT_SID`` configured the official Twilio client sends it;
otherwise (demo, tests) the message is only recorded as an audit event, so nothing leaves the
machine."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from core import audit

log = logging.getLogger(__name__)


def send_sms(config: Mapping, to: str, body: str, *, ente_id: int | None,
             object_type: str = "", object_id: object = "") -> str:
    """Send (or record) one SMS; returns ``"sent"`` or ``"recorded"``. Audited either way."""
    sid = config.get("TWILIO_ACCOUNT_SID")
    if sid:
        from twilio.rest import Client

        client = Client(sid, config.get("TWILIO_AUTH_TOKEN"))
        message = client.messages.create(to=to, from_=config.get("TWILIO_SMS_FROM"), body=body)
        outcome, ref = "sent", message.sid
    else:
        log.info("SMS not sent (no TWILIO_ACCOUNT_SID): to=%s body=%s", to, body)
        outcome, ref = "recorded", ""
    audit.record("ivr.sms", actor_type="system", actor_id=None, object_type=object_type,
                 object_id=object_id, ente_id=ente_id, to=to, body=body, outcome=outcome,
                 provider_ref=ref)
    return outcome
