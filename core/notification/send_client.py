"""Client of SEND's B2B API for public administrations (``pn-delivery``), over real HTTP.

Every call carries the ``x-api-key`` header. The flow (pagopa.md §6):

1. :meth:`SendClient.preload` — ``POST /delivery/attachments/preload`` with up to 15
   ``{preloadIdx, contentType, sha256}`` (SHA-256 of the file, base64) → one upload slot each
   ``{preloadIdx, secret, httpMethod, url, key}``;
2. :meth:`SendClient.upload` — the file to the slot's presigned ``url`` with ``Content-Type``,
   ``x-amz-meta-secret`` and ``x-amz-checksum-sha256``; the answer's ``x-amz-version-id`` is
   the document's ``ref.versionToken``;
3. :meth:`SendClient.create_request` — ``POST /delivery/v2.6/requests`` → 202 with
   ``notificationRequestId`` (202 only means "syntactically valid"); a second request with the
   same ``paProtocolNumber`` + ``idempotenceToken`` answers 409;
4. :meth:`SendClient.request_status` — ``GET /delivery/v2.6/requests`` by
   ``notificationRequestId`` or by ``paProtocolNumber`` + ``idempotenceToken`` →
   ``WAITING`` (``retryAfter``), ``ACCEPTED`` (``iun``) or ``REFUSED`` (``errors``);
5. :meth:`SendClient.notification` — ``GET /delivery/v2.6/notifications/sent/{iun}``: the
   notification with ``notificationStatus``, ``notificationStatusHistory`` and ``timeline``;
6. :meth:`SendClient.price` — ``GET /delivery/v2.3/price/{paTaxId}/{noticeCode}``: the
   notification cost in eurocents, ``refinementDate`` and ``notificationViewDate``.

Errors: :class:`SendUnavailable` for what is worth retrying (network failure, timeout, 429,
5xx), :class:`SendRejected` for a refused call (other 4xx, with the ``Problem`` body).
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

PRELOAD_PATH = "/delivery/attachments/preload"
REQUESTS_PATH = "/delivery/v2.6/requests"
NOTIFICATION_PATH = "/delivery/v2.6/notifications/sent/{iun}"
PRICE_PATH = "/delivery/v2.3/price/{pa_tax_id}/{notice_code}"
MAX_PRELOAD = 15
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SendError(Exception):
    """Base class of the client's errors."""


class SendUnavailable(SendError):
    """A failure worth retrying later (network, timeout, 429, 5xx)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class SendRejected(SendError):
    """SEND refused the call (4xx); ``problem`` is the ``application/problem+json`` body."""

    def __init__(self, status: int, problem: dict[str, Any]):
        detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.problem = problem

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors = self.problem.get("errors")
        return errors if isinstance(errors, list) else []


def sha256_b64(content: bytes) -> str:
    """SEND's digest format: the SHA-256 of the bytes, base64 (44 characters)."""
    return base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")


@dataclass(frozen=True)
class UploadSlot:
    preload_idx: str
    key: str
    secret: str
    http_method: str
    url: str


