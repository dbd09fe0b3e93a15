"""Making ``graph/derived`` in a store: all of it (a new store), or only the rows a change
touches (a refresh).

A derived row is a function of its keys (``# keys:`` in its rule: the group variables and the
row properties that hold them). A change of some document graphs touches the findings in them,
the findings read from an article whose status they state, and the findings of a concept the
vocabulary graph changed (or one below it); each rule's key query (``keys/NAME.rq``) gives the
keys those findings feed. The keys are taken before the change and after it; their rows are
deleted and the rule is run again bound to them (a ``VALUES`` block at each ``#KEYS`` line: every
subquery that reads findings has one, since a subquery is evaluated before what binds it).
A rule with a scope query (``scope/NAME.rq``: the nodes whose triples it reads for given keys)
runs bound on a scratch store of those triples alone, where Oxigraph's plan cannot wander over
the whole store. The result equals deriving everything again, which
``tests/kb/test_derived_incremental.py`` checks.
"""

from __future__ import annotations

import functools
import logging
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import pyoxigraph as ox

from kb import iris
from kb.derived import rules
from kb.loading import load_in_chunks, peak_mb
from kb.namespaces import prologue

log = logging.getLogger(__name__)

DERIVED = ox.NamedNode(iris.DERIVED_GRAPH)
CB = iris.CB
VALUES_AT_ONCE = 2000  # keys per bound run of a rule: a query's text stays small
_KEY = re.compile(r"\?(\w+)=cb:(\w+)")
_PROP = re.compile(r"cb:(\w+)")
DOCUMENT_FINDINGS = (
    prologue("cb", "prov")
    + """
SELECT DISTINCT ?f WHERE {
  { VALUES ?g { %(graphs)s } GRAPH ?g { ?f a cb:Finding } }
  UNION
  { VALUES ?g { %(graphs)s } GRAPH ?g { ?a cb:sourceStatus ?status } ?e prov:wasDerivedFrom ?a .
    ?f cb:evidence ?e }
}
"""
)
CONCEPT_FINDINGS = (
    prologue("cb", "skos")
    + """
SELECT DISTINCT ?f ?h WHERE {
  VALUES ?changed { %(concepts)s } ?c skos:broader* ?changed . GRAPH ?h { ?f cb:concept ?c }
}
"""
)


class DerivationError(Exception):
    """A rule that is not a CONSTRUCT query, or one whose ``# row:``/``# keys:`` is missing (or
    its ``#KEYS``, which a ``# delta:`` rule without a key query needs not have)."""


@dataclass(frozen=True)
class Rule:
    name: str
    query: str  # the CONSTRUCT; its ``#KEYS`` lines (one per subquery) comments when run whole
    row_class: str  # the IRI of its rows' class
    keys: tuple[tuple[str, str], ...]  # (variable, row property IRI), in the VALUES order
    key_query: str  # SELECT of the keys, ``#FINDINGS`` where the touched findings are bound
    scope_query: str | None = None  # SELECT ?n of the nodes it reads for ``#KEYS``, if any
    delta: tuple[str, ...] = ()  # its sums over documents (kb.derived.delta), the first decides
    least: tuple[str, ...] = ()  # the least values a delta rule keeps (its examples)


@functools.cache  # the rules ship with the package: they do not change while it runs
def load_rules() -> tuple[Rule, ...]:
    """The rules with their row class, keys and key query (in name order)."""
    folder = resources.files("kb.derived") / "keys"
    scopes = resources.files("kb.derived") / "scope"
    out = []
    for name, query in rules().items():
        row = re.search(r"^# row: cb:(\w+)$", query, re.MULTILINE)
        keys = re.search(r"^# keys: (.+)$", query, re.MULTILINE)
        delta = re.search(r"^# delta: (.+)$", query, re.MULTILINE)
        least = re.search(r"^# least: (.+)$", query, re.MULTILINE)
        key_file = folder / f"{name}.rq"  # a delta rule that reads no vocabulary needs none
        key_query = key_file.read_text(encoding="utf-8") if key_file.is_file() else ""
        if not row or not keys or not (delta or key_query) or (key_query and "#KEYS" not in query):
            raise DerivationError(
                f"derivation rule {name}: needs '# row:', '# keys:' and a key query with #KEYS"
            )
        pairs = tuple((v, CB + p) for v, p in _KEY.findall(keys.group(1)))
        scope = scopes / f"{name}.rq"
        scope_query = scope.read_text(encoding="utf-8") if scope.is_file() else None
        sums = tuple(CB + p for p in _PROP.findall(delta.group(1))) if delta else ()
        kept = tuple(CB + p for p in _PROP.findall(least.group(1))) if least else ()
        out.append(Rule(name, query, CB + row.group(1), pairs, key_query, scope_query, sums, kept))
    return tuple(out)


def derive_all(store: ox.Store) -> int:
    """Replace ``graph/derived`` with every rule's answer; returns its triples."""
    store.remove_graph(DERIVED)
    return sum(construct(store, rule, rule.query) for rule in load_rules())


