"""Builders of reporting flows and bank statements for the reconciliation tests, and the
situations they reconcile (a fine with its notice, a receipt already recorded by paSendRT)."""

from __future__ import annotations

import io
import itertools
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.collection.ledger import record_confirmed_payment
from core.models import PaymentChannel
from core.reconciliation.service import import_file
from tests.core.pagopa.pagopa_support import fine, new_ente, today

ROME = ZoneInfo("Europe/Rome")
NS = "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"
_flows = itertools.count(1)

__all__ = ["fine", "new_ente", "today", "flusso", "fdr3", "csv_statement", "camt053",
           "receipt", "run", "P"]


class P:
    """One payment line of a flow."""

    def __init__(self, iuv: str, iur: str, amount: str, outcome: str = "0", index: int = 1,
                 day: date | None = None):
        self.iuv, self.iur, self.amount, self.outcome = iuv, iur, Decimal(amount), outcome
        self.index, self.day = index, day or today()


def flusso(ente, payments: list[P], *, flow_id: str | None = None, regulation: str | None = None,
           regulation_date: date | None = None, count: int | None = None,
           total: str | None = None, receiver: str | None = None) -> bytes:
    flow_id = flow_id or f"{today():%Y-%m-%d}TESTITMMXXX-{next(_flows):06d}"
    regulation = regulation or f"TRN-{flow_id}"
    rows = "".join(
        f"<datiSingoliPagamenti><identificativoUnivocoVersamento>{p.iuv}</identificativoUnivocoVersamento>"
        f"<identificativoUnivocoRiscossione>{p.iur}</identificativoUnivocoRiscossione>"
        f"<indiceDatiSingoloPagamento>{p.index}</indiceDatiSingoloPagamento>"
        f"<singoloImportoPagato>{p.amount:.2f}</singoloImportoPagato>"
        f"<codiceEsitoSingoloPagamento>{p.outcome}</codiceEsitoSingoloPagamento>"
        f"<dataEsitoSingoloPagamento>{p.day.isoformat()}</dataEsitoSingoloPagamento>"
        "</datiSingoliPagamenti>" for p in payments)
    declared_total = total if total is not None else f"{sum((p.amount for p in payments), Decimal('0.00')):.2f}"
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><FlussoRiversamento xmlns="{NS}">'
           "<versioneOggetto>1.0</versioneOggetto>"
           f"<identificativoFlusso>{flow_id}</identificativoFlusso>"
           f"<dataOraFlusso>{today().isoformat()}T08:00:00</dataOraFlusso>"
           f"<identificativoUnivocoRegolamento>{regulation}</identificativoUnivocoRegolamento>"
           f"<dataRegolamento>{(regulation_date or today()).isoformat()}</dataRegolamento>"
           "<istitutoMittente><identificativoUnivocoMittente><tipoIdentificativoUnivoco>B"
           "</tipoIdentificativoUnivoco><codiceIdentificativoUnivoco>TESTITMMXXX"
           "</codiceIdentificativoUnivoco></identificativoUnivocoMittente>"
           "<denominazioneMittente>Banca di Prova</denominazioneMittente></istitutoMittente>"
           "<istitutoRicevente><identificativoUnivocoRicevente><tipoIdentificativoUnivoco>G"
           "</tipoIdentificativoUnivoco><codiceIdentificativoUnivoco>"
           f"{receiver or ente.fiscal_code}</codiceIdentificativoUnivoco>"
           "</identificativoUnivocoRicevente></istitutoRicevente>"
           f"<numeroTotalePagamenti>{count if count is not None else len(payments)}</numeroTotalePagamenti>"
           f"<importoTotalePagamenti>{declared_total}</importoTotalePagamenti>"
           f"{rows}</FlussoRiversamento>")
    return doc.encode()


def fdr3(ente, payments: list[P], *, flow_id: str | None = None, revision: int = 1) -> bytes:
    statuses = {"0": "EXECUTED", "3": "REVOKED", "9": "NO_RPT"}
    doc = {
        "fdr": flow_id or f"{today():%Y-%m-%d}TESTITMMXXX-{next(_flows):06d}",
        "fdrDate": f"{today().isoformat()}T08:00:00Z", "revision": revision,
        "sender": {"pspId": "TESTITMMXXX", "pspName": "Banca di Prova"},
        "receiver": {"organizationId": ente.fiscal_code},
        "regulation": "SEPA TRN FDR3", "regulationDate": today().isoformat(),
        "totPayments": len(payments),
        "sumPayments": "__SUM__",
        "payments": [{"index": n, "iuv": p.iuv, "iur": p.iur, "idTransfer": p.index,
                      "pay": f"__{p.amount:.2f}__", "payStatus": statuses[p.outcome],
                      "payDate": f"{p.day.isoformat()}T10:00:00Z"}
                     for n, p in enumerate(payments, start=1)],
    }
    text = json.dumps(doc, indent=1)
    text = text.replace('"__SUM__"', f"{sum((p.amount for p in payments), Decimal('0.00')):.2f}")
    for p in payments:
        text = text.replace(f'"__{p.amount:.2f}__"', f"{p.amount:.2f}")
    return text.encode()


def csv_statement(rows: list[tuple[str, str, str]], day: date | None = None) -> bytes:
    """``(reference, amount "1.234,56", remittance)`` credits in the Italian format."""
    day = day or today()
    lines = ["Data contabile;Data valuta;Importo;Causale;Riferimento"]
    lines += [f"{day:%d/%m/%Y};{day:%d/%m/%Y};{amount};{remittance};{reference}"
              for reference, amount, remittance in rows]
    return ("\n".join(lines) + "\n").encode()


def camt053(iban: str, entries: list[tuple[str, str, str, str]], message_id: str = "MSG-1") -> bytes:
    """``(reference, amount "42.00", CRDT|DBIT, remittance)`` booked entries."""
    body = "".join(
        f"<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts>BOOK</Sts>"
        f"<BookgDt><Dt>{today().isoformat()}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>"
        f"<NtryDtls><TxDtls><RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        for ref, amount, direction, remittance in entries)
    return ("<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>"
            f"<BkToCstmrStmt><GrpHdr><MsgId>{message_id}</MsgId></GrpHdr><Stmt><Id>S1</Id>"
            f"<Acct><Id><IBAN>{iban}</IBAN></Id></Acct>{body}</Stmt></BkToCstmrStmt></Document>"
            ).encode()


def receipt(verbale, iur: str, amount: str, when: datetime | None = None):
    """A payment as paSendRT records it (channel pagoPA, provider reference = receipt id)."""
    return record_confirmed_payment(
        verbale_id=verbale.id, channel=PaymentChannel.PAGOPA, provider_ref=iur,
        amount=Decimal(amount), paid_at=when or datetime.now(ROME) - timedelta(hours=1)).payment


def run(data: bytes, **kw):
    kw.setdefault("filename", "flow.xml")
    return import_file(io.BytesIO(data), **kw)
