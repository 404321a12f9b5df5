"""The audit log: supervisors and admins only, filters, Ente scoping, keyset pages newest
first, a streamed CSV export, and reading/exporting recorded in the log itself.

Each test tags its events with a unique action prefix, so rows of other tests never count."""

from __future__ import annotations

import csv
import io
import re
import types
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from contact_center.audit import service
from core import audit, db
from core.models import AuditEvent, StaffRole
from tests import factories
from tests.contact_center.auth.staff_login import enrolled_staff, sign_in_through_forms

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Rome
ALL = types.SimpleNamespace(id=0, all_enti=True, ente_ids=frozenset())  # an admin without Enti


@pytest.fixture()
def tag() -> str:
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture()
def enti(cc_app):
    return factories.ente(), factories.ente()


@pytest.fixture()
def admin_client(cc):
    sign_in_through_forms(cc, enrolled_staff(StaffRole.ADMIN, name="Paola Admin"))
    return cc


def _event(action, at=T0, ente=None, actor=None, **kw) -> AuditEvent:
    event = audit.record(action, actor_type=kw.pop("actor_type", "staff" if actor else "system"),
                         actor_id=actor.id if actor else kw.pop("actor_id", None),
                         object_type=kw.pop("object_type", "person"), object_id=kw.pop("object_id", 1),
                         ente_id=ente.id if ente else None, **kw)
    event.occurred_at = at
    db.session.commit()
    return event


def _records(html: str) -> list[str]:
    """The "Record" cells of the rows shown, in order."""
    return re.findall(r"<td><code>[^<]+</code></td>\s*<td>([^<]*)</td>", html)


def _csv(body: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


@pytest.mark.parametrize("role", [StaffRole.AGENT, StaffRole.ENTE_VIEWER])
def test_agents_and_ente_viewers_get_403(cc, enti, role):
    sign_in_through_forms(cc, enrolled_staff(role, [enti[0]]))
    assert cc.get("/audit").status_code == 403
    assert cc.get("/audit/export.csv").status_code == 403


def test_anonymous_is_sent_to_sign_in(cc):
    for path in ("/audit", "/audit/export.csv"):
        response = cc.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_views_declare_the_roles_they_require(cc_app):
    for endpoint in ("audit.index", "audit.export_csv"):
        assert cc_app.view_functions[endpoint].required_roles == {StaffRole.SUPERVISOR, StaffRole.ADMIN}


def test_list_shows_who_what_which_record_when_and_from_where(admin_client, enti, tag):
    actor = factories.staff(name="Chiara Colombo", email=f"{tag}@example.org")
    event = _event(f"{tag}.view", actor=actor, ente=enti[0], object_type="person", object_id=42)
    event.ip, event.user_agent = "192.0.2.7", "Firefox/140"
    db.session.commit()
    html = admin_client.get(f"/audit?lang=en&action={tag}.view").get_data(as_text=True)
    for text in ("Chiara Colombo", f"{tag}@example.org", f"{tag}.view", "person 42", enti[0].code,
                 "192.0.2.7", "Firefox/140", 'datetime="2026-03-10T09:00:00+00:00"',
                 "10:00:00"):  # shown in Europe/Rome
        assert text in html, text


def test_filters(admin_client, enti, tag):
    rho, sr = enti
    agent = factories.staff(email=f"{tag}@example.org")
    _event(f"{tag}.view", at=T0 - timedelta(days=2), ente=rho, object_id=1)
    _event(f"{tag}.view", at=T0, ente=sr, actor=agent, object_id=2)
    _event(f"{tag}.edit", at=T0 + timedelta(days=1), ente=rho, actor=agent, object_type="verbale", object_id=3)
    _event(f"{tag}.late", at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC), object_id=4)  # 11 March in Rome

    def records(query):
        if "action=" not in query:
            query = f"action={tag}.*&{query}"
        return _records(admin_client.get("/audit?" + query).get_data(as_text=True))

    assert records("") == ["verbale 3", "person 4", "person 2", "person 1"]  # newest first
    assert records(f"action={tag}.view") == ["person 2", "person 1"]  # exact action
    assert records("date_from=2026-03-10&date_to=2026-03-10") == ["person 2"]
    assert records("date_from=2026-03-11&date_to=2026-03-11") == ["verbale 3", "person 4"]
    assert records("date_from=2026-03-09") == ["verbale 3", "person 4", "person 2"]
    assert records("date_to=2026-03-10") == ["person 2", "person 1"]
    assert records(f"actor={tag}@example.org") == ["verbale 3", "person 2"]
    assert records(f"actor={agent.id}&actor_type=staff") == ["verbale 3", "person 2"]
    assert records("actor_type=system") == ["person 4", "person 1"]
    assert records("object_type=verbale&object_id=3") == ["verbale 3"]
    assert records(f"ente={rho.id}") == ["verbale 3", "person 1"]
    assert records("actor=nobody@example.org") == []
    assert records(f"action={tag}.v%25") == []  # "%" is not a wildcard
    html = admin_client.get("/audit?lang=en&date_from=2026-03-10&date_to=2026-03-01").get_data(as_text=True)
    assert "The end date must not be before the start date." in html and _records(html) == []


