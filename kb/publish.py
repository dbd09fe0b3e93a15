"""A build → its RDF dataset → the store (a new version, made current atomically)."""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef

from ingest.nlp.vocab import load_vocabulary
from kb import iris
from kb.datadir import Build
from kb.graph import build_dataset, ontology_graph, to_nquads
from kb.store import write_store

ONTOLOGY_GRAPH = URIRef(iris.BASE + "graph/ontology")


def canonical_nquads(build: Build) -> bytes:
    """Sorted N-Quads: the same build gives the same bytes (and the same store version)."""
    dataset = build_dataset(build, load_vocabulary())
    ontology = dataset.graph(ONTOLOGY_GRAPH)  # labels of kinds, classes and properties
    for triple in ontology_graph():
        ontology.add(triple)
    return to_nquads(dataset).encode("utf-8")


def publish(build: Build, data_dir: Path) -> int:
    """Write the build's graph into the store; returns the number of quads."""
    data = canonical_nquads(build)
    write_store(data_dir, data)
    return data.count(b"\n")
