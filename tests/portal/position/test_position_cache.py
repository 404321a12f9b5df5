"""The position page from the page cache: a repeated request runs only the sign-in check;
every committed write about the person (payments, the verbale, its owner, the person), changes
of reference data, bulk imports and the turn of the day show at once; per-request values (CSP
nonce, CSRF token) are fresh on every response; nothing crosses people or languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from core import db, pagecache
from core.models import Ente, Person, Verbale, VerbaleStatus
from core.positions import local_today
from tests import factories

NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture()
def person(portal):
    ente = factories.ente()
    return factories.person(ente, first_name="Anna", last_name="Weber", language="de")


def _verbale(person, days_ago: int = 3, **kw):
    ente = db.session.get(Ente, person.ente_id)
    today = local_today()
    return factories.verbale(ente, person, notified_on=today - timedelta(days=days_ago),
                             assessed_on=today - timedelta(days=days_ago + 10), **kw)


def _get(client, url="/my-position/") -> tuple[str, int]:
    """The page and the number of SQL queries it ran (transaction control left out: the
    tests' savepoints would count otherwise)."""
    statements = []
    engine = db.session.get_bind()

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True), len(statements)


def test_a_repeated_request_does_not_query_the_database(portal, person):
    v = _verbale(person)
    factories.sign_in_citizen(portal, person)
    first, cold = _get(portal)
    second, warm = _get(portal)
    assert v.number in first and v.number in second
    assert warm == 0 < cold  # the session check and the page both come from the cache
    assert NONCE.sub("", first) == NONCE.sub("", second)


def _cookie(client) -> str:
    return client.get_cookie("portal_session").value


