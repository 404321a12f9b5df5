"""Loading an export into a fresh database (migrated to head), ids and relationships kept.

Before touching the database every member of the archive is read and checked against
``SHA256SUMS`` (itself checked against the manifest); a member missing, added or altered stops
the restore. The database must be at the archive's schema revision and hold no Ente. Tables are
loaded parents first (foreign keys to the same table, or closing a cycle, are filled in by a
second pass), in batches, streamed from the archive; global reference rows already present are
kept. On PostgreSQL the sequences are moved past the restored ids. The stored files go back into
the storage under their keys. The caller commits (one transaction: all or nothing).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Table, and_, bindparam, func, select, text
from sqlalchemy.engine import Connection

from core.imports.writer import write_rows
from core.models import Base

from .archive import FORMAT, safe_key, schema_revisions
from .values import converter

BATCH = 1000


class RestoreError(ValueError):
    pass


def _sha256_of_member(zf: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with zf.open(name) as member:
        while block := member.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify(zf: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, once every checksum matched."""
    names = set(zf.namelist())
    if "manifest.json" not in names or "SHA256SUMS" not in names:
        raise RestoreError("not an export: manifest.json or SHA256SUMS is missing")
    manifest = json.loads(zf.read("manifest.json"))
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"unknown export format {manifest.get('format')!r}")
    sums = zf.read("SHA256SUMS")
    if hashlib.sha256(sums).hexdigest() != manifest.get("sha256sums"):
        raise RestoreError("SHA256SUMS does not match the manifest")
    listed = set()
    for line in sums.decode("utf-8").splitlines():
        digest, _sep, name = line.partition("  ")
        if name not in names:
            raise RestoreError(f"{name} is listed but missing")
        if _sha256_of_member(zf, name) != digest:
            raise RestoreError(f"{name} does not match its SHA-256")
        listed.add(name)
    extra = names - listed - {"manifest.json", "SHA256SUMS"}
    if extra:
        raise RestoreError(f"members not listed in SHA256SUMS: {', '.join(sorted(extra)[:5])}")
    for table in manifest["tables"]:
        if table["file"] not in listed:
            raise RestoreError(f"{table['file']} is not checksummed")
    return manifest


def _order(tables: list[Table]) -> tuple[list[Table], dict[str, list[ForeignKey]]]:
    """Parents first; the foreign keys that must wait for a second pass (self references and
    nullable links that close a cycle)."""
    names = {t.name for t in tables}
    deferred: dict[str, list[ForeignKey]] = {}
    waits: dict[str, set[str]] = {}
    for table in tables:
        waits[table.name] = set()
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if parent == table.name:
                deferred.setdefault(table.name, []).append(fk)
            elif parent in names:
                waits[table.name].add(parent)
    by_name = {t.name: t for t in tables}
    ordered: list[Table] = []
    while waits:
        ready = sorted(n for n, parents in waits.items() if not parents)
        if not ready:  # a cycle: defer one nullable link of it
            name, fk = next(((n, fk) for n in sorted(waits) for fk in by_name[n].foreign_keys
                             if fk.column.table.name in waits and fk.parent.nullable
                             and fk.column.table.name != n), (None, None))
            if name is None or fk is None:
                raise RestoreError("the tables' foreign keys form a cycle without a nullable link")
            deferred.setdefault(name, []).append(fk)
            waits[name].discard(fk.column.table.name)
            continue
        for name in ready:
            ordered.append(by_name[name])
            del waits[name]
            for parents in waits.values():
                parents.discard(name)
    return ordered, deferred


def _lines(zf: zipfile.ZipFile, name: str):
    with zf.open(name) as member:
        for raw in io.TextIOWrapper(member, encoding="utf-8"):
            if raw.strip():
                yield json.loads(raw)


def _check_target(conn: Connection, manifest: dict[str, Any]) -> None:
    revisions = schema_revisions(conn)
    wanted = manifest["schema"]["revisions"]
    if wanted and revisions != wanted:
        raise RestoreError(f"the database is at revision {revisions}, the export at {wanted}: "
                           "migrate a fresh database to the same revision first")
    if conn.scalar(select(func.count()).select_from(Base.metadata.tables["ente"])):
        raise RestoreError("the database already holds Enti: restore into a fresh database")


