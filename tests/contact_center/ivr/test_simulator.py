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
