"""A local stand-in for the pagoPA node and its checkout, calling the creditor's SOAP service
(``paForNode``, :mod:`core.pagopa.soap`) over real HTTP in the real order:
``paVerifyPaymentNotice`` → ``paGetPaymentV2`` → ``paSendRTV2``.

* ``GET /checkout?notice=…&fiscal_code=…&return_url=…`` — "Pay a pagoPA notice": the notice
  number and creditor fiscal code (prefilled from the query, or typed in); with both, the page
  calls ``paVerifyPaymentNotice`` and shows the amount, the description and the creditor.
* ``POST /checkout/pay`` — "Pay": ``paGetPaymentV2`` (the creditor opens the attempt and gives
  the transfers and the debtor), then ``paSendRTV2`` with a complete ``ctReceiptV2`` in the
  schema's element order (unique ``receiptId``, the stand-in's ``idPSP``, ``PSPCompanyName``,
  ``idChannel``, ``paymentDateTime`` = now in Italian local time, as the node sends it), then a
  303 redirect to ``return_url`` (the citizen's position on the portal).
* ``GET /receipts`` lists the receipts sent; ``POST /receipts/<receiptId>/replay`` sends the
  same receipt again (the creditor must answer ``PAA_RECEIPT_DUPLICATA`` and record nothing),
  to demo and test idempotency. ``?format=json`` gives the outcome as JSON.

Every request carries ``idPA`` (the creditor's fiscal code), ``idBrokerPA`` and ``idStation``,
taken — like the real node's configuration — from ``registry`` (a mapping or a callable
``fiscal code → (idBrokerPA, idStation)``), falling back to ``id_broker_pa``/``id_station``.

Embed it with ``make_server(host, port, create_app(creditor_url, registry=…), threaded=True)``
or run ``python -m core.standins.pagopa_node``. Loopback and demo only: everything is kept in
memory, there is no authentication and no CSRF protection (the real node authenticates the
creditor with mutual TLS).
"""

from __future__ import annotations

import argparse
import copy
import json
import secrets
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET  # noqa: S405 - building only; parsing uses defusedxml
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, Response, redirect, render_template_string, request
from werkzeug.serving import make_server

from core.pagopa import wire
from core.pagopa.notice import is_valid_check
from core.pagopa.wire import child_text, fields, sub

ROME = ZoneInfo("Europe/Rome")
MAX_RESPONSE_BYTES = 1024 * 1024

Registry = Mapping[str, tuple[str, str]] | Callable[[str], tuple[str, str] | None]


@dataclass(frozen=True)
class Reply:
    """The creditor's answer to one call."""

    operation: str
    outcome: str  # OK / KO
    fault_code: str | None = None
    fault_string: str | None = None
    description: str | None = None
    element: ET.Element | None = None
    http_status: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "OK"


@dataclass
class SentReceipt:
    receipt_id: str
    notice_number: str
    fiscal_code: str
    amount: str
    request: bytes  # the paSendRTV2 body element, serialised, for replays
    replies: list[Reply] = field(default_factory=list)


@dataclass
class NodeState:
    creditor_url: str
    registry: Registry | None
    id_broker_pa: str | None
    id_station: str | None
    psp: dict[str, Any]
    timeout: float
    receipts: dict[str, SentReceipt] = field(default_factory=dict)
    calls: list[Reply] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def station_for(self, fiscal_code: str) -> tuple[str, str] | None:
        found = None
        if callable(self.registry):
            found = self.registry(fiscal_code)
        elif self.registry is not None:
            found = self.registry.get(fiscal_code)
        if found is None and self.id_broker_pa and self.id_station:
            found = (self.id_broker_pa, self.id_station)
        return found