def test_supervisor_sees_only_events_of_their_enti(cc, enti, tag):
    rho, sr = enti
    _event(f"{tag}.view", ente=rho, object_id=1)
    _event(f"{tag}.view", ente=sr, object_id=2)
    _event(f"{tag}.view", object_id=3)  # no Ente
    sign_in_through_forms(cc, enrolled_staff(StaffRole.SUPERVISOR, [rho]))
    html = cc.get(f"/audit?action={tag}.view").get_data(as_text=True)
    assert _records(html) == ["person 1"]
    assert f'value="{rho.id}"' in html and f'value="{sr.id}"' not in html  # only their Ente offered
    html = cc.get(f"/audit?action={tag}.view&ente={sr.id}").get_data(as_text=True)  # asked anyway
    assert _records(html) == []
    rows = _csv(cc.get(f"/audit/export.csv?action={tag}.view").get_data(as_text=True))
    assert [r["object_id"] for r in rows] == ["1"]
    assert cc.get(f"/audit/export.csv?ente={sr.id}").status_code == 400


def test_admin_bound_to_enti_is_scoped_too(cc, enti, tag):
    _event(f"{tag}.view", ente=enti[1], object_id=2)
    sign_in_through_forms(cc, enrolled_staff(StaffRole.ADMIN, [enti[0]]))
    assert _records(cc.get(f"/audit?action={tag}.view").get_data(as_text=True)) == []


def test_admin_without_enti_sees_everything(admin_client, enti, tag):
    _event(f"{tag}.view", ente=enti[0], object_id=1)
    _event(f"{tag}.view", ente=enti[1], object_id=2)
    _event(f"{tag}.view", object_id=3)
    assert len(_records(admin_client.get(f"/audit?action={tag}.view").get_data(as_text=True))) == 3


def test_keyset_pages_newest_first(cc_app, tag):
    for i in range(7):
        _event(f"{tag}.page", at=T0 + timedelta(minutes=i % 3), object_id=i)  # ties on occurred_at
    ordered = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == f"{tag}.page")
                                 .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())).all()
    filters = service.AuditFilters(action=f"{tag}.page")
    with cc_app.test_request_context():
        first = service.list_events(ALL, filters, limit=3)
        second = service.list_events(ALL, filters, before=service.Cursor.decode(first.older), limit=3)
        third = service.list_events(ALL, filters, before=service.Cursor.decode(second.older), limit=3)
        back = service.list_events(ALL, filters, after=service.Cursor.decode(third.newer), limit=3)
    assert [r.object_id for r in first.rows] == ordered[:3] and first.newer is None and first.older
    assert [r.object_id for r in second.rows] == ordered[3:6]
    assert [r.object_id for r in third.rows] == ordered[6:] and third.older is None
    assert [r.object_id for r in back.rows] == ordered[3:6] and back.newer and back.older
    assert service.Cursor.decode("junk") is None and service.Cursor.decode("1.2.3") is None


