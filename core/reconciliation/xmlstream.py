"""Streaming, safe XML reading shared by the FlussoRiversamento and camt.053 parsers.

Parsing goes through :mod:`defusedxml` (no DTD, no entity declarations, no external
references: an entity-expansion attempt is refused before anything is expanded) with
``iterparse``, so a file of 100,000 payments is read with constant memory: each record is
handled at its end tag and then dropped from the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, TreeBuilder
from xml.etree.ElementTree import ParseError as XMLSyntaxError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from flask_babel import lazy_gettext as _l

from .errors import ParseError, show


def split(tag: str) -> tuple[str, str]:
    """``"{ns}local"`` → ``("ns", "local")``; unqualified → ``("", "local")``."""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def events(stream: BinaryIO) -> Iterator[tuple[str, Element]]:
    """``("start" | "end", element)`` events of a safe parse; bad XML → :class:`ParseError`."""
    parser = SafeET.DefusedXMLParser(target=TreeBuilder(), forbid_dtd=True)
    iterator = SafeET.iterparse(stream, events=("start", "end"), parser=parser)
    try:
        yield from iterator
    except DefusedXmlException:
        raise ParseError(_l("The XML file contains a document type declaration or entities, "
                            "which are not allowed."), element="DOCTYPE") from None
    except XMLSyntaxError as error:
        line, column = getattr(error, "position", (None, None))
        raise ParseError(_l("The file is not well-formed XML (line %(line)s, column %(column)s): "
                            "%(detail)s.", line=line, column=column,
                            detail=show(str(error).split(":")[0])), line=line) from None


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
