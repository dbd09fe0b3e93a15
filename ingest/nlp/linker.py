"""Grounding: every entity gets its identifiers (CURIEs), matched term, score and concept.

Runs after the merge (``casebook_entities``) and the abbreviation step. A short form defined in
the document ("low molecular weight heparin (LMWH)") is grounded by its long form first. The
concept a finding is stored under is, in order: the curated concept the span matched; the
curated concept whose MeSH id the span grounds to (so "Calcium Gluconate" from the model joins
the curated ``calcium_gluconate`` and keeps its role); the span's first identifier (MeSH
preferred, so text findings join MeSH-indexing findings across articles); else the words
themselves (``text:chest pain``), kept rather than dropped, with no identifier.
"""

from __future__ import annotations

from functools import cached_property

from spacy.language import Language
from spacy.tokens import Doc, Span

from ingest.nlp.doctext import doc_text
from ingest.nlp.lexicon import EXACT, Grounding, Lexicon, load_lexicon
from ingest.nlp.merge import TYPE_CATEGORY
from ingest.nlp.shortforms import find_abbreviations
from kb.vocab import Concept, Vocabulary, load_vocabulary, normalize_term

UNGROUNDED = {"AGE", "SEX", "DURATION"}
MIN_SCORE = 0.5
"""Below this a grounding is dropped: what is left of the span (a head word) says too little."""
CONDITION_CATEGORIES = {"disease", "sign_symptom"}
NAMED_BY_ROLE = {"OUTCOME"}
"""A curated term of this role names an outcome whatever its MeSH tree says ("died": Death,
a pathological process; "recurrent"): not a disease."""


def text_concept(text: str) -> str:
    """The concept id of words no vocabulary knows: ``text:`` and the case-folded words."""
    return "text:" + normalize_term(text)


class Linker:
    """Grounds ``doc.ents`` in place (rebuilding them when a span's concept or role changes)."""

    def __init__(self, lexicon: Lexicon, vocab: Vocabulary) -> None:
        self.lexicon = lexicon
        self.vocab = vocab

    @cached_property
    def by_mesh(self) -> dict[str, Concept]:
        out: dict[str, Concept] = {}
        for concept in self.vocab.concepts.values():
            if concept.mesh:
                out.setdefault(f"mesh:{concept.mesh}", concept)
        return out

    def _curated_category(self, concept: Concept) -> str | None:
        """What a curated concept is, by its MeSH descriptor's tree ("extravasation" is a
        pathological process, not a chemical), when its words ground to nothing."""
        if not concept.mesh:
            return None
        name = self.lexicon.name(f"mesh:{concept.mesh}")
        found = self.lexicon.ground(name, "disease") if name else None
        return found.category if found and f"mesh:{concept.mesh}" in found.ids else None

    def __call__(self, doc: Doc) -> Doc:
        if not doc.ents:
            return doc
        text = doc_text(doc)  # joined once: ``Span.text`` joins its tokens at every call
        short = find_abbreviations(text)
        grounded = []
        for ent in doc.ents:
            words = text[ent.start_char : ent.end_char]  # == ent.text: spaCy keeps the text
            grounded.append(self._ground(doc, ent, short.get(words), words))
        doc.ents = grounded
        return doc

    def _ground(self, doc: Doc, ent: Span, expansion: str | None, words: str) -> Span:
        """``words``: the span's text (``ent.text``), sliced by the caller from the doc's."""
        label, concept = ent.label_, ent.ent_id_
        attrs = ent._  # one view of the span's extensions: each ``ent._`` builds a new one
        category = attrs.category or TYPE_CATEGORY.get(label)
        if label in UNGROUNDED:
            attrs.category = category
            return ent
        grounding = self.lexicon.ground(words, category or "disease", expansion)
        if grounding is not None and grounding.score < MIN_SCORE:
            grounding = None  # "frobnitz syndrome" → Syndrome: a head word says too little
        if grounding is not None:
            attrs.ids = list(grounding.ids)
            attrs.matched = grounding.term
            attrs.match_score = round(grounding.score, 3)
            if attrs.category is None and grounding.category and label not in NAMED_BY_ROLE:
                category = grounding.category
            elif category == "disease" and grounding.category == "sign_symptom":
                category = "sign_symptom"
        curated = self.vocab.concepts.get(concept) or (
            None if concept else self._curated(ent, expansion, grounding)
        )
        if concept and curated is None:
            name = " ".join(words.split())  # a concept another component gave: kept
        elif curated is not None:
            if curated.type != label:  # "ICC" read as a drug, defined as a disease
                category = (grounding.category if grounding else None) or TYPE_CATEGORY[
                    curated.type
                ]
            concept, label, name = curated.id, curated.type, curated.label
            if grounding is None and attrs.category is None and label not in NAMED_BY_ROLE:
                category = self._curated_category(curated) or category
        elif grounding is not None:
            mesh = [i for i in grounding.ids if i.startswith("mesh:")]
            concept, name = (mesh or list(grounding.ids))[0], grounding.name
        else:
            concept, name = text_concept(words), " ".join(words.split())
        attrs.category = category
        attrs.name = name
        if (label, concept) == (ent.label_, ent.ent_id_):
            return ent
        return Span(doc, ent.start, ent.end, label=label, span_id=concept)  # extension values
        # are kept by character offsets: they carry over

    def _curated(
        self, ent: Span, expansion: str | None, grounding: Grounding | None
    ) -> Concept | None:
        """The curated concept a model span stands for: the long form of its abbreviation as a
        curated term ("ICC" → iatrogenic calcinosis cutis), the concept of its MeSH id, or the
        curated term inside it — always for a body site ("left leg": the leg, the side is a
        value), else when the whole span grounds to nothing exact ("painful calcinosis
        cutis")."""
        if expansion:  # the text defines the short form: its long form decides, role included
            named = sorted(self.vocab.lookup(expansion), key=lambda c: c.type != ent.label_)
            if named:
                return named[0]
        if grounding is not None:
            mesh = next((self.by_mesh[i] for i in grounding.ids if i in self.by_mesh), None)
            if mesh is not None:
                return mesh
        within = self.vocab.concepts.get(ent._.within or "")
        if within is not None and (
            ent.label_ == "ANATOMY" or grounding is None or grounding.score < EXACT  # a head word
        ):
            return within
        return None


@Language.factory("casebook_linker", default_config={"lexicon_path": None, "vocab_path": None})
def make_linker(
    nlp: Language, name: str, lexicon_path: str | None, vocab_path: str | None
) -> Linker:
    from pathlib import Path

    lexicon = load_lexicon(Path(lexicon_path) if lexicon_path else None)
    return Linker(lexicon, load_vocabulary(Path(vocab_path) if vocab_path else None))
