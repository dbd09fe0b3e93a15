"""Entities: vocabulary terms (PhraseMatcher on lower-case text) plus ages, sex and durations.

Each entity gets its concept in ``ent.ent_id_`` (vocabulary id, or "age" / "sex" / "duration")
and a normalised value in ``ent._.value``: ISO 8601 durations for ages and times ("P1M",
"P3.5M"), "male" / "female" for sex, the laterality and aspect for anatomy ("left medial").
Vocabulary terms are phrase patterns (fast); a term with a word the abbreviation table expands
("intravenous calcium") is also matched in its short form ("IV calcium").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ingest.nlp.case_spans import conform
from ingest.nlp.doctext import doc_text
from ingest.nlp.merge import (
    TYPE_CATEGORY,
    Candidate,
    merge_models,
    merge_vocabulary,
    model_candidates,
    to_spans,
    with_patterns,
)
from ingest.nlp.nonfindings import headings, names_nothing, regions
from kb.durations import NUMBER, UNIT, parse_quantity
from kb.vocab import Vocabulary, load_vocabulary

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
EXTENSIONS = ("value", "assertion", "assertion_cue", "category", "ids", "matched", "match_score",
              "name", "within")  # fmt: skip
_SEX_WORD = re.compile(r"\b(?:" + "|".join(_SEX) + r")\b", re.IGNORECASE)
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
    """Sets ``doc.ents`` from the curated vocabulary, the models' stashed spans (``model_keys``,
    merged by ``ingest.nlp.merge``) and the age, sex and duration patterns."""

    def __init__(
        self,
        nlp: Language,
        vocab: Vocabulary,
        research: Sequence[str] = (),
        case_report: Sequence[str] = (),
    ) -> None:
        for name in EXTENSIONS:
            if not Span.has_extension(name):
                Span.set_extension(name, default=None)
        self.vocabulary = vocab
        self.orders = {False: parse_order(research), True: parse_order(case_report)}
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
        self.kinds = {concept: kind for kind, concept in self.concept_of.values()}

    def __call__(self, doc: Doc) -> Doc:
        curated = [self._curated(doc, key, s, e) for key, s, e in self.matcher(doc)]
        # entities a statistical model set before us without a stash (sourced by config) join
        # the curated ones, which win on a tie (they come first)
        curated += [
            Candidate(e.start, e.end, e.label_, TYPE_CATEGORY.get(e.label_), e.ent_id_, "doc")
            for e in doc.ents
        ]
        text = doc_text(doc)  # spaCy joins it anew at every call: once per doc
        blocked, labels = _tokens(doc, regions(text)), _tokens(doc, headings(text))
        if blocked:
            curated = [c for c in curated if not _inside(c, blocked)]
        models: list[Candidate] = []
        case_report = bool(doc.user_data.get(CASE_REPORT))
        for i, (key, fill, win) in enumerate(self.orders[case_report]):
            found = []
            for c in model_candidates(doc, key, text, case_report):
                kept = _outside(doc, c, labels) if labels else c
                if (
                    kept is not None
                    and not _inside(kept, blocked)
                    and not names_nothing(_span_text(doc, text, kept))
                ):
                    found.append(kept)
            models = merge_models(models, found, fill, win) if i else found
        spans = merge_vocabulary(models, _longest(curated))
        if case_report:  # MACCROBAT's span conventions (ingest/nlp/case_spans.py)
            spans = conform(doc, spans, models, text=text, kinds=self.kinds)
        doc.ents = to_spans(doc, with_patterns(spans, list(self._patterns(doc, text))))
        ents = doc.ents  # built once: each ``doc.ents`` walks every token and makes the Spans
        sentences = doc.has_annotation("SENT_START")
        for ent in ents:
            ent._.value = _value(doc, ent, ents, sentences)
        return doc

    def _curated(self, doc: Doc, key_hash: int, start: int, end: int) -> Candidate:
        label, concept = self.concept_of[doc.vocab.strings[key_hash]]
        return Candidate(start, end, label, None, concept)

    def _patterns(self, doc: Doc, text: str) -> Iterable[Candidate]:
        for regex, label in ((_AGE, "AGE"), (_DURATION, "DURATION"), (_SEX_WORD, "SEX")):
            for match in regex.finditer(text):
                if label != "SEX" and parse_quantity(match.group(0)) is None:
                    continue
                mode = "strict" if label == "SEX" else "expand"  # a sex word is a whole token
                span = doc.char_span(match.start(), match.end(), alignment_mode=mode)
                if span is not None:
                    yield Candidate(span.start, span.end, label, label.lower(), label.lower())


CASE_REPORT = "casebook_case_report"
"""``doc.user_data`` key: the text is (part of) a case report, so the case model leads."""


Order = list[tuple[str, frozenset[str] | None, frozenset[str]]]


def parse_order(order: Sequence[str]) -> Order:
    """["abstracts", "cases:procedure,test", "abstracts>chemical"] → the models in precedence
    order, each after the first with the categories it may add where the others found nothing
    (``:``; all when none are named) and those whose spans win over the others' (``>``)."""
    out: Order = []
    for item in order:
        item, _, win = item.partition(">")
        key, _, fill = item.partition(":")
        out.append(
            (
                key,
                frozenset(fill.split(",")) if fill else None,
                frozenset(filter(None, win.split(","))),
            )
        )
    return out


