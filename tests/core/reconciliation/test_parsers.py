"""The parsers of reporting flows and bank statements, on good and bad sample files: typed
rows with exact amounts, totals checked against the header, and a clear error (line or
element) for malformed XML/JSON, entity expansion, wrong decimals and bad values."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.models import ImportKind
from core.reconciliation.amounts import AmountReader, DecimalFormat, dot_amount
from core.reconciliation.bank_csv import CsvStatementParser
from core.reconciliation.camt053 import Camt053Parser
from core.reconciliation.detect import detect_kind
from core.reconciliation.errors import ParseError, TotalsError
from core.reconciliation.fdr3 import Fdr3Parser
from core.reconciliation.flusso import FlussoParser
from core.reconciliation.rows import Outcome

SAMPLES = Path(__file__).parent / "samples"


def _read(parser_cls, name: str, **kw):
    with (SAMPLES / name).open("rb") as stream:
        parser = parser_cls(stream, **kw)
        return parser, list(parser)


def _error_of(parser_cls, data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        list(parser_cls(io.BytesIO(data)))
    return caught.value


def _error(parser_cls, name: str, **kw) -> ParseError:
    with pytest.raises(ParseError) as caught:
        _read(parser_cls, name, **kw)
    return caught.value


# -- FlussoRiversamento ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["flusso_ok.xml", "flusso_unqualified.xml", "flusso_prefixed.xml"])
def test_flusso_rows_and_header(name):
    parser, rows = _read(FlussoParser, name)
    header = parser.header
    assert header.flow_id == "2026-01-15UNCRITMMXXX-S000001"
    assert header.regulation_id == "BCITITMM202601160001"
    assert header.regulation_date == date(2026, 1, 16)
    assert header.flow_date == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # Rome local → UTC
    assert (header.sender_id, header.receiver_id) == ("UNCRITMMXXX", "80012345678")
    assert (header.declared_count, header.declared_total) == (3, Decimal("71.40"))
    assert [r.iuv for r in rows] == ["02202400001234579", "02202400001234580", "02202400001234581"]
    first = rows[0]
    assert (first.line, first.iur, first.transfer_index) == (1, "IUR-0001", 1)
    assert first.amount == Decimal("29.40") and isinstance(first.amount, Decimal)
    assert (first.outcome, first.paid_on) == (Outcome.EXECUTED, date(2026, 1, 14))
    assert [r.outcome for r in rows] == [Outcome.EXECUTED, Outcome.NO_RECEIPT, Outcome.REVOKED]
    assert rows[2].amount == Decimal("-8.00")


def test_flusso_header_is_ready_with_the_first_row():
    with (SAMPLES / "flusso_ok.xml").open("rb") as stream:
        parser = FlussoParser(stream)
        iterator = iter(parser)
        next(iterator)
        assert parser.header_ready and parser.header.flow_id


@pytest.mark.parametrize("name, element", [("flusso_bad_count.xml", "count"),
                                           ("flusso_bad_sum.xml", "total")])
def test_flusso_totals_differing_from_the_header_refuse_the_file(name, element):
    error = _error(FlussoParser, name)
    assert isinstance(error, TotalsError) and error.element == element
    assert "nothing was imported" in str(error)


def test_flusso_count_message_names_both_numbers():
    error = _error(FlussoParser, "flusso_bad_count.xml")
    assert "declares 4 payments but the file contains 3" in str(error)


@pytest.mark.parametrize("name", ["flusso_wrong_decimals.xml", "flusso_three_decimals.xml"])
def test_flusso_wrong_decimals(name):
    error = _error(FlussoParser, name)
    assert error.element == "singoloImportoPagato"
    assert "Payment no. " in str(error) and "at most two decimals" in str(error)


def test_flusso_malformed_xml_gives_line_and_column():
    error = _error(FlussoParser, "flusso_malformed.xml")
    assert error.line == 31
    assert "not well-formed XML (line 31" in str(error)


@pytest.mark.parametrize("name", ["flusso_billion_laughs.xml", "flusso_external_entity.xml"])
def test_flusso_entity_expansion_and_external_entities_are_refused(name):
    error = _error(FlussoParser, name)
    assert error.element == "DOCTYPE"
    assert "not allowed" in str(error)


@pytest.mark.parametrize("data", [
    # UTF-16: the byte-level prolog check cannot read it, the DTD check at the first event does
    ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE FlussoRiversamento [<!ENTITY e "x">]>'
     "<FlussoRiversamento><identificativoFlusso>&e;</identificativoFlusso></FlussoRiversamento>"
     ).encode("utf-16"),
    b'<?xml version="1.0"?>\n<!-- a comment --><!DOCTYPE FlussoRiversamento SYSTEM '
    b'"http://127.0.0.1:9/flusso.dtd"><FlussoRiversamento/>',
    b"<!DOCTYPE FlussoRiversamento><FlussoRiversamento/>",
])
@pytest.mark.parametrize("parser_cls", [FlussoParser, Camt053Parser])
def test_a_document_type_declaration_is_refused_however_written(data, parser_cls):
    with pytest.raises(ParseError) as caught:
        list(parser_cls(io.BytesIO(data)))
    assert caught.value.element == "DOCTYPE" and "not allowed" in str(caught.value)


def test_an_undeclared_entity_is_not_well_formed():
    data = (SAMPLES / "flusso_ok.xml").read_bytes().replace(b"IUR-0001", b"&ent;", 1)
    error = _error_of(FlussoParser, data)
    assert "not well-formed XML" in str(error) and "Entity 'ent' not defined" in str(error)
    assert error.line is not None and error.line > 1


def test_flusso_with_a_long_prolog_and_small_reads(monkeypatch):
    """The root's tag is not in the first bytes read: the parser finds it from the tree."""
    import core.reconciliation.xmlstream as xmlstream

    monkeypatch.setattr(xmlstream, "READ", 100)
    data = (SAMPLES / "flusso_ok.xml").read_bytes()
    head, _, body = data.partition(b"?>")
    long_prolog = head + b"?>\n<!--" + b" padding" * 10_000 + b" -->" + body
    parser = FlussoParser(io.BytesIO(long_prolog))
    rows = list(parser)
    assert [r.iur for r in rows] == ["IUR-0001", "IUR-0002", "IUR-0003"]
    assert parser.header.flow_id == "2026-01-15UNCRITMMXXX-S000001"
    with pytest.raises(ParseError, match="not a FlussoRiversamento"):
        list(FlussoParser(io.BytesIO(b"<!--" + b" padding" * 10_000 + b" --><Document/>")))


