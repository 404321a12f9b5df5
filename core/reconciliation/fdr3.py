"""pagoPA FdR 3 (the REST/JSON reporting flow), read as a stream.

One JSON object::

    {"fdr": "2026-01-15PSPITMMXXX-0001", "fdrDate": "2026-01-15T10:00:00Z", "revision": 1,
     "sender": {"type": "LEGAL_PERSON", "id": "SELBIT2B", "pspId": "PSPITMMXXX",
                "pspName": "Banca", "pspBrokerId": "…", "channelId": "…"},
     "receiver": {"id": "APPBIT2B", "organizationId": "80012345678",
                  "organizationName": "Comune di Rho"},
     "regulation": "SEPA - Bonifico 123", "regulationDate": "2026-01-16T00:00:00Z",
     "bicCodePouringBank": "UNCRITMMXXX", "totPayments": 2, "sumPayments": 71.40,
     "payments": [{"index": 1, "iuv": "02…", "iur": "…", "idTransfer": 1, "pay": 29.40,
                   "payStatus": "EXECUTED", "payDate": "2026-01-14T09:12:00Z"}, …]}

Numbers are read as :class:`~decimal.Decimal` (never float). The document is read in chunks
and the ``payments`` array one element at a time, so memory does not grow with the number of
payments; other members may come in any order, before or after the payments (the header is
then complete only at the end). A single value other than the payments array may not exceed
:data:`MAX_VALUE_CHARS`.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l

from .amounts import ROME, iso_date, iso_datetime, json_amount
from .errors import ParseError, count_mismatch, show, sum_mismatch
from .rows import FDR3_OUTCOMES, FlowHeader, FlowPayment

CHUNK = 1 << 16
MAX_VALUE_CHARS = 1 << 20
MAX_ID = 35
_NUMBER_GOES_ON = frozenset(".eE+-0123456789")
_WS = re.compile(r"[ \t\n\r]*")
REQUIRED = ("fdr", "regulation", "regulationDate", "totPayments", "sumPayments")


class JsonStream:
    """A cursor over a JSON text read in chunks: values are decoded with
    :meth:`json.JSONDecoder.raw_decode` as soon as they are complete in the buffer."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.decoder = json.JSONDecoder(parse_float=Decimal)
        self.bytes = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0  # newlines in the text already dropped from the buffer

    def line(self, pos: int | None = None) -> int:
        return self.lines_before + self.buf.count("\n", 0, self.pos if pos is None else pos) + 1

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = self.stream.read(CHUNK)
        try:
            text = self.bytes.decode(data, final=not data)
        except UnicodeDecodeError:
            raise ParseError(_l("The JSON file is not valid UTF-8 (near line %(line)s).",
                                line=self.line()), line=self.line()) from None
        if not data:
            self.eof = True
        self.lines_before += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the text)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str) -> str:
        found = self.peek()
        if not found or found not in chars:
            raise self.error(_l("expected %(expected)s", expected=" or ".join(chars)))
        self.pos += 1
        return found

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                if len(self.buf) - self.pos > MAX_VALUE_CHARS:
                    raise self.error(_l("a value is too large")) from None
                if self._fill():
                    continue
                raise self.error(_l("invalid JSON: %(detail)s", detail=error.msg),
                                 at=error.pos) from None
            if not self.eof and (end == len(self.buf) or self.buf[end] in _NUMBER_GOES_ON):
                # "0." or "12" at the end of a chunk: the number may go on in the next one
                if len(self.buf) - self.pos > MAX_VALUE_CHARS:
                    raise self.error(_l("a value is too large"))
                self._fill()
                continue
            self.pos = end
            return value

    def error(self, detail, at: int | None = None) -> ParseError:
        line = self.line(at)
        return ParseError(_l("The FdR 3 JSON file is not valid (line %(line)s): %(detail)s.",
                             line=line, detail=detail), line=line)


