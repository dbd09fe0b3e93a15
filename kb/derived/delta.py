"""Rules whose rows are counts summed over documents (``# delta: cb:PROP`` in the rule): a
refresh takes off what the changed documents counted before and adds what they count now,
instead of counting again every finding of each touched key. (Bound to the keys one record
touches, ``concept_counts`` took 13.5 s at 100,000 articles: a common concept's findings are
a large part of the store, and one record names dozens of concepts.)

A delta rule must read only triples of a finding's own document graph, so that the rule run
on the changed graphs alone gives those graphs' part of each count, with the same row IRIs
and the same other row triples (functions of the keys).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from kb.derived.apply import DERIVED, Rule, load_rules

XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
Rows = dict[str, dict[ox.NamedNode, list[ox.Triple]]]  # rule name → row IRI → its triples


def delta_rules() -> tuple[Rule, ...]:
    return tuple(rule for rule in load_rules() if rule.delta)


def document_rows(store: ox.Store, graphs: Iterable[str]) -> Rows:
    """Each delta rule's rows over ``graphs`` alone (their part of every count), as the store
    holds those graphs now."""
    scratch = ox.Store()
    for graph in graphs:
        scratch.extend(
            ox.Quad(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        )
    out: Rows = {}
    for rule in delta_rules():
        rows: dict[ox.NamedNode, list[ox.Triple]] = defaultdict(list)
        answer = scratch.query(rule.query, use_default_graph_as_union=True)
        assert isinstance(answer, ox.QueryTriples)
        for triple in answer:
            assert isinstance(triple.subject, ox.NamedNode)
            rows[triple.subject].append(triple)
        out[rule.name] = dict(rows)
    return out


def apply_deltas(store: ox.Store, before: Rows, after: Rows) -> int:
    """Rewrite each row a changed document counted, before or after the change, with its count
    less the part before plus the part after (a row whose count falls to 0 goes); returns the
    triples written."""
    written = 0
    for rule in delta_rules():
        prop = ox.NamedNode(rule.delta or "")
        old, new = before.get(rule.name, {}), after.get(rule.name, {})
        for row in sorted(old.keys() | new.keys(), key=lambda node: node.value):
            current = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(row, None, None, DERIVED)
            ]
            count = _count(current, prop) - _count(old.get(row, []), prop)
            count += _count(new.get(row, []), prop)
            for triple in current:
                store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, DERIVED))
            template = current or new.get(row, [])
            if count > 0 and template:
                value = ox.Literal(str(count), datatype=XSD_INTEGER)
                store.extend(
                    ox.Quad(
                        t.subject, t.predicate, value if t.predicate == prop else t.object, DERIVED
                    )
                    for t in template
                )
                written += len(template)
    return written


def _count(triples: list[ox.Triple], prop: ox.NamedNode) -> int:
    total = 0
    for t in triples:
        if t.predicate == prop and isinstance(t.object, ox.Literal):
            total += int(t.object.value)
    return total
