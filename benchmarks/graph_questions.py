"""Named questions on a large SYNTHETIC knowledge graph: Oxigraph (the default store) vs rdflib's
in-memory store, with the same data (or a projection of it when rdflib would not fit).

The graph is the demo build's, exactly as the real graph builder writes it, plus ``--articles``
SYNTHETIC PubMed articles made from the demo's 11 article graphs under fresh PMIDs
(90000000 + i), in three tiers (the builder's own shapes, with parts left out):

- ``--full`` (default 5%): the whole record graph — metadata, MeSH headings and the extraction
  from the abstract (cases, findings, evidence, relations) — and the MeSH-findings graph;
- ``--mesh`` (default 20%): metadata, MeSH headings and the findings read from the MeSH
  indexing (``#mesh`` graph); the text extraction is stripped;
- the rest: metadata and MeSH headings only (citing articles known by their PubMed record).

Each non-full article cites 1–3 full ones (skewed: a few are cited by hundreds), 1% of them a
reference of the demo seed, written as the builder writes ELink cited-by links (in the cited
article's graph). Copies keep the demo's vocabulary concepts in ``--on-topic`` (10%) of them;
the others have their concepts rotated within each concept type, so findings spread over the
whole vocabulary as in a broad case-report KB (a copy of a calcinosis report otherwise makes
every article about calcinosis). With the defaults, ~100 quads per article.

Generation streams N-Quads to a file (memory-bounded); Oxigraph bulk-loads it into a store
version of a data directory laid out as ``kb.store.write_store`` makes one (``--save DIR`` keeps
it: ``kb ask --data-dir DIR``). Prints load time, peak memory and, per question, the time on
each store (median of ``--runs``) and their ratio; rdflib gets the demo plus a contiguous block
of ``--rdflib-share`` of the synthetic articles, and its time is scaled linearly to the full
quad count.

    .venv/bin/python benchmarks/graph_questions.py [--articles 100000] [--save DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox
from rdflib import Dataset

from ingest.nlp.vocab import load_vocabulary
from kb.cli import main as kb_main
from kb.datadir import Build
from kb.jsonl import atomic_write
from kb.publish import canonical_nquads
from kb.questions import load_questions
from kb.store import bind, open_store, run_query, store_root, version_name

ID = "https://casebook.invalid/id/"
RUNS_GRAPH = f"<{ID}graph/runs>"
CITO = "<http://purl.org/spar/cito/"
_PMID_GRAPH = re.compile(rf"<{re.escape(ID)}graph/pmid%3A(\d+)(%23mesh)?> \.$")
_EXTRACTION = re.compile(rf"^<{re.escape(ID)}(?:finding|evidence|relation|case)/")
_IDS = re.compile(r"(/(?:finding|evidence|relation)/)([^>/]+)")
_CONCEPT = re.compile(rf"<{re.escape(ID)}concept/([^>/]+)>")
_MARKED = re.compile("\x02([^\x03]+)\x03")
PMID, SUFFIX = "\x00", "\x01"  # placeholders in a template: the article's PMID, the copy number


@dataclass
class Template:
    """One demo article's graphs as text with placeholders (a line per quad)."""

    pmid: str
    record: str  # the record graph without its cited-by links
    stripped: str  # the record graph without its text extraction: metadata and MeSH headings
    mesh: str  # the MeSH-findings graph ("" when the record has no MeSH indexing)
    runs_record: str  # the run graph's lines about the record graph
    runs_mesh: str


@dataclass
class Mix:
    full: float = 0.05
    mesh: float = 0.20
    on_topic: float = 0.10


@dataclass
class Article:
    pmid: str
    tier: str  # "full", "mesh" or "meta"
    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI → its lines
    runs: str = ""


