"""The one way Casebook parses XML: defusedxml (no entity expansion, no external entities).

Python's expat here predates the billion-laughs limit, so every XML document from outside —
E-utilities answers, PubMed records, PMC JATS — goes through ``parse_xml``.
"""

from __future__ import annotations

import logging
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

log = logging.getLogger(__name__)

MAX_TEXT = 1_000_000  # characters of one element's text: more would only crash what reads it


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
    return capped(" ".join("".join(el.itertext()).split()), el.tag)


def capped(text: str, what: str = "text", limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters (at a space when there is one near), with a warning:
    a 20 MB abstract in an answer must not crash the NLP stage of every later build."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - 1000, limit)
    log.warning("<%s> holds %d characters: cut to the first %d", what, len(text), limit)
    return text[: cut if cut > 0 else limit]