def call(state: NodeState, operation: str, body: ET.Element) -> Reply:
    """POST one SOAP request to the creditor (SOAPAction = operation) and read its answer."""
    data = wire.envelope(body)
    http_request = urllib.request.Request(  # noqa: S310 - http(s) URL from configuration
        state.creditor_url, data=data, method="POST",
        headers={"Content-Type": wire.CONTENT_TYPE, "SOAPAction": f'"{operation}"'})
    status = None
    try:
        with urllib.request.urlopen(http_request, timeout=state.timeout) as response:  # noqa: S310
            status, raw = response.status, response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(MAX_RESPONSE_BYTES)
    except (urllib.error.URLError, OSError) as exc:
        reply = Reply(operation, "KO", "PPT_STAZIONE_INT_PA_IRRAGGIUNGIBILE",
                      "Creditor unreachable", str(exc))
        state.calls.append(reply)
        return reply
    try:
        element = wire.body_element(raw)
    except wire.WireError as exc:
        reply = Reply(operation, "KO", "PPT_STAZIONE_INT_PA_ERRORE_RESPONSE",
                      "Invalid answer from the creditor", str(exc), http_status=status)
        state.calls.append(reply)
        return reply
    outcome = child_text(element, "outcome") or "KO"
    if element.tag == f"{{{wire.SOAP_NS}}}Fault" and element.find("detail/*") is not None:
        element = element.find("detail/*")
    reply = Reply(operation, outcome, child_text(element, "fault/faultCode"),
                  child_text(element, "fault/faultString"),
                  child_text(element, "fault/description"), element, status)
    state.calls.append(reply)
    return reply


def _identity(parent: ET.Element, fiscal_code: str, station: tuple[str, str]) -> ET.Element:
    return fields(parent, [("idPA", fiscal_code), ("idBrokerPA", station[0]),
                           ("idStation", station[1])])


def _qr(parent: ET.Element, fiscal_code: str, notice: str) -> None:
    fields(sub(parent, "qrCode"), [("fiscalCode", fiscal_code), ("noticeNumber", notice)])


def verify(state: NodeState, fiscal_code: str, notice: str, station: tuple[str, str]) -> Reply:
    body = _identity(wire.wrapper("paVerifyPaymentNoticeReq"), fiscal_code, station)
    _qr(body, fiscal_code, notice)
    return call(state, "paVerifyPaymentNotice", body)


def get_payment(state: NodeState, fiscal_code: str, notice: str, station: tuple[str, str],
                amount: str | None) -> Reply:
    body = _identity(wire.wrapper("paGetPaymentV2Request"), fiscal_code, station)
    _qr(body, fiscal_code, notice)
    fields(body, [("amount", amount), ("transferType", "PAGOPA")])
    return call(state, "paGetPaymentV2", body)


def build_receipt(state: NodeState, fiscal_code: str, notice: str, station: tuple[str, str],
                  data: ET.Element, receipt_id: str, now: datetime) -> ET.Element:
    """A complete ``paSendRTV2Request`` for the payment described by paGetPaymentV2's
    ``data``, elements in ``ctReceiptV2`` order."""
    psp = state.psp
    body = _identity(wire.wrapper("paSendRTV2Request"), fiscal_code, station)
    receipt = fields(sub(body, "receipt"), [
        ("receiptId", receipt_id),
        ("noticeNumber", notice),
        ("fiscalCode", fiscal_code),
        ("outcome", "OK"),
        ("creditorReferenceId", child_text(data, "creditorReferenceId")),
        ("paymentAmount", child_text(data, "paymentAmount")),
        ("description", child_text(data, "description")),
        ("companyName", child_text(data, "companyName") or "-"),
        ("officeName", child_text(data, "officeName")),
    ])
    receipt.append(copy.deepcopy(data.find("debtor")))
    transfers = sub(receipt, "transferList")
    for transfer in data.findall("transferList/transfer"):
        copied = sub(transfers, "transfer")
        for child in transfer:  # same order in ctTransferPAV2 and ctTransferPAReceiptV2
            if child.tag == "richiestaMarcaDaBollo":  # pragma: no cover - not used by fines
                continue
            copied.append(copy.deepcopy(child))
    local = now.astimezone(ROME)
    fields(receipt, [
        ("idPSP", psp["id_psp"]),
        ("pspFiscalCode", psp.get("psp_fiscal_code")),
        ("PSPCompanyName", psp["psp_company_name"]),
        ("idChannel", psp["id_channel"]),
        ("channelDescription", psp["channel_description"]),
        ("paymentMethod", psp["payment_method"]),
        ("fee", wire.amount(psp["fee"])),
        ("paymentDateTime", local.replace(tzinfo=None).isoformat(timespec="seconds")),
        ("applicationDate", local.date().isoformat()),
        ("transferDate", local.date().isoformat()),
    ])
    return body


