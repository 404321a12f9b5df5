"""Staff sign-in in two steps: password, then a TOTP code (enrolment with a QR code the first
time), with replay protection, a shared lockout, rate limits and a short-lived half-session."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pyotp
import pytest
from sqlalchemy import select

from contact_center.auth import pending
from contact_center.auth import views as auth_views
from core import db, staff
from core.models import AuditEvent, StaffRole, StaffUser
from tests import factories
from tests.contact_center.auth.staff_login import PASSWORD, enrolled_staff, sign_in_through_forms

NOW = datetime(2026, 5, 14, 9, 0, 10, tzinfo=UTC)  # 10 s into a 30-s step


@pytest.fixture()
def clock(monkeypatch):
    """The time the sign-in views see; ``clock.now`` can be moved."""

    class Clock:
        now = NOW

    monkeypatch.setattr(auth_views, "utcnow", lambda: Clock.now)
    return Clock


def _code(user: StaffUser, at: datetime, steps: int = 0) -> str:
    totp = pyotp.TOTP(user.totp_secret)
    return totp.generate_otp(totp.timecode(at) + steps)


def _wrong(code: str) -> str:
    """A 6-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _reload(user: StaffUser) -> StaffUser:
    """The row as stored (each request ends with ``db.session.remove()``)."""
    return db.session.get(StaffUser, user.id, populate_existing=True)


def _password(cc, user, password=PASSWORD):
    return cc.post("/sign-in", data={"email": user.email, "password": password})


def _actions(user) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "staff_user", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.id)))


def _signed_in(cc) -> bool:
    return "Welcome" in cc.get("/?lang=en").get_data(as_text=True)


def test_first_sign_in_enrols_with_a_qr_code(cc, clock):
    user = factories.staff(StaffRole.SUPERVISOR, totp_secret=None, totp_enrolled_at=None)
    response = _password(cc, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/enrol")

    page = cc.get("/sign-in/enrol?lang=en").get_data(as_text=True)
    user = _reload(user)
    secret = user.totp_secret
    assert secret and user.totp_enrolled_at is None
    assert re.search(r'<img src="data:image/svg\+xml[^"]+"', page)  # the QR code, no inline SVG
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page  # for manual entry
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    uri = staff.provisioning_uri(secret, user.email)
    assert uri.startswith("otpauth://totp/") and "issuer=Multe%20Chiare" in uri
    assert unquote(uri).startswith(f"otpauth://totp/Multe Chiare:{user.email}?")
    # the same secret on reload, until confirmed
    cc.get("/sign-in/enrol")
    user = _reload(user)
    assert user.totp_secret == secret

    wrong = cc.post("/sign-in/enrol?lang=en", data={"code": _wrong(_code(user, NOW))})
    assert wrong.status_code == 200 and "Sign-in failed" in wrong.get_data(as_text=True)
    user = _reload(user)
    assert user.totp_enrolled_at is None and user.failed_attempts == 1
    assert not _signed_in(cc)

    right = cc.post("/sign-in/enrol", data={"code": _code(user, NOW)})
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert _signed_in(cc)
    user = _reload(user)
    assert user.totp_enrolled_at == NOW and user.failed_attempts == 0 and user.last_login_at == NOW
    assert _actions(user)[-2:] == ["staff.totp_enrolled", "staff.login"]


def test_enrolled_user_is_asked_for_the_code(cc, clock):
    user = enrolled_staff()
    response = _password(cc, user)
    assert response.headers["Location"].endswith("/sign-in/code")
    assert cc.get("/sign-in/enrol").headers["Location"].endswith("/sign-in/code")
    page = cc.get("/sign-in/code?lang=en").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and "data:image" not in page
    response = cc.post("/sign-in/code", data={"code": _code(user, NOW)[:3] + " " + _code(user, NOW)[3:]})
    assert response.status_code == 302
    assert _signed_in(cc)


def test_next_page_is_kept_across_both_steps(cc, clock):
    user = enrolled_staff()
    cc.post("/sign-in?next=/audit%3Faction%3Dx", data={"email": user.email, "password": PASSWORD})
    response = cc.post("/sign-in/code", data={"code": _code(user, NOW)})
    assert response.headers["Location"] == "/audit?action=x"
    # an off-site next is dropped
    cc2 = cc.application.test_client()
    clock.now = NOW + timedelta(seconds=30)
    cc2.post("/sign-in?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert cc2.post("/sign-in/code", data={"code": _code(user, clock.now)}).headers["Location"] == "/"


def test_previous_step_is_accepted_for_clock_drift(cc, clock):
    user = enrolled_staff()
    _password(cc, user)
    assert cc.post("/sign-in/code", data={"code": _code(user, NOW, -1)}).status_code == 302


def test_code_outside_the_window_is_refused(cc, clock):
    user = enrolled_staff()
    _password(cc, user)
    assert cc.post("/sign-in/code", data={"code": _code(user, NOW, -2)}).status_code == 200
    assert cc.post("/sign-in/code", data={"code": _code(user, NOW, 2)}).status_code == 200
    assert not _signed_in(cc)


def test_replayed_code_is_refused(cc, clock):
    user = enrolled_staff()
    code = _code(user, NOW)
    sign_in_through_forms(cc, user, code=code)
    cc.post("/sign-out")

    other = cc.application.test_client()  # e.g. someone who saw the code over a shoulder
    _password(other, user)
    replay = other.post("/sign-in/code?lang=en", data={"code": code})
    assert replay.status_code == 200 and "Sign-in failed" in replay.get_data(as_text=True)
    assert not _signed_in(other)
    # an older code (previous step) is refused too once a newer one was used
    assert other.post("/sign-in/code", data={"code": _code(user, NOW, -1)}).status_code == 200
    failed = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "staff.login_failed", AuditEvent.object_id == str(user.id))).all()
    assert [e.details.get("replayed") for e in failed] == [True, True]
    # the next step's code works
    clock.now = NOW + timedelta(seconds=30)
    assert other.post("/sign-in/code", data={"code": _code(user, clock.now)}).status_code == 302


