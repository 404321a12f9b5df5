"""Resetting someone's authenticator (service and CLI): who may, and what it does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import db, staff
from core.accounts import StaffPrincipal
from core.models import AuditEvent, StaffRole, StaffUser
from tests import factories
from tests.contact_center.auth.staff_login import enrolled_staff


def _principal(user) -> StaffPrincipal:
    return StaffPrincipal(db.session.get(StaffUser, user.id))


@pytest.fixture()
def enti(cc_app):
    return factories.ente(), factories.ente()


def test_admin_resets_an_agent(enti):
    admin = enrolled_staff(StaffRole.ADMIN)
    agent = enrolled_staff(StaffRole.AGENT, [enti[0]])
    token = agent.session_token
    staff.reset_totp(agent.email.upper(), actor=_principal(admin))
    db.session.commit()
    agent = db.session.get(StaffUser, agent.id, populate_existing=True)
    assert agent.totp_secret is None and agent.totp_enrolled_at is None
    assert agent.session_token != token  # their sessions end
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "staff.totp_reset", AuditEvent.object_id == str(agent.id))).one()
    assert (event.actor_id, event.object_id) == (admin.id, str(agent.id))


@pytest.mark.parametrize(("actor_role", "actor_enti", "target_role", "target_enti", "allowed"), [
    (StaffRole.SUPERVISOR, [0, 1], StaffRole.AGENT, [0], True),
    (StaffRole.SUPERVISOR, [0], StaffRole.ENTE_VIEWER, [0], True),
    (StaffRole.SUPERVISOR, [0], StaffRole.AGENT, [0, 1], False),  # not all of the agent's Enti
    (StaffRole.SUPERVISOR, [0], StaffRole.AGENT, [], False),
    (StaffRole.SUPERVISOR, [0, 1], StaffRole.SUPERVISOR, [0], False),
    (StaffRole.SUPERVISOR, [0, 1], StaffRole.ADMIN, [], False),
    (StaffRole.ADMIN, [], StaffRole.ADMIN, [], True),
    (StaffRole.ADMIN, [0], StaffRole.SUPERVISOR, [0], True),
    (StaffRole.ADMIN, [0], StaffRole.AGENT, [1], False),
    (StaffRole.AGENT, [0], StaffRole.AGENT, [0], False),
    (StaffRole.ENTE_VIEWER, [0], StaffRole.AGENT, [0], False),
])
def test_who_may_reset(enti, actor_role, actor_enti, target_role, target_enti, allowed):
    actor = enrolled_staff(actor_role, [enti[i] for i in actor_enti])
    target = enrolled_staff(target_role, [enti[i] for i in target_enti])
    if allowed:
        staff.reset_totp(target.email, actor=_principal(actor))
    else:
        with pytest.raises(staff.StaffAccountError):
            staff.reset_totp(target.email, actor=_principal(actor))


def test_nobody_resets_their_own(enti):
    admin = enrolled_staff(StaffRole.ADMIN)
    with pytest.raises(staff.StaffAccountError):
        staff.reset_totp(admin.email, actor=_principal(admin))


def test_cli_reset(cc_app):
    agent = enrolled_staff()
    runner = cc_app.test_cli_runner()
    result = runner.invoke(staff.staff_cli, ["reset-totp", agent.email])
    assert result.exit_code == 0, result.output
    assert db.session.get(StaffUser, agent.id, populate_existing=True).totp_enrolled_at is None
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "staff.totp_reset", AuditEvent.object_id == str(agent.id))).one()
    assert event.actor_type == "system"
    result = runner.invoke(staff.staff_cli, ["reset-totp", "nobody@example.org"])
    assert result.exit_code != 0 and "no staff account" in result.output
