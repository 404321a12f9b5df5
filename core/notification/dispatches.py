"""Dispatches: one hand-over of a verbale's act through one channel, idempotent.

A :class:`~core.models.NotificationDispatch` is unique per (verbale, channel, round): creating
one twice returns the first, so a batch replayed after a crash never notifies again. This
module holds what every channel shares — finding the act to send (the newest
:class:`~core.models.Letter` of kind ``verbale``, or ``invito_bonario`` for the informal
e-mail, read from storage and checked against its SHA-256), the eligibility queries, transient
errors with exponential backoff and permanent failures.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from core import audit, db, storage
from core.db import utcnow
from core.models import (
    DispatchStatus,
    Letter,
    LetterKind,
    NotificationChannel,
    NotificationDispatch,
    NotificationOutcome,
    Person,
    PostalItem,
    Verbale,
    VerbaleStatus,
)

from . import tracking

T = TypeVar("T")
MAX_ATTEMPTS = 8
# Dispatches still alive: while one exists no other channel notifies the same verbale.
LIVE = (DispatchStatus.QUEUED, DispatchStatus.SENDING, DispatchStatus.REQUESTED,
        DispatchStatus.ACCEPTED, DispatchStatus.SENT, DispatchStatus.DELIVERED,
        DispatchStatus.PERFECTED, DispatchStatus.UNCERTAIN)
FORMAL = (NotificationChannel.SEND, NotificationChannel.PEC, NotificationChannel.POST,
          NotificationChannel.INTERNATIONAL_MAIL)
# The CLI's channel names.
CHANNELS = {"send": NotificationChannel.SEND, "pec": NotificationChannel.PEC,
            "email": NotificationChannel.FRIENDLY_LETTER}


class NotEligible(ValueError):
    """This verbale cannot go through this channel (the text says why)."""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most a day."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 86_400))


def with_retries(call: Callable[[], T], retryable: type[BaseException] | tuple[type[BaseException], ...],
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``call``, retrying a few times within the job (``NOTIFICATION_RETRY_DELAYS``)."""
    delays = tuple(current_app.config.get("NOTIFICATION_RETRY_DELAYS", (1.0, 4.0)))
    for delay in delays:
        try:
            return call()
        except retryable:
            sleep(delay)
    return call()


def letter_kind(channel: NotificationChannel) -> LetterKind:
    return LetterKind.INVITO_BONARIO if channel == NotificationChannel.FRIENDLY_LETTER \
        else LetterKind.VERBALE


def act_of(verbale: Verbale, channel: NotificationChannel) -> Letter | None:
    """The act to send: the newest letter of the right kind for the offender (or for nobody)."""
    stmt = (select(Letter)
            .where(Letter.verbale_id == verbale.id, Letter.kind == letter_kind(channel),
                   (Letter.person_id.is_(None)) | (Letter.person_id == verbale.offender_id))
            .order_by(Letter.sequence.desc(), Letter.id.desc()).limit(1))
    return db.session.scalars(stmt).first()


def read_act(letter: Letter) -> bytes:
    """The letter's PDF, refused when it no longer matches the archived SHA-256."""
    try:
        content = storage.read(letter.storage_key)
    except (OSError, storage.StorageError) as exc:
        raise NotEligible(f"letter file missing ({letter.storage_key})") from exc
    if hashlib.sha256(content).hexdigest() != letter.sha256:
        raise NotEligible("letter file does not match its archived SHA-256")
    return content


def existing(verbale_id: int, channel: NotificationChannel, round_: int = 1
             ) -> NotificationDispatch | None:
    return db.session.scalars(select(NotificationDispatch).where(
        NotificationDispatch.verbale_id == verbale_id, NotificationDispatch.channel == channel,
        NotificationDispatch.round == round_)).first()


def get_or_create(verbale: Verbale, channel: NotificationChannel, letter: Letter | None, *,
                  address: str = "", message_id: str = "", round_: int = 1,
                  people: list[int] | None = None) -> tuple[NotificationDispatch, bool]:
    """The dispatch of (verbale, channel, round), created when missing; ``(dispatch, created)``."""
    found = existing(verbale.id, channel, round_)
    if found is not None:
        return found, False
    dispatch = NotificationDispatch(
        ente_id=verbale.ente_id, verbale_id=verbale.id, letter_id=letter.id if letter else None,
        channel=channel, round=round_, status=DispatchStatus.QUEUED,
        protocol_number=verbale.number, idempotence_token=f"multe-{verbale.id}-{channel}-{round_}",
        address=address, message_id=message_id, attempts=0, last_error="",
        details={"recipients": people or tracking.recipients_of(verbale)})
    try:
        with db.session.begin_nested():
            db.session.add(dispatch)
            db.session.flush()
    except IntegrityError:  # created meanwhile by another worker
        found = existing(verbale.id, channel, round_)
        if found is None:
            raise
        return found, False
    audit.record("notification.dispatch_created", actor_type="system", actor_id=None,
                 object_type="notification_dispatch", object_id=dispatch.id,
                 ente_id=verbale.ente_id, verbale_id=verbale.id, channel=str(channel))
    return dispatch, True


def set_details(dispatch: NotificationDispatch, **changes: Any) -> None:
    """JSON columns are not mutation-tracked: replace the dict."""
    dispatch.details = {**(dispatch.details or {}), **changes}


def recipients(dispatch: NotificationDispatch) -> list[int]:
    return list((dispatch.details or {}).get("recipients") or [dispatch.verbale.offender_id])


