"""``data/nlp/case_edges.tsv``: the words MACCROBAT's annotators leave outside a span's edge.

    .venv/bin/python -m ingest.nlp.train.case_edges [--corpora ../shared/corpora]

MACCROBAT annotates a severity, a site and a route as entities of their own ("severe" Severity,
"abdominal" Biological_structure, "intravenous" Administration), so "severe abdominal pain" is
a sign "pain", and "serum creatinine level" is a test "creatinine". A recogniser trained on
other corpora, a curated term or the case model on an unseen report may take the neighbour in.
For each group of ``ingest/nlp/train/score.py`` and each word, this counts, over the TRAIN side
of the split only, gold spans of two or more words that start (end) with the word — ``in`` —
and gold spans the word directly precedes (follows) — ``out``. A word is listed when it is
left out at least ``MIN_OUT_SHARE`` of the time in at least ``MIN_SEEN`` spans:
``ingest/nlp/case_spans.py`` then strips it from a predicted span's edge. Single words only,
with their counts (no corpus text beyond them).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ingest.nlp.train.brat import read_maccrobat
from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.score import GROUPS
from ingest.nlp.train.split import side

REPO = Path(__file__).resolve().parents[3]
OUTPUT = REPO / "data" / "nlp" / "case_edges.tsv"
# the groups where stripping helped on train folds the table was not counted on (fold models,
# folds 0+1 of benchmarks/cases_folds.py, exact P/R): medications 0.527/0.553 -> 0.532/0.558,
# diagnostic 0.591/0.616 -> 0.593/0.618; diseases+signs lost a span (0.546/0.569 -> 0.545/0.568),
# therapeutic procedures did not move, so those are not listed
GROUP_NAMES = ("medication", "diagnostic_procedure")
MIN_SEEN = 5
MIN_OUT_SHARE = 0.7
_WORD = re.compile(r"[\w'’/-]+|[^\w\s]")

Key = tuple[str, str, str]  # (group, "L" or "R", word)


def edge_counts(
    texts: Iterable[AnnotatedText], groups: tuple[str, ...] = GROUP_NAMES
) -> dict[Key, Counter[str]]:
    """(group, side, word) → {"in": n, "out": m} over the gold spans of ``texts``."""
    counts: dict[Key, Counter[str]] = {}
    for t in texts:
        for a in t.annotations:
            for group in groups:
                if a.label not in GROUPS["maccrobat"][group][0]:
                    continue
                words = _WORD.findall(t.text[a.start : a.end].lower())
                if len(words) > 1:
                    counts.setdefault((group, "L", words[0]), Counter())["in"] += 1
                    counts.setdefault((group, "R", words[-1]), Counter())["in"] += 1
                before = _WORD.findall(t.text[max(0, a.start - 40) : a.start].lower())
                if before and t.text[a.start - 1 : a.start] in (" ", "-"):
                    counts.setdefault((group, "L", before[-1]), Counter())["out"] += 1
                after = _WORD.findall(t.text[a.end : a.end + 40].lower())
                if after and t.text[a.end : a.end + 1] in (" ", "-"):
                    counts.setdefault((group, "R", after[0]), Counter())["out"] += 1
    return counts


def left_out(counts: dict[Key, Counter[str]]) -> list[tuple[Key, int, int]]:
    """The (key, in, out) rows whose word the annotators mostly leave out of the span."""
    rows = []
    for key, c in sorted(counts.items()):
        seen = c["in"] + c["out"]
        if seen >= MIN_SEEN and c["out"] / seen >= MIN_OUT_SHARE and _WORD.fullmatch(key[2]):
            rows.append((key, c["in"], c["out"]))
    return rows


def train_side(corpora: Path) -> list[AnnotatedText]:
    texts = read_maccrobat(corpora / "maccrobat")
    ids = [t.id for t in texts]
    return [t for t in texts if side(t.id, "maccrobat", ids) == "train"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    rows = left_out(edge_counts(train_side(args.corpora)))
    lines = ["# group\tedge\tword\tin\tout (made by python -m ingest.nlp.train.case_edges)"]
    lines += [f"{g}\t{s}\t{w}\t{i}\t{o}" for (g, s, w), i, o in rows]
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} rows → {args.output}")


if __name__ == "__main__":
    main()
