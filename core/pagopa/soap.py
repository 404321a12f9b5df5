"""The creditor's SOAP service for the pagoPA node (``paForNode``): parse → dispatch → build.

Operations (soapAction = operation name, document/literal SOAP 1.1, pagopa.md §3):

* ``paVerifyPaymentNotice`` — the amount due **today** (the fines engine through
  :func:`core.positions.quote_verbale`), its due date (last day of the current window), the
  description and the creditor;
* ``paGetPayment`` / ``paGetPaymentV2`` — the same amount as one transfer to the Ente's IBAN
  (the request's optional ``amount`` is informative only: the answer always carries today's
  amount), the debtor, and the opening of a payment attempt: the quote is stored on the notice
  (``quoted_total``/``quoted_on``/``quote_valid_until``) and ``in_progress_until`` is set to
  now + :data:`~core.pagopa.service.IN_PROGRESS_WINDOW` (30 minutes); another paGetPayment in
  that window answers ``PAA_PAGAMENTO_IN_CORSO``;
* ``paSendRT`` / ``paSendRTV2`` — the receipt of a successful payment, recorded through
  :func:`core.collection.ledger.record_confirmed_payment` (channel pagoPA, provider reference =
  ``receiptId``, the stored quote honoured within ``QUOTE_GRACE_DAYS``; an instalment's
  notice pays that instalment, :func:`core.instalments.payments.record_instalment_payment`,
  and its verify/get answer the instalment's amount and due date). The same receipt
  twice is one payment: the repeat answers ``PAA_RECEIPT_DUPLICATA``. The notice is closed
  (PAID) when the ledger classifies the payment as saldo or eccedenza. A receipt is recorded
  even for a notice already paid or cancelled: the money was taken, and the ledger opens the
  refund.

Every answer is a SOAP envelope with HTTP 200 and ``outcome`` OK, or KO with
``fault`` {faultCode, faultString, id, description} — also for oversize bodies, malformed XML,
DTDs/entities (refused by defusedxml), requests invalid against ``paForNode.xsd``
(``PAA_SINTASSI_XSD``) and unexpected errors (``PAA_SYSTEM_ERROR``, logged). Each operation
runs in a savepoint rolled back on any KO, so a fault never leaves partial work. Only when the operation
cannot be identified at all (no known soapAction nor request element) the answer is a SOAP 1.1
``Fault`` (HTTP 500, as SOAP 1.1 requires) whose detail carries the same fault bean.

Fault codes: unknown notice/creditor data → ``PAA_PAGAMENTO_SCONOSCIUTO``; paid →
``PAA_PAGAMENTO_DUPLICATO``; cancelled verbale/notice or replaced by instalments →
``PAA_PAGAMENTO_ANNULLATO``; prescribed → ``PAA_PAGAMENTO_SCADUTO``; attempt open →
``PAA_PAGAMENTO_IN_CORSO``; appeal pending and other inconsistent data → ``PAA_SEMANTICA``;
idPA / idBrokerPA / idStation not the creditor's → ``PAA_ID_DOMINIO_ERRATO`` /
``PAA_ID_INTERMEDIARIO_ERRATO`` / ``PAA_STAZIONE_INT_ERRATA``.

Work is flushed before the answer is built, so constraint errors surface here as faults; the
request wrapper commits an OK answer.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET  # noqa: S405 - element type only; parsing uses defusedxml
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from core import audit, db
from core.collection.ledger import LedgerError
from core.db import utcnow
from core.models import Allocation, Ente, NoticeStatus
from core.pagopa import service, wire
from core.pagopa.wire import child_text, fields, sub
from core.positions import local_today

log = logging.getLogger(__name__)

SCONOSCIUTO = "PAA_PAGAMENTO_SCONOSCIUTO"
SCADUTO = "PAA_PAGAMENTO_SCADUTO"
DUPLICATO = "PAA_PAGAMENTO_DUPLICATO"
IN_CORSO = "PAA_PAGAMENTO_IN_CORSO"
ANNULLATO = "PAA_PAGAMENTO_ANNULLATO"
ID_DOMINIO_ERRATO = "PAA_ID_DOMINIO_ERRATO"
ID_INTERMEDIARIO_ERRATO = "PAA_ID_INTERMEDIARIO_ERRATO"
STAZIONE_INT_ERRATA = "PAA_STAZIONE_INT_ERRATA"
SINTASSI_XSD = "PAA_SINTASSI_XSD"
SEMANTICA = "PAA_SEMANTICA"
SYSTEM_ERROR = "PAA_SYSTEM_ERROR"
RECEIPT_DUPLICATA = "PAA_RECEIPT_DUPLICATA"

FAULT_STRINGS = {
    SCONOSCIUTO: "Pagamento in attesa risulta sconosciuto all'Ente Creditore.",
    SCADUTO: "Pagamento in attesa risulta scaduto all'Ente Creditore.",
    DUPLICATO: "Pagamento in attesa risulta concluso all'Ente Creditore.",
    IN_CORSO: "Pagamento in attesa risulta in corso all'Ente Creditore.",
    ANNULLATO: "Pagamento in attesa risulta annullato all'Ente Creditore.",
    ID_DOMINIO_ERRATO: "La PAA non corrisponde al Dominio indicato.",
    ID_INTERMEDIARIO_ERRATO: "Identificativo intermediario non corrispondente.",
    STAZIONE_INT_ERRATA: "Stazione intermediario non corrispondente.",
    SINTASSI_XSD: "Errore di sintassi XSD.",
    SEMANTICA: "Errore semantico.",
    SYSTEM_ERROR: "Errore generico.",
    RECEIPT_DUPLICATA: "La ricevuta è già stata acquisita dall'Ente Creditore.",
}

REASON_CODES = {
    service.Reason.UNKNOWN: SCONOSCIUTO,
    service.Reason.PAID: DUPLICATO,
    service.Reason.CANCELLED: ANNULLATO,
    service.Reason.EXPIRED: SCADUTO,
    service.Reason.SUSPENDED: SEMANTICA,
    service.Reason.IN_PROGRESS: IN_CORSO,
}

#: WSDL operations this creditor does not implement: answered KO in their own wrapper.
UNSUPPORTED = {"paDemandPaymentNotice": "paDemandPaymentNoticeResponse"}

_EMAIL = re.compile(r"[a-zA-Z0-9_.+\-]+@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_DEFAULT_FAULT_ID = "paForNode"


class Fault(Exception):
    def __init__(self, code: str, description: str = ""):
        super().__init__(code, description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class SoapResult:
    body: bytes
    status: int = 200
    content_type: str = wire.CONTENT_TYPE
    operation: str | None = None
    outcome: str = "OK"
    fault_code: str | None = None


# -- entry point ---------------------------------------------------------------------------


def _action(header: str | None) -> str | None:
    if not header:
        return None
    action = header.strip().strip('"').strip()
    return action.rsplit("/", 1)[-1] or None  # tolerate "<namespace>/<operation>"


def handle(soap_action: str | None, content_length: int | None,
           read: Callable[[int], bytes], max_bytes: int,
           now: datetime | None = None) -> SoapResult:
    """Answer one HTTP request to the creditor endpoint. ``read(n)`` reads at most ``n``
    bytes of the body; nothing beyond ``max_bytes`` + 1 is ever read."""
    operation = _action(soap_action)
    response_name = _response_name(operation)
    id_pa: str | None = None
    try:
        if content_length is not None and content_length > max_bytes:
            raise Fault(SINTASSI_XSD, f"request larger than {max_bytes} bytes")
        try:
            data = read(max_bytes + 1) or b""
        except HTTPException:  # e.g. beyond the app's MAX_CONTENT_LENGTH
            raise Fault(SINTASSI_XSD, "request too large") from None
        if len(data) > max_bytes:
            raise Fault(SINTASSI_XSD, f"request larger than {max_bytes} bytes")
        try:
            element = wire.body_element(data)
        except wire.WireError as exc:
            raise Fault(SINTASSI_XSD, str(exc)) from None
        id_pa = child_text(element, "idPA")
        body_operation = wire.REQUEST_ELEMENTS.get(wire.local_name(element.tag))
        if operation is None or response_name is None:
            operation = body_operation or operation
            response_name = _response_name(operation)
        if response_name is None:
            raise Fault(SINTASSI_XSD, f"unknown operation {operation!r}")
        if operation in UNSUPPORTED:
            raise Fault(SYSTEM_ERROR, f"operation {operation} is not supported by this creditor")
        expected = wire.OPERATIONS[operation][0]
        if element.tag != f"{{{wire.PAF_NS}}}{expected}":
            raise Fault(SINTASSI_XSD, f"expected {{{wire.PAF_NS}}}{expected} in the Body "
                                      f"for soapAction {operation}, got {element.tag}")
        error = wire.first_schema_error(element)
        if error:
            raise Fault(SINTASSI_XSD, error)
        answer = _run(HANDLERS[operation], element, now or utcnow())
        log.info("pagoPA %s OK", operation)
        return SoapResult(wire.envelope(answer), operation=operation)
    except Fault as fault:
        log.info("pagoPA %s KO %s: %s", operation, fault.code, fault.description)
        return _ko(operation, response_name, fault, id_pa)
    except _Unexpected as exc:  # never an HTML error page for the node: a KO it can act on
        log.error("pagoPA %s failed", operation, exc_info=exc.__cause__)
        return _ko(operation, response_name, Fault(SYSTEM_ERROR, "unexpected error"), id_pa)
    except Exception:
        db.session.rollback()
        log.exception("pagoPA %s failed", operation)
        return _ko(operation, response_name, Fault(SYSTEM_ERROR, "unexpected error"), id_pa)


class _Unexpected(Exception):
    """An unexpected error inside an operation whose savepoint was rolled back cleanly."""


def _run(handler, element: ET.Element, now: datetime) -> ET.Element:
    """Run one operation inside a savepoint: on any fault its work is undone (and only its
    work), so a KO answer never leaves partial changes for the request's commit."""
    nested = db.session.begin_nested()
    try:
        answer = handler(element, now)
    except BaseException as exc:
        nested.rollback()  # if this fails, the caller rolls the whole session back
        if isinstance(exc, Fault):
            raise
        raise _Unexpected() from exc
    nested.commit()
    return answer