class SyntheticKB:
    """The demo's graph grown by ``articles`` SYNTHETIC articles; article ``i`` is a pure
    function of ``i`` (and the plan of who cites whom), so any block can be made again."""

    def __init__(self, demo: list[str], articles: int, mix: Mix, seed: int = 20261125) -> None:
        self.articles, self.mix, self.seed = articles, mix, seed
        vocab = load_vocabulary()
        by_type: dict[str, list[str]] = {}
        for concept in vocab.concepts.values():
            by_type.setdefault(concept.type, []).append(concept.id)
        self.types = {cid: (t, ids.index(cid)) for t, ids in by_type.items() for cid in ids}
        self.by_type = by_type
        self.demo, self.templates = self._split(demo)
        self.cited_by = self._plan_citations()

    # -- templates ---------------------------------------------------------------------------

    def _split(self, demo: list[str]) -> tuple[list[str], list[Template]]:
        per_pmid: dict[str, dict[str, list[str]]] = {}
        for line in demo:
            match = _PMID_GRAPH.search(line)
            if match:
                part = "mesh" if match.group(2) else "record"
                per_pmid.setdefault(match.group(1), {}).setdefault(part, []).append(line)
            elif line.endswith(f"{RUNS_GRAPH} ."):
                found = re.match(rf"<{re.escape(ID)}graph/pmid%3A(\d+)(%23mesh)?> ", line)
                if found:
                    part = "runs_mesh" if found.group(2) else "runs_record"
                    per_pmid.setdefault(found.group(1), {}).setdefault(part, []).append(line)
        templates = []
        for pmid, parts in sorted(per_pmid.items()):
            record = [x for x in parts.get("record", []) if CITO not in x.split(" ", 2)[1]]
            stripped = [x for x in record if not _EXTRACTION.match(x)]
            templates.append(Template(
                pmid,
                self._mark(record, pmid),
                self._mark(stripped, pmid),
                self._mark(parts.get("mesh", []), pmid),
                self._mark(parts.get("runs_record", []), pmid),
                self._mark(parts.get("runs_mesh", []), pmid),
            ))  # fmt: skip
        return demo, templates

    def _mark(self, lines: list[str], pmid: str) -> str:
        text = "".join(line + "\n" for line in lines)
        text = re.sub(rf"(?<!\d){pmid}(?!\d)", PMID, text)
        text = _IDS.sub(rf"\g<1>\g<2>-{SUFFIX}", text)
        return _CONCEPT.sub(
            lambda m: f"<{ID}concept/\x02{m[1]}\x03>" if m[1] in self.types else m[0], text
        )

    # -- the plan ----------------------------------------------------------------------------

    def tier(self, i: int) -> str:
        r = random.Random(self.seed * 1_000_003 + i).random()
        return "full" if r < self.mix.full else "mesh" if r < self.mix.full + self.mix.mesh else "meta"

    def _plan_citations(self) -> dict[str, list[str]]:
        """Cited PMID → its citing PMIDs: each non-full article cites 1–3 full ones, skewed
        towards a few (index ∝ u^1.5), or (1%) a reference of the seed."""
        full = [self.pmid(i) for i in range(self.articles) if self.tier(i) == "full"]
        seed_refs = sorted({m[1] for line in self.demo
                            if (m := re.search(r"cito/cites> <[^>]*/pmid/(\d+)>", line))
                            and "/article/seed/" in line})  # fmt: skip
        cited_by: dict[str, list[str]] = {}
        rng = random.Random(self.seed)
        for i in range(self.articles):
            if self.tier(i) == "full" or not full:
                continue
            citer = self.pmid(i)
            count = 1 + (rng.random() < 0.5) + (rng.random() < 0.15)
            targets = {
                rng.choice(seed_refs)
                if seed_refs and rng.random() < 0.01
                else full[int(len(full) * rng.random() ** 1.5)]
                for _ in range(count)
            }
            for cited in targets:
                cited_by.setdefault(cited, []).append(citer)
        return cited_by

    @staticmethod
    def pmid(i: int) -> str:
        return str(90_000_000 + i)

    # -- the graphs --------------------------------------------------------------------------

    def article(self, i: int) -> Article:
        rng = random.Random(self.seed * 7 + i)
        template = self.templates[rng.randrange(len(self.templates))]
        pmid, tier = self.pmid(i), self.tier(i)
        on_topic = rng.random() < self.mix.on_topic
        offsets = {t: rng.randrange(len(ids)) for t, ids in self.by_type.items()}

        def fill(text: str) -> str:
            text = text.replace(PMID, pmid).replace(SUFFIX, str(i))
            if on_topic:
                return text.replace("\x02", "").replace("\x03", "")
            return _MARKED.sub(lambda m: self._rotate(m[1], offsets), text)

        out = Article(pmid, tier)
        record = template.record if tier == "full" else template.stripped
        record_graph = f"<{ID}graph/pmid%3A{pmid}>"
        out.graphs[record_graph] = fill(record) + "".join(
            self._citation(cited, citer, record_graph) for cited, citer in self._citers(pmid)
        )
        out.runs = fill(template.runs_record)
        if tier != "meta" and template.mesh:
            out.graphs[f"<{ID}graph/pmid%3A{pmid}%23mesh>"] = fill(template.mesh)
            out.runs += fill(template.runs_mesh)
        return out

    def _rotate(self, concept: str, offsets: dict[str, int]) -> str:
        kind, index = self.types[concept]
        ids = self.by_type[kind]
        return ids[(index + offsets[kind]) % len(ids)]

    def _citers(self, pmid: str) -> Iterator[tuple[str, str]]:
        for citer in self.cited_by.get(pmid, []):
            yield pmid, citer

    @staticmethod
    def _citation(cited: str, citer: str, graph: str) -> str:
        a, b = f"<{ID}article/pmid/{cited}>", f"<{ID}article/pmid/{citer}>"
        return f"{a} {CITO}isCitedBy> {b} {graph} .\n{b} {CITO}cites> {a} {graph} .\n"

    def demo_graphs(self) -> dict[str, str]:
        """The demo's graphs (all but the run graph), with the synthetic citers of the seed's
        references added to the cited articles' graphs."""
        graphs: dict[str, list[str]] = {}
        for line in self.demo:
            graph = line[: -len(" .")].rsplit(" ", 1)[1]
            graphs.setdefault(graph, []).append(line + "\n")
        for graph, lines in graphs.items():
            match = _PMID_GRAPH.search(f"{graph} .")
            if match and not match.group(2):
                lines.extend(self._citation(a, b, graph) for a, b in self._citers(match.group(1)))
        return {g: "".join(lines) for g, lines in graphs.items()}

    def write(self, out: TextIO, indices: Iterable[int], digests: dict[str, str] | None) -> int:
        """Write the demo and the articles ``indices`` as N-Quads; returns the quads written.
        With ``digests``, fill it as ``kb.store.graph_digests`` would (graph → SHA-256 of its
        sorted lines)."""
        quads = 0
        runs: list[str] = []

        def emit(graph: str, text: str) -> None:
            nonlocal quads
            if graph == RUNS_GRAPH:
                if digests is not None:
                    runs.extend(text.splitlines())
            elif digests is not None:
                digests[graph.strip("<>")] = _digest(text.splitlines())
            out.write(text)
            quads += text.count("\n")

        for graph, text in self.demo_graphs().items():
            emit(graph, text)
        for i in indices:
            article = self.article(i)
            for graph, text in article.graphs.items():
                emit(graph, text)
            emit(RUNS_GRAPH, article.runs)
        if digests is not None:
            digests[RUNS_GRAPH.strip("<>")] = _digest(runs)
        return quads


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("".join(x + "\n" for x in sorted(lines)).encode()).hexdigest()


