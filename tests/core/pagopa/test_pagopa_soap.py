"""The creditor SOAP service (paForNode) through the portal endpoint: every operation's happy
path with XSD-valid requests and answers, every fault code, hostile XML, today's amount from
the engine, the quote honoured in the grace period, idempotent receipts."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from stdnum import luhn

from core import db
from core.extensions import csrf
from core.fines import window_bounds
from core.models import (
    Allocation,
    NoticeStatus,
    Payment,
    PaymentChannel,
    PaymentNotice,
    PaymentStatus,
    PersonKind,
    VerbaleStatus,
)
from core.pagopa import service, wire
from core.pagopa.soap import FAULT_STRINGS
from tests import factories
from tests.core.pagopa.pagopa_support import (
    answer_of,
    call,
    fine,
    get_payment_request,
    new_ente,
    outcome,
    post,
    reload,
    send_rt_request,
    today,
    verify_request,
)


def _payments(verbale_id):
    db.session.expire_all()
    return db.session.scalars(select(Payment).where(Payment.verbale_id == verbale_id)).all()


def _notice(notice_id) -> PaymentNotice:
    db.session.expire_all()
    return db.session.get(PaymentNotice, notice_id)


# -- happy paths ---------------------------------------------------------------------------


def test_verify_answers_todays_reduced_amount(portal):
    ente, _p, verbale, notice = fine(3)
    answer = call(portal, verify_request(ente, notice.notice_number))
    assert outcome(answer) == ("OK", None)
    option = answer.find("paymentList/paymentOptionDescription")
    assert option.findtext("amount") == "29.40"  # 42.00 − 30 %
    assert option.findtext("options") == "EQ"
    assert option.findtext("dueDate") == window_bounds(verbale.notified_on)[0].isoformat()
    assert answer.findtext("fiscalCodePA") == ente.fiscal_code
    assert answer.findtext("companyName") == ente.name
    assert verbale.number in answer.findtext("paymentDescription")
    assert _notice(notice.id).in_progress_until is None  # verify opens no attempt


def test_verify_after_the_reduced_window_answers_the_minimum(portal):
    ente, _p, verbale, notice = fine(10)
    answer = call(portal, verify_request(ente, notice.notice_number))
    assert answer.findtext("paymentList/paymentOptionDescription/amount") == "42.00"
    assert answer.findtext("paymentList/paymentOptionDescription/dueDate") == \
        window_bounds(verbale.notified_on)[1].isoformat()


@pytest.mark.parametrize("v2", [True, False])
def test_get_payment_gives_transfer_debtor_and_stores_the_quote(portal, v2):
    ente, person, verbale, notice = fine(3)
    before = datetime.now(UTC)
    answer = call(portal, get_payment_request(ente, notice.notice_number, v2=v2))
    assert outcome(answer) == ("OK", None)
    data = answer.find("data")
    assert data.findtext("creditorReferenceId") == notice.iuv
    assert data.findtext("paymentAmount") == "29.40"
    disc_last = window_bounds(verbale.notified_on)[0]
    assert data.findtext("dueDate") == disc_last.isoformat()
    assert data.findtext("companyName") == ente.name
    assert data.findtext("debtor/uniqueIdentifier/entityUniqueIdentifierType") == "F"
    assert data.findtext("debtor/uniqueIdentifier/entityUniqueIdentifierValue") == person.fiscal_code
    assert data.findtext("debtor/fullName") == person.display_name
    transfers = data.findall("transferList/transfer")
    assert len(transfers) == 1
    t = transfers[0]
    assert (t.findtext("idTransfer"), t.findtext("transferAmount"), t.findtext("fiscalCodePA"),
            t.findtext("IBAN"), t.findtext("transferCategory")) == \
        ("1", "29.40", ente.fiscal_code, ente.iban, "9/0101100IM/")
    assert t.findtext("remittanceInformation").startswith(f"/RFB/{notice.iuv}/29.40")
    stored = _notice(notice.id)
    assert stored.quoted_total == Decimal("29.40")
    assert stored.quoted_on == today()
    assert stored.quote_valid_until == disc_last
    assert before + timedelta(minutes=29) < stored.in_progress_until <= \
        datetime.now(UTC) + service.IN_PROGRESS_WINDOW


def test_second_get_payment_while_an_attempt_is_open_is_in_progress(portal):
    ente, _p, _v, notice = fine(3)
    assert outcome(call(portal, get_payment_request(ente, notice.notice_number)))[0] == "OK"
    assert outcome(call(portal, get_payment_request(ente, notice.notice_number))) == \
        ("KO", "PAA_PAGAMENTO_IN_CORSO")
    # After the window the attempt is over and a new one can start.
    stored = _notice(notice.id)
    stored.in_progress_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert outcome(call(portal, get_payment_request(ente, notice.notice_number)))[0] == "OK"


def test_debtor_kinds(portal):
    ente = new_ente()
    vat = "0123456001" + luhn.calc_check_digit("0123456001")
    company = factories.person(ente, kind=PersonKind.LEGAL, company_name="Trasporti Srl",
                               first_name="", fiscal_code=vat)
    foreign = factories.person(ente, fiscal_code=None, foreign_id="X1234567", country="DE",
                               foreign_id_country="DE")
    unknown = factories.person(ente, fiscal_code=None, foreign_id="Z" * 30, country="FR")
    expected = [(company, "G", vat), (foreign, "F", "X1234567"), (unknown, "F", "ANONIMO")]
    for person, kind, value in expected:
        _e, _p, _v, notice = fine(3, ente, person=person)
        data = call(portal, get_payment_request(ente, notice.notice_number)).find("data")
        assert data.findtext("debtor/uniqueIdentifier/entityUniqueIdentifierType") == kind
        assert data.findtext("debtor/uniqueIdentifier/entityUniqueIdentifierValue") == value


def test_full_flow_records_one_payment_and_closes_the_notice(portal):
    ente, _p, verbale, notice = fine(3)
    call(portal, verify_request(ente, notice.notice_number))
    call(portal, get_payment_request(ente, notice.notice_number))
    paid_at = datetime.now(ZoneInfo("Europe/Rome")).replace(microsecond=0, tzinfo=None)
    answer = call(portal, send_rt_request(ente, notice, "29.40", receipt_id="R-1",
                                          paid_at=paid_at))
    assert outcome(answer) == ("OK", None)
    [payment] = _payments(verbale.id)
    assert payment.channel == PaymentChannel.PAGOPA and payment.status == PaymentStatus.CONFIRMED
    assert payment.provider_ref == "R-1" and payment.amount == Decimal("29.40")
    assert payment.allocation == Allocation.FULL
    assert payment.quoted_total == Decimal("29.40")
    # A naive paymentDateTime is Italian local time.
    assert payment.paid_at == paid_at.replace(tzinfo=ZoneInfo("Europe/Rome"))
    assert payment.details["iuv"] == notice.iuv and payment.details["id_psp"] == "TESTPSP"
    assert reload(verbale).status == VerbaleStatus.PAID
    stored = _notice(notice.id)
    assert stored.status == NoticeStatus.PAID and stored.in_progress_until is None
    # Now the notice is paid: the node is told so.
    assert outcome(call(portal, verify_request(ente, notice.notice_number))) == \
        ("KO", "PAA_PAGAMENTO_DUPLICATO")
    assert outcome(call(portal, get_payment_request(ente, notice.notice_number))) == \
        ("KO", "PAA_PAGAMENTO_DUPLICATO")


def test_same_receipt_twice_is_one_payment(portal):
    ente, _p, verbale, notice = fine(3)
    body = send_rt_request(ente, notice, "29.40", receipt_id="R-dup")
    assert outcome(call(portal, body)) == ("OK", None)
    answer = call(portal, body)
    assert outcome(answer) == ("KO", "PAA_RECEIPT_DUPLICATA")
    assert answer.findtext("fault/faultString") == FAULT_STRINGS["PAA_RECEIPT_DUPLICATA"]
    assert len(_payments(verbale.id)) == 1


def test_send_rt_v1(portal):
    ente, _p, verbale, notice = fine(10)
    assert outcome(call(portal, send_rt_request(ente, notice, "42.00", v2=False,
                                                receipt_id="R-v1"))) == ("OK", None)
    [payment] = _payments(verbale.id)
    assert payment.details["receipt_version"] == "v1" and payment.allocation == Allocation.FULL


def test_a_second_receipt_for_a_paid_notice_is_recorded_as_excess(portal):
    ente, _p, verbale, notice = fine(3)
    call(portal, send_rt_request(ente, notice, "29.40", receipt_id="R-a"))
    assert outcome(call(portal, send_rt_request(ente, notice, "29.40", receipt_id="R-b"))) == \
        ("OK", None)  # the money was taken: recorded, and the ledger opens the refund
    allocations = sorted(str(p.allocation) for p in _payments(verbale.id))
    assert allocations == ["eccedenza", "saldo"]


def test_partial_receipt_keeps_the_notice_active(portal):
    ente, _p, verbale, notice = fine(10)
    call(portal, send_rt_request(ente, notice, "10.00", receipt_id="R-part"))
    assert _notice(notice.id).status == NoticeStatus.ACTIVE
    assert reload(verbale).status == VerbaleStatus.NOTIFIED
    answer = call(portal, verify_request(ente, notice.notice_number))
    assert answer.findtext("paymentList/paymentOptionDescription/amount") == "32.00"


def _just_after_reduced_window() -> tuple[int, date]:
    """Days since notification such that the reduced window ended shortly before today."""
    for days in range(6, 15):
        last = window_bounds(today() - timedelta(days=days))[0]
        if last < today():
            return days, last
    raise AssertionError("no day 0 found")


def test_quote_is_honoured_in_the_grace_period(portal, portal_app):
    days, last = _just_after_reduced_window()
    assert (today() - last).days <= portal_app.config["QUOTE_GRACE_DAYS"]
    ente, _p, verbale, notice = fine(days)
    # Today the engine asks the minimum …
    answer = call(portal, verify_request(ente, notice.notice_number))
    assert answer.findtext("paymentList/paymentOptionDescription/amount") == "42.00"
    # … but the node quoted 29.40 on the last day of the reduced window.
    stored = _notice(notice.id)
    stored.quoted_total, stored.quoted_on, stored.quote_valid_until = Decimal("29.40"), last, last
    db.session.commit()
    call(portal, send_rt_request(ente, notice, "29.40", receipt_id="R-grace"))
    [payment] = _payments(verbale.id)
    assert payment.allocation == Allocation.FULL
    assert reload(verbale).status == VerbaleStatus.PAID


def test_without_a_quote_the_late_reduced_amount_is_partial(portal):
    days, _last = _just_after_reduced_window()
    ente, _p, verbale, notice = fine(days)
    call(portal, send_rt_request(ente, notice, "29.40", receipt_id="R-late"))
    [payment] = _payments(verbale.id)
    assert payment.allocation == Allocation.PARTIAL
    assert reload(verbale).status == VerbaleStatus.NOTIFIED


# -- status faults -------------------------------------------------------------------------


def test_unknown_notice(portal):
    ente, _p, _v, notice = fine(3)
    unknown = "3" + notice.notice_number[1:3] + "9999999999999"
    from core.pagopa.notice import check_digits

    unknown += check_digits(unknown)
    for body in (verify_request(ente, unknown), get_payment_request(ente, unknown)):
        assert outcome(call(portal, body)) == ("KO", "PAA_PAGAMENTO_SCONOSCIUTO")
    fake = PaymentNotice(notice_number=unknown, iuv=unknown[1:])
    assert outcome(call(portal, send_rt_request(ente, fake, "1.00"))) == \
        ("KO", "PAA_PAGAMENTO_SCONOSCIUTO")


def test_not_yet_notified_is_unknown(portal):
    ente, _p, verbale, notice = fine(3)
    verbale.notified_on, verbale.status = None, VerbaleStatus.ASSESSED
    db.session.commit()
    assert outcome(call(portal, verify_request(ente, notice.notice_number))) == \
        ("KO", "PAA_PAGAMENTO_SCONOSCIUTO")


@pytest.mark.parametrize("change", ["verbale", "notice", "instalments"])
def test_cancelled(portal, change):
    ente, _p, verbale, notice = fine(3)
    if change == "verbale":
        verbale.status = VerbaleStatus.CANCELLED
    elif change == "instalments":
        verbale.status = VerbaleStatus.INSTALMENTS
    else:
        _notice(notice.id).status = NoticeStatus.CANCELLED
    db.session.commit()
    for body in (verify_request(ente, notice.notice_number),
                 get_payment_request(ente, notice.notice_number)):
        assert outcome(call(portal, body)) == ("KO", "PAA_PAGAMENTO_ANNULLATO")


def test_prescribed_is_expired(portal):
    long_ago = today() - timedelta(days=6 * 366)
    ente, _p, _v, notice = fine(
        6 * 366, violation_at=datetime(long_ago.year, long_ago.month, long_ago.day, 9,
                                       tzinfo=UTC) - timedelta(days=10))
    answer = call(portal, verify_request(ente, notice.notice_number))
    assert outcome(answer) == ("KO", "PAA_PAGAMENTO_SCADUTO")
    assert "prescribed" in answer.findtext("fault/description")


def test_appeal_pending_is_a_semantic_error(portal):
    ente, _p, verbale, notice = fine(10)
    verbale.status = VerbaleStatus.APPEALED
    db.session.commit()
    assert outcome(call(portal, verify_request(ente, notice.notice_number))) == \
        ("KO", "PAA_SEMANTICA")


@pytest.mark.parametrize("over, code", [
    ({"id_pa": "12345678901", "qr_fiscal_code": "12345678901"}, "PAA_ID_DOMINIO_ERRATO"),
    ({"qr_fiscal_code": "12345678901"}, "PAA_ID_DOMINIO_ERRATO"),
    ({"id_broker_pa": "99999999999"}, "PAA_ID_INTERMEDIARIO_ERRATO"),
    ({"id_station": "99999999999_09"}, "PAA_STAZIONE_INT_ERRATA"),
])
def test_identity_faults(portal, over, code):
    ente, _p, verbale, notice = fine(3)
    answer = call(portal, verify_request(ente, notice.notice_number, **over))
    assert outcome(answer) == ("KO", code)
    assert answer.findtext("fault/id") == over.get("id_pa", ente.fiscal_code)
    assert answer.findtext("fault/faultString") == FAULT_STRINGS[code]
    rt_over = {k: v for k, v in over.items() if k != "qr_fiscal_code"}
    if "qr_fiscal_code" in over:
        rt_over["receipt_fiscal_code"] = over["qr_fiscal_code"]
    assert outcome(call(portal, send_rt_request(ente, notice, "29.40", **rt_over))) == ("KO", code)
    assert _payments(verbale.id) == []


@pytest.mark.parametrize("kw", [
    {"outcome": "KO"},
    {"iuv": "00000000000000000"},
    {"transfer_amount": "20.00"},
])
def test_receipt_semantic_errors(portal, kw):
    ente, _p, verbale, notice = fine(3)
    assert outcome(call(portal, send_rt_request(ente, notice, "29.40", **kw))) == \
        ("KO", "PAA_SEMANTICA")
    assert _payments(verbale.id) == []


def test_receipt_with_a_bad_date_time_is_a_syntax_fault(portal):
    ente, _p, verbale, notice = fine(3)
    body = send_rt_request(ente, notice, "29.40", paid_at="yesterday-ish")
    assert outcome(answer_of(post(portal, wire.envelope(body), "paSendRTV2"))) == \
        ("KO", "PAA_SINTASSI_XSD")
    assert _payments(verbale.id) == []


def test_zero_amount_receipt_is_semantic(portal):
    ente, _p, verbale, notice = fine(3)
    body = send_rt_request(ente, notice, "0.00", transfer_amount="0.00")
    body.find("receipt/transferList/transfer/transferAmount").text = "0.01"
    body.find("receipt/paymentAmount").text = "0.00"
    assert outcome(call(portal, body)) == ("KO", "PAA_SEMANTICA")
    assert _payments(verbale.id) == []


# -- hostile or malformed requests ---------------------------------------------------------

_ENVELOPE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:paf="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"><soapenv:Body>'
    "<paf:paVerifyPaymentNoticeReq><idPA>{value}</idPA><idBrokerPA>1</idBrokerPA>"
    "<idStation>1</idStation><qrCode><fiscalCode>12345678901</fiscalCode>"
    "<noticeNumber>302000000000000184</noticeNumber></qrCode></paf:paVerifyPaymentNoticeReq>"
    "</soapenv:Body></soapenv:Envelope>"
)
BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                  for i in range(1, 10))
        + "]>" + _ENVELOPE.format(value="&lol9;"))
XXE = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       + _ENVELOPE.format(value="&xxe;"))
DTD_ONLY = '<?xml version="1.0"?><!DOCTYPE soapenv:Envelope>' + _ENVELOPE.format(value="1")
PARAMETER_ENTITY = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
                    '"http://127.0.0.1:9/evil.dtd"> %p;]>' + _ENVELOPE.format(value="1"))


@pytest.mark.parametrize("payload", [BOMB, XXE, DTD_ONLY, PARAMETER_ENTITY,
                                     "<not-closed>", "", "just text"])
def test_hostile_or_malformed_xml_is_a_syntax_fault(portal, payload):
    response = post(portal, payload.encode(), "paVerifyPaymentNotice")
    assert response.status_code == 200
    answer = answer_of(response)
    assert answer.tag == f"{{{wire.PAF_NS}}}paVerifyPaymentNoticeRes"
    assert outcome(answer) == ("KO", "PAA_SINTASSI_XSD")
    assert "root:" not in response.get_data(as_text=True)


def test_oversize_request_is_a_fault(portal, portal_app, monkeypatch):
    ente, _p, _v, notice = fine(3)
    body = wire.envelope(verify_request(ente, notice.notice_number))
    padded = body.replace(b"<soapenv:Header />", b"<soapenv:Header>" + b" " * 300_000
                          + b"</soapenv:Header>")
    assert len(padded) > portal_app.config["PAGOPA_MAX_REQUEST_BYTES"]
    answer = answer_of(post(portal, padded, "paVerifyPaymentNotice"))
    assert outcome(answer) == ("KO", "PAA_SINTASSI_XSD")
    assert "larger than" in answer.findtext("fault/description")
    # A declared length beyond the limit is refused without reading the body (even one
    # beyond MAX_CONTENT_LENGTH, which would otherwise be Flask's HTML 413 page).
    monkeypatch.setitem(portal_app.config, "PAGOPA_MAX_REQUEST_BYTES", 100)
    answer = answer_of(post(portal, body, "paVerifyPaymentNotice"))
    assert outcome(answer) == ("KO", "PAA_SINTASSI_XSD")


def test_declared_length_beyond_max_content_length(portal, portal_app, monkeypatch):
    ente, _p, _v, notice = fine(3)
    body = wire.envelope(verify_request(ente, notice.notice_number))
    response = portal.post("/pagopa/paForNode", data=body,
                           headers={"SOAPAction": "paVerifyPaymentNotice"},
                           environ_overrides={"CONTENT_LENGTH": str(30 * 1024 * 1024)})
    assert response.status_code == 200
    assert outcome(answer_of(response)) == ("KO", "PAA_SINTASSI_XSD")
    # Even if the app's own limit were below the pagoPA one: still a SOAP fault.
    monkeypatch.setitem(portal_app.config, "MAX_CONTENT_LENGTH", 50)
    response = post(portal, body, "paVerifyPaymentNotice")
    assert response.status_code == 200
    assert outcome(answer_of(response)) == ("KO", "PAA_SINTASSI_XSD")


def test_wrong_namespace_is_a_syntax_fault(portal):
    ente, _p, _v, notice = fine(3)
    body = wire.envelope(verify_request(ente, notice.notice_number))
    wrong = body.replace(wire.PAF_NS.encode(), b"http://example.org/not-pagopa")
    answer = answer_of(post(portal, wrong, "paVerifyPaymentNotice"))
    assert outcome(answer) == ("KO", "PAA_SINTASSI_XSD")
    # Children in the wrapper's namespace (qualified) are not valid either.
    qualified = body.replace(b"<idPA>", b'<paf:idPA>').replace(b"</idPA>", b"</paf:idPA>")
    assert outcome(answer_of(post(portal, qualified, "paVerifyPaymentNotice"))) == \
        ("KO", "PAA_SINTASSI_XSD")


def test_schema_invalid_request(portal):
    ente, _p, _v, notice = fine(3)
    body = verify_request(ente, notice.notice_number)
    body.remove(body.find("idStation"))
    answer = answer_of(post(portal, wire.envelope(body), "paVerifyPaymentNotice"))
    assert outcome(answer) == ("KO", "PAA_SINTASSI_XSD")
    body = verify_request(ente, "12345")  # not 18 digits
    assert outcome(answer_of(post(portal, wire.envelope(body), "paVerifyPaymentNotice"))) == \
        ("KO", "PAA_SINTASSI_XSD")


def test_soap_action_and_body_must_agree(portal):
    ente, _p, _v, notice = fine(3)
    body = wire.envelope(verify_request(ente, notice.notice_number))
    answer = answer_of(post(portal, body, "paGetPaymentV2"))
    assert answer.tag == f"{{{wire.PAF_NS}}}paGetPaymentV2Response"
    assert outcome(answer) == ("KO", "PAA_SINTASSI_XSD")
    # Without a SOAPAction the body element decides.
    assert outcome(answer_of(post(portal, body, None))) == ("OK", None)


def test_unidentifiable_operation_is_a_soap_fault(portal):
    response = post(portal, b"<garbage", None)
    assert response.status_code == 500 and response.mimetype == "text/xml"
    element = wire.body_element(response.get_data())
    assert element.tag == f"{{{wire.SOAP_NS}}}Fault"
    assert element.findtext("faultstring") == "PAA_SINTASSI_XSD"
    assert element.find("detail/*").findtext("fault/faultCode") == "PAA_SINTASSI_XSD"


def test_unsupported_operation(portal):
    response = post(portal, _ENVELOPE.format(value="1").encode(), "paDemandPaymentNotice")
    answer = answer_of(response)
    assert answer.tag == f"{{{wire.PAF_NS}}}paDemandPaymentNoticeResponse"
    assert outcome(answer) == ("KO", "PAA_SYSTEM_ERROR")


def test_unexpected_error_is_a_system_error_not_a_500(portal, monkeypatch):
    ente, _p, verbale, notice = fine(3)

    def boom(*a, **kw):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(service, "find_notice", boom)
    for body in (verify_request(ente, notice.notice_number),
                 send_rt_request(ente, notice, "29.40")):
        answer = call(portal, body)
        assert outcome(answer) == ("KO", "PAA_SYSTEM_ERROR")
        assert "exploded" not in answer.findtext("fault/description")
    assert _payments(verbale.id) == []


def test_endpoint_is_csrf_exempt_and_needs_no_login(portal):
    assert "portal.pagopa.views.pa_for_node" in csrf._exempt_views
    ente, _p, _v, notice = fine(3)
    assert outcome(call(portal, verify_request(ente, notice.notice_number)))[0] == "OK"


def test_naive_and_aware_payment_times(portal):
    ente, _p, verbale, notice = fine(3)
    aware = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
    call(portal, send_rt_request(ente, notice, "29.40", receipt_id="R-aware",
                                 paid_at=aware.isoformat().replace("+00:00", "Z")))
    [payment] = _payments(verbale.id)
    assert payment.paid_at == aware
    assert isinstance(payment.paid_at.date(), date)
