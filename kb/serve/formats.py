"""What the gate answers in: the media types it serves for solutions (SELECT, ASK) and graphs
(CONSTRUCT, DESCRIBE), the ``Accept`` negotiation, and the re-encoding of the engine's TSV or
N-Triples into the negotiated format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from kb.query import TRUNCATED
from kb.serve.engine import Answer

_TSV = "text/tab-separated-values"
_NT = "application/n-triples"
_R = ox.QueryResultsFormat
_G = ox.RdfFormat
# (media type, format), the server's preference first: the first is the default
SOLUTION_FORMATS: list[tuple[str, ox.QueryResultsFormat]] = [
    ("application/sparql-results+json", _R.JSON),
    ("application/json", _R.JSON),
    ("application/sparql-results+xml", _R.XML),
    ("application/xml", _R.XML),
    ("text/csv", _R.CSV),
    (_TSV, _R.TSV),
]
GRAPH_FORMATS: list[tuple[str, ox.RdfFormat]] = [
    (_NT, _G.N_TRIPLES),
    ("text/turtle", _G.TURTLE),
    ("application/rdf+xml", _G.RDF_XML),
    ("application/n-quads", _G.N_QUADS),
    ("application/trig", _G.TRIG),
    ("application/ld+json", _G.JSON_LD),
    ("text/n3", _G.N3),
    ("text/plain", _G.N_TRIPLES),
]
F = TypeVar("F")


class Refused(Exception):
    """A request the gate answers itself, with ``status`` and a plain-text message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def negotiate(accept: str | None, offers: Sequence[tuple[str, F]]) -> F | None:
    """The format of ``offers`` that the ``Accept`` header rates highest (each offer by its most
    specific matching range; ties go to the earlier offer); the first offer if there is no
    header; ``None`` if none is acceptable."""
    if not accept or not accept.strip():
        return offers[0][1]
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    best, best_q = None, 0.0
    for media, fmt in offers:
        family = media.split("/")[0] + "/*"
        quality, rank = 0.0, -1
        for pattern, q in ranges:
            r = 2 if pattern == media else 1 if pattern == family else 0 if pattern == "*/*" else -1
            if r > rank:
                rank, quality = r, q
        if quality > best_q:
            best, best_q = fmt, quality
    return best


def encode(
    upstream: Answer, solutions: ox.QueryResultsFormat | None, graph: ox.RdfFormat | None
) -> Reply:
    """The engine's answer as a reply in the negotiated format; ``Refused`` for an engine error
    or an answer of the other form (triples where solutions were asked for, or the reverse)."""
    if upstream.kind == "error":
        text = upstream.message.decode("utf-8", "replace").strip()
        if upstream.status == 400:  # a syntax error and the like: Oxigraph's own words
            raise Refused(400, " ".join(text.split())[:1000] or "bad query")
        raise Refused(502, "the query engine failed: " + " ".join(text.split())[:1000])
    headers = {"Vary": "Accept"}
    if upstream.truncated:
        headers[TRUNCATED] = "true"
    data: bytes = upstream.data
    try:
        if upstream.kind == "triples":
            if graph is None:
                raise Refused(406, "this query gives triples; " + offered())
            if graph != _G.N_TRIPLES:
                data = ox.serialize(ox.parse(data, _G.N_TRIPLES), format=graph) or b""
            return Reply(200, data, content_type(graph.media_type), headers)
        if solutions is None:
            raise Refused(406, "this query gives solutions; " + offered())
        if solutions != _R.TSV:
            data = ox.parse_query_results(data, _R.TSV).serialize(format=solutions) or b""
        return Reply(200, data, content_type(solutions.media_type), headers)
    except (SyntaxError, ValueError, TypeError) as exc:
        raise Refused(502, f"could not re-encode the engine's answer: {exc}") from exc


def offered() -> str:
    return (
        "served: "
        + ", ".join(dict.fromkeys(m for m, _ in SOLUTION_FORMATS))
        + " (SELECT, ASK); "
        + ", ".join(dict.fromkeys(m for m, _ in GRAPH_FORMATS))
        + " (CONSTRUCT, DESCRIBE)"
    )


def content_type(media: str) -> str:
    if media.startswith("text/") and "charset" not in media:
        return media + "; charset=utf-8"
    return media
