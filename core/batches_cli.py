"""``flask --app wsgi batches list`` and ``flask --app wsgi batches resume ID``.

``list`` prints the latest batch runs (one JSON object per line with ``--json``, a table
otherwise). ``resume`` drives a queued, failed or interrupted run to its end in this process,
from its last committed chunk, and prints its state as JSON; a run already done is left alone.

Which code resumes a run: the ``"job"`` entry of its params (``"module:function"``, a function
taking the run id, e.g. ``core.imports.service:run_import``), else the :data:`KNOWN_JOBS` entry
of its kind. Batches that want ``resume`` should record their job in ``params["job"]``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy import select

from core import db, jobs
from core.fines.cli import OneLineErrorGroup
from core.models import BatchRun, BatchStatus, Ente

KNOWN_JOBS = {"import": "core.imports.service:run_import"}

batches_cli = OneLineErrorGroup("batches", help="Batch runs: list and resume.")


def job_of(run: BatchRun) -> Callable[[int], Any]:
    path = (run.params or {}).get("job") or KNOWN_JOBS.get(run.kind)
    if not path or not isinstance(path, str) or ":" not in path:
        raise LookupError(f"no job is known to resume batch runs of kind {run.kind!r}")
    module, _sep, name = path.partition(":")
    if not module.startswith(("core.", "contact_center.", "portal.")):
        raise LookupError(f"refusing job {path!r} outside the application")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def as_dict(run: BatchRun, ente_code: str | None = None) -> dict[str, Any]:
    return {
        "id": run.id, "kind": run.kind, "ente": ente_code, "label": run.label,
        "status": str(run.status), "total": run.total, "done": run.done, "failed": run.failed,
        "percent": run.percent, "error": run.error or None, "result": run.result or {},
        "created_by": run.created_by,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


@batches_cli.command("list")
@click.option("--ente", "ente_code", help="Only the runs of this Ente.")
@click.option("--status", type=click.Choice([s.value for s in BatchStatus]))
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_runs(ente_code: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """The latest batch runs, newest first."""
    query = (select(BatchRun, Ente.code).outerjoin(Ente, Ente.id == BatchRun.ente_id)
             .order_by(BatchRun.created_at.desc(), BatchRun.id.desc()).limit(limit))
    if ente_code:
        ente_id = db.session.scalar(select(Ente.id).where(Ente.code == ente_code))
        if ente_id is None:
            raise LookupError(f"unknown Ente {ente_code!r}")
        query = query.where(BatchRun.ente_id == ente_id)
    if status:
        query = query.where(BatchRun.status == BatchStatus(status))
    for run, code in db.session.execute(query):
        if as_json:
            click.echo(json.dumps(as_dict(run, code), ensure_ascii=False))
            continue
        total = "?" if run.total is None else run.total
        click.echo(f"{run.id:>6}  {run.kind:<12} {str(run.status):<8} "
                   f"{run.done + run.failed:>9}/{total:<9} failed {run.failed:<7} "
                   f"{code or '-':<10} {run.label}")


@batches_cli.command("resume")
@click.argument("run_id", type=int)
def resume(run_id: int) -> None:
    """Continue batch run RUN_ID from its last committed chunk, here and now."""
    run = db.session.get(BatchRun, run_id)
    if run is None:
        raise LookupError(f"batch run {run_id} not found")
    if run.status != BatchStatus.DONE:
        job = job_of(run)
        try:
            job(run_id)
            db.session.commit()
        except Exception as error:  # the run records the failure; report it on one line
            db.session.rollback()
            run = db.session.get(BatchRun, run_id)
            click.echo(json.dumps(as_dict(run), ensure_ascii=False))
            raise click.ClickException(f"batch run {run_id} failed: {error}") from error
        jobs.run_ready()
        db.session.expire_all()
        run = db.session.get(BatchRun, run_id)
    code = db.session.scalar(select(Ente.code).where(Ente.id == run.ente_id)) if run.ente_id else None
    click.echo(json.dumps(as_dict(run, code), ensure_ascii=False))