def _response_name(operation: str | None) -> str | None:
    if operation in wire.OPERATIONS:
        return wire.OPERATIONS[operation][1]
    return UNSUPPORTED.get(operation or "")


def fault_bean(parent: ET.Element, fault: Fault, id_pa: str | None) -> ET.Element:
    bean = sub(parent, "fault")
    return fields(bean, [
        ("faultCode", fault.code),
        ("faultString", FAULT_STRINGS.get(fault.code, FAULT_STRINGS[SYSTEM_ERROR])),
        ("id", (id_pa or _DEFAULT_FAULT_ID)[:35]),
        ("description", fault.description[:1000] or None),
    ])


def _ko(operation: str | None, response_name: str | None, fault: Fault,
        id_pa: str | None) -> SoapResult:
    if response_name is None:
        detail = wire.wrapper("paForNodeFault")
        sub(detail, "outcome", "KO")
        fault_bean(detail, fault, id_pa)
        body = wire.soap_fault("soapenv:Client", fault.code, detail)
        return SoapResult(body, status=500, operation=operation, outcome="KO",
                          fault_code=fault.code)
    answer = wire.wrapper(response_name)
    sub(answer, "outcome", "KO")
    fault_bean(answer, fault, id_pa)
    return SoapResult(wire.envelope(answer), operation=operation, outcome="KO",
                      fault_code=fault.code)


