"""Render time of each page of the explorer (app.py), through streamlit's AppTest: the first
render (cold caches: every query runs) and a re-render (cached per store version), on the
SYNTHETIC demo KB (built with ``kb demo`` into a temporary directory unless ``--demo DIR`` is
given) and, with ``--kb DIR``, on a large KB (e.g. the one ``benchmarks/graph_questions.py
--save DIR`` writes; the app needs its store only).

    .venv/bin/python benchmarks/app_pages.py [--demo DIR] [--kb DIR]

Each KB runs in a fresh process (the caches are per process). The explorer's modules are
imported first and timed apart (a server pays that once, before its first page). The background
warm-up is off, so the first render shows what a page costs on its own; the pages run in the
listed order in one process, so a page's first render reuses what earlier pages cached (the
way one visitor's session goes: the second condition finds every case's pairs cached).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINKED_QUERY = (  # bounded, as a shared link would be: a COUNT(*) of every quad of the
    # 13-million-quad KB runs past the console's 10 s limit
    "PREFIX cb: <https://casebook.invalid/ontology#> "
    "SELECT ?case WHERE { ?case a cb:Case } LIMIT 20"
)
PAGES = [
    ("overview", {}),
    ("questions", {}),
    ("questions + a row's evidence", {"page": "questions", "row": "0"}),
    (
        "question treatment_outcomes, row 3",
        {"page": "questions", "q": "treatment_outcomes", "row": "3"},
    ),
    ("question concept_evidence, page 2", {"page": "questions", "q": "concept_evidence", "p": "2"}),
    ("articles", {}),
    ("articles: search 'calcinosis'", {"page": "articles", "search": "calcinosis"}),
    ("articles: hostile search", {"page": "articles", "search": '"} ; DROP ALL ; {"'}),
    ("articles: page 40", {"page": "articles", "p": "40"}),
    ("article (the seed)", {"page": "article", "id": "SEED"}),
    ("article (reference 6)", {"page": "article", "id": "pmid:99000007"}),
    ("concepts", {}),
    ("concept (calcinosis cutis)", {"page": "concept", "id": "calcinosis_cutis"}),
    ("case", {"page": "case", "id": "SEED/1"}),
    ("synthesis", {}),
    ("synthesis: condition by label", {"page": "synthesis", "condition": "calcinosis cutis"}),
    ("synthesis: a second condition", {"page": "synthesis", "condition": "soft_tissue_infection"}),
    ("citations", {}),
    ("graph", {}),
    ("graph: depth 2, 50 nodes", {"page": "graph", "depth": "2", "max": "50"}),
    ("sparql", {}),
    (
        "sparql: a linked query (?q=)",
        {"page": "sparql", "q": LINKED_QUERY},
    ),
    ("downloads", {}),
]


def measure(kb: Path) -> list[tuple[str, float, float]]:
    """(page, first render, cached re-render) in seconds, in this process."""
    from streamlit.testing.v1 import AppTest

    from kb.read.base import KB
    from kb.read.overview import seed_articles

    os.environ["KB_DATA_DIR"] = str(kb)
    os.environ["CASEBOOK_WARM_UP"] = "0"
    seeds = seed_articles(KB(kb))
    seed = seeds[0][0] if seeds else "seed:none"
    start = time.perf_counter()  # what a server process pays once, before its first page
    import explorer.main  # noqa: F401

    for page in sorted((ROOT / "explorer" / "pages").glob("[a-z]*.py")):
        importlib.import_module(f"explorer.pages.{page.stem}")
    out = [("app start (imports, once)", time.perf_counter() - start, 0.0)]
    for name, params in PAGES:
        times = []
        for _ in range(2):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
            for key, value in (params or {"page": name}).items():
                at.query_params[key] = value.replace("SEED", seed)
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
            problems = [e.value for e in at.exception]
            if problems:
                print(f"  {name}: {problems[0][:200]}", file=sys.stderr)
        out.append((name, times[0], times[1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, help="a demo KB data directory (default: build one)")
    parser.add_argument("--kb", type=Path, help="a large KB data directory")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        demo = args.demo
        if demo is None:
            demo = Path(tmp) / "demo"
            subprocess.run([sys.executable, "-m", "kb.cli", "-q", "demo", "--data-dir", str(demo)],
                           check=True, cwd=tmp, stdout=subprocess.DEVNULL)  # fmt: skip
        for label, kb in (("SYNTHETIC demo KB", demo), ("large KB", args.kb)):
            if kb is None:
                continue
            cmd = [sys.executable, __file__, "--child", str(kb)]
            answer = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
            print(f"\n{label}: {kb}")
            print(f"  {'page':<34} {'first':>9} {'cached':>9}")
            for name, first, cached in json.loads(answer.stdout.strip().splitlines()[-1]):
                print(f"  {name:<34} {first * 1000:>7.0f}ms {cached * 1000:>7.0f}ms")


if __name__ == "__main__":
    main()
