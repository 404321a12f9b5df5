"""Work that must happen after the request's commit: e-mails, PDFs, batch jobs.

``enqueue(func, *args)`` schedules ``func`` for after the current transaction commits. Once the
commit succeeds the job goes to a Redis-backed RQ queue (separate worker processes,
``python -m core.worker``) when ``REDIS_URL`` is set, or runs inline right after the commit in
the embedded default. A rollback discards what was queued, so no e-mail ever reports work that
was not stored. Jobs are module-level callables with plain (picklable) arguments; they run in
an application context, use ``db.session`` and commit their own work.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from core import db

log = logging.getLogger(__name__)
_PENDING = "jobs_pending"  # queued inside the open transaction
_READY = "jobs_ready"  # their transaction committed


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    path = f"{func.__module__}:{func.__qualname__}"
    db.session().info.setdefault(_PENDING, []).append((path, args, kwargs))


@event.listens_for(Session, "after_commit")
def _promote(session: Session) -> None:
    jobs = session.info.pop(_PENDING, [])
    if jobs:
        session.info.setdefault(_READY, []).extend(jobs)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def run_ready() -> None:
    """Dispatch the jobs whose transaction committed (called after the request's commit)."""
    jobs = db.session().info.pop(_READY, [])
    if not jobs:
        return
    redis_url = current_app.config.get("REDIS_URL")
    for path, args, kwargs in jobs:
        if redis_url:
            _queue(redis_url).enqueue(run_job, current_app.config["APP_NAME"], path, args, kwargs)
        else:
            _execute(path, args, kwargs)


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _execute(path: str, args, kwargs) -> None:
    try:
        _resolve(path)(*args, **kwargs)
        db.session.commit()
    except Exception:  # a failed side job must not turn stored work into an error page
        db.session.rollback()
        log.exception("job %s failed", path)


def run_job(app_name: str, path: str, args, kwargs) -> None:
    """Entry point on an RQ worker: run the job inside an app context, raising on failure so
    RQ records it for retry. A synchronous queue (``RQ_ASYNC = False``, used by the tests on
    Redis) runs it inside the caller's app context."""
    if has_app_context() and current_app.config.get("APP_NAME") == app_name:
        _run_in_context(path, args, kwargs)
        return
    from core.factory import create_app

    with create_app(app_name).app_context():
        _run_in_context(path, args, kwargs)


def _run_in_context(path: str, args, kwargs) -> None:
    try:
        _resolve(path)(*args, **kwargs)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def _queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue("default", connection=Redis.from_url(redis_url),
                 is_async=current_app.config.get("RQ_ASYNC", True))
