"""ISO 20022 ``camt.053`` bank-to-customer statements (``BkToCstmrStmt``), any version from
``camt.053.001.02`` on (namespace ``urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN``).

Read per ``Stmt``: ``Id``, ``Acct/Id/IBAN``, ``TxsSummry/TtlNtries`` (``NbOfNtries`` and
``Sum``, checked against the entries when present). Per ``Ntry``: ``Amt`` (with ``Ccy``),
``CdtDbtInd`` (CRDT/DBIT), ``Sts`` (``BOOK``; from version 08 ``Sts/Cd``), ``BookgDt`` and
``ValDt`` (``Dt`` or ``DtTm``), ``AcctSvcrRef`` / ``NtryRef``, and from ``NtryDtls/TxDtls``:
``Refs/EndToEndId``, ``RmtInf/Ustrd`` (free text, where the IUV or the flow id is written),
``RmtInf/Strd/CdtrRefInf/Ref`` (a structured creditor reference, RF…), the debtor's name
(``RltdPties/Dbtr/Nm`` or ``…/Dbtr/Pty/Nm``). A batched entry whose transactions each carry
their amount yields one row per transaction. Entries that are not booked are returned with
``booked=False`` (counted, not reconciled).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from .amounts import CENT, iso_date
from .errors import ParseError, count_mismatch, show, sum_mismatch
from .rows import BankRow, StatementHeader
from .xmlstream import Element, events, split

NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})")
_AMOUNT = re.compile(r"\d{1,15}(?:\.\d{1,5})?")


def _amount(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    if not _AMOUNT.fullmatch(text):
        return None
    value = Decimal(text)
    if value != value.quantize(CENT):
        return None
    return value.quantize(CENT)


class Camt053Parser:
    """Streaming parser of a camt.053 document."""

    kind = "camt053"

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.header = StatementHeader()
        self.count = 0  # rows yielded
        self.ns = ""
        self.version = 0
        self._declared: tuple[int | None, Decimal | None] = (None, None)

    # -- helpers --------------------------------------------------------------------------

    def _q(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def _text(self, element: Element, path: str) -> str:
        found = element.find(self._q(path))
        return (found.text or "").strip() if found is not None else ""

    def _date(self, element: Element, path: str):
        node = element.find(self._q(path))
        if node is None:
            return None
        for child in ("Dt", "DtTm"):
            text = self._text(node, child)
            if text:
                return iso_date(text)
        return None

    # -- document -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[BankRow]:
        depth = 0
        stmt: Element | None = None
        stmt_entries = 0
        stmt_sum = Decimal("0.00")
        ordinal = 0
        for event, element in events(self.stream):
            ns, local = split(element.tag)
            if event == "start":
                depth += 1
                if depth == 1:
                    match = NAMESPACE.fullmatch(ns)
                    if local != "Document" or match is None:
                        raise ParseError(_l("This is not a camt.053 statement (root element "
                                            "%(element)s in namespace %(namespace)s).",
                                            element=show(local), namespace=show(ns)),
                                         element=local)
                    self.ns, self.version = ns, int(match.group(1))
                elif depth == 3 and local == "Stmt" and ns == self.ns:
                    stmt, stmt_entries, stmt_sum = element, 0, Decimal("0.00")
                    self._declared = (None, None)
                continue
            depth -= 1
            if ns != self.ns:  # extensions (SplmtryData) in other namespaces are not read
                continue
            if depth == 2 and local == "GrpHdr":
                self.header.message_id = self._text(element, "MsgId")[:35]
            elif depth == 3 and stmt is not None and local in ("Id", "Acct", "TxsSummry"):
                self._statement_field(local, element)
            elif depth == 3 and local == "Ntry" and stmt is not None:
                ordinal += 1
                stmt_entries += 1
                rows = self._entry(element, ordinal)
                for row in rows:
                    stmt_sum += row.amount
                stmt.remove(element)  # constant memory
                for row in rows:
                    self.count += 1
                    yield row
            elif depth == 2 and local == "Stmt":
                self._check_totals(stmt_entries, stmt_sum)
                stmt = None
                element.clear()
        if not self.header.statement_ids:
            raise ParseError(_l("The camt.053 document has no statement (Stmt)."), element="Stmt")

    def _statement_field(self, local: str, element: Element) -> None:
        header = self.header
        if local == "Id":
            header.statement_ids.append((element.text or "").strip()[:35])
        elif local == "Acct":
            account = self._text(element, "Id/IBAN") or self._text(element, "Id/Othr/Id")
            header.accounts.append(account.replace(" ", "")[:34])
        elif local == "TxsSummry":
            count = self._text(element, "TtlNtries/NbOfNtries")
            total = self._text(element, "TtlNtries/Sum")
            declared_count = declared_sum = None
            if count:
                if not count.isdigit():
                    raise ParseError(_l("TxsSummry: NbOfNtries %(value)s is not a number.",
                                        value=show(count)), element="NbOfNtries")
                declared_count = int(count)
            if total:
                declared_sum = _amount(total)
                if declared_sum is None:
                    raise ParseError(_l("TxsSummry: Sum %(value)s is not an amount.",
                                        value=show(total)), element="Sum")
            self._declared = (declared_count, declared_sum)

    def _check_totals(self, entries: int, total: Decimal) -> None:
        """The statement's summary against its entries; the header keeps the file's sums."""
        header = self.header
        declared_count, declared_sum = self._declared
        if declared_count is not None:
            if declared_count != entries:
                raise count_mismatch(declared_count, entries, entries=True)
            header.declared_count = (header.declared_count or 0) + declared_count
        if declared_sum is not None:
            if declared_sum != total:
                raise sum_mismatch(declared_sum, total, entries=True)
            header.declared_sum = (header.declared_sum or Decimal("0.00")) + declared_sum

    def _entry(self, entry: Element, ordinal: int) -> list[BankRow]:
        where = _l("Entry no. %(number)s", number=ordinal)
        amount_node = entry.find(self._q("Amt"))
        amount = _amount(amount_node.text if amount_node is not None else None)
        if amount is None:
            raise ParseError(_l("%(where)s: Amt %(value)s is not an amount with at most two "
                                "decimals.", where=where,
                                value=show(amount_node.text if amount_node is not None else "")),
                             element="Amt")
        currency = (amount_node.get("Ccy") or "EUR").upper()[:3]
        indicator = self._text(entry, "CdtDbtInd")
        if indicator not in ("CRDT", "DBIT"):
            raise ParseError(_l("%(where)s: CdtDbtInd %(value)s is neither CRDT nor DBIT.",
                                where=where, value=show(indicator)), element="CdtDbtInd")
        status = self._text(entry, "Sts/Cd") or self._text(entry, "Sts")
        booking = self._date(entry, "BookgDt")
        if booking is None:
            raise ParseError(_l("%(where)s: the booking date (BookgDt) is missing or invalid.",
                                where=where), element="BookgDt")
        value_date = self._date(entry, "ValDt")
        account = self.header.accounts[-1] if self.header.accounts else ""
        entry_ref = (self._text(entry, "AcctSvcrRef") or self._text(entry, "NtryRef"))[:120]
        details = entry.findall(self._q("NtryDtls/TxDtls"))
        extra = self._text(entry, "AddtlNtryInf")
        credit = indicator == "CRDT"
        booked = status == "BOOK"

        def row(tx: Element | None, value: Decimal, reference: str) -> BankRow:
            texts = [t for t in self._remittance(tx)] if tx is not None else []
            if extra:
                texts.append(extra)
            remittance = " ".join(" ".join(texts).split())[:500]
            e2e = self._text(tx, "Refs/EndToEndId")[:35] if tx is not None else ""
            if e2e == "NOTPROVIDED":
                e2e = ""
            creditor_ref = self._text(tx, "RmtInf/Strd/CdtrRefInf/Ref")[:35] if tx is not None else ""
            party = ""
            if tx is not None:
                party = self._text(tx, "RltdPties/Dbtr/Nm") or self._text(tx, "RltdPties/Dbtr/Pty/Nm")
            if not reference:
                reference = f"camt:{self.header.message_id}:{ordinal}"[:120]
            return BankRow(ordinal, reference, booking, value_date, value, credit, currency,
                           remittance, party[:140], account, e2e, creditor_ref, booked)

        amounts = [_amount(self._text(tx, "Amt") or self._text(tx, "AmtDtls/TxAmt/Amt"))
                   for tx in details]
        if len(details) > 1 and all(a is not None for a in amounts) and sum(amounts) == amount:
            rows = []
            for n, (tx, value) in enumerate(zip(details, amounts, strict=True), start=1):
                tx_ref = self._text(tx, "Refs/AcctSvcrRef") or (f"{entry_ref}/{n}" if entry_ref else "")
                rows.append(row(tx, value, tx_ref[:120]))
            return rows
        tx = details[0] if details else None
        reference = entry_ref or (self._text(tx, "Refs/AcctSvcrRef") if tx is not None else "")
        return [row(tx, amount, reference[:120])]

    def _remittance(self, tx: Element) -> list[str]:
        return [(node.text or "").strip() for node in tx.findall(self._q("RmtInf/Ustrd"))
                if (node.text or "").strip()]
