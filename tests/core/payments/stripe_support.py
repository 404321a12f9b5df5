"""Shared test support for card payments: run WSGI apps on loopback over real HTTP, the Stripe
stand-in wired to the portal, signed webhook events, and a signed-in test client."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from core.standins import stripe_server
from tests import factories


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # keep test output readable
        pass


@contextlib.contextmanager
def running(app):
    """Serve ``app`` on 127.0.0.1 on a free port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@dataclass
class Standin:
    app: Any
    base_url: str

    @property
    def state(self) -> stripe_server.StandinState:
        return stripe_server.state_of(self.app)

    def session(self, sid: str) -> dict[str, Any]:
        return self.state.sessions[sid]

    def only_session(self) -> dict[str, Any]:
        assert len(self.state.sessions) == 1, list(self.state.sessions)
        return next(iter(self.state.sessions.values()))


@pytest.fixture()
def stripe_standin(portal_app, monkeypatch):
    """The Stripe stand-in on a free port; the portal's gateway points at it. No webhook URL
    (events are recorded, not delivered) unless ``portal_server`` is used too."""
    app = stripe_server.create_app(portal_app.config["STRIPE_SECRET_KEY"],
                                   portal_app.config["STRIPE_WEBHOOK_SECRET"], None,
                                   retry_delays=())
    with running(app) as base:
        monkeypatch.setitem(portal_app.config, "STRIPE_API_BASE", base)
        yield Standin(app, base)


@pytest.fixture()
def portal_server(portal_app, stripe_standin, monkeypatch):
    """The portal itself over HTTP, so the stand-in delivers webhooks to it for real."""
    monkeypatch.setitem(portal_app.config, "RATELIMIT_ENABLED", False)
    with running(portal_app) as base:
        monkeypatch.setitem(portal_app.config, "PORTAL_BASE_URL", base)
        stripe_standin.state.webhook_url = base + "/payments/stripe/webhook"
        yield base


def sign_in(client, person) -> Any:
    """Sign the test client in as ``person`` by writing the Flask-Login session directly (the
    sign-in form itself is tested elsewhere and is rate-limited per IP)."""
    cred = factories.credential(person)
    with client.session_transaction() as sess:
        sess["_user_id"] = f"codes:{cred.id}:{cred.session_token}"
        sess["_fresh"] = True
        sess.permanent = True
    return cred


def signed_event(event_type: str, session: dict[str, Any], secret: str, *,
                 created: int | None = None, event_id: str | None = None,
                 timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """A Stripe event for ``session`` and the headers Stripe would send with it."""
    event = {"id": event_id or f"evt_test_{time.time_ns()}", "object": "event",
             "api_version": stripe_server.API_VERSION, "created": created or int(time.time()),
             "livemode": False, "type": event_type, "data": {"object": session}}
    payload = json.dumps(event)
    return payload.encode(), {"Stripe-Signature": stripe_server.stripe_signature(payload, secret, timestamp),
                              "Content-Type": "application/json"}


def paid(session: dict[str, Any], email: str | None = None) -> dict[str, Any]:
    """``session`` as Stripe reports it once the card payment succeeded."""
    return {**session, "status": "complete", "payment_status": "paid",
            "payment_intent": "pi_test_123", "customer_details": {"email": email}}
