"""An app with the IVR blueprint registered (until contact_center wires it) and helpers that
sign requests the way Twilio does."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from core.factory import create_app
from core.ivr.signature import sign

TOKEN = "test-auth-token"
BASE = "https://ivr.example.org/cc"
CALLER = "+393331234567"
LINE = "+390200000001"


@pytest.fixture(scope="session")
def ivr_app(engine, database_url, tmp_path_factory):
    app = create_app("contact_center", {
        "TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None, "STORAGE_DIR": str(tmp_path_factory.mktemp("ivr-storage")),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_WEBHOOK_BASE_URL": BASE,
        "TWILIO_ACCOUNT_SID": "", "IVR_NUMBERS": {LINE: "IVRT"},
        "PORTAL_BASE_URL": "https://multe.example.org",
    })
    if "ivr" not in app.blueprints:
        from contact_center.ivr.views import bp

        app.register_blueprint(bp)
    return app


@pytest.fixture()
def ivr(ivr_app, db_session):
    with ivr_app.app_context():
        ivr_app.extensions["app_limiter"].reset()
    return ivr_app.test_client()


class Call:
    """One simulated call: posts signed requests and follows the Gather actions."""

    def __init__(self, client, caller: str = CALLER, line: str = LINE):
        self.client, self.caller, self.line = client, caller, line
        self.root: ET.Element | None = None

    def post(self, url_or_path: str, **params: str):
        path = url_or_path[len(BASE):] if url_or_path.startswith(BASE) else url_or_path
        data = {"CallSid": "CA0000000000000000000000000000test", "From": self.caller,
                "Caller": self.caller, "To": self.line, **params}
        response = self.client.post(path, data=data,
                                    headers={"X-Twilio-Signature": sign(TOKEN, BASE + path, data)})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.mimetype == "text/xml"
        self.root = ET.fromstring(response.get_data(as_text=True))
        assert self.root.tag == "Response"
        return self.root

    def start(self):
        return self.post("/ivr/voice")

    def press(self, digits: str = "", **params: str):
        return self.post(self.action(), **{"Digits": digits, **params})

    def action(self) -> str:
        gather = self.root.find("Gather")
        assert gather is not None, ET.tostring(self.root)
        return gather.get("action")

    def said(self) -> str:
        return " ".join(s.text or "" for s in self.root.iter("Say"))