def restore(conn: Connection, archive: Path, storage_root: Path) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as zf:
        manifest = verify(zf)
        _check_target(conn, manifest)
        metadata = Base.metadata
        entries = {t["name"]: t for t in manifest["tables"]}
        unknown = [name for name in entries if name not in metadata.tables]
        if unknown:
            raise RestoreError(f"tables unknown to this version: {', '.join(unknown)}")
        tables, deferred = _order([metadata.tables[name] for name in entries])
        counts = {}
        for table in tables:
            entry = entries[table.name]
            missing = [c for c in entry["columns"] if c not in table.c]
            if missing:
                raise RestoreError(f"{table.name}: columns unknown to this version: {missing}")
            counts[table.name] = _load(conn, zf, table, entry, deferred.get(table.name, []))
        for table in tables:
            if deferred.get(table.name):
                _second_pass(conn, zf, table, entries[table.name], deferred[table.name])
        if conn.dialect.name == "postgresql":
            _move_sequences(conn, tables)
        files = _restore_files(zf, storage_root)
    return {"ente": manifest["ente"], "tables": counts, "files": files}


def _load(conn: Connection, zf: zipfile.ZipFile, table: Table, entry: dict[str, Any],
          deferred: list[ForeignKey]) -> int:
    convert = {c.name: converter(c) for c in table.columns}
    later = {fk.parent.name for fk in deferred}
    keep_existing = entry["category"] == "reference"
    pk = list(table.primary_key.columns)
    batch: list[dict[str, Any]] = []
    written = 0

    def flush() -> int:
        rows = batch
        if keep_existing and rows and len(pk) == 1:
            present = set(conn.scalars(select(pk[0]).where(pk[0].in_([r[pk[0].name] for r in rows]))))
            rows = [r for r in rows if r[pk[0].name] not in present]
        write_rows(conn, table, rows)
        return len(rows)

    for record in _lines(zf, entry["file"]):
        row = {name: convert[name](value) for name, value in record.items()}
        for name in later:
            row[name] = None
        batch.append(row)
        if len(batch) >= BATCH:
            written += flush()
            batch = []
    written += flush()
    return written


def _second_pass(conn: Connection, zf: zipfile.ZipFile, table: Table, entry: dict[str, Any],
                 deferred: list[ForeignKey]) -> None:
    pk = list(table.primary_key.columns)
    columns = sorted({fk.parent.name for fk in deferred})
    statement = table.update().where(and_(*[c == bindparam(f"_pk_{c.name}") for c in pk])) \
        .values({name: bindparam(f"_v_{name}") for name in columns})
    convert = {c.name: converter(c) for c in table.columns}
    batch = []
    for record in _lines(zf, entry["file"]):
        if all(record.get(name) is None for name in columns):
            continue
        params = {f"_pk_{c.name}": convert[c.name](record[c.name]) for c in pk}
        params.update({f"_v_{name}": record.get(name) for name in columns})
        batch.append(params)
        if len(batch) >= BATCH:
            conn.execute(statement, batch)
            batch = []
    if batch:
        conn.execute(statement, batch)


def _move_sequences(conn: Connection, tables: list[Table]) -> None:
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement or pk[0].foreign_keys:
            continue
        sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                               {"t": table.name, "c": pk[0].name})
        if sequence:
            top = conn.scalar(select(func.max(pk[0])))
            if top:
                conn.execute(text("SELECT setval(CAST(:s AS regclass), :v)"),
                             {"s": sequence, "v": top})


def _restore_files(zf: zipfile.ZipFile, root: Path) -> int:
    base = root.resolve()
    count = 0
    for name in zf.namelist():
        if not name.startswith("files/") or name.endswith("/"):
            continue
        key = safe_key(name[len("files/"):])
        target = (base / key).resolve() if key else None
        if target is None or base not in target.parents:
            raise RestoreError(f"unsafe file name in the archive: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        with zf.open(name) as source, open(partial, "wb") as sink:
            shutil.copyfileobj(source, sink)
        partial.replace(target)
        count += 1
    return count
