"""The embedded store: the only module that uses pyoxigraph.

A write never touches the store readers have open: it bulk-loads a new version directory, then
atomically repoints ``CURRENT`` (write to a temporary name, ``os.replace``). A crash at any point
leaves the previous version current; readers open whatever ``CURRENT`` names, read-only.
(pyoxigraph: a read-only open beside a live writer is undefined behaviour — so there never is
a writer on a version that readers use.)
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kb import failpoints, iris
from kb.derived import rules_digest
from kb.derived.apply import derive_all
from kb.derived.refresh import refresh, replace_graphs
from kb.jsonl import atomic_write
from kb.loading import load_in_chunks, peak_mb
from kb.query_shape import shape_problem
from kb.seal import BESIDE, readable_seal, version_problems, write_seal

if TYPE_CHECKING:  # the spool is the graph stage's; importing it here would load rdflib's graph
    from kb.graph.nquads import Spool

log = logging.getLogger(__name__)

VERSION_NAME = re.compile(r"v-[0-9a-f]{16}")  # what ``version_name`` makes; CURRENT names one
KEEP_VERSIONS = 2  # the current one and the one before it (a reader may still hold it)
DERIVED = str(iris.DERIVED_GRAPH)  # made by the store itself from the other graphs (kb.derived)
VOCABULARY = str(iris.VOCABULARY_GRAPH)
_NOT_DOCUMENTS = {VOCABULARY, str(iris.RUNS_GRAPH), str(iris.TOPICS_GRAPH)}
"""The graphs besides the documents' that a refresh replaces: the derived rows follow a
change of the vocabulary concept by concept; the runs and topics feed no rule. A change of
any other graph that is no document's (the ontology, the derived graph) derives everything."""


