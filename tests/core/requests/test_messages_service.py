"""The verbale thread service (core.requests.messages): per person, internal notes hidden,
merges followed."""

from __future__ import annotations

import pytest

from core import db
from core.accounts import StaffPrincipal
from core.contact import cases
from core.models import StaffRole
from core.requests import messages
from tests import factories


@pytest.fixture(autouse=True)
def _request(portal_app, db_session):
    with portal_app.test_request_context():
        yield


def test_thread_is_per_person_and_hides_internal_notes():
    ente = factories.ente()
    offender, owner = factories.person(ente), factories.person(ente)
    verbale = factories.verbale(ente, offender, owner_id=owner.id)
    case = messages.post(verbale.id, offender.id, "domanda", language="it")
    agent = cases.Actor.staff(StaffPrincipal(factories.staff(StaffRole.AGENT, [ente])))
    cases.reply(case, agent, "nota riservata", internal=True)
    cases.reply(case, agent, "risposta")
    db.session.flush()
    mine = messages.thread(verbale.id, offender.id)
    assert [m.body for m in mine.messages] == ["domanda", "risposta"]
    assert mine.current.id == case.id
    theirs = messages.thread(verbale.id, owner.id)
    assert theirs.messages == [] and theirs.current is None
    stranger = factories.person(ente)
    assert messages.thread(verbale.id, stranger.id) is None
    assert messages.post(verbale.id, stranger.id, "x") is None


def test_a_merged_thread_case_is_followed():
    ente = factories.ente()
    person = factories.person(ente)
    verbale = factories.verbale(ente, person)
    first = messages.post(verbale.id, person.id, "uno")
    other = cases.open_case(ente_id=ente.id, channel="email", case_type="information", subject="s",
                            body="via e-mail", person_id=person.id, verbale_ids=[verbale.id])
    principal = StaffPrincipal(factories.staff(StaffRole.SUPERVISOR, [ente]))
    cases.merge(first, other, principal)
    db.session.flush()
    thread = messages.thread(verbale.id, person.id)
    assert {m.body for m in thread.messages} == {"uno", "via e-mail"}
    assert thread.current.id == other.id
    again = messages.post(verbale.id, person.id, "due")
    assert again.id == other.id
