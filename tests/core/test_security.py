"""Security baseline: CSP with nonces, cookie flags, HSTS and secret-key guard in production,
CSRF on forms, argon2id, lockout and rate limits on sign-in."""

from __future__ import annotations

import re

import pytest

from core import config as config_module
from core import db
from core.factory import create_app
from core.models import AccessCredential
from core.security import hash_password, verify_password
from tests import factories


def test_csp_has_a_fresh_nonce_used_by_every_script(portal):
    first = portal.get("/")
    second = portal.get("/")
    csp = first.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert nonce not in second.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "object-src 'none'" in csp
    html = first.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page loads its scripts"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert first.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookies_are_separate_and_protected(portal_app, cc_app):
    assert portal_app.config["SESSION_COOKIE_NAME"] != cc_app.config["SESSION_COOKIE_NAME"]
    assert portal_app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cc_app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert cc_app.config["PERMANENT_SESSION_LIFETIME"] != portal_app.config["PERMANENT_SESSION_LIFETIME"]
    assert portal_app.login_manager.login_view == cc_app.login_manager.login_view == "auth.sign_in"
    assert portal_app.login_manager._user_callback is not cc_app.login_manager._user_callback


def test_cookie_flags_on_the_wire(portal):
    response = portal.get("/?lang=de")  # stores the language choice in the session
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("portal_session="))
    assert "portal_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_missing_stripe_secrets(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setattr(config_module.ProductionConfig, "SECRET_KEY", "x9" * 10 + "abcdefghijklmnopqrstuv")
    monkeypatch.setattr(config_module.ProductionConfig, "STRIPE_WEBHOOK_SECRET", "")
    with pytest.raises(config_module.ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        create_app("portal")


def test_production_refuses_weak_or_missing_secret(monkeypatch):
    monkeypatch.setattr(config_module.ProductionConfig, "SECRET_KEY", "")
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(config_module.ConfigError):
        create_app("portal")
    monkeypatch.setattr(config_module.ProductionConfig, "SECRET_KEY", "changeme")
    with pytest.raises(config_module.ConfigError):
        create_app("contact_center")


def test_production_sets_secure_cookies_and_hsts(monkeypatch, database_url, engine):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setattr(config_module.ProductionConfig, "SECRET_KEY", "x9" * 10 + "abcdefghijklmnopqrstuv")
    monkeypatch.setattr(config_module.ProductionConfig, "STRIPE_SECRET_KEY", "sk_live_x")
    monkeypatch.setattr(config_module.ProductionConfig, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    monkeypatch.setattr(config_module.ProductionConfig, "TWILIO_AUTH_TOKEN", "tok")
    monkeypatch.setattr(config_module.ProductionConfig, "TWILIO_WEBHOOK_BASE_URL", "https://cc.example.org")
    app = create_app("portal", {"DATABASE_URL": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_argon2id_and_rehash():
    stored = hash_password("a long pass phrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long pass phrase") == (True, None)
    assert verify_password(stored, "wrong")[0] is False
    assert verify_password(None, "anything")[0] is False


def test_csrf_is_enforced_on_forms(engine, database_url, tmp_path):
    app = create_app("portal", {"TESTING": True, "DATABASE_URL": database_url,
                                "WTF_CSRF_ENABLED": True, "STORAGE_DIR": str(tmp_path)})
    response = app.test_client().post("/sign-in", data={"username": "X", "password": "Y"})
    assert response.status_code == 400


def _sign_in(client, username, password):
    return client.post("/sign-in", data={"username": username, "password": password})


def test_sign_in_failure_message_is_the_same_for_unknown_and_known_accounts(portal):
    ente = factories.ente()
    cred = factories.credential(factories.person(ente), password="Right-pass-1")
    unknown = _sign_in(portal, "NOBODY-0000", "whatever").get_data(as_text=True)
    known = _sign_in(portal, cred.username, "wrong-pass").get_data(as_text=True)
    pattern = re.compile(r'<div class="alert alert-danger"[^>]*>(.*?)</div>', re.S)
    assert pattern.search(unknown).group(1) == pattern.search(known).group(1)


def test_five_failures_lock_the_account(portal):
    ente = factories.ente()
    cred = factories.credential(factories.person(ente), password="Right-pass-1")
    for _ in range(5):
        assert _sign_in(portal, cred.username, "wrong").status_code == 200
    locked = _sign_in(portal, cred.username, "Right-pass-1")
    assert locked.status_code == 200 and "/my-position" not in locked.headers.get("Location", "")
    assert db.session.get(AccessCredential, cred.id).locked_until is not None


def test_successful_sign_in_and_sign_out_revokes_the_session(portal):
    ente = factories.ente()
    cred = factories.credential(factories.person(ente), password="Right-pass-1")
    response = _sign_in(portal, cred.username.lower(), "Right-pass-1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-position/")
    assert portal.get("/my-position/").status_code == 200
    old_cookie = portal.get_cookie("portal_session").value
    portal.post("/sign-out")
    assert portal.get("/my-position/").status_code == 302
    portal.set_cookie("portal_session", old_cookie)  # replaying the old cookie does not work
    assert portal.get("/my-position/").status_code == 302


def test_sign_in_is_rate_limited_per_account(portal_app, portal):
    limit = portal_app.config["LOGIN_RATE_LIMIT"]
    per_minute = int(limit.split(" per minute")[0])
    for _ in range(per_minute):
        _sign_in(portal, "RATE-LIMIT-ME", "wrong")
    response = _sign_in(portal, "RATE-LIMIT-ME", "wrong")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
