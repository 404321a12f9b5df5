"""Typed audit events. Services call :func:`record` in the same transaction as the change, so
an action and its trace are stored together or not at all."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from core import db
from core.models import AuditEvent


def record(
    action: str,
    *,
    actor_type: str,
    actor_id: int | None,
    object_type: str = "",
    object_id: object = "",
    ente_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    ip, agent = "", ""
    if has_request_context():
        ip = request.remote_addr or ""
        agent = (request.user_agent.string or "")[:300]
    event = AuditEvent(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        object_type=object_type,
        object_id=str(object_id),
        ente_id=ente_id,
        ip=ip,
        user_agent=agent,
        details=details,
    )
    db.session.add(event)
    return event
