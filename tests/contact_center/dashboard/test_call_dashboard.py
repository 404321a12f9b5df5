"""The phone line's figures on the supervisor dashboard: rendered with known numbers, the service
level threshold setting, an empty period, and Ente scoping."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from core.models import StaffRole
from tests import factories

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
MARCH = "date_from=2026-03-01&date_to=2026-03-31"


@pytest.fixture()
def phones(db_session):
    """Ente A: four answered calls (5, 20, 21, 62 s in queue), two abandoned, one self-service;
    Ente B: three abandoned calls."""
    a, b = factories.ente(name="Comune di Alfa"), factories.ente(name="Comune di Beta")
    call = factories.phone_call
    call(a, DAY, queue="payments", language="it", outcome="answered", wait=5)
    call(a, DAY, queue="payments", language="it", outcome="answered", wait=20)
    call(a, DAY, queue="payments", language="de", outcome="answered", wait=21)
    call(a, DAY, queue="appeals", language="de", outcome="answered", wait=62)
    call(a, DAY, queue="payments", language="it", outcome="abandoned", wait=3)
    call(a, DAY, queue="appeals", language="it", outcome="abandoned", wait=90)
    call(a, DAY, language="en", outcome="self_service", self_served=True)
    for wait in (10, 20, 30):
        call(b, DAY, queue="general", language="fr", outcome="abandoned", wait=wait)
    return a, b


def _sign_in(client, app, role, *enti):
    factories.sign_in_staff(client, app, factories.staff(role, list(enti), enrolled=True))


def _value(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return match.group(1).strip()


def _row(html: str, table_id: str, label: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', table, re.S)
    assert match, (table_id, label)
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_call_figures_are_shown(dash, dash_app, phones):
    a, _ = phones
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    response = dash.get(f"/dashboard?lang=en&{MARCH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Phone line" in html
    assert _value(html, "calls-service-level") == "50.0%"
    assert _value(html, "calls-asa") == "27 seconds"
    assert _value(html, "calls-abandonment") == "33.3%"
    # calls, offered, answered, within 20 s, service level, ASA, abandoned, abandonment
    assert _row(html, "table-calls-queue", "Payments and amounts") == [
        "4", "4", "3", "2", "66.7%", "15", "1", "25.0%"]
    assert _row(html, "table-calls-queue", "Appeals") == [
        "2", "2", "1", "0", "0.0%", "62", "1", "50.0%"]
    assert _row(html, "table-calls-language", "Deutsch") == [
        "2", "2", "2", "0", "0.0%", "42", "0", "0.0%"]
    assert _row(html, "table-calls-language", "English")[:3] == ["1", "0", "0"]
    assert _row(html, "table-calls-outcome", "Abandoned in queue") == ["2"]
    assert _row(html, "table-calls-outcome", "Self-service (amount heard)") == ["1"]
    # the chart, with its table as text alternative, and no inline styles
    assert '<title id="chart-calls-queue-title">Calls offered to operators, by queue</title>' in html
    assert ('aria-labelledby="chart-calls-queue-title chart-calls-queue-desc" '
            'aria-describedby="table-calls-queue"') in html
    assert "style=" not in html


def test_service_level_threshold_is_a_setting(dash, dash_app, phones, monkeypatch):
    a, _ = phones
    monkeypatch.setitem(dash_app.config, "IVR_SERVICE_LEVEL_SECONDS", 30)
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    html = dash.get(f"/dashboard?lang=en&{MARCH}").get_data(as_text=True)
    assert _value(html, "calls-service-level") == "75.0%"
    assert "Answered within 30 s" in html


def test_supervisor_of_another_ente_sees_nothing_of_this_one(dash, dash_app, phones):
    a, b = phones
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, b)
    html = dash.get(f"/dashboard?lang=en&{MARCH}").get_data(as_text=True)
    assert _value(html, "calls-abandonment") == "100.0%"
    assert _value(html, "calls-service-level") == "—" and _value(html, "calls-asa") == "—"
    assert "Payments and amounts" not in html and '<th scope="row">Deutsch</th>' not in html
    assert _row(html, "table-calls-language", "Français")[:3] == ["3", "3", "0"]
    assert _row(html, "table-calls-queue", "Other questions")[:3] == ["3", "3", "0"]
    assert dash.get(f"/dashboard?lang=en&{MARCH}&ente={a.code}").status_code == 400


def test_admin_sees_both_and_can_narrow(dash, dash_app, phones):
    a, _ = phones
    _sign_in(dash, dash_app, StaffRole.ADMIN)
    both = dash.get(f"/dashboard?lang=en&{MARCH}").get_data(as_text=True)
    assert _value(both, "calls-abandonment") == "55.6%"  # 5 of 9 offered
    only_a = dash.get(f"/dashboard?lang=en&{MARCH}&ente={a.code}").get_data(as_text=True)
    assert _value(only_a, "calls-abandonment") == "33.3%"


def test_period_without_calls(dash, dash_app, phones):
    a, _ = phones
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    html = dash.get("/dashboard?lang=en&date_from=2026-04-01&date_to=2026-04-30").get_data(
        as_text=True)
    assert "No calls in this period." in html
    for element_id in ("calls-service-level", "calls-asa", "calls-abandonment"):
        assert _value(html, element_id) == "—"
    assert "chart-calls-queue" not in html
