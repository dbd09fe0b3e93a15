"""Relations the whole product extraction states, on text nobody tuned the rules on.

    .venv/bin/python benchmarks/relations_dev.py [--corpora ../shared/corpora]

(a) The hand-written relation gold of 30 MACCROBAT dev reports (``data/gold/
maccrobat_relations.json``, written from the texts without the pipeline's output; the scorer is
``ingest.nlp.relation_gold``): per kind, precision and recall of the relations ``kb extract``
gives for each report (a relation matches when both ends overlap the gold's). Target: precision
>= 0.80 per kind. (b) Chemical-induced disease on the BC5CDR dev side, with the product's own
entities: an abstract's predicted pairs are the (chemical MeSH, disease MeSH) of its caused_by
relations; against the gold CID pairs whose two concepts share a sentence (the target, F1 >=
0.57) and against all of them. Prints figures only.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from ingest.nlp.relation_gold import load_relation_gold, score_corpus
from ingest.nlp.run import extract_all
from ingest.nlp.train import split
from ingest.nlp.train.brat import read_maccrobat
from ingest.nlp.train.cause_train import (
    CHEMICAL,
    DISEASE,
    gold_pairs,
    mention_pairs,
)
from ingest.nlp.train.pubtator import read_corpus
from ingest.seed.document import read_seed
from kb.records import Finding

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def relations_of(text: str) -> list[tuple[str, Finding, Finding]]:
    """(kind, source finding, target finding) of every text relation ``kb extract`` gives."""
    out = []
    for e in extract_all(read_seed(text, source="dev"), text, [], [], []):
        by_id = {f.id: f for f in e.findings}
        for r in e.relations:
            a, b = by_id.get(r.source), by_id.get(r.target)
            if a and b and a.evidence.method == b.evidence.method == "text":
                out.append((r.kind, a, b))
    return out


def span(f: Finding) -> tuple[int, int]:
    return (f.evidence.span_start, f.evidence.span_end)


def maccrobat(corpora: Path) -> None:
    gold = load_relation_gold()
    texts = {t.id: t.text for t in read_maccrobat(corpora / "maccrobat")}
    predicted = {
        doc.pmid: [(k, span(a), span(b)) for k, a, b in relations_of(texts[doc.pmid])]
        for doc in gold.documents
    }
    print(f"(a) MACCROBAT relation gold: {len(gold.documents)} dev reports")
    print(f"  {'kind':<14} {'gold':>5} {'predicted':>9}  precision  recall  hard negatives hit")
    for kind, c in score_corpus(gold, predicted).items():
        p = "—" if c.precision is None else f"{c.precision:.3f}"
        r = "—" if c.recall is None else f"{c.recall:.3f}"
        print(f"  {kind:<14} {c.gold:>5} {c.predicted:>9}  {p:>9}  {r:>6}  {c.hard_negatives:>5}")


def mesh(f: Finding) -> set[str]:
    return {i.removeprefix("mesh:") for i in f.ids if i.startswith("mesh:")}


def bc5cdr(corpora: Path, side: str = "dev", limit: int | None = None) -> None:
    docs = [d for d in read_corpus(corpora, "bc5cdr") if split.side(d.id, "bc5cdr") == side]
    docs = docs[:limit]
    sentence_gold: dict[str, set[tuple[str, str]]] = defaultdict(set)
    document_gold = {d.id: {(c.removeprefix("mesh:"), s.removeprefix("mesh:"))
                            for c, s in gold_pairs(d)} for d in docs}  # fmt: skip
    predicted: dict[str, set[tuple[str, str]]] = {}
    for doc in docs:
        for pair in mention_pairs(doc, {CHEMICAL: CHEMICAL, DISEASE: DISEASE}):
            chem, dis = doc.annotations[pair.cause], doc.annotations[pair.condition]
            ids = {(x.removeprefix("mesh:"), y.removeprefix("mesh:"))
                   for x in chem.ids for y in dis.ids}  # fmt: skip
            sentence_gold[doc.id] |= ids & document_gold[doc.id]
        predicted[doc.id] = {
            (c, d)
            for kind, condition, cause in relations_of(doc.text)
            if kind == "caused_by" and cause.kind != "condition"  # a disease's cause: not CID
            for c in mesh(cause)
            for d in mesh(condition)
        }
    print(
        f"\n(b) chemical-induced disease, BC5CDR {side} side: {len(docs)} abstracts, own entities"
    )
    for name, gold in (("sentence-bound", sentence_gold), ("document level", document_gold)):
        tp = sum(len(predicted[d] & gold.get(d, set())) for d in predicted)
        n_pred = sum(len(v) for v in predicted.values())
        n_gold = sum(len(gold.get(d, set())) for d in predicted)
        p, r = tp / n_pred if n_pred else 0.0, tp / n_gold if n_gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"  {name:<15} gold {n_gold:>4}  P {p:.3f}  R {r:.3f}  F1 {f1:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--side", choices=("dev", "train"), default="dev")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if args.side == "dev":
        maccrobat(args.corpora)
    bc5cdr(args.corpora, args.side, args.limit)


if __name__ == "__main__":
    main()
