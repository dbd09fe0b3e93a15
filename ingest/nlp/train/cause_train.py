"""Train the chemical-induced-disease scorer (``ingest/nlp/cause.py``) on the train side only.

    python -m ingest.nlp.train.cause_train [--corpora ../shared/corpora]
        [--out data/models/cause.json.gz] [--maccrobat none|cause|all]

Examples are every (chemical, disease) mention pair within one sentence (the product's splitter)
of a BC5CDR train-side abstract, positive when its MeSH pair is one of the abstract's CID pairs
(distant labels: a CID pair is a document-level fact, so a pair in a sentence that does not say
it is still labelled positive). MACCROBAT train-side Medication → Sign_symptom/Disease_disorder
CAUSE relations can be added as positives with the other medication–condition pairs of the same
sentences as negatives (``--maccrobat``). A logistic regression (numpy, L2, full-batch Adam)
learns the weights; the L2 strength and the threshold are chosen by 5-fold cross-validation over
train-side abstracts, scored the way ``benchmarks/cause_dev.py`` scores dev (sentence-bound MeSH
pairs), so dev is never read while choosing. Fixed seed; the output is byte-stable.
"""

from __future__ import annotations

import argparse
import logging
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.nlp.cause import CauseModel, pair_features
from ingest.nlp.train import split
from ingest.nlp.train.brat import read_maccrobat
from ingest.nlp.train.corpus import AnnotatedText, Annotation
from ingest.nlp.train.logreg import encode, fit, prune, vocabulary
from ingest.nlp.train.pubtator import read_corpus
from ingest.sentences import split_sentences

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[3]
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_OUT = REPO / "data" / "models" / "cause.json.gz"
SEED = 14
FOLDS = 5
L2_GRID = (3e-4, 1e-3, 3e-3)
MIN_COUNT = 2  # a feature seen once in training cannot generalise; dropping it keeps the file small
CHEMICAL, DISEASE = "CHEMICAL", "DISEASE"
MACCROBAT_CONDITIONS = {"SIGN_SYMPTOM": DISEASE, "DISEASE_DISORDER": DISEASE}
MACCROBAT_CAUSES = {"MEDICATION": CHEMICAL}


@dataclass(frozen=True)
class Candidate:
    """One in-sentence mention pair with its features, MeSH pairs and distant label."""

    doc: str
    sentence: int
    features: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]  # (chemical id, disease id) for every id of each mention
    label: bool
    gold: tuple[tuple[str, str], ...] = ()  # those of ``pairs`` that are CID pairs


def sentences_of(doc: AnnotatedText) -> list[tuple[int, int, list[int]]]:
    """(start, end, annotation indices) per sentence; a mention belongs where it starts."""
    spans = split_sentences(doc.text)
    out: list[tuple[int, int, list[int]]] = [(s, e, []) for s, e in spans]
    for i, a in enumerate(doc.annotations):
        for s, e, members in out:
            if s <= a.start < e:
                members.append(i)
                break
    return out


def _local(a: Annotation, start: int, end: int) -> tuple[int, int]:
    return a.start - start, min(a.end, end) - start


@dataclass(frozen=True)
class Pair:
    """A cause-kind and a condition-kind mention in one sentence, in sentence coordinates."""

    sentence: int
    text: str
    cause: int  # annotation index
    condition: int
    cause_span: tuple[int, int]
    condition_span: tuple[int, int]
    others: tuple[tuple[str, tuple[int, int]], ...]

    def features(self) -> list[str]:
        return pair_features(self.text, self.cause_span, self.condition_span, self.others)


def mention_pairs(doc: AnnotatedText, kinds: dict[str, str]) -> Iterator[Pair]:
    """Every cause-kind × condition-kind pair within one sentence; ``kinds`` maps the corpus's
    labels to CHEMICAL or DISEASE (others are ignored)."""
    for n, (start, end, members) in enumerate(sentences_of(doc)):
        typed = [(i, kinds.get(doc.annotations[i].label, "")) for i in members]
        typed = [(i, k) for i, k in typed if k]
        text = doc.text[start:end]
        spans = {i: _local(doc.annotations[i], start, end) for i, _ in typed}
        for c, ck in typed:
            for d, dk in typed:
                if ck != CHEMICAL or dk != DISEASE:
                    continue
                others = tuple((k, spans[i]) for i, k in typed if i not in (c, d))
                yield Pair(n, text, c, d, spans[c], spans[d], others)


