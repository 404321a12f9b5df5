"""Producing one letter: check, gather the facts from the engine, compose, render, archive.

:func:`produce` is idempotent by the archive's unique key (verbale, kind, sequence): asking
again for a letter that exists returns it unchanged. Otherwise it

1. re-checks eligibility with the engine (:func:`core.letters.selection.check`);
2. prepares what the kind needs —
   * invito bonario: opens the payment offer: the verbale's day 0 becomes the letter date plus
     the template's ``invito_day0_after_days`` and its channel ``friendly_letter`` (status stays
     ``assessed``: the formal notification is still to come), so the pagoPA notice and the
     portal quote the offer; no costs are charged (tender 004);
   * verbale: adds the Ente's notification and procedure costs of the channel (registered post
     in Italy, international registered mail abroad) in force on the letter date, once;
   * access codes per the template's ``access_codes`` (a new credential: the password is
     printed on the letter and stored only as an argon2 hash);
   * the pagoPA notice (issued or reused) and, when the template says so, its PDF pages;
3. composes the text in the recipient's language (plus the Italian original for formal acts
   to foreign recipients), renders the PDF, appends the notice pages;
4. stores the file under a key fixed by (Ente, kind, verbale, sequence) — a run killed before
   its commit simply overwrites the orphan file next time — and archives a
   :class:`~core.models.Letter` with its SHA-256, pages and unique verification code.

It flushes and audits; the caller commits (the batch per chunk, the CLI at the end).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from core import audit, db, storage
from core.fines import DEADLINE_RULES, DISCOUNTED, HALF_MAXIMUM, MINIMUM, quote, roll_forward
from core.models import (
    AccessCredential,
    EnteCost,
    Letter,
    LetterKind,
    NoticeStatus,
    NotificationChannel,
    PaymentNotice,
    Verbale,
    VerbaleCost,
)
from core.pagopa.avviso import avviso_pdf
from core.pagopa.notice import make_notice_number
from core.pagopa.service import NoticeError, active_notice, ensure_notice, next_iuv_base
from core.positions import (
    build_position,
    confirmed_total,
    engine_inputs,
    ente_settings,
    local_today,
)
from core.security import hash_password

from . import codes
from .compose import compose
from .content import AmountLine, Facts, LetterContent
from .render import assemble, letter_pdf
from .selection import check
from .templates import Template, template_for


class NotEligible(ValueError):
    def __init__(self, verbale: Verbale, kind: str, reason: str):
        super().__init__(f"verbale {verbale.number}: no {kind} letter ({reason})")
        self.reason = reason


@dataclass(frozen=True)
class Produced:
    """The archived letter; ``content`` (what was printed, passwords included) only when it
    was produced by this call — it is never stored."""

    letter: Letter
    created: bool
    content: LetterContent | None = None


def storage_key(verbale: Verbale, kind: str, sequence: int) -> str:
    return f"letters/{verbale.ente.code}/{kind}/{verbale.id}-{sequence}.pdf"


def language_of(verbale: Verbale) -> str:
    lang = str(verbale.offender.language or "it")
    return lang if lang in current_app.config["LANGUAGES"] else "it"


def postal_channel(kind: str, abroad: bool) -> NotificationChannel:
    """The notification channel a printed letter of ``kind`` travels on."""
    if kind == LetterKind.INVITO_BONARIO:
        return NotificationChannel.FRIENDLY_LETTER
    return NotificationChannel.INTERNATIONAL_MAIL if abroad else NotificationChannel.POST


# -- preparation --------------------------------------------------------------------------


def _open_invito_offer(verbale: Verbale, template: Template, today: date) -> None:
    if verbale.notified_on is not None:
        return
    verbale.notified_on = today + timedelta(days=template.invito_day0_after_days)
    verbale.notification_channel = NotificationChannel.FRIENDLY_LETTER
    db.session.flush()
    audit.record("letters.invito_offer_opened", actor_type="system", actor_id=None,
                 object_type="verbale", object_id=verbale.id, ente_id=verbale.ente_id,
                 day0=verbale.notified_on.isoformat())


def _close_invito_offer(verbale: Verbale) -> None:
    """The formal notification replaces the invito's offer: day 0 will be the perfection of the
    notification (recorded by the notification tracking from the return receipt, PEC or SEND)."""
    if verbale.notification_channel != NotificationChannel.FRIENDLY_LETTER:
        return
    previous = verbale.notified_on
    verbale.notified_on = None
    verbale.notification_channel = None
    db.session.flush()
    audit.record("letters.invito_offer_closed", actor_type="system", actor_id=None,
                 object_type="verbale", object_id=verbale.id, ente_id=verbale.ente_id,
                 day0=previous.isoformat() if previous else None)


def _add_costs(verbale: Verbale, channel: NotificationChannel, today: date) -> list[VerbaleCost]:
    """The Ente's costs of ``channel`` in force ``today``, added once to the verbale."""
    if any(c.channel == channel for c in verbale.costs):
        return []
    rows = db.session.scalars(select(EnteCost).where(
        EnteCost.ente_id == verbale.ente_id, EnteCost.channel == channel,
        EnteCost.valid_from <= today,
        (EnteCost.valid_to.is_(None)) | (EnteCost.valid_to >= today)).order_by(EnteCost.id))
    added = []
    for row in rows:
        if row.amount > 0:
            cost = VerbaleCost(kind=row.kind, channel=channel, amount=row.amount)
            verbale.costs.append(cost)
            added.append(cost)
    if added:
        db.session.flush()
        audit.record("letters.costs_added", actor_type="system", actor_id=None,
                     object_type="verbale", object_id=verbale.id, ente_id=verbale.ente_id,
                     channel=str(channel), amounts=[str(c.amount) for c in added])
    return added