# -- the store ---------------------------------------------------------------------------------


def save_store(data_dir: Path, nquads: Path, digests: dict[str, str]) -> tuple[Path, float, float]:
    """``kb.store.write_store`` from a file: bulk-load into a scratch version directory, rename
    it to its content name beside its manifest, repoint ``CURRENT``. The load runs in a child
    process so its peak memory is its own. Returns (version, seconds, peak RSS in MB)."""
    root = store_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    name = version_name(digests)
    building = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_bulk_load, args=(str(building), str(nquads), queue))
    proc.start()
    seconds, peak = queue.get()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"bulk load failed (exit code {proc.exitcode})")
    target = root / name
    if target.exists():
        shutil.rmtree(target)
    atomic_write(target.with_suffix(".json"), json.dumps(digests, indent=0).encode())
    os.replace(building, target)
    atomic_write(root / "CURRENT", (name + "\n").encode())
    for old in root.glob("v-*"):
        if old.is_dir() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
            old.with_suffix(".json").unlink(missing_ok=True)
    return target, seconds, peak


def _bulk_load(path: str, nquads: str, queue) -> None:
    start = time.perf_counter()
    store = ox.Store(path)
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    queue.put((time.perf_counter() - start, peak_mb()))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- timing ------------------------------------------------------------------------------------