def touched_keys(
    store: ox.Store, graphs: Iterable[str], concepts: Iterable[str], group: Iterable[str] = ()
) -> dict[str, set[tuple[str, ...]]]:
    """Rule name → the keys (N-Triples terms) the findings of ``graphs``, and those under
    ``concepts``, feed in the store as it is now. A delta rule's come only from the findings
    under ``concepts`` outside the ``group`` graphs (``kb.derived.delta`` sums the group's)."""
    graphs, concepts = list(graphs), list(concepts)
    summed = set(group) | set(graphs)
    terms = {
        "graphs": " ".join(f"<{g}>" for g in graphs),
        "concepts": " ".join(f"<{c}>" for c in concepts),
    }
    documents = (
        {str(r["f"]) for r in _select(store, DOCUMENT_FINDINGS % terms)} if graphs else set()
    )
    named = (
        [(str(r["f"]), r["h"].value) for r in _select(store, CONCEPT_FINDINGS % terms)]
        if concepts
        else []
    )
    outside = {f for f, h in named if h not in summed}
    out: dict[str, set[tuple[str, ...]]] = {}
    for rule in (r for r in load_rules() if r.key_query):
        found = sorted(outside if rule.delta else documents | {f for f, _ in named})  # "<iri>"
        keys = out.setdefault(rule.name, set())
        for chunk in _chunks(found, VALUES_AT_ONCE):
            block = "VALUES ?f { " + " ".join(chunk) + " }"
            for row in _select(store, rule.key_query.replace("#FINDINGS", block)):
                keys.add(tuple(str(row[v]) for v, _ in rule.keys))
    return out


def derive_keys(store: ox.Store, keys: dict[str, set[tuple[str, ...]]]) -> int:
    """Make again the rows of ``keys`` (per rule): delete them, run the rule bound to them;
    returns the triples written."""
    written = 0
    for rule in load_rules():
        wanted = sorted(keys.get(rule.name, ()))
        started = time.perf_counter()
        for chunk in _chunks(wanted, VALUES_AT_ONCE):
            names = " ".join(f"?{v}" for v, _ in rule.keys)
            values = f"VALUES ({names}) {{ " + " ".join(f"({' '.join(k)})" for k in chunk) + " }"
            props = " ; ".join(f"<{p}> ?{v}" for v, p in rule.keys)
            store.update(
                f"DELETE {{ GRAPH <{DERIVED.value}> {{ ?row ?p ?o }} }} WHERE {{ {values} "
                f"GRAPH <{DERIVED.value}> {{ ?row a <{rule.row_class}> ; {props} . ?row ?p ?o }} }}"
            )
            source = bound_source(store, rule, values)
            written += construct(store, rule, rule.query.replace("#KEYS", values), source)
        log.info("derived %s again for %d keys in %.2f s", rule.name, len(wanted),
                 time.perf_counter() - started)  # fmt: skip
    return written


def bound_source(store: ox.Store, rule: Rule, values: str) -> ox.Store:
    """What a run of ``rule`` bound to the keys in ``values`` reads: ``store`` itself, or, for a
    rule with a scope query, an in-memory store of every triple (outside ``graph/derived``) of
    the nodes that query names for those keys."""
    if rule.scope_query is None:
        return store
    scratch = ox.Store()
    for row in _select(store, rule.scope_query.replace("#KEYS", values)):
        scratch.extend(
            ox.Quad(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(row["n"], None, None)
            if q.graph_name != DERIVED
        )
    return scratch


def construct(store: ox.Store, rule: Rule, query: str, source: ox.Store | None = None) -> int:
    """Run the rule on ``source`` (default: ``store``) and add its triples to ``store``'s
    ``graph/derived``. The answer goes through a temporary file, loaded a chunk at a time, so
    neither its serialisation nor one transaction of all of it is held in memory (a rule's
    answer at 100,000 articles was up to 200,000 triples)."""
    started = time.perf_counter()
    answer = (source or store).query(query, use_default_graph_as_union=True)
    if not isinstance(answer, ox.QueryTriples):
        raise DerivationError(f"derivation rule {rule.name} is not a CONSTRUCT query")
    with tempfile.TemporaryFile() as out:
        answer.serialize(out, format=ox.RdfFormat.N_TRIPLES)
        out.seek(0)
        triples = load_in_chunks(store, out, ox.RdfFormat.N_TRIPLES, to_graph=DERIVED, bulk=False)
    log.info("derived %s: %d triples in %.2f s (peak RSS so far %d MB)", rule.name, triples,
             time.perf_counter() - started, peak_mb())  # fmt: skip
    return triples


def _select(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    answer = store.query(query, use_default_graph_as_union=True)
    if not isinstance(answer, ox.QuerySolutions):
        raise DerivationError("a key query must be a SELECT")
    return list(answer)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
