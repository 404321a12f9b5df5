"""A local stand-in for SEND (Piattaforma Notifiche, ``pn-delivery`` B2B API for public
administrations), speaking its wire format so :mod:`core.notification.send_client` talks to it
unchanged (only ``SEND_BASE_URL``/``SEND_API_KEY`` differ):

* ``POST /delivery/attachments/preload`` — 1 to 15 ``{preloadIdx, contentType, sha256}``
  (base64 SHA-256) → ``{preloadIdx, secret, httpMethod: "PUT", url, key}``; the presigned
  ``url`` points at this server (``/safestorage/<key>``);
* ``PUT /safestorage/<key>`` — the upload: ``x-amz-meta-secret`` must match, the body's
  SHA-256 must equal both ``x-amz-checksum-sha256`` and the preloaded digest (else 400
  ``BadDigest``); answers ``x-amz-version-id``;
* ``POST /delivery/v2.6/requests`` — the notification request, checked for syntax (required
  fields, ``subject`` ≤ 134, tax ids, notice codes, digests, enums, ``paFee``/``vat`` with
  ``DELIVERY_MODE``) → 202 ``{notificationRequestId, paProtocolNumber, idempotenceToken}``,
  400 ``Problem`` with ``errors``, 409 for a repeated ``paProtocolNumber`` +
  ``idempotenceToken``;
* ``GET /delivery/v2.6/requests?notificationRequestId=…`` (or ``paProtocolNumber`` +
  ``idempotenceToken``) — ``WAITING`` with ``retryAfter`` for the first poll(s), then the
  semantic validation: ``ACCEPTED`` with an ``iun`` or ``REFUSED`` with ``errors``
  (``FILE_NOTFOUND`` for a document never uploaded, ``FILE_SHA_ERROR`` when the digest does not
  match the uploaded file, or a refusal registered for a tax id by the control endpoint);
* ``GET /delivery/v2.6/notifications/sent/<iun>`` — the notification, its
  ``notificationStatus``, ``notificationStatusHistory`` and the ``timeline`` elements whose
  time has come (``REQUEST_ACCEPTED``, ``AAR_GENERATION``, ``SEND_DIGITAL_DOMICILE``,
  ``SEND_DIGITAL_FEEDBACK``, ``DIGITAL_SUCCESS_WORKFLOW`` / ``DIGITAL_FAILURE_WORKFLOW``,
  ``SEND_SIMPLE_REGISTERED_LETTER``, ``SEND_ANALOG_DOMICILE``, ``SEND_ANALOG_FEEDBACK``,
  ``ANALOG_SUCCESS_WORKFLOW`` / ``ANALOG_FAILURE_WORKFLOW``, ``COMPLETELY_UNREACHABLE``,
  ``SCHEDULE_REFINEMENT``, ``REFINEMENT``, ``NOTIFICATION_VIEWED``);
* ``GET /delivery/v2.3/price/<paTaxId>/<noticeCode>`` — ``{iun, amount, refinementDate,
  notificationViewDate}`` (eurocents; 0 under ``FLAT_RATE``).

Every API call needs ``x-api-key``. The recipient's path follows its data: a digital domicile
delivers in a day (an address starting with ``ko`` fails: simple registered letter), without
one a paper letter is delivered in five days (an address containing ``IRREPERIBILE`` fails).
Perfection as the platform applies it: 7 days after digital delivery, 15 after a digital
failure, 10 after paper delivery or failure, earlier when the recipient views it.

Time is a virtual clock, so tests are deterministic. Control endpoints (no key, loopback
only): ``POST /_control/clock`` ``{"now": ISO}`` or ``{"advance_days": n}``;
``POST /_control/view`` ``{"iun", "recIndex"}``; ``POST /_control/refuse``
``{"taxId", "code", "detail"}``; ``POST /_control/fail`` ``{"count", "status"}`` (the next
API calls answer that error); ``POST /_control/polls`` ``{"before_accept": n}``;
``GET /_control/state``.

Run it alone with ``python -m core.standins.send_server`` or embed it with
``make_server(host, port, create_app(api_key), threaded=True)``. In memory, demo and tests only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import secrets
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, request
from werkzeug.serving import make_server

ROME = ZoneInfo("Europe/Rome")
IUN_RE = re.compile(r"^[A-Z]{4}-[A-Z]{4}-[A-Z]{4}-[0-9]{6}-[A-Z]-[0-9]$")
TAX_ID_RE = re.compile(r"^([A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z]"
                       r"[0-9LMNPQRSTUV]{3}[A-Z])$|^([0-9]{11})$")
SHA_RE = re.compile(r"^[A-Za-z0-9+/]{43}=$|^[A-Za-z0-9+/]{44}$")
PHYSICAL_TYPES = {"AR_REGISTERED_LETTER", "REGISTERED_LETTER_890"}
FEE_POLICIES = {"FLAT_RATE", "DELIVERY_MODE"}
REQUIRED = ("paProtocolNumber", "subject", "recipients", "documents", "physicalCommunicationType",
            "notificationFeePolicy", "senderDenomination", "senderTaxId", "taxonomyCode")
SEND_FEE_CENTS = 100  # the platform's own fee per recipient
ANALOG_COST_CENTS = {"AR_REGISTERED_LETTER": 550, "REGISTERED_LETTER_890": 850}
SIMPLE_LETTER_CENTS = 120
REFINEMENT_DAYS = {"digital_success": 7, "digital_failure": 15, "analog_success": 10,
                   "analog_failure": 10}


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "",
                 errors: list[dict[str, Any]] | None = None):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []

    def body(self) -> dict[str, Any]:
        return {"status": self.status, "title": self.title, "detail": self.detail or self.title,
                "traceId": secrets.token_hex(8), "timestamp": _iso(datetime.now(UTC)),
                "errors": self.errors}


@dataclass
class SendState:
    """Everything the stand-in knows. Tests read it (``state_of(app)``)."""

    api_key: str
    now: datetime | None = None  # virtual clock; None = real time
    offset: timedelta = timedelta(0)
    polls_before_accept: int = 1
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_protocol: dict[tuple[str, str], str] = field(default_factory=dict)
    notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusals: dict[str, tuple[str, str]] = field(default_factory=dict)
    views: dict[tuple[str, int], datetime] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def clock(self) -> datetime:
        base = self.now if self.now is not None else datetime.now(UTC)
        return base + self.offset


def state_of(app: Flask) -> SendState:
    return app.extensions["send_standin"]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    mimetype = "application/problem+json" if status >= 400 else "application/json"
    return Response(json.dumps(body), status=status, mimetype=mimetype, headers=headers or {})


def _digest(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")


def _new_iun(at: datetime) -> str:
    letters = string.ascii_uppercase

    def block(n: int) -> str:
        return "".join(secrets.choice(letters) for _ in range(n))

    return f"{block(4)}-{block(4)}-{block(4)}-{at:%Y%m}-{block(1)}-{secrets.randbelow(10)}"


def _midnight_after(at: datetime, days: int) -> datetime:
    """Midnight (Italian time) of the day ``days`` after ``at``'s Italian date, in UTC."""
    day = at.astimezone(ROME).date() + timedelta(days=days)
    return datetime.combine(day, time(0, 0), ROME).astimezone(UTC)


