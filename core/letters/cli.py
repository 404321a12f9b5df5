"""``flask --app wsgi letters …``: letter runs, print batches, tracking files, return receipts
and the per-Ente templates.

* ``letters generate --ente CODE --kind invito_bonario|verbale|ultimo_avviso|ingiunzione
  [--limit N] [--sequence N] [--date YYYY-MM-DD]`` — produce the letters every eligible verbale
  is due, with a progress bar; prints the run id and the counts.
* ``letters resume RUN_ID`` — continue a run (letters or print batch) that was interrupted.
* ``letters print-batch --ente CODE --kind K [--out PATH]`` — the ZIP (PDFs + manifest.csv)
  of the letters not yet printed; ``--out`` copies it to PATH.
* ``letters tracking-import FILE.csv [--ente CODE]`` — the postal operator's tracking file.
* ``letters receipt VERBALE_NUMBER SCAN [--delivered-on YYYY-MM-DD] [--ente CODE] [--kind K]``
  — record the return receipt of a registered letter.
* ``letters template --ente CODE [--kind K] [--set KEY=JSON …] [--unset KEY …]`` — show the
  effective template, or change the Ente's overrides.

Bad input gives one ``error: …`` line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click
from sqlalchemy import select

from core import db, storage, uploads
from core.fines.cli import OneLineErrorGroup
from core.models import BatchRun, LetterKind, Verbale
from core.positions import local_today

from . import batch, postal, returns, templates, tracking
from .batch import ente_by_code

letters_cli = OneLineErrorGroup("letters", help="Letters: runs, print batches, receipts.")

KIND_CHOICE = click.Choice([k.value for k in templates.KINDS])


def _drive(run: BatchRun, runner, label: str) -> BatchRun:
    state = {"seen": run.done + run.failed}
    with click.progressbar(length=run.total or 0, label=label, show_pos=True,
                           file=sys.stderr) as bar:
        bar.update(state["seen"])

        def progress(current: BatchRun) -> None:
            seen = current.done + current.failed
            bar.update(seen - state["seen"])
            state["seen"] = seen

        return runner(run.id, on_progress=progress)


def _summary(run: BatchRun) -> None:
    click.echo(f"run {run.id} {run.status}: {run.done} done, {run.failed} failed")
    for key, value in sorted((run.result or {}).items()):
        if key == "errors":
            for line in value:
                click.echo(f"  error: {line}")
        else:
            click.echo(f"  {key}: {value}")


@letters_cli.command("generate")
@click.option("--ente", "ente_code", required=True, help="Ente code.")
@click.option("--kind", required=True, type=KIND_CHOICE)
@click.option("--limit", type=click.IntRange(min=1), default=None)
@click.option("--sequence", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Letter date (default: today in the Ente's timezone).")
def generate(ente_code: str, kind: str, limit: int | None, sequence: int, on) -> None:
    """Produce the letters of KIND for every eligible verbale of the Ente."""
    ente = ente_by_code(ente_code)
    today = on.date() if on else local_today(ente)
    run = batch.start(ente, kind, today=today, limit=limit, sequence=sequence,
                      created_by="cli")
    db.session.commit()
    run = _drive(run, batch.run, f"{kind} {ente.code}")
    _summary(run)


@letters_cli.command("resume")
@click.argument("run_id", type=int)
def resume(run_id: int) -> None:
    """Continue an interrupted letter run or print batch."""
    run = db.session.get(BatchRun, run_id)
    runners = {batch.RUN_KIND: batch.run, postal.RUN_KIND: postal.run}
    if run is None or run.kind not in runners:
        raise LookupError(f"no letter run or print batch {run_id}")
    run = _drive(run, runners[run.kind], run.label)
    _summary(run)


@letters_cli.command("print-batch")
@click.option("--ente", "ente_code", required=True)
@click.option("--kind", required=True, type=KIND_CHOICE)
@click.option("--out", type=click.Path(dir_okay=True, writable=True, path_type=Path),
              default=None, help="Copy the ZIP to this file or folder.")
def print_batch(ente_code: str, kind: str, out: Path | None) -> None:
    """ZIP of the PDFs not yet printed plus manifest.csv for the printer."""
    ente = ente_by_code(ente_code)
    run = postal.start(ente, kind, created_by="cli")
    db.session.commit()
    run = _drive(run, postal.run, f"print {kind} {ente.code}")
    _summary(run)
    zip_key = (run.result or {}).get("zip")
    if zip_key:
        path = storage.path_for(zip_key)
        click.echo(f"zip: {path}")
        if out is not None:
            target = out / path.name if out.is_dir() else out
            shutil.copyfile(path, target)
            click.echo(f"copied to: {target}")


@letters_cli.command("tracking-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ente", "ente_code", default=None)
def tracking_import(file: Path, ente_code: str | None) -> None:
    """Apply the postal operator's tracking file (see core.letters.tracking)."""
    ente = ente_by_code(ente_code) if ente_code else None
    with file.open(encoding="utf-8-sig", newline="") as handle:
        report = tracking.import_tracking(handle, ente, source=file.name)
    db.session.commit()
    click.echo(f"{report.applied} applied, {report.unchanged} unchanged, "
               f"{len(report.rejected)} rejected")
    for line, reason in report.rejected:
        click.echo(f"  line {line}: {reason}")