def _tokens(doc: Doc, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token ranges of character spans (text that names no finding: ``ingest.nlp.nonfindings``)."""
    out = []
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            out.append((span.start, span.end))
    return out


def _inside(candidate: Candidate, blocked: Sequence[tuple[int, int]]) -> bool:
    return any(lo <= candidate.start and candidate.end <= hi for lo, hi in blocked)


def _outside(doc: Doc, c: Candidate, labels: Sequence[tuple[int, int]]) -> Candidate | None:
    """A model's span without a heading at its edges ("Background A" of "Abstract Background A
    34-year-old man": nothing); None when nothing but stop words is left."""
    start, end = c.start, c.end
    for lo, hi in labels:
        if lo <= start < hi:
            start = hi
        if lo < end <= hi:
            end = lo
    if (start, end) == (c.start, c.end):
        return c
    if start >= end or all(t.is_stop or t.is_punct for t in doc[start:end]):
        return None
    return replace(c, start=start, end=end)


def _span_text(doc: Doc, text: str, candidate: Candidate) -> str:
    last = doc[candidate.end - 1]
    return text[doc[candidate.start].idx : last.idx + len(last.text)]


def _longest(candidates: list[Candidate]) -> list[Candidate]:
    """Curated matches without overlaps: the longest, the earliest on a tie."""
    return with_patterns(candidates, [])


def _value(doc: Doc, ent: Span, ents: Sequence[Span], sentences: bool) -> str | None:
    """``ents``: the doc's entities; ``sentences``: whether the doc has sentence boundaries
    (both the same for every entity of a doc, so the caller reads them once)."""
    if ent.label_ in ("AGE", "DURATION"):
        quantity = parse_quantity(ent.text)
        return quantity.iso if quantity else None
    if ent.label_ == "SEX":
        return _SEX.get(ent.text.lower())
    if ent.label_ == "ANATOMY":
        return _laterality(doc, ent, ents, sentences)
    return ent._.value


def _laterality(doc: Doc, ent: Span, ents: Sequence[Span], sentences: bool) -> str | None:
    """'medial aspect of left leg' → 'left medial' (five tokens back in the sentence, not past
    another entity: in "the right hand and the scalp" the side is the hand's); also a side
    written after the site: 'the knee on the left side', 'knee, left side'."""
    start = max(ent.sent.start if sentences else 0, ent.start - 5)
    start = max([start] + [e.end for e in ents if start < e.end <= ent.start])
    words = [t.lower_ for t in doc[start : ent.end]]
    side = next((w for w in reversed(words) if w in _SIDE), None)
    if side is None:
        after = " ".join(t.lower_ for t in doc[ent.end : ent.end + 4])
        match = re.match(r"(?:on the |on |, )?(left|right)(?: side| -sided|-sided)\b", after)
        side = match.group(1) if match else None
    aspect = next((w for w in reversed(words) if w in _ASPECT), None)
    value = " ".join(w for w in (side, aspect) if w)
    return value or None


@Language.factory(
    "casebook_entities",
    default_config={"vocab_path": None, "research": [], "case_report": []},
)
def make_entities(
    nlp: Language,
    name: str,
    vocab_path: str | None,
    research: list[str],
    case_report: list[str],
) -> EntityComponent:
    """``research`` / ``case_report``: the stashed model spans to merge for each kind of text,
    in precedence order (``parse_order``)."""
    vocab = load_vocabulary(Path(vocab_path) if vocab_path else None)
    return EntityComponent(nlp, vocab, research, case_report)
