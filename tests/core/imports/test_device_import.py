"""Events of automatic devices (red-light cameras, ZTL gates, speed cameras) become verbali in
state ASSESSED, identified by device + instant + plate, with their frames stored as photos."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from core import db, storage
from core.imports import service
from core.models import DeviceEvent, Evidence, Verbale, VerbaleStatus
from tests.core.imports import builders
from tests.core.imports.test_police_import import report_rows, run

JPEG = b"\xff\xd8\xff\xe0" + b"frame" * 20


def test_device_events_become_assessed_verbali(ente, tmp_path):
    (tmp_path / "f1.jpg").write_bytes(JPEG)
    (tmp_path / "f2.jpg").write_bytes(JPEG + b"2")
    rows = [
        builders.device_row(1, frame_1="f1.jpg", frame_2="f2.jpg"),
        builders.device_row(2, device_id="RHO-0417", device_kind="speed", device_model="VeloStar",
                            measured_speed="87", speed_limit="50", place="SS33 km 17"),
        builders.device_row(3, event_at="2025-03-01 10:00:00"),  # no UTC offset
        builders.device_row(1, frame_1="f1.jpg"),  # the same event again
        builders.device_row(4, device_kind="ztl", device_id="VC10-0091", frame_1="missing.jpg",
                            offender_last_name="Bianchi"),
        builders.device_row(5, device_kind="speed", device_id="RHO-0417", calibration_ref="",
                            measured_speed="52", speed_limit="50"),
    ]
    path = builders.write_csv(tmp_path / "events.csv", rows,
                              builders.DEVICE_COLUMNS + ["offender_last_name"])
    summary = run(ente, path, fmt="device", frames_dir=tmp_path, lang="en")

    assert (summary["imported"], summary["skipped"], summary["rejected"]) == (3, 1, 2)
    assert summary["device_events"] == 3 and summary["evidence"] == 2
    assert summary["frames_missing"] == 1
    problems = {(r["line"], r["column"]): r["reason"] for r in report_rows(summary)}
    assert problems[("4", "event_at")] == "The time must carry its UTC offset, e.g. 2026-03-01T10:15:00+01:00."
    assert problems[("7", "calibration_ref")] == "Required."
    assert problems[("7", "measured_speed")] == "After the tolerance the speed does not exceed the limit."

    events = db.session.scalars(select(DeviceEvent).where(DeviceEvent.ente_id == ente.id)
                                .order_by(DeviceEvent.id)).all()
    red, speed, ztl = (db.session.get(Verbale, e.verbale_id) for e in events)
    assert events[0].event_at == datetime(2025, 3, 1, 7, 0, 1, tzinfo=UTC)
    assert red.status == VerbaleStatus.ASSESSED and red.notified_on is None
    assert red.number == f"{ente.code}/AUT/{events[0].id:08d}"
    assert red.device == "RedGuard RG-3 matr. RG3-2231" and red.assessed_on == date(2025, 3, 1)
    assert red.violations[0].violation_type.code == "146.3"
    assert red.extra["device_event"]["approval"] == "Decreto MIT n. 2468"
    assert red.extra["device_event"]["offender_pending"] is True
    assert red.offender.last_name == "" and red.offender.country == "IT"
    photos = db.session.scalars(select(Evidence).where(Evidence.verbale_id == red.id)
                                .order_by(Evidence.id)).all()
    assert [(p.filename, p.kind, p.content_type) for p in photos] == [
        ("f1.jpg", "photo", "image/jpeg"), ("f2.jpg", "photo", "image/jpeg")]
    assert storage.read(photos[0].storage_key) == JPEG
    assert photos[0].sha256 == hashlib.sha256(JPEG).hexdigest()
    assert speed.violations[0].violation_type.code == "142.8"
    assert speed.violations[0].detail["counted_speed"] == 82
    assert ztl.violations[0].violation_type.code == "7.14-ZTL"
    assert ztl.extra["device_event"]["frames_missing"] == ["missing.jpg"]
    assert ztl.offender.last_name == "Bianchi" and not ztl.extra["device_event"]["offender_pending"]


def test_the_same_event_in_another_file_is_skipped(ente, tmp_path):
    run(ente, builders.write_csv(tmp_path / "a.csv", [builders.device_row(n) for n in (1, 2)]),
        fmt="device")
    again = run(ente, builders.write_csv(tmp_path / "b.csv", [builders.device_row(n) for n in (2, 3)]),
                fmt="device")
    assert (again["imported"], again["skipped"]) == (1, 1)
    assert db.session.scalar(select(func.count()).select_from(DeviceEvent)
                             .where(DeviceEvent.ente_id == ente.id)) == 3


def test_device_events_as_json_lines(ente, tmp_path):
    records = [{"device_id": "VC10-0091", "device_kind": "ztl", "approval_ref": "Omologazione 3579",
                "event_at": "2025-03-01T08:00:00Z", "place": "Varco Centro", "plate": "ab 123 cd",
                "frames": ["a.jpg", "b.jpg"]}]
    summary = run(ente, builders.write_jsonl(tmp_path / "e.jsonl", records), fmt="device")
    assert summary["imported"] == 1 and summary["frames_missing"] == 2
    event = db.session.scalars(select(DeviceEvent).where(DeviceEvent.ente_id == ente.id)).one()
    assert event.plate == "AB123CD"


def test_speed_article_must_match_the_excess(ente, tmp_path):
    row = builders.device_row(1, device_kind="speed", measured_speed="130", speed_limit="50",
                              violation_code="142.8")
    summary = run(ente, builders.write_csv(tmp_path / "s.csv", [row]), fmt="device", lang="en")
    assert summary["rejected"] == 1
    assert report_rows(summary)[0]["reason"] == "The article does not match the excess speed (expected 142.9-bis)."


def test_a_device_file_needs_its_columns(ente, tmp_path):
    path = builders.write_csv(tmp_path / "p.csv", [builders.police_row(1)])
    try:
        service.begin(ente, path, fmt="device", lang="en")
    except service.ImportRefused as error:
        assert "device_id" in str(error)
    else:
        raise AssertionError("expected ImportRefused")