class Fdr3Parser:
    """Streaming parser of one FdR 3 JSON document (see the module docstring)."""

    kind = "fdr3"

    def __init__(self, stream: BinaryIO):
        self.json = JsonStream(stream)
        self.header = FlowHeader()
        self.header_ready = False
        self.count = 0
        self.total = Decimal("0.00")
        self._seen: set[str] = set()

    def __iter__(self) -> Iterator[FlowPayment]:
        js = self.json
        if js.peek() != "{":
            raise js.error(_l("the document must be a JSON object"))
        js.expect("{")
        if js.peek() == "}":
            js.expect("}")
        else:
            while True:
                if js.peek() != '"':
                    raise js.error(_l("expected a member name"))
                key = js.value()
                js.expect(":")
                if key in self._seen:
                    raise js.error(_l("the member %(name)s appears twice", name=show(key)))
                self._seen.add(key)
                if key == "payments":
                    self.header_ready = all(name in self._seen for name in REQUIRED)
                    yield from self._payments()
                else:
                    self._member(key, js.value())
                if js.expect(",}") == "}":
                    break
        if js.peek() != "":
            raise js.error(_l("unexpected data after the document"))
        self._check_header()
        self._check_totals()

    def _payments(self) -> Iterator[FlowPayment]:
        js = self.json
        js.expect("[")
        if js.peek() == "]":
            js.expect("]")
            return
        while True:
            line = js.line()
            item = js.value()
            self.count += 1
            row = self._row(item, self.count, line)
            self.total += row.amount
            yield row
            if js.expect(",]") == "]":
                return

    # -- members --------------------------------------------------------------------------

    def _bad(self, name: str, value: Any, where=None) -> ParseError:
        return ParseError(_l("%(where)s: %(element)s has an invalid value %(value)s.",
                             where=where or _l("Flow header"), element=name,
                             value=show(value)), element=name)

    def _text(self, name: str, value: Any, limit: int, where=None) -> str:
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            raise self._bad(name, value, where)
        return value.strip()

    def _member(self, key: str, value: Any) -> None:
        header = self.header
        if key == "fdr":
            header.flow_id = self._text(key, value, MAX_ID)
        elif key == "revision":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**6:
                raise self._bad(key, value)
            header.revision = value
        elif key == "fdrDate":
            header.flow_date = iso_datetime(value) if isinstance(value, str) else None
            if header.flow_date is None:
                raise self._bad(key, value)
        elif key == "regulation":
            header.regulation_id = self._text(key, value, 140)
        elif key == "regulationDate":
            header.regulation_date = iso_date(value) if isinstance(value, str) else None
            if header.regulation_date is None:
                raise self._bad(key, value)
        elif key == "totPayments":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise self._bad(key, value)
            header.declared_count = value
        elif key == "sumPayments":
            header.declared_total = json_amount(value)
            if header.declared_total is None:
                raise self._bad(key, value)
        elif key == "sender" and isinstance(value, dict):
            header.sender_id = str(value.get("pspId") or value.get("id") or "")[:35]
            header.sender_name = str(value.get("pspName") or "")[:140]
        elif key == "receiver" and isinstance(value, dict):
            header.receiver_id = str(value.get("organizationId") or "")[:35]
            header.receiver_name = str(value.get("organizationName") or "")[:140]
        # other members (bicCodePouringBank, status, computed totals …) are informative

    def _row(self, item: Any, number: int, line: int) -> FlowPayment:
        where = _l("Payment no. %(number)s (line %(line)s)", number=number, line=line)
        if not isinstance(item, dict):
            raise ParseError(_l("%(where)s: a payment must be a JSON object.", where=where),
                             line=line, element="payments")
        iuv = self._text("iuv", item.get("iuv"), MAX_ID, where)
        iur = self._text("iur", item.get("iur"), MAX_ID, where)
        index = item.get("idTransfer", 1)
        if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= 5:
            raise self._bad("idTransfer", index, where)
        amount = json_amount(item.get("pay"))
        if amount is None:
            raise ParseError(_l("%(where)s: pay %(value)s is not an amount in euros with at most "
                                "two decimals.", where=where, value=show(item.get("pay"))),
                             line=line, element="pay")
        status = item.get("payStatus")
        outcome = FDR3_OUTCOMES.get(status) if isinstance(status, str) else None
        if outcome is None:
            raise ParseError(_l("%(where)s: payStatus %(value)s is not one of %(allowed)s.",
                                where=where, value=show(status),
                                allowed=", ".join(FDR3_OUTCOMES)), line=line, element="payStatus")
        pay_date = item.get("payDate")
        paid_at = iso_datetime(pay_date) if isinstance(pay_date, str) else None
        paid_on = iso_date(pay_date) if isinstance(pay_date, str) else None
        if paid_on is None:
            raise self._bad("payDate", pay_date, where)
        if paid_at is not None and len(pay_date.strip()) <= 10:
            paid_at = None  # a date only: the ledger places it at midday
        elif paid_at is not None:
            paid_on = paid_at.astimezone(ROME).date()  # the Italian calendar day
        return FlowPayment(number, iuv, iur, index, amount, outcome, status, paid_on, paid_at)

    def _check_header(self) -> None:
        for name in REQUIRED:
            if name not in self._seen:
                raise ParseError(_l("%(where)s: the element %(element)s is missing or empty.",
                                    where=_l("Flow header"), element=name), element=name)
        self.header_ready = True

    def _check_totals(self) -> None:
        header = self.header
        if header.declared_count != self.count:
            raise count_mismatch(header.declared_count, self.count)
        if header.declared_total != self.total:
            raise sum_mismatch(header.declared_total, self.total)
