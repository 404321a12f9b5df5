"""Form drafts: what a citizen typed in a long form survives a validation error, a step back,
a closed tab or an expired session.

A draft belongs to an *owner* — ``person:<id>`` for a signed-in driver, ``anon:<token>`` for
the public forms, where the token lives in a long-lived, HttpOnly cookie of its own (see
:func:`anonymous_owner`) — and is identified by a form ``kind`` and a ``ref`` (e.g. the verbale
id). Services save drafts on every step; submitting the form discards the draft. Drafts never
hold uploaded files (those are stored only on submission) nor secrets.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from core import db
from core.db import utcnow
from core.models import FormDraft

ANON_COOKIE = "portal_draft"
ANON_COOKIE_MAX_AGE = 30 * 24 * 3600
DRAFT_LIFETIME = timedelta(days=30)


def person_owner(person_id: int) -> str:
    return f"person:{person_id}"


def anonymous_owner(request, response=None) -> str:
    """The anonymous owner key of this browser, from its draft cookie; a new random token is
    generated (and set on ``response`` when given) if it has none."""
    token = request.cookies.get(ANON_COOKIE, "")
    if not (len(token) == 43 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(32)
        if response is not None:
            set_anonymous_cookie(response, token)
    return f"anon:{token}"


def set_anonymous_cookie(response, token: str) -> None:
    response.set_cookie(ANON_COOKIE, token, max_age=ANON_COOKIE_MAX_AGE,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", True),
                        httponly=True, samesite="Lax")


def load(owner: str, kind: str, ref: str = "") -> FormDraft | None:
    return db.session.scalar(
        select(FormDraft).where(FormDraft.owner == owner, FormDraft.kind == kind,
                                FormDraft.ref == str(ref)))


def save(owner: str, kind: str, ref: str = "", data: dict[str, Any] | None = None,
         step: int | None = None) -> FormDraft:
    """Create or update the draft, merging ``data`` into what is already there."""
    draft = load(owner, kind, ref)
    if draft is None:
        draft = FormDraft(owner=owner, kind=kind, ref=str(ref), data={}, step=1)
        db.session.add(draft)
    merged = dict(draft.data or {})
    merged.update(data or {})
    draft.data = merged
    if step is not None:
        draft.step = step
    draft.updated_at = utcnow()
    db.session.flush()
    return draft


def discard(owner: str, kind: str, ref: str = "") -> None:
    db.session.execute(delete(FormDraft).where(
        FormDraft.owner == owner, FormDraft.kind == kind, FormDraft.ref == str(ref)))


def exists(owner: str, kind: str, ref: str = "") -> bool:
    return load(owner, kind, ref) is not None


def purge_expired(now=None) -> int:
    """Delete drafts untouched for :data:`DRAFT_LIFETIME` (run daily)."""
    cutoff = (now or utcnow()) - DRAFT_LIFETIME
    result = db.session.execute(delete(FormDraft).where(FormDraft.updated_at < cutoff))
    return result.rowcount or 0
