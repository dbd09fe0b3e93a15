"""Named questions on a large SYNTHETIC knowledge graph: Oxigraph (the default store) vs rdflib's
in-memory store, with the same data (or a projection of it when rdflib would not fit).

The graph is the demo build's, as the real graph builder writes it, with each PubMed article's
document graphs (text + MeSH) copied under fresh PMIDs until the requested size is reached; the
vocabulary, ontology and seed graphs are kept once. Prints load time, peak memory and, per
question, the time on each store and their ratio.

    .venv/bin/python benchmarks/graph_questions.py [--articles 14000] [--rdflib-share 0.1]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import resource
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from kb.cli import main as kb_main
from kb.datadir import Build
from kb.publish import canonical_nquads
from kb.questions import load_questions
from kb.store import bind, run_query

_GRAPH = re.compile(r"<https://casebook\.invalid/id/graph/pmid%3A(\d+)(?:%23mesh)?> \.$")
_IDS = re.compile(r"(/(?:finding|evidence|relation)/)([^>/]+)")


def synthetic_nquads(build: Build, articles: int) -> tuple[list[str], list[str]]:
    """(shared lines, per-article lines): the demo's graph grown to ``articles`` PubMed articles."""
    lines = canonical_nquads(build).decode().splitlines()
    per_pmid: dict[str, list[str]] = {}
    shared: list[str] = []
    for line in lines:
        match = _GRAPH.search(line)
        (per_pmid.setdefault(match.group(1), []) if match else shared).append(line)
    templates = sorted(per_pmid.items())
    grown: list[str] = []
    for i in range(articles):
        pmid, body = templates[i % len(templates)]
        new = str(90_000_000 + i)
        for line in body:
            line = re.sub(rf"pmid/{pmid}(?=[/>])", f"pmid/{new}", line)  # article and its parts
            line = line.replace(f"%3A{pmid}", f"%3A{new}")
            line = line.replace(f'"{pmid}"', f'"{new}"')
            grown.append(_IDS.sub(rf"\g<1>\g<2>-{i}", line))
    return shared, grown


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_questions(run, cap: float | None = None) -> dict[str, float | None]:
    """Seconds per question; with ``cap``, each runs in a forked child killed after ``cap``
    seconds (rdflib cannot cancel a query) and a question over the cap gives None."""
    out: dict[str, float | None] = {}
    for name, question in load_questions().items():
        sparql = bind(question.sparql, question.bindings({}))
        out[name] = _timed(run, sparql) if cap is None else _capped(run, sparql, cap)
    return out


def _timed(run, sparql: str) -> float:
    start = time.perf_counter()
    run(sparql)
    return time.perf_counter() - start


def _capped(run, sparql: str, cap: float) -> float | None:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=lambda: queue.put(_timed(run, sparql)), daemon=True)
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return queue.get(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=14_000, help="PubMed articles (~10M quads)")
    parser.add_argument("--rdflib-share", type=float, default=0.1,
                        help="share of the articles loaded into rdflib (1.0 = all)")  # fmt: skip
    parser.add_argument("--cap", type=float, default=60.0,
                        help="seconds before an rdflib question is given up")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kb_main(["-q", "demo", "--data-dir", f"{tmp}/demo"])
        shared, grown = synthetic_nquads(Build.load(Path(f"{tmp}/demo")), args.articles)
        data = ("\n".join(shared + grown) + "\n").encode()
        quads = len(shared) + len(grown)
        print(
            f"synthetic graph: {args.articles:,} articles, {quads:,} quads, {len(data) / 1e6:.0f} MB"
        )

        start = time.perf_counter()
        store = ox.Store(f"{tmp}/oxigraph")
        store.bulk_load(data, ox.RdfFormat.N_QUADS)
        store.flush()
        print(
            f"Oxigraph bulk load: {time.perf_counter() - start:.1f} s; peak RSS {peak_mb():,.0f} MB"
        )
        ox_times = time_questions(lambda q, s=store: run_query(s, q))
        for name, t in ox_times.items():
            print(f"  oxigraph {name:<28} {t * 1000:>8.0f} ms")
        del store, data

        share = max(1, int(len(grown) * args.rdflib_share))
        rd_data = "\n".join(shared + grown[:share]) + "\n"
        start = time.perf_counter()
        dataset = Dataset(default_union=True)
        dataset.parse(data=rd_data, format="nquads")
        rd_quads = len(shared) + share
        print(f"rdflib Memory load of {rd_quads:,} quads ({args.rdflib_share:.0%} of the articles): "
              f"{time.perf_counter() - start:.1f} s; peak RSS {peak_mb():,.0f} MB")  # fmt: skip
        rd_times = time_questions(lambda q: list(dataset.query(q)), cap=args.cap)

    scale = quads / rd_quads
    print(
        f"\n{'question':<28} {'oxigraph':>10} {'rdflib':>10} {'rdflib×' + f'{scale:.0f}':>12} {'ratio':>8}"
    )
    for name, t in ox_times.items():
        rd = rd_times[name]
        if rd is None:
            print(
                f"{name:<28} {t * 1000:>8.0f}ms {'>' + f'{args.cap:.0f}s':>10} {'—':>12} {'—':>8}"
            )
            continue
        projected = rd * scale
        print(f"{name:<28} {t * 1000:>8.0f}ms {rd * 1000:>8.0f}ms "
              f"{projected * 1000:>10.0f}ms {projected / max(t, 1e-6):>7.0f}x")  # fmt: skip
    print(
        "rdflib×N: rdflib's time on its share, scaled linearly to the full graph (a projection;"
        " queries with joins grow faster than linearly, so it flatters rdflib)."
    )


if __name__ == "__main__":
    main()
