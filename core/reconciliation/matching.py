"""Matching of reporting flows and bank statements against the notices and the ledger.

A flow's payments are streamed into a temporary staging table (``COPY`` on PostgreSQL,
``executemany`` elsewhere), checked there for repeated payments with one ``GROUP BY``, then
matched set-based against ``payment_notice`` (by Ente and IUV) and ``payment`` (by pagoPA
receipt id = IUR): no query per payment. For each payment:

* a receipt already recorded by ``paSendRT`` with the same verbale and amount, transfer 1 and
  an executed outcome → **matched**: the receipts are claimed in SQL (one ``INSERT … SELECT``
  into a second temporary table, the first line in file order claiming a receipt two lines
  report) and marked with the flow and its regulation date by one ``UPDATE`` — a
  heap-only-tuple update on PostgreSQL (nothing indexed changes, see migration 0018); only
  the remaining lines are read back, in chunks;
* a known notice without a recorded receipt (outcome 9 "without receipt", a stand-in, a lost
  ``paSendRT``) → **new**: recorded as ``paSendRT`` records a receipt
  (:func:`core.pagopa.service.record_receipt`, i.e. the ledger's
  :func:`~core.collection.ledger.record_confirmed_payment`, or the instalment's payment for an
  instalment's notice), so the full / partial / over-payment rules apply and an over-payment
  opens a refund request;
* anything else (unknown IUV, another amount, another verbale, already reported by another
  flow, a revocation, a transfer index the notice does not have, a cancelled notice …) →
  an exception item in the contact center's work queue.

A bank statement's credits are matched to flows by the regulation id (TRN) or the flow id
written in the entry and the flow's total (the flow is then **settled**), or to a notice by an
IUV, notice number or RF creditor reference in the remittance text (a direct bank payment,
recorded through the ledger); the rest become exceptions. A flow imported after its bank
transfer settles against the open "unmatched credit" item of that transfer.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    and_,
    any_,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload
from stdnum import iso11649

from core import audit, db
from core.collection.ledger import LedgerError, record_confirmed_payment
from core.db import Money, UTCDateTime, utcnow
from core.models import (
    Allocation,
    BankEntry,
    BankEntryStatus,
    ImportKind,
    ImportStatus,
    ItemReason,
    ItemResolution,
    ItemStatus,
    NoticeStatus,
    Payment,
    PaymentChannel,
    PaymentNotice,
    PaymentStatus,
    ReconciliationImport,
    ReconciliationItem,
    Verbale,
    VerbaleStatus,
    VerbaleViolation,
)
from core.pagopa import service as pagopa_service

from .amounts import noon
from .errors import ParseError, show
from .rows import BankRow, FlowHeader, FlowPayment, Outcome

CHUNK = 5000  # payments per staging write and per matching query
BANK_CHUNK = 500
ZERO = Decimal("0.00")
_DIGITS = re.compile(r"(?<![0-9])([0-9](?:[ .]?[0-9]){14,17})(?![0-9])")
_RF = re.compile(r"\bRF[0-9]{2}(?:\s?[0-9A-Z]){1,21}\b")
_TOKEN = re.compile(r"[\s/;,|]+")


@dataclass
class Outcomes:
    matched: int = 0
    new: int = 0
    exceptions: int = 0
    duplicates: int = 0
    ignored: int = 0
    settled: int = 0
    reasons: Counter = field(default_factory=Counter)


def verbale_loading():
    """What the ledger's engine quote reads, loaded set-based for a chunk of verbali."""
    return (selectinload(Verbale.violations).selectinload(VerbaleViolation.violation_type),
            selectinload(Verbale.costs), selectinload(Verbale.payments),
            selectinload(Verbale.ente))


def _pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _id_in(column, ids: list[int]):
    """``column = ANY(:ids)`` (one array parameter) on PostgreSQL, ``IN`` elsewhere."""
    if _pg():
        return column == any_(literal(ids, ARRAY(Integer)))
    return column.in_(ids)


# -- staging --------------------------------------------------------------------------------


