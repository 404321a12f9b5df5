"""Fixtures of the notification tests: the contact-center app's context (its storage holds the
letters), the SEND stand-in on a free loopback port with the app pointed at it, and builders
of verbali ready to be notified."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from core.models import VerbaleStatus
from core.standins import send_server
from tests import factories

API_KEY = "test-send-key"
TAX_ID = "RSSMRA85T10A562S"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@contextlib.contextmanager
def running(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
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
    def state(self) -> send_server.SendState:
        return send_server.state_of(self.app)

    def control(self, name: str, **body) -> dict:
        req = urllib.request.Request(f"{self.base_url}/_control/{name}",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=5) as response:
            return json.loads(response.read())

    def set_clock(self, when: datetime) -> None:
        self.control("clock", now=when.isoformat())

    def advance(self, days: float) -> None:
        self.control("clock", advance_days=days)

    def posts(self, path: str) -> int:
        return sum(1 for method, p in self.state.calls if method == "POST" and p == path)


@pytest.fixture()
def app_ctx(cc_app, db_session, monkeypatch):
    monkeypatch.setitem(cc_app.config, "NOTIFICATION_RETRY_DELAYS", ())
    with cc_app.app_context():
        yield cc_app


@pytest.fixture()
def send_standin(cc_app, monkeypatch):
    app = send_server.create_app(API_KEY, now=datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    with running(app) as base:
        monkeypatch.setitem(cc_app.config, "SEND_BASE_URL", base)
        monkeypatch.setitem(cc_app.config, "SEND_API_KEY", API_KEY)
        yield Standin(app, base)


def ready_verbale(app, ente=None, *, person=None, assessed: date = date(2026, 3, 1),
                  kind: str = "verbale", **person_kw):
    """An assessed, not yet notified verbale with its act stored in the app's storage."""
    ente = ente or factories.ente(pec="protocollo@pec.comune.example.it")
    if person is None:
        defaults = {"fiscal_code": TAX_ID, "address_line": "Via Roma 1", "postal_code": "20017",
                    "city": "Rho", "province": "MI"}
        defaults.update(person_kw)
        person = factories.person(ente, **defaults)
    verbale = factories.verbale(ente, person, status=VerbaleStatus.ASSESSED, notified_on=None,
                                assessed_on=assessed,
                                violation_at=datetime.combine(assessed, datetime.min.time(), UTC))
    factories.stored_letter(verbale, app.config["STORAGE_DIR"], kind=kind)
    return verbale
