"""Named questions on a large SYNTHETIC knowledge graph: Oxigraph (the default store) vs rdflib's
in-memory store, with the same data (or a projection of it when rdflib would not fit).

The graph is the demo build's, exactly as the real graph builder writes it, plus ``--articles``
SYNTHETIC PubMed articles made from the demo's 11 article graphs under fresh PMIDs
(90000000 + i), in three tiers (the builder's own shapes, with parts left out):

- ``--full`` (default 5%): the whole record graph — metadata, MeSH headings and the extraction
  from the abstract (cases, findings, evidence, relations) — and the MeSH-findings graph;
- ``--mesh`` (default 25%): metadata, MeSH headings and the findings read from the MeSH
  indexing (``#mesh`` graph); the text extraction is stripped;
- the rest: metadata and MeSH headings only (citing articles known by their PubMed record).

Each non-full article cites 1–3 full ones (skewed: a few are cited by hundreds), 1% of them a
reference of the demo seed, written as the builder writes ELink cited-by links (in the cited
article's graph). Copies keep the demo's vocabulary concepts in ``--on-topic`` (10%) of them;
the others have their concepts rotated within each concept type, so findings spread over the
whole vocabulary as in a broad case-report KB (a copy of a calcinosis report otherwise makes
every article about calcinosis). A copy of the demo's retracted record keeps its retraction in
2% of cases, of its corrected record the erratum in 10%. With the defaults, ~98 quads per
article, ~9.8 million quads.

Generation streams N-Quads to a file (memory-bounded); Oxigraph bulk-loads it into a store
version of a data directory laid out as ``kb.store.write_store`` makes one (``--save DIR`` keeps
it: ``kb ask --data-dir DIR``), and the store derives ``graph/derived`` as ``write_store``
does. Questions are timed as ``kb ask`` answers them (median of ``--runs`` after a first run,
through ``kb.store.run_query`` and ``Question.finish``) on the store as bulk-loaded, then again
after ``Store.optimize()`` (compaction), with default parameters and, for parameterised
questions, a typical value too. rdflib's Memory store gets the demo plus the first
``--rdflib-share`` articles (two sizes) with their derived graph, and answers the same way;
its time on the full graph is projected from the two. Each engine's time is then split into a
fixed part (the query with ``LIMIT 0``) and a cost per row, which bound the ratio an answer of
any size can reach. rdflib also runs the derivation rules themselves on each share: the work
the store does once per version.

    .venv/bin/python benchmarks/graph_questions.py [--articles 100000] [--save DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import io
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

from kb.cli import main as kb_main
from kb.datadir import Build
from kb.derived import rules, rules_digest
from kb.derived.apply import derive_all
from kb.jsonl import atomic_write
from kb.publish import spool_build, spooled
from kb.questions import Question, load_questions
from kb.seal import BESIDE, write_seal
from kb.store import (
    DERIVED,
    QueryResult,
    bind,
    graph_quads,
    open_store,
    run_query,
    store_root,
    version_name,
)
from kb.vocab import load_vocabulary

ID = "https://casebook.invalid/id/"
RUNS_GRAPH = f"<{ID}graph/runs>"
CITO = "<http://purl.org/spar/cito/"
_PMID_GRAPH = re.compile(rf"<{re.escape(ID)}graph/pmid%3A(\d+)(%23mesh)?> \.$")
_EXTRACTION = re.compile(rf"^<{re.escape(ID)}(?:finding|evidence|relation|case)/")
_IDS = re.compile(r"(/(?:finding|evidence|relation)/)([^>/]+)")
_CONCEPT = re.compile(rf"<{re.escape(ID)}concept/([^>/]+)>")
_MARKED = re.compile("\x02([^\x03]+)\x03")
_NOTICE = re.compile(r'/correction/\d+> |#commentCorrection> |#retracted> "true"')
MARKER = "SYNTHETIC.txt"  # in a data directory written by --save
RETRACTED, CORRECTED = 0.02, 0.10  # copies of a retracted/corrected demo record keeping it
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
    notices: str  # retraction/erratum notices (and `cb:retracted true`), kept in a few copies
    no_notices: str  # what stands in for them otherwise (`cb:retracted false`)


@dataclass
class Mix:
    full: float = 0.05
    mesh: float = 0.25
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
            notices = [x for x in record if _NOTICE.search(x)]
            record = [x for x in record if not _NOTICE.search(x)]
            stripped = [x for x in record if not _EXTRACTION.match(x)]
            no_notices = [x.replace('"true"', '"false"') for x in notices if "#retracted>" in x]
            templates.append(Template(
                pmid,
                self._mark(record, pmid),
                self._mark(stripped, pmid),
                self._mark(parts.get("mesh", []), pmid),
                self._mark(parts.get("runs_record", []), pmid),
                self._mark(parts.get("runs_mesh", []), pmid),
                self._mark(notices, pmid),
                self._mark(no_notices, pmid),
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
        return (
            "full" if r < self.mix.full else "mesh" if r < self.mix.full + self.mix.mesh else "meta"
        )

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
        keep = RETRACTED if "#retracted>" in template.notices else CORRECTED
        record += template.notices if rng.random() < keep else template.no_notices
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
    it to its content name beside its manifest, repoint ``CURRENT``. The load runs in a fresh
    process (spawned: RocksDB must not inherit a forked parent's locks) so its peak memory is its
    own. Returns (version directory, seconds, peak RSS in MB)."""
    root = store_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    digests = digests | {DERIVED: rules_digest()}  # as kb.store.version_digests
    name = version_name(digests)
    building = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
    seconds, peak = _in_child(_bulk_load, str(building), str(nquads))
    derive_s, derive_peak = _in_child(_derive, str(building))
    print(f"graph/derived (kb.derived.apply.derive_all, as write_store does after loading): {derive_s:.1f} s;"
          f" peak RSS {derive_peak:,.0f} MB")  # fmt: skip
    target = root / name
    if target.exists():
        shutil.rmtree(target)
    atomic_write(target.with_suffix(".json"), json.dumps(digests, indent=0).encode())
    os.replace(building, target)
    atomic_write(root / "CURRENT", (name + "\n").encode())
    for old in root.glob("v-*"):
        if old.is_dir() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
            for suffix in BESIDE:
                old.with_suffix(suffix).unlink(missing_ok=True)
    return target, seconds, peak


