"""Bank statements exported as CSV (the treasury's or the bank's "movimenti" export).

Format (documented for the Enti and their banks):

* UTF-8 (with or without BOM) or Windows-1252; the delimiter is ``;``, ``,`` or a tab, taken
  from the header line; a header line is required; blank lines are skipped.
* Columns, by name (case and accents do not matter; Italian names accepted):

  ============== ============================================= =========
  column         also called                                   required
  ============== ============================================= =========
  booking_date   data_contabile, data_operazione, data         yes
  value_date     data_valuta, valuta                           no
  amount         importo                                       amount, or credit/debit
  credit         avere, accrediti                              (one of the two filled)
  debit          dare, addebiti
  direction      segno, cdtdbtind (C/D, CRDT/DBIT, A/D, +/-)   no
  reference      riferimento, id_operazione, trn, cro          no (see below)
  remittance     causale, descrizione, description             no
  counterparty   ordinante, controparte                        no
  currency       divisa                                        no (EUR)
  account        iban, conto                                   no
  end_to_end_id  e2e                                           no
  ============== ============================================= =========

* ``amount`` is signed (negative = debit) unless ``direction`` says otherwise; ``credit`` /
  ``debit`` columns hold unsigned amounts. Dates are ``YYYY-MM-DD`` or ``DD/MM/YYYY``.
* Amounts in the Italian (``1.234,56``) or international (``1,234.56``) format, chosen with
  :class:`~.amounts.DecimalFormat` (``auto``: from the first amount that shows it; the
  other format is then refused). At most two decimals.
* Without a ``reference`` column an entry's reference is derived from its content (date,
  amount, direction, remittance, counterparty and its occurrence in the file), so an
  overlapping export skips the entries already imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from .amounts import AmountReader, DecimalFormat, any_date
from .errors import ParseError, show
from .rows import BankRow, StatementHeader

ALIASES = {
    "booking_date": ("booking_date", "data_contabile", "data_operazione", "data", "date",
                     "data_registrazione"),
    "value_date": ("value_date", "data_valuta", "valuta"),
    "amount": ("amount", "importo"),
    "credit": ("credit", "avere", "accrediti", "entrate"),
    "debit": ("debit", "dare", "addebiti", "uscite"),
    "direction": ("direction", "segno", "cdtdbtind", "tipo_movimento"),
    "reference": ("reference", "riferimento", "riferimento_banca", "id_operazione", "trn", "cro"),
    "remittance": ("remittance", "causale", "descrizione", "description", "remittance_information"),
    "counterparty": ("counterparty", "ordinante", "controparte", "debtor"),
    "currency": ("currency", "divisa"),
    "account": ("account", "iban", "conto"),
    "end_to_end_id": ("end_to_end_id", "e2e", "endtoendid"),
}
CREDIT_MARKS = {"C", "CRDT", "A", "AVERE", "+", "CREDIT", "ENTRATA"}
DEBIT_MARKS = {"D", "DBIT", "DARE", "-", "DEBIT", "USCITA"}


def _normalise(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "_".join(plain.strip().lower().replace("-", " ").replace(".", " ").split())


def _encoding(sample: bytes, whole: bool) -> str:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if whole or error.start < len(sample) - 4:  # not a character cut at the sample's end
            return "cp1252"
    return "utf-8-sig"


class CsvStatementParser:
    """Streaming parser of a bank CSV export (see the module docstring)."""

    kind = "csv"

    def __init__(self, stream: BinaryIO, decimal: DecimalFormat | str = DecimalFormat.AUTO):
        self.stream = stream
        self.amounts = AmountReader(decimal)
        self.header = StatementHeader()
        self.count = 0
        self._occurrences: dict[str, int] = {}

    def _reader(self):
        size = 1 << 16
        sample = self.stream.read(size)
        self.stream.seek(0)
        encoding = _encoding(sample, whole=len(sample) < size)
        text = io.TextIOWrapper(self.stream, encoding=encoding, newline="")
        first = sample.decode(encoding, "ignore").splitlines()[0] if sample.strip() else ""
        delimiter = max((";", ",", "\t"), key=first.count)
        return text, csv.reader(text, delimiter=delimiter, quotechar='"', strict=True)

    def _columns(self, names: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        normalised = [_normalise(n) for n in names]
        for column, aliases in ALIASES.items():
            for index, name in enumerate(normalised):
                if name in aliases:
                    found.setdefault(column, index)
                    break
        if "booking_date" not in found:
            raise ParseError(_l("Line 1: the CSV header has no booking date column "
                                "(booking_date or data_contabile)."), line=1,
                             element="booking_date")
        if "amount" not in found and not ("credit" in found or "debit" in found):
            raise ParseError(_l("Line 1: the CSV header has no amount column (amount or "
                                "importo, or credit and debit)."), line=1, element="amount")
        return found

    def __iter__(self) -> Iterator[BankRow]:
        text, reader = self._reader()
        try:
            yield from self._rows(reader)
        except csv.Error as error:
            line = reader.line_num
            raise ParseError(_l("Line %(line)s: the CSV is malformed (%(detail)s).", line=line,
                                detail=show(error)), line=line) from None
        except UnicodeDecodeError:
            line = reader.line_num + 1
            raise ParseError(_l("Line %(line)s: the text is neither UTF-8 nor Windows-1252.",
                                line=line), line=line) from None
        finally:
            text.detach()

    def _rows(self, reader) -> Iterator[BankRow]:
        columns: dict[str, int] | None = None
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns = self._columns(record)
                continue
            yield self._row(record, columns, reader.line_num)
        if columns is None:
            raise ParseError(_l("The CSV file has no header line."), line=1)

    def _row(self, record: list[str], columns: dict[str, int], line: int) -> BankRow:
        def cell(name: str) -> str:
            index = columns.get(name)
            return record[index].strip() if index is not None and index < len(record) else ""

        booking = any_date(cell("booking_date"))
        if booking is None:
            raise ParseError(_l("Line %(line)s: the booking date %(value)s is not a date "
                                "(YYYY-MM-DD or DD/MM/YYYY).", line=line,
                                value=show(cell("booking_date"))), line=line,
                             element="booking_date")
        value_text = cell("value_date")
        value_date = any_date(value_text) if value_text else None
        if value_text and value_date is None:
            raise ParseError(_l("Line %(line)s: the value date %(value)s is not a date "
                                "(YYYY-MM-DD or DD/MM/YYYY).", line=line, value=show(value_text)),
                             line=line, element="value_date")
        amount, credit = self._amount(cell, line)
        currency = (cell("currency") or "EUR").upper()
        remittance = " ".join(cell("remittance").split())[:500]
        counterparty = " ".join(cell("counterparty").split())[:140]
        reference = cell("reference")[:120]
        if not reference:
            key = f"{booking}|{amount}|{int(credit)}|{remittance}|{counterparty}"
            occurrence = self._occurrences.get(key, 0) + 1
            self._occurrences[key] = occurrence
            digest = hashlib.sha256(f"{key}|{occurrence}".encode()).hexdigest()[:40]
            reference = f"csv:{digest}"
        self.count += 1
        return BankRow(line, reference, booking, value_date, amount, credit, currency[:3],
                       remittance, counterparty, cell("account").replace(" ", "")[:34],
                       cell("end_to_end_id")[:35], "", True)

    def _amount(self, cell, line: int):
        def read(name: str):
            text = cell(name)
            if not text:
                return None
            try:
                return self.amounts.read(text, line)
            except ValueError as error:
                if str(error) == "ambiguous":
                    raise ParseError(_l(
                        "Line %(line)s: the amount %(value)s reads differently in the Italian "
                        "and the international format: choose the decimal format.", line=line,
                        value=show(text)), line=line, element=name) from None
                if str(error) == "mixed":
                    raise ParseError(_l(
                        "Line %(line)s: the amount %(value)s is not written like the amounts "
                        "before it (%(format)s format, set by line %(first)s).", line=line,
                        value=show(text), format=_format_name(self.amounts.format),
                        first=self.amounts.settled_by), line=line, element=name) from None
                raise ParseError(_l(
                    "Line %(line)s: %(value)s is not an amount with at most two decimals in the "
                    "%(format)s format.", line=line, value=show(text),
                    format=_format_name(self.amounts.format)), line=line, element=name) from None

        amount = read("amount")
        if amount is None:
            credit_amount, debit_amount = read("credit"), read("debit")
            if (credit_amount is None) == (debit_amount is None):
                raise ParseError(_l("Line %(line)s: give either a credit or a debit amount.",
                                    line=line), line=line, element="amount")
            amount = credit_amount if credit_amount is not None else -abs(debit_amount)
            if credit_amount is not None and credit_amount < 0:
                raise ParseError(_l("Line %(line)s: a credit amount cannot be negative.",
                                    line=line), line=line, element="credit")
        mark = cell("direction").upper()
        if mark:
            if mark in CREDIT_MARKS:
                credit = True
            elif mark in DEBIT_MARKS:
                credit = False
            else:
                raise ParseError(_l("Line %(line)s: the direction %(value)s is neither credit "
                                    "(C, CRDT, A) nor debit (D, DBIT).", line=line,
                                    value=show(mark)), line=line, element="direction")
            if amount < 0:
                raise ParseError(_l("Line %(line)s: a signed amount with a direction column "
                                    "is ambiguous.", line=line), line=line, element="amount")
        else:
            credit = amount >= 0
        if amount == 0:
            raise ParseError(_l("Line %(line)s: the amount is zero.", line=line), line=line,
                             element="amount")
        return abs(amount), credit


def _format_name(fmt: DecimalFormat):
    return {DecimalFormat.IT: _l("Italian (1.234,56)"),
            DecimalFormat.INTL: _l("international (1,234.56)")}.get(fmt, _l("automatic"))

