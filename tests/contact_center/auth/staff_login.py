"""Signing staff in through the real two-step forms, for tests of any contact-center area.

(Candidates for ``tests/factories.py``: ``enrolled_staff`` and ``sign_in_through_forms``.)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp

from core.models import StaffRole, StaffUser
from tests import factories

PASSWORD = "Staff-pass-123"


def enrolled_staff(role: StaffRole = StaffRole.AGENT, enti=None, **kw) -> StaffUser:
    """A staff account with an authenticator already enrolled (known secret)."""
    return factories.staff(role, enti, totp_secret=pyotp.random_base32(),
                           totp_enrolled_at=datetime(2026, 1, 1, tzinfo=UTC), **kw)


def sign_in_through_forms(client, user: StaffUser, password: str = PASSWORD, code: str | None = None):
    """Password, then the current code. Returns the response of the code step (a redirect)."""
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("/sign-in/code")
    response = client.post("/sign-in/code", data={"code": code or pyotp.TOTP(user.totp_secret).now()})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