class StoreError(Exception):
    """No store yet, or a query the store refused; the message says which."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list[str | None]]
    truncated: bool = False
    elapsed: float = 0.0


def store_root(data_dir: Path) -> Path:
    return data_dir / "store"


def current_version(data_dir: Path) -> Path | None:
    """The version directory ``store/CURRENT`` names, or None (no store, or a pointer that is
    not a version name under ``store/``: empty, a path, ``..`` — ``kb check`` says which)."""
    name = current_name(data_dir)
    if name is None or not VERSION_NAME.fullmatch(name):
        return None
    path = store_root(data_dir) / name
    return path if path.is_dir() else None


def current_name(data_dir: Path) -> str | None:
    """What ``store/CURRENT`` says, stripped (None without one)."""
    try:
        return (store_root(data_dir) / "CURRENT").read_bytes().decode("utf-8", "replace").strip()
    except FileNotFoundError:
        return None


def graph_digests(nquads: bytes) -> dict[str, str]:
    """Graph IRI → SHA-256 of that graph's lines of canonical (sorted) N-Quads.

    Every quad is in a named graph (``kb.graph``), the last term of its line."""
    lines: dict[str, list[bytes]] = {}
    for line in nquads.splitlines(keepends=True):
        if line.strip():
            graph = line.rstrip()[:-1].rstrip().rsplit(b" ", 1)[1].decode("utf-8")
            lines.setdefault(graph.strip("<>"), []).append(line)
    return {g: hashlib.sha256(b"".join(sorted(ls))).hexdigest() for g, ls in lines.items()}


def version_digests(nquads: bytes) -> dict[str, str]:
    """The digests that name the version made from ``nquads`` (``with_derived``)."""
    return with_derived(graph_digests(nquads))


def with_derived(digests: Mapping[str, str]) -> dict[str, str]:
    """A version's digests: its graphs', and for ``graph/derived`` (a function of them) the
    digest of the rules that derive it."""
    return dict(digests) | {DERIVED: rules_digest()}


def updated_digests(data_dir: Path, graphs: Mapping[str, bytes]) -> dict[str, str]:
    """The digests of the current version with each graph in ``graphs`` replaced."""
    digests = dict(manifest(data_dir))
    for graph, data in graphs.items():
        digests.pop(graph, None)
        digests.update(graph_digests(data))
    return with_derived(digests)


def version_name(digests: Mapping[str, str]) -> str:
    """A store version is named by its content: the digests of all its graphs."""
    manifest = "".join(f"{g} {d}\n" for g, d in sorted(digests.items()))
    return "v-" + hashlib.sha256(manifest.encode()).hexdigest()[:16]


def content_digest(digests: Mapping[str, str], exclude: tuple[str, ...] = ()) -> str:
    """One hash over the graphs not in ``exclude`` (e.g. the run history, which says when)."""
    return version_name({g: d for g, d in digests.items() if g not in exclude})


def manifest(data_dir: Path) -> dict[str, str]:
    """The graph digests of the current version ({} without a store)."""
    path = current_version(data_dir)
    if path is None:
        return {}
    file = path.with_suffix(".json")
    if file.exists():
        digests = read_manifest(file)
        if not isinstance(digests, dict):
            raise StoreError(f"store/{file.name}: not a list of graph digests")
        return dict(digests)
    return version_digests(dump_nquads(data_dir))  # a version written without its manifest


def read_manifest(file: Path) -> object:
    """A version's manifest file parsed (ValueError if it does not parse), read once per
    process while the file is unchanged: at 100,000 articles it is ~15 MB of JSON (~0.1 s), and
    one ``kb ask`` reads it twice (the check, then the derived tables' digest)."""
    stat = file.stat()
    return _parsed(str(file), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _parsed(file: str, _mtime_ns: int, _size: int) -> object:
    return json.loads(Path(file).read_bytes())


def stale_derived(data_dir: Path) -> str | None:
    """Why ``graph/derived`` does not match this Casebook's rules (a store written by an older
    version), or None; the questions that read it would answer from missing or old tables."""
    version = current_version(data_dir)
    if version is None:
        return None
    seal = readable_seal(version)  # the cheap check reports a broken one
    written = seal.derived if seal and seal.derived else manifest(data_dir).get(DERIVED)
    if written == rules_digest():
        return None
    what = "without its derived tables" if written is None else "with other derivation rules"
    return (f"the store in {data_dir} was written {what}: run `kb refresh` (or `kb build`) to "
            f"update it; until then some questions answer from missing or old tables")  # fmt: skip


def dump_nquads(data_dir: Path) -> bytes:
    """The current version as canonical N-Quads (sorted lines): equal datasets, equal bytes."""
    store = open_store(data_dir)
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS)
    return b"".join(sorted(set(out.getvalue().splitlines(keepends=True))))


def write_store(data_dir: Path, nquads: bytes | Spool) -> Path:
    """Load N-Quads into a new version, derive ``graph/derived`` and make it current; returns
    the version directory. A ``Spool`` is bulk-loaded from its file, with the digests it
    made while written (a build never holds its whole graph in memory)."""
    digests = version_digests(nquads) if isinstance(nquads, bytes) else with_derived(nquads.digests)

    def fill(store: ox.Store) -> None:
        started = time.perf_counter()
        if not isinstance(nquads, bytes):
            with nquads.path.open("rb") as lines:
                load_in_chunks(store, lines, ox.RdfFormat.N_QUADS)
        else:
            store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
        started = _logged("loaded the graphs", started)
        # The bulk loader leaves overlapping files: lookups 1.7-8.5x slower, the rules' too
        # (concept_counts 4.7x at 100,000 articles), so compact first; the rules' rows are then
        # loaded in transactions, which keep the store compact.
        store.optimize()
        started = _logged("optimized the store", started)
        derive_all(store)
        _logged("derived the tables", started)

    return _commit(data_dir, digests, fill)


def _logged(step: str, started: float) -> float:
    now = time.perf_counter()
    log.info("%s in %.1f s (peak RSS so far %d MB)", step, now - started, peak_mb())
    return now


def update_store(data_dir: Path, graphs: Mapping[str, bytes]) -> Path:
    """A new version: the current one with each graph in ``graphs`` replaced by its N-Quads
    (empty bytes: the graph is dropped), made current atomically. The rest is copied, not
    rebuilt (a RocksDB checkpoint), and only the derived rows the changed graphs touch are made
    again (``kb.derived.refresh``), so a refresh costs what it changes."""
    base = current_version(data_dir)
    if base is None:
        raise StoreError(f"no store in {data_dir} to update: run `kb build` first")
    before = manifest(data_dir)
    digests = updated_digests(data_dir, graphs)
    changed = {g: data for g, data in graphs.items() if before.get(g) != digests.get(g)}
    documents = [g for g in changed if g not in _NOT_DOCUMENTS]
    whole = before.get(DERIVED) != rules_digest() or any(
        g in (DERIVED, iris.BASE + "graph/ontology") for g in changed
    )

    def apply(store: ox.Store) -> None:
        if whole:
            replace_graphs(store, changed)
            derive_all(store)
            return
        concepts = _changed_subjects(store, changed.get(VOCABULARY, b""), VOCABULARY)
        refresh(store, changed, documents, concepts)

    return _commit(data_dir, digests, apply, copy_from=base)


def _changed_subjects(store: ox.Store, data: bytes, graph: str) -> list[str]:
    """The subjects whose triples in ``graph`` differ between the store and ``data``."""
    if not data:
        return []
    node = ox.NamedNode(graph)
    old = {
        (q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, node)
    }
    new = {(q.subject, q.predicate, q.object) for q in ox.parse(data, ox.RdfFormat.N_QUADS)}
    return sorted({s.value for s, _, _ in old ^ new if isinstance(s, ox.NamedNode)})


def _commit(
    data_dir: Path,
    digests: dict[str, str],
    fill: Callable[[ox.Store], None],
    copy_from: Path | None = None,
) -> Path:
    """Build the version named by ``digests`` in a scratch directory (copied from ``copy_from``,
    then ``fill``ed), rename it into place with its manifest, then repoint ``CURRENT``."""
    root = store_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    name = version_name(digests)
    target = root / name
    if current_version(data_dir) != target or version_problems(target):  # damaged: rewrite
        building = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
        if copy_from is None:
            store = ox.Store(str(building))
        else:
            building.rmdir()
            ox.Store.read_only(str(copy_from)).backup(str(building))
            store = ox.Store(str(building))
        fill(store)
        store.flush()
        quads = graph_quads(store)
        del store
        failpoints.reach("store:filled")
        if target.exists():
            shutil.rmtree(target)
        atomic_write(target.with_suffix(".json"), json.dumps(digests, indent=0).encode())
        write_seal(building, target, quads, digests.get(DERIVED, ""))
        os.replace(building, target)
        failpoints.reach("store:renamed")
        atomic_write(root / "CURRENT", (name + "\n").encode())
    _prune(root, name)
    return target


def _prune(root: Path, current: str) -> None:
    versions = sorted(
        (p for p in root.glob("v-*") if p.is_dir() and p.name != current),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[KEEP_VERSIONS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
        for suffix in BESIDE:
            old.with_suffix(suffix).unlink(missing_ok=True)
    for stale in root.glob(".building-*"):  # left by a crash mid-load
        shutil.rmtree(stale, ignore_errors=True)
    for spool in (*root.glob(".spool-*"), *root.glob(".push-*")):  # kb.publish's and
        spool.unlink(missing_ok=True)  # kb.remote.push's, left by a crash (writers hold the lock)
    for orphan in (p for suffix in BESIDE for p in root.glob(f"v-*{suffix}")):
        if not orphan.with_suffix("").is_dir():  # its version never landed
            orphan.unlink(missing_ok=True)


def graph_quads(store: ox.Store) -> dict[str, int]:
    """Graph IRI → the quads in it: what a version's seal says it holds."""
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert isinstance(rows, ox.QuerySolutions)
    return {row["g"].value: int(row["n"].value) for row in rows}


def open_store(data_dir: Path) -> ox.Store:
    path = current_version(data_dir)
    if path is None:
        raise StoreError(f"no knowledge graph in {data_dir}: run `kb build` or `kb demo` first")
    return ox.Store.read_only(str(path))


def bind(sparql: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None) -> str:
    """``sparql`` with ``bindings`` as a ``VALUES`` block opening its WHERE clause (see
    ``run_query``); pure text, so a remote store binds exactly as the embedded one does."""
    if not bindings:
        return sparql
    names = " ".join(f"?{name}" for name in bindings if re.fullmatch(r"\w+", name))
    if len(names.split()) != len(bindings):
        raise StoreError("parameter names must be letters, digits and '_'")
    terms = " ".join(str(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({terms}) }} "
    sparql, found = re.subn(r"\bWHERE\s*\{", lambda m: m.group(0) + block, sparql,
                            count=1, flags=re.IGNORECASE)  # fmt: skip
    if not found:
        raise StoreError("a query with parameters needs a WHERE { … } clause")
    return sparql


def run_query(
    store: ox.Store,
    sparql: str,
    bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    limit: int = 10_000,
) -> QueryResult:
    """Run a read query with ``bindings`` as a ``VALUES`` block opening its WHERE clause (so the
    engine starts from the bound values; a trailing block would be joined only at the end).

    Each bound value is an RDF term serialised by pyoxigraph itself (``NamedNode`` rejects
    malformed IRIs, ``Literal`` escapes quotes and braces), so a hostile parameter stays one
    value. (pyoxigraph's ``substitutions`` would be simpler but bind projected variables only.)
    """
    started = time.perf_counter()
    sparql = bind(sparql, bindings)
    if problem := shape_problem(sparql):  # a crash here would take the caller's process down
        raise StoreError(problem)
    try:
        result = store.query(sparql, use_default_graph_as_union=True)
    except (SyntaxError, ValueError, OSError, RuntimeError) as exc:
        raise StoreError(f"query failed: {exc}") from exc
    if isinstance(result, ox.QueryBoolean | bool):  # ASK (a QueryBoolean from pyoxigraph 0.5)
        return QueryResult(["ask"], [["true" if bool(result) else "false"]],
                           elapsed=time.perf_counter() - started)  # fmt: skip
    if not isinstance(result, ox.QuerySolutions):
        triples = [[_text(t.subject), _text(t.predicate), _text(t.object)] for t in result]
        return QueryResult(["subject", "predicate", "object"], triples[:limit],
                           len(triples) > limit, time.perf_counter() - started)  # fmt: skip
    columns = [v.value for v in result.variables]
    rows: list[list[str | None]] = []
    truncated = False
    for solution in result:
        if len(rows) == limit:
            truncated = True
            break
        rows.append([_text(solution[c]) for c in columns])
    return QueryResult(columns, rows, truncated, time.perf_counter() - started)


def _text(term: object) -> str | None:
    if term is None:
        return None
    return term.value if hasattr(term, "value") else str(term)
