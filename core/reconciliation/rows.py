"""Typed rows and headers produced by the parsers. Amounts are :class:`~decimal.Decimal`
with two decimals; dates are :class:`~datetime.date`; instants are aware UTC datetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class Outcome(StrEnum):
    """What a reporting flow says happened to one payment."""

    EXECUTED = "executed"  # 0 / EXECUTED
    REVOKED = "revoked"  # 3 / REVOKED (a revocation, negative amount)
    NO_RECEIPT = "no_receipt"  # 9 / NO_RPT: executed without a receipt reaching the creditor
    STAND_IN = "stand_in"  # STAND_IN / STAND_IN_NO_RPT: executed while the node was in stand-in

    @property
    def paid(self) -> bool:
        return self != Outcome.REVOKED


#: FlussoRiversamento codiceEsitoSingoloPagamento
FLUSSO_OUTCOMES = {"0": Outcome.EXECUTED, "3": Outcome.REVOKED, "9": Outcome.NO_RECEIPT}
#: FdR 3 payStatus
FDR3_OUTCOMES = {"EXECUTED": Outcome.EXECUTED, "REVOKED": Outcome.REVOKED,
                 "NO_RPT": Outcome.NO_RECEIPT, "STAND_IN": Outcome.STAND_IN,
                 "STAND_IN_NO_RPT": Outcome.STAND_IN}


class FlowPayment(NamedTuple):
    """One ``datiSingoliPagamenti`` / FdR 3 payment: one transfer of one payment."""

    line: int  # ordinal of the payment in the flow, from 1
    iuv: str  # identificativoUnivocoVersamento / iuv (= receipt creditorReferenceId)
    iur: str  # identificativoUnivocoRiscossione / iur (= receipt receiptId)
    transfer_index: int  # indiceDatiSingoloPagamento / idTransfer (1–5)
    amount: Decimal  # singoloImportoPagato / pay (negative for revocations)
    outcome: Outcome
    outcome_code: str  # as written: "0", "3", "9", "EXECUTED" …
    paid_on: date  # dataEsitoSingoloPagamento / payDate
    paid_at: datetime | None  # FdR 3 gives the instant


@dataclass
class FlowHeader:
    """The header of a reporting flow (one flow = one bank transfer of the PSP)."""

    flow_id: str | None = None  # identificativoFlusso / fdr
    revision: int = 1
    flow_date: datetime | None = None  # dataOraFlusso / fdrDate
    regulation_id: str | None = None  # identificativoUnivocoRegolamento / regulation
    regulation_date: date | None = None  # dataRegolamento / regulationDate
    sender_id: str = ""  # PSP (istitutoMittente / sender.pspId)
    sender_name: str = ""
    receiver_id: str = ""  # creditor fiscal code (istitutoRicevente / receiver.organizationId)
    receiver_name: str = ""
    declared_count: int | None = None  # numeroTotalePagamenti / totPayments
    declared_total: Decimal | None = None  # importoTotalePagamenti / sumPayments
    version: str = ""


class BankRow(NamedTuple):
    """One entry (or one transaction of a batched entry) of a bank statement."""

    line: int  # CSV line, or ordinal of the entry in a camt.053 document
    reference: str  # the bank's unique reference of the entry
    booking_date: date
    value_date: date | None
    amount: Decimal  # positive
    credit: bool
    currency: str
    remittance: str  # free text (causale), unstructured remittance information
    counterparty: str
    account: str  # the statement's account (IBAN)
    end_to_end_id: str
    creditor_reference: str  # structured creditor reference (RF …), if any
    booked: bool = True  # camt.053: only BOOK entries are reconciled


@dataclass
class StatementHeader:
    message_id: str = ""
    statement_ids: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    declared_count: int | None = None
    declared_sum: Decimal | None = None
