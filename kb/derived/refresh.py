"""A refresh of some graphs in a store: the graphs replaced, and only the derived rows they
touch made again, by their keys (``kb.derived.apply``) or by what the changed documents add
to and take from a sum (``kb.derived.delta``). The result equals deriving everything again
(``tests/kb/test_derived_incremental.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from kb.derived.apply import derive_keys, touched_keys
from kb.derived.delta import apply_deltas, change_group, document_rows


def replace_graphs(store: ox.Store, changed: Mapping[str, bytes]) -> None:
    """Each graph of ``changed`` replaced by its N-Quads (empty bytes: the graph is dropped)."""
    for graph, data in changed.items():
        store.remove_graph(ox.NamedNode(graph))
        if data:
            store.load(data, ox.RdfFormat.N_QUADS)


def refresh(
    store: ox.Store, changed: Mapping[str, bytes], documents: Sequence[str], concepts: Sequence[str]
) -> None:
    """Replace the ``changed`` graphs (``documents``: those that are source documents) and
    make again the derived rows they touch, and those of the findings under the vocabulary's
    changed ``concepts``. The keys and the sums' parts are read before the change and after."""
    group = change_group(store, documents, {g: changed[g] for g in documents})
    keys = touched_keys(store, documents, concepts, group)
    counted = document_rows(store, group)
    replace_graphs(store, changed)
    for rule, more in touched_keys(store, documents, concepts, group).items():
        keys[rule] |= more
    for rule, more in apply_deltas(store, counted, document_rows(store, group), keys).items():
        keys.setdefault(rule, set()).update(more)
    derive_keys(store, keys)
