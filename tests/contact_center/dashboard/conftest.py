"""The dashboard app: the contact center app itself once the blueprint is registered in
``contact_center.register``; until then a second contact-center app on the same database with
the blueprint added, so these tests run either way."""

from __future__ import annotations

import pytest

from core.factory import create_app

_SHARED = ("TESTING", "DATABASE_URL", "WTF_CSRF_ENABLED", "SERVER_NAME", "STORAGE_DIR",
           "REDIS_URL")


@pytest.fixture(scope="session")
def dash_app(cc_app):
    if "dashboard" in cc_app.blueprints:
        return cc_app
    from contact_center.dashboard.views import bp

    app = create_app("contact_center", {key: cc_app.config[key] for key in _SHARED})
    app.register_blueprint(bp)
    return app


@pytest.fixture()
def dash(dash_app, db_session):
    with dash_app.app_context():
        dash_app.extensions["app_limiter"].reset()
    return dash_app.test_client()
