"""Errors of the E-utilities layer, so callers can tell 'retry' from 'give up' from 'offline'."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from ingest.xmlsafe import parse_xml, text_of
from kb.errors import UpstreamFailed


class ResponseError(Exception):
    """A well-formed answer that reports an error (``<ERROR>…</ERROR>``): retried, never cached."""


class EntrezError(Exception):
    """A request failed for good (after its retries); the message names the request."""


class OfflineMiss(EntrezError):
    """``--offline`` and the answer to this request is not in the cache."""


def checked_root(data: bytes, *expected: str) -> Element:
    """Parse an E-utilities XML answer; an ``<ERROR>`` answer or an unexpected root raises
    ``ResponseError`` (retried by the client, never cached), malformed XML ``XmlError``."""
    root = parse_xml(data)
    if root.tag == "ERROR":
        raise ResponseError(f"E-utilities error: {text_of(root) or '(empty)'}")
    errors = [t for e in root.iterfind("ERROR") if (t := text_of(e))]
    if errors:
        raise ResponseError("E-utilities error: " + "; ".join(errors))
    if root.tag not in expected:
        wanted = " or ".join(f"<{e}>" for e in expected)
        raise ResponseError(f"expected {wanted}, got <{root.tag}>")
    return root


class Unreachable(UpstreamFailed):
    """Connections to E-utilities are refused or its name does not resolve, several times in a
    row: the network (or the URL) is wrong, and retrying every request would take minutes.
    Not an ``EntrezError``: no stage carries on past it."""
