"""One set of entities from three recognisers: the curated vocabulary, the two learned models.

The learned models find the spans of any topic (``ner_abstracts``: BC5CDR's chemicals and
diseases; ``ner_cases``: MACCROBAT's signs, diseases, medications, procedures, tests, anatomy
and outcomes); the curated vocabulary (``data/vocab/concepts.tsv``) gives a span the concept and
role the named questions use. Each model's entities are stashed in ``doc.spans[key]`` by the
``casebook_stash_entities`` pipe that follows it, and merged here (pure, over span offsets):

- the models first, in an order that depends on the text: in a research abstract the abstracts
  model's spans win and the case model adds only what the abstracts model does not know
  (procedures, tests, anatomy, outcomes) — its other signs and diseases are mostly not what
  BC5CDR-style abstracts call diseases; in a case report (``doc.user_data["case_report"]``, set
  by the caller) the case model's spans win and the abstracts model fills in (a chemical whose
  measured level the text gives is a lab test there; a unit is no chemical); where the two
  overlap a case-model sign keeps its category ("dyspnea" is a sign, not a disease);
- then the vocabulary: a curated term that covers a model span wins (with the model's category
  when it has the same words or role: the model read them in context); a model span that holds
  exactly one curated term keeps its boundaries and notes the term (``span._.within``): the
  linker gives the span that term's concept and role unless the whole span grounds exactly to
  something else ("painful iatrogenic calcinosis cutis" → calcinosis_cutis_iatrogenic, but
  "chest pain" → MeSH Chest Pain rather than the curated "pain"); a model span holding
  several curated terms gives way to them; on any other overlap the longer span wins.

A span's label is its role (CONDITION, TREATMENT, …, as the relation and case rules read it);
``span._.category`` says what it names (disease, sign_symptom, chemical, …).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from spacy.language import Language
from spacy.tokens import Doc, Span

MODEL_LABELS: dict[str, tuple[str, str]] = {
    # model label → (role label, category)
    "CHEMICAL": ("TREATMENT", "chemical"),
    "DISEASE": ("CONDITION", "disease"),
    "SIGN_SYMPTOM": ("CONDITION", "sign_symptom"),
    "DISEASE_DISORDER": ("CONDITION", "disease"),
    "MEDICATION": ("TREATMENT", "chemical"),
    "THERAPEUTIC_PROCEDURE": ("TREATMENT", "procedure"),
    "DIAGNOSTIC_PROCEDURE": ("TEST", "test"),
    "BIOLOGICAL_STRUCTURE": ("ANATOMY", "anatomy"),
    "OUTCOME": ("OUTCOME", "outcome"),
}
TYPE_CATEGORY = {
    # a curated concept's type → its category when nothing better is known
    "CONDITION": "disease",
    "ETIOLOGY": "chemical",
    "TREATMENT": "procedure",
    "OUTCOME": "outcome",
    "TEST": "test",
    "ANATOMY": "anatomy",
    "AGE": "age",
    "SEX": "sex",
    "DURATION": "duration",
}
DIRECTIONS = frozenset(
    ["left", "right", "both", "bilateral", "medial", "lateral", "anterior", "posterior", "proximal", "distal", "upper", "lower", "dorsal", "ventral", "superior", "inferior", "aspect", "aspects", "side", "sides", "part", "parts", "region", "surface", "of", "the"]
)  # fmt: skip
_FIGURE = re.compile(r"(?:fig(?:ure)?s?|table)\b\.?\s*-?\s*\d", re.IGNORECASE)
# a chemical named as a cause: "cocaine-induced", "induced by cocaine", "after cocaine use"
_CAUSE_AFTER_CHEMICAL = re.compile(
    r"^\s*(?:-\s*)?(?:induced|related|associated|mediated|evoked|provoked|toxicity|"
    r"intoxication|overdose|poisoning|abuse|misuse|exposure|ingestion|withdrawal|"
    r"(?:use|inhalation|injection)\b(?!\s+(?:of|for|in)\b))",
    re.IGNORECASE,
)
# a chemical measured in a patient ("creatinine 2.1 mg/dL", "serum calcium levels"): a lab test
_MEASURED = re.compile(
    r"\s*(?:(?:levels?|concentrations?|values?|titers?|titres?)\b"
    r"|(?:\(\w+\)\s*)?(?:(?:was|were|is|of|at|:|=|>|<)\s*){0,3}(?:\d+(?:[.,]\d+)?)\s*"
    r"(?:[μµumnpk]?(?:mol|g|eq|iu|u)|mg|g|iu|u)\s*/\s*(?:d?l|ml|24\s*h)\b)",
    re.IGNORECASE,
)
_UNIT = re.compile(r"[μµumnp]?(?:mol|[eE]q)(?:/\w+)?")  # "μmol": no chemical
_CAUSE_BEFORE_CHEMICAL = re.compile(
    r"(?:\b(?:induced|caused|provoked|triggered) by|\bdue to|\bsecondary to|\bexposure to|"
    r"\boverdose of|\bingestion of|\bintoxication with|\bpoisoning with|\babuse of)"
    r"(?:\s+(?:the|a|an|high-dose|high|low|doses?|of))*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """A span offered for the final entities: token offsets, role label, category, concept."""

    start: int
    end: int
    label: str
    category: str | None
    concept: str = ""  # a curated concept id, or "" (the linker grounds it)
    source: str = "vocabulary"  # "vocabulary", "patterns" or the model's span key
    within: str = ""  # a curated concept found inside the span ("pain" in "chest pain"): the
    # linker uses it when the whole span grounds to nothing more exact

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end

    def covers(self, other: Candidate) -> bool:
        return self.start <= other.start and other.end <= self.end

    @property
    def length(self) -> int:
        return self.end - self.start


def merge_models(
    primary: Sequence[Candidate],
    secondary: Sequence[Candidate],
    fill: frozenset[str] | None = None,
    win: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """The primary model's spans, plus the secondary's that overlap none of them (only those of
    the ``fill`` categories, when given); a secondary span of a ``win`` category replaces the
    primary spans it overlaps (the abstracts model knows chemicals best, even in a case
    report); a secondary sign overlapping a primary disease lends it its category."""
    winners = [s for s in secondary if s.category in win]
    if winners:
        held = {i for s in winners for i in range(s.start, s.end)}
        primary = [p for p in primary if held.isdisjoint(range(p.start, p.end))] + winners
        primary.sort(key=lambda c: c.start)
    out = []
    by_token = {i: s for s in secondary for i in range(s.start, s.end)}
    for p in primary:
        category = p.category
        for i in range(p.start, p.end):
            s = by_token.get(i)
            if s is not None and p.label == s.label == "CONDITION":
                category = s.category
                break
        out.append(Candidate(p.start, p.end, p.label, category, p.concept, p.source))
    taken = {i for p in primary for i in range(p.start, p.end)}
    out += [
        s
        for s in secondary
        if (fill is None or s.category in fill) and taken.isdisjoint(range(s.start, s.end))
    ]
    return sorted(out, key=lambda c: c.start)


def merge_vocabulary(models: Sequence[Candidate], curated: Sequence[Candidate]) -> list[Candidate]:
    """Model spans and curated terms as one non-overlapping list (rules in the module doc)."""
    taken: list[Candidate] = []
    curated = list(curated)
    for m in models:
        inside = [c for c in curated if m.covers(c)]
        over = [c for c in curated if c.overlaps(m)]
        if any(c.covers(m) for c in over):  # the curated term wins; it is added below, with
            # the model's category when it names the same words or plays the same role
            # (the model read them in context: "CRP" is a test in a case report)
            curated = [_keep_category(c, m) if c.covers(m) else c for c in curated]
            continue
        if len(inside) == 1 and len(over) == 1:
            c = inside[0]
            taken.append(
                Candidate(m.start, m.end, m.label, m.category, "", m.source, within=c.concept)
            )
            curated.remove(c)
            continue
        if len(inside) > 1 or (over and max(c.length for c in over) >= m.length):
            continue  # several curated terms, or a longer one: they win
        curated = [c for c in curated if not c.overlaps(m)]
        taken.append(m)
    return _non_overlapping(taken + curated)


def _keep_category(curated: Candidate, model: Candidate) -> Candidate:
    same_words = (curated.start, curated.end) == (model.start, model.end)
    if curated.category is None and (same_words or curated.label == model.label):
        return replace(curated, category=model.category)
    return curated


def with_patterns(spans: Sequence[Candidate], patterns: Sequence[Candidate]) -> list[Candidate]:
    """Ages, sexes and durations join where no longer span covers them."""
    return _non_overlapping([*spans, *patterns])


def _non_overlapping(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Longest first, earlier on a tie (the order given decides between equals)."""
    ranked = sorted(enumerate(candidates), key=lambda ic: (-ic[1].length, ic[1].start, ic[0]))
    kept: list[Candidate] = []
    taken: set[int] = set()
    for _, c in ranked:
        tokens = range(c.start, c.end)
        if taken.isdisjoint(tokens):
            taken.update(tokens)
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def chemical_role(doc: Doc, start: int, end: int, text: str | None = None) -> str:
    """ETIOLOGY for a chemical the sentence names as a cause, TREATMENT otherwise (``text``:
    ``doc.text``, which spaCy joins anew at every call)."""
    text = doc.text if text is None else text
    first, last = doc[start], doc[end - 1]
    begin, stop = first.idx, last.idx + len(last.text)
    before = text[max(0, begin - 60) : begin]
    before = before[max(before.rfind(". "), before.rfind("\n")) + 1 :]  # this sentence only
    after = text[stop : stop + 40]
    if _CAUSE_AFTER_CHEMICAL.match(after) or _CAUSE_BEFORE_CHEMICAL.search(before):
        return "ETIOLOGY"
    return "TREATMENT"


