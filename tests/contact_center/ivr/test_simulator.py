"""The staff simulator walks the call tree with signed requests and shows the answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.ivr import calls
from core.models import StaffRole
from tests import factories


@pytest.fixture()
def agent(ivr, ivr_app, db_session):
    ente = factories.ente(code="IVRT", name="Comune di Prova IVR")
    user = factories.staff(StaffRole.AGENT, enti=[ente], enrolled=True)
    factories.sign_in_staff(ivr, ivr_app, user)
    return user


def test_simulator_needs_a_staff_login(ivr):
    response = ivr.get("/ivr/simulator")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_simulator_walks_the_menus(ivr, agent, monkeypatch):
    monkeypatch.setattr(calls, "now", lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    page = ivr.get("/ivr/simulator")
    assert page.status_code == 200
    first = ivr.post("/ivr/simulator", data={"caller": "+393330000000", "line": "+390200000001"})
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Comune di Prova IVR" in html and "it-IT" in html and "Polly.Bianca" in html
    assert "/ivr/language?ente=IVRT" in html
    second = ivr.post("/ivr/simulator", data={
        "path": "/ivr/language?ente=IVRT&tries=0", "caller": "+393330000000", "digits": "2"})
    html = second.get_data(as_text=True)
    assert "To pay or hear the amount press 1" in html and "/ivr/topic?" in html


def test_simulator_refuses_paths_outside_the_phone_line(ivr, agent, monkeypatch):
    monkeypatch.setattr(calls, "now", lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    response = ivr.post("/ivr/simulator", data={"path": "/cases/1", "caller": "+393330000000"})
    assert "/ivr/language?" in response.get_data(as_text=True)  # fell back to the start


def _hidden(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html)
    return match.group(1) if match else ""


def test_simulator_sends_queue_result_and_status_callbacks(ivr, agent, monkeypatch):
    from sqlalchemy import select

    from core import db
    from core.models import Call as PhoneCall

    monkeypatch.setattr(calls, "now", lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    form = {"caller": "+393330000000", "line": "+390200000001"}
    html = ivr.post("/ivr/simulator?lang=en", data=form).get_data(as_text=True)
    sid = _hidden(html, "call_sid")
    assert sid.startswith("CASIMULATOR") and f"Call {sid}." in html
    for digits in ("2", "2"):  # English, appeals
        html = ivr.post("/ivr/simulator?lang=en", data={
            **form, "digits": digits, "path": _hidden(html, "path").replace("&amp;", "&"),
            "call_sid": sid}).get_data(as_text=True)
    queue_path = _hidden(html, "queue_path").replace("&amp;", "&")
    assert queue_path.startswith("/ivr/queue-result?") and "IVRT-appeals-en" in html
    assert _hidden(html, "call_sid") == sid
    html = ivr.post("/ivr/simulator?lang=en", data={
        **form, "event": "bridged", "queue_time": "12", "queue_path": queue_path,
        "call_sid": sid}).get_data(as_text=True)
    assert "Hangs up." in html
    html = ivr.post("/ivr/simulator?lang=en", data={**form, "event": "completed", "call_sid": sid})
    assert "the phone line recorded the event" in html.get_data(as_text=True)
    call = db.session.scalars(select(PhoneCall).where(PhoneCall.call_sid == sid)).one()
    assert str(call.outcome) == "answered" and call.wait_seconds == 12
    assert call.queue == "appeals" and str(call.language) == "en" and call.ended_at is not None


def test_simulator_needs_a_queued_caller_for_a_queue_result(ivr, agent, monkeypatch):
    monkeypatch.setattr(calls, "now", lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    html = ivr.post("/ivr/simulator?lang=en", data={"caller": "+393330000000", "event": "hangup"})
    assert "The caller is not in a queue" in html.get_data(as_text=True)
    html = ivr.post("/ivr/simulator?lang=en", data={"caller": "+393330000000", "event": "completed"})
    assert "No call is in progress" in html.get_data(as_text=True)
