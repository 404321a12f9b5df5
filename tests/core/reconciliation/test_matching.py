"""Reconciliation of flows and statements against notices and the ledger: receipts confirmed,
unknown payments recorded through the ledger (full, partial, over-payment with refund),
exceptions into the work queue, duplicates, atomicity, bank settlement of flows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, inspect, select

from core import db
from core.models import (
    AuditEvent,
    BankEntry,
    BankEntryStatus,
    ImportStatus,
    ItemReason,
    ItemStatus,
    NoticeStatus,
    Payment,
    PaymentChannel,
    PaymentNotice,
    ReconciliationImport,
    ReconciliationItem,
    RefundRequest,
    Verbale,
    VerbaleStatus,
)
from core.reconciliation import matching
from core.reconciliation.errors import ParseError, ReconciliationError, TotalsError
from tests.core.reconciliation.recon_support import (
    P,
    camt053,
    csv_statement,
    fdr3,
    fine,
    flusso,
    new_ente,
    receipt,
    run,
)


@pytest.fixture()
def app(portal_app, db_session):
    with portal_app.app_context():
        yield portal_app


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _items(imp_id: int) -> list[ReconciliationItem]:
    return list(db.session.scalars(select(ReconciliationItem)
                                   .where(ReconciliationItem.import_id == imp_id)
                                   .order_by(ReconciliationItem.line_no)))


def _refresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def test_flow_confirms_receipts_recorded_by_pasendrt(app):
    ente, _, verbale, notice = fine(days_ago=10)
    _, _, other_verbale, other_notice = fine(days_ago=10, ente=ente)
    paid = receipt(verbale, "IUR-A1", "42.00")
    other = receipt(other_verbale, "IUR-A2", "42.00")
    summary = run(flusso(ente, [P(notice.iuv, "IUR-A1", "42.00"),
                                P(other_notice.iuv, "IUR-A2", "42.00")]))
    assert (summary.status, summary.matched, summary.new, summary.exceptions) == ("imported", 2, 0, 0)
    assert summary.count == 2 and summary.total == Decimal("84.00")
    imp = db.session.get(ReconciliationImport, summary.import_id)
    for payment in (paid, other):
        payment = _refresh(payment)
        assert payment.reconciliation_import_id == imp.id
        assert payment.regulation_date == imp.regulation_date
    assert _count(Payment, Payment.verbale_id == verbale.id) == 1  # nothing new in the ledger
    assert imp.flow_id == summary.flow_id and imp.storage_key and imp.sha256 == summary.sha256
    assert _count(AuditEvent, AuditEvent.action == "reconciliation.imported",
                  AuditEvent.object_id == str(imp.id)) == 1


def test_payment_without_receipt_is_recorded_through_the_ledger_in_full(app):
    ente, _, verbale, notice = fine(days_ago=10)  # minimum 42.00 due
    summary = run(flusso(ente, [P(notice.iuv, "IUR-B1", "42.00", outcome="9")]))
    assert (summary.matched, summary.new, summary.exceptions) == (0, 1, 0)
    payment = db.session.scalars(select(Payment).where(Payment.provider_ref == "IUR-B1")).one()
    assert payment.channel == PaymentChannel.PAGOPA and payment.allocation == "saldo"
    assert payment.reconciliation_import_id == summary.import_id
    assert payment.details["source"] == "reporting_flow" and payment.details["iuv"] == notice.iuv
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.PAID
    assert db.session.get(PaymentNotice, notice.id).status == NoticeStatus.PAID


def test_partial_payment_keeps_the_rest_due(app):
    ente, _, verbale, notice = fine(days_ago=10)
    summary = run(flusso(ente, [P(notice.iuv, "IUR-C1", "20.00", outcome="9")]))
    assert summary.new == 1
    payment = db.session.scalars(select(Payment).where(Payment.provider_ref == "IUR-C1")).one()
    assert payment.allocation == "acconto"
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.NOTIFIED
    assert db.session.get(PaymentNotice, notice.id).status == NoticeStatus.ACTIVE


def test_over_payment_opens_a_refund_request(app):
    ente, _, verbale, notice = fine(days_ago=10)
    run(flusso(ente, [P(notice.iuv, "IUR-D1", "50.00", outcome="0")]))
    payment = db.session.scalars(select(Payment).where(Payment.provider_ref == "IUR-D1")).one()
    assert payment.allocation == "eccedenza" and payment.excess == Decimal("8.00")
    refund = db.session.scalars(select(RefundRequest).where(RefundRequest.payment_id == payment.id)).one()
    assert refund.amount == Decimal("8.00")


def test_two_new_payments_of_one_verbale_see_each_other(app):
    ente, _, verbale, notice = fine(days_ago=10)
    run(flusso(ente, [P(notice.iuv, "IUR-E1", "20.00", "9"), P(notice.iuv, "IUR-E2", "30.00", "9")]))
    first, second = db.session.scalars(select(Payment).where(Payment.verbale_id == verbale.id)
                                       .order_by(Payment.id)).all()
    assert (first.allocation, second.allocation) == ("acconto", "eccedenza")
    assert second.excess == Decimal("8.00")


def test_exceptions_go_to_the_work_queue(app):
    ente, _, verbale, notice = fine(days_ago=10)
    _, _, v2, n2 = fine(days_ago=10, ente=ente)
    _, _, v3, n3 = fine(days_ago=10, ente=ente)
    receipt(verbale, "IUR-F1", "42.00")
    summary = run(flusso(ente, [
        P(notice.iuv, "IUR-F1", "40.00"),  # the receipt said 42.00
        P("02999999999999999", "IUR-F2", "42.00"),  # no such notice
        P(n2.iuv, "IUR-F3", "-42.00", outcome="3"),  # a revocation
        P(n3.iuv, "IUR-F4", "21.00", index=2),  # our notices have one transfer
    ]))
    assert (summary.matched, summary.new, summary.exceptions) == (0, 0, 4)
    assert summary.reasons == {"amount_mismatch": 1, "unknown_iuv": 1, "revoked": 1,
                               "unexpected_transfer": 1}
    mismatch, unknown, revoked, transfer = _items(summary.import_id)
    assert (mismatch.reason, mismatch.amount, mismatch.expected_amount) == (
        ItemReason.AMOUNT_MISMATCH, Decimal("40.00"), Decimal("42.00"))
    assert mismatch.verbale_id == verbale.id and mismatch.payment_id is not None
    assert (unknown.reason, unknown.iuv, unknown.iur, unknown.status) == (
        ItemReason.UNKNOWN_IUV, "02999999999999999", "IUR-F2", ItemStatus.OPEN)
    assert revoked.reason == ItemReason.REVOKED and revoked.outcome == "3"
    assert transfer.reason == ItemReason.UNEXPECTED_TRANSFER and transfer.transfer_index == 2
    assert _refresh(db.session.scalars(select(Payment).where(Payment.provider_ref == "IUR-F1")).one()) \
        .reconciliation_import_id is None


def test_cancelled_notice_and_other_verbale(app):
    ente, _, verbale, notice = fine(days_ago=10)
    _, _, v2, n2 = fine(days_ago=10, ente=ente)
    receipt(v2, "IUR-G2", "42.00")
    db.session.get(Verbale, verbale.id).status = VerbaleStatus.CANCELLED
    db.session.commit()
    summary = run(flusso(ente, [P(notice.iuv, "IUR-G1", "42.00"),
                                P(notice.iuv, "IUR-G2", "42.00")]))  # receipt is on v2
    assert summary.reasons == {"cancelled_notice": 1, "verbale_mismatch": 1}
    assert _count(Payment, Payment.provider_ref == "IUR-G1") == 0


def test_payment_reported_by_two_flows(app):
    ente, _, verbale, notice = fine(days_ago=10)
    receipt(verbale, "IUR-H1", "42.00")
    first = run(flusso(ente, [P(notice.iuv, "IUR-H1", "42.00")]))
    second = run(flusso(ente, [P(notice.iuv, "IUR-H1", "42.00")]))
    assert first.matched == 1 and second.reasons == {"already_reconciled": 1}
    item = _items(second.import_id)[0]
    assert item.details == {"reported_by_import": first.import_id}


def test_same_flow_twice_is_a_duplicate_no_op(app):
    ente, _, verbale, notice = fine(days_ago=10)
    data = flusso(ente, [P(notice.iuv, "IUR-I1", "42.00", "9"), P("02888888888888888", "IUR-I2", "1.00")])
    first = run(data)
    counts = (_count(ReconciliationImport), _count(Payment), _count(ReconciliationItem),
              _count(AuditEvent))
    again = run(data)
    assert again.status == "duplicate" and again.import_id == first.import_id
    assert (again.matched, again.new, again.exceptions, again.duplicates) == (0, 0, 0, 1)
    assert counts == (_count(ReconciliationImport), _count(Payment), _count(ReconciliationItem),
                      _count(AuditEvent))
    # the same flow id (and revision) in other bytes is the same flow
    reformatted = data.replace(b"><", b">\n<")
    assert run(reformatted).status == "duplicate"
    assert run(data, ente_code=ente.code).status == "duplicate"


def test_a_payment_twice_in_a_flow_refuses_the_file(app):
    ente, _, verbale, notice = fine(days_ago=10)
    data = flusso(ente, [P(notice.iuv, "IUR-J1", "42.00", "9"), P("02777777777777777", "X", "1.00"),
                         P(notice.iuv, "IUR-J1", "42.00", "9")])
    before = (_count(ReconciliationImport), _count(Payment))
    with pytest.raises(ParseError) as caught:
        run(data)
    assert "Payments no. 1 and 3 are the same payment" in str(caught.value)
    assert (_count(ReconciliationImport), _count(Payment)) == before


def test_totals_mismatch_leaves_nothing(app):
    ente, _, verbale, notice = fine(days_ago=10)
    before = (_count(ReconciliationImport), _count(Payment), _count(ReconciliationItem))
    with pytest.raises(TotalsError):
        run(flusso(ente, [P(notice.iuv, "IUR-K1", "42.00", "9")], total="41.00"))
    with pytest.raises(TotalsError):
        run(flusso(ente, [P(notice.iuv, "IUR-K1", "42.00", "9")], count=2))
    assert (_count(ReconciliationImport), _count(Payment), _count(ReconciliationItem)) == before
    # no staging table survives a refused import
    temp = [t for t in inspect(db.session.connection()).get_temp_table_names()
            if t.startswith("recon_stage_")] if db.session.get_bind().dialect.name == "sqlite" else []
    assert temp == []


def test_a_failure_while_matching_rolls_back_the_whole_file(app, monkeypatch):
    """The ledger has already recorded the first payment when the file fails: nothing stays."""
    ente, _, verbale, notice = fine(days_ago=10)

    def broken(items, outcomes):
        raise RuntimeError("disk full")

    monkeypatch.setattr(matching, "_insert_items", broken)
    before = (_count(ReconciliationImport), _count(Payment), _count(RefundRequest))
    with pytest.raises(RuntimeError):
        run(flusso(ente, [P(notice.iuv, "IUR-L1", "50.00", "9"), P("02666666666666666", "Y", "1.00")]))
    assert (_count(ReconciliationImport), _count(Payment), _count(RefundRequest)) == before
    assert db.session.get(Verbale, verbale.id).status == VerbaleStatus.NOTIFIED
    # and the session goes on working: the same file imports once the fault is gone
    monkeypatch.undo()
    assert run(flusso(ente, [P(notice.iuv, "IUR-L1", "50.00", "9")])).new == 1


def test_fdr3_json_end_to_end(app):
    ente, _, verbale, notice = fine(days_ago=10)
    _, _, v2, n2 = fine(days_ago=10, ente=ente)
    receipt(verbale, "IUR-M1", "42.00")
    data = fdr3(ente, [P(notice.iuv, "IUR-M1", "42.00"), P(n2.iuv, "IUR-M2", "42.00", "9")])
    summary = run(data, filename="fdr.json")
    assert (summary.kind, summary.matched, summary.new) == ("fdr3", 1, 1)
    assert summary.revision == 1
    assert run(data).status == "duplicate"
    revised = fdr3(ente, [P(notice.iuv, "IUR-M1", "42.00")], flow_id=summary.flow_id, revision=2)
    second = run(revised)  # a new revision is another import; its payment is already reported
    assert second.status == "imported" and second.reasons == {"already_reconciled": 1}


def test_flow_for_another_creditor_is_refused(app):
    ente, _, verbale, notice = fine(days_ago=10)
    other = new_ente()
    with pytest.raises(ReconciliationError, match="addressed to the creditor"):
        run(flusso(ente, [P(notice.iuv, "X1", "42.00")]), ente_code=other.code)
    with pytest.raises(ReconciliationError, match="do not manage"):
        run(flusso(ente, [P(notice.iuv, "X1", "42.00")]), allowed_ente_ids=frozenset({other.id}))
    with pytest.raises(ReconciliationError, match="No Ente has the fiscal code"):
        run(flusso(ente, [P(notice.iuv, "X1", "42.00")], receiver="09999999999"))


# -- bank statements ------------------------------------------------------------------------


def test_bank_statement_settles_the_flow(app):
    ente, _, verbale, notice = fine(days_ago=10)
    receipt(verbale, "IUR-N1", "42.00")
    flow = run(flusso(ente, [P(notice.iuv, "IUR-N1", "42.00")], flow_id="2026-01-15BANKITMM-N1",
                      regulation="TRN-N1"))
    statement = run(csv_statement([("TRN-N1", "42,00", "/PUR/LGPE-RIVERSAMENTO/URI/2026-01-15BANKITMM-N1")]),
                    ente_code=ente.code, filename="estratto.csv")
    assert (statement.kind, statement.matched, statement.exceptions) == ("csv", 1, 0)
    imp = db.session.get(ReconciliationImport, flow.import_id)
    assert imp.status == ImportStatus.SETTLED and imp.settled_on is not None
    entry = db.session.scalars(select(BankEntry).where(BankEntry.import_id == statement.import_id)).one()
    assert entry.status == BankEntryStatus.SETTLEMENT and entry.flow_import_id == imp.id


def test_settlement_with_another_amount_is_an_exception(app):
    ente, _, verbale, notice = fine(days_ago=10)
    receipt(verbale, "IUR-O1", "42.00")
    run(flusso(ente, [P(notice.iuv, "IUR-O1", "42.00")], regulation="TRN-O1"))
    statement = run(csv_statement([("TRN-O1", "41,00", "riversamento")]), ente_code=ente.code)
    assert statement.reasons == {"settlement_mismatch": 1}
    item = db.session.scalars(select(ReconciliationItem).where(
        ReconciliationItem.import_id == statement.import_id)).one()
    assert item.expected_amount == Decimal("42.00") and item.bank_entry_id is not None


def test_statement_before_the_flow(app):
    ente, _, verbale, notice = fine(days_ago=10)
    receipt(verbale, "IUR-P1", "42.00")
    statement = run(csv_statement([("TRN-P1", "42,00", "/PUR/LGPE-RIVERSAMENTO/URI/FLOW-P1")]),
                    ente_code=ente.code)
    assert statement.reasons == {"unmatched_credit": 1}
    flow = run(flusso(ente, [P(notice.iuv, "IUR-P1", "42.00")], flow_id="FLOW-P1"))
    assert flow.settled
    item = db.session.scalars(select(ReconciliationItem).where(
        ReconciliationItem.import_id == statement.import_id)).one()
    assert item.status == ItemStatus.RESOLVED and item.details["settled_flow_import"] == flow.import_id


def test_direct_bank_payment_by_notice_number(app):
    ente, _, verbale, notice = fine(days_ago=10)
    spaced = " ".join(notice.notice_number[i:i + 4] for i in range(0, 18, 4))
    statement = run(csv_statement([("TRN-Q1", "42,00", f"MULTA AVVISO {spaced}"),
                                   ("TRN-Q2", "10,00", "regalo")]), ente_code=ente.code)
    assert (statement.new, statement.exceptions) == (1, 1)
    payment = db.session.scalars(select(Payment).where(Payment.verbale_id == verbale.id)).one()
    assert payment.channel == PaymentChannel.BANK_TRANSFER and payment.allocation == "saldo"
    assert payment.provider_ref == f"bank:{ente.id}:TRN-Q1"
    entry = db.session.scalars(select(BankEntry).where(BankEntry.reference == "TRN-Q1")).one()
    assert entry.status == BankEntryStatus.PAYMENT and entry.payment_id == payment.id


def test_overlapping_statements_skip_known_entries(app):
    ente, _, verbale, notice = fine(days_ago=10)
    first = run(csv_statement([("TRN-R1", "5,00", "x"), ("TRN-R2", "6,00", "y")]), ente_code=ente.code)
    second = run(csv_statement([("TRN-R2", "6,00", "y"), ("TRN-R3", "7,00", "z")]), ente_code=ente.code)
    assert first.exceptions == 2 and (second.duplicates, second.exceptions) == (1, 1)
    assert run(csv_statement([("TRN-R1", "5,00", "x"), ("TRN-R2", "6,00", "y")]),
               ente_code=ente.code).status == "duplicate"


def test_a_reference_twice_in_one_statement_refuses_it(app):
    ente = new_ente()
    with pytest.raises(ParseError, match="repeats the reference"):
        run(csv_statement([("TRN-S1", "5,00", "x"), ("TRN-S1", "6,00", "y")]), ente_code=ente.code)
    assert _count(BankEntry, BankEntry.ente_id == ente.id) == 0


def test_camt053_finds_its_ente_by_iban_and_ignores_debits(app):
    ente = new_ente(iban="IT02L1234512345123456789012")
    _, _, verbale, notice = fine(days_ago=10, ente=ente)
    data = camt053("IT02L1234512345123456789012", [
        ("C-1", "42.00", "CRDT", f"avviso {notice.notice_number}"),
        ("C-2", "3.00", "DBIT", "spese")], message_id="MSG-CAMT-1")
    summary = run(data, filename="stmt.xml")
    assert (summary.kind, summary.ente, summary.new, summary.ignored) == ("camt053", ente.code, 1, 1)
    assert run(data.replace(b"<Id>S1</Id>", b"<Id>S1b</Id>")).status == "duplicate"  # same MsgId


def test_csv_statement_needs_the_ente(app):
    with pytest.raises(ReconciliationError, match="choose it"):
        run(csv_statement([("T", "1,00", "x")]))


@pytest.mark.parametrize("chunk", [2, 5000])
def test_a_receipt_reported_twice_in_one_flow_is_confirmed_once(app, monkeypatch, chunk):
    """The first line (in file order) confirms the receipt, whichever chunk the other is in;
    the other becomes "already reconciled", and new payments and exceptions around them are
    unaffected."""
    monkeypatch.setattr(matching, "CHUNK", chunk)
    ente, _, verbale, notice = fine(days_ago=10)
    _, _, v2, n2 = fine(days_ago=10, ente=ente)
    _, _, v3, n3 = fine(days_ago=10, ente=ente)
    reissued = PaymentNotice(ente_id=ente.id, verbale_id=verbale.id, iuv="02444444444444444",
                             notice_number="302444444444444444")
    db.session.add(reissued)
    db.session.commit()
    first, third = receipt(verbale, "IUR-M1", "42.00"), receipt(v3, "IUR-M5", "42.00")
    summary = run(flusso(ente, [
        P(notice.iuv, "IUR-M1", "42.00"),  # confirms the receipt
        P("02555555555555555", "IUR-M2", "42.00"),  # no such notice
        P(n2.iuv, "IUR-M3", "42.00", "9"),  # no receipt: through the ledger
        P(reissued.iuv, "IUR-M1", "42.00"),  # the same receipt again, by the other notice
        P(n3.iuv, "IUR-M5", "42.00"),  # confirms the receipt
    ]))
    assert (summary.matched, summary.new, summary.exceptions) == (2, 1, 2)
    assert summary.reasons == {"unknown_iuv": 1, "already_reconciled": 1}
    unknown, again = _items(summary.import_id)
    assert (unknown.line_no, again.line_no) == (2, 4)
    assert again.payment_id == first.id
    assert again.details == {"reported_by_import": summary.import_id}
    for payment in (first, third):
        assert _refresh(payment).reconciliation_import_id == summary.import_id
    recorded = db.session.scalars(select(Payment).where(Payment.provider_ref == "IUR-M3")).one()
    assert recorded.reconciliation_import_id == summary.import_id
    assert recorded.verbale_id == v2.id and _refresh(n2).status == NoticeStatus.PAID
