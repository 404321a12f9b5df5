"""The import of a file of verbali as a resumable batch run.

:func:`begin` records the file (:class:`~core.models.VerbaliImport`, unique per Ente and
SHA-256: the same file again returns the first import and changes nothing), checks what can be
checked at once (container, CSV header) and creates the :class:`~core.models.BatchRun`.
:func:`import_chunk` is the chunk function :func:`core.batches.drive` calls: it reads the next
``chunk_size`` records from the committed byte offset, checks them, writes the good ones
(:mod:`.writer`), appends the rejected ones to the report, and returns the new offset — which
``drive`` commits together with the rows. :func:`run_import` is the job (RQ worker or inline).

The rejected-rows report is a CSV file in the storage (``line,column,reason``, reasons in the
operator's language). Its committed length travels in the cursor: a chunk replayed after a
crash first cuts the report back to that length, so no rejected row is reported twice.
"""

from __future__ import annotations

import csv
import io
import os
import time
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from core import audit, batches, db, pagecache, storage
from core.batches import Chunk
from core.db import utcnow
from core.models import BatchRun, BatchStatus, Ente, VerbaliImport, VerbaliImportFormat
from core.positions import local_today

from . import records as rec
from . import sources
from .sources import Position, SourceError
from .writer import EnteInfo, Writer

KIND = "import"
JOB = "core.imports.service:run_import"
DEFAULT_CHUNK = 1000
MAX_ERRORS_PER_CHUNK = 20
REPORT_HEADER = ("line", "column", "reason")
REQUIRED_COLUMNS = {
    "police": (("number",), ("violation_at",), ("place",), ("plate",), ("violation_1_code",),
               ("offender_last_name", "offender_company_name")),
    "device": (("device_id",), ("device_kind",), ("event_at",), ("place",), ("plate",),
               ("approval_ref",)),
}


class ImportRefused(ValueError):
    """The file cannot be imported at all; the message is translated."""


class ImportFileError(RuntimeError):
    """The file broke off midway (e.g. a JSON syntax error); the message is translated."""


def source_message(error: SourceError) -> str:
    messages = {
        "empty": _("The file is empty."),
        "utf8": _("The file is not UTF-8 text."),
        "not_array": _("A JSON array of records is expected."),
        "trailing": _("There is text after the end of the JSON array."),
        "json": _("The JSON is broken (%(detail)s).", detail=error.params.get("detail", "")),
    }
    text = messages.get(error.code, error.code)
    if error.line:
        return _("Line %(line)s: %(reason)s", line=error.line, reason=text)
    return text


def record_message(record: sources.Record) -> str:
    return {
        "utf8": _("The line is not UTF-8 text."),
        "json": _("The line is not valid JSON (%(detail)s).", detail=record.detail),
        "not_object": _("A JSON object is expected."),
        "csv": _("The line cannot be read as CSV (%(detail)s).", detail=record.detail),
        "columns": _("More values than columns (%(detail)s).", detail=record.detail),
    }.get(record.problem, record.problem)


# -- starting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    imp: VerbaliImport
    run: BatchRun
    created: bool  # False: this file was already imported (or is being imported) for the Ente


def _container(path: Path, fmt: str | None) -> tuple[str, str]:
    """(format, container) from the requested format and the file."""
    if fmt in ("csv", "json", "jsonl"):
        return fmt, fmt
    container = sources.detect_container(path)
    return (fmt or container), container


def _check_source(path: Path, fmt: str, container: str) -> list[str]:
    """Refuse at once what cannot work; returns the CSV columns that will be ignored."""
    with open(path, "rb") as fh:
        if container != "csv":
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
            if not head:
                raise ImportRefused(_("The file is empty."))
            expected = b"[" if container == "json" else b"{"
            if not head.startswith(expected):
                raise ImportRefused(_("A JSON array of records is expected.") if container == "json"
                                    else _("JSON Lines are expected: one JSON object per line."))
            return []
        try:
            header, _delimiter, _position = sources.read_csv_header(fh)
        except SourceError as error:
            raise ImportRefused(source_message(error)) from error
    required = REQUIRED_COLUMNS["device" if fmt == "device" else "police"]
    missing = [" / ".join(group) for group in required if not any(c in header for c in group)]
    if missing:
        raise ImportRefused(_("The file lacks the required columns: %(columns)s.",
                              columns=", ".join(missing)))
    _paths, ignored = rec.csv_paths(header, fmt == "device")
    return ignored


def find(ente_id: int, sha256: str) -> VerbaliImport | None:
    return db.session.scalars(select(VerbaliImport).where(
        VerbaliImport.ente_id == ente_id, VerbaliImport.sha256 == sha256)).one_or_none()


