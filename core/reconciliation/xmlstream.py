"""Streaming, safe XML reading shared by the FlussoRiversamento and camt.053 parsers.

Parsing goes through libxml2 (:mod:`lxml`) fed ``READ`` bytes at a time, so a file of
100,000 payments is read with constant memory and at C speed (the pure-Python expat
callbacks :mod:`defusedxml` needs cost as much as the rest of an import). Two ways to read:

* :func:`events` — ``start`` / ``end`` events of every element (camt.053: nested records;
  the caller drops each record from the tree after reading it);
* :func:`top_level` — the root, then each of its children once complete, removed from the
  tree when the caller moves on (FlussoRiversamento: flat records). No Python object is made
  for the elements inside a record until the caller looks at them, which halves the cost of
  reading a flow.

Safety (no DTD, no entities, size limit) does not rest on one mechanism:

* the prolog is read by :func:`_prolog` before libxml2 sees a byte: a document type
  declaration there (the only place XML allows one, and where every entity is declared) is
  refused, so libxml2 never reads a DTD;
* libxml2 runs with entity substitution, DTD loading and network access off and its
  default resource limits on (``huge_tree=False``: entity amplification, depth and text
  size capped), so a declaration the prolog check could not see (a document in UTF-16)
  neither expands nor fetches anything;
* a document whose tree still carries a DTD is refused at its first event, before the
  caller reads any element; an entity reference without a DTD is a syntax error;
* the file's size is capped before parsing (``RECONCILIATION_MAX_BYTES``).
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from lxml import etree

from .errors import ParseError, show

Element = etree._Element

READ = 1 << 16  # bytes fed to the parser at a time
PROLOG_MAX = 1 << 16  # a prolog longer than this is left to the DTD check at the first event
_UTF8_BOM = b"\xef\xbb\xbf"
_SPACE = b" \t\r\n"


def split(tag: str) -> tuple[str, str]:
    """``"{ns}local"`` → ``("ns", "local")``; unqualified → ``("", "local")``."""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _forbidden() -> ParseError:
    return ParseError(_l("The XML file contains a document type declaration or entities, "
                         "which are not allowed."), element="DOCTYPE")


def _prolog(head: bytes) -> bool | None:
    """Whether ``head`` (the first bytes of a document in an ASCII-compatible encoding) is
    a prolog free of DTDs up to the root element: ``True`` yes, ``None`` undecided (more
    bytes needed, or an encoding this byte-level reading does not apply to); a document type
    declaration raises :class:`ParseError`."""
    at = len(_UTF8_BOM) if head.startswith(_UTF8_BOM) else 0
    end = len(head)
    while True:
        while at < end and head[at] in _SPACE:
            at += 1
        if end - at < 4:
            return None
        if head[at] != 0x3C:  # not "<": UTF-16/32 or not XML at all: libxml2 decides
            return None
        if head.startswith(b"<?", at):  # the XML declaration or a processing instruction
            close = head.find(b"?>", at + 2)
            if close < 0:
                return None
            at = close + 2
        elif head.startswith(b"<!--", at):
            close = head.find(b"-->", at + 4)
            if close < 0:
                return None
            at = close + 3
        elif head.startswith(b"<!", at):  # <!DOCTYPE (anything else here is not XML either)
            raise _forbidden()
        else:
            return True  # the root element's start tag


def _parser(tag: str | None = None) -> etree.XMLPullParser:
    events = ("start",) if tag is not None else ("start", "end")
    return etree.XMLPullParser(events=events, tag=tag, resolve_entities=False,
                               load_dtd=False, no_network=True, huge_tree=False,
                               dtd_validation=False, attribute_defaults=False,
                               remove_comments=True, remove_pis=True)


def _syntax(error: etree.XMLSyntaxError, parser: etree.XMLPullParser) -> ParseError:
    """The first error libxml2 logged for this parse (a later one may be its consequence)."""
    first = next((e for e in parser.feed_error_log if e.level >= etree.ErrorLevels.ERROR), None)
    if first is not None:
        line, column, message = first.line, first.column, first.message
    else:
        (line, column), message = getattr(error, "position", (None, None)), error.msg
    detail = (message or "").split(":")[0].split(",")[0].strip()
    return ParseError(_l("The file is not well-formed XML (line %(line)s, column %(column)s): "
                         "%(detail)s.", line=line, column=column, detail=show(detail)),
                      line=line)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    """The stream in pieces of about ``READ`` bytes, then ``b""``; the first piece is only
    handed out once the prolog is known to hold no document type declaration."""
    head = b""
    while True:
        chunk = stream.read(READ)
        head += chunk
        if _prolog(head) is not None or not chunk or len(head) >= PROLOG_MAX:
            break
    if head:
        yield head
    while chunk:
        chunk = stream.read(READ)
        if chunk:
            yield chunk
    yield b""


def _fed(chunks: Iterable[bytes], parser: etree.XMLPullParser) -> Iterator[bytes]:
    """Feed ``parser`` piece by piece, yielding each piece after it is parsed (``b""`` once
    the document is closed); bad XML → :class:`ParseError`."""
    try:
        for chunk in chunks:
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            yield chunk
    except etree.XMLSyntaxError as error:
        raise _syntax(error, parser) from None


def _check_dtd(element: Element) -> None:
    """At the first event, before the caller reads anything: no DTD in the tree."""
    docinfo = element.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise _forbidden()


def events(stream: BinaryIO) -> Iterator[tuple[str, Element]]:
    """``("start" | "end", element)`` events of a safe parse; bad XML → :class:`ParseError`."""
    parser = _parser()
    checked = False
    for _chunk in _fed(_chunks(stream), parser):
        pending = parser.read_events()
        if not checked:
            for event, element in pending:
                _check_dtd(element)
                checked = True
                yield event, element
                break
        yield from pending


def _root_tag(head: bytes) -> str | None:
    """The root element's tag, read from the document's first bytes by a throwaway parser
    (``None``: not in them, or not well-formed — the real parse then says why)."""
    sniffer = _parser()
    try:
        sniffer.feed(head)
        for _event, element in sniffer.read_events():
            return element.tag
    except etree.XMLSyntaxError:
        pass
    return None


def top_level(stream: BinaryIO, check_root: Callable[[str], None]) -> Iterator[Element]:
    """The root element, then each child of the root once it is complete, in document
    order; bad XML → :class:`ParseError`.

    ``check_root(tag)`` is called with the root's tag before anything else (it raises for a
    document of another kind). A child is removed from the tree when the caller asks for the
    next one, so the tree never holds more than about ``READ`` bytes of children: a child is
    known complete when the next one has started, the last one when the document ends. The
    parser only reports the root's start (its tag, found by :func:`_root_tag`), so libxml2
    builds the records without a Python object per element.
    """
    chunks = _chunks(stream)
    first = next(chunks)
    tag = _root_tag(first)
    if tag is not None:
        check_root(tag)
    parser = _parser(tag or "*")
    root: Element | None = None
    for chunk in _fed(itertools.chain((first,), chunks), parser):
        pending = parser.read_events()
        if root is None:
            for _event, root in pending:
                _check_dtd(root)
                if tag is None:
                    check_root(root.tag)
                yield root
                break
        collections.deque(pending, maxlen=0)  # anything else the filter let through
        if root is None:
            continue
        complete = len(root) - (1 if chunk else 0)  # the last child may still be growing
        for _ in range(complete):
            child = root[0]
            yield child
            del root[0]  # freed with its subtree


def text_of(element: Element) -> str:
    return (element.text or "").strip()


def children(element: Element, namespaces: tuple[str, ...], where: str) -> dict[str, Element]:
    """The element's children by local name; a child in a foreign namespace is refused."""
    found: dict[str, Element] = {}
    for child in element:
        ns, local = split(child.tag)
        if ns not in namespaces:
            raise ParseError(_l("%(where)s: the element %(element)s is in an unexpected "
                                "namespace %(namespace)s.", where=where, element=local,
                                namespace=show(ns)), element=local)
        found.setdefault(local, child)
    return found
