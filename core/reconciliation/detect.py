"""Which parser reads a file: from the caller's choice or from its first bytes."""

from __future__ import annotations

import re
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from core.models import ImportKind

from .amounts import DecimalFormat
from .bank_csv import CsvStatementParser
from .camt053 import Camt053Parser
from .errors import ParseError
from .fdr3 import Fdr3Parser
from .flusso import FlussoParser

_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")
_SKIP = re.compile(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", re.S)

EXTENSIONS = {ImportKind.FLUSSO: "xml", ImportKind.FDR3: "json", ImportKind.CSV: "csv",
              ImportKind.CAMT053: "xml"}


def detect_kind(head: bytes) -> ImportKind:
    """Sniff the kind from the first kilobytes: a JSON object is FdR 3, an XML document by
    its root element (FlussoRiversamento, or a camt.053 ``Document``), anything else CSV."""
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return ImportKind.FDR3
    if text.startswith("<"):
        body = _SKIP.sub("", text).lstrip()
        if body.startswith("<!"):
            body = body[body.find(">") + 1:].lstrip()  # a DOCTYPE: the parser refuses it
        match = _ROOT.match(body)
        root = match.group(1) if match else ""
        if root == "FlussoRiversamento":
            return ImportKind.FLUSSO
        if root == "Document" and "camt.053" in text:
            return ImportKind.CAMT053
        raise ParseError(_l("The XML file is neither a FlussoRiversamento nor a camt.053 "
                            "statement."), element=root or None)
    return ImportKind.CSV


def parser_for(kind: ImportKind, stream: BinaryIO,
               decimal: DecimalFormat | str = DecimalFormat.AUTO):
    if kind == ImportKind.FLUSSO:
        return FlussoParser(stream)
    if kind == ImportKind.FDR3:
        return Fdr3Parser(stream)
    if kind == ImportKind.CAMT053:
        return Camt053Parser(stream)
    return CsvStatementParser(stream, decimal)