def begin(ente: Ente, path: Path, *, fmt: str | None = None, filename: str = "",
          storage_key: str = "", frames_dir: Path | None = None, lang: str = "it",
          chunk_size: int | None = None, created_by: str = "", actor_type: str = "system",
          actor_id: int | None = None, count: bool = False) -> Started:
    """Record the import of ``path`` for ``ente`` (flushes, never commits)."""
    sha256, size = sources.sha256_of(path)
    existing = find(ente.id, sha256)
    if existing is not None and existing.batch_run is not None:
        return Started(existing, existing.batch_run, False)
    if size == 0:
        raise ImportRefused(_("The file is empty."))
    fmt, container = _container(path, fmt)
    ignored = _check_source(path, fmt, container)
    params: dict[str, Any] = {
        "job": JOB, "format": fmt, "container": container, "lang": lang,
        "chunk_size": chunk_size or current_app.config.get("IMPORT_CHUNK_SIZE", DEFAULT_CHUNK),
        "frames_dir": str(frames_dir) if frames_dir else None,
    }
    if storage_key:
        params["storage_key"] = storage_key
    else:
        params["path"] = str(path.resolve())
    total = sources.count_records(path, container) if count else None
    run = batches.start(KIND, ente_id=ente.id, label=(filename or path.name)[:200], params=params,
                        total=total, created_by=created_by)
    run.result = {"ignored_columns": ignored} if ignored else {}
    imp = VerbaliImport(ente_id=ente.id, sha256=sha256, format=VerbaliImportFormat(fmt),
                        filename=(filename or path.name)[:255], size=size, storage_key=storage_key,
                        batch_run_id=run.id, created_by=created_by)
    db.session.add(imp)
    db.session.flush()
    run.params = {**params, "import_id": imp.id}
    audit.record("verbali_import.started", actor_type=actor_type, actor_id=actor_id,
                 object_type="verbali_import", object_id=imp.id, ente_id=ente.id,
                 filename=imp.filename, sha256=sha256, format=fmt, batch_run_id=run.id)
    return Started(imp, run, True)


# -- one chunk -----------------------------------------------------------------------------


def report_key_for(ente: Ente, imp: VerbaliImport) -> str:
    return f"imports/{ente.code}/{imp.id}/rejected.csv"


def source_path(params: dict[str, Any]) -> Path:
    if params.get("storage_key"):
        return storage.path_for(params["storage_key"])
    return Path(params["path"])


class _Report:
    """The rejected-rows CSV, cut back to its committed length before a chunk appends."""

    def __init__(self, key: str, committed: int):
        self.key = key
        self.path = storage.path_for(key)
        if self.path.exists() and self.path.stat().st_size > committed:
            with open(self.path, "r+b") as fh:
                fh.truncate(committed)
        self.size = committed

    def append(self, rows: list[tuple[int, str, str]]) -> int:
        if rows:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            if self.size == 0:
                buffer.write("\ufeff")
                writer.writerow(REPORT_HEADER)
            writer.writerows(rows)
            data = buffer.getvalue().encode("utf-8")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as fh:
                fh.write(data)
            self.size += len(data)
        return self.size


def _position(fh, container: str, cursor: dict[str, Any]) -> tuple[Position, str, list[str]]:
    """Where to read from: the cursor's offset (or the first record) and the CSV header."""
    try:
        start, delimiter = sources.start_position(fh, container)
    except SourceError as error:
        raise ImportFileError(source_message(error)) from error
    if cursor.get("offset"):
        start = Position(cursor["offset"], cursor.get("line", 1), cursor.get("state", "next"),
                         start.header)
    return start, delimiter, start.header


def _chunk_pause() -> None:
    """Test hook: a pause after each chunk's work, before its commit (the worker-kill test
    uses it to catch a worker between chunks). Ignored in production."""
    if current_app.config.get("APP_ENV") == "production":
        return
    delay = current_app.config.get("IMPORT_CHUNK_DELAY") or os.environ.get(
        "MULTE_IMPORT_CHUNK_DELAY", "")
    if delay:
        time.sleep(float(delay))


def import_chunk(run: BatchRun) -> Chunk:
    # The first statement is a write: on SQLite it takes the database's write lock, so the
    # ids the writer reserves from max(id) cannot be taken by anyone else meanwhile.
    db.session.execute(update(BatchRun).where(BatchRun.id == run.id)
                       .values(heartbeat_at=utcnow()).execution_options(synchronize_session=False))
    params = run.params
    imp = db.session.get(VerbaliImport, params["import_id"])
    ente = db.session.get(Ente, imp.ente_id)
    path = source_path(params)
    container = params["container"]
    with force_locale(params.get("lang") or "it"):
        if not path.is_file():
            raise ImportFileError(_("The import file is no longer available."))
        if run.total is None:
            try:
                run.total = sources.count_records(path, container)
            except SourceError as error:
                raise ImportFileError(source_message(error)) from error
        cursor = dict(run.cursor or {})
        report = _Report(report_key_for(ente, imp), cursor.get("report_bytes", 0))
        with open(path, "rb") as fh:
            position, delimiter, header = _position(fh, container, cursor)
            chunk = _read_and_write(run, imp, ente, fh, container, position, delimiter, header,
                                    report)
        _chunk_pause()
        if not chunk.more:
            audit.record("verbali_import.finished", actor_type="system", actor_id=None,
                         object_type="verbali_import", object_id=imp.id, ente_id=ente.id,
                         batch_run_id=run.id, done=run.done + chunk.done,
                         rejected=run.failed + chunk.failed)
        return chunk