# --- validation --------------------------------------------------------------------------

def _err(code: str, element: str, detail: str) -> dict[str, str]:
    return {"code": code, "element": element, "detail": detail}


def validate_request(body: Any) -> list[dict[str, str]]:
    """Syntax checks of a ``NewNotificationRequest`` (what answers 400)."""
    if not isinstance(body, dict):
        return [_err("PN_GENERIC_INVALIDPARAMETER", "body", "a JSON object is required")]
    errors = [_err("PN_GENERIC_INVALIDPARAMETER_REQUIRED", name, f"{name} is required")
              for name in REQUIRED if body.get(name) in (None, "", [])]
    if errors:
        return errors
    if len(str(body["subject"])) > 134:
        errors.append(_err("PN_GENERIC_INVALIDPARAMETER_SIZE", "subject", "at most 134 characters"))
    if body["physicalCommunicationType"] not in PHYSICAL_TYPES:
        errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", "physicalCommunicationType",
                           "unknown value"))
    if body["notificationFeePolicy"] not in FEE_POLICIES:
        errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", "notificationFeePolicy",
                           "unknown value"))
    elif body["notificationFeePolicy"] == "DELIVERY_MODE":
        for name in ("paFee", "vat"):
            value = body.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                errors.append(_err("PN_GENERIC_INVALIDPARAMETER_REQUIRED", name,
                                   f"{name} (0-100) is required with DELIVERY_MODE"))
    if not re.fullmatch(r"\d{11}", str(body["senderTaxId"])):
        errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", "senderTaxId", "11 digits"))
    if not re.fullmatch(r"[0-9]{6}[A-Z]", str(body["taxonomyCode"])):
        errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", "taxonomyCode", "6 digits + letter"))
    token = body.get("idempotenceToken", "")
    if not isinstance(token, str) or len(token) > 256 or not re.fullmatch(r"[ -~]*", token):
        errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", "idempotenceToken", "printable ASCII"))
    recipients = body["recipients"]
    if not isinstance(recipients, list):
        return errors + [_err("PN_GENERIC_INVALIDPARAMETER", "recipients", "must be a list")]
    for i, rec in enumerate(recipients):
        where = f"recipients[{i}]"
        if not isinstance(rec, dict):
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER", where, "must be an object"))
            continue
        if rec.get("recipientType") not in ("PF", "PG"):
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", f"{where}.recipientType", "PF or PG"))
        if not TAX_ID_RE.match(str(rec.get("taxId") or "")):
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", f"{where}.taxId", "not a tax id"))
        if not rec.get("denomination"):
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER_REQUIRED", f"{where}.denomination", "required"))
        physical = rec.get("physicalAddress")
        if not isinstance(physical, dict) or len(str(physical.get("address") or "")) < 2 \
                or len(str(physical.get("municipality") or "")) < 2:
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER_REQUIRED", f"{where}.physicalAddress",
                               "address and municipality are required"))
        digital = rec.get("digitalDomicile")
        if digital is not None and (not isinstance(digital, dict) or digital.get("type") != "PEC"
                                    or "@" not in str(digital.get("address") or "")):
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER", f"{where}.digitalDomicile", "PEC address"))
        for j, item in enumerate(rec.get("payments") or []):
            pago = item.get("pagoPa") if isinstance(item, dict) else None
            if not isinstance(pago, dict):
                continue
            if not re.fullmatch(r"\d{18}", str(pago.get("noticeCode") or "")):
                errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN",
                                   f"{where}.payments[{j}].pagoPa.noticeCode", "18 digits"))
            if not re.fullmatch(r"\d{11}", str(pago.get("creditorTaxId") or "")):
                errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN",
                                   f"{where}.payments[{j}].pagoPa.creditorTaxId", "11 digits"))
            if not isinstance(pago.get("applyCost"), bool):
                errors.append(_err("PN_GENERIC_INVALIDPARAMETER_REQUIRED",
                                   f"{where}.payments[{j}].pagoPa.applyCost", "required"))
    documents = body["documents"]
    if not isinstance(documents, list):
        return errors + [_err("PN_GENERIC_INVALIDPARAMETER", "documents", "must be a list")]
    for i, doc in enumerate(documents):
        where = f"documents[{i}]"
        sha = ((doc or {}).get("digests") or {}).get("sha256") if isinstance(doc, dict) else None
        if not isinstance(sha, str) or not SHA_RE.match(sha):
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", f"{where}.digests.sha256",
                               "base64 SHA-256"))
        ref = (doc or {}).get("ref") if isinstance(doc, dict) else None
        if not isinstance(ref, dict) or not ref.get("key") or not ref.get("versionToken"):
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER_REQUIRED", f"{where}.ref", "key and versionToken"))
        if isinstance(doc, dict) and doc.get("contentType") != "application/pdf":
            errors.append(_err("PN_GENERIC_INVALIDPARAMETER_PATTERN", f"{where}.contentType",
                               "application/pdf"))
    return errors


