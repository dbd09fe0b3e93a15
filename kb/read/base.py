"""The explorer's read models (``kb.read.*``): pure functions from a read-only store to rows.

This module holds what they share: the store handle, prefixes, kinds and bound-term helpers.

Every function takes a store handle — anything with ``query(sparql, bindings, limit)`` answering
a ``kb.store.QueryResult``: ``KB`` (one read-only version of the embedded store),
``kb.remote.EmbeddedStore`` or ``kb.remote.RemoteStore`` — plus plain parameters, and returns
dataclasses or plain rows; nothing here knows about Streamlit. User input (a search string, a
concept id, a PMID) only ever reaches SPARQL as an RDF term bound by ``kb.store.bind`` (or, for a
list of nodes, a ``VALUES`` block of terms serialised by pyoxigraph): it is never pasted into
the query text. The query texts below vary only by which fixed clauses a filter adds.

Queries start from bound values where there are any and cap their rows (``LIMIT``), so that a
page stays interactive on a store of ~10M quads; the few whole-graph aggregates (counts, the
treatment × outcome matrix) are the caller's to cache per store version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from kb import iris, namespaces
from kb.errors import Damaged
from kb.query import ROW_LIMIT
from kb.questions import Question
from kb.records import FINDING_KINDS
from kb.store import QueryResult, StoreError, current_version, open_store, run_query

ID = iris.BASE
CB = namespaces.CB
RUNS_GRAPH = str(iris.RUNS_GRAPH)
XSD_INTEGER = ox.NamedNode(namespaces.NAMESPACES["xsd"] + "integer")

PREFIXES = namespaces.prologue()

KINDS = FINDING_KINDS
BROWSE_KINDS = ("condition", "etiology", "treatment", "outcome")
KIND_IRI = {kind: str(iris.kind_iri(kind)) for kind in KINDS}
KIND_COLORS = {
    "condition": "red",
    "etiology": "orange",
    "treatment": "green",
    "outcome": "blue",
    "test": "violet",
    "anatomy": "gray",
    "patient_attribute": "gray",
    "duration": "gray",
}
METHODS = {
    "text": "text",
    "mesh": "MeSH indexing",
    "citation_context": "citation context (what the seed says)",
}
SEARCH_MAX = 200  # characters of a search string kept
PAGE_SIZE = 25


class QueryStoreLike(Protocol):
    def query(
        self,
        sparql: str,
        bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        limit: int = ROW_LIMIT,
    ) -> QueryResult: ...


class KB:
    """One version of the embedded store, opened read-only (never written): ``version`` names
    it, so callers can key caches on it. Safe to share between threads (pyoxigraph's read-only
    store is)."""

    def __init__(self, data_dir: Path) -> None:
        from kb.check import guard

        self.data_dir = Path(data_dir)
        try:
            guard(self.data_dir)
        except Damaged as exc:  # shown as the store's error: the explorer says it in one line
            raise StoreError(str(exc)) from None
        for _ in range(3):  # a build may switch CURRENT between reading it and opening it
            before = current_version(self.data_dir)
            store = open_store(self.data_dir)
            if current_version(self.data_dir) == before:
                break
        assert before is not None
        self.version = before.name
        self._store = store

    def __repr__(self) -> str:
        return f"KB({str(self.data_dir)!r}, {self.version!r})"

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        limit: int = ROW_LIMIT,
    ) -> QueryResult:
        return run_query(self._store, sparql, bindings, limit)


def store_version(data_dir: Path) -> str | None:
    """The name of the current store version, or None when there is no knowledge base yet."""
    path = current_version(Path(data_dir))
    return path.name if path else None


def ask(
    store: QueryStoreLike,
    question: Question,
    values: Mapping[str, str] | None = None,
    limit: int = ROW_LIMIT,
    page: int = 1,
) -> QueryResult:
    """A named question with ``values`` for its parameters (defaults otherwise)."""
    return question.answer(store.query, values, page, limit)


def select_rows(
    store: QueryStoreLike, sparql: str, bindings=None, limit: int = ROW_LIMIT
) -> list[dict]:
    result = store.query(PREFIXES + sparql, bindings, limit)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def literal(value: str) -> ox.Literal:
    return ox.Literal(value)


def integer(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=XSD_INTEGER)


def node(iri: str) -> ox.NamedNode:
    """An IRI as a term; pyoxigraph refuses a malformed one (``ValueError``)."""
    return ox.NamedNode(iri)


def values_block(sparql: str, var: str, terms: Sequence[ox.NamedNode | ox.Literal]) -> str:
    """``sparql`` with ``VALUES ?var { t1 t2 … }`` opening its WHERE clause — ``kb.store.bind``
    for a list of values of one variable; each term serialised by pyoxigraph itself."""
    if not re.fullmatch(r"\w+", var):
        raise StoreError("variable names must be letters, digits and '_'")
    if not all(isinstance(t, ox.NamedNode | ox.Literal) for t in terms):
        raise StoreError("VALUES takes RDF terms only")
    block = f" VALUES ?{var} {{ {' '.join(str(t) for t in terms)} }} "
    out, found = re.subn(
        r"\bWHERE\s*\{", lambda m: m.group(0) + block, sparql, count=1, flags=re.IGNORECASE
    )
    if not found:
        raise StoreError("a query with values needs a WHERE { … } clause")
    return out


def as_int(value: str | None, default: int = 0) -> int:
    try:
        return int(float(value)) if value not in (None, "") else default
    except ValueError:
        return default


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def as_bool(value: str | None) -> bool | None:
    return None if value is None else value == "true"


def _count(store: QueryStoreLike, sparql: str, bindings=None) -> int:
    rows = select_rows(store, sparql, bindings, limit=1)
    return as_int(rows[0]["n"]) if rows else 0
