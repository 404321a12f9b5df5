"""Batch work of the notification channels, resumable through :mod:`core.batches`.

* :func:`start_send` records a ``notifications.send`` :class:`~core.models.BatchRun` for one
  Ente and channel (``send``, ``pec`` or ``email``) with an optional limit;
  :func:`run_send_batch` (a job: RQ worker or inline, or the CLI directly) drives it chunk by
  chunk over the eligible verbali in id order (:func:`core.notification.dispatches.eligible_query`),
  each chunk committed with its progress. Each verbale's dispatch is unique per channel, so a
  chunk replayed after a crash skips what was already handed over.
* :func:`poll_all` moves every open dispatch one step: SEND requests and timelines,
  PEC/e-mail retries due, ``sending`` dispatches left by a killed worker marked ``uncertain``,
  and the post / international perfections recorded by the postal batches. It commits after
  each dispatch.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from core import batches, db
from core.batches import Chunk
from core.db import utcnow
from core.models import (
    BatchRun,
    DispatchStatus,
    Ente,
    NotificationChannel,
    NotificationDispatch,
    Verbale,
)
from core.positions import local_today

from . import dispatches, pec, send_service, tracking
from .dispatches import CHANNELS, NotEligible
from .send_client import SendClient

log = logging.getLogger(__name__)
KIND_SEND = "notifications.send"
CHUNK_SIZE = 50
OK_OUTCOMES = {"requested", "sent", "retry", "skipped"}


def _chunk_size() -> int:
    return max(1, int(current_app.config.get("NOTIFICATION_CHUNK_SIZE", CHUNK_SIZE)))


def start_send(ente: Ente, channel: str, *, limit: int | None = None, today: date | None = None,
               created_by: str = "") -> BatchRun:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    if limit is not None and limit < 1:
        raise ValueError("the limit must be at least 1")
    eligible = dispatches.eligible_query(ente.id, CHANNELS[channel]).order_by(None).subquery()
    total = db.session.scalar(select(func.count()).select_from(eligible)) or 0
    if limit is not None:
        total = min(total, limit)
    return batches.start(KIND_SEND, ente_id=ente.id, label=f"{ente.code} {channel}",
                         params={"channel": channel, "limit": limit,
                                 "today": today.isoformat() if today else None},
                         total=total, created_by=created_by)


def _today(run: BatchRun, ente: Ente) -> date:
    given = (run.params or {}).get("today")
    return date.fromisoformat(given) if given else local_today(ente)


def send_one(verbale: Verbale, channel: NotificationChannel, today: date,
             client: SendClient | None = None) -> str:
    """Hand one verbale's act over (idempotent). Returns the dispatch's outcome."""
    if channel == NotificationChannel.SEND:
        letter = dispatches.act_of(verbale, channel)
        if letter is None:
            raise NotEligible("no letter to send")
        dispatch, _created = dispatches.get_or_create(verbale, channel, letter)
        return send_service.submit(dispatch, client or SendClient.from_config(current_app.config),
                                   today)
    dispatch, _created = pec.prepare(verbale, channel)
    return pec.hand_over(dispatch, today)


def send_chunk(run: BatchRun) -> Chunk:
    params = run.params or {}
    channel = CHANNELS[params["channel"]]
    ente = db.session.get(Ente, run.ente_id)
    limit = params.get("limit")
    size = _chunk_size()
    if limit is not None:
        size = min(size, int(limit) - run.done - run.failed)
    if size <= 0:
        return Chunk(more=False)
    last_id = int((run.cursor or {}).get("last_id", 0))
    stmt = dispatches.eligible_query(ente.id, channel).where(Verbale.id > last_id).limit(size)
    verbali = list(db.session.scalars(stmt))
    today = _today(run, ente)
    client = SendClient.from_config(current_app.config) if channel == NotificationChannel.SEND else None
    counts: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    for verbale in verbali:
        number, vid = verbale.number, verbale.id
        try:
            outcome = send_one(verbale, channel, today, client)
        except NotEligible as exc:
            outcome = "not_eligible"
            errors.append({"verbale": number, "error": str(exc)})
        counts[outcome] += 1
        last_id = vid
    done = sum(n for k, n in counts.items() if k in OK_OUTCOMES)
    failed = sum(counts.values()) - done
    more = len(verbali) == size and (limit is None or run.done + run.failed + done + failed < limit)
    result: dict[str, Any] = dict(counts)
    if errors:
        result["errors"] = errors
    return Chunk(done=done, failed=failed, cursor={"last_id": last_id}, more=more, result=result)


def run_send_batch(run_id: int) -> None:
    """Job: drive a ``notifications.send`` run to its end (resumes from its cursor)."""
    batches.drive(run_id, send_chunk)


def send_batch(ente: Ente, channel: str, *, limit: int | None = None, today: date | None = None,
               created_by: str = "cli", on_progress=None) -> BatchRun:
    """Start and drive a run now (the CLI): committed chunk by chunk."""
    run = start_send(ente, channel, limit=limit, today=today, created_by=created_by)
    db.session.commit()
    return batches.drive(run.id, send_chunk, on_progress=on_progress)


def poll_all(ente_id: int | None = None, *, today: date | None = None, limit: int = 1000,
             now: datetime | None = None) -> dict[str, Any]:
    """Move every open dispatch one step; commits after each. Returns counters."""
    now = now or utcnow()
    counts: Counter[str] = Counter()
    counts["uncertain"] += pec.mark_stale_sending(ente_id)
    db.session.commit()
    mail_channels = (NotificationChannel.PEC, NotificationChannel.FRIENDLY_LETTER)
    for dispatch in dispatches.due_retries(ente_id, mail_channels, now, limit):
        counts[f"mail_{pec.hand_over(dispatch, today or local_today(dispatch.ente))}"] += 1
        db.session.commit()
    open_statuses = (DispatchStatus.QUEUED, DispatchStatus.REQUESTED, DispatchStatus.ACCEPTED,
                     DispatchStatus.DELIVERED)
    stmt = (select(NotificationDispatch.id)
            .where(NotificationDispatch.channel == NotificationChannel.SEND,
                   NotificationDispatch.status.in_(open_statuses),
                   (NotificationDispatch.next_attempt_at.is_(None))
                   | (NotificationDispatch.next_attempt_at <= now))
            .order_by(NotificationDispatch.id).limit(limit))
    if ente_id is not None:
        stmt = stmt.where(NotificationDispatch.ente_id == ente_id)
    ids = list(db.session.scalars(stmt))
    client = SendClient.from_config(current_app.config) if ids else None
    for dispatch_id in ids:
        dispatch = db.session.get(NotificationDispatch, dispatch_id)
        try:
            outcome = send_service.poll(dispatch, client, today or local_today(dispatch.ente))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("notification poll of dispatch %s failed", dispatch_id)
            outcome = "error"
        counts[f"send_{outcome}"] += 1
    synced = tracking.sync_recorded_perfections(ente_id)
    db.session.commit()
    counts.update({f"post_{k}": v for k, v in synced.items() if v})
    return {k: v for k, v in counts.items() if v}


def run_poll(ente_id: int | None = None) -> None:
    """Job: :func:`poll_all` for one Ente (or all)."""
    poll_all(ente_id)
