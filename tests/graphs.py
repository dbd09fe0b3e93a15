"""Test-side views of a build's graph: the product's own N-Quads (``kb.publish.spool_build``)
as bytes or an rdflib Dataset, and the whole-dataset serialisation Casebook used before the
streamed publish (rdflib's N-Quads writer over one Dataset), kept here only to compare with."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from kb import iris
from kb.datadir import Build
from kb.graph import document_triples, index
from kb.publish import spool_build, spooled


def build_nquads(build: Build) -> bytes:
    """Every quad of ``build`` as ``kb build`` writes them, the lines sorted."""
    with tempfile.TemporaryDirectory() as tmp, spooled(Path(tmp)) as spool:
        spool_build(build, spool)
        return b"".join(sorted(spool.path.read_bytes().splitlines(keepends=True)))


def build_dataset(build: Build) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=build_nquads(build).decode("utf-8"), format="nquads")
    return dataset


def graph_of(build: Build, document: str) -> Graph:
    """One document's graph as an rdflib Graph."""
    graph = Graph(identifier=URIRef(iris.graph(document)))
    for triple in document_triples(index(build), document):
        graph.add(triple)
    return graph


def replace_graph(dataset: Dataset, graph: Graph) -> None:
    dataset.remove_graph(graph.identifier)
    target = dataset.graph(graph.identifier)
    for triple in graph:
        target.add(triple)


def to_nquads(dataset: Dataset) -> str:
    """rdflib's N-Quads of a whole Dataset, lines sorted (what ``kb.publish`` once stored)."""
    with warnings.catch_warnings():  # rdflib's own N-Quads writer calls a deprecated method
        warnings.simplefilter("ignore", DeprecationWarning)
        lines = dataset.serialize(format="nquads").splitlines()
    return "".join(f"{line}\n" for line in sorted(set(lines)) if line.strip())