def test_flusso_bad_outcome_code():
    error = _error(FlussoParser, "flusso_bad_outcome.xml")
    assert error.element == "codiceEsitoSingoloPagamento" and "Payment no. 2" in str(error)


def test_flusso_missing_header_element():
    error = _error(FlussoParser, "flusso_missing_header.xml")
    assert error.element == "identificativoUnivocoRegolamento"


def test_flusso_foreign_namespace_is_refused():
    error = _error(FlussoParser, "flusso_foreign_namespace.xml")
    assert "unexpected namespace" in str(error)


def test_flusso_refuses_another_document():
    error = _error(FlussoParser, "camt053_v02.xml")
    assert "not a FlussoRiversamento" in str(error)


def test_flusso_streams_with_constant_memory(monkeypatch):
    """The tree never holds more than one read's worth of records: each is dropped once
    read (here a read is 1 KB, about three records; the document has 3,000)."""
    import core.reconciliation.flusso as flusso_module
    import core.reconciliation.xmlstream as xmlstream

    payment = ("<datiSingoliPagamenti><identificativoUnivocoVersamento>{n:017d}"
               "</identificativoUnivocoVersamento><identificativoUnivocoRiscossione>R{n}"
               "</identificativoUnivocoRiscossione><singoloImportoPagato>1.00</singoloImportoPagato>"
               "<codiceEsitoSingoloPagamento>0</codiceEsitoSingoloPagamento>"
               "<dataEsitoSingoloPagamento>2026-01-01</dataEsitoSingoloPagamento>"
               "</datiSingoliPagamenti>")
    n = 3000
    body = "".join(payment.format(n=i) for i in range(n))
    doc = ("<FlussoRiversamento><identificativoFlusso>F</identificativoFlusso>"
           "<identificativoUnivocoRegolamento>T</identificativoUnivocoRegolamento>"
           "<dataRegolamento>2026-01-02</dataRegolamento>"
           f"<numeroTotalePagamenti>{n}</numeroTotalePagamenti>"
           f"<importoTotalePagamenti>{n}.00</importoTotalePagamenti>{body}</FlussoRiversamento>")
    monkeypatch.setattr(xmlstream, "READ", 1024)
    real_top_level = flusso_module.top_level
    sizes = []

    def spying(stream, check_root):
        elements = real_top_level(stream, check_root)
        root = next(elements)
        yield root
        for element in elements:
            sizes.append(len(root))  # the records the tree holds, this one included
            yield element

    monkeypatch.setattr(flusso_module, "top_level", spying)
    rows = list(FlussoParser(io.BytesIO(doc.encode())))
    assert len(rows) == n and rows[-1].iuv == f"{n - 1:017d}"
    assert max(sizes) <= 8  # header elements or a few records, never the document


