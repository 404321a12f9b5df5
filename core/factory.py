"""The one app factory: ``create_app("portal")`` and ``create_app("contact_center")`` build the
citizens' and the staff's Flask apps on the same core, with separate session cookies,
lifetimes, login views and rate limits."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from core import config as config_module
from core import db, i18n, pagecache, security, web
from core.extensions import csrf, make_limiter

APPS = {"portal": "PORTAL", "contact_center": "CONTACT_CENTER"}

ERROR_TEXTS = {
    400: (_l("Invalid request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or is not available to you.")),
    405: (_l("Method not allowed"), _l("This page cannot be used in this way.")),
    413: (_l("File too large"), _l("The file you sent is larger than allowed.")),
    429: (_l("Too many attempts"), _l("You have made too many requests. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred and your request was not completed. Please try again in a few minutes.")),
}


def create_app(name: str, overrides: dict[str, Any] | None = None) -> Flask:
    if name not in APPS:
        raise ValueError(f"unknown app {name!r}")
    cfg_cls = config_module.config_for("test" if overrides and overrides.get("TESTING") else None)
    app = Flask(
        name,
        root_path=str(config_module.ROOT),
        template_folder=str(config_module.ROOT / "templates"),
        static_folder=str(config_module.ROOT / "static"),
        instance_path=str(config_module.INSTANCE),
    )
    app.config.from_object(cfg_cls)
    app.config.update(getattr(cfg_cls, APPS[name]))
    app.config["APP_NAME"] = name
    if overrides:
        app.config.update(overrides)
    if app.config["APP_ENV"] == "production":
        config_module.check_secret_key(app.config.get("SECRET_KEY"))
        config_module.check_required(app.config, ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                                                  "TWILIO_AUTH_TOKEN", "TWILIO_WEBHOOK_BASE_URL"))
    # Card checkout posts to the portal, which redirects the form to Stripe's hosted page.
    app.config.setdefault("CSP_FORM_ACTION_EXTRA", (config_module.checkout_origin(app.config),))

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)
    csrf.init_app(app)
    pagecache.init_app(app)
    make_limiter(app)
    _register_errors(app)
    _register_cli(app)

    importlib.import_module(name).register(app)
    return app


def _register_errors(app: Flask) -> None:
    def render_error(code: int):
        title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
        return render_template("errors/error.html", code=code, title=title, text=text), code

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        code = exc.code if exc.code in ERROR_TEXTS else (500 if exc.code >= 500 else 400)
        response = render_error(code)
        if code == 429 and getattr(exc, "retry_after", None):
            return response[0], code, {"Retry-After": str(exc.retry_after)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


def _register_cli(app: Flask) -> None:
    from core.batches_cli import batches_cli
    from core.contact.intake_cli import mail_cli
    from core.contact.sla_cli import sla_cli
    from core.demo.cli import demo_cli
    from core.enforcement.cli import enforcement_cli
    from core.export.cli import export_cli
    from core.fines.cli import calendar_cli, fines_cli
    from core.imports.cli import imports_cli
    from core.instalments.cli import instalments_cli
    from core.letters.cli import letters_cli
    from core.notification.cli import notifications_cli
    from core.pagopa.cli import pagopa_cli
    from core.reconciliation.cli import reconcile_cli
    from core.reporting.cli import reports_cli
    from core.requests.cli import requests_cli
    from core.staff import staff_cli

    for group in (demo_cli, fines_cli, calendar_cli, sla_cli, pagopa_cli, mail_cli, staff_cli,
                  reports_cli, enforcement_cli, instalments_cli, requests_cli, reconcile_cli,
                  notifications_cli, imports_cli, batches_cli, export_cli, letters_cli):
        app.cli.add_command(group)
