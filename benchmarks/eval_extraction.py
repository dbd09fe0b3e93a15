"""Extraction quality: precision and recall per type, (a) on the shared seed against its gold file
(data/gold/seed_000.json), (b) on SYNTHETIC abstracts against the truth they were built from.

    .venv/bin/python benchmarks/eval_extraction.py [--seed PATH] [--n 500] [--rng 0] [--limit 40]

Prints figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ingest.nlp.eval.report import format_report
from ingest.nlp.eval.seed import evaluate_seed
from ingest.nlp.eval.synthetic import evaluate_generated

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_6a94112d330c933e.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=SEED, help="the shared seed file")
    parser.add_argument("--n", type=int, default=500, help="synthetic abstracts")
    parser.add_argument("--rng", type=int, default=0, help="seed of the synthetic generator")
    parser.add_argument("--limit", type=int, default=40, help="misses/spurious lines to show")
    args = parser.parse_args()

    print("(a) the shared seed against data/gold/seed_000.json\n")
    print(format_report(evaluate_seed(args.seed), limit=args.limit))

    print(f"\n\n(b) SYNTHETIC: {args.n} generated abstracts (generator seed {args.rng})\n")
    started = time.perf_counter()
    report = evaluate_generated(args.n, args.rng)
    elapsed = time.perf_counter() - started
    print(format_report(report, limit=args.limit))
    print(
        f"\n(generation + extraction + scoring: {elapsed:.1f} s, {args.n / elapsed:.0f} abstracts/s)"
    )


if __name__ == "__main__":
    main()
