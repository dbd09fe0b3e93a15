"""Peak memory and CPU of the publish step (a build's graph → the store) as the KB grows.

    .venv/bin/python benchmarks/publish_scale.py [--sizes 1000 5000 10000] [--keep DIR]

Every record is SYNTHETIC: a PubMed-DTD-shaped article (PMIDs 98000000+, titles say
"SYNTHETIC") with authors, a structured abstract from ``ingest.nlp.synthetic`` and MeSH
headings (``ingest.bulk.synthetic_baseline.article_xml``) whose descriptor and qualifier UI/name pairs are taken from the project's own
vocabulary and demo corpus (never made up). The records go through the product's parser
(``parse_pubmed_xml``) and extractor (``extract_articles``), once, for the largest size; each
size is then saved as a data directory (``Build.save``) and published by a fresh process that
does what ``kb build`` does after extraction (``Build.load`` + ``kb.publish.publish``): its
peak RSS and CPU seconds (user + system) are what is printed. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.bulk.synthetic_baseline import article_xml, mesh_pool  # noqa: E402
from ingest.demo import demo_seed  # noqa: E402
from ingest.entrez.pubmed_xml import parse_pubmed_xml  # noqa: E402
from ingest.nlp.run import extract_articles  # noqa: E402
from ingest.nlp.synthetic import generate  # noqa: E402
from kb.datadir import Build, BuildInfo  # noqa: E402
from kb.records import BuildReport  # noqa: E402

FIRST_PMID = 98_000_000
CHILD = """
import sys, time
from pathlib import Path
from kb.datadir import Build
from kb.publish import publish
data = Path(sys.argv[1])
started = time.perf_counter()
quads = publish(Build.load(data), data)
print(quads, round(time.perf_counter() - started, 1))
"""


def synthetic_build(n: int) -> Build:
    rng = random.Random(18)
    mesh = mesh_pool()
    texts = [text for text, _ in generate(n, seed=18)]
    xml = "".join(article_xml(FIRST_PMID + i, t, rng, mesh) for i, t in enumerate(texts))
    records = parse_pubmed_xml(f"<PubmedArticleSet>{xml}</PubmedArticleSet>".encode())
    started = time.perf_counter()
    extractions = extract_articles(records, [])
    print(f"extracted {n:,} SYNTHETIC records in {time.perf_counter() - started:.0f} s")
    info = BuildInfo(BuildReport(), "2026-12-02T00:00:00Z", seed="SYNTHETIC benchmark")
    return Build(demo_seed(), [], records, [], [], info, extractions)


def subset(build: Build, n: int) -> Build:
    records = build.records[:n]
    keep = {f"pmid:{r.pmid}" for r in records}
    extractions = [e for e in build.extractions if e.document.split("#")[0] in keep]
    info = dataclasses.replace(build.info, store_version="")
    return dataclasses.replace(build, records=records, extractions=extractions, info=info)


def publish_in_child(data: Path) -> tuple[int, float, float, float]:
    """(quads, wall s of publish, peak RSS MB, CPU s) of a fresh process publishing ``data``."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(data)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"publish of {data} failed (exit {proc.returncode})")
    quads, wall = out.split()
    return int(quads), float(wall), usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--keep", type=Path, help="leave the data directories here")
    args = parser.parse_args()
    print("SYNTHETIC records only (fictional PMIDs 98000000+).")
    whole = synthetic_build(max(args.sizes))
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        print(f"{'records':>8} {'quads':>10} {'quads/rec':>9} {'publish s':>9} "
              f"{'peak RSS MB':>11} {'CPU s':>7} {'CPU s/1k':>8} {'MB/1k':>6}")  # fmt: skip
        for n in sorted(args.sizes):
            data = root / f"kb-{n}"
            subset(whole, n).save(data)
            quads, wall, rss, cpu = publish_in_child(data)
            print(f"{n:>8,} {quads:>10,} {quads / n:>9.0f} {wall:>9.1f} {rss:>11,.0f} "
                  f"{cpu:>7.1f} {cpu * 1000 / n:>8.1f} {rss * 1000 / n:>6.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
