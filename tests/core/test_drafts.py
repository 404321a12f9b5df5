"""Form drafts: saved per owner/kind/ref, merged on save, discarded, purged when stale."""

from datetime import timedelta

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from core import db, drafts
from core.db import utcnow
from core.models import FormDraft


def test_save_merges_and_load_returns_the_same_draft(portal_app, db_session):
    with portal_app.app_context():
        owner = drafts.person_owner(7)
        drafts.save(owner, "appeal", "12", {"route": "prefetto"}, step=1)
        drafts.save(owner, "appeal", "12", {"text": "Non ero io"}, step=2)
        draft = drafts.load(owner, "appeal", "12")
        assert draft.data == {"route": "prefetto", "text": "Non ero io"}
        assert draft.step == 2
        assert drafts.exists(owner, "appeal", "12")
        assert not drafts.exists(owner, "appeal", "13")
        assert not drafts.exists(drafts.person_owner(8), "appeal", "12")


def test_discard_removes_only_that_draft(portal_app, db_session):
    with portal_app.app_context():
        owner = drafts.person_owner(1)
        drafts.save(owner, "appeal", "1", {"a": 1})
        drafts.save(owner, "driver_data", "1", {"b": 2})
        drafts.discard(owner, "appeal", "1")
        assert drafts.load(owner, "appeal", "1") is None
        assert drafts.load(owner, "driver_data", "1").data == {"b": 2}


def test_purge_expired_keeps_recent_drafts(portal_app, db_session):
    with portal_app.app_context():
        old = drafts.save("person:1", "complaint", "", {"x": 1})
        drafts.save("person:2", "complaint", "", {"x": 2})
        old.updated_at = utcnow() - drafts.DRAFT_LIFETIME - timedelta(minutes=1)
        db.session.flush()
        assert drafts.purge_expired() == 1
        assert [d.owner for d in db.session.query(FormDraft)] == ["person:2"]


def test_anonymous_owner_is_stable_per_cookie_and_new_without_one(portal_app):
    with portal_app.test_request_context():
        response = Response()
        fresh = drafts.anonymous_owner(Request(EnvironBuilder().get_environ()), response)
        assert fresh.startswith("anon:") and len(fresh) == 5 + 43
        cookie = response.headers["Set-Cookie"]
        assert drafts.ANON_COOKIE in cookie and "HttpOnly" in cookie
        token = fresh.removeprefix("anon:")
        again = Request(EnvironBuilder(headers={"Cookie": f"{drafts.ANON_COOKIE}={token}"}).get_environ())
        assert drafts.anonymous_owner(again) == fresh
        forged = Request(EnvironBuilder(headers={"Cookie": f"{drafts.ANON_COOKIE}=../../x"}).get_environ())
        assert drafts.anonymous_owner(forged) != "anon:../../x"
