"""``flask --app wsgi export ente CODE OUT.zip``, ``export restore IN.zip`` and
``export dictionary OUT_DIR``.

``ente`` writes the full export of one Ente (see :mod:`.archive`) and prints a JSON summary
(tables and row counts, stored files, the archive's SHA-256); on PostgreSQL it reads from one
REPEATABLE READ snapshot. ``restore`` checks every checksum, then loads the archive into the
configured database — which must be fresh (migrated to head, no Ente) — and the configured
storage, in one transaction. ``dictionary`` writes ``data-dictionary.md`` and ``.json`` alone.
Bad input gives one ``error: …`` line on stderr and exit code 2.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click
from flask import current_app

from core import audit, db
from core.fines.cli import OneLineErrorGroup

from . import dictionary
from .archive import export_ente
from .restore import restore

export_cli = OneLineErrorGroup("export", help="Export of an Ente's data at contract end, restore.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@export_cli.command("ente")
@click.argument("code")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def ente(code: str, out: Path) -> None:
    """Write the full export of the Ente CODE to OUT (a ZIP file)."""
    options = None
    if db.session.get_bind().dialect.name == "postgresql" and not current_app.testing:
        options = {"isolation_level": "REPEATABLE READ"}
    conn = db.session.connection(execution_options=options) if options else db.session.connection()
    manifest = export_ente(conn, code, out, Path(current_app.config["STORAGE_DIR"]))
    db.session.rollback()  # end the read snapshot
    sha256 = _sha256(out)
    audit.record("ente.exported", actor_type="system", actor_id=None, object_type="ente",
                 object_id=manifest["ente"]["id"], ente_id=manifest["ente"]["id"],
                 file=out.name, sha256=sha256)
    db.session.commit()
    click.echo(json.dumps({
        "file": str(out), "sha256": sha256, "bytes": out.stat().st_size,
        "ente": manifest["ente"]["code"],
        "tables": {t["name"]: t["rows"] for t in manifest["tables"]},
        "files": manifest["files"]["count"], "missing_files": manifest["files"]["missing"],
        "unclassified": manifest["unclassified"],
        "nulled_references": manifest["nulled_references"],
    }, ensure_ascii=False))


@export_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Load ARCHIVE into this (fresh) database and storage, checksums verified first."""
    try:
        report = restore(db.session.connection(), archive, Path(current_app.config["STORAGE_DIR"]))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(json.dumps(report, ensure_ascii=False))


@export_cli.command("dictionary")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def dictionary_command(folder: Path) -> None:
    """Write data-dictionary.md and data-dictionary.json into FOLDER."""
    folder.mkdir(parents=True, exist_ok=True)
    described = dictionary.describe()
    (folder / "data-dictionary.json").write_text(dictionary.as_json(described), encoding="utf-8")
    (folder / "data-dictionary.md").write_text(dictionary.markdown(described), encoding="utf-8")
    click.echo(json.dumps({"tables": len(described["tables"]), "folder": str(folder)}))
