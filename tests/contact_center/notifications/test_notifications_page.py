"""The contact center's notification-terms page: supervisors and administrators only, scoped to
their Enti; the audited "reviewed" action on late notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core import db
from core.models import AuditEvent, LateNotificationReview, StaffRole, VerbaleStatus
from core.positions import local_today
from tests import factories


def _verbale(ente, days_ago: int, **kw):
    assessed = local_today() - timedelta(days=days_ago)
    person = factories.person(ente)
    return factories.verbale(ente, person, status=kw.pop("status", VerbaleStatus.ASSESSED),
                             notified_on=kw.pop("notified_on", None), assessed_on=assessed,
                             violation_at=datetime(assessed.year, assessed.month, assessed.day,
                                                   tzinfo=UTC), **kw)


@pytest.fixture()
def world(db_session):
    a = factories.ente(name="Comune di Alfa")
    b = factories.ente(name="Comune di Beta")
    items = {
        "a_near": _verbale(a, 80), "a_over": _verbale(a, 95),
        "a_late": _verbale(a, 200, late_notification_suspected=True,
                           status=VerbaleStatus.NOTIFIED, notified_on=local_today()),
        "b_near": _verbale(b, 85),
        "b_late": _verbale(b, 200, late_notification_suspected=True,
                           status=VerbaleStatus.NOTIFIED, notified_on=local_today()),
    }
    return a, b, items


def _sign_in(client, app, role, *enti):
    user = factories.staff(role, list(enti), enrolled=True)
    factories.sign_in_staff(client, app, user)
    return user


def test_anonymous_visitors_go_to_sign_in(cc):
    response = cc.get("/notifications/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", [StaffRole.AGENT, StaffRole.ENTE_VIEWER])
def test_agents_and_viewers_get_403(cc, cc_app, world, role):
    a, _, items = world
    _sign_in(cc, cc_app, role, a)
    assert cc.get("/notifications/").status_code == 403
    assert cc.post(f"/notifications/late/{items['a_late'].id}/reviewed").status_code == 403


def test_supervisor_sees_only_their_ente(cc, cc_app, world):
    a, b, items = world
    _sign_in(cc, cc_app, StaffRole.SUPERVISOR, a)
    page = cc.get("/notifications/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for key in ("a_near", "a_over", "a_late"):
        assert items[key].number in html
    for key in ("b_near", "b_late"):
        assert items[key].number not in html
    assert cc.get(f"/notifications/?ente={b.code}").status_code == 404
    assert cc.get(f"/notifications/?ente={a.code}").status_code == 200


def test_admin_without_enti_sees_all(cc, cc_app, world):
    _, _, items = world
    _sign_in(cc, cc_app, StaffRole.ADMIN)
    html = cc.get("/notifications/").get_data(as_text=True)
    assert items["a_near"].number in html and items["b_near"].number in html


def test_review_is_audited_and_scoped(cc, cc_app, world):
    a, _, items = world
    boss = _sign_in(cc, cc_app, StaffRole.SUPERVISOR, a)
    other = cc.post(f"/notifications/late/{items['b_late'].id}/reviewed", data={"note": "x"})
    assert other.status_code == 404
    missing = cc.post("/notifications/late/999999/reviewed", data={"note": "x"})
    assert missing.status_code == 404
    response = cc.post(f"/notifications/late/{items['a_late'].id}/reviewed",
                       data={"note": "Checked the postal receipt"})
    assert response.status_code == 302
    review = db.session.scalars(select(LateNotificationReview)).one()
    assert (review.verbale_id, review.staff_id, review.note) == \
        (items["a_late"].id, boss.id, "Checked the postal receipt")
    audit = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "notification.late_reviewed")).one()
    assert (audit.actor_type, audit.actor_id, audit.ente_id) == ("staff", boss.id, a.id)
    html = cc.get("/notifications/").get_data(as_text=True)
    assert items["a_late"].number not in html
