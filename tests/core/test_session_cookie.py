"""The session cookie slides its expiry at most once a minute: an unchanged session is not
re-signed on every page, a changed one always is, and a cookie older than the lifetime is
refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core import web
from tests import factories


class _Clock:
    offset = timedelta()

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz or UTC) + cls.offset


def _sets_cookie(response) -> bool:
    return any(h.startswith("portal_session=") for h in response.headers.getlist("Set-Cookie"))


def test_unchanged_session_is_re_signed_at_most_every_floor(portal, monkeypatch):
    person = factories.person(factories.ente())
    factories.sign_in_citizen(portal, person)
    portal.get("/my-position/")  # the first page adds the CSRF token to the session
    monkeypatch.setattr(web, "datetime", _Clock)
    _Clock.offset = timedelta(seconds=5)
    assert not _sets_cookie(portal.get("/my-position/"))
    _Clock.offset = timedelta(seconds=61)
    assert _sets_cookie(portal.get("/my-position/"))


def test_changed_session_is_always_saved(portal):
    first = portal.get("/sign-in?lang=de")  # the language choice is kept in the session
    assert _sets_cookie(first)
    assert _sets_cookie(portal.get("/sign-in?lang=fr"))


def test_cookie_older_than_the_lifetime_is_refused(portal, portal_app, monkeypatch):
    person = factories.person(factories.ente())
    factories.sign_in_citizen(portal, person)
    import itsdangerous.timed

    later = datetime.now(UTC) + portal_app.permanent_session_lifetime + timedelta(minutes=1)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: int(later.timestamp()))
    response = portal.get("/my-position/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