def _issue_credential(verbale: Verbale, template: Template) -> tuple[AccessCredential, str] | None:
    if template.access_codes == "never":
        return None
    person = verbale.offender
    if template.access_codes == "if_missing" and db.session.scalar(
            select(AccessCredential.id).where(AccessCredential.person_id == person.id)):
        return None
    password = codes.new_password()
    credential = AccessCredential(person_id=person.id,
                                  username=codes.new_username(verbale.ente.code),
                                  password_hash=hash_password(password))
    db.session.add(credential)
    db.session.flush()
    audit.record("citizen.credential_issued", actor_type="system", actor_id=None,
                 object_type="access_credential", object_id=credential.id,
                 ente_id=verbale.ente_id, person_id=person.id, via="letter")
    return credential, password


def notice_for_letter(verbale: Verbale) -> PaymentNotice:
    """The verbale's active pagoPA notice, issued when missing even though nothing is payable
    yet: a formal notification prints its notice number, and the creditor's SOAP service
    answers with the amount of the day once the notification is perfected."""
    existing = active_notice(verbale.id)
    if existing is not None:
        return existing
    try:
        return ensure_notice(verbale, local_today(verbale.ente))
    except NoticeError:
        pass
    ente = verbale.ente
    number = make_notice_number(ente.segregation_code, next_iuv_base(ente.id))
    notice = PaymentNotice(ente_id=ente.id, verbale_id=verbale.id, notice_number=number.value,
                           iuv=number.iuv, status=NoticeStatus.ACTIVE)
    db.session.add(notice)
    db.session.flush()
    audit.record("pagopa.notice_issued", actor_type="system", actor_id=None,
                 object_type="payment_notice", object_id=notice.id, ente_id=ente.id,
                 verbale_id=verbale.id, notice_number=notice.notice_number, iuv=notice.iuv,
                 reason="letter")
    return notice


# -- facts --------------------------------------------------------------------------------


def _dated_lines(windows) -> tuple[AmountLine, ...]:
    """Windows up to the first half-maximum one (later ones only add the surcharge)."""
    lines = []
    for w in windows:
        lines.append(AmountLine(w.tier, w.total, w.sanction, w.surcharge, first=w.first,
                                last=w.last))
        if w.tier == HALF_MAXIMUM:
            break
    return tuple(lines)


