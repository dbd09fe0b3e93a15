"""``kb bulk`` throughput with 1 and 2 local Dask workers on SYNTHETIC baseline files.

    .venv/bin/python benchmarks/bulk_scale.py [--n 2000] [--files 4] [--workers 1 2] [--keep DIR]

The input is ``ingest.bulk.synthetic_baseline``'s (invented records, PMIDs 97000000+, real
DTD shape, real-sized abstracts). Each run is a fresh ``kb bulk`` process on a fresh data
directory; printed per run: wall seconds, CPU seconds (user + system of the command and every
worker process it started, from ``wait4``), records/s by wall and per CPU second, the peak
RSS summed over the process tree (sampled every 0.2 s with psutil, which Dask brings) and of
the command's own process (which merges the shards and loads the store), and the
seconds spent after extraction (reading the shards, merging, saving, loading the store), and
records per CPU second of the tasks on their workers (what a core extracts, spaCy's load in
each worker included). A second run on the same directory shows what a rerun costs. Figures
only, nothing asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.bulk.synthetic_baseline import write_baseline  # noqa: E402

KB = [sys.executable, "-m", "kb.cli"]


def tree_rss(pid: int, peak: list[int], done: threading.Event) -> None:
    """Keep ``peak[0]`` at the largest RSS sum of ``pid`` and its descendants seen so far,
    ``peak[1]`` at the largest of ``pid`` alone (the process that merges and loads the store)."""
    while not done.is_set():
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
            total = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):  # it ended meanwhile
                    rss = p.memory_info().rss
                    total += rss
                    if p.pid == pid:
                        peak[1] = max(peak[1], rss)
            peak[0] = max(peak[0], total)
        except psutil.Error:
            return
        time.sleep(0.2)


def run(args: list[str], log: Path | None = None) -> tuple[float, float, list[int], str]:
    """(wall s, CPU s, [peak tree RSS, peak RSS of the command alone] in bytes, stdout) of one
    ``kb`` command; with ``log``, run with -v and its log appended there."""
    started = time.perf_counter()
    args = ["-v", *args[1:]] if log and args[0] == "-q" else args
    with contextlib.ExitStack() as stack:
        err = stack.enter_context(log.open("a")) if log else subprocess.DEVNULL
        proc = subprocess.Popen([*KB, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                                text=True)  # fmt: skip
        return _measured(proc, started, args)


def _measured(
    proc: subprocess.Popen, started: float, args: list[str]
) -> tuple[float, float, list[int], str]:
    peak, done = [0, 0], threading.Event()
    sampler = threading.Thread(target=tree_rss, args=(proc.pid, peak, done), daemon=True)
    sampler.start()
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"kb {' '.join(args)} failed: {out}")
    return wall, usage.ru_utime + usage.ru_stime, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="SYNTHETIC baseline records")
    parser.add_argument("--files", type=int, default=4, help="baseline files they are spread over")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", type=Path, help="leave the input and the KBs here")
    parser.add_argument("--log", type=Path, help="run kb bulk with -v, its log appended here")
    args = parser.parse_args()
    print(f"SYNTHETIC baseline: {args.n:,} records in {args.files} files (+1 update file)")
    with contextlib.ExitStack() as stack:
        tmp = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        written = write_baseline(tmp / "in", records=args.n, files=args.files, updates=1)
        records = sum(len(f.pmids) for f in written)  # every record extracted (revisions too)
        print(f"{'workers':>7} {'wall s':>7} {'CPU s':>7} {'rec/s':>6} {'rec/CPU s':>9} "
              f"{'peak RSS MB':>11} {'main MB':>7} {'store s':>7} {'rerun s':>7} "
              f"{'rec/worker CPU s':>16}")  # fmt: skip
        for workers in args.workers:
            data = tmp / f"kb-{workers}"
            common = ["-q", "bulk", str(tmp / "in"), "--data-dir", str(data), "--no-progress"]
            wall, cpu, rss, out = run([*common, "--workers", str(workers)], args.log)
            found = re.search(r"\(([\d.]+) s writing the store; (\d+) records extracted in "
                              r"([\d.]+) worker CPU s\)", out)  # fmt: skip
            assert found, out
            store, per_core = float(found.group(1)), int(found.group(2)) / float(found.group(3))
            rerun, *_ = run([*common, "--workers", str(workers)])
            print(f"{workers:>7} {wall:>7.1f} {cpu:>7.1f} {records / wall:>6.1f} "
                  f"{records / cpu:>9.1f} {rss[0] / 2**20:>11,.0f} {rss[1] / 2**20:>7,.0f} "
                  f"{store:>7.1f} {rerun:>7.1f} {per_core:>16.1f}")  # fmt: skip
        print(f"({records:,} records extracted per run; {out.strip().splitlines()[0]})")


if __name__ == "__main__":
    main()
