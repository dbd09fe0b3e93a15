"""Rules whose rows are sums over documents (``# delta: cb:PROP…`` in the rule): a refresh
takes off what the changed documents counted before and adds what they count now, instead of
counting again every finding of each touched key. (Bound to the keys one record touches,
``concept_counts`` took 13.5 s at 100,000 articles, and ``etiologies`` 1.6 s for one common
condition and cause: a hot key's statements are a large part of the store.)

The part of a change is the rule run on a scratch store of the changed graphs, every other
graph with findings about the same subjects (an article's record, its MeSH graph and its full
text share one), and the vocabulary triples of the concepts they name. A count of distinct
subjects is then a sum too. A ``# least: cb:PROP`` value (an example, the minimum in code point
order) is kept as the least of the rest and the new part, when the rest's is known: when the
changed part held the least and gives it no more, the row is counted again by its keys.

A delta rule reads only those triples for a finding, so that the rule run on them gives their
part of each sum, with the same row IRIs and the same other row triples (functions of the keys).
A delta rule that reads the vocabulary has a key query too: a vocabulary change makes again by
keys the rows of the other documents' findings it touches (``kb.derived.apply.touched_keys``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from kb import iris
from kb.derived.apply import DERIVED, Rule, load_rules

XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
SUBJECT = ox.NamedNode(iris.CB + "subject")
CONCEPT = ox.NamedNode(iris.CB + "concept")
BROADER = ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader")
Rows = dict[str, dict[ox.NamedNode, list[ox.Triple]]]  # rule name → row IRI → its triples
Keys = dict[str, set[tuple[str, ...]]]  # rule name → keys (N-Triples terms), as in .apply
GRAPHS_OF = "SELECT DISTINCT ?g WHERE { VALUES ?s { %s } GRAPH ?g { ?f <%s> ?s } }"


def delta_rules() -> tuple[Rule, ...]:
    return tuple(rule for rule in load_rules() if rule.delta)


def change_group(
    store: ox.Store, graphs: Iterable[str], incoming: Mapping[str, bytes]
) -> list[str]:
    """``graphs`` and every graph with findings about a subject they name, now or in their
    ``incoming`` N-Quads: the documents whose part of a sum a change alters."""
    graphs = sorted(set(graphs))
    subjects = {
        q.object
        for g in graphs
        for q in store.quads_for_pattern(None, SUBJECT, None, ox.NamedNode(g))
    }
    for data in incoming.values():
        subjects.update(
            q.object for q in ox.parse(data, ox.RdfFormat.N_QUADS) if q.predicate == SUBJECT
        )
    named = sorted(str(s) for s in subjects if isinstance(s, ox.NamedNode))
    found = set(graphs)
    for start in range(0, len(named), 500):
        query = GRAPHS_OF % (" ".join(named[start : start + 500]), SUBJECT.value)
        found.update(str(row["g"].value) for row in store.query(query))  # type: ignore[union-attr]
    return sorted(found)


def document_rows(store: ox.Store, graphs: Iterable[str]) -> Rows:
    """Each delta rule's rows over ``graphs`` alone (their part of every sum), as the store
    holds those graphs now, with the vocabulary of the concepts they name."""
    scratch = ox.Store()
    concepts: set[ox.NamedNode] = set()
    for graph in graphs:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            scratch.add(ox.Quad(q.subject, q.predicate, q.object))
            if q.predicate == CONCEPT and isinstance(q.object, ox.NamedNode):
                concepts.add(q.object)
    seen: set[ox.NamedNode] = set()
    while concepts:  # each concept and all it is narrower than
        concept = concepts.pop()
        seen.add(concept)
        for q in store.quads_for_pattern(concept, None, None):
            if q.graph_name == DERIVED:
                continue
            scratch.add(ox.Quad(q.subject, q.predicate, q.object))
            if q.predicate == BROADER and isinstance(q.object, ox.NamedNode):
                concepts |= {q.object} - seen
    out: Rows = {}
    for rule in delta_rules():
        rows: dict[ox.NamedNode, list[ox.Triple]] = defaultdict(list)
        answer = scratch.query(rule.query.replace("#KEYS", ""), use_default_graph_as_union=True)
        assert isinstance(answer, ox.QueryTriples)
        for triple in answer:
            assert isinstance(triple.subject, ox.NamedNode)
            rows[triple.subject].append(triple)
        out[rule.name] = dict(rows)
    return out


def apply_deltas(store: ox.Store, before: Rows, after: Rows, recounted: Keys) -> Keys:
    """Rewrite each row a changed document fed, before or after the change, with each sum less
    the part before plus the part after (a row whose first sum falls to 0 goes), except the rows
    of ``recounted`` keys (made again by keys); returns the keys whose rows must be counted
    again instead (a least value the change took away)."""
    again: Keys = {}
    for rule in delta_rules():
        sums = [ox.NamedNode(p) for p in rule.delta]
        least = [ox.NamedNode(p) for p in rule.least]
        skip = recounted.get(rule.name, set())
        old, new = before.get(rule.name, {}), after.get(rule.name, {})
        for row in sorted(old.keys() | new.keys(), key=lambda node: node.value):
            current = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(row, None, None, DERIVED)
            ]
            template = new.get(row) or current or old.get(row, [])
            key = _key(template, rule)
            if key in skip:
                continue
            values: dict[ox.NamedNode, ox.Literal] = {}
            for prop in sums:
                total = _sum(current, prop) - _sum(old.get(row, []), prop)
                total += _sum(new.get(row, []), prop)
                values[prop] = ox.Literal(str(total), datatype=XSD_INTEGER)
            kept = int(values[sums[0]].value) > 0 if sums else False
            for prop in least if kept else ():
                value = _least(current, old.get(row, []), new.get(row, []), prop)
                if value is None:
                    again.setdefault(rule.name, set()).add(key)
                    break
                values[prop] = value
            else:
                for triple in current:
                    store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, DERIVED))
                if kept:
                    store.extend(
                        ox.Quad(t.subject, t.predicate, values.get(t.predicate, t.object), DERIVED)
                        for t in template
                    )
    return again


def _key(triples: list[ox.Triple], rule: Rule) -> tuple[str, ...]:
    by_prop = {t.predicate.value: str(t.object) for t in triples}
    return tuple(by_prop.get(prop, "") for _, prop in rule.keys)


def _sum(triples: list[ox.Triple], prop: ox.NamedNode) -> int:
    total = 0
    for t in triples:
        if t.predicate == prop and isinstance(t.object, ox.Literal):
            total += int(t.object.value)
    return total


def _least(
    current: list[ox.Triple], old: list[ox.Triple], new: list[ox.Triple], prop: ox.NamedNode
) -> ox.Literal | None:
    """The row's least ``prop`` after the change, if the rows say it: the rest's least is the
    current one unless the old part held it."""
    now, was, comes = (_value(t, prop) for t in (current, old, new))
    if was is None or (now is not None and now.value < was.value):
        rest = now
    elif comes is not None and comes.value <= was.value:
        return comes  # no less than anything the rest holds
    else:
        return None
    found = [v for v in (rest, comes) if v is not None]
    return min(found, key=lambda v: v.value) if found else None


def _value(triples: list[ox.Triple], prop: ox.NamedNode) -> ox.Literal | None:
    values = [t.object for t in triples if t.predicate == prop and isinstance(t.object, ox.Literal)]
    return min(values, key=lambda v: v.value) if values else None
