"""Every named question's latency on an existing KB: warm (in this process, store open) and
cold (``kb ask --data-dir``, a process per question; with ``--store URL`` also through a running
``kb serve`` of that KB), e.g. on the KB ``bulk_scale.py --keep`` leaves.

    .venv/bin/python benchmarks/questions_kb.py --kb DIR [--runs 3] [--store URL]

Warm: ``graph_questions.py``'s workload and timing (each question with its defaults, paged ones
again with every page, the parameterised ones again with a median-frequency value; first run,
then the median of ``--runs`` more). Cold: wall time of ``kb ask NAME --data-dir DIR --format
json`` for each question with its defaults, ``--runs`` times (page cache warm) after one run
that writes the sources' bytecode, as an installed package has it. Figures only, nothing
asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from graph_questions import time_oxigraph, workload  # noqa: E402

from kb.questions import load_questions  # noqa: E402
from kb.store import current_version  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="a KB data directory")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", help="also through this running server (kb serve's URL)")
    args = parser.parse_args()
    version = current_version(args.kb)
    if version is None:
        raise SystemExit(f"{args.kb}: no store")
    store = ox.Store.read_only(str(version))
    print(f"{args.kb}: {len(store):,} quads")
    print(f"{'question':<28} {'parameters':<44} {'first ms':>8} {'warm ms':>8} {'rows':>6}")
    for (name, label), (first, warm, rows, _) in time_oxigraph(
        store, workload(store), args.runs
    ).items():
        print(f"{name:<28} {label[:44]:<44} {first * 1e3:>8.0f} {warm * 1e3:>8.0f} {rows:>6}")
    del store
    where = [("--data-dir", str(args.kb))] + ([("--store", args.store)] if args.store else [])
    # as an installed package runs: its sources compiled once (this environment may set
    # PYTHONDONTWRITEBYTECODE, which compiles them again in every process: ~60 ms)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="casebook-pyc-")
    for option, value in where:
        print(f"\n{'question':<28} {'kb ask ' + option + ' wall ms (each run)':<40}")
        for name in load_questions():
            times = []
            for run in range(args.runs + 1):  # the first writes the bytecode: not counted
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "kb.cli", "ask", name, option, value, "--format", "json"],
                    check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=env,
                )  # fmt: skip
                if run:
                    times.append(time.perf_counter() - started)
            shown = ", ".join(f"{t * 1e3:.0f}" for t in times)
            print(f"{name:<28} {shown:<40} median {statistics.median(times) * 1e3:.0f}")


if __name__ == "__main__":
    main()