def _projected_lines(windows, reduced_days: int, minimum_days: int) -> tuple[AmountLine, ...]:
    spans = {DISCOUNTED: (1, reduced_days), MINIMUM: (reduced_days + 1, minimum_days),
             HALF_MAXIMUM: (minimum_days + 1, None)}
    lines = []
    for w in windows:
        first, last = spans[w.tier]
        lines.append(AmountLine(w.tier, w.total, w.sanction, w.surcharge, first_day=first,
                                last_day=last))
        if w.tier == HALF_MAXIMUM:
            break
    return tuple(lines)


def _facts(verbale: Verbale, kind: str, template: Template, today: date, lang: str,
           code: str, notice: PaymentNotice | None,
           credential: tuple[AccessCredential, str] | None):
    settings = ente_settings(verbale.ente)
    rules = settings.fines
    person = verbale.offender
    abroad = person.resides_abroad
    position = build_position(verbale, today)
    extra: dict = {}
    if kind == LetterKind.VERBALE:
        # day 0 is the (future) perfection of this notification: the engine's timeline as if
        # notified on the letter date gives the amounts; the letter states days, not dates.
        violations, costs = engine_inputs(verbale)
        q = quote(violations, today, today, costs, confirmed_total(verbale), rules)
        lines = _projected_lines(q.windows, rules.reduced_window_days, rules.minimum_window_days)
        extra.update(
            projected=True,
            prefetto_days=DEADLINE_RULES["cds_203_60_days"].days,
            gdp_days=DEADLINE_RULES["cds_204bis_60_days_abroad" if abroad
                                    else "cds_204bis_30_days"].days,
            driver_data_days=(DEADLINE_RULES["cds_126bis_60_days"].days
                              if position.licence_points else None))
    else:
        q = position.quote
        if kind == LetterKind.INVITO_BONARIO:
            lines = _dated_lines(q.windows)
        else:
            lines = (AmountLine(q.tier, q.total, q.sanction, q.surcharge, first=q.on,
                                last=position.quote_valid_until),)
            due_by = (verbale.extra or {}).get("ingiunzione_due_by") \
                if kind == LetterKind.INGIUNZIONE else None
            extra["pay_by"] = (date.fromisoformat(due_by) if due_by else roll_forward(
                today + timedelta(days=template.days_to_pay), settings.calendar))
            extra["title_from"] = next((w.first for w in q.windows if w.tier == HALF_MAXIMUM),
                                       None)
        extra["projected"] = False
    surcharge = any(w.surcharge > 0 for w in q.windows) or (
        rules.surcharge_enabled and rules.surcharge_rate_per_semester > 0)
    return Facts(
        kind=str(kind), lang=lang, issue_date=today, verbale=verbale, person=person,
        template=template, verification_code=code, quote=q, lines=lines,
        surcharge_applies=surcharge and kind in (LetterKind.INVITO_BONARIO, LetterKind.VERBALE),
        reduced_days=rules.reduced_window_days, minimum_days=rules.minimum_window_days,
        discount_rate=rules.discount_rate, surcharge_rate=rules.surcharge_rate_per_semester,
        abroad=abroad, notified_on=verbale.notified_on,
        licence_points=position.licence_points,
        notice_number=notice.notice_number if notice else None,
        iuv=notice.iuv if notice else None,
        username=credential[0].username if credential else None,
        password=credential[1] if credential else None,
        **extra,
    ), position


# -- produce ------------------------------------------------------------------------------


def existing_letter(verbale_id: int, kind: str, sequence: int = 1) -> Letter | None:
    return db.session.scalars(select(Letter).where(
        Letter.verbale_id == verbale_id, Letter.kind == kind, Letter.sequence == sequence)
    ).one_or_none()


