"""A build → its RDF graphs → the store (a new version, made current atomically).

The data directory's files are the source of truth and the store is made from them: every graph
is a pure function of the build, so a crash anywhere is repaired by making the graphs again.
``build.json`` names the store version the files make; ``ensure_store`` rebuilds the store when
the current version is another (a crash between saving the files and switching the store).

The graphs are made one document at a time and written as canonical N-Quads to a spool file
(``kb.graph.nquads``), hashed as they go; the store bulk-loads that file. Memory is then bounded by
the largest graph, not the KB (an rdflib Dataset of the whole KB took ~1 GB per 1,000 records).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import URIRef

from kb import __version__, iris
from kb.check_store import store_problems
from kb.datadir import Build
from kb.graph import (
    content_graphs,
    document_ids,
    document_triples,
    index,
    run_triples,
    topic_triples,
    vocabulary_triples,
)
from kb.graph.nquads import Spool, nquad_lines
from kb.graph.terms import Triple
from kb.keep import refuse_loss, stored_build
from kb.loading import peak_mb
from kb.records import RunRecord
from kb.store import (
    content_digest,
    current_version,
    manifest,
    store_root,
    update_store,
    updated_digests,
    version_name,
    with_derived,
    write_store,
)
from kb.vocab import load_vocabulary

log = logging.getLogger(__name__)

RUNS = str(iris.RUNS_GRAPH)
Made = Callable[[URIRef], list[bytes] | None]


@contextmanager
def spooled(data_dir: Path) -> Iterator[Spool]:
    """A new spool file beside the store's versions, removed afterwards (``kb.store`` prunes
    one a crash left)."""
    root = store_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=root, prefix=".spool-", suffix=".nq")
    path = Path(name)
    try:
        with open(handle, "wb"):
            pass
        yield Spool(path)
    finally:
        path.unlink(missing_ok=True)


def spool_build(build: Build, spool: Spool) -> None:
    """Write every graph of ``build``, its run history as it stands included."""
    for graph, triples in content_graphs(build, load_vocabulary()):
        spool.add(graph, triples)
    spool.add(URIRef(iris.RUNS_GRAPH), run_triples(build, document_ids(build)))


def publish(build: Build, data_dir: Path, made: Made | None = None) -> int:
    """Save a new build and make its graph the store's current version; returns the quads.

    Rebuilding what the store already holds (the same graphs but the run history) records no
    new run and writes no new version: a no-op build leaves the graph byte-identical. A build
    that would drop stored records because requests failed raises ``WouldLose`` first.
    ``made``: a graph → its canonical lines when they were made already (``kb bulk``'s workers
    make each document's graph beside its extraction), None for a graph to make here."""
    if build.info.report.failures:  # only then can it lose records: read the stored ones
        refuse_loss(stored_build(data_dir), build)
    if damage := store_problems(data_dir):  # written again below, whatever it held
        log.warning("the store is damaged (%s): writing it again", damage[0])
    previous = {} if damage else manifest(data_dir)
    documents = document_ids(build)
    started = time.perf_counter()
    with spooled(data_dir) as spool:
        for graph, triples in content_graphs(build, load_vocabulary()):
            lines = made(graph) if made else None
            if lines is None:
                spool.add(graph, triples)
            else:
                spool.add_lines(graph, lines)
        if content_digest(with_derived(spool.digests)) == content_digest(previous, (RUNS,)):
            build.runs = _saved_runs(data_dir)
            log.info("the graph is unchanged: no new version, no new run recorded")
        else:
            build.runs = [RunRecord(build.info.finished_at, "build", __version__, documents)]
        spool.add(URIRef(iris.RUNS_GRAPH), run_triples(build, documents))
        build.info.store_version = version_name(with_derived(spool.digests))
        build.save(data_dir)
        log.info("spooled %d quads and saved the data files in %.1f s (peak RSS so far %d MB)",
                 spool.quads, time.perf_counter() - started, peak_mb())  # fmt: skip
        write_store(data_dir, spool)
        return spool.quads


def publish_changes(build: Build, data_dir: Path, documents: list[str]) -> str:
    """Save a refreshed build and replace the graphs of ``documents`` (plus the vocabulary,
    topics and run graphs, which depend on every document) in a new store version."""
    src = index(build)
    graphs = {str(iris.graph(d)): _nquads(URIRef(iris.graph(d)), document_triples(src, d))
              for d in documents}  # fmt: skip
    graphs[str(iris.VOCABULARY_GRAPH)] = _nquads(
        URIRef(iris.VOCABULARY_GRAPH),
        vocabulary_triples(load_vocabulary(), build.extractions, build.records),
    )
    graphs[str(iris.TOPICS_GRAPH)] = _nquads(URIRef(iris.TOPICS_GRAPH), topic_triples(build))
    graphs[RUNS] = _nquads(URIRef(iris.RUNS_GRAPH), run_triples(build, document_ids(build)))
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
    with spooled(data_dir) as spool:
        spool_build(build, spool)
        build.info.store_version = version_name(with_derived(spool.digests))
        build.save(data_dir)
        write_store(data_dir, spool)
    log.info("store rebuilt in %.1f s", time.perf_counter() - started)
    return True


def _saved_runs(data_dir: Path) -> list[RunRecord]:
    try:
        return Build.load(data_dir).runs
    except FileNotFoundError:
        return []


def _nquads(graph: URIRef, triples: Iterable[Triple]) -> bytes:
    return b"".join(nquad_lines(graph, triples))
