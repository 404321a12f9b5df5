"""Notifying a verbale through SEND and following it to perfection.

:func:`submit` hands a dispatch over: first it asks SEND whether a request with the same
``paProtocolNumber`` (the verbale number) and ``idempotenceToken`` (``multe-<verbale id>-send-
<round>``) already exists — an answer lost in a crash is found again, never sent twice —, then
preloads the act with its SHA-256, uploads it to the presigned URL, and submits the request
(recipients: the offender and a different jointly liable owner, each with the physical address
for the paper fallback and the PEC as digital domicile when known; the pagoPA notice with the
creditor's tax id on the offender; ``notificationFeePolicy``, ``physicalCommunicationType``,
``paFee``/``vat`` and the taxonomy code from the Ente's settings). A 409 (already submitted)
adopts the existing request.

:func:`poll` follows it: request status (``WAITING`` → ``ACCEPTED`` with the IUN, or
``REFUSED`` with the errors), then the notification's timeline — delivery, failure and view
events recorded on the verbale's timeline once each —, the perfection date per recipient
(:func:`core.notification.perfection.send_perfection`), the notification cost (SEND's price
for ``DELIVERY_MODE``, else the Ente's cost) and finally the verbale's day 0.

Transient failures (network, 5xx) are retried a few times within the job, then with
exponential backoff by later polls; refusals and 4xx answers are recorded as failures.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

from core.models import (
    DispatchStatus,
    Letter,
    NotificationChannel,
    NotificationDispatch,
    NotificationOutcome,
    Person,
    PersonKind,
    Verbale,
)
from core.pagopa.service import active_notice

from . import dispatches, tracking
from .dispatches import NotEligible, with_retries
from .perfection import parse_timestamp, send_perfection
from .send_client import SendClient, SendRejected, SendUnavailable, sha256_b64

SEND = NotificationChannel.SEND
# Timeline categories recorded as events on the verbale's timeline.
TIMELINE_OUTCOMES = {
    "DIGITAL_SUCCESS_WORKFLOW": (NotificationOutcome.DELIVERED, "digital"),
    "ANALOG_SUCCESS_WORKFLOW": (NotificationOutcome.DELIVERED, "paper"),
    "DIGITAL_FAILURE_WORKFLOW": (NotificationOutcome.FAILED, "digital"),
    "ANALOG_FAILURE_WORKFLOW": (NotificationOutcome.FAILED, "paper"),
    "COMPLETELY_UNREACHABLE": (NotificationOutcome.RETURNED, "paper"),
    "NOTIFICATION_VIEWED": (NotificationOutcome.VIEWED, "platform"),
}


def _denomination(name: str) -> str:
    """SEND's denomination: ISO Latin-1, no ``|`` and no control characters, ≤ 88."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(c if ord(c) < 256 else "?" for c in text)
    text = re.sub(r"[\x00-\x1f\x7f-\x9f|]", " ", text)
    return " ".join(text.split())[:88]


def recipient_payload(person: Person, *, notice_code: str | None = None,
                      creditor_tax_id: str = "", apply_cost: bool = False) -> dict[str, Any]:
    if not person.fiscal_code:
        raise NotEligible("recipient without an Italian tax id")
    if len((person.address_line or "").strip()) < 2 or len((person.city or "").strip()) < 2:
        raise NotEligible("recipient without a physical address")
    physical = {"address": person.address_line.strip(), "zip": (person.postal_code or "").strip(),
                "municipality": person.city.strip(), "province": (person.province or "").strip()}
    if person.country != "IT":
        physical["foreignState"] = person.country
    payload: dict[str, Any] = {
        "recipientType": "PG" if person.kind == PersonKind.LEGAL else "PF",
        "taxId": person.fiscal_code, "denomination": _denomination(person.display_name),
        "physicalAddress": physical,
    }
    if person.pec:
        payload["digitalDomicile"] = {"type": "PEC", "address": person.pec}
    if notice_code:
        payload["payments"] = [{"pagoPa": {"noticeCode": notice_code,
                                           "creditorTaxId": creditor_tax_id,
                                           "applyCost": apply_cost}}]
    return payload