def test_signing_out_ends_a_copied_session_at_once(portal_app, person):
    _verbale(person)
    client = portal_app.test_client()
    factories.sign_in_citizen(client, person)
    _get(client)
    _get(client)  # the session check is cached now
    stolen = portal_app.test_client()
    stolen.set_cookie("portal_session", _cookie(client))
    assert stolen.get("/my-position/").status_code == 200
    assert client.post("/sign-out").status_code == 302
    response = stolen.get("/my-position/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_new_password_ends_other_sessions_at_once(portal_app, person):
    client = portal_app.test_client()
    factories.sign_in_citizen(client, person)
    other = portal_app.test_client()
    other.set_cookie("portal_session", _cookie(client))
    _get(other)
    _get(other)
    response = client.post("/account/password", data={
        "current": "Secret-pass-1", "new": "Brand-new-pass-42", "confirm": "Brand-new-pass-42"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert other.get("/my-position/").status_code == 302
    assert client.get("/my-position/").status_code == 200  # the changing session was renewed


def test_a_session_without_the_person_hint_still_works(portal_app, portal, person):
    """Sessions signed before the person id joined the session id are checked in the
    database, as before."""
    cred = factories.sign_in_citizen(portal, person)
    with portal.session_transaction() as sess:
        sess["_user_id"] = f"codes:{cred.id}:{cred.session_token}"
    assert portal.get("/my-position/").status_code == 200


def test_nonce_and_csrf_token_are_fresh_on_every_response(portal, portal_app, person,
                                                          monkeypatch):
    _verbale(person)
    factories.sign_in_citizen(portal, person)
    monkeypatch.setitem(portal_app.config, "WTF_CSRF_ENABLED", True)
    nonces = []
    for _ in range(2):
        response = portal.get("/my-position/")
        html = response.get_data(as_text=True)
        assert pagecache.NONCE_MARK not in html and pagecache.CSRF_MARK not in html
        page_nonces = set(NONCE.findall(html))
        assert len(page_nonces) == 1
        nonce = page_nonces.pop()
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    # The token in the cached page is this session's: signing out with it works.
    assert portal.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert portal.get("/my-position/").status_code == 302


def test_payments_and_status_changes_show_at_once(portal, person):
    v = _verbale(person)
    factories.sign_in_citizen(portal, person)
    html, _ = _get(portal, "/my-position/?lang=en")
    html, _ = _get(portal)
    assert "being confirmed" not in html
    factories.payment(v, "10.00", status="pending", channel="card")
    html, _ = _get(portal)
    assert "being confirmed" in html
    db.session.get(Verbale, v.id).status = VerbaleStatus.CANCELLED  # ids, not objects, across
    db.session.commit()                                              # requests
    html, _ = _get(portal)
    assert "Cancelled" in html or "cancelled" in html


def test_a_verbale_moved_to_another_person_leaves_the_first_page(portal_app, person):
    ente = db.session.get(Ente, person.ente_id)
    other = factories.person(ente, first_name="Otto")
    v = _verbale(person)
    client_a, client_b = portal_app.test_client(), portal_app.test_client()
    factories.sign_in_citizen(client_a, person)
    factories.sign_in_citizen(client_b, other)
    assert v.number in _get(client_a)[0] and v.number not in _get(client_b)[0]
    db.session.get(Verbale, v.id).offender_id = other.id
    db.session.commit()
    assert v.number not in _get(client_a)[0]
    assert v.number in _get(client_b)[0]


def test_one_persons_page_never_reaches_another(portal_app, person):
    ente = db.session.get(Ente, person.ente_id)
    other = factories.person(ente, first_name="Otto")
    mine, theirs = _verbale(person), _verbale(other)
    client = portal_app.test_client()
    factories.sign_in_citizen(client, person)
    assert mine.number in _get(client)[0]
    client.post("/sign-out")
    factories.sign_in_citizen(client, other)
    html, _ = _get(client)
    assert theirs.number in html and mine.number not in html


def test_the_name_and_reference_data_show_at_once(portal, person):
    v = _verbale(person)
    factories.sign_in_citizen(portal, person)
    _get(portal, "/my-position/?lang=it")
    assert "Anna Weber" in _get(portal)[0]
    db.session.get(Person, person.id).last_name = "Weber-Schmidt"
    db.session.commit()
    assert "Anna Weber-Schmidt" in _get(portal)[0]
    vtype = db.session.get(Verbale, v.id).violations[0].violation_type
    vtype.description = {**(vtype.description or {}), "it": "Descrizione rivista"}
    db.session.commit()
    assert "Descrizione rivista" in _get(portal)[0]


def test_each_language_has_its_own_page(portal, person):
    _verbale(person)
    factories.sign_in_citizen(portal, person)
    _get(portal, "/my-position/?lang=de")
    german, _ = _get(portal)
    _get(portal, "/my-position/?lang=fr")
    french, _ = _get(portal)
    assert '<html lang="de"' in german and '<html lang="fr"' in french


def test_the_amount_follows_the_day(portal, person, monkeypatch):
    _verbale(person, days_ago=3)  # inside the 5-day discount on the day of the test
    factories.sign_in_citizen(portal, person)
    _get(portal, "/my-position/?lang=en")
    today_page, _ = _get(portal)
    assert "€29.40" in today_page
    later = local_today() + timedelta(days=10)
    monkeypatch.setattr(pagecache, "local_day", lambda: later.isoformat())
    later_page, _ = _get(portal)
    assert "€29.40" not in later_page and "€42.00" in later_page


def test_flashed_messages_are_not_cached(portal, person):
    _verbale(person)
    factories.sign_in_citizen(portal, person)
    _get(portal)
    with portal.session_transaction() as sess:
        sess["_flashes"] = [("info", "Einmalige Nachricht")]
    assert "Einmalige Nachricht" in _get(portal)[0]
    assert "Einmalige Nachricht" not in _get(portal)[0]


def test_a_cache_that_fails_never_fails_the_page(portal, portal_app, person, monkeypatch):
    v = _verbale(person)
    factories.sign_in_citizen(portal, person)
    cache = pagecache.cache_for(portal_app)

    def broken(*_a, **_k):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "lookup", broken)
    assert v.number in _get(portal)[0]


def test_a_rolled_back_write_does_not_invalidate_but_a_committed_one_does(portal, person):
    v = _verbale(person)
    factories.sign_in_citizen(portal, person)
    _get(portal)
    _html, warm = _get(portal)
    db.session.get(Verbale, v.id).place = "Via Provvisoria 1"
    db.session.flush()
    db.session.rollback()
    assert _get(portal)[1] == warm
    v = db.session.get(Verbale, v.id)
    v.place = "Via Definitiva 2"
    db.session.commit()
    assert "Via Definitiva 2" in _get(portal)[0]
