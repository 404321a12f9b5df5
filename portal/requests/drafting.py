"""Web side of form drafts (:mod:`core.drafts`) for the portal's request forms: whose draft
this browser is writing, the anonymous draft cookie, and the session-expired case.

The forms using these views are exempt from the app-wide CSRF check and validate the CSRF
token in the form itself, so an expired session becomes a message on the form — with what was
typed kept — instead of a bare 400 page. A draft is never saved from a cross-site request (a
forged post must not plant text into someone's form).
"""

from __future__ import annotations

from flask import request
from flask_login import current_user

from core import drafts


def owner() -> tuple[str, str | None]:
    """The draft owner of this browser and, when it is a new anonymous one, the token for the
    cookie the response must set (:func:`remember`)."""
    if current_user.is_authenticated:
        return drafts.person_owner(current_user.person_id), None
    current = request.cookies.get(drafts.ANON_COOKIE, "")
    key = drafts.anonymous_owner(request)
    token = key.split(":", 1)[1]
    return key, (token if token != current else None)


def anonymous_key() -> str | None:
    """This browser's anonymous owner key, if it has the cookie (a signed-in citizen may have
    started typing before signing in)."""
    if not request.cookies.get(drafts.ANON_COOKIE):
        return None
    return drafts.anonymous_owner(request)


def remember(response, token: str | None):
    if token:
        drafts.set_anonymous_cookie(response, token)
    return response


def same_site() -> bool:
    """False for a request the browser marks as cross-site (never store drafts from it)."""
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def csrf_expired(form) -> bool:
    """True when only the CSRF token failed — the session expired while the citizen typed. The
    technical error is removed; the view shows a plain message instead."""
    token = getattr(form, "csrf_token", None)
    if token is None or not token.errors:
        return False
    token.errors = []
    return True


def fields(form, names) -> dict[str, str]:
    return {name: getattr(form, name).data or "" for name in names if hasattr(form, name)}


def load(kind: str, ref: str = "") -> dict | None:
    """The draft data of this browser for the form, falling back (for a signed-in citizen) to
    what the same browser typed before signing in."""
    key, _new = owner()
    draft = drafts.load(key, kind, ref)
    if draft is None and current_user.is_authenticated:
        anon = anonymous_key()
        draft = drafts.load(anon, kind, ref) if anon else None
    return dict(draft.data) if draft is not None else None


def discard(kind: str, ref: str = "") -> None:
    """Forget the form's draft once it is sent: this owner's and this browser's anonymous one."""
    key, _new = owner()
    drafts.discard(key, kind, ref)
    anon = anonymous_key()
    if anon and anon != key:
        drafts.discard(anon, kind, ref)
