"""Which tokens of a corpus that does not annotate a label are that label's, so training leaves
them *missing* (no gold label) rather than teaching that they are no entity: chemical names in
NCBI disease abstracts, from a chemical lexicon (MeSH 2024 tree D entry terms, DrugBank open
names, the training side's own gold chemicals) and a first-stage model's predictions."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.docbin import Unknown

MAX_TERM_TOKENS = 8  # longest lexicon term (in tokens) looked up for missing labels


def mesh_chemical_terms(vocab: Path) -> set[str]:
    """Entry terms of MeSH descriptors in tree D (chemicals and drugs), lower-cased."""
    chemicals: set[str] = set()
    with gzip.open(vocab / "mesh-2024" / "descriptors.tsv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if any(t.startswith("D") for t in row["tree_numbers"].split("|")):
                chemicals.add(row["descriptor_ui"])
    terms: set[str] = set()
    with gzip.open(vocab / "mesh-2024" / "terms.tsv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["descriptor_ui"] in chemicals and row["permuted"] != "Y":
                terms.add(row["term"].lower())
    return terms


def drugbank_terms(vocab: Path) -> set[str]:
    """DrugBank open vocabulary: common names and synonyms, lower-cased."""
    terms: set[str] = set()
    path = vocab / "drugbank-open" / "drugbank_vocabulary.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            terms.add(row["Common name"].lower())
            terms.update(s.strip().lower() for s in row["Synonyms"].split(" | ") if s.strip())
    return terms


def lexicon(vocab: Path, texts: Iterable[AnnotatedText], label: str) -> frozenset[str]:
    """Lexicon terms plus ``label``'s gold mentions in ``texts`` (the training side only)."""
    terms = set()
    if (vocab / "mesh-2024").is_dir():
        terms |= mesh_chemical_terms(vocab)
    if (vocab / "drugbank-open").is_dir():
        terms |= drugbank_terms(vocab)
    for t in texts:
        terms.update(t.text[a.start : a.end].lower() for a in t.annotations if a.label == label)
    return frozenset(x for x in terms if len(x) >= 3)


def lexicon_spans(doc: Doc, terms: frozenset[str], label: str) -> list[Span]:
    """Every token n-gram (up to ``MAX_TERM_TOKENS``) whose lower-cased text is a term."""
    text = doc.text.lower()
    starts = [t.idx for t in doc]
    ends = [t.idx + len(t) for t in doc]
    n = len(doc)
    return [
        Span(doc, i, j, label=label)
        for i in range(n)
        for j in range(i + 1, min(n, i + MAX_TERM_TOKENS) + 1)
        if text[starts[i] : ends[j - 1]] in terms
    ]


def predicted_spans(doc: Doc, model: Language, label: str) -> list[Span]:
    """``model``'s ``label`` entities, on ``doc``'s tokens (widened to token boundaries)."""
    spans = (
        doc.char_span(e.start_char, e.end_char, label=label, alignment_mode="expand")
        for e in model(doc.text).ents
        if e.label_ == label
    )
    return [s for s in spans if s is not None]


def unknown_from_lexicon(
    terms: frozenset[str], label: str, model: Language | None = None
) -> Unknown:
    """Where a text's corpus does not annotate ``label``: lexicon matches and ``model``'s
    predictions of it."""

    def unknown(doc: Doc, text: AnnotatedText) -> list[Span]:
        if label in text.labels:
            return []
        predicted = predicted_spans(doc, model, label) if model is not None else []
        return predicted + lexicon_spans(doc, terms, label)

    return unknown
