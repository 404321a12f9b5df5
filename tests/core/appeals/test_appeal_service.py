"""Appeal service: the Italian PDF (fixed Italian parts, verbatim text), online filing as a
case in the right queue with the forward-to-Ente clock, the verbale becoming ``appealed``,
reminders' exclusion list, payment warning, drafts and their files."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from core import db, jobs, storage
from core.appeals import payment_warning, pending_appeal_verbale_ids, service
from core.contact.setup import ensure_default_queues
from core.fines import add_calendar_days
from core.models import AuditEvent, VerbaleStatus
from core.positions import local_today
from core.uploads import UploadError
from tests import factories
from tests.core.appeals.pdftext import pdf_text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VERBATIM = "Ich bin nicht gefahren: das Auto war am 3. März in der Werkstatt (Rechnung anbei)."


def _file(name, data):
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.fixture()
def setup(portal_app, db_session):
    ente = factories.ente(name="Comune di Rho", address="Piazza Visconti 23, 20017 Rho (MI)")
    with portal_app.app_context():
        ensure_default_queues(ente.id)
        db.session.commit()
    person = factories.person(ente, language="de", country="DE", first_name="Lukas",
                              last_name="Schäfer")
    v = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=4),
                          assessed_on=local_today() - timedelta(days=10))
    return ente, person, v


def _draft(person, v, route="prefetto", **extra):
    service.save_step(person.id, v.id, {"route": route, "grounds": ["other_driver", "other"],
                                        "text": VERBATIM, "hearing": True, **extra}, reached=4)


def test_download_produces_the_italian_pdf_with_the_verbatim_text(portal_app, setup):
    ente, person, v = setup
    factories.appeal_office(ente, "prefetto")
    with portal_app.test_request_context():
        _draft(person, v)
        service.add_attachments(person.id, v.id, [_file("fattura.pdf", PDF)])
        appeal = service.submit(person.id, v.id, online=False, language="de")
        assert appeal.status == "downloaded" and appeal.case_id is None
        data = storage.read(appeal.pdf_key)
        assert data.startswith(b"%PDF")
        import hashlib
        assert hashlib.sha256(data).hexdigest() == appeal.pdf_sha256
        text = pdf_text(data)
        for fixed in ("Al Prefetto di Milano", "RICORSO AL PREFETTO",
                      f"verbale di accertamento n. {v.number}",
                      "Testo dell'interessato (riportato testualmente)",
                      "Lingua del modulo compilato: tedesco", "MOTIVI DEL RICORSO", "PARTI", "CHIEDE",
                      "persona diversa dal ricorrente", "Chiede inoltre di essere sentito",
                      "ALLEGATI", "fattura.pdf", "Luogo e data", "Firma",
                      "Lukas Schäfer", "Comune di Rho"):
            assert fixed in text, fixed
        assert VERBATIM in text
        assert "Ich bin nicht gefahren" in text and "Appeal" not in text
        assert service.load_draft(person.id, v.id) is None  # the draft became the appeal
        assert storage.path_for(appeal.attachments[0]["key"]).exists()  # kept for the appeal
        assert v.status == VerbaleStatus.NOTIFIED  # not filed: the verbale is unchanged


def test_giudice_di_pace_pdf_states_value_and_court_fee(portal_app, setup):
    ente, person, v = setup
    with portal_app.test_request_context():
        _draft(person, v, route="giudice_di_pace")
        appeal = service.submit(person.id, v.id, online=False, language="de")
        text = pdf_text(storage.read(appeal.pdf_key))
        assert "Giudice di Pace competente" in text and "RICORSO AL GIUDICE DI PACE" in text
        assert "contributo dovuto è di 43,00" in text
        assert "sentito personalmente" not in text  # the hearing is a Prefetto thing
        with pytest.raises(service.AppealError) as error:
            service.file_online(appeal.id, person.id)
        assert error.value.key == "online_not_available"


def test_filing_online_opens_a_case_in_the_right_queue_with_the_clock(portal_app, setup):
    ente, person, v = setup
    with portal_app.test_request_context():
        _draft(person, v)
        service.add_attachments(person.id, v.id, [_file("foto.png", b"\x89PNG\r\n\x1a\nxx")])
        appeal = service.submit(person.id, v.id, online=True, language="de")
        case = appeal.case
        assert appeal.status == "filed_online" and appeal.filed_at is not None
        assert case.type == "appeal" and case.queue.code == "foreign_drivers"  # German
        assert case.person_id == person.id and [x.id for x in case.verbali] == [v.id]
        assert case.first_response_due == add_calendar_days(case.opened_at, 5)
        assert case.payload["appeal_id"] == appeal.id and case.payload["route"] == "prefetto"
        names = sorted(a.filename for a in case.attachments)
        assert names == sorted([service.pdf_filename(appeal), "foto.png"])
        assert VERBATIM in case.messages[0].body
        assert f"protocollo {case.protocol}" in pdf_text(storage.read(appeal.pdf_key))
        assert v.status == VerbaleStatus.APPEALED
        assert pending_appeal_verbale_ids() >= {v.id}
        assert pending_appeal_verbale_ids([v.id], ente_id=ente.id) == {v.id}
        assert pending_appeal_verbale_ids([], ente_id=ente.id) == set()
        actions = {e.action for e in db.session.query(AuditEvent).filter(
            AuditEvent.actor_id == person.id)}
        assert {"appeal.prepared", "appeal.filed_online"} <= actions


def test_italian_appeal_goes_to_the_verbali_queue(portal_app, setup):
    ente, _person, _v = setup
    person = factories.person(ente)
    v = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=4),
                          assessed_on=local_today() - timedelta(days=10))
    with portal_app.test_request_context():
        _draft(person, v)
        appeal = service.submit(person.id, v.id, online=True, language="it")
        assert appeal.case.queue.code == "verbali"


def test_downloaded_appeal_can_be_filed_online_later(portal_app, setup):
    _ente, person, v = setup
    with portal_app.test_request_context():
        _draft(person, v)
        appeal = service.submit(person.id, v.id, online=False, language="de")
        assert pending_appeal_verbale_ids([v.id]) == set()  # prepared, not filed
        service.file_online(appeal.id, person.id)
        assert appeal.status == "filed_online" and v.status == VerbaleStatus.APPEALED
        with pytest.raises(service.AppealError):
            service.file_online(appeal.id, person.id)


def test_incomplete_or_closed_drafts_are_refused(portal_app, setup):
    ente, person, v = setup
    with portal_app.test_request_context():
        service.save_step(person.id, v.id, {"route": "prefetto", "grounds": [], "text": ""})
        with pytest.raises(service.AppealError) as error:
            service.submit(person.id, v.id, online=True, language="de")
        assert error.value.key == "grounds_missing"
        late = factories.verbale(ente, person, notified_on=local_today() - timedelta(days=45),
                                 assessed_on=local_today() - timedelta(days=50))
        person.country = "IT"
        db.session.commit()
        _draft(person, late, route="giudice_di_pace")
        with pytest.raises(service.AppealError) as error:
            service.submit(person.id, late.id, online=False, language="de")
        assert error.value.key == "route_closed"


def test_payment_warning_for_draft_and_prepared_appeal(portal_app, setup):
    ente, person, v = setup
    stranger = factories.person(ente)
    with portal_app.test_request_context():
        assert payment_warning(v.id, person.id) is None
        service.save_step(person.id, v.id, {"route": "prefetto"})
        assert payment_warning(v.id, person.id) == "draft"
        assert payment_warning(v.id, stranger.id) is None  # not theirs
        _draft(person, v)
        service.submit(person.id, v.id, online=False, language="de")
        assert payment_warning(v.id, person.id) == "pending"


def test_attachments_checked_by_content_and_discarded_with_the_draft(portal_app, setup):
    _ente, person, v = setup
    portal_app.config["UPLOAD_MAX_FILES"] = 2
    try:
        with portal_app.test_request_context():
            with pytest.raises(UploadError):
                service.add_attachments(person.id, v.id, [_file("virus.pdf", b"MZ\x90\x00exe")])
            assert service.draft_data(person.id, v.id).get("attachments", []) == []
            stored = service.add_attachments(person.id, v.id, [_file("a.pdf", PDF),
                                                               _file("b.jpg", b"\xff\xd8\xffxx")])
            assert [a["content_type"] for a in stored] == ["application/pdf", "image/jpeg"]
            with pytest.raises(UploadError):
                service.add_attachments(person.id, v.id, [_file("c.pdf", PDF + b"c")])
            keys = [a["key"] for a in stored]
            assert all(k.startswith(f"drafts/appeal/{person.id}/{v.id}/") for k in keys)
            service.discard_draft(person.id, v.id)
            db.session.commit()
            jobs.run_ready()
            assert not any(storage.path_for(k).exists() for k in keys)
            assert service.load_draft(person.id, v.id) is None
    finally:
        portal_app.config.pop("UPLOAD_MAX_FILES")