def _semantic_errors(state: SendState, body: dict[str, Any]) -> list[dict[str, str]]:
    """What the platform checks during validation (turns the request into REFUSED)."""
    errors = []
    for i, doc in enumerate(body["documents"]):
        key = str(doc["ref"]["key"]).removeprefix("safestorage://")
        stored = state.files.get(key)
        if stored is None or not stored.get("uploaded"):
            errors.append(_err("FILE_NOTFOUND", f"documents[{i}]", f"file {key} not uploaded"))
        elif stored["sha256"] != doc["digests"]["sha256"]:
            errors.append(_err("FILE_SHA_ERROR", f"documents[{i}]", "digest does not match the file"))
        elif stored["version"] != doc["ref"]["versionToken"]:
            errors.append(_err("FILE_NOTFOUND", f"documents[{i}]", "unknown version token"))
    for i, rec in enumerate(body["recipients"]):
        refusal = state.refusals.get(rec["taxId"])
        if refusal is not None:
            errors.append(_err(refusal[0], f"recipients[{i}]", refusal[1]))
    return errors


# --- the notification's life ----------------------------------------------------------------

def _recipient_plan(iun: str, idx: int, rec: dict[str, Any], sent: datetime,
                    physical_type: str) -> list[dict[str, Any]]:
    """Timeline elements of one recipient, each with its (future) timestamp."""
    def el(category: str, at: datetime, **details: Any) -> dict[str, Any]:
        return {"elementId": f"{iun}_{category.lower()}_{idx}", "timestamp": at,
                "legalFactsIds": [], "category": category, "details": {"recIndex": idx, **details}}

    plan = [el("AAR_GENERATION", sent + timedelta(minutes=2), numberOfPages=1)]
    digital = rec.get("digitalDomicile")
    physical = rec.get("physicalAddress") or {}
    if digital:
        plan.append(el("SEND_DIGITAL_DOMICILE", sent + timedelta(hours=1),
                       digitalAddress=digital, sendDate=_iso(sent + timedelta(hours=1))))
        at = sent + timedelta(days=1)
        if str(digital.get("address", "")).lower().startswith("ko"):
            plan += [el("SEND_DIGITAL_FEEDBACK", at, responseStatus="KO", notificationDate=_iso(at)),
                     el("DIGITAL_FAILURE_WORKFLOW", at),
                     el("SEND_SIMPLE_REGISTERED_LETTER", at + timedelta(hours=2),
                        physicalAddress=physical)]
            return plan + _refinement(el, at, "digital_failure")
        plan += [el("SEND_DIGITAL_FEEDBACK", at, responseStatus="OK", notificationDate=_iso(at)),
                 el("DIGITAL_SUCCESS_WORKFLOW", at, digitalAddress=digital)]
        return plan + _refinement(el, at, "digital_success")
    start = sent + timedelta(days=1)
    plan.append(el("SEND_ANALOG_DOMICILE", start, physicalAddress=physical,
                   serviceLevel=physical_type, sentAttemptMade=0))
    at = sent + timedelta(days=5)
    if "IRREPERIBILE" in str(physical.get("address", "")).upper():
        plan += [el("SEND_ANALOG_FEEDBACK", at, responseStatus="KO", deliveryDetailCode="RECAG003C",
                    notificationDate=_iso(at), sentAttemptMade=0),
                 el("ANALOG_FAILURE_WORKFLOW", at),
                 el("COMPLETELY_UNREACHABLE", at)]
        return plan + _refinement(el, at, "analog_failure")
    plan += [el("SEND_ANALOG_FEEDBACK", at, responseStatus="OK", deliveryDetailCode="RECAG001C",
                notificationDate=_iso(at), sentAttemptMade=0),
             el("ANALOG_SUCCESS_WORKFLOW", at, physicalAddress=physical)]
    return plan + _refinement(el, at, "analog_success")


