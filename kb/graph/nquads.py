"""Graphs as canonical N-Quads written to a file one graph at a time, each hashed as it goes.

Canonical: each graph's lines sorted and without duplicates, terms written as rdflib's N-Quads
writer writes them (so the bytes are those a whole-dataset dump gives, per graph). A graph is
turned into lines straight from its triples, with no rdflib Graph in between: the cost of a
build's graph is then that of its largest graph, not of the whole KB (``kb.publish``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef

from kb.graph.terms import Triple


def nquad_lines(graph: URIRef, triples: Iterable[Triple]) -> list[bytes]:
    """The canonical lines of one named graph: sorted, each quad once."""
    name = graph.n3()
    return sorted(
        {f"{s.n3()} {p.n3()} {_object(o)} {name} .\n".encode("utf-8", "replace")
         for s, p, o in triples}
    )  # fmt: skip


def _object(term: object) -> str:
    """An object term as N-Quads writes it: a literal with its string escaped (ECHAR for
    backslash, quote, LF and CR), then its language tag or datatype IRI."""
    if not isinstance(term, Literal):
        return term.n3()  # type: ignore[attr-defined]
    quoted = '"{}"'.format(
        str(term)
        .replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace('"', '\\"')
        .replace("\r", "\\r")
    )
    if term.language:
        return f"{quoted}@{term.language}"
    return f"{quoted}^^<{term.datatype}>" if term.datatype else quoted


def digest(lines: Iterable[bytes]) -> str:
    """What ``kb.store.graph_digests`` gives for a graph with these (sorted) lines."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line)
    return h.hexdigest()


@dataclass
class Spool:
    """An N-Quads file written graph by graph, with each graph's digest and the quads so far."""

    path: Path
    digests: dict[str, str] = field(default_factory=dict)
    quads: int = 0

    def add(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        """Append one graph's canonical lines (an empty graph writes nothing, has no digest)."""
        self.add_lines(graph, nquad_lines(graph, triples))

    def add_lines(self, graph: URIRef, lines: list[bytes]) -> None:
        """Append one graph's lines as ``nquad_lines`` made them (e.g. earlier, elsewhere: a
        ``kb bulk`` worker's shard), without making them again."""
        if str(graph) in self.digests:
            raise ValueError(f"graph {graph} written twice")
        if lines:
            with self.path.open("ab") as out:
                out.writelines(lines)
            self.digests[str(graph)] = digest(lines)
            self.quads += len(lines)