def measured(text: str, end: int) -> bool:
    """Whether the words after a chemical ending at ``end`` give its measured level."""
    return _MEASURED.match(text, end) is not None


def model_candidates(
    doc: Doc, key: str, text: str | None = None, case_report: bool = False
) -> list[Candidate]:
    """The spans a model stashed under ``key``, as candidates with role and category; in a case
    report a chemical whose level the text gives is a lab test ("creatinine 2.1 mg/dL"), as the
    case model reads it, not a drug the patient was given. ``text``: ``doc.text`` (spans' texts
    are sliced from it)."""
    out = []
    text = doc.text if text is None else text
    for span in doc.spans.get(key, ()):
        role, category = MODEL_LABELS.get(span.label_, (None, None))
        if role is None:
            continue
        if category == "anatomy" and all(t.lower_ in DIRECTIONS for t in span):
            continue  # "medial aspect", "left side": where on a site, not a site
        if _FIGURE.match(text[span.start_char : span.end_char]):  # == span.text, not joined
            continue  # "Figure-1", "Fig. 2": a pointer to a picture
        if category != "anatomy":
            span = _trimmed(span)  # "swelling of the left" (hand): the swelling
        if category == "chemical" and _UNIT.fullmatch(text[span.start_char : span.end_char]):
            continue  # "μmol" of "μmol/L": a unit
        if category == "chemical" and case_report and measured(text, span.end_char):
            role, category = "TEST", "test"
        elif category == "chemical":
            role = chemical_role(doc, span.start, span.end, text)
        out.append(Candidate(span.start, span.end, role, category, source=key))
    return out