def test_five_wrong_codes_lock_the_account(cc, clock):
    user = enrolled_staff()
    _password(cc, user)
    good = _code(user, NOW)
    wrong = _wrong(good)
    for _ in range(5):
        assert cc.post("/sign-in/code", data={"code": wrong}).status_code == 200
    user = _reload(user)
    assert user.locked_until == NOW + timedelta(minutes=15)
    # locked: even the right code and the right password are refused
    assert cc.post("/sign-in/code", data={"code": good}).status_code == 200
    assert not _signed_in(cc)
    fresh = cc.application.test_client()
    assert _password(fresh, user).status_code == 200
    assert "staff.login_locked" in _actions(user)
    # after 15 minutes the account opens again
    clock.now = NOW + timedelta(minutes=15, seconds=1)
    sign_in_through_forms(fresh, user, code=_code(user, clock.now))
    user = _reload(user)
    assert user.failed_attempts == 0 and user.locked_until is None


def test_five_wrong_passwords_lock_the_account(cc, clock):
    user = enrolled_staff()
    for _ in range(5):
        assert _password(cc, user, "wrong-password").status_code == 200
    user = _reload(user)
    assert user.locked_until is not None
    assert _password(cc, user).status_code == 200  # right password, still locked


def test_wrong_passwords_and_codes_share_the_counter(cc, clock):
    """Re-entering the right password never buys more code guesses."""
    user = enrolled_staff()
    for _ in range(3):
        _password(cc, user, "wrong-password")
    _password(cc, user)
    good = _code(user, NOW)
    wrong = _wrong(good)
    cc.post("/sign-in/code", data={"code": wrong})
    _password(cc, user)
    cc.post("/sign-in/code", data={"code": wrong})
    user = _reload(user)
    assert user.locked_until is not None


