"""pagoPA ``FlussoRiversamento`` (reporting flow, XSD ``FlussoRiversamento_1_0_4.xsd``,
namespace ``http://www.digitpa.gov.it/schemas/2011/Pagamenti/``; unqualified documents are
accepted too).

Header (children of the root, before the payments): ``versioneOggetto``,
``identificativoFlusso``, ``dataOraFlusso``, ``identificativoUnivocoRegolamento``,
``dataRegolamento``, ``istitutoMittente`` / ``istitutoRicevente`` (with
``identificativoUnivocoMittente|Ricevente/codiceIdentificativoUnivoco`` and a name),
``numeroTotalePagamenti``, ``importoTotalePagamenti``. Then one ``datiSingoliPagamenti`` per
payment: ``identificativoUnivocoVersamento`` (IUV), ``identificativoUnivocoRiscossione``
(IUR), ``indiceDatiSingoloPagamento`` (transfer index, 1–5, default 1),
``singoloImportoPagato``, ``codiceEsitoSingoloPagamento`` (0 executed, 3 revoked, 9 executed
without receipt), ``dataEsitoSingoloPagamento``.

Iterating a :class:`FlussoParser` yields :class:`~.rows.FlowPayment` rows; ``header`` is
complete when the first row comes out. After the last row the declared count and total are
compared with the rows: a difference raises :class:`~.errors.TotalsError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from .amounts import dot_amount, iso_date, iso_datetime
from .errors import ParseError, count_mismatch, show, sum_mismatch
from .rows import FLUSSO_OUTCOMES, FlowHeader, FlowPayment
from .xmlstream import children, split, text_of, top_level

NAMESPACE = "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"
NAMESPACES = (NAMESPACE, "")
ROOT = "FlussoRiversamento"
ROW = "datiSingoliPagamenti"
REQUIRED_HEADER = ("identificativoFlusso", "identificativoUnivocoRegolamento", "dataRegolamento",
                   "numeroTotalePagamenti", "importoTotalePagamenti")
MAX_ID = 35
ROW_FIELDS = ("identificativoUnivocoVersamento", "identificativoUnivocoRiscossione",
              "indiceDatiSingoloPagamento", "singoloImportoPagato",
              "codiceEsitoSingoloPagamento", "dataEsitoSingoloPagamento")
_INDEXES = {str(n): n for n in range(1, 6)}


def _where(number: int):
    return _l("Payment no. %(number)s", number=number)


def _missing(element: str, where) -> ParseError:
    return ParseError(_l("%(where)s: the element %(element)s is missing or empty.",
                         where=where, element=element), element=element)


def _identifier(fields: dict, element: str, where) -> str:
    node = fields.get(element)
    value = (node if isinstance(node, str) else text_of(node)) if node is not None else ""
    if not value:
        raise _missing(element, where)
    if len(value) > MAX_ID:
        raise ParseError(_l("%(where)s: %(element)s is longer than %(max)s characters.",
                            where=where, element=element, max=MAX_ID), element=element)
    return value


class FlussoParser:
    """Streaming parser of one FlussoRiversamento document."""

    kind = "flusso"

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.header = FlowHeader()
        self.header_ready = False
        self.count = 0
        self.total = Decimal("0.00")
        self._seen: set[str] = set()
        self._days: dict[str, object] = {}
        self._tags = {f"{{{ns}}}{name}" if ns else name: name
                      for ns in NAMESPACES for name in ROW_FIELDS}
        self._rows = {f"{{{ns}}}{ROW}" if ns else ROW for ns in NAMESPACES}

    # -- header ---------------------------------------------------------------------------

    def _header_field(self, local: str, element) -> None:
        header = self.header
        value = text_of(element)
        if local in self._seen:
            raise ParseError(_l("The header element %(element)s appears twice.", element=local),
                             element=local)
        self._seen.add(local)
        where = _l("Flow header")
        if local == "versioneOggetto":
            header.version = value[:16]
        elif local == "identificativoFlusso":
            header.flow_id = _identifier({local: element}, local, where)
        elif local == "dataOraFlusso":
            header.flow_date = iso_datetime(value)
            if header.flow_date is None:
                raise self._bad(local, value, where)
        elif local == "identificativoUnivocoRegolamento":
            header.regulation_id = _identifier({local: element}, local, where)
        elif local == "dataRegolamento":
            header.regulation_date = iso_date(value)
            if header.regulation_date is None:
                raise self._bad(local, value, where)
        elif local == "numeroTotalePagamenti":
            if not value.isdigit() or len(value) > 9:
                raise self._bad(local, value, where)
            header.declared_count = int(value)
        elif local == "importoTotalePagamenti":
            header.declared_total = dot_amount(value)
            if header.declared_total is None:
                raise self._bad(local, value, where)
        elif local in ("istitutoMittente", "istitutoRicevente"):
            fields = children(element, NAMESPACES, str(where))
            suffix = "Mittente" if local == "istitutoMittente" else "Ricevente"
            ident = fields.get("identificativoUnivoco" + suffix)
            code = ""
            if ident is not None:
                code_node = children(ident, NAMESPACES, str(where)).get("codiceIdentificativoUnivoco")
                code = text_of(code_node) if code_node is not None else ""
            name_node = fields.get("denominazione" + suffix)
            name = text_of(name_node)[:140] if name_node is not None else ""
            if suffix == "Mittente":
                header.sender_id, header.sender_name = code[:35], name
            else:
                header.receiver_id, header.receiver_name = code[:35], name

    @staticmethod
    def _bad(element: str, value: str, where) -> ParseError:
        return ParseError(_l("%(where)s: %(element)s has an invalid value %(value)s.",
                             where=where, element=element, value=show(value)), element=element)

    def _check_header(self) -> None:
        for name in REQUIRED_HEADER:
            if name not in self._seen:
                raise _missing(name, _l("Flow header"))
        self.header_ready = True

    # -- rows ---------------------------------------------------------------------------

    def _row(self, element, number: int) -> FlowPayment:
        """One payment. The common case costs a few dictionary lookups; messages are only
        built for bad input."""
        values: dict[str, str] = {}
        tags = self._tags
        for child in element:
            local = tags.get(child.tag)
            if local is None:
                ns, local = split(child.tag)
                if ns not in NAMESPACES:
                    raise ParseError(_l("%(where)s: the element %(element)s is in an unexpected "
                                        "namespace %(namespace)s.", where=_where(number),
                                        element=local, namespace=show(ns)), element=local)
                continue  # an element of a later schema version: not needed here
            values.setdefault(local, (child.text or "").strip())
        iuv = values.get("identificativoUnivocoVersamento")
        iur = values.get("identificativoUnivocoRiscossione")
        if not iuv or not iur or len(iuv) > MAX_ID or len(iur) > MAX_ID:
            for name in ("identificativoUnivocoVersamento", "identificativoUnivocoRiscossione"):
                _identifier(values, name, _where(number))
        index_text = values.get("indiceDatiSingoloPagamento", "1")
        if index_text not in _INDEXES:
            raise self._bad("indiceDatiSingoloPagamento", index_text, _where(number))
        amount = dot_amount(values.get("singoloImportoPagato"))
        if amount is None:
            if "singoloImportoPagato" not in values:
                raise _missing("singoloImportoPagato", _where(number))
            raise ParseError(_l("%(where)s: singoloImportoPagato %(value)s is not an amount in "
                                "euros with a dot and at most two decimals.",
                                where=_where(number),
                                value=show(values["singoloImportoPagato"])),
                             element="singoloImportoPagato")
        code = values.get("codiceEsitoSingoloPagamento", "")
        outcome = FLUSSO_OUTCOMES.get(code)
        if outcome is None:
            raise ParseError(_l("%(where)s: codiceEsitoSingoloPagamento %(value)s is not one of "
                                "0, 3 or 9.", where=_where(number), value=show(code)),
                             element="codiceEsitoSingoloPagamento")
        day_text = values.get("dataEsitoSingoloPagamento", "")
        paid_on = self._days.get(day_text)
        if paid_on is None:
            paid_on = iso_date(day_text) if len(day_text) == 10 else None
            if paid_on is None:
                raise self._bad("dataEsitoSingoloPagamento", day_text, _where(number))
            if len(self._days) < 4096:
                self._days[day_text] = paid_on
        return FlowPayment(number, iuv, iur, _INDEXES[index_text], amount, outcome, code,
                           paid_on, None)

    @staticmethod
    def _check_root(tag: str) -> None:
        ns, local = split(tag)
        if local != ROOT or ns not in NAMESPACES:
            raise ParseError(_l("This is not a FlussoRiversamento document (root element "
                                "%(element)s).", element=show(local)), element=local)

    def __iter__(self) -> Iterator[FlowPayment]:
        """Rows from the root's children as each one completes; each is dropped from the
        tree once read (:func:`~.xmlstream.top_level`), so memory stays constant."""
        elements = top_level(self.stream, self._check_root)
        next(elements)  # the root
        rows = self._rows
        for element in elements:
            if element.tag in rows:
                if not self.header_ready:
                    self._check_header()
                self.count += 1
                row = self._row(element, self.count)
                self.total += row.amount
                yield row
                continue
            ns, local = split(element.tag)
            if ns not in NAMESPACES:
                raise ParseError(_l("%(where)s: the element %(element)s is in an unexpected "
                                    "namespace %(namespace)s.", where=_l("Flow header"),
                                    element=local, namespace=show(ns)), element=local)
            self._header_field(local, element)
        if not self.header_ready:
            self._check_header()
        self._check_totals()

    def _check_totals(self) -> None:
        header = self.header
        if header.declared_count != self.count:
            raise count_mismatch(header.declared_count, self.count)
        if header.declared_total != self.total:
            raise sum_mismatch(header.declared_total, self.total)