def test_page_links_keep_the_filters(admin_client, monkeypatch, tag):
    monkeypatch.setitem(admin_client.application.config, "AUDIT_PAGE_SIZE", 2)
    for i in range(3):
        _event(f"{tag}.link", at=T0 + timedelta(minutes=i), object_id=i)
    html = admin_client.get(f"/audit?action={tag}.link").get_data(as_text=True)
    assert _records(html) == ["person 2", "person 1"]
    older = re.search(r'href="(/audit\?[^"]*before=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"action={tag}.link" in older
    html = admin_client.get(older).get_data(as_text=True)
    assert _records(html) == ["person 0"]
    newer = re.search(r'href="(/audit\?[^"]*after=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert _records(admin_client.get(newer).get_data(as_text=True)) == ["person 2", "person 1"]


def test_reading_and_exporting_are_audited(cc, enti, tag):
    supervisor = enrolled_staff(StaffRole.SUPERVISOR, [enti[0]])
    sign_in_through_forms(cc, supervisor)
    cc.get(f"/audit?action={tag}.view&ente={enti[0].id}")
    cc.get("/audit/export.csv?actor_type=staff").get_data()
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.actor_id == supervisor.id, AuditEvent.action.like("audit.%"))
        .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_type, e.object_type) for e in events] == [
        ("audit.view", "staff", "audit_event"), ("audit.export", "staff", "audit_event")]
    assert events[0].details["filters"] == {"action": f"{tag}.view", "ente_id": enti[0].id}
    assert events[0].ente_id == enti[0].id  # so the Ente's own supervisors see it
    assert events[1].details["filters"] == {"actor_type": "staff"}


def test_csv_export_content(admin_client, enti, tag):
    actor = factories.staff(name='=HYPERLINK("http://x")', email=f"{tag}@example.org")
    _event(f"{tag}.csv", actor=actor, ente=enti[0], object_type="verbale", object_id="RHO/1", note="ok")
    _event(f"{tag}.csv", at=T0 - timedelta(hours=1), object_id="-1+1")
    response = admin_client.get(f"/audit/export.csv?action={tag}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "Content-Length" not in response.headers  # streamed, length unknown
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = _csv(body)
    assert tuple(rows[0]) == service.CSV_COLUMNS
    assert [r["object_id"] for r in rows] == ["RHO/1", "'-1+1"]  # newest first; no formula
    first = rows[0]
    assert first["occurred_at"] == "2026-03-10T10:00:00+01:00"
    assert (first["actor_type"], first["actor_id"]) == ("staff", str(actor.id))
    assert first["actor_email"] == f"{tag}@example.org" and first["actor_name"].startswith("'=")
    assert first["ente_code"] == enti[0].code and first["object_type"] == "verbale"
    assert first["details"] == '{"note": "ok"}'


def test_csv_export_response_is_a_generator(cc_app, tag):
    from flask_login import login_user

    from core.accounts import StaffPrincipal

    _event(f"{tag}.gen", object_id=7)
    admin = enrolled_staff(StaffRole.ADMIN)
    with cc_app.test_request_context(f"/audit/export.csv?action={tag}.gen"):
        login_user(StaffPrincipal(admin))
        response = cc_app.view_functions["audit.export_csv"]()
        try:
            assert response.is_streamed
            assert isinstance(response.response, types.GeneratorType)  # stream_with_context(...)
            body = "".join(response.response)
        finally:
            response.close()
    assert [r["object_id"] for r in _csv(body)] == ["7"]


def test_export_reads_in_batches(cc_app, tag):
    for i in range(5):
        _event(f"{tag}.batch", at=T0 + timedelta(seconds=i), object_id=i)
    with cc_app.test_request_context():
        lines = service.export_events(ALL, service.AuditFilters(action=f"{tag}.batch"), batch_size=2)
        assert isinstance(lines, types.GeneratorType)
        rows = _csv("".join(lines))
    assert [r["object_id"] for r in rows] == ["4", "3", "2", "1", "0"]