def test_lockout_never_reveals_whether_the_account_exists(cc, clock):
    user = enrolled_staff()
    for _ in range(5):
        _password(cc, user, "wrong-password")

    def body(email, password):
        html = cc.post("/sign-in?lang=en", data={"email": email, "password": password}).get_data(as_text=True)
        return re.sub(r'(value|nonce)="[^"]*"', "", html)  # the typed e-mail is echoed back

    locked = body(user.email, PASSWORD)
    unknown = body("nobody@example.org", PASSWORD)
    wrong = body(enrolled_staff().email, "wrong-password")
    assert locked == unknown == wrong
    assert "locked" in locked  # the general rule, not this account's state


def test_half_authenticated_session_reaches_nothing(cc, clock):
    user = enrolled_staff(StaffRole.ADMIN)
    _password(cc, user)
    home = cc.get("/?lang=en").get_data(as_text=True)
    assert "Welcome" not in home and 'name="password"' in home  # the sign-in form, not the desk
    for path in ("/audit", "/audit/export.csv"):
        response = cc.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert cc.post("/sign-out").status_code == 302
    with cc.session_transaction() as sess:
        assert "_user_id" not in sess and pending.SESSION_KEY in sess


def test_code_pages_need_the_marker(cc):
    for path in ("/sign-in/code", "/sign-in/enrol"):
        response = cc.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")


def test_marker_expires_after_five_minutes(cc, clock, monkeypatch):
    user = enrolled_staff()
    _password(cc, user)
    monkeypatch.setattr(pending, "MAX_AGE_SECONDS", -1)
    response = cc.post("/sign-in/code", data={"code": _code(user, NOW)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert not _signed_in(cc)


def test_tampered_marker_is_refused(cc, clock):
    user = enrolled_staff()
    victim = enrolled_staff()
    _password(cc, user)
    with cc.session_transaction() as sess:
        raw = sess[pending.SESSION_KEY]
        sess[pending.SESSION_KEY] = raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB")
    response = cc.post("/sign-in/code", data={"code": _code(victim, NOW)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")


def test_sign_out_elsewhere_voids_the_half_session(cc, clock):
    user = enrolled_staff()
    _password(cc, user)
    staff.reset_totp(user.email, actor=None)  # rotates the session token
    db.session.commit()
    response = cc.get("/sign-in/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")


def test_codes_are_rate_limited_per_ip_and_account(cc, clock, monkeypatch):
    monkeypatch.setitem(cc.application.config, "LOGIN_RATE_LIMIT", "3 per minute")
    user = enrolled_staff()
    wrong = _wrong(_code(user, NOW))
    _password(cc, user)
    for _ in range(2):
        assert cc.post("/sign-in/code", data={"code": "12345x"}).status_code == 200  # form error: no hit
    statuses = [cc.post("/sign-in/code", data={"code": wrong}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # from another address, the same account is still limited
    other = cc.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert _password(other, user).status_code == 302
    assert other.post("/sign-in/code", data={"code": _code(user, NOW)}).status_code == 429


def test_idle_timeout_still_ends_the_session(cc, clock):
    user = enrolled_staff()
    sign_in_through_forms(cc, user, code=_code(user, NOW))
    assert _signed_in(cc)
    with cc.session_transaction() as sess:
        sess["seen_at"] -= 16 * 60
    response = cc.get("/")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert not _signed_in(cc)


def test_unenrolled_account_cannot_be_loaded_as_a_session(cc_app):
    from core.accounts import load_staff

    user = factories.staff(totp_secret=None, totp_enrolled_at=None)
    assert load_staff(f"staff:{user.id}:{user.session_token}") is None
    user.totp_enrolled_at = NOW
    db.session.commit()
    assert load_staff(f"staff:{user.id}:{user.session_token}") is not None
