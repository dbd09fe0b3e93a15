"""NLP throughput in abstracts per second: the bare tokenizer, the full pipeline (both learned
recognisers, vocabulary, grounding, assertions) on one core and on two processes, and
``extract()`` end to end (one document at a time, and ``extract_many()``'s batches); the pipeline's load time and the process's peak resident memory.
Target (issue 13): >= 100 abstracts/s on one core for the whole extraction; load <= 3 s.

    .venv/bin/python benchmarks/nlp_speed.py [--n 5000] [--corpus bc5cdr|synthetic]

``bc5cdr`` (the default when ../shared/corpora/bc5cdr is there): its 1,000 real PubMed titles +
abstracts (~1,300 characters), read in place and cycled to --n. ``synthetic``: SYNTHETIC
abstracts from ``ingest.nlp.synthetic`` (also ~1,300 characters); their few hundred distinct
words make spaCy's tokenizer cache hit almost always, so the tokenizer runs ~5x faster on them
than on real text and the "time vs tokenizer" ratio is not meaningful there.
"per CPU s" is abstracts per second of the process's CPU time (user + system, with the
finished children for n_process=2): the machine is shared, so that column, not wall time, is
the figure to compare; run with OPENBLAS_NUM_THREADS=1 so that BLAS stays on one core.
Prints figures only; nothing here is a test and nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable, Iterable
from itertools import cycle, islice
from pathlib import Path

import spacy

from ingest.nlp.extract import TextDocument, extract, extract_many
from ingest.nlp.pipeline import build_nlp
from ingest.nlp.synthetic import as_document, generate
from kb.vocab import load_vocabulary

BC5CDR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bc5cdr"
TARGET_PER_CORE = 100.0
TARGET_LOAD_SECONDS = 3.0


def synthetic_corpus(n: int) -> tuple[list[str], list[TextDocument]]:
    """Texts as the pipeline sees them (title + abstract), and the documents extract() reads."""
    corpus = generate(n, seed=0)
    docs = [as_document(text, f"synthetic:{i}") for i, (text, _) in enumerate(corpus)]
    return [text for text, _ in corpus], docs


def bc5cdr_corpus(n: int) -> tuple[list[str], list[TextDocument]]:
    titles: dict[str, str] = {}
    abstracts: dict[str, str] = {}
    for path in sorted(BC5CDR.glob("*.PubTator.txt")):
        for line in path.read_text("utf-8").splitlines():
            parts = line.split("|", 2)
            if len(parts) == 3 and parts[1] in ("t", "a"):
                (titles if parts[1] == "t" else abstracts)[parts[0]] = parts[2]
    docs = []
    for pmid, title in titles.items():
        body = abstracts.get(pmid, "")
        text = f"{title}\n\n{body}"
        start = len(title) + 2
        sections = (("title", "Title", 0, len(title)), ("abstract", "Abstract", start, len(text)))
        docs.append(TextDocument(f"pmid:{pmid}", title, text, sections))
    docs = list(islice(cycle(docs), n))
    return [d.text for d in docs], docs


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (n_process=2's workers): on a
    machine shared with other work, wall time measures the neighbours too."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rate(label: str, n: int, run: Callable[[], Iterable[object]]) -> tuple[float, float]:
    """Abstracts per second of wall time and per second of CPU time."""
    started, cpu = time.perf_counter(), cpu_seconds()
    count = sum(1 for _ in run())
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    assert count == n, f"{label}: {count} results for {n} inputs"
    return n / elapsed, n / used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="abstracts")
    default = "bc5cdr" if any(BC5CDR.glob("*.PubTator.txt")) else "synthetic"
    parser.add_argument("--corpus", choices=("bc5cdr", "synthetic"), default=default)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    n, batch = args.n, args.batch_size

    texts, docs = (synthetic_corpus if args.corpus == "synthetic" else bc5cdr_corpus)(n)
    chars = sum(map(len, texts)) / len(texts)
    label = "SYNTHETIC abstracts" if args.corpus == "synthetic" else "BC5CDR abstracts (real)"
    print(f"{n} {label}, {chars:,.0f} characters each on average\n")

    blank = spacy.blank("en")
    started, cpu = time.perf_counter(), time.process_time()
    nlp = build_nlp()
    built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"build_nlp(): {built:.2f} s, {built_cpu:.2f} s CPU ({', '.join(nlp.pipe_names)})\n")
    vocab = load_vocabulary()
    labels = {c.id: c.label for c in vocab.concepts.values()}
    nlp(texts[0])  # warm up lazily built state

    tokenizer = rate("tokenizer", n, lambda: blank.pipe(texts, batch_size=batch))
    one = rate("pipeline", n, lambda: nlp.pipe(texts, batch_size=batch))
    two = rate("n_process=2", n, lambda: nlp.pipe(texts, batch_size=batch, n_process=2))
    single = rate("extract", n, lambda: (extract(nlp, d, labels) for d in docs))
    records = rate("extract_many", n, lambda: extract_many(nlp, docs, labels))

    rows = [
        ("(i) tokenizer: spacy.blank('en').pipe", tokenizer, 1),
        ("(ii) build_nlp().pipe, one core", one, 1),
        ("(iii) build_nlp().pipe(n_process=2)", two, 2),
        ("(iv) extract() one document at a time", single, 1),
        ("(v) extract_many() end to end, one core", records, 1),
    ]
    print(
        f"{'':<40} {'abstracts/s':>11} {'per core':>9} {'per CPU s':>10} {'CPU vs tokenizer':>17}"
    )
    for name, (value, per_cpu), cores in rows:
        ratio = tokenizer[1] / per_cpu
        print(
            f"{name:<40} {value:>11,.0f} {value / cores:>9,.0f} {per_cpu:>10,.0f} {ratio:>16.1f}x"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:,.0f} MB")
    print(f"target: >= {TARGET_PER_CORE:.0f} abstracts/s on one core; load <= 3 s")
    per_core = records[1]
    speed = "meets" if per_core >= TARGET_PER_CORE else "misses"
    load = "meets" if built_cpu <= TARGET_LOAD_SECONDS else "misses"
    print(
        f"  extract_many() {per_core:,.0f}/CPU s: {speed} the speed target; "
        f"load {built_cpu:.2f} CPU s: {load}"
    )


if __name__ == "__main__":
    main()
