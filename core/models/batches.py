"""Batch runs (imports, letters, notifications, reminders, reports) and form drafts.

A :class:`BatchRun` is the visible, resumable record of one piece of batch work: what it is,
for which Ente, how far it got (``done``/``failed`` of ``total``) and where to resume
(``cursor``, opaque to everyone but the batch's own code). Each batch commits its progress
together with the work of every chunk, so a worker killed midway resumes from the last
committed chunk and the items' own unique keys make a repeated item a no-op.

A :class:`FormDraft` keeps what a citizen typed in a long form (appeal, driver data,
instalments, public requests) between steps, across validation errors and expired sessions.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

from ._common import str_enum


class BatchStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BatchRun(Base):
    __tablename__ = "batch_run"
    __table_args__ = (Index("ix_batch_run_ente_created", "ente_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "import", "letters", "reminders"
    ente_id: Mapped[int | None] = mapped_column(ForeignKey("ente.id"))
    label: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus), default=BatchStatus.QUEUED)
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == BatchStatus.DONE else None
        return min(100, (self.done + self.failed) * 100 // self.total)


class FormDraft(Base):
    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("owner", "kind", "ref", name="uq_form_draft_owner_kind_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))  # "person:<id>" or "anon:<token>"
    kind: Mapped[str] = mapped_column(String(40))  # "appeal", "driver_data", "complaint", …
    ref: Mapped[str] = mapped_column(String(80), default="")  # e.g. the verbale id
    step: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