# -- shared checks -------------------------------------------------------------------------


def _creditor(request: ET.Element, creditor_fiscal_code: str | None) -> Ente:
    """The Ente addressed by the request: idPA must be the creditor's fiscal code (the one in
    the QR code or receipt), and broker/station must be the Ente's own."""
    id_pa = child_text(request, "idPA")
    ente = service.ente_by_fiscal_code(id_pa or "")
    if ente is None:
        raise Fault(ID_DOMINIO_ERRATO, f"idPA {id_pa} is not a creditor served here")
    if creditor_fiscal_code != id_pa:
        raise Fault(ID_DOMINIO_ERRATO,
                    f"creditor fiscal code {creditor_fiscal_code} differs from idPA {id_pa}")
    if child_text(request, "idBrokerPA") != ente.id_broker_pa:
        raise Fault(ID_INTERMEDIARIO_ERRATO, "idBrokerPA is not the creditor's broker")
    if child_text(request, "idStation") != ente.id_station:
        raise Fault(STAZIONE_INT_ERRATA, "idStation is not the creditor's station")
    return ente


def _payable(request: ET.Element, now: datetime, opening: bool):
    ente = _creditor(request, child_text(request, "qrCode/fiscalCode"))
    today = local_today(ente, now)
    notice = service.find_notice(ente, child_text(request, "qrCode/noticeNumber") or "")
    check = service.check_payable(notice, today, now, opening=opening)
    if not check.ok:
        raise Fault(REASON_CODES[check.reason], check.detail)
    return ente, today, notice, check.position