# -- FdR 3 -------------------------------------------------------------------------------------


def test_fdr3_rows_are_exact_decimals():
    parser, rows = _read(Fdr3Parser, "fdr3_ok.json")
    header = parser.header
    assert (header.flow_id, header.revision) == ("2026-01-15PSPITMMXXX-0001", 2)
    assert header.declared_total == Decimal("0.30")  # 0.1 + 0.1 + 0.1 as floats would not be
    assert header.regulation_date == date(2026, 1, 16)
    assert header.receiver_id == "80012345678" and header.sender_id == "PSPITMMXXX"
    assert [r.amount for r in rows] == [Decimal("0.10")] * 3
    assert [r.outcome for r in rows] == [Outcome.EXECUTED, Outcome.NO_RECEIPT, Outcome.STAND_IN]
    # 23:30 UTC on the 14th is the 15th in Rome
    assert rows[0].paid_on == date(2026, 1, 15)
    assert rows[0].paid_at == datetime(2026, 1, 14, 23, 30, tzinfo=UTC)


def test_fdr3_header_after_the_payments():
    parser, rows = _read(Fdr3Parser, "fdr3_header_last.json")
    assert len(rows) == 1 and rows[0].amount == Decimal("42.00")
    assert parser.header.flow_id == "2026-01-15PSPITMMXXX-0002" and parser.header_ready
    assert rows[0].paid_at is None and rows[0].paid_on == date(2026, 1, 14)


@pytest.mark.parametrize("name, element", [("fdr3_bad_count.json", "count"),
                                           ("fdr3_bad_sum.json", "total")])
def test_fdr3_totals(name, element):
    error = _error(Fdr3Parser, name)
    assert isinstance(error, TotalsError) and error.element == element


@pytest.mark.parametrize("name", ["fdr3_three_decimals.json", "fdr3_string_amount.json"])
def test_fdr3_wrong_amounts(name):
    error = _error(Fdr3Parser, name)
    assert error.element == "pay" and "Payment no. 2 (line 16)" in str(error)


def test_fdr3_malformed_json_gives_the_line():
    error = _error(Fdr3Parser, "fdr3_malformed.json")
    assert error.line == 18 and "line 18" in str(error)


def test_fdr3_bad_status():
    error = _error(Fdr3Parser, "fdr3_bad_status.json")
    assert error.element == "payStatus"


def test_fdr3_reads_in_small_chunks(monkeypatch):
    """Values split across reads are reassembled (numbers included)."""
    import core.reconciliation.fdr3 as fdr3

    monkeypatch.setattr(fdr3, "CHUNK", 7)
    parser, rows = _read(Fdr3Parser, "fdr3_ok.json")
    assert len(rows) == 3 and parser.total == Decimal("0.30")


def test_fdr3_trailing_garbage_and_duplicate_members():
    with pytest.raises(ParseError, match="unexpected data"):
        list(Fdr3Parser(io.BytesIO(b'{"fdr": "A"} x')))
    with pytest.raises(ParseError, match="appears twice"):
        list(Fdr3Parser(io.BytesIO(b'{"fdr": "A", "fdr": "B"}')))


# -- bank CSV ----------------------------------------------------------------------------------


def test_csv_italian_format():
    parser, rows = _read(CsvStatementParser, "statement_it.csv")
    assert [r.amount for r in rows] == [Decimal("1234.56"), Decimal("42.00"), Decimal("12.50")]
    assert [r.credit for r in rows] == [True, True, False]
    assert rows[0].booking_date == date(2026, 1, 16)
    assert rows[0].reference == "BCITITMM202601160001"
    assert rows[1].remittance.startswith("PAGAMENTO AVVISO") and rows[1].line == 3


def test_csv_international_format_with_direction():
    parser, rows = _read(CsvStatementParser, "statement_intl.csv")
    assert [r.amount for r in rows] == [Decimal("1234.56"), Decimal("42.00"), Decimal("12.50")]
    assert [r.credit for r in rows] == [True, True, False]


def test_csv_explicit_format_refuses_the_other_one():
    error = _error(CsvStatementParser, "statement_intl.csv", decimal="it")
    assert error.line == 2 and "Italian (1.234,56)" in str(error)


def test_csv_mixed_decimal_formats_are_refused():
    error = _error(CsvStatementParser, "statement_mixed.csv")
    assert error.line == 3 and "set by line 2" in str(error)


@pytest.mark.parametrize("name, element", [("statement_bad_amount.csv", "amount"),
                                           ("statement_bad_date.csv", "booking_date")])
def test_csv_bad_values(name, element):
    error = _error(CsvStatementParser, name)
    assert error.line == 2 and error.element == element


