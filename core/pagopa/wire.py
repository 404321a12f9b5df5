"""The wire format of the pagoPA creditor interface (``paForNode``): SOAP 1.1 envelopes,
namespaces, the official XSD and the value encodings, shared by the creditor service
(:mod:`core.pagopa.soap`), the simulated node (:mod:`core.standins.pagopa_node`) and the tests.

Document/literal: the body carries one wrapper element in the schema namespace
(``paVerifyPaymentNoticeReq`` …) whose children are unqualified (the XSD has no
``elementFormDefault``). The schemas are the official ones, found in
``core/pagopa/schemas`` (unchanged copies, see its README) or in ``$PAGOPA_SCHEMAS_DIR``.

Parsing always goes through :mod:`defusedxml` (no DTDs, no entities, no external references);
building uses :mod:`xml.etree.ElementTree`, which escapes text.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET  # noqa: S405 - building only; parsing uses defusedxml
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
PAF_NS = "http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd"  # wrapper elements
WSDL_NS = "http://pagopa-api.pagopa.gov.it/paForNode"  # the WSDL's target namespace
CONTENT_TYPE = "text/xml; charset=utf-8"

ET.register_namespace("soapenv", SOAP_NS)
ET.register_namespace("paf", PAF_NS)

#: operation (= soapAction) → (request wrapper, response wrapper)
OPERATIONS: dict[str, tuple[str, str]] = {
    "paVerifyPaymentNotice": ("paVerifyPaymentNoticeReq", "paVerifyPaymentNoticeRes"),
    "paGetPayment": ("paGetPaymentReq", "paGetPaymentRes"),
    "paGetPaymentV2": ("paGetPaymentV2Request", "paGetPaymentV2Response"),
    "paSendRT": ("paSendRTReq", "paSendRTRes"),
    "paSendRTV2": ("paSendRTV2Request", "paSendRTV2Response"),
}
REQUEST_ELEMENTS = {req: op for op, (req, _res) in OPERATIONS.items()}

CENT = Decimal("0.01")


class WireError(ValueError):
    """The bytes are not a well-formed, safe SOAP 1.1 envelope with one body element."""


def schemas_dir() -> Path:
    override = os.environ.get("PAGOPA_SCHEMAS_DIR")
    return Path(override) if override else Path(__file__).resolve().parent / "schemas"


@lru_cache(maxsize=1)
def schema():
    """The official ``paForNode.xsd`` (imports resolved relative to it), loaded once."""
    import xmlschema

    path = schemas_dir() / "wsdl" / "xsd" / "paForNode.xsd"
    if not path.exists():
        raise RuntimeError(f"pagoPA schemas not found at {path}: set PAGOPA_SCHEMAS_DIR")
    return xmlschema.XMLSchema(str(path))


def first_schema_error(element: ET.Element) -> str | None:
    """``None`` when ``element`` is valid against ``paForNode.xsd``, else the first error."""
    for error in schema().iter_errors(element):
        reason = error.reason or str(error)
        path = error.path or ""
        return " ".join(f"{path}: {reason}".split())[:500]
    return None


# -- values -------------------------------------------------------------------------------


def amount(value: Decimal) -> str:
    """SOAP amounts: decimal euros with exactly two decimals (``\\d+\\.\\d{2}``)."""
    return f"{value.quantize(CENT, ROUND_HALF_UP):.2f}"


def parse_amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    return Decimal(text.strip()).quantize(CENT, ROUND_HALF_UP)


def iso_date(value: date) -> str:
    return value.isoformat()


def text(value: str, limit: int) -> str:
    """Collapse whitespace and cut to the schema's maximum length."""
    return " ".join(str(value).split())[:limit]


# -- building -----------------------------------------------------------------------------


def sub(parent: ET.Element, tag: str, value: Any = None) -> ET.Element:
    """An unqualified child element (children of the wrappers carry no namespace)."""
    child = ET.SubElement(parent, tag)
    if value is not None:
        child.text = value if isinstance(value, str) else str(value)
    return child


def wrapper(name: str) -> ET.Element:
    return ET.Element(f"{{{PAF_NS}}}{name}")


def envelope(body_element: ET.Element) -> bytes:
    env = ET.Element(f"{{{SOAP_NS}}}Envelope")
    ET.SubElement(env, f"{{{SOAP_NS}}}Header")
    body = ET.SubElement(env, f"{{{SOAP_NS}}}Body")
    body.append(body_element)
    return ET.tostring(env, encoding="utf-8", xml_declaration=True)


def soap_fault(fault_code: str, fault_string: str, detail: ET.Element | None = None) -> bytes:
    """A SOAP 1.1 ``Fault`` (used only when the operation itself cannot be identified)."""
    env = ET.Element(f"{{{SOAP_NS}}}Envelope")
    body = ET.SubElement(env, f"{{{SOAP_NS}}}Body")
    fault = ET.SubElement(body, f"{{{SOAP_NS}}}Fault")
    sub(fault, "faultcode", fault_code)
    sub(fault, "faultstring", fault_string)
    if detail is not None:
        sub(fault, "detail").append(detail)
    return ET.tostring(env, encoding="utf-8", xml_declaration=True)


def fields(parent: ET.Element, pairs: Iterable[tuple[str, Any]]) -> ET.Element:
    """Append ``(tag, value)`` children in order, skipping ``None`` values (optional fields)."""
    for tag, value in pairs:
        if value is not None:
            sub(parent, tag, value)
    return parent


# -- parsing ------------------------------------------------------------------------------


def parse_xml(data: bytes) -> ET.Element:
    """Parse untrusted XML: DTDs, entity declarations and external references are refused."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise WireError(f"forbidden XML construct: {type(exc).__name__}") from None
    except (ET.ParseError, ValueError, UnicodeError) as exc:
        raise WireError(f"malformed XML: {exc}") from None


def body_element(data: bytes) -> ET.Element:
    """The single element inside ``soapenv:Body`` of a SOAP 1.1 envelope."""
    root = parse_xml(data)
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise WireError("not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP_NS}}}Body")
    if body is None:
        raise WireError("the envelope has no Body")
    children = list(body)
    if len(children) != 1:
        raise WireError("the Body must contain exactly one element")
    return children[0]


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def child_text(element: ET.Element, path: str) -> str | None:
    value = element.findtext(path)
    return value.strip() if value is not None else None


def to_dict(element: ET.Element) -> dict[str, Any]:
    """A simple recursive view (repeated tags become lists), for the node and for logs."""
    out: dict[str, Any] = {}
    for child in element:
        key = local_name(child.tag)
        value: Any = to_dict(child) if len(child) else (child.text or "").strip()
        if key in out:
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def parse_datetime(value: str) -> datetime:
    """``xsd:dateTime`` (optionally with ``Z``/offset and fractional seconds)."""
    cleaned = value.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    if "." in cleaned:  # Python accepts at most 6 fractional digits
        head, _, rest = cleaned.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        cleaned = f"{head}.{(digits + '000000')[:6]}{zone}"
    return datetime.fromisoformat(cleaned)
