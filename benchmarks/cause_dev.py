"""Chemical-induced-disease pairs on the BC5CDR dev side, with gold entities: model vs cue rule.

    .venv/bin/python benchmarks/cause_dev.py [--model PATH] [--corpora ../shared/corpora]

Every (chemical, disease) mention pair within one sentence (the product's splitter) of a dev
abstract is scored; an abstract's predicted CID pairs are the MeSH pairs with any mention pair
scoring >= the model's threshold (chosen on train by cross-validation, never here). Figures, micro
over abstracts: (a) sentence-bound — against the gold CID pairs whose chemical and disease share
at least one sentence (target F1 >= 0.57); document level — against all gold CID pairs (recall is
capped by the pairs no sentence holds). (b) The same for a cue rule (the sentence rule
``ingest.nlp.relations`` had before the model: a cause cue between the two, in the right order,
not denied), and for that rule restricted to pairs with no other chemical between them.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from pathlib import Path

from ingest.nlp.cause import CauseModel
from ingest.nlp.train import split
from ingest.nlp.train.cause_train import (
    CHEMICAL,
    DEFAULT_CORPORA,
    DISEASE,
    Pair,
    gold_pairs,
    mention_pairs,
    prf,
)
from ingest.nlp.train.pubtator import read_corpus

Pairs = dict[str, set[tuple[str, str]]]

# the cue rule (kept here, not imported: ``relations.py`` changes while this measures a fixed rule)
# cue between CONDITION … CHEMICAL (the cause second)
CAUSE_AFTER = re.compile(
    r"\b(?:due to|secondary to|induced by|caused by|following|after|as (?:a )?result of|"
    r"resulting from|because of|related to|associated with|from)\b", re.IGNORECASE)  # fmt: skip
# cue between CHEMICAL … CONDITION (the cause first)
CAUSE_BEFORE = re.compile(
    r"(?:-?\binduced\b|-related\b|-associated\b|\b(?:causes?|caused|lead(?:s|ing)? to|led to|"
    r"result(?:s|ed)? in|can (?:also )?cause|gives? rise to)\b)", re.IGNORECASE)  # fmt: skip
DENIED = re.compile(r"\b(?:not|never|nor)\s+$", re.IGNORECASE)


def _cue(pattern: re.Pattern[str], between: str) -> bool:
    """Whether ``pattern`` occurs in ``between`` other than right after a denial ("not due to")."""
    return any(not DENIED.search(between, 0, m.start()) for m in pattern.finditer(between))


def cue_rule(pair: Pair, strict: bool = False) -> bool:
    """The product's sentence rule for caused_by: "X-induced Y", "Y due to X" …"""
    (cs, ce), (ds, de) = pair.cause_span, pair.condition_span
    if ce <= ds:
        ok = _cue(CAUSE_BEFORE, pair.text[ce:ds])
    elif de <= cs:
        ok = _cue(CAUSE_AFTER, pair.text[de:cs])
    else:
        return False
    if not (ok and strict):
        return ok
    left, right = min(ce, de), max(cs, ds)
    return not any(kind == CHEMICAL and left <= s and e <= right for kind, (s, e) in pair.others)


def report(name: str, predicted: Pairs, sentence_gold: Pairs, document_gold: Pairs) -> None:
    for scope, gold in (("sentence-bound", sentence_gold), ("document", document_gold)):
        p, r, f, tp, n_pred, n_gold = prf(predicted, gold)
        print(
            f"{name:<28} {scope:<15} P {p:.3f}  R {r:.3f}  F1 {f:.3f}"
            f"  (tp {tp}, predicted {n_pred}, gold {n_gold})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    args = parser.parse_args()
    model = CauseModel.load(args.model)
    docs = [d for d in read_corpus(args.corpora, "bc5cdr") if split.side(d.id, "bc5cdr") == "dev"]
    predicted: dict[str, Pairs] = {"model": {}, "cue rule": {}, "cue rule, no chemical between": {}}
    for table in predicted.values():
        table.update({d.id: set() for d in docs})
    sentence_gold: Pairs = defaultdict(set)
    document_gold: Pairs = {d.id: gold_pairs(d) for d in docs}
    started = time.perf_counter()
    n_pairs = 0
    for doc in docs:
        for pair in mention_pairs(doc, {CHEMICAL: CHEMICAL, DISEASE: DISEASE}):
            chem, dis = doc.annotations[pair.cause], doc.annotations[pair.condition]
            ids = {(x, y) for x in chem.ids for y in dis.ids}
            if not ids:
                continue
            n_pairs += 1
            sentence_gold[doc.id] |= ids & document_gold[doc.id]
            if model.score_features(pair.features()) >= model.threshold:
                predicted["model"][doc.id] |= ids
            if cue_rule(pair):
                predicted["cue rule"][doc.id] |= ids
            if cue_rule(pair, strict=True):
                predicted["cue rule, no chemical between"][doc.id] |= ids
    elapsed = time.perf_counter() - started
    print(
        f"BC5CDR dev side: {len(docs)} abstracts, {n_pairs} in-sentence mention pairs "
        f"(scored in {elapsed:.1f} s); model threshold {model.threshold:.3f}, "
        f"{len(model.weights)} weights"
    )
    for name, table in predicted.items():
        report(name, table, sentence_gold, document_gold)


if __name__ == "__main__":
    main()