def bc5cdr_candidates(doc: AnnotatedText) -> list[Candidate]:
    """Every in-sentence chemical–disease pair of an abstract, labelled by its CID pairs."""
    gold = gold_pairs(doc)
    out = []
    for pair in mention_pairs(doc, {CHEMICAL: CHEMICAL, DISEASE: DISEASE}):
        chem, dis = doc.annotations[pair.cause], doc.annotations[pair.condition]
        pairs = tuple((x, y) for x in chem.ids for y in dis.ids)
        if pairs:
            hits = tuple(p for p in pairs if p in gold)
            out.append(
                Candidate(doc.id, pair.sentence, tuple(pair.features()), pairs, bool(hits), hits)
            )
    return out


def maccrobat_candidates(doc: AnnotatedText, mode: str) -> list[Candidate]:
    """Medication–condition pairs, positive when a CAUSE relation joins them (Arg1 the cause).

    ``mode`` "cause": only sentences holding such a relation; "all": every sentence with both."""
    kinds = {**MACCROBAT_CAUSES, **MACCROBAT_CONDITIONS}
    causes = {(i, j) for kind, i, j in doc.relations if kind == "CAUSE"}
    rows = [
        (p.sentence, (p.cause, p.condition) in causes, p.features())
        for p in mention_pairs(doc, kinds)
    ]
    keep = {n for n, label, _ in rows if label} if mode == "cause" else {n for n, _, _ in rows}
    return [
        Candidate(f"maccrobat:{doc.id}", n, tuple(f), (), label)
        for n, label, f in rows
        if n in keep
    ]


def gold_pairs(doc: AnnotatedText) -> set[tuple[str, str]]:
    """All of an abstract's CID pairs (document level)."""
    return {(c, d) for kind, c, d in doc.pairs if kind == "CID"}


def sentence_bound_gold(candidates: Iterable[Candidate]) -> dict[str, set[tuple[str, str]]]:
    """Per abstract, the CID pairs with at least one in-sentence mention pair."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for cand in candidates:
        if cand.gold:
            out[cand.doc].update(cand.gold)
    return out


def predicted_pairs(
    candidates: Iterable[Candidate], scores: Iterable[float], threshold: float
) -> dict[str, set[tuple[str, str]]]:
    """Per abstract, the MeSH pairs of any mention pair scoring >= ``threshold``."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for cand, s in zip(candidates, scores, strict=True):
        if s >= threshold:
            out[cand.doc].update(cand.pairs)
    return out


def prf(
    predicted: dict[str, set[tuple[str, str]]], gold: dict[str, set[tuple[str, str]]]
) -> tuple[float, float, float, int, int, int]:
    """Micro P, R, F1 (and tp, predicted, gold counts) over abstracts."""
    docs = set(predicted) | set(gold)
    tp = sum(len(predicted.get(d, set()) & gold.get(d, set())) for d in docs)
    n_pred = sum(len(v) for v in predicted.values())
    n_gold = sum(len(v) for v in gold.values())
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, tp, n_pred, n_gold


# --- logistic regression over sparse binary features ------------------------------------------


def train_model(candidates: list[Candidate], l2: float) -> tuple[dict[str, float], float]:
    """Weights by feature name and the bias, fitted on ``candidates``."""
    vocab = vocabulary((c.features for c in candidates), MIN_COUNT)
    x = encode((c.features for c in candidates), vocab)
    y = np.asarray([c.label for c in candidates], dtype=float)
    w, b = fit(x, y, len(vocab), l2)
    return dict(zip(vocab, w.tolist(), strict=True)), b