def _refinement(el, at: datetime, outcome: str) -> list[dict[str, Any]]:
    when = _midnight_after(at, REFINEMENT_DAYS[outcome])
    return [el("SCHEDULE_REFINEMENT", at, schedulingDate=_iso(when)),
            el("REFINEMENT", when)]


def _cost_cents(body: dict[str, Any], outcome_path: str) -> int:
    if body["notificationFeePolicy"] == "FLAT_RATE":
        return 0
    cost = SEND_FEE_CENTS + int(body.get("paFee") or 0)
    vat = 1 + int(body.get("vat") or 0) / 100
    if outcome_path.startswith("analog"):
        cost += round(ANALOG_COST_CENTS[body["physicalCommunicationType"]] * vat)
    elif outcome_path == "digital_failure":
        cost += round(SIMPLE_LETTER_CENTS * vat)
    return cost


def _accept(state: SendState, req: dict[str, Any], at: datetime) -> None:
    body = req["body"]
    iun = _new_iun(at)
    while iun in state.notifications:
        iun = _new_iun(at)
    plans = []
    for idx, rec in enumerate(body["recipients"]):
        plan = _recipient_plan(iun, idx, rec, at, body["physicalCommunicationType"])
        outcome = next(e["category"] for e in plan if e["category"].endswith("_WORKFLOW"))
        path = {"DIGITAL_SUCCESS_WORKFLOW": "digital_success",
                "DIGITAL_FAILURE_WORKFLOW": "digital_failure",
                "ANALOG_SUCCESS_WORKFLOW": "analog_success",
                "ANALOG_FAILURE_WORKFLOW": "analog_failure"}[outcome]
        cost = _cost_cents(body, path)
        for element in plan:
            if element["category"] == "REFINEMENT":
                element["details"]["notificationCost"] = cost
        plans.append({"elements": plan, "cost": cost, "path": path})
    accepted = {"elementId": f"{iun}_request_accepted", "timestamp": at + timedelta(seconds=30),
                "legalFactsIds": [{"key": f"safestorage://PN_LEGAL_FACTS-{secrets.token_hex(6)}",
                                   "category": "SENDER_ACK"}],
                "category": "REQUEST_ACCEPTED", "details": {}}
    req["iun"] = iun
    state.notifications[iun] = {"iun": iun, "request_id": req["id"], "sentAt": at,
                                "accepted": accepted, "plans": plans}