def test_csv_without_reference_derives_distinct_stable_references():
    _, rows = _read(CsvStatementParser, "statement_no_reference.csv")
    _, again = _read(CsvStatementParser, "statement_no_reference.csv")
    assert rows[0].reference != rows[1].reference
    assert [r.reference for r in rows] == [r.reference for r in again]


def test_csv_windows_1252():
    data = "data_contabile;importo;causale\n16/01/2026;10,00;caffè\n".encode("cp1252")
    rows = list(CsvStatementParser(io.BytesIO(data)))
    assert rows[0].remittance == "caffè"


def test_csv_needs_date_and_amount_columns():
    with pytest.raises(ParseError, match="no amount column"):
        list(CsvStatementParser(io.BytesIO(b"data_contabile;causale\n16/01/2026;x\n")))


# -- camt.053 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["camt053_v02.xml", "camt053_v08.xml"])
def test_camt053_versions(name):
    parser, rows = _read(Camt053Parser, name)
    assert parser.header.accounts == ["IT60X0542811101000000123456"]
    assert parser.header.declared_count == 4 and parser.header.declared_sum == Decimal("1301.56")
    assert [r.amount for r in rows] == [Decimal("1234.56"), Decimal("42.00"), Decimal("12.50"),
                                        Decimal("12.50")]
    assert [(r.credit, r.booked) for r in rows] == [(True, True), (True, True), (False, True),
                                                    (True, False)]
    settlement, direct = rows[0], rows[1]
    assert settlement.reference == "BCITITMM202601160001"
    assert settlement.remittance == "/PUR/LGPE-RIVERSAMENTO/URI/2026-01-15UNCRITMMXXX-S000001"
    assert settlement.end_to_end_id == ""  # NOTPROVIDED
    assert direct.creditor_reference == "RF18539007547034"
    assert direct.counterparty == "Mario Rossi" and direct.end_to_end_id == "E2E-0002"


@pytest.mark.parametrize("name, element", [("camt053_bad_totals.xml", "count"),
                                           ("camt053_bad_sum.xml", "total")])
def test_camt053_totals(name, element):
    error = _error(Camt053Parser, name)
    assert isinstance(error, TotalsError) and error.element == element


def test_camt053_bad_amount():
    error = _error(Camt053Parser, "camt053_bad_amount.xml")
    assert error.element == "Amt" and "Entry no. 2" in str(error)


def test_camt053_refuses_other_documents():
    error = _error(Camt053Parser, "flusso_ok.xml")
    assert "not a camt.053" in str(error)


# -- detection and amounts ---------------------------------------------------------------------


@pytest.mark.parametrize("name, kind", [
    ("flusso_ok.xml", ImportKind.FLUSSO), ("flusso_prefixed.xml", ImportKind.FLUSSO),
    ("fdr3_ok.json", ImportKind.FDR3), ("statement_it.csv", ImportKind.CSV),
    ("camt053_v02.xml", ImportKind.CAMT053), ("camt053_v08.xml", ImportKind.CAMT053),
    ("flusso_billion_laughs.xml", ImportKind.FLUSSO),
])
def test_detect_kind(name, kind):
    assert detect_kind((SAMPLES / name).read_bytes()[:4096]) == kind


def test_detect_unknown_xml():
    with pytest.raises(ParseError, match="neither a FlussoRiversamento"):
        detect_kind(b"<?xml version='1.0'?><html/>")


@pytest.mark.parametrize("text, value", [("42", "42.00"), ("42.5", "42.50"), ("-8.00", "-8.00")])
def test_dot_amounts(text, value):
    assert dot_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["42,00", "1e3", "42.001", "", "abc", "1,234.00"])
def test_dot_amounts_refused(text):
    assert dot_amount(text) is None


@pytest.mark.parametrize("fmt, text, value", [
    ("it", "1.234,56", "1234.56"), ("it", "42,5", "42.50"), ("it", "1234", "1234.00"),
    ("intl", "1,234.56", "1234.56"), ("intl", "42.5", "42.50"), ("auto", "€ 1.234,56", "1234.56"),
    ("auto", "-12,50", "-12.50"),
])
def test_csv_amount_formats(fmt, text, value):
    assert AmountReader(fmt).read(text, 1) == Decimal(value)


@pytest.mark.parametrize("fmt, text", [("it", "1,234.56"), ("intl", "1.234,56"), ("auto", "12,345"),
                                       ("auto", "1.2.3"), ("it", "42,123")])
def test_csv_amount_formats_refused(fmt, text):
    with pytest.raises(ValueError):
        AmountReader(DecimalFormat(fmt)).read(text, 1)