def _optional(value: str | None, limit: int) -> str | None:
    cleaned = wire.text(value or "", limit)
    return cleaned or None


# -- operations ----------------------------------------------------------------------------


def verify_payment_notice(request: ET.Element, now: datetime) -> ET.Element:
    ente, _today, notice, position = _payable(request, now, opening=False)
    description = wire.text(service.payment_description(notice.verbale), 140)
    answer = wire.wrapper("paVerifyPaymentNoticeRes")
    sub(answer, "outcome", "OK")
    option = sub(sub(answer, "paymentList"), "paymentOptionDescription")
    fields(option, [
        ("amount", wire.amount(position.quote.total)),
        ("options", "EQ"),
        ("dueDate", wire.iso_date(service.due_date(position))),
        ("detailDescription", description),
        ("allCCP", "false"),  # the transfer goes to a bank IBAN, not a postal account
    ])
    return fields(answer, [
        ("paymentDescription", description),
        ("fiscalCodePA", ente.fiscal_code),
        ("companyName", wire.text(ente.name, 140)),
    ])


def _get_payment(request: ET.Element, now: datetime, v2: bool) -> ET.Element:
    ente, today, notice, position = _payable(request, now, opening=True)
    service.remember_quote(notice, position, today, now)
    total = wire.amount(position.quote.total)
    verbale = notice.verbale
    description = wire.text(service.payment_description(verbale), 140)
    answer = wire.wrapper("paGetPaymentV2Response" if v2 else "paGetPaymentRes")
    sub(answer, "outcome", "OK")
    data = fields(sub(answer, "data"), [
        ("creditorReferenceId", notice.iuv),
        ("paymentAmount", total),
        ("dueDate", wire.iso_date(service.due_date(position))),
        ("description", description),
        ("companyName", wire.text(ente.name, 140)),
    ])
    _debtor(data, service.debtor_of(verbale.offender))
    transfer = sub(sub(data, "transferList"), "transfer")
    remittance = f"/RFB/{notice.iuv}/{total}/TXT/{description}"
    fields(transfer, [
        ("idTransfer", "1"),
        ("transferAmount", total),
        ("fiscalCodePA", ente.fiscal_code),
        ("companyName", wire.text(ente.name, 140) if v2 else None),
        ("IBAN", ente.iban),
        ("remittanceInformation", wire.text(remittance, 140)),
        ("transferCategory", service.TRANSFER_CATEGORY),
    ])
    return answer


def _debtor(parent: ET.Element, debtor: service.Debtor) -> None:
    element = sub(parent, "debtor")
    fields(sub(element, "uniqueIdentifier"), [
        ("entityUniqueIdentifierType", debtor.kind),
        ("entityUniqueIdentifierValue", debtor.identifier),
    ])
    fields(element, [
        ("fullName", wire.text(debtor.name, 70)),
        ("streetName", _optional(debtor.street, 70)),
        ("postalCode", _optional(debtor.postal_code, 16)),
        ("city", _optional(debtor.city, 35)),
        ("stateProvinceRegion", _optional(debtor.province, 35)),
        ("country", debtor.country if _COUNTRY.fullmatch(debtor.country or "") else None),
        ("e-mail", debtor.email if debtor.email and len(debtor.email) <= 256
         and _EMAIL.fullmatch(debtor.email) else None),
    ])


def get_payment(request: ET.Element, now: datetime) -> ET.Element:
    return _get_payment(request, now, v2=False)


def get_payment_v2(request: ET.Element, now: datetime) -> ET.Element:
    return _get_payment(request, now, v2=True)


def _money(value: str | None, what: str) -> Decimal:
    try:
        amount = wire.parse_amount(value)
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None:
        raise Fault(SEMANTICA, f"{what} is not an amount")
    return amount


