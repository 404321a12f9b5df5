"""The supervisor dashboard over HTTP: who may see it, Ente scoping of the page, the exports and
the monthly reports, CSV content, the PDF, charts as SVG with text alternatives, guards."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from core import db
from core.db import utcnow
from core.models import CaseStatus, StaffRole
from tests import factories
from tests.contact_center.dashboard.builders import case, survey

TABLES = ("on-time-by-channel", "on-time-by-type", "breaches", "response-times", "backlog",
          "workload", "satisfaction")


def _rows(body: str) -> list[dict]:
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def _this_month(day: int = 1, hour: int = 9) -> datetime:
    now = utcnow()
    return datetime(now.year, now.month, day, hour, tzinfo=UTC)


@pytest.fixture()
def world(db_session):
    """Ente A with PEC and e-mail cases, Ente B with only counter cases, this month."""
    a, b = factories.ente(name="Comune di Alfa"), factories.ente(name="Comune di Beta")
    agent = factories.staff(StaffRole.AGENT, [a], name="Anna Operatrice", enrolled=True)
    opened = _this_month()
    due = opened + timedelta(days=3)
    case(a, "pec", "complaint", opened=opened, fr_due=due, fr_at=opened + timedelta(hours=5),
         assignee=agent)
    case(a, "pec", "complaint", opened=opened, fr_due=due, fr_at=opened + timedelta(days=4),
         resolved_at=opened + timedelta(days=4, hours=1), assignee=agent)
    late = case(a, "email", "information", opened=opened, fr_due=due,
                fr_at=opened + timedelta(hours=1), resolved_at=opened + timedelta(hours=2),
                status=CaseStatus.CLOSED)
    survey(late, 5, opened + timedelta(hours=3))
    counter = case(b, "counter", "appeal", opened=opened, fr_due=due,
                   fr_at=opened + timedelta(hours=1), resolved_at=opened + timedelta(hours=2),
                   assignee=factories.staff(StaffRole.AGENT, [b], name="Bruno Segreto"))
    survey(counter, 1, opened + timedelta(hours=3))
    db.session.commit()
    return a, b


def _sign_in(client, app, role, *enti):
    user = factories.staff(role, list(enti), enrolled=True)
    factories.sign_in_staff(client, app, user)
    return user


def test_agents_get_403_everywhere(dash, dash_app, world):
    a, _ = world
    _sign_in(dash, dash_app, StaffRole.AGENT, a)
    for path in ("/dashboard", "/dashboard/export/backlog.csv",
                 f"/dashboard/report/{a.code}/2026-03.pdf", f"/dashboard/report/{a.code}/2026-03.csv"):
        assert dash.get(path).status_code == 403, path


def test_anonymous_visitors_go_to_sign_in(dash, dash_app):
    rules = [r for r in dash_app.url_map.iter_rules() if r.endpoint.startswith("dashboard.")]
    assert len(rules) == 4
    for rule in rules:
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "1", rule.rule)
        response = dash.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
        assert dash_app.view_functions[rule.endpoint].required_roles == {
            StaffRole.SUPERVISOR, StaffRole.ADMIN, StaffRole.ENTE_VIEWER}


def test_supervisor_sees_only_their_ente(dash, dash_app, world):
    a, b = world
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    response = dash.get("/dashboard?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "PEC (certified e-mail)" in html and "Anna Operatrice" in html
    assert "Counter" not in html and "Bruno Segreto" not in html and b.name not in html
    # asking for B: not one of the choices
    assert dash.get(f"/dashboard?ente={b.code}").status_code == 400
    assert dash.get(f"/dashboard/export/on-time-by-channel.csv?ente={b.code}").status_code == 400
    assert dash.get(f"/dashboard/report/{b.code}/2026-03.pdf").status_code == 404
    assert dash.get(f"/dashboard/report/{b.code}/2026-03.csv").status_code == 404
    channels = {r["channel"] for r in _rows(dash.get("/dashboard/export/on-time-by-channel.csv").get_data(as_text=True))}
    assert channels == {"pec", "email", ""}
    workload = _rows(dash.get("/dashboard/export/workload.csv").get_data(as_text=True))
    assert [r["name"] for r in workload] == ["Anna Operatrice"]


def test_ente_viewer_gets_404_on_another_entes_report(dash, dash_app, world):
    a, b = world
    _sign_in(dash, dash_app, StaffRole.ENTE_VIEWER, b)
    assert dash.get(f"/dashboard/report/{a.code}/2026-03.pdf").status_code == 404
    assert dash.get(f"/dashboard/report/{a.code}/2026-03.csv").status_code == 404
    own = dash.get(f"/dashboard/report/{b.code}/2026-03.pdf?lang=en")
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert own.data.startswith(b"%PDF")
    assert "attachment" in own.headers["Content-Disposition"]
    html = dash.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Counter" in html and "PEC (certified e-mail)" not in html


def test_admin_without_enti_sees_every_ente(dash, dash_app, world):
    a, b = world
    _sign_in(dash, dash_app, StaffRole.ADMIN)
    rows = _rows(dash.get("/dashboard/export/on-time-by-channel.csv").get_data(as_text=True))
    assert {"pec", "email", "counter"} <= {r["channel"] for r in rows}
    only_b = _rows(dash.get(f"/dashboard/export/on-time-by-channel.csv?ente={b.code}").get_data(as_text=True))
    assert {r["channel"] for r in only_b} == {"counter", ""}


def test_csv_exports_content(dash, dash_app, world):
    a, _ = world
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    first = _this_month().date()
    query = f"?lang=en&date_from={first.isoformat()}&date_to={(first + timedelta(days=27)).isoformat()}"
    for table in TABLES:
        response = dash.get(f"/dashboard/export/{table}.csv{query}")
        assert response.status_code == 200, table
        assert response.mimetype == "text/csv"
        assert f'filename="{table}-{first.isoformat()}' in response.headers["Content-Disposition"]
    channel = {r["channel"]: r for r in _rows(dash.get(f"/dashboard/export/on-time-by-channel.csv{query}").get_data(as_text=True))}
    assert channel["pec"]["label"] == "PEC (certified e-mail)"
    assert channel["pec"]["charter_term"] == "first response within 3 working days"
    assert (channel["pec"]["received"], channel["pec"]["on_time"], channel["pec"]["late"]) == ("2", "1", "1")
    assert channel["pec"]["on_time_percent"] == "50.0" and channel["pec"]["target_percent"] == "100.0"
    assert channel[""]["received"] == "3"
    by_type = {r["type"]: r for r in _rows(dash.get(f"/dashboard/export/on-time-by-type.csv{query}").get_data(as_text=True))}
    assert by_type["complaint"]["charter_term"] == "first response within 8 working days"
    breaches = {r["target"]: r for r in _rows(dash.get(f"/dashboard/export/breaches.csv{query}").get_data(as_text=True))}
    assert breaches["first_response"]["breaches"] == "1"
    satisfaction = _rows(dash.get(f"/dashboard/export/satisfaction.csv{query}").get_data(as_text=True))
    assert (satisfaction[0]["responses"], satisfaction[0]["positive_percent"]) == ("1", "100.0")
    times = {r["channel"]: r for r in _rows(dash.get(f"/dashboard/export/response-times.csv{query}").get_data(as_text=True))}
    assert times["email"]["first_response_mean_hours"] == "1.00"
    backlog = _rows(dash.get(f"/dashboard/export/backlog.csv{query}").get_data(as_text=True))
    assert [r["age_days"] for r in backlog] == ["0-1", "2-5", "6-10", "11-30", "over-30"]
    assert sum(int(r["open_cases"]) for r in backlog) == 1
    assert dash.get("/dashboard/export/everything.csv").status_code == 404


def test_report_csv_and_bad_months(dash, dash_app, world):
    a, _ = world
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    month = f"{_this_month():%Y-%m}"
    response = dash.get(f"/dashboard/report/{a.code}/{month}.csv?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {r["key"]: r for r in _rows(response.get_data(as_text=True))}
    assert rows["pec.first_response"]["compliance"] == "not_met"
    assert rows["pec.first_response"]["measured"] == "50.0"
    assert rows["satisfaction"]["compliance"] == "met"
    assert rows["cases_received"]["cases"] == "3"
    for bad in ("2026-13", "2026-1", "march"):
        assert dash.get(f"/dashboard/report/{a.code}/{bad}.pdf").status_code == 404


def test_page_has_svg_charts_with_text_alternatives_and_no_inline_styles(dash, dash_app, world):
    a, _ = world
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    html = dash.get("/dashboard?lang=en").get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 5
    for chart_id, table_id in (("chart-channel", "table-channel"), ("chart-backlog", "table-backlog")):
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc" aria-describedby="{table_id}"' in html
        assert f'<title id="{chart_id}-title">' in html and f'id="{table_id}"' in html
    assert "style=" not in html and "<style" not in html
    assert "Charter target: 90.0%" in html
    assert "calendar hours" in html
    assert f"/dashboard/report/{a.code}/{_this_month():%Y-%m}.pdf" in html


def test_period_validation(dash, dash_app, world):
    a, _ = world
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR, a)
    assert dash.get("/dashboard?date_from=2026-03-10&date_to=2026-03-01").status_code == 400
    assert dash.get("/dashboard?date_from=2024-01-01&date_to=2026-01-01").status_code == 400
    assert dash.get("/dashboard?date_from=2026-03-10").status_code == 400
    assert dash.get("/dashboard?date_from=2025-03-01&date_to=2026-02-28").status_code == 200


def test_supervisor_without_enti_sees_an_empty_dashboard(dash, dash_app, world):
    _sign_in(dash, dash_app, StaffRole.SUPERVISOR)
    html = dash.get("/dashboard?lang=en").get_data(as_text=True)
    assert "no Municipality" in html and "No cases received in this period." in html
    rows = _rows(dash.get("/dashboard/export/on-time-by-channel.csv").get_data(as_text=True))
    assert [r["received"] for r in rows] == ["0"]
