"""``flask --app wsgi imports verbali FILE --ente CODE [--format csv|json|jsonl|device]``.

Imports a file of verbali (police software export, previous system's archive) or of device
events for one Ente, with a progress bar on stderr, and prints a JSON summary on stdout::

    {"import_id": 3, "batch_run_id": 12, "ente": "RHO", "file": "verbali.csv",
     "status": "done", "already_imported": false, "rows": 1000000, "imported": 999950,
     "skipped": 0, "rejected": 50, "people_created": …, "report": "/path/verbali.rejected.csv"}

The rejected rows (line, column, reason in ``--lang``) are written next to the file as
``<name>.rejected.csv``. Running the same command again resumes an interrupted import, or
reports ``"already_imported": true`` and changes nothing once it is done. ``--background``
only records the import and queues it (an RQ worker with ``REDIS_URL``, inline otherwise).
Bad input (unknown Ente, a file that cannot be imported) gives one ``error: …`` line on stderr
and exit code 2; an import that breaks off midway prints its summary and exits with 1.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import select

from core import batches, db, jobs
from core.fines.cli import OneLineErrorGroup
from core.models import BatchStatus, Ente

from . import service
from .fields import LANGUAGES

imports_cli = OneLineErrorGroup("imports", help="Import verbali and device events.")


def _ente(code: str) -> Ente:
    ente = db.session.scalars(select(Ente).where(Ente.code == code)).one_or_none()
    if ente is None:
        raise LookupError(f"unknown Ente {code!r}")
    return ente


def _report_next_to(file: Path, imp) -> str | None:
    source = service.report_path(imp)
    if source is None:
        return None
    target = file.with_name(f"{file.stem}.rejected.csv")
    shutil.copyfile(source, target)
    return str(target)


@imports_cli.command("verbali")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ente", "ente_code", required=True, help="Code of the Ente, e.g. RHO.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl", "device"]),
              help="Default: from the extension (.csv, .json, .jsonl).")
@click.option("--frames-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Where the device frames named in the file are (default: the file's folder).")
@click.option("--lang", default="it", type=click.Choice(LANGUAGES),
              help="Language of the rejection reasons.")
@click.option("--chunk-size", type=click.IntRange(1, 50_000), default=None,
              help="Records per committed chunk (default 1000).")
@click.option("--background", is_flag=True, help="Record and queue the import, do not run it here.")
def verbali(file: Path, ente_code: str, fmt: str | None, frames_dir: Path | None, lang: str,
            chunk_size: int | None, background: bool) -> None:
    """Import FILE for an Ente, resumably and idempotently."""
    ente = _ente(ente_code)
    if fmt == "device" and frames_dir is None:
        frames_dir = file.resolve().parent
    with force_locale(lang):
        try:
            started = service.begin(ente, file, fmt=fmt, frames_dir=frames_dir, lang=lang,
                                    chunk_size=chunk_size, created_by="cli", count=not background)
        except service.ImportRefused as error:
            raise click.UsageError(str(error)) from error
    imp, run = started.imp, started.run
    if started.created and background:
        service.schedule(run)
    db.session.commit()
    jobs.run_ready()
    if background or (not started.created and run.status == BatchStatus.DONE):
        db.session.refresh(run)
        click.echo(json.dumps(service.summary(imp, run, already_imported=not started.created),
                              ensure_ascii=False))
        return
    if run.total is None:
        run.total = service.sources.count_records(service.source_path(run.params),
                                                  run.params["container"])
        db.session.commit()
    seen = run.done + run.failed
    failed = False
    with click.progressbar(length=run.total or 0, label=f"{ente.code} {imp.filename}",
                           file=sys.stderr, show_pos=True) as bar:
        bar.update(seen)

        def progress(current) -> None:
            nonlocal seen
            now = current.done + current.failed
            bar.update(now - seen)
            seen = now

        try:
            run = batches.drive(run.id, service.import_chunk, on_progress=progress)
        except service.ImportFileError:
            failed = True
            run = db.session.get(type(run), run.id)
    out = service.summary(imp, run)
    out["report"] = _report_next_to(file, imp)
    click.echo(json.dumps(out, ensure_ascii=False))
    if failed:
        raise SystemExit(1)