def _paid_at(value: str | None, ente: Ente, now: datetime) -> datetime:
    if not value:
        return now
    try:
        paid_at = wire.parse_datetime(value)
    except ValueError:
        raise Fault(SEMANTICA, f"paymentDateTime {value!r} is not a date-time") from None
    if paid_at.tzinfo is None:  # the node sends Italian local time without an offset
        paid_at = paid_at.replace(tzinfo=ZoneInfo(ente.timezone or "Europe/Rome"))
    return paid_at


def _send_rt(request: ET.Element, now: datetime, version: str) -> ET.Element:
    receipt = request.find("receipt")
    ente = _creditor(request, child_text(receipt, "fiscalCode"))
    notice_number = child_text(receipt, "noticeNumber") or ""
    notice = service.find_notice(ente, notice_number)
    if notice is None:
        raise Fault(SCONOSCIUTO, f"no notice {notice_number} for this creditor")
    if child_text(receipt, "outcome") != "OK":
        raise Fault(SEMANTICA, "only receipts of successful payments are accepted")
    if child_text(receipt, "creditorReferenceId") != notice.iuv:
        raise Fault(SEMANTICA, "creditorReferenceId is not the notice's IUV")
    receipt_id = child_text(receipt, "receiptId") or ""
    if not receipt_id or len(receipt_id) > 120:
        raise Fault(SEMANTICA, "receiptId must have 1 to 120 characters")
    amount = _money(child_text(receipt, "paymentAmount"), "paymentAmount")
    if amount <= 0:
        raise Fault(SEMANTICA, "paymentAmount must be positive")
    transfers = receipt.findall("transferList/transfer")
    if sum((_money(child_text(t, "transferAmount"), "transferAmount") for t in transfers),
           Decimal("0.00")) != amount:
        raise Fault(SEMANTICA, "paymentAmount differs from the sum of the transfers")
    paid_at = _paid_at(child_text(receipt, "paymentDateTime"), ente, now)
    details = {
        "receipt_id": receipt_id, "notice_number": notice.notice_number, "iuv": notice.iuv,
        "id_psp": child_text(receipt, "idPSP"), "psp": child_text(receipt, "PSPCompanyName"),
        "id_channel": child_text(receipt, "idChannel"),
        "payment_method": child_text(receipt, "paymentMethod"),
        "fee": child_text(receipt, "fee"), "receipt_version": version,
    }
    payer_email = child_text(receipt, "payer/e-mail")
    try:
        recorded = service.record_receipt(  # an instalment's notice pays that instalment
            notice, provider_ref=receipt_id, amount=amount, paid_at=paid_at,
            quoted_total=notice.quoted_total, quote_valid_until=notice.quote_valid_until,
            payer_email=payer_email, details={k: v for k, v in details.items() if v},
        )
    except LedgerError as exc:
        raise Fault(SEMANTICA, str(exc)) from None
    except IntegrityError:  # the same receipt recorded concurrently
        raise Fault(RECEIPT_DUPLICATA, f"receipt {receipt_id} already recorded") from None
    if not recorded.created:
        raise Fault(RECEIPT_DUPLICATA, f"receipt {receipt_id} already recorded")
    if recorded.payment.allocation in (Allocation.FULL, Allocation.OVERPAID):
        notice.status = NoticeStatus.PAID
    notice.in_progress_until = None
    db.session.flush()
    audit.record("pagopa.receipt_recorded", actor_type="system", actor_id=None,
                 object_type="payment_notice", object_id=notice.id, ente_id=ente.id,
                 verbale_id=notice.verbale_id, receipt_id=receipt_id,
                 payment_id=recorded.payment.id, allocation=str(recorded.payment.allocation))
    answer = wire.wrapper("paSendRTV2Response" if version == "v2" else "paSendRTRes")
    sub(answer, "outcome", "OK")
    return answer


def send_rt(request: ET.Element, now: datetime) -> ET.Element:
    return _send_rt(request, now, "v1")


def send_rt_v2(request: ET.Element, now: datetime) -> ET.Element:
    return _send_rt(request, now, "v2")


HANDLERS: dict[str, Callable[[ET.Element, datetime], ET.Element]] = {
    "paVerifyPaymentNotice": verify_payment_notice,
    "paGetPayment": get_payment,
    "paGetPaymentV2": get_payment_v2,
    "paSendRT": send_rt,
    "paSendRTV2": send_rt_v2,
}
