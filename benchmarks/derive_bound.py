"""Each derivation rule bound to the keys a change of N document graphs touches, on a large
existing KB (e.g. the 100,000-article SYNTHETIC one ``graph_questions.py --save DIR`` writes):
what ``update_store`` runs for a refresh, read-only (the rows are made in a scratch store, not
written back).

    .venv/bin/python benchmarks/derive_bound.py --kb DIR [--graphs 1 5 30]

A rule with a scope query runs on its scratch store of the keys' nodes (``kb/derived/scope``);
a delta rule (``kb/derived/delta.py``) on the changed graphs alone, twice (before and after),
with its current rows read; the others on the whole store. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.derived.apply import DERIVED, bound_source, construct, load_rules, touched_keys  # noqa: E402
from kb.derived.delta import document_rows  # noqa: E402
from kb.store import current_version  # noqa: E402

CASE_GRAPHS = (
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?c a <https://casebook.invalid/ontology#Case> } } "
    "LIMIT %d"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="a KB data directory")
    parser.add_argument("--graphs", type=int, nargs="+", default=[1, 5, 30])
    args = parser.parse_args()
    store = ox.Store.read_only(str(args.kb / "store" / current_version(args.kb)))
    for n in args.graphs:
        graphs = [str(r["g"].value) for r in store.query(CASE_GRAPHS % n)]  # type: ignore[union-attr]
        started = time.perf_counter()
        keys = touched_keys(store, graphs, [])
        total = time.perf_counter() - started
        print(f"\n{n} document graph(s) with cases: keys found in {total:.2f} s")
        for rule in load_rules():
            wanted = sorted(keys.get(rule.name, ()))
            if not wanted:
                continue
            names = " ".join(f"?{v}" for v, _ in rule.keys)
            values = f"VALUES ({names}) {{ " + " ".join(f"({' '.join(k)})" for k in wanted) + " }"
            started = time.perf_counter()
            source = bound_source(store, rule, values)
            triples = construct(ox.Store(), rule, rule.query.replace("#KEYS", values), source)
            took = time.perf_counter() - started
            total += took
            how = "scratch store of its scope" if rule.scope_query else "whole store"
            print(
                f"  {rule.name:<20} {len(wanted):>5} keys {triples:>6} triples {took:6.2f} s ({how})"
            )
        started = time.perf_counter()  # a delta rule: the graphs' part, before and after
        parts = [document_rows(store, graphs) for _ in ("before", "after")]
        for name, rows in parts[0].items():
            current = sum(len(list(store.quads_for_pattern(r, None, None, DERIVED))) for r in rows)
            took = time.perf_counter() - started
            total += took
            print(f"  {name:<20} {len(rows):>5} rows {current:>6} triples {took:6.2f} s (delta)")
        print(f"  all rules, with the keys: {total:.2f} s")


if __name__ == "__main__":
    main()
