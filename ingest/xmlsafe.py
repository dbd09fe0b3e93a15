"""The one way Casebook parses XML: defusedxml (no entity expansion, no external entities).

Python's expat here predates the billion-laughs limit, so every XML document from outside —
E-utilities answers, PubMed records, PMC JATS — goes through ``parse_xml``.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException


class XmlError(ValueError):
    """The bytes are not well-formed XML, or declare entities (unsafe)."""


def parse_xml(data: bytes | str) -> Element:
    """Parse a whole document; raise ``XmlError`` on malformed, truncated or unsafe XML."""
    if not data or not data.strip():
        raise XmlError("empty document")
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XmlError(f"unsafe XML rejected: {exc.__class__.__name__}") from exc
    except ParseError as exc:
        raise XmlError(f"malformed XML: {exc}") from exc


def text_of(el: Element | None) -> str:
    """All text inside an element, inline markup (<i>, <sup>, MathML) flattened, spaces collapsed."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())
