"""End to end over real HTTP: the portal and the simulated pagoPA node each served on
loopback; the node's checkout calls the creditor's paVerifyPaymentNotice, paGetPaymentV2 and
paSendRTV2 and sends the browser back to the position. The test DB session is bound to one
connection; the portal's server thread uses it while the test waits on HTTP (sequential)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from core import db
from core.models import (
    NoticeStatus,
    Payment,
    PaymentChannel,
    PaymentNotice,
    PaymentStatus,
    Verbale,
    VerbaleStatus,
)
from core.pagopa import wire
from core.pagopa.service import node_registry
from core.standins import pagopa_node
from tests.core.pagopa.pagopa_support import fine, sign_in


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(method: str, url: str, form: dict | None = None) -> tuple[int, dict, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with _opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture()
def live(portal_app, portal, monkeypatch):
    """(portal base URL, node base URL, node app); the node reads the creditor's stations
    from the database, as the demo wires it."""
    with serving(portal_app) as portal_url:
        monkeypatch.setitem(portal_app.config, "PORTAL_BASE_URL", portal_url)
        node_app = pagopa_node.create_app(portal_url + "/pagopa/paForNode",
                                          registry=node_registry(portal_app))
        with serving(node_app) as node_url:
            monkeypatch.setitem(portal_app.config, "PAGOPA_NODE_URL", node_url)
            yield portal_url, node_url, node_app


def _state(verbale_id: int):
    db.session.expire_all()
    verbale = db.session.get(Verbale, verbale_id)
    payments = db.session.scalars(select(Payment).where(Payment.verbale_id == verbale_id)).all()
    notices = db.session.scalars(
        select(PaymentNotice).where(PaymentNotice.verbale_id == verbale_id)).all()
    db.session.commit()  # hold nothing open while the servers use the connection
    return verbale, payments, notices


def test_pay_through_the_simulated_node(live, portal):
    portal_url, node_url, node_app = live
    ente, person, verbale, _n = fine(3, notice=False)
    verbale_id = verbale.id
    sign_in(portal, person)
    checkout = portal.get(f"/pagopa/pay/{verbale_id}").headers["Location"]
    assert checkout.startswith(node_url + "/checkout?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(checkout).query)
    return_url = query["return_url"][0]
    assert return_url.startswith(portal_url)
    db.session.commit()

    # The checkout page verifies the notice with the creditor and shows today's amount.
    status, _h, page = http("GET", checkout)
    assert status == 200, page
    assert "Pay a pagoPA notice" in page and "29.40" in page and ente.name in page

    # "Pay": paGetPaymentV2 then paSendRTV2, then back to the position.
    status, headers, page = http("POST", node_url + "/checkout/pay", {
        "notice": query["notice"][0], "fiscal_code": query["fiscal_code"][0],
        "return_url": return_url, "amount": "29.40"})
    assert status == 303, page
    assert headers["Location"] == return_url
    assert [(c.operation, c.outcome) for c in pagopa_node.state_of(node_app).calls] == [
        ("paVerifyPaymentNotice", "OK"), ("paGetPaymentV2", "OK"), ("paSendRTV2", "OK")]

    verbale, payments, notices = _state(verbale_id)
    confirmed = [p for p in payments if p.channel == PaymentChannel.PAGOPA
                 and p.status == PaymentStatus.CONFIRMED]
    assert len(confirmed) == 1 and len(payments) == 1
    [receipt_id] = pagopa_node.state_of(node_app).receipts
    assert confirmed[0].provider_ref == receipt_id
    assert confirmed[0].amount == Decimal("29.40")
    assert verbale.status == VerbaleStatus.PAID
    assert [n.status for n in notices] == [NoticeStatus.PAID]

    # Replaying the same receipt from the node records nothing more.
    status, _h, body = http("POST", f"{node_url}/receipts/{receipt_id}/replay?format=json", {})
    assert status == 200
    assert json.loads(body)["fault_code"] == "PAA_RECEIPT_DUPLICATA"
    status, _h, page = http("GET", node_url + "/receipts")
    assert receipt_id in page and "PAA_RECEIPT_DUPLICATA" in page
    _v, payments, _n = _state(verbale_id)
    assert len(payments) == 1

    # Paying again: the creditor says the notice is already paid.
    status, _h, page = http("GET", checkout)
    assert status == 200 and "PAA_PAGAMENTO_DUPLICATO" in page


def test_every_request_the_node_sends_is_schema_valid(live, monkeypatch):
    _portal_url, node_url, node_app = live
    ente, _person, verbale, notice = fine(10)
    sent: list = []
    real_call = pagopa_node.call

    def recording(state, operation, body):
        sent.append((operation, body))
        reply = real_call(state, operation, body)
        assert reply.element is not None and wire.first_schema_error(reply.element) is None
        return reply

    monkeypatch.setattr(pagopa_node, "call", recording)
    query = urllib.parse.urlencode({"notice": notice.notice_number,
                                    "fiscal_code": ente.fiscal_code})
    assert http("GET", f"{node_url}/checkout?{query}")[0] == 200
    status, _headers, _page = http("POST", node_url + "/checkout/pay", {
        "notice": notice.notice_number, "fiscal_code": ente.fiscal_code, "amount": "42.00"})
    assert status == 200  # no return_url: the node shows its own confirmation
    assert [op for op, _b in sent] == ["paVerifyPaymentNotice", "paGetPaymentV2", "paSendRTV2"]
    for _op, body in sent:
        assert wire.first_schema_error(body) is None
    receipt = sent[2][1].find("receipt")
    order = [child.tag for child in receipt]
    assert order[:14] == ["receiptId", "noticeNumber", "fiscalCode", "outcome",
                          "creditorReferenceId", "paymentAmount", "description", "companyName",
                          "debtor", "transferList", "idPSP", "pspFiscalCode", "PSPCompanyName",
                          "idChannel"]
    assert receipt.findtext("paymentAmount") == "42.00"
    _v, payments, _n = _state(verbale.id)
    assert [p.amount for p in payments] == [Decimal("42.00")]
    assert [r.receipt_id for r in pagopa_node.state_of(node_app).receipts.values()] == \
        [receipt.findtext("receiptId")]


def test_node_pages_for_bad_input_and_unknown_creditors(live):
    _portal_url, node_url, _node_app = live
    status, _h, page = http("GET", node_url + "/checkout")
    assert status == 200 and "Notice number" in page
    status, _h, page = http("GET", node_url + "/checkout?notice=123&fiscal_code=1")
    assert status == 400 and "18 digits" in page
    status, _h, page = http("GET", node_url + "/checkout?notice=302202400001234579"
                                              "&fiscal_code=12345678901")
    assert status == 400 and "PPT_DOMINIO_SCONOSCIUTO" in page
