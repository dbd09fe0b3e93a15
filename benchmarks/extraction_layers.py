"""Where the whole extraction gains or loses entities against the recogniser alone.

    .venv/bin/python benchmarks/extraction_layers.py [--side train] [--only maccrobat] [--top 15]

For error analysis, so it reads the TRAIN side by default (the models fit it: what the pipeline
loses or adds there is the pipeline's doing; ``--side dev`` only to check a figure). Per
document it compares three layers with the gold, exact spans, per group of
``ingest/nlp/train/score.py``: the corpus's own recogniser alone (``doc.spans`` as its stash
pipe left them: ``abstracts`` for BC5CDR and NCBI disease, ``cases`` for MACCROBAT), the
entities after merge, abbreviations and grounding (``doc.ents``), and the findings ``kb
extract`` gives (``benchmarks/extraction_dev.py``'s ``predicted_spans``). Then it counts the
changes from model to findings: gold spans the model had and the findings lost, and wrong
findings the model did not make, each by cause and with the most frequent words. Prints
figures and corpus words only (nothing is written).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from extraction_dev import CORPORA, predicted_spans

from ingest.nlp.documents import seed_document
from ingest.nlp.extract import _prepare
from ingest.nlp.merge import MODEL_LABELS
from ingest.nlp.pipeline import shared_nlp
from ingest.nlp.train.brat import read_maccrobat
from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.pubtator import read_corpus
from ingest.nlp.train.score import GROUPS
from ingest.nlp.train.split import side
from ingest.seed.document import read_seed

MODEL_OF = {"bc5cdr": "abstracts", "ncbi-disease": "abstracts", "maccrobat": "cases"}
Spans = set[tuple[int, int]]


@dataclass
class Layer:
    gold: int = 0
    predicted: int = 0
    correct: int = 0

    def line(self) -> str:
        p = self.correct / self.predicted if self.predicted else 0.0
        r = self.correct / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return f"P {p:.3f} R {r:.3f} F1 {f:.3f} ({self.predicted} predicted)"


@dataclass
class Changes:
    layers: dict[str, Layer] = field(default_factory=lambda: defaultdict(Layer))
    lost: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    added: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    gained: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def documents(corpora: Path, corpus: str, which: str) -> list[AnnotatedText]:
    texts = read_maccrobat(corpora / "maccrobat") if corpus == "maccrobat" else None
    texts = texts if texts is not None else read_corpus(corpora, corpus)
    ids = [t.id for t in texts]
    return [t for t in texts if side(t.id, corpus, ids) == which]


def layers(
    text: str, config: Path | None = None
) -> tuple[dict[str, list[tuple[int, int, str]]], list[tuple[int, int, str]]]:
    """(each model's spans, the entities after the pipeline), as (start, end, category) in
    the document's text."""
    nlp = shared_nlp(config)
    prepared = _prepare(nlp, seed_document(read_seed(text, source="layers"), text))
    models: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    ents = []
    for (_, _, start, _), doc in zip(prepared.sections, nlp.pipe(prepared.docs), strict=True):
        for key, spans in doc.spans.items():
            for s in spans:
                category = MODEL_LABELS.get(s.label_, (None, None))[1]
                if category:
                    models[key].append((start + s.start_char, start + s.end_char, category))
        ents += [(start + e.start_char, start + e.end_char, e._.category or "") for e in doc.ents]
    return models, ents


def _in(spans: Iterable[tuple[int, int, str]], categories: frozenset[str]) -> Spans:
    return {(s, e) for s, e, c in spans if c in categories}


def _overlapping(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    return [s for s in spans if s[0] < span[1] and span[0] < s[1]]


def compare(
    corpus: str, doc: AnnotatedText, into: dict[str, Changes], config: Path | None = None
) -> None:
    models, ents = layers(doc.text, config)
    final = predicted_spans(doc.text, config)
    model = models.get(MODEL_OF[corpus], [])
    other = [s for k, v in models.items() if k != MODEL_OF[corpus] for s in v]
    every_final = {(s, e): c for s, e, c in final}
    for group, (labels, categories) in GROUPS[corpus].items():
        if group in ("age", "sex", "duration"):
            continue
        gold = {(a.start, a.end) for a in doc.annotations if a.label in labels}
        m, x, f = _in(model, categories), _in(ents, categories), _in(final, categories)
        o = _in(other, categories)
        changes = into.setdefault(group, Changes())
        for name, spans in (("model", m), ("entities", x), ("findings", f)):
            layer = changes.layers[name]
            layer.gold += len(gold)
            layer.predicted += len(spans)
            layer.correct += len(gold & spans)
        words = lambda s: doc.text[s[0] : s[1]].lower()  # noqa: E731
        for span in (gold & m) - f:
            near = _overlapping(span, every_final)
            if not near:
                why = "dropped (in entities)" if span in x else "dropped"
            elif span in every_final:
                why = f"recategorised as {every_final[span]}"
            elif any(n[0] <= span[0] and span[1] <= n[1] for n in near):
                why = "inside a longer finding"
            elif all(span[0] <= n[0] and n[1] <= span[1] for n in near):
                why = "cut to a shorter finding"
            else:
                why = "other boundary"
            changes.lost[why][words(span)] += 1
        for span in f - m:
            if span in o:
                why = "from the other model"
            elif _overlapping(span, m):
                why = "a model span reshaped"
            elif _overlapping(span, _in(model, frozenset(MODEL_LABELS_CATEGORIES))):
                why = "recategorised model span"
            else:
                why = "vocabulary or lexicon only"
            (changes.gained if span in gold else changes.added)[why][words(span)] += 1


MODEL_LABELS_CATEGORIES = {c for _, c in MODEL_LABELS.values()}


def report(corpus: str, n: int, scores: dict[str, Changes], top: int) -> None:
    print(f"\n== {corpus}: {n} documents")
    for group, c in scores.items():
        print(f"\n{group}")
        for name, layer in c.layers.items():
            print(f"  {name:<9} {layer.line()}")
        tables = (("lost", c.lost), ("added wrong", c.added), ("added right", c.gained))
        for title, table in tables:
            for why, words in sorted(table.items(), key=lambda kv: -sum(kv[1].values())):
                common = ", ".join(f"{w} {k}" for w, k in words.most_common(top))
                print(f"  {title}: {why}: {sum(words.values())} — {common}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--side", choices=["train", "dev"], default="train")
    parser.add_argument("--only", choices=sorted(MODEL_OF), default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--nlp-config", type=Path, default=None, help="another pipeline config")
    args = parser.parse_args()
    for corpus in MODEL_OF:
        if args.only and corpus != args.only:
            continue
        docs = documents(args.corpora, corpus, args.side)[: args.limit]
        scores: dict[str, Changes] = {}
        for doc in docs:
            compare(corpus, doc, scores, args.nlp_config)
        report(corpus, len(docs), scores, args.top)


if __name__ == "__main__":
    main()
