"""Derived tables after a one-record change: deriving everything vs only the touched rows.

    .venv/bin/python benchmarks/derive_incremental.py [--n 2000]

Every record is SYNTHETIC (``publish_scale.synthetic_build``: PubMed-shaped, PMIDs 98000000+,
extracted by the product). The KB is published as ``kb build`` does; then, on a writable copy of
its store version, (a) every derivation rule is run again (what a refresh did before) and (b) one
record's graph loses one ``cb:ledTo`` link and gains a retraction flag, and only the touched rows
are made again (``kb.derived.refresh``, as ``update_store`` does).
Both give the same derived graph (checked here, and in tests/kb/test_derived_incremental.py).
Target (issue 18): <= 1 s for a one-record change. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from publish_scale import subset, synthetic_build  # noqa: E402

from kb import iris  # noqa: E402
from kb.derived.apply import DERIVED, derive_all  # noqa: E402
from kb.derived.refresh import refresh  # noqa: E402
from kb.publish import publish  # noqa: E402
from kb.store import current_version  # noqa: E402


def timed(run):
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def changed_record(s: ox.Store, pmid: str) -> tuple[str, bytes]:
    """One record's graph with its first ledTo link dropped and its article flagged retracted."""
    graph = str(iris.graph(f"pmid:{pmid}"))
    lines = [
        f"{q} .\n".encode() for q in s.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    ]
    link = next((line for line in lines if b"#ledTo>" in line), None)
    kept = [line for line in lines if line is not link]
    flag = f'<{iris.pmid_article(pmid)}> <{iris.CB}sourceStatus> "retracted" <{graph}> .\n'
    return graph, b"".join(kept) + flag.encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="SYNTHETIC records")
    args = parser.parse_args()
    build = subset(synthetic_build(args.n), args.n)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "kb"
        quads, wall, _ = timed(lambda: publish(build, data))
        print(f"{args.n:,} SYNTHETIC records, {quads:,} quads: published in {wall:.0f} s")
        version = current_version(data)
        assert version is not None
        for label in ("whole", "touched"):
            shutil.copytree(version, Path(tmp) / label)
        whole, touched = ox.Store(str(Path(tmp) / "whole")), ox.Store(str(Path(tmp) / "touched"))
        pmid = build.records[len(build.records) // 2].pmid
        graph, data_bytes = changed_record(whole, pmid)
        whole.remove_graph(ox.NamedNode(graph))
        whole.load(data_bytes, ox.RdfFormat.N_QUADS)
        _, all_wall, all_cpu = timed(lambda: derive_all(whole))

        _, inc_wall, inc_cpu = timed(lambda: refresh(touched, {graph: data_bytes}, [graph], []))
        same = set(whole.quads_for_pattern(None, None, None, DERIVED)) == set(
            touched.quads_for_pattern(None, None, None, DERIVED)
        )
        print(f"derive everything:       {all_wall:6.2f} s wall, {all_cpu:6.2f} s CPU")
        print(f"derive the touched rows: {inc_wall:6.2f} s wall, {inc_cpu:6.2f} s CPU "
              f"(target <= 1 s); same derived graph: {same}")  # fmt: skip


if __name__ == "__main__":
    main()