def _in_child(target, *args: str) -> tuple[float, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{target.__name__} failed (exit code {proc.exitcode})")
    return queue.get(timeout=10)


def _bulk_load(path: str, nquads: str, queue) -> None:
    start = time.perf_counter()
    store = ox.Store(path)
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    queue.put((time.perf_counter() - start, peak_mb()))


def _derive(path: str, queue) -> None:
    start = time.perf_counter()
    store = ox.Store(path)
    derive_all(store)
    store.flush()
    del store
    queue.put((time.perf_counter() - start, peak_mb()))


def with_derived(nquads: Path) -> int:
    """Append ``graph/derived`` to the N-Quads file (made by ``kb.store.derive`` in a memory
    store), so rdflib gets the same dataset as the store; returns the quads appended."""
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    derive_all(store)
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS, from_graph=ox.NamedNode(DERIVED))
    triples = out.getvalue().decode("utf-8")
    with nquads.open("a", encoding="utf-8") as file:
        for line in triples.splitlines():
            file.write(f"{line.removesuffix(' .')} <{DERIVED}> .\n")
    return len(triples.splitlines())


def _optimize(path: str, queue) -> None:
    """RocksDB compaction (``Store.optimize``): the bulk loader leaves overlapping files."""
    start = time.perf_counter()
    store = ox.Store(path)
    store.optimize()
    store.flush()
    del store
    queue.put((time.perf_counter() - start, peak_mb()))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_gb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e9


# -- timing ------------------------------------------------------------------------------------

Workload = list[tuple[str, str, dict[str, str]]]  # (question, label, parameters)
ALL_PAGES = "default, every page (kb ask --all)"


