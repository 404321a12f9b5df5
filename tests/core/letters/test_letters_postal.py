"""Print batches (PDFs + manifest CSV, national and international products), the postal
operator's tracking file, and return-receipt scans with the perfection date."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import db, storage
from core.letters import postal, returns, tracking
from core.letters.service import produce
from core.models import NotificationEvent, PostalItem
from core.uploads import UploadError
from tests import factories
from tests.core.letters.letters_support import assessed, italian, new_ente, today

PDF = b"%PDF-1.4\n% return receipt scan\n%%EOF\n"


class Scan:
    def __init__(self, data: bytes, filename: str = "scan.pdf"):
        self.filename, self._data = filename, data

    def read(self, size: int = -1) -> bytes:
        return self._data


def _verbale_letters(ente):
    factories.letter_template(ente, "invito_bonario", invito_for="none")
    it = assessed(ente, italian(ente))
    de = assessed(ente, factories.foreign_person(ente, "DE", "de"))
    return produce(it, "verbale").letter, produce(de, "verbale").letter


def _print(ente, kind="verbale"):
    run = postal.start(ente, kind)
    db.session.commit()
    return postal.run(run.id)


def _events(verbale_id):
    return list(db.session.scalars(select(NotificationEvent).where(
        NotificationEvent.verbale_id == verbale_id).order_by(NotificationEvent.id)))


def test_print_batch_zip_with_manifest_and_queued_events(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        it_letter, de_letter = _verbale_letters(ente)
        run = _print(ente)
        assert run.done == 2 and run.result["items"] == 2
        with zipfile.ZipFile(storage.path_for(run.result["zip"])) as archive:
            names = archive.namelist()
            manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
            assert tuple(manifest[0]) == postal.MANIFEST_COLUMNS
            assert len(manifest) == 2 and len(names) == 3
            by_kind = {row["country_code"]: row for row in manifest}
            for row in manifest:
                data = archive.read(row["file_name"])
                assert hashlib.sha256(data).hexdigest() == row["sha256"]
                assert row["pages"] and int(row["sheets"]) >= 1 and row["weight_class"]
                assert row["barcode"].startswith("LT") and row["tracking_number"] == ""
        national, foreign = by_kind["IT"], by_kind["DE"]
        assert national["postal_product"] == "raccomandata_ar" and national["international"] == "no"
        assert national["address_line_2"] == "20017 Rho (MI)" and national["verification_code"] == it_letter.verification_code
        assert foreign["postal_product"] == "raccomandata_internazionale_ar"
        assert foreign["international"] == "yes" and foreign["return_receipt"] == "yes"
        assert foreign["address_line_3"] == "GERMANIA" and foreign["country_name"] == "GERMANIA"
        assert foreign["recipient_name"].startswith("Jürgen")
        # one queued event per letter on the verbale's timeline
        [it_event] = _events(it_letter.verbale_id)
        [de_event] = _events(de_letter.verbale_id)
        assert (it_event.channel, it_event.outcome) == ("post", "queued")
        assert (de_event.channel, de_event.outcome) == ("international_mail", "queued")
        assert de_event.details["letter_kind"] == "verbale" and de_event.details["letter_id"] == de_letter.id
        # a second batch prints nothing again
        again = _print(ente)
        assert again.done == 0 and again.result["items"] == 0


def test_weight_classes():
    assert postal.weight(2, True, True) == (1, 15, "0-20g")
    assert postal.weight(6, False, False) == (6, 36, "21-50g")
    assert postal.barcode_for(123) == "LT00000001230"


def test_tampered_letter_is_not_printed(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        it_letter, _de = _verbale_letters(ente)
        storage.save(it_letter.storage_key, b"%PDF-1.4 altered")
        run = _print(ente)
        assert (run.done, run.failed) == (1, 1)
        assert "altered" in run.result["errors"][0]


def _tracking_csv(rows):
    out = io.StringIO()
    out.write("barcode;tracking_number;event;date;note\n")
    for row in rows:
        out.write(";".join(row) + "\n")
    return out.getvalue()


def test_tracking_import_records_outcomes_and_is_idempotent(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        it_letter, de_letter = _verbale_letters(ente)
        _print(ente)
        items = {i.letter_id: i for i in db.session.scalars(select(PostalItem))}
        it_item, de_item = items[it_letter.id], items[de_letter.id]
        day = today().isoformat()
        text = _tracking_csv([
            (it_item.barcode, "RR123456789IT", "accettato", day, ""),
            (de_item.barcode, "RA987654321IT", "accepted", day, ""),
            (it_item.barcode, "RR123456789IT", "delivered", day, "consegnato a mano"),
            ("LT99999999999", "RR000000000IT", "accepted", day, ""),
            (de_item.barcode, "", "exploded", day, ""),
            (de_item.barcode, "", "accepted", (today() + timedelta(days=3)).isoformat(), ""),
        ])
        report = tracking.import_tracking_text(text, ente)
        assert (report.applied, report.unchanged) == (3, 0)
        assert [line for line, _reason in report.rejected] == [5, 6, 7]
        assert it_item.tracking_number == "RR123456789IT" and it_item.status == "delivered"
        assert de_item.status == "sent" and de_item.sent_on == today()
        outcomes = [(e.outcome, e.reference) for e in _events(it_letter.verbale_id)]
        assert outcomes == [("queued", it_item.barcode), ("sent", "RR123456789IT"),
                            ("delivered", "RR123456789IT")]
        again = tracking.import_tracking_text(text, ente)
        assert (again.applied, again.unchanged) == (0, 3)
        assert len(_events(it_letter.verbale_id)) == 3


def test_tracking_file_without_the_columns_is_refused(portal_app, db_session):
    with portal_app.app_context():
        with pytest.raises(tracking.TrackingFileError):
            tracking.import_tracking_text("foo,bar\n1,2\n")


def test_return_receipt_records_delivery_and_perfection(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        _it, de_letter = _verbale_letters(ente)
        _print(ente)
        verbale = de_letter.verbale
        item = returns.record_return_receipt(verbale, [Scan(PDF)], today(), actor_type="system",
                                             actor_id=None)
        db.session.commit()
        assert item.letter_id == de_letter.id and item.delivered_on == today()
        assert storage.read(item.receipt_storage_key) == PDF
        assert item.receipt_sha256 == hashlib.sha256(PDF).hexdigest()
        events = _events(verbale.id)
        assert [(e.channel, e.outcome) for e in events] == [
            ("international_mail", "queued"), ("international_mail", "delivered"),
            ("international_mail", "perfected")]
        assert events[-1].perfected_on == today() and events[-2].perfected_on is None
        # nothing left waiting
        with pytest.raises(returns.ReceiptError):
            returns.record_return_receipt(verbale, [Scan(PDF)], today(), actor_type="system",
                                          actor_id=None)


def test_return_receipt_checks(portal_app, db_session):
    with portal_app.app_context():
        ente = new_ente()
        it_letter, _de = _verbale_letters(ente)
        verbale = it_letter.verbale
        with pytest.raises(returns.ReceiptError):  # not printed yet
            returns.record_return_receipt(verbale, [Scan(PDF)], today(), actor_type="system", actor_id=None)
        _print(ente)
        with pytest.raises(returns.ReceiptError):
            returns.record_return_receipt(verbale, [Scan(PDF)], today() + timedelta(days=1),
                                          actor_type="system", actor_id=None)
        with pytest.raises(returns.ReceiptError):
            returns.record_return_receipt(verbale, [Scan(PDF)], today() - timedelta(days=5),
                                          actor_type="system", actor_id=None)
        with pytest.raises(UploadError):
            returns.record_return_receipt(verbale, [Scan(b"MZ not a scan", "x.exe")], today(),
                                          actor_type="system", actor_id=None)
        assert [e.outcome for e in _events(verbale.id)] == ["queued"]
        assert storage.root().joinpath("return-receipts", ente.code).exists() is False


def test_cli_print_batch_tracking_and_receipt(portal_app, db_session, tmp_path):
    with portal_app.app_context():
        ente = new_ente()
        _it, de_letter = _verbale_letters(ente)
        runner = portal_app.test_cli_runner()
        result = runner.invoke(args=["letters", "print-batch", "--ente", ente.code, "--kind", "verbale",
                                     "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "2 done" in result.stdout and list(tmp_path.glob("*.zip"))
        item = db.session.scalars(select(PostalItem).where(PostalItem.letter_id == de_letter.id)).one()
        csv_file = tmp_path / "tracking.csv"
        csv_file.write_text(_tracking_csv([(item.barcode, "RA111222333IT", "sent", today().isoformat(), "")]))
        result = runner.invoke(args=["letters", "tracking-import", str(csv_file), "--ente", ente.code])
        assert result.exit_code == 0 and "1 applied" in result.stdout
        scan = tmp_path / "ar.pdf"
        scan.write_bytes(PDF)
        result = runner.invoke(args=["letters", "receipt", de_letter.verbale.number, str(scan),
                                     "--delivered-on", today().isoformat()])
        assert result.exit_code == 0, result.output
        perfected = [e for e in _events(de_letter.verbale_id) if e.outcome == "perfected"]
        assert perfected and perfected[0].perfected_on == today()
        result = runner.invoke(args=["letters", "receipt", "NOPE/1", str(scan), "--delivered-on",
                                     today().isoformat()])
        assert result.exit_code == 2 and "unknown verbale" in result.stderr