def _read_and_write(run: BatchRun, imp: VerbaliImport, ente: Ente, fh, container: str,
                    position: Position, delimiter: str, header: list[str],
                    report: _Report) -> Chunk:
    params = run.params
    size = int(params.get("chunk_size") or DEFAULT_CHUNK)
    device = params["format"] == "device"
    tz = ZoneInfo(ente.timezone or "Europe/Rome")
    today = local_today(ente, utcnow())
    paths = rec.csv_paths(header, device)[0] if container == "csv" else {}
    check = rec.device_record if device else rec.police_record
    drafts: list[rec.VerbaleDraft] = []
    rejected: list[tuple[int, rec.Path, str]] = []
    last = position
    count = 0
    try:
        for record, after in islice(sources.records(fh, container, position, delimiter), size):
            count += 1
            last = after
            if record.data is None:
                rejected.append((record.line, (), record_message(record)))
                continue
            data = rec.csv_to_record(record.data, paths) if container == "csv" else record.data
            result = check(record.line, data, tz, today)
            if isinstance(result, list):
                rejected.extend((record.line, p.path, p.reason) for p in result)
            else:
                drafts.append(result)
    except SourceError as error:
        raise ImportFileError(source_message(error)) from error

    frames_dir = Path(params["frames_dir"]) if params.get("frames_dir") else None
    writer = Writer(db.session.connection(), EnteInfo(ente.id, ente.code, tz), imp.id, frames_dir,
                    utcnow())
    outcome = writer.write(drafts)
    pagecache.note_people(db.session, outcome.people_reused)  # COPY bypasses the ORM events
    rejected.extend(outcome.problems)
    rejected.sort(key=lambda item: item[0])
    rows = [(line, rec.column_label(path, container), reason) for line, path, reason in rejected]
    report_bytes = report.append(rows)
    if rows and not imp.report_key:  # recorded with the chunk that wrote the first rejected row
        imp.report_key = report.key
    bad_lines = len({line for line, _path, _reason in rejected})
    result: dict[str, Any] = {"imported": outcome.imported, "skipped": outcome.skipped,
                              "rejected": bad_lines, **dict(outcome.counters)}
    if rows:
        result["errors"] = [{"line": line, "column": column, "reason": reason}
                            for line, column, reason in rows[:MAX_ERRORS_PER_CHUNK]]
    cursor = {**last.as_cursor(), "report_bytes": report_bytes}
    return Chunk(done=count - bad_lines, failed=bad_lines, cursor=cursor, more=count == size,
                 result=result)


# -- the job and the summary ---------------------------------------------------------------


def run_import(run_id: int) -> BatchRun:
    """Job: drive the import to its end (resuming from the last committed chunk)."""
    return batches.drive(run_id, import_chunk)


def schedule(run: BatchRun) -> None:
    batches.schedule(run, run_import)


def import_of_run(run: BatchRun) -> VerbaliImport | None:
    import_id = (run.params or {}).get("import_id")
    return db.session.get(VerbaliImport, import_id) if import_id else None


def report_path(imp: VerbaliImport) -> Path | None:
    """The rejected-rows report, when there is one."""
    if not imp.report_key:
        return None
    try:
        path = storage.path_for(imp.report_key)
    except storage.StorageError:
        return None
    return path if path.is_file() and path.stat().st_size > 0 else None


def summary(imp: VerbaliImport, run: BatchRun, *, already_imported: bool = False) -> dict[str, Any]:
    result = run.result or {}
    status = run.status.value if isinstance(run.status, BatchStatus) else str(run.status)
    finished: datetime | None = run.finished_at
    return {
        "import_id": imp.id, "batch_run_id": run.id, "ente": imp.ente.code if imp.ente else None,
        "file": imp.filename, "sha256": imp.sha256, "format": str(imp.format), "status": status,
        "already_imported": already_imported, "rows": run.total,
        "imported": result.get("imported", 0), "skipped": result.get("skipped", 0),
        "rejected": run.failed,
        **{key: result.get(key, 0) for key in ("people_created", "people_reused",
                                                "notification_events", "payments",
                                                "device_events", "evidence", "frames_missing")},
        "ignored_columns": result.get("ignored_columns", []),
        "report": imp.report_key if report_path(imp) else None,
        "error": run.error or None,
        "finished_at": finished.isoformat() if finished else None,
    }
