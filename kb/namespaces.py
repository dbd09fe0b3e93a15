"""Every namespace the knowledge graph uses, written once: the graph builder, the exports, the
read models and the SPARQL prologues take their prefixes from here, and a test holds the
``.rq`` files of the named questions and derived tables to the same table."""

from __future__ import annotations

BASE = "https://casebook.invalid/id/"  # the KB's own resources (articles, cases, findings …)

NAMESPACES: dict[str, str] = {
    "cb": "https://casebook.invalid/ontology#",
    "fabio": "http://purl.org/spar/fabio/",
    "cito": "http://purl.org/spar/cito/",
    "biro": "http://purl.org/spar/biro/",
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "bibo": "http://purl.org/ontology/bibo/",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "mesh": "http://id.nlm.nih.gov/mesh/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
CB = NAMESPACES["cb"]


def prologue(*prefixes: str) -> str:
    """SPARQL ``PREFIX`` lines for ``prefixes`` (all of them when none is named)."""
    return "".join(f"PREFIX {p}: <{NAMESPACES[p]}>\n" for p in prefixes or NAMESPACES)