def build_request(dispatch: NotificationDispatch, letter: Letter, content: bytes,
                  key: str, version_token: str) -> dict[str, Any]:
    verbale: Verbale = dispatch.verbale
    ente = verbale.ente
    settings = tracking.settings_for(ente)
    delivery_mode = settings.send_fee_policy == "DELIVERY_MODE"
    notice = active_notice(verbale.id)
    people = {verbale.offender_id: verbale.offender}
    if verbale.owner is not None:
        people[verbale.owner.id] = verbale.owner
    recipients = []
    for person_id in dispatches.recipients(dispatch):
        is_offender = person_id == verbale.offender_id
        recipients.append(recipient_payload(
            people[person_id],
            notice_code=notice.notice_number if notice is not None and is_offender else None,
            creditor_tax_id=ente.fiscal_code, apply_cost=delivery_mode))
    body: dict[str, Any] = {
        "idempotenceToken": dispatch.idempotence_token,
        "paProtocolNumber": dispatch.protocol_number,
        "subject": f"Verbale di accertamento n. {verbale.number}"[:134],
        "abstract": "Notifica del verbale di accertamento di violazione al Codice della Strada",
        "recipients": recipients,
        "documents": [{"digests": {"sha256": sha256_b64(content)},
                       "contentType": "application/pdf",
                       "ref": {"key": key, "versionToken": version_token},
                       "title": f"Verbale {verbale.number}", "docIdx": "0"}],
        "notificationFeePolicy": settings.send_fee_policy,
        "physicalCommunicationType": settings.send_physical_type,
        "senderDenomination": _denomination(ente.name),
        "senderTaxId": ente.fiscal_code,
        "taxonomyCode": settings.send_taxonomy_code,
        "pagoPaIntMode": "NONE",
    }
    if delivery_mode:
        body["paFee"] = settings.send_pa_fee_cents
        body["vat"] = settings.send_vat_percent
    return body


# -- hand-over -----------------------------------------------------------------------------


def submit(dispatch: NotificationDispatch, client: SendClient, today: date) -> str:
    """Hand the dispatch to SEND. Returns ``requested``, ``retry``, ``failed`` or ``skipped``."""
    if dispatch.status != DispatchStatus.QUEUED:
        return "skipped"
    try:
        found = with_retries(lambda: client.request_status(
            protocol_number=dispatch.protocol_number,
            idempotence_token=dispatch.idempotence_token), SendUnavailable)
        if found is not None:
            return _requested(dispatch, found.request_id, today, adopted=True)
        letter = dispatch.letter
        if letter is None:
            return dispatches.permanent(dispatch, "no act to send", step="act")
        content = dispatches.read_act(letter)
        slot = with_retries(lambda: client.preload([("doc0", content, "application/pdf")])[0],
                            SendUnavailable)
        version = with_retries(lambda: client.upload(slot, content), SendUnavailable)
        body = build_request(dispatch, letter, content, slot.key, version)
        try:
            answer = with_retries(lambda: client.create_request(body), SendUnavailable)
        except SendRejected as exc:
            if exc.status != 409:
                raise
            found = with_retries(lambda: client.request_status(
                protocol_number=dispatch.protocol_number,
                idempotence_token=dispatch.idempotence_token), SendUnavailable)
            if found is None:
                raise
            return _requested(dispatch, found.request_id, today, adopted=True)
        document = {"key": slot.key, "versionToken": version, "letter_id": letter.id,
                    "sha256": body["documents"][0]["digests"]["sha256"]}
        dispatches.set_details(dispatch, document=document,
                               fee_policy=body["notificationFeePolicy"])
        return _requested(dispatch, str(answer["notificationRequestId"]), today)
    except SendUnavailable as exc:
        return dispatches.transient(dispatch, exc, step="submit")
    except SendRejected as exc:
        return dispatches.permanent(dispatch, exc, step="submit", problem=exc.problem)
    except NotEligible as exc:
        return dispatches.permanent(dispatch, exc, step="act")


def _requested(dispatch: NotificationDispatch, request_id: str, today: date, *,
               adopted: bool = False) -> str:
    dispatch.request_id = request_id
    dispatch.status = DispatchStatus.REQUESTED
    dispatch.attempts += 1
    dispatch.next_attempt_at = None
    dispatch.last_error = ""
    dispatches.events_for_all(dispatch, NotificationOutcome.QUEUED, reference=request_id,
                              step="request_submitted", adopted=adopted)
    dispatches.handed_over(dispatch, today)
    return "requested"


# -- following ----------------------------------------------------------------------------


def poll(dispatch: NotificationDispatch, client: SendClient, today: date) -> str:
    """One step forward for a SEND dispatch; returns what happened."""
    try:
        if dispatch.status == DispatchStatus.QUEUED:
            return submit(dispatch, client, today)
        if dispatch.status == DispatchStatus.REQUESTED:
            outcome = _poll_request(dispatch, client)
            if dispatch.status != DispatchStatus.ACCEPTED:
                return outcome
        if dispatch.status in (DispatchStatus.ACCEPTED, DispatchStatus.DELIVERED):
            return _poll_timeline(dispatch, client, today)
        return "skipped"
    except SendUnavailable as exc:
        return dispatches.transient(dispatch, exc, step="poll")
    except SendRejected as exc:
        dispatch.last_error = f"poll: {exc}"[:2000]
        return "error"