class _ScanFile:
    """A file from disk, shaped like an upload for :func:`core.uploads.check_files`."""

    def __init__(self, path: Path):
        self.filename = path.name
        self._path = path

    def read(self, size: int = -1) -> bytes:
        with self._path.open("rb") as handle:
            return handle.read(size)


@letters_cli.command("receipt")
@click.argument("verbale_number")
@click.argument("scan", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--delivered-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--ente", "ente_code", default=None, help="Needed when two Enti use the number.")
@click.option("--kind", type=KIND_CHOICE, default=None, help="Which letter (default: latest).")
def receipt(verbale_number: str, scan: Path, delivered_on, ente_code: str | None,
            kind: str | None) -> None:
    """Record the scanned return receipt of a registered letter."""
    stmt = select(Verbale).where(Verbale.number == verbale_number.strip())
    if ente_code:
        stmt = stmt.where(Verbale.ente_id == ente_by_code(ente_code).id)
    found = list(db.session.scalars(stmt.limit(2)))
    if not found:
        raise LookupError(f"unknown verbale {verbale_number!r}")
    if len(found) > 1:
        raise LookupError(f"verbale {verbale_number!r} exists in several Enti: give --ente")
    try:
        item = returns.record_return_receipt(found[0], [_ScanFile(scan)], delivered_on.date(),
                                             actor_type="system", actor_id=None, kind=kind)
    except (returns.ReceiptError, uploads.UploadError) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"receipt recorded: {item.barcode} delivered on {item.delivered_on} "
               f"({item.status})")


def _parse_setting(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"expected KEY=VALUE, got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw  # a bare string
    return key.strip(), value


@letters_cli.command("template")
@click.option("--ente", "ente_code", required=True)
@click.option("--kind", default=templates.ALL_KINDS, show_default=True,
              type=click.Choice([templates.ALL_KINDS] + [k.value for k in templates.KINDS]))
@click.option("--set", "settings", multiple=True, help="KEY=VALUE (JSON or a plain string).")
@click.option("--unset", multiple=True, help="KEY to remove from the overrides.")
def template(ente_code: str, kind: str, settings: tuple[str, ...], unset: tuple[str, ...]) -> None:
    """Show the effective letter template, or change the Ente's overrides."""
    ente = ente_by_code(ente_code)
    if settings or unset:
        values: dict[str, object] = dict(_parse_setting(s) for s in settings)
        values.update({key: None for key in unset})
        templates.set_overrides(ente, kind, values)
        db.session.commit()
    shown = LetterKind.VERBALE if kind == templates.ALL_KINDS else kind
    effective = templates.template_for(ente, shown)
    data = {f: getattr(effective, f) for f in templates.CONVERTERS}
    click.echo(json.dumps({"kind": str(shown), "overridden": list(effective.overridden),
                           "settings": data}, ensure_ascii=False, indent=2, default=str))