def produce(verbale: Verbale, kind: LetterKind | str, *, sequence: int = 1,
            today: date | None = None, batch_run_id: int | None = None,
            actor_type: str = "system", actor_id: int | None = None,
            check_eligibility: bool = True) -> Produced:
    """The letter ``kind``/``sequence`` of ``verbale``, produced now or found in the archive.

    Raises :class:`NotEligible` when the verbale is not due that letter today (unless the
    caller made its own selection: ``check_eligibility=False``)."""
    kind = LetterKind(kind)
    found = existing_letter(verbale.id, kind, sequence)
    if found is not None:
        return Produced(found, False)
    today = today or local_today(verbale.ente)
    reason = check(verbale, kind, today, sequence) if check_eligibility else None
    if reason is not None:
        raise NotEligible(verbale, kind, reason)
    template = template_for(verbale.ente, kind)
    lang = language_of(verbale)
    abroad = verbale.offender.resides_abroad

    if kind == LetterKind.INVITO_BONARIO:
        _open_invito_offer(verbale, template, today)
    elif kind == LetterKind.VERBALE:
        _close_invito_offer(verbale)
        _add_costs(verbale, postal_channel(kind, abroad), today)
    credential = _issue_credential(verbale, template)
    attach = template.attach_avviso and kind != LetterKind.VERBALE
    try:
        notice = ensure_notice(verbale, today) if attach else notice_for_letter(verbale)
    except NoticeError as error:
        raise NotEligible(verbale, kind, "not_payable") from error

    code = codes.new_verification_code()
    facts, position = _facts(verbale, kind, template, today, lang, code, notice, credential)
    content = compose(facts)
    attachments = [avviso_pdf(notice, position, lang, today)] if attach else []
    data, pages = assemble(letter_pdf(content, template.logo_key, author=verbale.ente.name),
                           attachments)
    key = storage_key(verbale, kind, sequence)
    stored = storage.save(key, data)
    letter = Letter(
        ente_id=verbale.ente_id, verbale_id=verbale.id, person_id=verbale.offender_id, kind=kind,
        sequence=sequence, language=lang, verification_code=code, storage_key=stored.key,
        sha256=stored.sha256, pages=pages, batch_run_id=batch_run_id,
        details={
            "issue_date": today.isoformat(),
            "languages": list(content.languages),
            "title": content.title,
            "recipient": facts.person.display_name,
            "notice_number": facts.notice_number,
            "iuv": facts.iuv,
            "credential_id": credential[0].id if credential else None,
            "username": facts.username,
            "total": str(facts.quote.total),
            "costs": str(facts.quote.costs_total),
            "surcharge": str(facts.quote.surcharge),
            "amounts": [str(line.total) for line in facts.lines],
            "projected": facts.projected,
            "pay_by": facts.pay_by.isoformat() if facts.pay_by else None,
            "attachments": ["pagopa_avviso"] if attachments else [],
            "bytes": stored.size,
        },
    )
    db.session.add(letter)
    db.session.flush()
    audit.record("letters.produced", actor_type=actor_type, actor_id=actor_id,
                 object_type="letter", object_id=letter.id, ente_id=verbale.ente_id,
                 verbale_id=verbale.id, kind=str(kind), sequence=sequence, language=lang,
                 sha256=stored.sha256, batch_run_id=batch_run_id)
    return Produced(letter, True, content)


def verify_file(letter: Letter) -> bool:
    """The archived file is intact: its SHA-256 equals the one recorded."""
    try:
        data = storage.read(letter.storage_key)
    except (storage.StorageError, OSError):
        return False
    return hashlib.sha256(data).hexdigest() == letter.sha256



def produce_letter(verbale: Verbale, kind: LetterKind | str, *, batch_run_id: int | None = None,
                   sequence: int = 1, today: date | None = None) -> Letter:
    """For services with their own selection (e.g. :mod:`core.enforcement`): the archived
    letter, produced when missing, without this module's eligibility rules."""
    return produce(verbale, kind, sequence=sequence, today=today, batch_run_id=batch_run_id,
                   check_eligibility=False).letter
