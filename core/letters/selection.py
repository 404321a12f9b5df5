"""Which verbali are due which letter.

Each kind has a SQL pre-filter (:func:`candidates`, streamed by keyset on ``verbale.id``) and an
exact check with the engine (:func:`check`), run again on each verbale just before its letter is
produced, so a payment recorded meanwhile stops the letter.

* **invito bonario** — not yet notified (status ``assessed``, no day 0, not contested on the
  spot) and, by default, the offender lives abroad (template ``invito_for``).
* **verbale** (formal notification) — not yet notified and no invito due first; or an invito
  bonario was sent (channel ``friendly_letter``), its reduced-payment window is over and
  something is still due.
* **ultimo avviso** — notified, past the minimum window (the engine quotes half the maximum
  today), something due, no payment pending.
* **ingiunzione** — enrolled for enforcement (status ``enforcement``), something due, no payment
  pending.

Whatever the kind, a verbale that already has the letter (same kind and sequence) is never
selected again; sequence *n* > 1 needs letter *n − 1*.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import aliased, selectinload

from core import db
from core.fines import HALF_MAXIMUM, window_bounds
from core.models import (
    Ente,
    Letter,
    LetterKind,
    NotificationChannel,
    Person,
    Verbale,
    VerbaleStatus,
    VerbaleViolation,
)
from core.positions import PositionState, build_position, ente_settings

from .templates import Template, template_for

FRIENDLY = NotificationChannel.FRIENDLY_LETTER


class Reason:
    """Why a verbale gets no letter (stable keys, shown in batch results)."""

    EXISTS = "already_produced"
    NOTIFIED = "already_notified"
    INVITO_FIRST = "invito_bonario_first"
    NO_INVITO = "invito_not_for_this_recipient"
    OFFER_OPEN = "invito_offer_still_open"
    NOTHING_DUE = "nothing_due"
    NOT_YET = "not_past_the_minimum_window"
    PENDING = "payment_pending"
    STATUS = "wrong_status"
    PREVIOUS = "previous_letter_missing"


def _invito_target(policy: str, person):
    if policy == "all":
        return True
    if policy == "none":
        return False
    return person.country != "IT"


def _sql_filter(kind: str, invito_policy: str, today: date, reduced_days: int,
                minimum_days: int):
    not_notified = and_(Verbale.status == VerbaleStatus.ASSESSED, Verbale.notified_on.is_(None),
                        Verbale.contested_on_spot.is_(False))
    if kind == LetterKind.INVITO_BONARIO:
        if invito_policy == "none":
            return false()
        if invito_policy == "abroad":
            return and_(not_notified, Person.country != "IT")
        return not_notified
    if kind == LetterKind.VERBALE:
        after_invito = and_(Verbale.notification_channel == FRIENDLY,
                            Verbale.status.in_((VerbaleStatus.ASSESSED, VerbaleStatus.NOTIFIED)),
                            Verbale.notified_on < today - timedelta(days=reduced_days))
        if invito_policy == "none":
            return or_(not_notified, after_invito)
        if invito_policy == "abroad":
            return or_(and_(not_notified, Person.country == "IT"), after_invito)
        return after_invito
    if kind == LetterKind.ULTIMO_AVVISO:
        return and_(Verbale.status == VerbaleStatus.NOTIFIED, Verbale.notified_on.is_not(None),
                    Verbale.notified_on < today - timedelta(days=minimum_days),
                    or_(Verbale.notification_channel.is_(None),
                        Verbale.notification_channel != FRIENDLY))
    if kind == LetterKind.INGIUNZIONE:
        return Verbale.status == VerbaleStatus.ENFORCEMENT
    raise ValueError(f"unknown letter kind {kind!r}")


def loaded():
    return (
        selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
        selectinload(Verbale.costs), selectinload(Verbale.payments),
        selectinload(Verbale.ente), selectinload(Verbale.offender),
    )


def candidate_query(ente: Ente, kind: str, today: date, sequence: int = 1):
    """The SQL pre-filter: verbali of ``ente`` that may be due letter ``kind``/``sequence``."""
    rules = ente_settings(ente).fines
    policy = template_for(ente, LetterKind.INVITO_BONARIO).invito_for
    same = aliased(Letter)
    stmt = (select(Verbale).join(Person, Person.id == Verbale.offender_id)
            .where(Verbale.ente_id == ente.id,
                   _sql_filter(kind, policy, today, rules.reduced_window_days,
                               rules.minimum_window_days),
                   ~exists().where(same.verbale_id == Verbale.id, same.kind == kind,
                                   same.sequence == sequence)))
    if sequence > 1:
        previous = aliased(Letter)
        stmt = stmt.where(exists().where(previous.verbale_id == Verbale.id,
                                         previous.kind == kind,
                                         previous.sequence == sequence - 1))
    return stmt


def candidates(ente: Ente, kind: str, today: date, *, after_id: int = 0, limit: int = 50,
               sequence: int = 1) -> Iterator[Verbale]:
    """Up to ``limit`` candidates with ``id > after_id``, in id order (keyset), streamed."""
    stmt = (candidate_query(ente, kind, today, sequence).where(Verbale.id > after_id)
            .order_by(Verbale.id).limit(limit).options(*loaded())
            .execution_options(yield_per=limit))
    yield from db.session.scalars(stmt)


def check(verbale: Verbale, kind: str, today: date, sequence: int = 1,
          invito: Template | None = None) -> str | None:
    """``None`` when ``verbale`` is due letter ``kind`` today, else a :class:`Reason`."""
    same = db.session.scalar(select(Letter.id).where(
        Letter.verbale_id == verbale.id, Letter.kind == kind, Letter.sequence == sequence))
    if same is not None:
        return Reason.EXISTS
    if sequence > 1 and db.session.scalar(select(Letter.id).where(
            Letter.verbale_id == verbale.id, Letter.kind == kind,
            Letter.sequence == sequence - 1)) is None:
        return Reason.PREVIOUS
    policy = (invito or template_for(verbale.ente, LetterKind.INVITO_BONARIO)).invito_for
    person = verbale.offender
    not_notified = (verbale.status == VerbaleStatus.ASSESSED and verbale.notified_on is None
                    and not verbale.contested_on_spot)
    if kind == LetterKind.INVITO_BONARIO:
        if not not_notified:
            return Reason.NOTIFIED
        return None if _invito_target(policy, person) else Reason.NO_INVITO
    if kind == LetterKind.VERBALE:
        if not_notified:
            return Reason.INVITO_FIRST if _invito_target(policy, person) else None
        if verbale.notification_channel != FRIENDLY or verbale.notified_on is None or \
                verbale.status not in (VerbaleStatus.ASSESSED, VerbaleStatus.NOTIFIED):
            return Reason.NOTIFIED
        rules = ente_settings(verbale.ente).fines
        if today <= window_bounds(verbale.notified_on, rules)[0]:
            return Reason.OFFER_OPEN
        position = build_position(verbale, today)
        if position.quote is None or position.quote.total <= 0:
            return Reason.NOTHING_DUE
        return Reason.PENDING if position.payment_pending else None
    if kind in (LetterKind.ULTIMO_AVVISO, LetterKind.INGIUNZIONE):
        wanted = (VerbaleStatus.NOTIFIED if kind == LetterKind.ULTIMO_AVVISO
                  else VerbaleStatus.ENFORCEMENT)
        if verbale.status != wanted or verbale.notified_on is None:
            return Reason.STATUS
        if kind == LetterKind.ULTIMO_AVVISO and verbale.notification_channel == FRIENDLY:
            return Reason.STATUS
        position = build_position(verbale, today)
        if position.quote is None or not position.payable:
            return Reason.NOTHING_DUE
        if kind == LetterKind.ULTIMO_AVVISO and position.quote.tier != HALF_MAXIMUM:
            return Reason.NOT_YET
        if position.state not in (PositionState.TO_PAY, PositionState.ENFORCEMENT):
            return Reason.STATUS
        return Reason.PENDING if position.payment_pending else None
    raise ValueError(f"unknown letter kind {kind!r}")
