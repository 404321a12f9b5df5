"""Import files for the tests, written row by row (a 100,000-row file never sits in memory)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from stdnum.it import codicefiscale

MONTHS = "ABCDEHLMPRST"

POLICE_COLUMNS = [
    "number", "violation_at", "assessed_on", "place", "plate", "registration_country", "vehicle",
    "contested_on_spot", "status", "notified_on", "notification_channel",
    "notification_reference",
    "offender_kind", "offender_first_name", "offender_last_name", "offender_company_name",
    "offender_fiscal_code", "offender_foreign_id", "offender_foreign_id_type",
    "offender_birth_date", "offender_address_line", "offender_postal_code", "offender_city",
    "offender_province", "offender_country", "offender_language", "offender_email",
    "owner_kind", "owner_company_name", "owner_fiscal_code", "owner_country",
    "violation_1_code", "violation_1_measured_speed", "violation_1_speed_limit",
    "violation_2_code",
    "cost_notification", "cost_procedure",
    "payment_1_amount", "payment_1_paid_at", "payment_1_channel", "payment_1_reference",
    "payment_1_allocation",
]
DEVICE_COLUMNS = [
    "device_id", "device_kind", "device_model", "approval_ref", "calibration_ref",
    "calibration_date", "event_at", "place", "plate", "country", "measured_speed",
    "tolerated_speed", "speed_limit", "violation_code", "frame_1", "frame_2",
]


def fiscal_code(n: int) -> str:
    """A valid codice fiscale, different for every ``n`` below 12 * 28 * 100 * 1000."""
    year = 40 + n % 60
    month = MONTHS[(n // 60) % 12]
    day = 1 + (n // 720) % 28
    place = f"H{(n // 20160) % 1000:03d}"
    stem = f"RSSMRA{year:02d}{month}{day:02d}{place}"
    return stem + codicefiscale.calc_check_digit(stem)


def police_row(n: int, ente: str = "E", **overrides: Any) -> dict[str, str]:
    """A notified verbale with one violation, notification costs and no payment."""
    row = {name: "" for name in POLICE_COLUMNS}
    row.update({
        "number": f"{ente}/2025/{n:07d}", "violation_at": "2025-03-01 10:15",
        "assessed_on": "2025-03-01", "place": "Via Roma 1", "plate": f"AB{n % 1000:03d}CD",
        "registration_country": "IT", "vehicle": "Fiat Panda", "status": "notified",
        "notified_on": "2025-03-20", "notification_channel": "post",
        "notification_reference": f"RACC{n:09d}",
        "offender_first_name": "Mario", "offender_last_name": f"Rossi{n}",
        "offender_fiscal_code": fiscal_code(n), "offender_address_line": "Via Verdi 2",
        "offender_postal_code": "20017", "offender_city": "Rho", "offender_province": "MI",
        "violation_1_code": "7.1", "cost_notification": "9,50", "cost_procedure": "5.00",
    })
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def police_record(n: int, ente: str = "E", **overrides: Any) -> dict[str, Any]:
    """The same verbale in the JSON shape."""
    record: dict[str, Any] = {
        "number": f"{ente}/2025/{n:07d}", "violation_at": "2025-03-01T10:15:00+01:00",
        "place": "Via Roma 1", "plate": f"AB{n % 1000:03d}CD", "status": "notified",
        "notified_on": "2025-03-20", "notification_channel": "post",
        "offender": {"first_name": "Mario", "last_name": f"Rossi{n}",
                     "fiscal_code": fiscal_code(n), "city": "Rho"},
        "violations": [{"code": "7.1"}],
        "costs": {"notification": "9.50"},
    }
    record.update(overrides)
    return record


def device_row(n: int, **overrides: Any) -> dict[str, str]:
    row = {name: "" for name in DEVICE_COLUMNS}
    row.update({
        "device_id": "RG3-2231", "device_kind": "red_light", "device_model": "RedGuard RG-3",
        "approval_ref": "Decreto MIT n. 2468", "calibration_ref": "LAT-2025/2231",
        "calibration_date": "2025-01-10",
        "event_at": f"2025-03-01T{8 + n // 3600 % 10:02d}:{n // 60 % 60:02d}:{n % 60:02d}+01:00",
        "place": "Corso Europa / Via Magenta, Rho", "plate": f"GH{n % 1000:03d}KL",
        "country": "IT",
    })
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def write_csv(path: Path, rows: Iterable[dict[str, str]], columns: list[str] | None = None,
              delimiter: str = ";") -> Path:
    rows = iter(rows)
    first = next(rows)
    columns = columns or list(first)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
        writer.writeheader()
        writer.writerow(first)
        for row in rows:
            writer.writerow(row)
    return path


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def write_json_array(path: Path, records: Iterable[dict[str, Any]], indent: int | None = 2) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        for i, record in enumerate(records):
            if i:
                fh.write(",\n")
            fh.write(json.dumps(record, ensure_ascii=False, indent=indent))
        fh.write("\n]\n")
    return path


def many(count: int, ente: str = "E", start: int = 1) -> Iterator[dict[str, str]]:
    for n in range(start, start + count):
        yield police_row(n, ente)