class Stage:
    """A temporary table with the parsed payments of one flow (dropped at the end; a rolled
    back import drops it with the savepoint)."""

    COLUMNS = ("line_no", "iuv", "iur", "transfer_index", "amount", "outcome", "outcome_code",
               "paid_on", "paid_at")
    BINARY_TYPES = ("int4", "varchar", "varchar", "int2", "numeric", "varchar", "varchar",
                    "date", "timestamptz")

    def __init__(self):
        self.name = f"recon_stage_{secrets.token_hex(6)}"
        self.table = Table(
            self.name, MetaData(),
            Column("line_no", Integer, primary_key=True, autoincrement=False),
            Column("iuv", String(35), nullable=False),
            Column("iur", String(35), nullable=False),
            Column("transfer_index", SmallInteger, nullable=False),
            Column("amount", Money, nullable=False),
            Column("outcome", String(12), nullable=False),
            Column("outcome_code", String(20), nullable=False),
            Column("paid_on", Date, nullable=False),
            Column("paid_at", UTCDateTime, nullable=True),
            prefixes=["TEMPORARY"],
        )
        # The receipts the flow confirms: one row per payment, the line that claims it.
        self.claims = Table(
            f"{self.name}_claims", MetaData(),
            Column("line_no", Integer, primary_key=True, autoincrement=False),
            Column("payment_id", Integer, nullable=False),
            prefixes=["TEMPORARY"],
        )
        self.connection = db.session.connection()
        self.table.create(self.connection)
        self.claims.create(self.connection)
        self.copy = _pg() and self.connection.dialect.driver == "psycopg"

    def write(self, rows: list[FlowPayment]) -> None:
        if not rows:
            return
        if self.copy:
            cursor = self.connection.connection.driver_connection.cursor()
            names = ", ".join(self.COLUMNS)
            with cursor.copy(f"COPY {self.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(self.BINARY_TYPES)  # no text round trip of numbers and dates
                write = copy.write_row
                for row in rows:
                    write((row.line, row.iuv, row.iur, row.transfer_index, row.amount,
                           row.outcome.value, row.outcome_code, row.paid_on, row.paid_at))
            cursor.close()
            return
        self.connection.execute(insert(self.table), [
            {"line_no": r.line, "iuv": r.iuv, "iur": r.iur, "transfer_index": r.transfer_index,
             "amount": r.amount, "outcome": r.outcome.value, "outcome_code": r.outcome_code,
             "paid_on": r.paid_on, "paid_at": r.paid_at} for r in rows])

    def analyze(self, table: Table | None = None) -> None:
        """Statistics for the planner (temporary tables are not analysed automatically)."""
        if _pg():
            name = (table if table is not None else self.table).name
            self.connection.exec_driver_sql(f"ANALYZE {name}")

    def first_repeat(self):
        """The first payment (IUV, IUR, transfer) that appears twice, or ``None``."""
        s = self.table.c
        stmt = (select(s.iuv, s.iur, s.transfer_index, func.min(s.line_no).label("first"),
                       func.max(s.line_no).label("again"))
                .group_by(s.iuv, s.iur, s.transfer_index)
                .having(func.count() > 1).order_by(func.min(s.line_no)).limit(1))
        return self.connection.execute(stmt).first()

    def drop(self) -> None:
        self.claims.drop(self.connection)
        self.table.drop(self.connection)


# -- flows ----------------------------------------------------------------------------------


def _item(imp: ReconciliationImport, reason: ItemReason, **values: Any) -> dict[str, Any]:
    row = {"ente_id": imp.ente_id, "import_id": imp.id, "reason": reason,
           "status": ItemStatus.OPEN, "created_at": utcnow(), "remittance": "", "note": "",
           "details": {}, "iuv": None, "iur": None, "transfer_index": None, "reference": None,
           "expected_amount": None, "outcome": None, "value_date": None, "notice_id": None,
           "verbale_id": None, "payment_id": None, "bank_entry_id": None}
    row.update(values)
    return row


def _insert_items(items: list[dict[str, Any]], outcomes: Outcomes) -> None:
    if not items:
        return
    db.session.execute(insert(ReconciliationItem.__table__), items)
    outcomes.exceptions += len(items)
    outcomes.reasons.update(str(item["reason"]) for item in items)


class FlowMatcher:
    """Matches the staged payments of one flow (see the module docstring)."""

    def __init__(self, imp: ReconciliationImport, header: FlowHeader, stage: Stage):
        self.imp = imp
        self.header = header
        self.stage = stage
        self.outcomes = Outcomes()

    def check_repeats(self) -> None:
        repeat = self.stage.first_repeat()
        if repeat is not None:
            raise ParseError(_l("Payments no. %(first)s and %(again)s are the same payment (IUV "
                                "%(iuv)s, IUR %(iur)s, transfer %(index)s): nothing was imported.",
                                first=repeat.first, again=repeat.again, iuv=show(repeat.iuv),
                                iur=show(repeat.iur), index=repeat.transfer_index),
                             line=repeat.again, element="datiSingoliPagamenti")

    def _joined(self):
        s = self.stage.table.c
        n = PaymentNotice.__table__.c
        p = Payment.__table__.c
        return (self.stage.table
                .outerjoin(PaymentNotice.__table__,
                           and_(n.ente_id == self.imp.ente_id, n.iuv == s.iuv))
                .outerjoin(Payment.__table__,
                           and_(p.channel == PaymentChannel.PAGOPA, p.provider_ref == s.iur)))

    def _claim_receipts(self) -> int:
        """Claim, in one statement, every receipt a line simply confirms (the common case,
        decided in SQL): the first line in file order claims it; a later line reporting the
        same receipt is left to :meth:`_classify` ("already reconciled")."""
        s = self.stage.table.c
        n = PaymentNotice.__table__.c
        p = Payment.__table__.c
        confirming = (select(func.min(s.line_no), p.id)
                      .select_from(self.stage.table
                                   .join(PaymentNotice.__table__,
                                         and_(n.ente_id == self.imp.ente_id, n.iuv == s.iuv))
                                   .join(Payment.__table__,
                                         and_(p.channel == PaymentChannel.PAGOPA,
                                              p.provider_ref == s.iur)))
                      .where(p.ente_id == self.imp.ente_id, p.verbale_id == n.verbale_id,
                             p.reconciliation_import_id.is_(None),
                             p.status == PaymentStatus.CONFIRMED, p.amount == s.amount,
                             s.transfer_index == 1, s.outcome != Outcome.REVOKED.value,
                             s.amount > 0)
                      .group_by(p.id))
        claims = self.stage.claims
        claimed = db.session.execute(
            insert(claims).from_select(["line_no", "payment_id"], confirming)).rowcount
        if claimed:
            self.stage.analyze(claims)
        return claimed

    def _mark_claimed(self) -> int:
        """One ``UPDATE`` marks the claimed receipts with the flow and its regulation date."""
        p = Payment.__table__.c
        return db.session.execute(
            update(Payment.__table__)
            .where(p.id.in_(select(self.stage.claims.c.payment_id)))
            .values(reconciliation_import_id=self.imp.id,
                    regulation_date=self.header.regulation_date)).rowcount

    def _detail_query(self):
        """The lines that claimed nothing, with what the notice and the ledger know."""
        s = self.stage.table.c
        n = PaymentNotice.__table__.c
        p = Payment.__table__.c
        c = self.stage.claims.c
        return (select(s.line_no, s.iuv, s.iur, s.transfer_index, s.amount, s.outcome,
                       s.outcome_code, s.paid_on, s.paid_at,
                       n.id.label("notice_id"), n.verbale_id.label("notice_verbale_id"),
                       p.id.label("payment_id"), p.ente_id.label("payment_ente_id"),
                       p.verbale_id.label("payment_verbale_id"),
                       p.amount.label("payment_amount"), p.status.label("payment_status"),
                       p.reconciliation_import_id.label("payment_import_id"))
                .select_from(self._joined())
                .where(~select(c.line_no).where(c.line_no == s.line_no).exists())
                .order_by(s.line_no).limit(CHUNK))

    def run(self) -> Outcomes:
        self.check_repeats()
        self.stage.analyze()
        claimed = self._claim_receipts()
        if claimed:
            self.outcomes.matched = self._mark_claimed()
        # After the UPDATE: a receipt reported twice is now "already reconciled". In file
        # order, so a new payment sees the ones recorded before it (the ledger's quote).
        detail = self._detail_query()
        line = self.stage.table.c.line_no
        last = 0
        while True:
            rows = db.session.execute(detail.where(line > last)).all()
            if not rows:
                break
            last = rows[-1].line_no
            new: list[Any] = []
            items: list[dict[str, Any]] = []
            for row in rows:
                self._classify(row, new, items)
            if new:
                self._record_new(new, items)
            _insert_items(items, self.outcomes)
        settle_waiting_credit(self.imp)
        self.outcomes.settled = int(self.imp.status == ImportStatus.SETTLED)
        return self.outcomes

    def _exception(self, row, reason: ItemReason, **values: Any) -> dict[str, Any]:
        return _item(self.imp, reason, line_no=row.line_no, iuv=row.iuv, iur=row.iur,
                     transfer_index=row.transfer_index, amount=row.amount,
                     outcome=row.outcome_code, value_date=row.paid_on,
                     notice_id=row.notice_id, verbale_id=row.notice_verbale_id, **values)

    def _classify(self, row, new: list[Any], items: list[dict]) -> None:
        """A line that does not simply confirm its receipt: new payment or exception."""
        own_payment = row.payment_id if row.payment_ente_id == self.imp.ente_id else None
        if row.outcome == Outcome.REVOKED:
            items.append(self._exception(row, ItemReason.REVOKED, payment_id=own_payment))
        elif row.amount <= ZERO:
            items.append(self._exception(row, ItemReason.INVALID_AMOUNT, payment_id=own_payment))
        elif row.notice_id is None:
            items.append(self._exception(row, ItemReason.UNKNOWN_IUV, payment_id=own_payment))
        elif row.transfer_index != 1:
            items.append(self._exception(row, ItemReason.UNEXPECTED_TRANSFER,
                                         payment_id=own_payment))
        elif row.payment_id is None:
            new.append(row)
        elif row.payment_ente_id != self.imp.ente_id:
            items.append(self._exception(row, ItemReason.REFERENCE_CONFLICT))
        elif row.payment_verbale_id != row.notice_verbale_id:
            items.append(self._exception(row, ItemReason.VERBALE_MISMATCH,
                                         payment_id=row.payment_id))
        elif row.payment_import_id is not None:
            items.append(self._exception(row, ItemReason.ALREADY_RECONCILED,
                                         payment_id=row.payment_id,
                                         details={"reported_by_import": row.payment_import_id}))
        elif row.payment_status == PaymentStatus.CONFIRMED:  # (same amount: confirmed in SQL)
            items.append(self._exception(row, ItemReason.AMOUNT_MISMATCH,
                                         payment_id=row.payment_id,
                                         expected_amount=row.payment_amount))
        elif row.payment_status == PaymentStatus.REFUNDED:
            items.append(self._exception(row, ItemReason.PAYMENT_REFUNDED,
                                         payment_id=row.payment_id))
        else:  # pending or failed: the flow is the confirmation
            new.append(row)

    def _record_new(self, rows: list[Any], items: list[dict[str, Any]]) -> None:
        """Payments the flow reports and the ledger does not have yet: through the ledger,
        with the notice's quote, so saldo / acconto / eccedenza (and refunds) apply."""
        notices = {n.id: n for n in db.session.scalars(
            select(PaymentNotice).where(_id_in(PaymentNotice.id, sorted({r.notice_id for r in rows})))
            .options(selectinload(PaymentNotice.verbale).options(*verbale_loading())))}
        header = self.header
        for row in rows:
            notice = notices[row.notice_id]
            verbale = notice.verbale
            if notice.status == NoticeStatus.CANCELLED or verbale.status == VerbaleStatus.CANCELLED:
                items.append(self._exception(row, ItemReason.CANCELLED_NOTICE))
                continue
            try:
                recorded = pagopa_service.record_receipt(  # as paSendRT would have
                    notice, provider_ref=row.iur,
                    amount=row.amount, paid_at=row.paid_at or noon(row.paid_on),
                    quoted_total=notice.quoted_total, quote_valid_until=notice.quote_valid_until,
                    details={"source": "reporting_flow", "flow_id": header.flow_id,
                             "receipt_id": row.iur, "iuv": row.iuv,
                             "notice_number": notice.notice_number,
                             "transfer_index": row.transfer_index, "outcome": row.outcome_code})
            except LedgerError as error:
                items.append(self._exception(row, ItemReason.LEDGER_REJECTED,
                                             details={"error": str(error)[:300]}))
                continue
            payment = recorded.payment
            payment.reconciliation_import_id = self.imp.id
            payment.regulation_date = header.regulation_date
            if payment.allocation in (Allocation.FULL, Allocation.OVERPAID):
                notice.status = NoticeStatus.PAID
            db.session.expire(verbale, ["payments"])  # the next quote sees this payment
            self.outcomes.new += 1
        db.session.flush()


# -- bank statements ------------------------------------------------------------------------


def entry_tokens(reference: str, end_to_end_id: str, remittance: str) -> set[str]:
    """Words of an entry that may name a flow (its id, after ``/URI/`` in pagoPA's causale)
    or a regulation (the transfer's TRN)."""
    tokens = {t for t in _TOKEN.split(remittance) if 4 <= len(t) <= 140}
    tokens.update(t for t in (reference, end_to_end_id) if t)
    return tokens


def iuv_candidates(remittance: str, creditor_reference: str) -> set[str]:
    """IUVs an entry may be paying: a structured or written RF creditor reference (ISO 11649,
    check digits verified), a notice number (18 digits) or an IUV (17 or 15 digits)."""
    found: set[str] = set()
    for text in (creditor_reference.upper(), remittance.upper()):
        for written in _RF.findall(text):
            groups = written.split()
            for end in range(len(groups), 0, -1):  # "RF18 5390 0754 7034 VIA …": drop words
                ref = "".join(groups[:end])
                if iso11649.is_valid(ref):
                    found.add(ref[4:])
                    break
    for match in _DIGITS.findall(remittance):
        digits = re.sub(r"[ .]", "", match)
        if len(digits) == 18:
            found.add(digits[1:])  # aux digit 3 (or 2): the IUV is the last 17 digits
            found.add(digits[3:])  # aux digit 0: application code, then the 15-digit IUV
        elif len(digits) in (15, 17):
            found.add(digits)
    return found


def settle(flow: ReconciliationImport, entry: BankEntry) -> None:
    flow.status = ImportStatus.SETTLED
    flow.settled_on = entry.booking_date
    entry.status = BankEntryStatus.SETTLEMENT
    entry.flow_import_id = flow.id
    audit.record("reconciliation.flow_settled", actor_type="system", actor_id=None,
                 object_type="reconciliation_import", object_id=flow.id, ente_id=flow.ente_id,
                 bank_entry=entry.reference, amount=str(entry.amount))


def settle_waiting_credit(flow: ReconciliationImport) -> None:
    """A flow imported after its bank transfer: settle it against the open "unmatched
    credit" item of that transfer (same amount, the flow or regulation id in the entry)."""
    if flow.status == ImportStatus.SETTLED:
        return
    stmt = (select(ReconciliationItem).join(BankEntry, BankEntry.id == ReconciliationItem.bank_entry_id)
            .where(ReconciliationItem.ente_id == flow.ente_id,
                   ReconciliationItem.status == ItemStatus.OPEN,
                   ReconciliationItem.reason == ItemReason.UNMATCHED_CREDIT,
                   BankEntry.amount == flow.total_amount)
            .order_by(ReconciliationItem.id))
    for item in db.session.scalars(stmt):
        entry = item.bank_entry
        tokens = entry_tokens(entry.reference, "", entry.remittance)
        if flow.flow_id in tokens or (flow.regulation_id and flow.regulation_id in tokens):
            settle(flow, entry)
            item.status = ItemStatus.RESOLVED
            item.resolution = ItemResolution.LINKED
            item.resolved_at = utcnow()
            item.details = {**(item.details or {}), "settled_flow_import": flow.id}
            audit.record("reconciliation.item_resolved", actor_type="system", actor_id=None,
                         object_type="reconciliation_item", object_id=item.id,
                         ente_id=item.ente_id, resolution="settled_flow", import_id=flow.id)
            return


@dataclass
class _Candidate:
    row: BankRow
    tokens: set[str]
    iuvs: set[str]


class StatementMatcher:
    """Matches the entries of one bank statement (see the module docstring)."""

    def __init__(self, imp: ReconciliationImport):
        self.imp = imp
        self.outcomes = Outcomes()
        self.lines: dict[str, int] = {}  # reference → line, to refuse a repeat inside the file
        self.count = 0
        self.credits = ZERO

    def add(self, rows: Iterable[BankRow]) -> None:
        """Match one chunk of rows (call repeatedly, in file order)."""
        rows = [r for r in rows if self._counted(r)]
        if not rows:
            return
        ente_id = self.imp.ente_id
        known = set(db.session.scalars(select(BankEntry.reference).where(
            BankEntry.ente_id == ente_id, BankEntry.reference.in_([r.reference for r in rows]))))
        fresh = []
        for row in rows:
            if row.reference in known:
                self.outcomes.duplicates += 1
            else:
                fresh.append(row)
        candidates = [_Candidate(r, entry_tokens(r.reference, r.end_to_end_id, r.remittance),
                                 iuv_candidates(r.remittance, r.creditor_reference))
                      for r in fresh if r.credit and r.currency == "EUR"]
        flows = self._flows(set().union(*(c.tokens for c in candidates)) if candidates else set())
        notices = self._notices(set().union(*(c.iuvs for c in candidates)) if candidates else set())
        by_row = {id(c.row): c for c in candidates}
        items: list[dict[str, Any]] = []
        for row in fresh:
            entry = BankEntry(import_id=self.imp.id, ente_id=ente_id, line_no=row.line,
                              reference=row.reference, booking_date=row.booking_date,
                              value_date=row.value_date, amount=row.amount, credit=row.credit,
                              currency=row.currency, account=row.account,
                              counterparty=row.counterparty, remittance=row.remittance,
                              status=BankEntryStatus.IGNORED)
            db.session.add(entry)
            candidate = by_row.get(id(row))
            if candidate is None:
                self.outcomes.ignored += 1
                continue
            db.session.flush()
            self._match(entry, candidate, flows, notices, items)
        db.session.flush()
        _insert_items(items, self.outcomes)

    def _counted(self, row: BankRow) -> bool:
        self.count += 1
        if not row.booked:
            self.outcomes.ignored += 1
            return False
        first = self.lines.setdefault(row.reference, row.line)
        if first != row.line:
            raise ParseError(_l("Line %(line)s repeats the reference %(reference)s of line "
                                "%(first)s: nothing was imported.", line=row.line,
                                reference=show(row.reference), first=first), line=row.line,
                             element="reference")
        if row.credit:
            self.credits += row.amount
        return True

    def _flows(self, tokens: set[str]) -> list[ReconciliationImport]:
        if not tokens:
            return []
        tokens_list = sorted(tokens)
        return list(db.session.scalars(select(ReconciliationImport).where(
            ReconciliationImport.ente_id == self.imp.ente_id,
            ReconciliationImport.kind.in_((ImportKind.FLUSSO, ImportKind.FDR3)),
            or_(ReconciliationImport.regulation_id.in_(tokens_list),
                ReconciliationImport.flow_id.in_(tokens_list)))
            .order_by(ReconciliationImport.id)))

    def _notices(self, iuvs: set[str]) -> dict[str, PaymentNotice]:
        if not iuvs:
            return {}
        return {n.iuv: n for n in db.session.scalars(
            select(PaymentNotice).where(PaymentNotice.ente_id == self.imp.ente_id,
                                        PaymentNotice.iuv.in_(sorted(iuvs)))
            .options(selectinload(PaymentNotice.verbale).options(*verbale_loading())))}

    def _exception(self, entry: BankEntry, reason: ItemReason, **values: Any) -> dict[str, Any]:
        entry.status = BankEntryStatus.EXCEPTION
        return _item(self.imp, reason, line_no=entry.line_no, reference=entry.reference,
                     amount=entry.amount, value_date=entry.value_date or entry.booking_date,
                     remittance=entry.remittance, bank_entry_id=entry.id, **values)

    def _match(self, entry: BankEntry, candidate: _Candidate, flows, notices, items) -> None:
        tokens = candidate.tokens
        named = [f for f in flows if f.flow_id in tokens
                 or (f.regulation_id and f.regulation_id in tokens)]
        if named:
            open_flows = [f for f in named if f.status != ImportStatus.SETTLED]
            exact = [f for f in open_flows if f.total_amount == entry.amount]
            if exact:
                settle(exact[0], entry)
                self.outcomes.matched += 1
            elif open_flows:
                items.append(self._exception(entry, ItemReason.SETTLEMENT_MISMATCH,
                                             expected_amount=open_flows[0].total_amount,
                                             details={"flow_import": open_flows[0].id,
                                                      "flow_id": open_flows[0].flow_id}))
            else:
                items.append(self._exception(entry, ItemReason.ALREADY_SETTLED,
                                             details={"flow_import": named[0].id,
                                                      "flow_id": named[0].flow_id}))
            return
        found = {notices[i].id: notices[i] for i in candidate.iuvs if i in notices}
        if len(found) > 1:
            items.append(self._exception(entry, ItemReason.AMBIGUOUS_REFERENCE,
                                         details={"notices": sorted(found)}))
            return
        if not found:
            items.append(self._exception(entry, ItemReason.UNMATCHED_CREDIT))
            return
        notice = next(iter(found.values()))
        verbale = notice.verbale
        if notice.status == NoticeStatus.CANCELLED or verbale.status == VerbaleStatus.CANCELLED:
            items.append(self._exception(entry, ItemReason.CANCELLED_NOTICE, iuv=notice.iuv,
                                         notice_id=notice.id, verbale_id=verbale.id))
            return
        try:
            record_bank_payment(entry, notice)
        except LedgerError as error:
            items.append(self._exception(entry, ItemReason.LEDGER_REJECTED, iuv=notice.iuv,
                                         notice_id=notice.id, verbale_id=verbale.id,
                                         details={"error": str(error)[:300]}))
            return
        entry.status = BankEntryStatus.PAYMENT
        self.outcomes.new += 1


def bank_provider_ref(ente_id: int, reference: str) -> str:
    """The ledger's provider reference of a bank credit (unique across Enti)."""
    return f"bank:{ente_id}:{reference}"[:120]


def record_bank_payment(entry: BankEntry, notice: PaymentNotice, *,
                        details: dict[str, Any] | None = None) -> Payment:
    """A direct bank payment of ``notice``, through the ledger (full / partial / over)."""
    verbale = notice.verbale
    recorded = record_confirmed_payment(
        verbale_id=verbale.id, channel=PaymentChannel.BANK_TRANSFER,
        provider_ref=bank_provider_ref(entry.ente_id, entry.reference), amount=entry.amount,
        paid_at=noon(entry.value_date or entry.booking_date),
        quoted_total=notice.quoted_total, quote_valid_until=notice.quote_valid_until,
        details={"source": "bank_statement", "reference": entry.reference, "iuv": notice.iuv,
                 "notice_number": notice.notice_number, **(details or {})})
    payment = recorded.payment
    entry.payment_id = payment.id
    if payment.allocation in (Allocation.FULL, Allocation.OVERPAID):
        notice.status = NoticeStatus.PAID
    db.session.expire(verbale, ["payments"])
    return payment