def time_oxigraph(store: ox.Store, runs: int) -> dict[str, tuple[float, float, int]]:
    """Per question: (first run, median of ``runs`` more, rows), each through ``run_query``
    as ``kb ask`` runs it (default parameters, 10,000-row cap)."""
    out = {}
    for name, question in load_questions().items():
        bindings = question.bindings({})
        times = []
        for _ in range(runs + 1):
            start = time.perf_counter()
            result = run_query(store, question.sparql, bindings)
            times.append(time.perf_counter() - start)
        out[name] = (times[0], statistics.median(times[1:]), len(result.rows))
    return out


def time_rdflib(dataset: Dataset, cap: float) -> dict[str, float | None]:
    """Seconds per question, each in a forked child killed after ``cap`` seconds (rdflib cannot
    cancel a query); over the cap gives None."""
    out: dict[str, float | None] = {}
    for name, question in load_questions().items():
        sparql = bind(question.sparql, question.bindings({}))
        out[name] = _capped(lambda q=sparql: len(list(dataset.query(q))), cap)
    return out


def _capped(run, cap: float) -> float | None:
    ctx = mp.get_context("fork")
    queue = ctx.Queue()

    def child() -> None:
        start = time.perf_counter()
        run()
        queue.put(time.perf_counter() - start)

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return queue.get(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="SYNTHETIC PubMed articles")
    parser.add_argument("--full", type=float, default=Mix.full, help="share with full extraction")
    parser.add_argument("--mesh", type=float, default=Mix.mesh,
                        help="share with metadata, MeSH and MeSH findings")  # fmt: skip
    parser.add_argument("--on-topic", type=float, default=Mix.on_topic,
                        help="share of copies keeping the demo's concepts")  # fmt: skip
    parser.add_argument("--runs", type=int, default=5, help="Oxigraph runs per question (median)")
    parser.add_argument("--rdflib-share", type=float, default=0.01,
                        help="share of the articles loaded into rdflib (0 skips rdflib)")  # fmt: skip
    parser.add_argument("--cap", type=float, default=120.0,
                        help="seconds before an rdflib question is given up")  # fmt: skip
    parser.add_argument("--save", type=Path, help="keep the KB data directory here")
    args = parser.parse_args()
    print("SYNTHETIC data: the demo's fictional articles, copied under fictional PMIDs.")
    with tempfile.TemporaryDirectory() as tmp:
        demo_dir = Path(tmp) / "demo"
        kb_main(["-q", "demo", "--data-dir", str(demo_dir)])
        demo_build = Build.load(demo_dir)
        demo = canonical_nquads(demo_build).decode().splitlines()
        kb = SyntheticKB(demo, args.articles, Mix(args.full, args.mesh, args.on_topic))

        start = time.perf_counter()
        nquads = Path(tmp) / "synthetic.nq"
        digests: dict[str, str] = {}
        with nquads.open("w", encoding="utf-8", buffering=1 << 20) as out:
            quads = kb.write(out, range(args.articles), digests)
        tiers = [kb.tier(i) for i in range(args.articles)]
        counts = {t: tiers.count(t) for t in ("full", "mesh", "meta")}
        citations = sum(len(c) for c in kb.cited_by.values())
        print(f"SYNTHETIC graph: {args.articles:,} articles ({counts['full']:,} full extraction, "
              f"{counts['mesh']:,} metadata+MeSH+MeSH findings, {counts['meta']:,} metadata+MeSH)"
              f" + the demo's {len(demo):,} quads; {citations:,} citation links; "
              f"{quads:,} quads ({quads / max(args.articles, 1):.0f} per article), "
              f"{nquads.stat().st_size / 1e9:.2f} GB of N-Quads, made in "
              f"{time.perf_counter() - start:.0f} s; generator peak RSS {peak_mb():,.0f} MB")  # fmt: skip

        data_dir = args.save or Path(tmp) / "kb"
        version, load_s, load_peak = save_store(data_dir, nquads, digests)
        size = sum(f.stat().st_size for f in version.rglob("*") if f.is_file())
        print(f"Oxigraph bulk load (file → store version): {load_s:.1f} s "
              f"({quads / load_s:,.0f} quads/s); peak RSS of the loading process "
              f"{load_peak:,.0f} MB; store on disk {size / 1e9:.2f} GB")  # fmt: skip
        if args.save:
            demo_build.info.store_version = version.name
            demo_build.save(data_dir)  # the demo's files, naming this version: no rebuild
            print(f"saved: {data_dir} (store {version.name}; the demo build's files beside it)")

        start = time.perf_counter()
        store = open_store(data_dir)
        print(f"read-only open: {(time.perf_counter() - start) * 1000:.0f} ms")
        ox_times = time_oxigraph(store, args.runs)
        print(f"query process peak RSS {peak_mb():,.0f} MB")
        for name, (first, median, rows) in ox_times.items():
            print(f"  oxigraph {name:<26} first {first * 1000:>7.0f} ms, "
                  f"median {median * 1000:>7.1f} ms, {rows:>5} rows")  # fmt: skip
        del store

        rd_times: dict[str, float | None] = {}
        rd_quads = 0
        if args.rdflib_share > 0:
            share = max(1, int(args.articles * args.rdflib_share))
            part = Path(tmp) / "share.nq"
            with part.open("w", encoding="utf-8") as out:
                rd_quads = kb.write(out, range(share), None)
            nquads.unlink()
            start = time.perf_counter()
            dataset = Dataset(default_union=True)
            dataset.parse(str(part), format="nquads")
            print(f"rdflib Memory: the demo + articles 0–{share - 1:,} ({args.rdflib_share:.0%}), "
                  f"{rd_quads:,} quads, loaded in {time.perf_counter() - start:.1f} s; "
                  f"peak RSS {peak_mb():,.0f} MB")  # fmt: skip
            rd_times = time_rdflib(dataset, args.cap)

    report(ox_times, rd_times, quads, rd_quads, args.cap)


def report(ox_times, rd_times, quads: int, rd_quads: int, cap: float) -> None:
    scale = quads / rd_quads if rd_quads else 0
    print(f"\n{'question':<26} {'oxigraph':>10} {'rdflib':>10} {f'rdflib×{scale:.0f}':>12} "
          f"{'ratio':>8}")  # fmt: skip
    for name, (_, t, _) in ox_times.items():
        rd = rd_times.get(name)
        if rd is None:
            over = f">{cap:.0f}s" if name in rd_times else "—"
            print(f"{name:<26} {t * 1000:>8.1f}ms {over:>10} {'—':>12} {'—':>8}")
            continue
        projected = rd * scale
        print(f"{name:<26} {t * 1000:>8.1f}ms {rd * 1000:>8.0f}ms "
              f"{projected:>11.1f}s {projected / max(t, 1e-6):>7.0f}x")  # fmt: skip
    if rd_quads:
        print(f"rdflib×{scale:.0f}: rdflib's time on its share ({rd_quads:,} quads) scaled "
              f"linearly to the full {quads:,} (a projection; joins and sorts grow faster "
              f"than linearly, so it flatters rdflib).")  # fmt: skip


if __name__ == "__main__":
    main()
