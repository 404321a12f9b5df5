"""Shared helpers for the pagoPA tests: verbali at a given day of their timeline, SOAP requests
built like the node builds them, calls to the creditor endpoint with every answer validated
against ``paForNode.xsd``."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core import db
from core.models import Ente, IuvCounter, PaymentNotice, Verbale
from core.pagopa import wire
from core.pagopa.service import ensure_notice
from core.pagopa.wire import fields, sub
from core.positions import local_today
from tests import factories

SOAP_PATH = "/pagopa/paForNode"
# Each test Ente starts its IUV sequence at a base no other test Ente uses, so notice numbers
# (unique across Enti in the model) never collide even if rows outlive a test.
_BASES = itertools.count(10**12, 10**4)


def today() -> date:
    return local_today()


def new_ente(**kw: Any) -> Ente:
    ente = factories.ente(**kw)
    db.session.add(IuvCounter(ente_id=ente.id, last_base=next(_BASES)))
    db.session.commit()
    return ente


def fine(days_ago: int = 3, ente: Ente | None = None, *, notice: bool = True, **kw: Any):
    """(ente, person, verbale, notice): a 42.00–173.00 violation notified ``days_ago`` days
    ago (3 → reduced 29.40, 10 → minimum 42.00)."""
    ente = ente or new_ente()
    person = kw.pop("person", None) or factories.person(
        ente, fiscal_code=kw.pop("fiscal_code", "RSSMRA80A01H501U"))
    notified = today() - timedelta(days=days_ago)
    verbale = factories.verbale(ente, person, notified_on=notified,
                                assessed_on=kw.pop("assessed_on", notified - timedelta(days=5)),
                                **kw)
    issued = None
    if notice:
        issued = ensure_notice(verbale)
        db.session.commit()
    return ente, person, verbale, issued


def sign_in(client, person) -> Any:
    """Write the Flask-Login session directly (the sign-in form is rate-limited per IP)."""
    cred = factories.credential(person)
    with client.session_transaction() as sess:
        sess["_user_id"] = f"codes:{cred.id}:{cred.session_token}"
        sess["_fresh"] = True
        sess.permanent = True
    return cred


# -- requests ------------------------------------------------------------------------------


def _ids(element: ET.Element, ente: Ente, **over: str) -> ET.Element:
    return fields(element, [("idPA", over.get("id_pa", ente.fiscal_code)),
                            ("idBrokerPA", over.get("id_broker_pa", ente.id_broker_pa)),
                            ("idStation", over.get("id_station", ente.id_station))])


def verify_request(ente: Ente, notice_number: str, **over: str) -> ET.Element:
    body = _ids(wire.wrapper("paVerifyPaymentNoticeReq"), ente, **over)
    fields(sub(body, "qrCode"), [("fiscalCode", over.get("qr_fiscal_code", ente.fiscal_code)),
                                 ("noticeNumber", notice_number)])
    return body


def get_payment_request(ente: Ente, notice_number: str, v2: bool = True,
                        **over: str) -> ET.Element:
    body = _ids(wire.wrapper("paGetPaymentV2Request" if v2 else "paGetPaymentReq"), ente, **over)
    fields(sub(body, "qrCode"), [("fiscalCode", ente.fiscal_code),
                                 ("noticeNumber", notice_number)])
    fields(body, [("amount", over.get("amount")), ("transferType", "PAGOPA")])
    return body


def send_rt_request(ente: Ente, notice: PaymentNotice, amount: Decimal | str, *,
                    receipt_id: str = "rcpt-0001", v2: bool = True,
                    paid_at: datetime | str | None = None, outcome: str = "OK",
                    transfer_amount: Decimal | str | None = None, **over: str) -> ET.Element:
    """A complete receipt (ctReceiptV2 / ctReceipt) in the schema's element order."""
    amount = wire.amount(Decimal(str(amount)))
    body = _ids(wire.wrapper("paSendRTV2Request" if v2 else "paSendRTReq"), ente, **over)
    receipt = fields(sub(body, "receipt"), [
        ("receiptId", receipt_id), ("noticeNumber", notice.notice_number),
        ("fiscalCode", over.get("receipt_fiscal_code", ente.fiscal_code)),
        ("outcome", outcome), ("creditorReferenceId", over.get("iuv", notice.iuv)),
        ("paymentAmount", amount), ("description", "Sanzione CdS"),
        ("companyName", ente.name),
    ])
    debtor = sub(receipt, "debtor")
    fields(sub(debtor, "uniqueIdentifier"), [("entityUniqueIdentifierType", "F"),
                                             ("entityUniqueIdentifierValue", "RSSMRA80A01H501U")])
    sub(debtor, "fullName", "Mario Rossi")
    transfer = sub(sub(receipt, "transferList"), "transfer")
    fields(transfer, [
        ("idTransfer", "1"),
        ("transferAmount", wire.amount(Decimal(str(transfer_amount or amount)))),
        ("fiscalCodePA", ente.fiscal_code), ("IBAN", ente.iban),
        ("remittanceInformation", "/RFB/" + notice.iuv), ("transferCategory", "9/0101100IM/"),
    ])
    if isinstance(paid_at, datetime):
        paid_at = paid_at.isoformat(timespec="seconds")
    fields(receipt, [
        ("idPSP", "TESTPSP"), ("PSPCompanyName", "Test PSP"), ("idChannel", "TESTPSP_01"),
        ("channelDescription", "app"), ("paymentMethod", "CP"), ("fee", "0.50"),
        ("paymentDateTime", paid_at),
    ])
    return body


# -- calls ---------------------------------------------------------------------------------


def operation_of(body: ET.Element) -> str:
    return wire.REQUEST_ELEMENTS[wire.local_name(body.tag)]


def post(client, data: bytes, action: str | None, **headers: str):
    if action is not None:
        headers["SOAPAction"] = f'"{action}"'
    return client.post(SOAP_PATH, data=data,
                       headers={"Content-Type": "text/xml; charset=utf-8", **headers})


def answer_of(response) -> ET.Element:
    """The answer's body element, after checking it is XML (never an HTML page) and, for
    wrapper answers, valid against paForNode.xsd."""
    assert response.mimetype == "text/xml", response.get_data(as_text=True)[:300]
    element = wire.body_element(response.get_data())
    if element.tag.startswith(f"{{{wire.PAF_NS}}}"):
        assert wire.first_schema_error(element) is None, wire.first_schema_error(element)
    return element


def call(client, body: ET.Element, action: str | None = None) -> ET.Element:
    """Send a request (itself checked against the XSD) and return the validated answer."""
    assert wire.first_schema_error(body) is None, wire.first_schema_error(body)
    response = post(client, wire.envelope(body), action or operation_of(body))
    assert response.status_code == 200
    return answer_of(response)


def outcome(answer: ET.Element) -> tuple[str, str | None]:
    return answer.findtext("outcome"), answer.findtext("fault/faultCode")


def reload(verbale: Verbale) -> Verbale:
    db.session.expire_all()
    return db.session.get(Verbale, verbale.id)
