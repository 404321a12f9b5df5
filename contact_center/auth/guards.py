"""Route guards for the contact center, reusable by every area.

``roles_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)`` lets in signed-in staff with one of
the roles; anonymous visitors go to sign-in (Flask-Login's ``unauthorized``), other roles get
403. The decorated view carries ``required_roles`` for tests that inspect the guards.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.models import StaffRole

from . import pending


def roles_required(*roles: StaffRole | str) -> Callable:
    if not roles:
        raise ValueError("roles_required needs at least one role")
    allowed = frozenset(StaffRole(r) for r in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


def second_factor_pending(view: Callable) -> Callable:
    """Only for the code and enrolment pages: needs a valid half-authenticated marker (else
    back to sign-in) and passes it to the view as ``pending_sign_in``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        had_marker = pending.exists()
        marker = pending.current()
        if marker is None:
            if had_marker:
                flash(_("The sign-in took too long. Please start again."), "info")
            return redirect(url_for("auth.sign_in"))
        return view(*args, pending_sign_in=marker, **kwargs)

    wrapped.requires_pending_sign_in = True  # type: ignore[attr-defined]
    return wrapped
