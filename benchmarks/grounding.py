"""Grounding to open vocabularies: lexicon load time and peak RSS, accuracy of the top MeSH id on
the BC5CDR dev side (the project's split), and lookups per second.

    .venv/bin/python benchmarks/grounding.py

Gold spans are grounded as they are annotated (``Chemical`` → chemical, ``Disease`` → disease),
with the expansion of an abbreviation the abstract defines (``ingest.nlp.shortforms``) when the
span is that short form. Only mentions with a MeSH id count; a composite id ("D001|D002") is
right when the top MeSH id is one of them. Load figures come from a fresh interpreter, so they
include the imports. Prints figures only; nothing asserts a timing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from ingest.nlp.lexicon import Lexicon, load_lexicon
from ingest.nlp.shortforms import find_abbreviations
from ingest.nlp.train.pubtator import read_corpus
from ingest.nlp.train.split import side

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CATEGORY = {"CHEMICAL": "chemical", "DISEASE": "disease"}
CONFIDENT = 0.9
LOAD = """
import resource, time
t = time.perf_counter()
from ingest.nlp.lexicon import load_lexicon
load_lexicon()
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def load_figures() -> tuple[float, float]:
    """(seconds, peak RSS in MB) of importing and loading the lexicon in a new process."""
    out = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, check=True)
    seconds, rss_kb = out.stdout.split()
    return float(seconds), int(rss_kb) / 1024


def dev_mentions(use_expansions: bool) -> list[tuple[str, str, str | None, frozenset[str]]]:
    """(span text, category, expansion, gold MeSH ids) of every dev mention with a MeSH id."""
    out = []
    for doc in read_corpus(CORPORA, "bc5cdr"):
        if side(doc.id, "bc5cdr") != "dev":
            continue
        defined = find_abbreviations(doc.text) if use_expansions else {}
        for a in doc.annotations:
            gold = frozenset(i for i in a.ids if i.startswith("mesh:"))
            if gold:
                text = doc.text[a.start : a.end]
                out.append((text, CATEGORY[a.label], defined.get(text), gold))
    return out


def accuracy(lexicon: Lexicon, mentions: list) -> dict[str, Counter]:
    """Per category: mentions, grounded at all, top MeSH id right; the same for groundings
    scored at least ``CONFIDENT`` (what a caller keeping only confident ids would get)."""
    counts: dict[str, Counter] = {}
    for text, category, expansion, gold in mentions:
        c = counts.setdefault(category, Counter())
        c["mentions"] += 1
        found = lexicon.ground(text, category, expansion)
        if found is None:
            continue
        c["grounded"] += 1
        top = next((i for i in found.ids if i.startswith("mesh:")), None)
        c["mesh right"] += top in gold
        if found.score >= CONFIDENT:
            c["confident"] += 1
            c["confident right"] += top in gold
    return counts


def main() -> None:
    seconds, rss = load_figures()
    print(f"lexicon load (fresh process, with imports): {seconds:.2f} s, peak RSS {rss:.0f} MB")
    lexicon = load_lexicon()
    for use in (False, True):
        mentions = dev_mentions(use)
        label = "with text-defined expansions" if use else "spans alone"
        print(f"BC5CDR dev, {label}:")
        for category, c in sorted(accuracy(lexicon, mentions).items()):
            n = c["mentions"]
            print(
                f"  {category:9} {n:5} mentions: top MeSH id right {c['mesh right'] / n:.3f}, "
                f"grounded {c['grounded'] / n:.3f}; score >= {CONFIDENT}: "
                f"{c['confident'] / n:.3f} of mentions, right {c['confident right'] / max(1, c['confident']):.3f}"
            )
    queries = list(dict.fromkeys((text, category, exp) for text, category, exp, _ in mentions))
    fresh = load_lexicon.__wrapped__()  # an instance that has grounded nothing yet
    for label in ("first time", "repeated"):
        started = time.perf_counter()
        for text, category, expansion in queries:
            fresh.ground(text, category, expansion)
        rate = len(queries) / (time.perf_counter() - started)
        print(f"lookups, {label}: {rate:,.0f} per second ({len(queries)} distinct spans, one core)")


if __name__ == "__main__":
    main()
