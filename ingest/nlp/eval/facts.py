"""Facts and the one scorer: precision, recall, misses and spurious facts per type (the rules
are in the package docstring)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import get_args

from kb.durations import parse_iso
from kb.records import Assertion, Finding, FindingKind
from kb.vocab import Vocabulary

GOLD_FORMAT = "casebook-gold/1"
FINDING_KINDS = get_args(FindingKind)
ASSERTIONS = get_args(Assertion)
PSEUDO_CONCEPTS = {"age", "sex"}  # concepts of patient_attribute facts (not vocabulary ids)
SEXES = ("male", "female")
CASE_TYPES = ("age", "sex", "site", "condition", "etiology", "treatment", "outcome")
TYPE_ORDER = (*CASE_TYPES, "negated", "hypothetical", "reference")


@dataclass(frozen=True)
class Fact:
    """An expected or predicted fact. Predicted facts have exactly one concept."""

    type: str  # age, sex, site, condition, …, negated, hypothetical, reference
    subject: str  # "case 1", "ref 11", "doc 17"
    kind: str  # the finding kind ("anatomy" for sites, "patient_attribute" for age and sex)
    concepts: tuple[str, ...]  # acceptable concept ids (any one will do)
    assertion: str = "present"
    value: str | None = None  # ISO duration, "male"/"female", a laterality ("left medial")
    optional: bool = False

    def __str__(self) -> str:
        concept = "|".join(self.concepts)
        parts = [self.subject, self.kind, concept]
        if self.assertion != "present":
            parts.append(self.assertion)
        if self.value:
            parts.append(f"= {self.value}")
        return " ".join(parts)


@dataclass
class TypeScore:
    type: str
    gold: int = 0  # expected key facts
    found: int = 0
    predicted: int = 0  # distinct predicted facts in scope
    correct: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None


@dataclass
class EvalReport:
    title: str
    scores: list[TypeScore]  # one per type, in TYPE_ORDER
    misses: list[Fact] = field(default_factory=list)  # key facts not found
    spurious: list[Fact] = field(default_factory=list)  # predictions matching no expected fact
    partial: dict[Fact, Fact] = field(default_factory=dict)  # a miss → a prediction of it
    # that lacks (part of) its value: the outcome without its time, "left" for "left medial"
    documents: int = 1

    @property
    def total(self) -> TypeScore:
        """Micro-averaged over all types."""
        out = TypeScore("all")
        for s in self.scores:
            out.gold += s.gold
            out.found += s.found
            out.predicted += s.predicted
            out.correct += s.correct
        return out

    def score(self, type_: str) -> TypeScore:
        return next((s for s in self.scores if s.type == type_), TypeScore(type_))


def score(
    expected: Sequence[Fact], predicted: Iterable[Fact], vocab: Vocabulary, title: str = ""
) -> EvalReport:
    """Compare predicted facts with expected ones (the rules are in the module docstring)."""
    predictions = list(dict.fromkeys(predicted))
    by_subject: dict[str, list[Fact]] = defaultdict(list)
    for fact in expected:
        by_subject[fact.subject].append(fact)
    scores = {t: TypeScore(t) for t in TYPE_ORDER}
    found: set[int] = set()  # ids of expected facts found
    spurious = []
    partial: dict[Fact, Fact] = {}
    for p in predictions:
        s = scores.setdefault(p.type, TypeScore(p.type))
        s.predicted += 1
        hits = [g for g in by_subject.get(p.subject, ()) if matches(p, g, vocab)]
        if hits:
            s.correct += 1
            for g in hits:
                if agrees(p.value, g.value, p.type, full=True):
                    found.add(id(g))
                else:
                    partial.setdefault(g, p)
        else:
            spurious.append(p)
    misses = []
    for g in expected:
        if g.optional:
            continue
        s = scores.setdefault(g.type, TypeScore(g.type))
        s.gold += 1
        if id(g) in found:
            s.found += 1
        else:
            misses.append(g)
    kept = [s for s in scores.values() if s.gold or s.predicted]
    partial = {g: p for g, p in partial.items() if g in misses}
    return EvalReport(title, kept, misses, spurious, partial)


def matches(p: Fact, g: Fact, vocab: Vocabulary) -> bool:
    """Whether predicted ``p`` is compatible with expected ``g`` (see the module docstring)."""
    if (p.subject, p.kind, p.assertion) != (g.subject, g.kind, g.assertion):
        return False
    if not _concept_matches(p.concepts[0], g.concepts, vocab):
        return False
    return agrees(p.value, g.value, p.type, full=False)


def _concept_matches(concept: str, accepted: tuple[str, ...], vocab: Vocabulary) -> bool:
    if concept in accepted:
        return True
    if concept not in vocab.concepts:
        return False
    return any(a.id in accepted for a in vocab.ancestors(concept))


def agrees(predicted: str | None, expected: str | None, type_: str, full: bool) -> bool:
    """Values agree. ``full``: the prediction gives all of the expected value (for recall)."""
    if expected is None:
        return True
    if predicted is None:
        return not full
    if type_ == "site":
        p, e = set(predicted.split()), set(expected.split())
        return p == e if full else p <= e
    a, b = parse_iso(predicted), parse_iso(expected)
    if a is not None and b is not None:
        return abs(a.days - b.days) < 0.5
    return predicted.casefold() == expected.casefold()


def case_attributes(
    subject: str, age: str | None, sex: str | None, sites: Iterable[tuple[str, str | None, bool]]
) -> list[Fact]:
    """Age, sex and (concept, laterality, optional) sites of a case as facts."""
    out = [Fact("site", subject, "anatomy", (c,), value=lat, optional=opt) for c, lat, opt in sites]
    if sex:
        out.insert(0, Fact("sex", subject, "patient_attribute", ("sex",), value=sex))
    if age:
        out.insert(0, Fact("age", subject, "patient_attribute", ("age",), value=age))
    return out


def from_finding(f: Finding, type_: str, subject: str, values: Iterable[str] = ()) -> Fact:
    """A predicted fact; the finding's value is kept only for the kinds in ``values``."""
    value = f.value if f.kind in values else None
    return Fact(type_, subject, f.kind, (f.concept,), f.assertion, value)


def fact_type(kind: str, assertion: str, concept: str = "") -> str:
    """The scoring type of a case-level fact."""
    if assertion in ("negated", "hypothetical"):
        return assertion
    if kind == "patient_attribute":
        return concept  # "age" or "sex"
    if kind == "anatomy":
        return "site"
    return kind