def workload(store: ox.Store) -> Workload:
    """Every question with its default parameters (the demo's topic: in this KB the heaviest
    values), and each parameterised one again with a typical value: the concept or article of
    median frequency among those of its kind."""
    out: Workload = [(name, "default", {}) for name in load_questions()]
    out += [(name, ALL_PAGES, {}) for name, q in load_questions().items() if q.page_size]
    counts = """PREFIX cb: <https://casebook.invalid/ontology#>
        SELECT ?x (COUNT(*) AS ?n) WHERE { ?f cb:kind cb:%s ; cb:concept ?x }
        GROUP BY ?x ORDER BY ?n ?x"""
    cited = """PREFIX cito: <http://purl.org/spar/cito/>
        SELECT ?x (COUNT(*) AS ?n) WHERE { ?c cito:cites ?x } GROUP BY ?x ORDER BY ?n ?x"""
    for name, key, sparql in (
        ("etiologies_of", "condition", counts % "kindCondition"),
        ("treatments_that_resolved", "condition", counts % "kindCondition"),
        ("concept_evidence", "concept", counts % "kindTreatment"),
        ("citing_articles", "article", cited),
    ):
        rows = run_query(store, sparql).rows
        if not rows:  # e.g. no citations in a KB made by kb bulk alone
            continue
        value, n = rows[len(rows) // 2]
        value = value.rsplit("/", 1)[1]
        out.append((name, f"{key}={value} ({n} {'citers' if key == 'article' else 'findings'})",
                    {key: value}))  # fmt: skip
    return out


def time_oxigraph(store: ox.Store, work: Workload, runs: int) -> dict[tuple[str, str], tuple]:
    """Per (question, label): (first run, median of ``runs`` more, rows, fixed cost), each
    answered as ``kb ask`` answers it: ``run_query`` (10,000-row cap), then sorted
    (``Question.finish``); a paged question's first page, or every page for ``ALL_PAGES``. The
    fixed cost (``_fixed``, median) is measured for default parameters only."""
    questions = load_questions()
    out = {}
    for name, label, params in work:
        query = _oxigraph_query(store)
        times, fixed = [], []
        for _ in range(runs + 1):
            start = time.perf_counter()
            result = _answer(questions[name], query, params, label)
            times.append(time.perf_counter() - start)
            if label == "default":
                start = time.perf_counter()
                _fixed(questions[name], query)
                fixed.append(time.perf_counter() - start)
        out[name, label] = (times[0], statistics.median(times[1:]), len(result.rows),
                            statistics.median(fixed[1:]) if fixed else None)  # fmt: skip
    return out


def _oxigraph_query(store: ox.Store):
    return lambda sparql, bindings, limit: run_query(store, sparql, bindings, limit)


def _answer(question: Question, query, params: dict[str, str], label: str) -> QueryResult:
    if label == ALL_PAGES:
        return question.answer_all(query, params)
    return question.answer(query, params)


@dataclass(frozen=True)
class Timing:
    seconds: float | None  # None: over the cap
    rows: int | None
    fixed: float | None  # the same query with LIMIT 0 (see ``_fixed``)


def time_rdflib(dataset: Dataset, cap: float) -> dict[str, Timing]:
    """Per question (default parameters), answered the same way through rdflib (its rows made
    strings, as ``run_query`` makes them), each in a forked child killed after ``cap`` seconds
    (rdflib cannot cancel a query): seconds (None over the cap), rows, and the fixed cost."""
    out: dict[str, Timing] = {}
    query = _rdflib_query(dataset)
    for name, question in load_questions().items():
        answer = _capped(lambda q=question: len(_answer(q, query, {}, "").rows), cap)
        fixed = _capped(lambda q=question: len(_fixed(q, query).rows), cap)
        out[name] = Timing(*(answer or (None, None)), fixed[0] if fixed else None)
    return out


def _fixed(question: Question, query) -> QueryResult:
    """The question's query with ``LIMIT 0``: what an engine spends before its first row
    (parsing, planning and any eager step), so (time - this) / rows is its cost per row."""
    return query(question.sparql_for(1) + "\nLIMIT 0", question.bindings({}), 1)


def _rdflib_query(dataset: Dataset):
    def query(sparql: str, bindings, limit: int) -> QueryResult:
        result = dataset.query(bind(sparql, bindings))
        columns = [str(v) for v in result.vars]
        rows = [[None if t is None else str(t) for t in row] for row in result]
        return QueryResult(columns, rows[:limit], len(rows) > limit)

    return query


def _capped(run, cap: float) -> tuple[float, int] | None:
    """(seconds, what ``run`` returned) in a forked child, or None when it took over ``cap``."""
    ctx = mp.get_context("fork")  # the child needs the parent's dataset; it opens no store
    queue = ctx.Queue()

    def child() -> None:
        start = time.perf_counter()
        value = run()
        queue.put((time.perf_counter() - start, value))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return queue.get(timeout=5)


def time_rdflib_derive(dataset: Dataset, cap: float) -> dict[str, float | None]:
    """Seconds per derivation rule (``kb/derived``) on rdflib, capped like the questions."""
    out: dict[str, float | None] = {}
    for name, rule in rules().items():
        done = _capped(lambda q=rule: len(dataset.query(q)), cap)
        out[name] = done[0] if done else None
    return out


def project(points: list[tuple[int, float | None]], quads: int) -> float | None:
    """rdflib's time at ``quads`` from its times on two shares: t = a + b·N (a fixed cost —
    parsing, planning — and a cost per quad) fitted on the two points, b ≥ 0. The answers of
    these questions grow in proportion to the KB (its copies are spread evenly), so their work
    does too; growth faster than linear is not extrapolated, so the projection can only
    flatter rdflib."""
    (n1, t1), (n2, t2) = points
    if t1 is None or t2 is None:
        return None
    per_quad = max(0.0, (t2 - t1) / (n2 - n1))
    return t2 + per_quad * (quads - n2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="SYNTHETIC PubMed articles")
    parser.add_argument("--full", type=float, default=Mix.full, help="share with full extraction")
    parser.add_argument("--mesh", type=float, default=Mix.mesh,
                        help="share with metadata, MeSH and MeSH findings")  # fmt: skip
    parser.add_argument("--on-topic", type=float, default=Mix.on_topic,
                        help="share of copies keeping the demo's concepts")  # fmt: skip
    parser.add_argument("--runs", type=int, default=5, help="Oxigraph runs per question (median)")
    parser.add_argument("--rdflib-share", type=float, nargs=2, default=(0.05, 0.2),
                        metavar=("SMALL", "LARGE"),
                        help="the two shares of the articles loaded into rdflib")  # fmt: skip
    parser.add_argument("--no-rdflib", action="store_true")
    parser.add_argument("--cap", type=float, default=300.0,
                        help="seconds before an rdflib question is given up")  # fmt: skip
    parser.add_argument("--save", type=Path, help="keep the KB data directory here")
    args = parser.parse_args()
    save = args.save
    if save and save.exists() and any(save.iterdir()) and not (save / MARKER).exists():
        parser.error(f"{save} is not empty and holds no {MARKER}: a real KB is never replaced")
    print("SYNTHETIC data: the demo's fictional articles, copied under fictional PMIDs.")
    with tempfile.TemporaryDirectory() as tmp:
        demo_dir = Path(tmp) / "demo"
        kb_main(["-q", "demo", "--data-dir", str(demo_dir)])
        demo_build = Build.load(demo_dir)
        with spooled(demo_dir) as spool:  # the demo's graph as `kb build` writes it
            spool_build(demo_build, spool)
            demo = sorted(spool.path.read_text(encoding="utf-8").splitlines())
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
        print(f"Oxigraph bulk load (file → store version): {load_s:.1f} s "
              f"({quads / load_s:,.0f} quads/s); peak RSS of the loading process "
              f"{load_peak:,.0f} MB; store on disk {disk_gb(version):.2f} GB")  # fmt: skip

        start = time.perf_counter()
        store = open_store(data_dir)
        print(f"read-only open: {(time.perf_counter() - start) * 1000:.0f} ms")
        work = workload(store)
        as_loaded = time_oxigraph(store, work, args.runs)
        del store
        opt_s, opt_peak = _in_child(_optimize, str(version))
        quads_in = graph_quads(ox.Store.read_only(str(version)))
        write_seal(version, version, quads_in, rules_digest())  # as kb.store._commit does
        print(f"Oxigraph optimize (compaction): {opt_s:.1f} s; peak RSS {opt_peak:,.0f} MB; "
              f"store on disk {disk_gb(version):.2f} GB")  # fmt: skip
        if args.save:
            demo_build.info.store_version = version.name
            demo_build.save(data_dir)  # the demo's files, naming this version: no rebuild
            (data_dir / MARKER).write_text(
                f"SYNTHETIC knowledge base made by benchmarks/graph_questions.py: the demo's "
                f"graph plus {args.articles:,} articles copied under fictional PMIDs; "
                f"{quads:,} quads. The data files beside the store are the demo build's.\n",
                encoding="utf-8",
            )
            print(f"saved: {data_dir} (store {version.name}, optimized; the demo build's files "
                  f"beside it)")  # fmt: skip
        store = open_store(data_dir)
        optimized = time_oxigraph(store, work, args.runs)
        print(f"query process peak RSS {peak_mb():,.0f} MB")
        del store

        rd: list[tuple[int, dict[str, float | None]]] = []
        rd_derive: list[tuple[int, dict[str, float | None]]] = []
        if not args.no_rdflib:
            nquads.unlink()
            for share in args.rdflib_share:
                count = max(1, int(args.articles * share))
                part = Path(tmp) / "share.nq"
                with part.open("w", encoding="utf-8") as out:
                    rd_quads = kb.write(out, range(count), None)
                rd_quads += with_derived(part)
                start = time.perf_counter()
                dataset = Dataset(default_union=True)
                dataset.parse(str(part), format="nquads")
                print(f"rdflib Memory: the demo + articles 0–{count - 1:,} ({share:.0%}), "
                      f"{rd_quads:,} quads, loaded in {time.perf_counter() - start:.1f} s; "
                      f"peak RSS {peak_mb():,.0f} MB")  # fmt: skip
                rd.append((rd_quads, time_rdflib(dataset, args.cap)))
                rd_derive.append((rd_quads, time_rdflib_derive(dataset, args.cap)))
                del dataset

    report(work, as_loaded, optimized, rd, quads, args.cap)
    if rd_derive:
        print("\nderiving graph/derived (Oxigraph: all rules on the full graph, above); rdflib "
              "per rule:")  # fmt: skip
        for name in rules():
            times = [r[name] for _, r in rd_derive]
            full = project([(n, r[name]) for n, r in rd_derive], quads)
            shares = ", ".join(f"{n:,} quads {_ms(t, args.cap)}" for (n, _), t in
                               zip(rd_derive, times, strict=True))  # fmt: skip
            print(f"  {name:<20} {shares}; projected to the full graph {_s(full)}")


def report(work: Workload, as_loaded, optimized, rd, quads: int, cap: float) -> None:
    """One line per (question, parameters): rows, Oxigraph median (ms) as bulk-loaded and after
    optimize (and its first, cold run); for default parameters rdflib's times on its two shares, its projected
    time on the full graph and the ratio to Oxigraph (optimized)."""
    shares = [f"rdflib {n / 1000:.0f}k" for n, _ in rd]
    print(f"\n{'question':<26} {'parameters':<44} {'rows':>6} {'ox as loaded':>12} "
          f"{'ox optimized':>12} {'(first)':>10} " + " ".join(f"{s:>12}" for s in shares)
          + (f" {'rdflib full':>12} {'ratio':>8}" if rd else ""))  # fmt: skip
    for name, label, _ in work:
        _, loaded, rows, _ = as_loaded[name, label]
        first, t, _, _ = optimized[name, label]
        line = (f"{name:<26} {label:<44} {rows:>6} {loaded * 1000:>10.1f}ms "
                f"{t * 1000:>10.1f}ms {first * 1000:>8.0f}ms")  # fmt: skip
        if rd and label == "default":
            times = [r[name].seconds for _, r in rd]
            line += " " + " ".join(f"{_ms(x, cap):>12}" for x in times)
            full = project([(n, r[name].seconds) for n, r in rd], quads)
            line += f" {_s(full):>12} {(f'{full / t:,.0f}x' if full else '—'):>8}"
        print(line)
    if rd:
        print(f"rdflib full: rdflib's time projected to the full {quads:,} quads from its two "
              f"shares, t = a + b·N fitted on the two (b ≥ 0); ratio = that / Oxigraph "
              f"optimized.")  # fmt: skip
        per_row(work, optimized, rd[-1][1])


def per_row(work: Workload, optimized, rd: dict[str, Timing]) -> None:
    """Each engine's time split into a fixed part (the query with LIMIT 0: parsing, planning)
    and a cost per row: (time - fixed) / rows, Oxigraph on the full graph, rdflib on its larger
    share. The ratio for an answer of n rows is (Fr + n·cr) / (Fo + n·co): the fixed parts
    decide it for small answers, cr / co for large ones, whatever the engine does in between."""
    print(f"\n{'cost per row':<26} {'ox rows':>8} {'ox fixed':>9} {'ox µs/row':>10} "
          f"{'rd rows':>8} {'rd fixed':>9} {'rd µs/row':>10} {'fixed ratio':>12} "
          f"{'per-row ratio':>14}")  # fmt: skip
    for name, label, _ in work:
        if label != "default":
            continue
        _, t, rows, fixed = optimized[name, label]
        r = rd[name]
        if not rows or fixed is None or r.seconds is None or not r.rows or r.fixed is None:
            continue
        co = max(t - fixed, 0.0) / rows
        cr = max(r.seconds - r.fixed, 0.0) / r.rows
        print(f"{name:<26} {rows:>8} {fixed * 1000:>7.1f}ms {co * 1e6:>10.1f} {r.rows:>8} "
              f"{r.fixed * 1000:>7.0f}ms {cr * 1e6:>10.1f} {r.fixed / fixed:>11,.0f}x "
              f"{(f'{cr / co:,.1f}x' if co else '—'):>14}")  # fmt: skip


def _ms(t: float | None, cap: float) -> str:
    return f">{cap:.0f}s" if t is None else f"{t * 1000:,.0f}ms"


def _s(t: float | None) -> str:
    return "—" if t is None else f"{t:,.1f}s"


if __name__ == "__main__":
    main()