def send_receipt(state: NodeState, body: ET.Element) -> Reply:
    return call(state, "paSendRTV2", body)


def replay(state: NodeState, receipt_id: str) -> Reply | None:
    """Send a stored receipt again, unchanged."""
    with state.lock:
        sent = state.receipts.get(receipt_id)
    if sent is None:
        return None
    reply = call(state, "paSendRTV2", wire.parse_xml(sent.request))
    with state.lock:
        sent.replies.append(reply)
    return reply


def _safe_return(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def create_app(creditor_url: str, *, registry: Registry | None = None,
               id_broker_pa: str | None = None, id_station: str | None = None,
               id_psp: str = "SIMPSP01", psp_company_name: str = "Simulated PSP S.p.A.",
               psp_fiscal_code: str | None = "00000000000",
               id_channel: str = "SIMPSP01_ONLINE", channel_description: str = "app",
               payment_method: str = "CP", fee: Decimal = Decimal("0.50"),
               timeout: float = 15.0) -> Flask:
    """The simulated node as a WSGI app; ``creditor_url`` is the creditor's SOAP endpoint
    (the portal's ``/pagopa/paForNode``)."""
    app = Flask(__name__)
    state = NodeState(
        creditor_url=creditor_url, registry=registry, id_broker_pa=id_broker_pa,
        id_station=id_station, timeout=timeout,
        psp={"id_psp": id_psp, "psp_company_name": psp_company_name,
             "psp_fiscal_code": psp_fiscal_code, "id_channel": id_channel,
             "channel_description": channel_description, "payment_method": payment_method,
             "fee": fee},
    )
    app.extensions["pagopa_node"] = state

    def page(status: int = 200, **context: Any):
        context.setdefault("form", {})
        context.setdefault("reply", None)
        return render_template_string(_PAGE, **context), status

    def inputs(source) -> dict[str, str]:
        return {
            "notice": "".join((source.get("notice") or "").split()),
            "fiscal_code": (source.get("fiscal_code") or "").strip(),
            "return_url": _safe_return(source.get("return_url")) or "",
        }

    def problem(form: dict[str, str]) -> str | None:
        if not (len(form["notice"]) == 18 and is_valid_check(form["notice"])):
            return "The notice number must have 18 digits with valid check digits."
        if not (len(form["fiscal_code"]) == 11 and form["fiscal_code"].isdigit()):
            return "The creditor's fiscal code must have 11 digits."
        if state.station_for(form["fiscal_code"]) is None:
            return "PPT_DOMINIO_SCONOSCIUTO: this creditor is not registered on the node."
        return None

    @app.get("/")
    def index():
        return redirect("/checkout")

    @app.get("/checkout")
    def checkout():
        form = inputs(request.args)
        if not form["notice"] and not form["fiscal_code"]:
            return page(form=form)
        error = problem(form)
        if error:
            return page(400, form=form, error=error)
        reply = verify(state, form["fiscal_code"], form["notice"],
                       state.station_for(form["fiscal_code"]))
        if not reply.ok:
            return page(200, form=form, reply=reply)
        option = reply.element.find("paymentList/paymentOptionDescription")
        return page(form=form, reply=reply, verified={
            "amount": child_text(option, "amount"),
            "due_date": child_text(option, "dueDate"),
            "description": child_text(reply.element, "paymentDescription")
            or child_text(option, "detailDescription"),
            "company": child_text(reply.element, "companyName"),
        })

    @app.post("/checkout/pay")
    def pay():
        form = inputs(request.form)
        error = problem(form)
        if error:
            return page(400, form=form, error=error)
        station = state.station_for(form["fiscal_code"])
        amount = request.form.get("amount") or None
        got = get_payment(state, form["fiscal_code"], form["notice"], station, amount)
        if not got.ok:
            return page(200, form=form, reply=got)
        data = got.element.find("data")
        receipt_id = secrets.token_hex(16)
        body = build_receipt(state, form["fiscal_code"], form["notice"], station, data,
                             receipt_id, datetime.now(UTC))
        sent = send_receipt(state, body)
        record = SentReceipt(receipt_id, form["notice"], form["fiscal_code"],
                             child_text(data, "paymentAmount") or "", ET.tostring(body),
                             [sent])
        with state.lock:
            state.receipts[receipt_id] = record
        if not sent.ok:
            return page(200, form=form, reply=sent)
        if form["return_url"]:
            return redirect(form["return_url"], 303)
        return page(form=form, paid=record)

    @app.get("/receipts")
    def receipts():
        with state.lock:
            items = list(state.receipts.values())
        return render_template_string(_RECEIPTS, receipts=items)

    @app.post("/receipts/<receipt_id>/replay")
    def replay_receipt(receipt_id: str):
        reply = replay(state, receipt_id)
        if reply is None:
            return Response("unknown receipt", status=404, mimetype="text/plain")
        if request.args.get("format") == "json":
            return Response(json.dumps({"receipt_id": receipt_id, "outcome": reply.outcome,
                                        "fault_code": reply.fault_code,
                                        "description": reply.description}),
                            mimetype="application/json")
        with state.lock:
            items = list(state.receipts.values())
        return render_template_string(_RECEIPTS, receipts=items, replayed=reply,
                                      replayed_id=receipt_id)

    @app.after_request
    def _headers(response: Response):
        if response.mimetype == "text/html":
            # No form-action: after paying, the browser is redirected back to the portal.
            response.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; "
                "base-uri 'none'; frame-ancestors 'none'")
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def state_of(app: Flask) -> NodeState:
    return app.extensions["pagopa_node"]


_STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f2f5f9;color:#17324d}
main{max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}h1{font-size:1.4rem}
label{display:block;font-weight:600;margin-top:1rem}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #5c6f82;
border-radius:4px}button{margin-top:1.2rem;padding:.7rem 1.2rem;font-size:1rem;
background:#0066cc;color:#fff;border:0;border-radius:4px}
button:focus,a:focus,input:focus{outline:3px solid #ffbf47}.note{font-size:.9rem;color:#5c6f82}
.total{font-size:1.6rem;font-weight:700}.ko{border:2px solid #cc334d;padding:.5rem 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccd;padding:.3rem;
text-align:left;font-size:.9rem}
</style>"""

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay a pagoPA notice – simulated node</title>""" + _STYLE + """</head>
<body><main>
<p class="note">pagoPA node stand-in · no real money moves</p>
<h1>Pay a pagoPA notice</h1>
{% if error %}<div class="ko" role="alert"><p>{{ error }}</p></div>{% endif %}
{% if reply and not reply.ok %}
<div class="ko" role="alert">
  <p><strong>The creditor answered {{ reply.fault_code or "KO" }}</strong></p>
  {% if reply.fault_string %}<p>{{ reply.fault_string }}</p>{% endif %}
  {% if reply.description %}<p class="note">{{ reply.description }}</p>{% endif %}
</div>
{% endif %}
{% if paid %}
<p role="status">Payment completed. Receipt {{ paid.receipt_id }} for {{ paid.amount }} EUR.</p>
<p><a href="/receipts">Receipts sent</a></p>
{% elif verified %}
<p>{{ verified.company }}</p>
<p>{{ verified.description }}</p>
<p class="total">{{ verified.amount }} EUR</p>
{% if verified.due_date %}<p>Due date: {{ verified.due_date }}</p>{% endif %}
<p class="note">Notice {{ form.notice }} · creditor {{ form.fiscal_code }}</p>
<form method="post" action="/checkout/pay">
  <input type="hidden" name="notice" value="{{ form.notice }}">
  <input type="hidden" name="fiscal_code" value="{{ form.fiscal_code }}">
  <input type="hidden" name="return_url" value="{{ form.return_url }}">
  <input type="hidden" name="amount" value="{{ verified.amount }}">
  <button type="submit">Pay {{ verified.amount }} EUR</button>
</form>
{% else %}
<form method="get" action="/checkout">
  <label for="notice">Notice number (18 digits)</label>
  <input id="notice" name="notice" inputmode="numeric" autocomplete="off" value="{{ form.notice }}" required>
  <label for="fiscal_code">Creditor's fiscal code (11 digits)</label>
  <input id="fiscal_code" name="fiscal_code" inputmode="numeric" autocomplete="off" value="{{ form.fiscal_code }}" required>
  <input type="hidden" name="return_url" value="{{ form.return_url }}">
  <button type="submit">Continue</button>
</form>
{% endif %}
{% if form.return_url and not paid %}<p><a href="{{ form.return_url }}">Cancel and go back</a></p>{% endif %}
</main></body></html>
"""

_RECEIPTS = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Receipts sent – simulated node</title>""" + _STYLE + """</head>
<body><main>
<h1>Receipts sent</h1>
{% if replayed %}
<p role="status">Replay of {{ replayed_id }}: <strong>{{ replayed.outcome }}
{% if replayed.fault_code %}{{ replayed.fault_code }}{% endif %}</strong></p>
{% endif %}
<table>
<thead><tr><th>Receipt</th><th>Notice</th><th>Amount</th><th>Outcomes</th><th></th></tr></thead>
<tbody>
{% for r in receipts %}
<tr><td>{{ r.receipt_id }}</td><td>{{ r.notice_number }}</td><td>{{ r.amount }}</td>
<td>{% for x in r.replies %}{{ x.outcome }}{% if x.fault_code %} {{ x.fault_code }}{% endif %}{% if not loop.last %}, {% endif %}{% endfor %}</td>
<td><form method="post" action="/receipts/{{ r.receipt_id }}/replay"><button type="submit">Send again</button></form></td></tr>
{% else %}
<tr><td colspan="5">No receipts yet.</td></tr>
{% endfor %}
</tbody></table>
<p><a href="/checkout">Pay a notice</a></p>
</main></body></html>
"""


def serve(host: str = "127.0.0.1", port: int = 5003, **kw: Any) -> None:
    """Serve the stand-in until interrupted; ``kw`` are :func:`create_app`'s arguments
    (``creditor_url`` required). To run it beside other apps in one process, use
    ``make_server(host, port, create_app(...), threaded=True)``."""
    server = make_server(host, port, create_app(**kw), threaded=True)
    print(f" * pagoPA node stand-in: http://{host}:{server.server_port}/checkout", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


def main() -> None:
    from core.config import BaseConfig

    parser = argparse.ArgumentParser(description="Local pagoPA node stand-in (demo only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5003)
    parser.add_argument("--creditor-url",
                        default=BaseConfig.PORTAL_BASE_URL.rstrip("/") + "/pagopa/paForNode")
    parser.add_argument("--id-broker-pa", help="idBrokerPA for every creditor")
    parser.add_argument("--id-station", help="idStation for every creditor")
    args = parser.parse_args()
    serve(args.host, args.port, creditor_url=args.creditor_url,
          id_broker_pa=args.id_broker_pa, id_station=args.id_station)


if __name__ == "__main__":
    main()
