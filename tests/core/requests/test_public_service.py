"""Public requests (core.requests.public): the legal rules of each form, the pending request
held until the e-mailed link is confirmed, and the case it becomes — type, queue, clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core import db
from core.contact.setup import ensure_default_queues
from core.models import CaseAttachment, CaseType, PendingRequest, RequestKind
from core.requests import public
from core.uploads import UploadError
from tests import factories

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)  # Monday, a working day in Rome


class _File:
    def __init__(self, filename: str, data: bytes):
        self.filename, self._data = filename, data

    def read(self, size=-1):
        return self._data if size < 0 else self._data[:size]


def _fields(ente, **extra):
    return {"ente": str(ente.id), "name": "Ana García", "email": "ana@example.es", **extra}


@pytest.fixture(autouse=True)
def _request(portal_app, db_session):
    """One request context for the whole test (leaving it would end the database session)."""
    with portal_app.test_request_context():
        yield


def _submit(portal_app, kind, fields, files=(), language="es", now=NOW, person_id=None):
    return public.submit(kind, fields, files, language, person_id, now=now)


@pytest.mark.parametrize("kind, fields, missing", [
    ("complaint", {}, "text"),
    ("information", {}, "text"),
    ("access", {"identity_document": "passport X1", "capacity": "owner", "documents": "taratura",
                "delivery": "email"}, "interest"),
    ("access", {"identity_document": "passport X1", "capacity": "owner", "interest": "my fine",
                "delivery": "email"}, "documents"),
    ("access", {"capacity": "owner", "documents": "d", "interest": "i", "delivery": "email"},
     "identity_document"),
    ("access", {"identity_document": "p", "capacity": "owner", "documents": "d", "interest": "i",
                "delivery": "post"}, "postal_address"),
    ("civic_simple", {}, "documents"),
    ("civic_generalised", {"documents": "delibere"}, "delivery"),
])
def test_each_kind_refuses_what_its_rules_require(portal_app, db_session, kind, fields, missing):
    ente = factories.ente()
    with pytest.raises(public.RequestError) as err:
        _submit(portal_app, kind, _fields(ente, **fields))
    assert err.value.field == missing
    assert db.session.scalars(select(PendingRequest)).first() is None


def test_generalised_civic_access_needs_no_motivation(portal_app, db_session):
    ente = factories.ente()
    result = _submit(portal_app, "civic_generalised",
                     _fields(ente, documents="Delibere 2025 sugli autovelox", delivery="email"))
    assert result.case is None and result.pending.kind == RequestKind.CIVIC_GENERALISED
    assert "interest" not in public.FIELDS[RequestKind.CIVIC_GENERALISED]
    assert result.pending.data == {"documents": "Delibere 2025 sugli autovelox", "delivery": "email"}


def test_unknown_ente_and_bad_choices_are_refused(portal_app, db_session):
    ente = factories.ente()
    with pytest.raises(public.RequestError) as err:
        _submit(portal_app, "complaint", {"ente": "999999", "name": "a", "email": "a@b.c", "text": "x"})
    assert err.value.field == "ente"
    with pytest.raises(public.RequestError) as err:
        _submit(portal_app, "access", _fields(ente, identity_document="p", capacity="king",
                                              documents="d", interest="i", delivery="email"))
    assert err.value.field == "capacity"


def test_attachments_are_checked_by_content_before_anything_is_stored(portal_app, db_session):
    ente = factories.ente()
    fake = _File("contract.pdf", b"MZ\x90\x00 not really a pdf")
    with pytest.raises(UploadError):
        _submit(portal_app, "complaint", _fields(ente, text="x"), [fake])
    assert db.session.scalars(select(PendingRequest)).first() is None


def _confirm(portal_app, pending, now=NOW):
    return public.confirm(public.token_for(pending), now=now)


@pytest.mark.parametrize("kind, extra, case_type, queue, language", [
    ("complaint", {"text": "Mi avete risposto tardi"}, CaseType.COMPLAINT, "traffic_fines", "it"),
    ("information", {"text": "¿Cómo pago?"}, CaseType.INFORMATION, "foreign_drivers", "es"),
    ("access", {"identity_document": "DNI 1234", "capacity": "owner", "documents": "Taratura",
                "interest": "Ho ricevuto la multa", "delivery": "email"}, CaseType.ACCESS, "dpo", "it"),
    ("civic_simple", {"documents": "Relazione art. 142"}, CaseType.CIVIC_ACCESS, "dpo", "es"),
    ("civic_generalised", {"documents": "Contratto", "delivery": "office"}, CaseType.CIVIC_ACCESS,
     "dpo", "it"),
])
def test_confirmed_request_becomes_a_case_of_its_type_in_its_queue(
        portal_app, db_session, kind, extra, case_type, queue, language):
    ente = factories.ente()
    ensure_default_queues(ente.id)
    pending = _submit(portal_app, kind, _fields(ente, **extra), language=language).pending
    case = _confirm(portal_app, pending)
    assert case.type == case_type and case.queue.code == queue
    assert case.channel == "portal" and case.language == language
    assert case.requester_email == "ana@example.es" and case.protocol.startswith(f"{ente.code}-2026-")
    assert case.payload["request_kind"] == kind
    body = case.messages[0].body
    for value in extra.values():
        if value not in ("owner", "email", "office"):
            assert value in body  # the citizen's words, verbatim
    assert pending.confirmed_at == NOW and pending.case_id == case.id and pending.data == {}


def _rome_date(value):
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Europe/Rome")).date()


def test_legal_and_charter_clocks(portal_app, db_session):
    ente = factories.ente()
    make = {
        "complaint": {"text": "x"},
        "information": {"text": "x"},
        "access": {"identity_document": "p", "capacity": "owner", "documents": "d",
                   "interest": "i", "delivery": "email"},
        "civic_simple": {"documents": "d"},
        "civic_generalised": {"documents": "d", "delivery": "email"},
    }
    cases = {kind: _confirm(portal_app, _submit(portal_app, kind, _fields(ente, **extra)).pending)
             for kind, extra in make.items()}
    # Complaint: 8 working days from Monday 4 May 2026 → Thursday 14 May.
    assert _rome_date(cases["complaint"].first_response_due).isoformat() == "2026-05-14"
    # Information: 10 calendar days.
    assert _rome_date(cases["information"].first_response_due).isoformat() == "2026-05-14"
    # Access (L. 241/1990) and civic access (D.Lgs. 33/2013): decided within 30 days.
    for kind in ("access", "civic_simple", "civic_generalised"):
        assert _rome_date(cases[kind].resolution_due).isoformat() == "2026-06-03", kind


def test_the_entes_charter_term_for_complaints_applies(portal_app, db_session):
    ente = factories.ente(charter_terms={"complaint_working_days": 10})
    case = _confirm(portal_app, _submit(portal_app, "complaint", _fields(ente, text="x")).pending)
    assert _rome_date(case.first_response_due).isoformat() == "2026-05-18"


def test_link_is_single_use_expires_and_cannot_be_tampered(portal_app, db_session):
    ente = factories.ente()
    first = _submit(portal_app, "information", _fields(ente, text="x")).pending
    second = _submit(portal_app, "information", _fields(ente, text="y")).pending
    token = public.token_for(first)
    public.confirm(token, now=NOW)
    with pytest.raises(public.VerifyError) as err:
        public.confirm(token, now=NOW)
    assert err.value.reason == "used"
    with pytest.raises(public.VerifyError) as err:
        public.confirm(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), now=NOW)
    assert err.value.reason == "invalid"
    forged = public._serializer().dumps({"p": second.id, "n": first.nonce})  # another row's nonce
    with pytest.raises(public.VerifyError) as err:
        public.confirm(forged, now=NOW)
    assert err.value.reason == "invalid"
    with pytest.raises(public.VerifyError) as err:
        public.confirm(public.token_for(second), now=second.expires_at + timedelta(seconds=1))
    assert err.value.reason == "expired"
    assert second.confirmed_at is None


def test_attachments_follow_the_request_into_the_case(portal_app, db_session):
    ente = factories.ente()
    png = _File("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    pending = _submit(portal_app, "complaint", _fields(ente, text="x"), [png]).pending
    assert pending.attachments[0]["filename"] == "scan.png"
    case = _confirm(portal_app, pending)
    items = db.session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)).all()
    assert [(a.filename, a.content_type, a.message_id) for a in items] == [
        ("scan.png", "image/png", case.messages[0].id)]


def test_signed_in_driver_with_that_verified_address_skips_the_link(portal_app, db_session):
    ente = factories.ente()
    person = factories.verified_email(factories.person(ente), "mario@example.it")
    result = _submit(portal_app, "information", _fields(ente, email="Mario@Example.it", text="x"),
                     person_id=person.id)
    assert result.case is not None and result.case.person_id == person.id
    other = _submit(portal_app, "information", _fields(ente, email="someone@example.it", text="x"),
                    person_id=person.id)
    assert other.case is None  # a different address must still be confirmed
    anonymous = _submit(portal_app, "information", _fields(ente, email="mario@example.it", text="x"))
    assert anonymous.case is None  # knowing someone's address opens nothing


def test_purge_deletes_expired_pending_requests_and_their_files(portal_app, db_session):
    from core import jobs, storage

    ente = factories.ente()
    png = _File("scan.png", b"\x89PNG\r\n\x1a\n" + b"1" * 50)
    stale = _submit(portal_app, "complaint", _fields(ente, text="x"), [png]).pending
    fresh = _submit(portal_app, "complaint", _fields(ente, text="y"), now=NOW + timedelta(days=3)).pending
    key = stale.attachments[0]["key"]
    assert storage.path_for(key).exists()
    assert public.purge(now=NOW + timedelta(days=3)) == 1
    db.session.commit()
    jobs.run_ready()
    assert not storage.path_for(key).exists()
    assert db.session.get(PendingRequest, fresh.id) is not None
