"""Writing the export of one Ente: a ZIP file with

* ``data/<table>.jsonl`` — one JSON object per row, for every exported table (:mod:`.scope`),
  ordered by primary key;
* ``files/<storage key>`` — every stored file the rows name (evidence, letters, case and appeal
  attachments, uploads, the logo …);
* ``data-dictionary.md`` and ``data-dictionary.json`` (:mod:`.dictionary`);
* ``SHA256SUMS`` — ``sha256sum -c`` compatible, one line per member above;
* ``manifest.json`` — the Ente, the schema revision, each table's category, row count, file and
  SHA-256, the stored files' count, the excluded tables with their reasons, the references
  written as null, and the SHA-256 of ``SHA256SUMS``.

Rows are read with ``yield_per`` (a server-side cursor on PostgreSQL) and written straight into
the ZIP; the storage keys met on the way go to a temporary on-disk set (SQLite), so memory stays
the same for a thousand verbali or a million. On PostgreSQL the caller runs the export in one
REPEATABLE READ transaction: every table is read from the same snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import JSON, Table, select, text
from sqlalchemy.engine import Connection

from core.db import utcnow
from core.models import Ente

from . import dictionary, scope
from .values import dumps

FORMAT = "multe-ente-export/1"
BATCH = 1000
STORAGE_COLUMNS = {"storage_key", "pdf_key", "report_key", "logo_path"}
JSON_FILE_COLUMNS = {"attachments"}  # lists of {"key" or "storage_key", …}
MISSING_LISTED = 100


def storage_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns
            if c.name in STORAGE_COLUMNS or c.name.endswith("_storage_key")
            or c.info.get("storage")]


def json_file_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns
            if c.name in JSON_FILE_COLUMNS and isinstance(c.type, JSON)]


def safe_key(key: str) -> str | None:
    pure = PurePosixPath(key)
    if not key or pure.is_absolute() or ".." in pure.parts or "\\" in key:
        return None
    return str(pure)


class _Hashing:
    """Wraps a writable ZIP member: counts and hashes what is written."""

    def __init__(self, member):
        self.member = member
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.member.write(data)
        self.digest.update(data)
        self.size += len(data)


class _KeySet:
    """Storage keys seen, deduplicated on disk."""

    def __init__(self, folder: Path):
        self.db = sqlite3.connect(folder / "keys.sqlite3")
        self.db.execute("CREATE TABLE k (key TEXT PRIMARY KEY)")

    def add(self, key: Any) -> None:
        if isinstance(key, str) and key:
            self.db.execute("INSERT OR IGNORE INTO k VALUES (?)", (key,))

    def __iter__(self) -> Iterator[str]:
        for (key,) in self.db.execute("SELECT key FROM k ORDER BY key"):
            yield key

    def close(self) -> None:
        self.db.close()


def schema_revisions(conn: Connection) -> list[str]:
    try:
        return sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # a database not built by the migrations
        return []


def export_ente(conn: Connection, ente_code: str, out: Path, storage_root: Path) -> dict[str, Any]:
    ente = conn.execute(select(Ente.id, Ente.code, Ente.name).where(Ente.code == ente_code)).first()
    if ente is None:
        raise LookupError(f"unknown Ente {ente_code!r}")
    plans = scope.plan()
    fixes = scope.reference_fixes(conn, plans, ente.id)
    out = Path(out)
    partial = out.with_name(out.name + ".part")
    with tempfile.TemporaryDirectory(prefix="multe-export-") as work:
        keys = _KeySet(Path(work))
        sums_path = Path(work) / "SHA256SUMS"
        try:
            with open(sums_path, "w", encoding="utf-8") as sums, zipfile.ZipFile(
                    partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                tables = []
                for entry in plans:
                    if not entry.exported:
                        continue
                    tables.append(_write_table(conn, zf, sums, keys, entry, ente.id, plans,
                                               fixes.get(entry.name, [])))
                data_dictionary = dictionary.describe(plans)
                for name, content in (("data-dictionary.json", dictionary.as_json(data_dictionary)),
                                      ("data-dictionary.md", dictionary.markdown(data_dictionary))):
                    _write_bytes(zf, sums, name, content.encode("utf-8"))
                files = _write_files(zf, sums, keys, storage_root)
                sums.flush()
                sums_sha = hashlib.sha256(sums_path.read_bytes()).hexdigest()
                zf.write(sums_path, "SHA256SUMS")
                manifest = {
                    "format": FORMAT, "created_at": utcnow().isoformat(),
                    "ente": {"id": ente.id, "code": ente.code, "name": ente.name},
                    "schema": {"revisions": schema_revisions(conn)},
                    "tables": tables,
                    "files": files,
                    "excluded": {p.name: p.reason for p in plans if p.category == "excluded"},
                    "unclassified": [p.name for p in plans if p.category == "unclassified"],
                    "nulled_references": [
                        {"table": name, "column": fix.column, "target": fix.target,
                         "rows": fix.dangling}
                        for name, items in sorted(fixes.items()) for _fk, fix in items],
                    "sha256sums": sums_sha,
                }
                zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            keys.close()
    os.replace(partial, out)
    return manifest


def _write_bytes(zf: zipfile.ZipFile, sums, name: str, data: bytes) -> str:
    zf.writestr(name, data)
    digest = hashlib.sha256(data).hexdigest()
    sums.write(f"{digest}  {name}\n")
    return digest


def _write_table(conn: Connection, zf: zipfile.ZipFile, sums, keys: _KeySet,
                 entry: scope.TablePlan, ente_id: int, plans: list[scope.TablePlan],
                 fixes) -> dict[str, Any]:
    table = entry.table
    name = f"data/{table.name}.jsonl"
    redact = scope.REFERENCED_ONLY.get(table.name, {}) if entry.category == "referenced" else {}
    file_columns = storage_columns(table)
    json_columns = json_file_columns(table)
    stmt = scope.export_select(entry, ente_id, plans, fixes)
    rows = 0
    with zf.open(name, "w", force_zip64=True) as raw:
        member = _Hashing(raw)
        result = conn.execute(stmt, execution_options={"yield_per": BATCH, "stream_results": True})
        for mapping in result.mappings():
            row = dict(mapping)
            for column, value in redact.items():
                if column in row:
                    row[column] = value
            for column in file_columns:
                keys.add(row.get(column))
            for column in json_columns:
                for item in row.get(column) or []:
                    if isinstance(item, dict):
                        keys.add(item.get("storage_key") or item.get("key"))
            member.write((dumps(row) + "\n").encode("utf-8"))
            rows += 1
    digest = member.digest.hexdigest()
    sums.write(f"{digest}  {name}\n")
    return {"name": table.name, "category": entry.category, "scope": entry.scope_text(),
            "rows": rows, "file": name, "sha256": digest, "bytes": member.size,
            "columns": [c.name for c in table.columns]}


def _write_files(zf: zipfile.ZipFile, sums, keys: _KeySet, root: Path) -> dict[str, Any]:
    count = size = missing = 0
    missing_keys: list[str] = []
    base = root.resolve()
    for key in keys:
        clean = safe_key(key)
        path = (base / clean).resolve() if clean else None
        if path is None or base not in path.parents or not path.is_file():
            missing += 1
            if len(missing_keys) < MISSING_LISTED:
                missing_keys.append(key)
            continue
        name = f"files/{clean}"
        with open(path, "rb") as source, zf.open(name, "w", force_zip64=True) as raw:
            member = _Hashing(raw)
            shutil.copyfileobj(source, member)  # type: ignore[arg-type]
        sums.write(f"{member.digest.hexdigest()}  {name}\n")
        count += 1
        size += member.size
    return {"count": count, "bytes": size, "missing": missing, "missing_keys": missing_keys}