def events_for_all(dispatch: NotificationDispatch, outcome: NotificationOutcome, *,
                   reference: str = "", at: datetime | None = None, **details: Any) -> None:
    for person_id in recipients(dispatch):
        tracking.record_event(dispatch.verbale, person_id, dispatch.channel, outcome,
                              reference=reference, at=at, dispatch_id=dispatch.id, **details)


def transient(dispatch: NotificationDispatch, error: BaseException, *, step: str,
              now: datetime | None = None) -> str:
    """A failure worth retrying: count it, schedule the next attempt, give up after
    :data:`MAX_ATTEMPTS` hand-over attempts. Returns ``"retry"`` or ``"failed"``."""
    now = now or utcnow()
    dispatch.attempts += 1
    dispatch.last_error = f"{step}: {error}"[:2000]
    errors = list((dispatch.details or {}).get("errors") or [])[-19:]
    errors.append({"at": now.isoformat(), "step": step, "error": str(error)[:500]})
    set_details(dispatch, errors=errors)
    handing_over = dispatch.status in (DispatchStatus.QUEUED, DispatchStatus.SENDING)
    if handing_over and dispatch.attempts >= MAX_ATTEMPTS:
        return permanent(dispatch, error, step=step)
    dispatch.next_attempt_at = now + backoff(dispatch.attempts)
    if handing_over:
        dispatch.status = DispatchStatus.QUEUED
        events_for_all(dispatch, NotificationOutcome.QUEUED, step=step, error=str(error)[:500],
                       retry_at=dispatch.next_attempt_at)
    return "retry"


def permanent(dispatch: NotificationDispatch, error: BaseException | str, *, step: str,
              status: DispatchStatus = DispatchStatus.FAILED, **details: Any) -> str:
    dispatch.status = status
    dispatch.next_attempt_at = None
    dispatch.last_error = f"{step}: {error}"[:2000]
    events_for_all(dispatch, NotificationOutcome.FAILED, reference=dispatch.iun or dispatch.message_id,
                   step=step, error=str(error)[:500], **details)
    audit.record(f"notification.{status.value}", actor_type="system", actor_id=None,
                 object_type="notification_dispatch", object_id=dispatch.id,
                 ente_id=dispatch.ente_id, verbale_id=dispatch.verbale_id,
                 channel=str(dispatch.channel), step=step, error=str(error)[:500])
    return str(status)


def handed_over(dispatch: NotificationDispatch, today: date) -> bool:
    """Record the hand-over date and check the art. 201 term (formal channels only)."""
    dispatch.sent_on = dispatch.sent_on or today
    if dispatch.channel in FORMAL:
        return tracking.flag_if_late(dispatch.verbale, dispatch.sent_on, dispatch.channel)
    return False


# -- eligibility ---------------------------------------------------------------------------


def eligible_query(ente_id: int, channel: NotificationChannel):
    """Verbali of the Ente this channel may notify now, in id order (without the cursor)."""
    offender = aliased(Person)
    if channel == NotificationChannel.FRIENDLY_LETTER:
        live = exists().where(NotificationDispatch.verbale_id == Verbale.id,
                              NotificationDispatch.channel == channel)
    else:
        # any formal channel still alive, or this channel already tried (a refused or failed
        # dispatch is for a person to look at, never resent automatically)
        live = exists().where(NotificationDispatch.verbale_id == Verbale.id,
                              ((NotificationDispatch.status.in_(LIVE))
                               & (NotificationDispatch.channel.in_(FORMAL)))
                              | (NotificationDispatch.channel == channel))
    if channel != NotificationChannel.FRIENDLY_LETTER:
        # a formal act already handed to the postal operator (and not failed) is not sent again
        posted = (exists().where(PostalItem.verbale_id == Verbale.id,
                                 PostalItem.letter_id == Letter.id,
                                 Letter.kind == LetterKind.VERBALE,
                                 PostalItem.status.notin_((NotificationOutcome.FAILED,
                                                           NotificationOutcome.RETURNED))))
        live = live | posted
    has_act = exists().where(Letter.verbale_id == Verbale.id, Letter.kind == letter_kind(channel))
    stmt = (select(Verbale)
            .join(offender, offender.id == Verbale.offender_id)
            .where(Verbale.ente_id == ente_id, Verbale.status == VerbaleStatus.ASSESSED,
                   Verbale.notified_on.is_(None), Verbale.contested_on_spot.is_(False),
                   has_act, ~live)
            .order_by(Verbale.id)
            .options(selectinload(Verbale.ente), selectinload(Verbale.offender),
                     selectinload(Verbale.owner), selectinload(Verbale.costs)))
    if channel == NotificationChannel.SEND:
        # SEND reaches people with an Italian tax id; residents abroad go by international mail.
        stmt = stmt.where(offender.country == "IT", offender.fiscal_code.is_not(None))
    elif channel == NotificationChannel.PEC:
        stmt = stmt.where(offender.pec.is_not(None), offender.pec != "")
    elif channel == NotificationChannel.FRIENDLY_LETTER:
        stmt = stmt.where(offender.email.is_not(None), offender.email != "")
    return stmt


def due_retries(ente_id: int | None, channels: tuple[NotificationChannel, ...],
                now: datetime, limit: int):
    stmt = (select(NotificationDispatch)
            .where(NotificationDispatch.status == DispatchStatus.QUEUED,
                   NotificationDispatch.channel.in_(channels),
                   (NotificationDispatch.next_attempt_at.is_(None))
                   | (NotificationDispatch.next_attempt_at <= now))
            .order_by(NotificationDispatch.id).limit(limit))
    if ente_id is not None:
        stmt = stmt.where(NotificationDispatch.ente_id == ente_id)
    return list(db.session.scalars(stmt))
