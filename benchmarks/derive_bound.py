"""The derivation of a refresh that revises N records, on a large existing KB (e.g. the
100,000-article SYNTHETIC one ``graph_questions.py --save DIR`` writes): what ``update_store``
runs between copying the version and sealing it (``kb.derived.refresh.refresh``), on a
checkpoint of the current version made beside it (hard links: the KB is not changed) and
removed after.

    .venv/bin/python benchmarks/derive_bound.py --kb DIR [--graphs 1 5 30] [--each 10] [--log]

Each revision is the record graph of an article with cases, less its first cause link
(``cb:causedBy``) and its first treatment-to-outcome link (``cb:ledTo``), so the etiology,
resolution and treatment-outcome rows it feeds change; ``--each K`` also revises each of K
records alone, one refresh each, for the spread. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.derived.refresh import refresh  # noqa: E402
from kb.store import current_version  # noqa: E402

CB = "https://casebook.invalid/ontology#"
CASE_GRAPHS = (
    f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?c a <{CB}Case> . ?f <{CB}causedBy> ?e }} }} LIMIT %d"
)


def revised(store: ox.Store, graph: str) -> bytes:
    """The graph's N-Quads less its first cause link and its first treatment-outcome link."""
    kept, dropped = [], set()
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        link = quad.predicate.value.rpartition("#")[2]
        if link in ("causedBy", "ledTo") and link not in dropped:
            dropped.add(link)
            continue
        kept.append(f"{quad} .\n")
    return "".join(kept).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="a KB data directory")
    parser.add_argument("--graphs", type=int, nargs="+", default=[1, 5, 30])
    parser.add_argument("--each", type=int, default=0, help="K records revised one at a time")
    parser.add_argument("--log", action="store_true", help="log each step of the derivation")
    args = parser.parse_args()
    if args.log:
        logging.basicConfig(level=logging.INFO, format="  %(name)s: %(message)s")
    version = current_version(args.kb)
    if version is None:
        sys.exit(f"no store in {args.kb}")
    for n in args.graphs:
        took = timed_refresh(args.kb, version, n)
        print(f"{n} record graph(s) revised: the refresh's derivation took {took:.2f} s")
    if args.each:
        times = [timed_refresh(args.kb, version, 1, skip) for skip in range(args.each)]
        print(f"{args.each} records, each revised alone: {' '.join(f'{t:.2f}' for t in times)} s")


def timed_refresh(data_dir: Path, version: Path, n: int, offset: int = 0) -> float:
    """Seconds of ``refresh`` on a checkpoint of ``version``, revising n record graphs."""
    scratch = Path(tempfile.mkdtemp(dir=data_dir, prefix=".bench-"))
    try:
        ox.Store.read_only(str(version)).backup(str(scratch / "store"))
        store = ox.Store(str(scratch / "store"))
        query = CASE_GRAPHS % n + f" OFFSET {offset}"
        graphs = [str(r["g"].value) for r in store.query(query)]  # type: ignore[union-attr]
        changed = {g: revised(store, g) for g in graphs}
        started = time.perf_counter()
        refresh(store, changed, graphs, [])
        took = time.perf_counter() - started
        del store
        return took
    finally:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
