"""Web-layer helpers shared by both apps: template globals, the session cookie and session
(re)creation."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from flask import Flask, current_app, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from itsdangerous import BadSignature
from werkzeug.routing import BuildError


def lang_url(code: str) -> str:
    """The current page in another language (the choice is remembered in the session)."""
    args = request.args.to_dict(flat=True) if request else {}
    args["lang"] = code
    if request and request.endpoint and request.method == "GET" and request.url_rule is not None:
        with contextlib.suppress(BuildError):
            return url_for(request.endpoint, **{**(request.view_args or {}), **args})
    return url_for(home_endpoint(), lang=code)


def home_endpoint() -> str:
    return "home.index"


def site_name() -> str:
    if current_app.config["APP_NAME"] == "portal":
        return _("Traffic fines – citizen portal")
    return _("Contact center")


def site_tagline() -> str:
    if current_app.config["APP_NAME"] == "portal":
        return _("See your position, pay and send requests in your language")
    return _("Cases, queues and service charter for the Municipalities")


INFO_PAGES = {"pages.accessibility": "/accessibility", "pages.privacy": "/privacy",
              "pages.legal_notes": "/legal-notes"}


def info_url(endpoint: str) -> str:
    """Public information pages live on the portal; the contact center links there, so every
    contact-center route except sign-in stays behind the staff login."""
    if current_app.config["APP_NAME"] == "portal":
        return url_for(endpoint)
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + INFO_PAGES[endpoint]


def start_session(principal) -> None:
    """Begin an authenticated session on a fresh cookie (no fixation), keeping the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session.permanent = True
    login_user(principal)


def end_session() -> None:
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, re-signing an unchanged session at most once every
    ``SESSION_REFRESH_FLOOR`` seconds.

    Flask re-signs a permanent session on every response to slide its expiry; with an idle
    timeout of an hour, doing it more than once a minute buys nothing and costs a
    serialisation and an HMAC on every page. A changed session is always saved.
    """

    def open_session(self, app: Flask, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.signed_at = signed_at
        return opened

    def should_set_cookie(self, app: Flask, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        floor = app.config.get("SESSION_REFRESH_FLOOR", 60)
        return signed_at is None or (datetime.now(UTC) - signed_at).total_seconds() >= floor


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.jinja_env.globals.update(
        lang_url=lang_url, home_endpoint=home_endpoint, site_name=site_name,
        site_tagline=site_tagline, info_url=info_url,
    )