def _poll_request(dispatch: NotificationDispatch, client: SendClient) -> str:
    status = with_retries(lambda: client.request_status(request_id=dispatch.request_id),
                          SendUnavailable)
    if status is None:  # unknown to SEND: submit again (the idempotence token protects us)
        dispatch.status = DispatchStatus.QUEUED
        dispatch.last_error = "request unknown to SEND"
        return "resubmit"
    if status.status == "ACCEPTED" and status.iun:
        dispatch.iun = status.iun
        dispatch.status = DispatchStatus.ACCEPTED
        dispatch.last_error = ""
        dispatches.events_for_all(dispatch, NotificationOutcome.SENT, reference=status.iun,
                                  request_id=dispatch.request_id)
        return "accepted"
    if status.status == "REFUSED":
        errors = [{k: str(v)[:300] for k, v in e.items()} for e in status.errors][:20]
        dispatches.set_details(dispatch, refusal=errors)
        detail = "; ".join(f"{e.get('code', '')}: {e.get('detail', '')}" for e in errors) or "refused"
        return dispatches.permanent(dispatch, detail, step="validation",
                                    status=DispatchStatus.REFUSED, refusal=errors)
    set_retry = status.retry_after
    dispatches.set_details(dispatch, retry_after=set_retry)
    return "waiting"


def _poll_timeline(dispatch: NotificationDispatch, client: SendClient, today: date) -> str:
    note = with_retries(lambda: client.notification(dispatch.iun), SendUnavailable)
    timeline = [e for e in note["timeline"] if isinstance(e, dict)]
    people = dispatches.recipients(dispatch)
    verbale: Verbale = dispatch.verbale
    details = dispatch.details or {}
    seen = set(details.get("seen") or [])
    for element in timeline:
        element_id = str(element.get("elementId") or "")
        if not element_id or element_id in seen:
            continue
        seen.add(element_id)
        category = str(element.get("category") or "")
        idx = (element.get("details") or {}).get("recIndex")
        if category not in TIMELINE_OUTCOMES or not isinstance(idx, int) or idx >= len(people):
            continue
        outcome, medium = TIMELINE_OUTCOMES[category]
        tracking.record_event(verbale, people[idx], SEND, outcome, reference=dispatch.iun,
                              at=parse_timestamp(element.get("timestamp")), dispatch_id=dispatch.id,
                              category=category, medium=medium, element_id=element_id)
    perfected = dict(details.get("perfected") or {})
    for rec in send_perfection(timeline, len(people)):
        key = str(rec.rec_index)
        if key in perfected or not rec.perfected(today):
            continue
        perfected[key] = rec.perfected_on.isoformat()
        tracking.record_event(
            verbale, people[rec.rec_index], SEND, NotificationOutcome.PERFECTED,
            reference=dispatch.iun, perfected_on=rec.perfected_on, dispatch_id=dispatch.id,
            basis=rec.basis, send_outcome=rec.outcome, outcome_on=rec.outcome_on,
            viewed_on=rec.viewed_on, platform_refinement_on=rec.platform_refinement_on,
            cost_cents=rec.cost_cents)
        if rec.cost_cents is not None:
            perfected[f"cost{key}"] = rec.cost_cents
    dispatches.set_details(dispatch, seen=sorted(seen), perfected=perfected,
                           notification_status=note.get("notificationStatus"))
    by_person = {people[int(k)]: date.fromisoformat(v) for k, v in perfected.items()
                 if not k.startswith("cost")}
    if any(e.get("category") in ("DIGITAL_SUCCESS_WORKFLOW", "ANALOG_SUCCESS_WORKFLOW")
           for e in timeline) and dispatch.status == DispatchStatus.ACCEPTED:
        dispatch.status = DispatchStatus.DELIVERED
    offender_pending = verbale.offender_id in people and verbale.offender_id not in by_person
    if not by_person or offender_pending:
        return "in_progress"
    if dispatch.cost is None:
        dispatch.cost = _cost(dispatch, client, perfected, people)
    tracking.apply_perfection(verbale, SEND, by_person, cost=dispatch.cost, reference=dispatch.iun)
    if len(by_person) == len(people):
        dispatch.status = DispatchStatus.PERFECTED
        dispatch.perfected_on = min(by_person.values())
        return "perfected"
    return "in_progress"


def _cost(dispatch: NotificationDispatch, client: SendClient, perfected: dict[str, Any],
          people: list[int]) -> Decimal | None:
    """What SEND charged for the offender (price API, else the timeline) under
    ``DELIVERY_MODE``; ``None`` (the Ente's cost applies) under ``FLAT_RATE``."""
    verbale = dispatch.verbale
    if (dispatch.details or {}).get("fee_policy", "DELIVERY_MODE") != "DELIVERY_MODE":
        return None
    notice = active_notice(verbale.id)
    cents = None
    if notice is not None:
        try:
            cents = with_retries(lambda: client.price(verbale.ente.fiscal_code,
                                                      notice.notice_number),
                                 SendUnavailable).amount_cents
        except (SendRejected, SendUnavailable):
            cents = None
    if cents is None:
        idx = people.index(verbale.offender_id) if verbale.offender_id in people else 0
        cents = perfected.get(f"cost{idx}")
    if cents is None:
        return None
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def client_for(config) -> SendClient:
    return SendClient.from_config(config)