_TRAILING = DIRECTIONS | {"and", "or", "with", "in", "on", "to", "at", "for"}


def _trimmed(span: Span) -> Span:
    """A span without the words no name ends on (a preposition, an article, a side), and a
    single word without its "non-" ("non-tender": the sign is tender, and the prefix negates
    it; "non-healing ulcer" stays whole, an ulcer that is there)."""
    start, end = span.start, span.end
    while end - start > 1 and span.doc[end - 1].lower_ in _TRAILING:
        end -= 1
    if end - start == 3 and span.doc[start].lower_ == "non" and span.doc[start + 1].text == "-":
        start += 2
    return span if (start, end) == (span.start, span.end) else span.doc[start:end]


@Language.factory("casebook_stash_entities", default_config={"key": "model"})
def make_stash(nlp: Language, name: str, key: str):
    """Moves the entities the model before it set into ``doc.spans[key]`` and clears
    ``doc.ents``, so the next model starts from nothing and the merge sees both."""

    def stash(doc: Doc) -> Doc:
        doc.spans[key] = list(doc.ents)
        doc.ents = []
        return doc

    return stash


def to_spans(doc: Doc, candidates: Iterable[Candidate]) -> list[Span]:
    spans = []
    for c in candidates:
        span = Span(doc, c.start, c.end, label=c.label, span_id=c.concept)
        attrs = span._  # one extension view per span (each ``span._`` builds one)
        attrs.category = c.category
        attrs.within = c.within or None
        spans.append(span)
    return spans
