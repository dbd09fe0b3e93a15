"""A build → its RDF graphs → the store (a new version, made current atomically).

The data directory's files are the source of truth and the store is made from them: every graph
is a pure function of the build, so a crash anywhere is repaired by making the graphs again.
``build.json`` names the store version the files make; ``ensure_store`` rebuilds the store when
the current version is another (a crash between saving the files and switching the store).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.compare import to_canonical_graph

from kb import __version__, iris
from kb.check_store import store_problems
from kb.datadir import Build
from kb.graph import (
    build_dataset,
    document_ids,
    graph_for_document,
    index,
    ontology_graph,
    run_graph,
    to_nquads,
    topics_graph,
    vocabulary_graph,
)
from kb.keep import refuse_loss, stored_build
from kb.records import RunRecord
from kb.store import (
    content_digest,
    current_version,
    manifest,
    update_store,
    updated_digests,
    version_digests,
    version_name,
    write_store,
)
from kb.vocab import load_vocabulary

log = logging.getLogger(__name__)

ONTOLOGY_GRAPH = URIRef(iris.BASE + "graph/ontology")
RUNS = str(iris.RUNS_GRAPH)


def canonical_nquads(build: Build) -> bytes:
    """Sorted N-Quads: the same build gives the same bytes (and the same store version)."""
    dataset = build_dataset(build, load_vocabulary())
    ontology = dataset.graph(ONTOLOGY_GRAPH)  # labels of kinds, classes and properties
    for triple in _skolemized(ontology_graph()):
        ontology.add(triple)
    return to_nquads(dataset).encode("utf-8")


def _skolemized(graph):
    """The ontology's blank nodes (owl:unionOf lists) as IRIs named by rdflib's canonical
    labelling: a store renames blank nodes at random, IRIs it keeps, so the stored dataset
    dumps to the same bytes every time."""
    return to_canonical_graph(graph).skolemize(authority=iris.BASE.rstrip("/"), basepath="/genid/")


def publish(build: Build, data_dir: Path) -> int:
    """Save a new build and make its graph the store's current version; returns the quads.

    Rebuilding what the store already holds (the same graphs but the run history) records no
    new run and writes no new version: a no-op build leaves the graph byte-identical. A build
    that would drop stored records because requests failed raises ``WouldLose`` first."""
    refuse_loss(stored_build(data_dir), build)
    data = canonical_nquads(_with_runs(build, []))
    digests = version_digests(data)
    if damage := store_problems(data_dir):  # written again below, whatever it held
        log.warning("the store is damaged (%s): writing it again", damage[0])
    previous = {} if damage else manifest(data_dir)
    if content_digest(digests, (RUNS,)) == content_digest(previous, (RUNS,)):
        build.runs = _saved_runs(data_dir)
        log.info("the graph is unchanged: no new version, no new run recorded")
    else:
        build.runs = [
            RunRecord(build.info.finished_at, "build", __version__, documents=document_ids(build))
        ]
    data = canonical_nquads(build)
    build.info.store_version = version_name(version_digests(data))
    build.save(data_dir)
    write_store(data_dir, data)
    return data.count(b"\n")


def publish_changes(build: Build, data_dir: Path, documents: list[str]) -> str:
    """Save a refreshed build and replace the graphs of ``documents`` (plus the vocabulary,
    topics and run graphs, which depend on every document) in a new store version."""
    src = index(build)
    graphs = {str(iris.graph(d)): _nquads(graph_for_document(build, d, src)) for d in documents}
    graphs[str(iris.VOCABULARY_GRAPH)] = _nquads(
        vocabulary_graph(load_vocabulary(), build.extractions, build.records)
    )
    graphs[str(iris.TOPICS_GRAPH)] = _nquads(topics_graph(build)) if build.topics else b""
    graphs[RUNS] = _nquads(run_graph(build, document_ids(build)))
    build.info.store_version = version_name(updated_digests(data_dir, graphs))
    build.save(data_dir)
    update_store(data_dir, graphs)
    return build.info.store_version


def ensure_store(build: Build, data_dir: Path) -> bool:
    """Make the store match the saved files if a crash left it behind; True if it had to."""
    current = current_version(data_dir)
    if build.info.store_version and current and current.name == build.info.store_version:
        return False
    log.warning("the store does not match the saved build (an interrupted run?): rebuilding it")
    started = time.perf_counter()
    data = canonical_nquads(build)
    build.info.store_version = version_name(version_digests(data))
    build.save(data_dir)
    write_store(data_dir, data)
    log.info("store rebuilt in %.1f s", time.perf_counter() - started)
    return True


def _saved_runs(data_dir: Path) -> list[RunRecord]:
    try:
        return Build.load(data_dir).runs
    except FileNotFoundError:
        return []


def _with_runs(build: Build, runs: list[RunRecord]) -> Build:
    return dataclasses.replace(build, runs=runs)


def _nquads(graph) -> bytes:
    dataset = Dataset()
    target = dataset.graph(graph.identifier)
    for triple in graph:
        target.add(triple)
    return to_nquads(dataset).encode("utf-8")
