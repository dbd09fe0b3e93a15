"""Entities: vocabulary terms (PhraseMatcher on lower-case text) plus ages, sex and durations.

Each entity gets its concept in ``ent.ent_id_`` (vocabulary id, or "age" / "sex" / "duration")
and a normalised value in ``ent._.value``: ISO 8601 durations for ages and times ("P1M",
"P3.5M"), "male" / "female" for sex, the laterality and aspect for anatomy ("left medial").
Vocabulary terms are phrase patterns (fast); a term with a word the abbreviation table expands
("intravenous calcium") is also matched in its short form ("IV calcium").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ingest.nlp.values import NUMBER, UNIT, parse_quantity
from ingest.nlp.vocab import Vocabulary, load_vocabulary

LABELS = ("CONDITION", "ETIOLOGY", "TREATMENT", "OUTCOME", "ANATOMY", "TEST", "AGE", "SEX",
          "DURATION")  # fmt: skip

_AGE = re.compile(
    rf"\b(?:{NUMBER})\s*[- ]?\s*{UNIT}?\s*[- ]?(?:{UNIT})[- ]old\b"
    rf"|\b(?:aged|age(?: of)?)\s+(?:{NUMBER})\s*[- ]?(?:{UNIT})\b"
    r"|\b\d+(?:st|nd|rd|th)\s+day\s+of\s+life\b"
    rf"|\b(?:{NUMBER})\s*[- ]?(?:{UNIT})\s+of\s+age\b",
    re.IGNORECASE,
)
_DURATION = re.compile(rf"\b(?:{NUMBER})\s*[- ]?(?:{UNIT})\b(?![- ]old|\s+of\s+age)", re.IGNORECASE)
_SEX = {
    "boy": "male", "male": "male", "man": "male", "son": "male", "gentleman": "male",
    "girl": "female", "female": "female", "woman": "female", "daughter": "female", "lady": "female",
}  # fmt: skip
_SIDE = {"left", "right", "bilateral", "both"}
_ASPECT = {"medial", "lateral", "dorsal", "dorsum", "plantar", "palmar", "anterior", "posterior",
           "proximal", "distal", "upper", "lower"}  # fmt: skip


def term_variants(term: str, abbreviations: dict[str, str]) -> Iterator[str]:
    """The term, and the term with each expandable word(s) written as its abbreviation."""
    yield term
    lowered = f" {term.lower()} "
    for short, long in abbreviations.items():
        if f" {long.lower()} " in lowered:
            yield lowered.replace(f" {long.lower()} ", f" {short} ").strip()


class EntityComponent:
    """Sets ``doc.ents``: longest match wins; vocabulary over pattern entities on overlap."""

    def __init__(self, nlp: Language, vocab: Vocabulary) -> None:
        for name in ("value", "assertion", "assertion_cue"):
            if not Span.has_extension(name):
                Span.set_extension(name, default=None)
        self.vocabulary = vocab
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.concept_of: dict[str, tuple[str, str]] = {}  # match key → (label, concept id)
        by_key: dict[str, list[Doc]] = {}
        for surface, concept in vocab.terms():
            key = f"{concept.type}|{concept.id}"
            self.concept_of[key] = (concept.type, concept.id)
            for variant in term_variants(surface, vocab.abbreviations):
                by_key.setdefault(key, []).append(nlp.make_doc(variant))
        for key, docs in by_key.items():
            self.matcher.add(key, docs)

    def __call__(self, doc: Doc) -> Doc:
        spans = [self._vocab_span(doc, key, s, e) for key, s, e in self.matcher(doc)]
        spans += list(self._pattern_spans(doc))
        # entities a statistical model set before us (sourced by config) stay unless they
        # overlap ours: filter_spans keeps the longest, and ours on a tie (they come first)
        spans = filter_spans([s for s in spans if s is not None] + list(doc.ents))
        doc.ents = spans
        for ent in doc.ents:
            if ent.label_ == "ANATOMY":
                ent._.value = _laterality(doc, ent)
        return doc

    def _vocab_span(self, doc: Doc, key_hash: int, start: int, end: int) -> Span | None:
        label, concept = self.concept_of[doc.vocab.strings[key_hash]]
        return Span(doc, start, end, label=label, span_id=concept)

    def _pattern_spans(self, doc: Doc) -> Iterable[Span]:
        text = doc.text
        for regex, label, concept in ((_AGE, "AGE", "age"), (_DURATION, "DURATION", "duration")):
            for match in regex.finditer(text):
                span = doc.char_span(
                    match.start(),
                    match.end(),
                    label=label,
                    alignment_mode="expand",
                    span_id=concept,
                )
                quantity = parse_quantity(match.group(0))
                if span is not None and quantity is not None:
                    span._.value = quantity.iso
                    yield span
        for token in doc:
            sex = _SEX.get(token.lower_)
            if sex:
                span = Span(doc, token.i, token.i + 1, label="SEX", span_id="sex")
                span._.value = sex
                yield span


def _laterality(doc: Doc, ent: Span) -> str | None:
    """'medial aspect of left leg' → 'left medial' (five tokens back in the sentence); also a
    side written after the site: 'the knee on the left side', 'knee, left side'."""
    start = max(ent.sent.start if doc.has_annotation("SENT_START") else 0, ent.start - 5)
    words = [t.lower_ for t in doc[start : ent.end]]
    side = next((w for w in reversed(words) if w in _SIDE), None)
    if side is None:
        after = " ".join(t.lower_ for t in doc[ent.end : ent.end + 4])
        match = re.match(r"(?:on the |on |, )?(left|right)(?: side| -sided|-sided)\b", after)
        side = match.group(1) if match else None
    aspect = next((w for w in reversed(words) if w in _ASPECT), None)
    value = " ".join(w for w in (side, aspect) if w)
    return value or None


@Language.factory("casebook_entities", default_config={"vocab_path": None})
def make_entities(nlp: Language, name: str, vocab_path: str | None) -> EntityComponent:
    return EntityComponent(nlp, load_vocabulary(Path(vocab_path) if vocab_path else None))
