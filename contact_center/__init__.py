"""The staff's contact center: cases, queues, positions, IVR and reports. Built by
``core.factory.create_app("contact_center")``. Every route except sign-in needs a staff login."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from core import accounts
from core.db import utcnow
from core.web import end_session

# Endpoints reachable without a staff session (the route-guard test enforces the rest).
# home.index shows the sign-in form to anonymous visitors and the desk to signed-in staff.
# The IVR webhooks are called by Twilio: they are guarded by the X-Twilio-Signature check.
IVR_WEBHOOKS = {f"ivr.{name}" for name in ("voice", "language", "topic", "pay", "number", "pin",
                                          "sms", "wait", "callback", "voicemail", "queue_result",
                                          "status", "connect")}
PUBLIC_ENDPOINTS = {"auth.sign_in", "home.index", "static", *IVR_WEBHOOKS}


def register(app: Flask) -> None:
    login = LoginManager(app)
    login.login_view = "auth.sign_in"
    login.login_message = _l("Please sign in.")
    login.login_message_category = "info"
    login.session_protection = "strong"
    login.user_loader(accounts.load_staff)

    from .audit.views import bp as audit_bp
    from .auth.views import bp as auth_bp
    from .cases.views import bp as cases_bp
    from .dashboard.views import bp as dashboard_bp
    from .enforcement.views import bp as enforcement_bp
    from .home.views import bp as home_bp
    from .imports.views import bp as imports_bp
    from .instalments.views import bp as instalments_bp
    from .ivr.views import bp as ivr_bp
    from .jobs.views import bp as jobs_bp
    from .letters.views import bp as letters_bp
    from .notifications.views import bp as notifications_bp
    from .reconciliation.views import bp as reconciliation_bp
    from .reports.views import bp as reports_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(instalments_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(ivr_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(enforcement_bp)
    app.register_blueprint(letters_bp)
    app.register_blueprint(reconciliation_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(imports_bp)

    @app.before_request
    def _idle_timeout():
        """Staff sessions end after a period without requests."""
        if not current_user.is_authenticated:
            return None
        limit: timedelta = current_app.config["STAFF_IDLE_TIMEOUT"]
        now = utcnow().timestamp()
        last = session.get("seen_at", now)
        if now - last > limit.total_seconds():
            end_session()
            return redirect(url_for("auth.sign_in", next=request.path, expired=1))
        session["seen_at"] = now
        return None