def score_with(weights: dict[str, float], bias: float, candidates: list[Candidate]) -> list[float]:
    model = CauseModel(weights, bias)
    return [model.score_features(c.features) for c in candidates]


def best_threshold(
    candidates: list[Candidate], scores: list[float]
) -> tuple[float, tuple[float, float, float, int, int, int]]:
    """The threshold in 0.05 … 0.95 with the best sentence-bound F1 (ties: the lowest)."""
    gold = sentence_bound_gold(candidates)
    best: tuple[float, tuple[float, float, float, int, int, int]] | None = None
    for t in np.round(np.arange(0.05, 0.96, 0.025), 3).tolist():
        result = prf(predicted_pairs(candidates, scores, t), gold)
        if best is None or result[2] > best[1][2]:
            best = (t, result)
    assert best is not None
    return best


def cross_validate(
    bc5: list[Candidate], extra: list[Candidate], l2: float
) -> tuple[float, tuple[float, float, float, int, int, int]]:
    """Out-of-fold scores for the BC5CDR train side (folds by abstract) → best threshold."""
    docs = sorted({c.doc for c in bc5})
    random.Random(SEED).shuffle(docs)
    fold_of = {d: i % FOLDS for i, d in enumerate(docs)}
    scores = [0.0] * len(bc5)
    for k in range(FOLDS):
        train = [c for c in bc5 if fold_of[c.doc] != k] + extra
        held = [i for i, c in enumerate(bc5) if fold_of[c.doc] == k]
        weights, bias = train_model(train, l2)
        for i, s in zip(held, score_with(weights, bias, [bc5[i] for i in held]), strict=True):
            scores[i] = s
    return best_threshold(bc5, scores)


def load_candidates(corpora: Path, maccrobat: str, side: str = "train") -> list[Candidate]:
    """BC5CDR candidates of one side, then (train side only) the MACCROBAT extras."""
    docs = [d for d in read_corpus(corpora, "bc5cdr") if split.side(d.id, "bc5cdr") == side]
    out = [c for d in docs for c in bc5cdr_candidates(d)]
    if maccrobat != "none" and side == "train":
        reports = read_maccrobat(corpora / "maccrobat")
        ids = [r.id for r in reports]
        for r in reports:
            if split.side(r.id, "maccrobat", ids) == "train":
                out.extend(maccrobat_candidates(r, maccrobat))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--maccrobat", choices=("none", "cause", "all"), default="none")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    everything = load_candidates(args.corpora, args.maccrobat)
    bc5 = [c for c in everything if not c.doc.startswith("maccrobat:")]
    extra = [c for c in everything if c.doc.startswith("maccrobat:")]
    log.info(
        "%d BC5CDR train pairs (%d positive), %d MACCROBAT pairs (%d positive)",
        len(bc5),
        sum(c.label for c in bc5),
        len(extra),
        sum(c.label for c in extra),
    )
    best = None
    for l2 in L2_GRID:
        threshold, (p, r, f, *_) = cross_validate(bc5, extra, l2)
        log.info("CV l2=%g: threshold %.3f P %.3f R %.3f F1 %.3f", l2, threshold, p, r, f)
        if best is None or f > best[2][2]:
            best = (l2, threshold, (p, r, f))
    assert best is not None
    l2, threshold, cv = best
    weights, bias = train_model(bc5 + extra, l2)
    kept = prune(weights)
    meta = {
        "trained_on": "BC5CDR train side (casebook-split-v1)"
        + ("" if args.maccrobat == "none" else f" + MACCROBAT train side ({args.maccrobat})"),
        "l2": l2,
        "cv_sentence_bound": {"p": round(cv[0], 4), "r": round(cv[1], 4), "f1": round(cv[2], 4)},
        "features": len(kept),
        "seed": SEED,
    }
    CauseModel(kept, round(bias, 4), threshold, meta).save(args.out)
    log.info(
        "l2 %g threshold %.3f: %d of %d weights kept → %s (%d bytes)",
        l2,
        threshold,
        len(kept),
        len(weights),
        args.out,
        args.out.stat().st_size,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