@dataclass(frozen=True)
class RequestStatus:
    status: str  # WAITING, ACCEPTED, REFUSED
    request_id: str
    iun: str = ""
    errors: tuple[dict[str, Any], ...] = ()
    retry_after: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Price:
    amount_cents: int
    iun: str = ""
    refinement_date: datetime | None = None
    view_date: datetime | None = None


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class SendClient:
    """One SEND endpoint and API key. ``base_url`` such as ``https://api.notifichedigitali.it``
    (or the local stand-in)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 20.0):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"SEND base URL must be http(s): {base_url!r}")
        if not api_key:
            raise ValueError("SEND API key missing")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    @classmethod
    def from_config(cls, config) -> SendClient:
        return cls(config["SEND_BASE_URL"], config["SEND_API_KEY"],
                   timeout=float(config.get("SEND_TIMEOUT", 20.0)))

    # -- transport ---------------------------------------------------------------------------

    def _open(self, req: urllib.request.Request):
        host = urlsplit(req.full_url).hostname or ""
        handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK else []
        opener = urllib.request.build_opener(*handlers)
        return opener.open(req, timeout=self.timeout)

    def _raw(self, method: str, url: str, data: bytes | None, headers: dict[str, str]
             ) -> tuple[int, bytes, dict[str, str]]:
        if urlsplit(url).scheme not in ("http", "https"):
            raise SendRejected(400, {"detail": f"not an http(s) URL: {url!r}"})
        req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with self._open(req) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
                status = response.status
                answer_headers = {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as exc:
            body = exc.read(MAX_RESPONSE_BYTES + 1) if exc.fp is not None else b""
            status = exc.code
            answer_headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SendUnavailable(f"SEND unreachable: {exc}") from exc
        if len(body) > MAX_RESPONSE_BYTES:
            raise SendUnavailable("SEND answer too large", status)
        if status == 429 or status >= 500:
            raise SendUnavailable(f"SEND answered HTTP {status}: {_problem(body).get('detail', '')}",
                                  status)
        return status, body, answer_headers

    def _call(self, method: str, path: str, *, body: Any = None,
              query: dict[str, str] | None = None) -> tuple[int, Any]:
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        headers = {"x-api-key": self.api_key, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        status, raw, _headers = self._raw(method, url, data, headers)
        if status >= 400:
            raise SendRejected(status, _problem(raw))
        try:
            return status, json.loads(raw) if raw else None
        except ValueError as exc:
            raise SendUnavailable(f"SEND answered invalid JSON (HTTP {status})", status) from exc

    # -- operations --------------------------------------------------------------------------

    def preload(self, files: list[tuple[str, bytes, str]]) -> list[UploadSlot]:
        """Reserve an upload slot for each ``(preload_idx, content, content_type)``."""
        if not 1 <= len(files) <= MAX_PRELOAD:
            raise ValueError(f"preload takes 1 to {MAX_PRELOAD} files")
        body = [{"preloadIdx": idx, "contentType": ctype, "sha256": sha256_b64(content)}
                for idx, content, ctype in files]
        _status, answer = self._call("POST", PRELOAD_PATH, body=body)
        if not isinstance(answer, list) or len(answer) != len(files):
            raise SendUnavailable("unexpected preload answer")
        slots = []
        for item in answer:
            try:
                slots.append(UploadSlot(str(item["preloadIdx"]), str(item["key"]),
                                        str(item.get("secret") or ""),
                                        str(item.get("httpMethod") or "PUT").upper(),
                                        str(item["url"])))
            except (KeyError, TypeError) as exc:
                raise SendUnavailable(f"unexpected preload answer: {exc}") from exc
        return slots

    def upload(self, slot: UploadSlot, content: bytes, content_type: str = "application/pdf") -> str:
        """Upload ``content`` to the slot; returns the version token (``x-amz-version-id``)."""
        if slot.http_method not in ("PUT", "POST"):
            raise SendRejected(400, {"detail": f"unsupported upload method {slot.http_method}"})
        headers = {"Content-Type": content_type, "x-amz-meta-secret": slot.secret,
                   "x-amz-checksum-sha256": sha256_b64(content)}
        status, raw, answer_headers = self._raw(slot.http_method, slot.url, content, headers)
        if status >= 400:
            raise SendRejected(status, _problem(raw))
        version = answer_headers.get("x-amz-version-id", "")
        if not version:
            raise SendUnavailable("upload answer without x-amz-version-id", status)
        return version

    def create_request(self, notification: dict[str, Any]) -> dict[str, Any]:
        """Submit a notification request; the answer has ``notificationRequestId``."""
        _status, answer = self._call("POST", REQUESTS_PATH, body=notification)
        if not isinstance(answer, dict) or not answer.get("notificationRequestId"):
            raise SendUnavailable("request answer without notificationRequestId")
        return answer

    def request_status(self, *, request_id: str | None = None, protocol_number: str | None = None,
                       idempotence_token: str | None = None) -> RequestStatus | None:
        """The state of a request, by id or by protocol number + idempotence token; ``None``
        when SEND does not know it (404)."""
        if request_id:
            query = {"notificationRequestId": request_id}
        elif protocol_number:
            query = {"paProtocolNumber": protocol_number}
            if idempotence_token:
                query["idempotenceToken"] = idempotence_token
        else:
            raise ValueError("request_status needs request_id or protocol_number")
        try:
            _status, answer = self._call("GET", REQUESTS_PATH, query=query)
        except SendRejected as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(answer, dict):
            raise SendUnavailable("unexpected request status answer")
        errors = answer.get("errors") or []
        return RequestStatus(
            status=str(answer.get("notificationRequestStatus") or ""),
            request_id=str(answer.get("notificationRequestId") or request_id or ""),
            iun=str(answer.get("iun") or ""),
            errors=tuple(e for e in errors if isinstance(e, dict)),
            retry_after=answer.get("retryAfter") if isinstance(answer.get("retryAfter"), int) else None,
            raw=answer,
        )

    def notification(self, iun: str) -> dict[str, Any]:
        """The accepted notification with its status history and timeline."""
        _status, answer = self._call("GET", NOTIFICATION_PATH.format(iun=iun))
        if not isinstance(answer, dict) or not isinstance(answer.get("timeline"), list):
            raise SendUnavailable("notification answer without a timeline")
        return answer

    def price(self, pa_tax_id: str, notice_code: str) -> Price:
        _status, answer = self._call("GET", PRICE_PATH.format(pa_tax_id=pa_tax_id,
                                                             notice_code=notice_code))
        if not isinstance(answer, dict) or not isinstance(answer.get("amount"), int):
            raise SendUnavailable("price answer without an amount")
        return Price(answer["amount"], str(answer.get("iun") or ""),
                     _parse_datetime(answer.get("refinementDate")),
                     _parse_datetime(answer.get("notificationViewDate")))


def _problem(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"detail": raw[:200].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"detail": str(value)[:200]}