def _timeline(state: SendState, note: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    iun = note["iun"]
    elements = [note["accepted"]]
    for idx, plan in enumerate(note["plans"]):
        viewed = state.views.get((iun, idx))
        refinement = next(e for e in plan["elements"] if e["category"] == "REFINEMENT")
        for element in plan["elements"]:
            if element["category"] == "REFINEMENT" and viewed is not None \
                    and viewed < element["timestamp"]:
                continue  # perfected by the view instead
            elements.append(element)
        if viewed is not None:
            cost = plan["cost"] if viewed < refinement["timestamp"] else None
            details = {"recIndex": idx, "eventTimestamp": _iso(viewed)}
            if cost is not None:
                details["notificationCost"] = cost
            elements.append({"elementId": f"{iun}_notification_viewed_{idx}", "timestamp": viewed,
                             "legalFactsIds": [], "category": "NOTIFICATION_VIEWED",
                             "details": details})
    visible = sorted((e for e in elements if e["timestamp"] <= now), key=lambda e: e["timestamp"])
    return [{**e, "timestamp": _iso(e["timestamp"])} for e in visible]


def _status(timeline: list[dict[str, Any]], recipients: int) -> tuple[str, list[dict[str, Any]]]:
    history: list[dict[str, Any]] = []

    def move(status: str, element: dict[str, Any]) -> None:
        if history and history[-1]["status"] == status:
            history[-1]["relatedTimelineElements"].append(element["elementId"])
            return
        history.append({"status": status, "activeFrom": element["timestamp"],
                        "relatedTimelineElements": [element["elementId"]]})

    done: set[int] = set()
    unreachable: set[int] = set()
    refined: set[int] = set()
    for element in timeline:
        category = element["category"]
        idx = element.get("details", {}).get("recIndex")
        if category == "REQUEST_ACCEPTED":
            move("ACCEPTED", element)
        elif category in ("SEND_DIGITAL_DOMICILE", "SEND_ANALOG_DOMICILE"):
            move("DELIVERING", element)
        elif category.endswith("_WORKFLOW"):
            done.add(idx)
            if category == "ANALOG_FAILURE_WORKFLOW":
                unreachable.add(idx)
            if len(done) == recipients:
                move("UNREACHABLE" if len(unreachable) == recipients else "DELIVERED", element)
        elif category in ("REFINEMENT", "NOTIFICATION_VIEWED"):
            refined.add(idx)
            if category == "NOTIFICATION_VIEWED":
                move("VIEWED", element)
            elif len(refined) == recipients and (not history or history[-1]["status"] != "VIEWED"):
                move("EFFECTIVE_DATE", element)
    return (history[-1]["status"] if history else "ACCEPTED"), history


# --- the app -----------------------------------------------------------------------------

def create_app(api_key: str = "send-standin-api-key", *, polls_before_accept: int = 1,
               now: datetime | None = None) -> Flask:
    app = Flask(__name__)
    state = SendState(api_key, now=now, polls_before_accept=polls_before_accept)
    app.extensions["send_standin"] = state

    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return _json(exc.body(), exc.status)

    def api() -> None:
        with state.lock:
            state.calls.append((request.method, request.path))
            if state.failures:
                status = state.failures.pop(0)
                raise Problem(status, "Service Unavailable" if status >= 500 else "Error",
                              "simulated failure")
        if request.headers.get("x-api-key") != state.api_key:
            raise Problem(403, "Forbidden", "invalid or missing x-api-key")

    def body_json() -> Any:
        try:
            return json.loads(request.get_data() or b"null")
        except ValueError:
            raise Problem(400, "Bad Request", "malformed JSON") from None

    @app.post("/delivery/attachments/preload")
    def preload():
        api()
        items = body_json()
        if not isinstance(items, list) or not 1 <= len(items) <= 15:
            raise Problem(400, "Bad Request", "1 to 15 preload requests",
                          [_err("PN_GENERIC_INVALIDPARAMETER_SIZE", "body", "1 to 15 items")])
        answer = []
        with state.lock:
            for item in items:
                sha = item.get("sha256") if isinstance(item, dict) else None
                ctype = item.get("contentType") if isinstance(item, dict) else None
                if not isinstance(sha, str) or not SHA_RE.match(sha) \
                        or ctype not in ("application/pdf", "application/json"):
                    raise Problem(400, "Bad Request", "sha256 (base64) and contentType required")
                key = f"PN_NOTIFICATION_ATTACHMENTS-{secrets.token_hex(12).upper()}"
                secret = secrets.token_urlsafe(12)
                state.files[key] = {"sha256": sha, "content_type": ctype, "secret": secret,
                                    "uploaded": False, "version": None, "size": 0}
                answer.append({"preloadIdx": item.get("preloadIdx"), "secret": secret,
                               "httpMethod": "PUT", "key": key,
                               "url": f"{request.host_url.rstrip('/')}/safestorage/{key}"})
        return _json(answer)

    @app.route("/safestorage/<key>", methods=["PUT", "POST"])
    def upload(key: str):
        with state.lock:
            stored = state.files.get(key)
        if stored is None:
            raise Problem(404, "NoSuchKey", "unknown upload key")
        if request.headers.get("x-amz-meta-secret") != stored["secret"]:
            raise Problem(403, "AccessDenied", "wrong x-amz-meta-secret")
        if request.mimetype != stored["content_type"]:
            raise Problem(400, "BadRequest", "content type differs from the preload")
        content = request.get_data()
        digest = _digest(content)
        if digest != request.headers.get("x-amz-checksum-sha256") or digest != stored["sha256"]:
            raise Problem(400, "BadDigest", "the SHA-256 of the body does not match")
        version = secrets.token_urlsafe(16)
        with state.lock:
            stored.update(uploaded=True, version=version, size=len(content))
        return Response(status=200, headers={"x-amz-version-id": version})

    @app.post("/delivery/v2.6/requests")
    def new_request():
        api()
        body = body_json()
        errors = validate_request(body)
        if errors:
            raise Problem(400, "Bad Request", "invalid notification request", errors)
        key = (str(body["paProtocolNumber"]), str(body.get("idempotenceToken") or ""))
        with state.lock:
            if key in state.by_protocol:
                raise Problem(409, "Conflict", "duplicated notification request",
                              [_err("PN_DELIVERY_DUPLICATED_NOTIFICATION", "paProtocolNumber",
                                    "paProtocolNumber and idempotenceToken already used")])
            rid = base64.b64encode(secrets.token_bytes(27)).decode("ascii")
            state.requests[rid] = {"id": rid, "body": body, "polls": 0, "status": "WAITING",
                                   "iun": None, "errors": [], "received_at": state.clock()}
            state.by_protocol[key] = rid
        return _json({"notificationRequestId": rid, "paProtocolNumber": key[0],
                      "idempotenceToken": key[1]}, 202)

    @app.get("/delivery/v2.6/requests")
    def request_status():
        api()
        with state.lock:
            rid = request.args.get("notificationRequestId")
            if not rid:
                protocol = request.args.get("paProtocolNumber")
                if not protocol:
                    raise Problem(400, "Bad Request",
                                  "notificationRequestId or paProtocolNumber is required")
                rid = state.by_protocol.get((protocol, request.args.get("idempotenceToken", "")))
            req = state.requests.get(rid or "")
            if req is None:
                raise Problem(404, "Not Found", "unknown notification request")
            req["polls"] += 1
            if req["status"] == "WAITING" and req["polls"] > state.polls_before_accept:
                errors = _semantic_errors(state, req["body"])
                if errors:
                    req.update(status="REFUSED", errors=errors)
                else:
                    req["status"] = "ACCEPTED"
                    _accept(state, req, req["received_at"])
            answer = {**req["body"], "notificationRequestId": req["id"],
                      "notificationRequestStatus": req["status"]}
            if req["status"] == "WAITING":
                answer["retryAfter"] = 1
            if req["iun"]:
                answer["iun"] = req["iun"]
            if req["errors"]:
                answer["errors"] = req["errors"]
        return _json(answer)

    @app.get("/delivery/v2.6/notifications/sent/<iun>")
    def notification(iun: str):
        api()
        with state.lock:
            note = state.notifications.get(iun)
            if note is None:
                raise Problem(404, "Not Found", "unknown IUN")
            body = state.requests[note["request_id"]]["body"]
            timeline = _timeline(state, note, state.clock())
            status, history = _status(timeline, len(body["recipients"]))
        return _json({**body, "iun": iun, "sentAt": _iso(note["sentAt"]), "senderPaId": "standin",
                      "documentsAvailable": True, "notificationStatus": status,
                      "notificationStatusHistory": history, "timeline": timeline})

    @app.get("/delivery/v2.3/price/<pa_tax_id>/<notice_code>")
    def price(pa_tax_id: str, notice_code: str):
        api()
        with state.lock:
            for note in state.notifications.values():
                body = state.requests[note["request_id"]]["body"]
                for idx, rec in enumerate(body["recipients"]):
                    for item in rec.get("payments") or []:
                        pago = item.get("pagoPa") or {}
                        if pago.get("noticeCode") == notice_code \
                                and pago.get("creditorTaxId") == pa_tax_id:
                            return _json(_price(state, note, idx))
        raise Problem(404, "Not Found", "no notification with this notice")

    def _price(state: SendState, note: dict[str, Any], idx: int) -> dict[str, Any]:
        timeline = _timeline(state, note, state.clock())
        answer: dict[str, Any] = {"iun": note["iun"], "amount": note["plans"][idx]["cost"]}
        for element in timeline:
            if element["details"].get("recIndex") != idx:
                continue
            if element["category"] == "REFINEMENT":
                answer["refinementDate"] = element["timestamp"]
            elif element["category"] == "NOTIFICATION_VIEWED":
                answer["notificationViewDate"] = element["timestamp"]
        return answer

    # -- control ---------------------------------------------------------------------------

    def control_body() -> dict[str, Any]:
        body = body_json()
        if not isinstance(body, dict):
            raise Problem(400, "Bad Request", "a JSON object is required")
        return body

    @app.post("/_control/clock")
    def control_clock():
        body = control_body()
        with state.lock:
            if body.get("now"):
                try:
                    state.now = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
                except ValueError:
                    raise Problem(400, "Bad Request", "now: ISO 8601 expected") from None
                if state.now.tzinfo is None:
                    state.now = state.now.replace(tzinfo=UTC)
                state.offset = timedelta(0)
            state.offset += timedelta(days=float(body.get("advance_days") or 0),
                                      seconds=float(body.get("advance_seconds") or 0))
            return _json({"now": _iso(state.clock())})

    @app.post("/_control/view")
    def control_view():
        body = control_body()
        with state.lock:
            note = state.notifications.get(str(body.get("iun")))
            idx = body.get("recIndex", 0)
            if note is None or not isinstance(idx, int) or not 0 <= idx < len(note["plans"]):
                raise Problem(404, "Not Found", "unknown IUN or recipient")
            state.views.setdefault((note["iun"], idx), state.clock())
            return _json({"iun": note["iun"], "recIndex": idx,
                          "viewedAt": _iso(state.views[(note["iun"], idx)])})

    @app.post("/_control/refuse")
    def control_refuse():
        body = control_body()
        with state.lock:
            state.refusals[str(body.get("taxId"))] = (str(body.get("code") or "TAXID_NOT_VALID"),
                                                      str(body.get("detail") or "refused"))
        return _json({"refusals": len(state.refusals)})

    @app.post("/_control/fail")
    def control_fail():
        body = control_body()
        with state.lock:
            state.failures.extend([int(body.get("status") or 503)] * int(body.get("count") or 1))
        return _json({"pending_failures": len(state.failures)})

    @app.post("/_control/polls")
    def control_polls():
        body = control_body()
        with state.lock:
            state.polls_before_accept = max(0, int(body.get("before_accept") or 0))
        return _json({"before_accept": state.polls_before_accept})

    @app.get("/_control/state")
    def control_state():
        with state.lock:
            return _json({
                "now": _iso(state.clock()),
                "files": len(state.files),
                "requests": {rid: {"paProtocolNumber": r["body"]["paProtocolNumber"],
                                   "status": r["status"], "iun": r["iun"]}
                             for rid, r in state.requests.items()},
                "notifications": sorted(state.notifications),
            })

    return app


def serve(host: str = "127.0.0.1", port: int = 5004, **kw: Any) -> None:
    server = make_server(host, port, create_app(**kw), threaded=True)
    print(f" * SEND stand-in: http://{host}:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


def main() -> None:
    from core.config import BaseConfig

    parser = argparse.ArgumentParser(description="Local SEND stand-in (demo and tests only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5004)
    args = parser.parse_args()
    serve(args.host, args.port, api_key=BaseConfig.SEND_API_KEY)


if __name__ == "__main__":
    main()
