"""What the jobs page shows: the batch runs a staff member may see, each with its kind, status,
progress, counters, errors, result summary and, where there is one, a downloadable report.

Visibility follows :func:`core.batches.visible_runs`: administrators without Enti see every
run; everyone else the runs of their Enti (and runs bound to no Ente). A run's report is the
rejected-rows report of an import, or the storage file named by ``result["report_key"]`` for
other batches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from core import audit, batches, db, storage
from core.accounts import StaffPrincipal
from core.imports import service as imports
from core.models import BatchRun, BatchStatus, Ente

PAGE = 50

KIND_LABELS = {
    "import": _l("Import of verbali"),
    "letters": _l("Letters"),
    "notifications": _l("Notifications"),
    "reminders": _l("Reminders"),
    "reports": _l("Reports"),
    "export": _l("Export"),
}
STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Completed"),
    "failed": _l("Failed"),
}
STATUS_BADGES = {"queued": "secondary", "running": "primary", "done": "success", "failed": "danger"}
RESULT_LABELS = {
    "imported": _l("Imported"),
    "skipped": _l("Already present (skipped)"),
    "rejected": _l("Rejected"),
    "people_created": _l("People added"),
    "people_reused": _l("People already known"),
    "notification_events": _l("Notifications recorded"),
    "payments": _l("Payments recorded"),
    "device_events": _l("Device events"),
    "evidence": _l("Photos stored"),
    "frames_missing": _l("Frames not found"),
    "ignored_columns": _l("Columns ignored"),
}
HIDDEN_RESULT_KEYS = {"errors", "report_key"}


@dataclass(frozen=True)
class JobRow:
    run: BatchRun
    ente: Ente | None
    kind_label: str
    status: str
    status_label: str
    badge: str
    percent: int | None
    has_report: bool

    @property
    def processed(self) -> int:
        return self.run.done + self.run.failed


def _ente_ids(actor: StaffPrincipal) -> list[int] | None:
    return None if actor.all_enti else sorted(actor.ente_ids)


def can_see(run: BatchRun, actor: StaffPrincipal) -> bool:
    return actor.all_enti or run.ente_id is None or run.ente_id in actor.ente_ids


def visible_run(run_id: int, actor: StaffPrincipal) -> BatchRun | None:
    run = db.session.get(BatchRun, run_id)
    return run if run is not None and can_see(run, actor) else None


def report_of(run: BatchRun) -> tuple[Path, str] | None:
    """The run's downloadable report file and its download name, if any."""
    if run.kind == imports.KIND:
        imp = imports.import_of_run(run)
        path = imports.report_path(imp) if imp is not None else None
        if path is not None:
            stem = imp.filename.rsplit(".", 1)[0] or "import"
            return path, f"{stem}.rejected.csv"
        return None
    key = (run.result or {}).get("report_key")
    if not isinstance(key, str) or not key:
        return None
    try:
        path = storage.path_for(key)
    except storage.StorageError:
        return None
    return (path, path.name) if path.is_file() else None


def row(run: BatchRun) -> JobRow:
    status = run.status.value if isinstance(run.status, BatchStatus) else str(run.status)
    return JobRow(
        run=run, ente=db.session.get(Ente, run.ente_id) if run.ente_id else None,
        kind_label=str(KIND_LABELS.get(run.kind, run.kind)), status=status,
        status_label=str(STATUS_LABELS.get(status, status)),
        badge=STATUS_BADGES.get(status, "secondary"), percent=run.percent,
        has_report=report_of(run) is not None)


def list_jobs(actor: StaffPrincipal) -> list[JobRow]:
    return [row(run) for run in batches.visible_runs(_ente_ids(actor), limit=PAGE)]


def result_items(run: BatchRun) -> list[tuple[str, str]]:
    """The result summary as (label, value) pairs for the page."""
    items = []
    for key, value in (run.result or {}).items():
        if key in HIDDEN_RESULT_KEYS:
            continue
        if isinstance(value, list):
            shown = ", ".join(map(str, value))
        elif isinstance(value, dict):
            shown = json.dumps(value, ensure_ascii=False)
        else:
            shown = str(value)
        items.append((str(RESULT_LABELS.get(key, key.replace("_", " "))), shown))
    return items


def errors_of(run: BatchRun) -> list[dict[str, Any]]:
    errors = (run.result or {}).get("errors") or []
    return [e if isinstance(e, dict) else {"reason": str(e)} for e in errors]


def status_payload(run: BatchRun) -> dict[str, Any]:
    """The JSON a page may poll: status and counters."""
    status = run.status.value if isinstance(run.status, BatchStatus) else str(run.status)
    return {"id": run.id, "status": status, "total": run.total, "done": run.done,
            "failed": run.failed, "percent": run.percent, "error": run.error or None}


def record_download(run: BatchRun, actor: StaffPrincipal) -> None:
    audit.record("batch_run.report_downloaded", actor_type="staff", actor_id=actor.id,
                 object_type="batch_run", object_id=run.id, ente_id=run.ente_id, kind=run.kind)
