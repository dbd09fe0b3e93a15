"""What extraction finds in a document: cases, findings with their evidence, relations, and the
checked vocabularies (``Literal`` types) their fields take."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal, cast, get_args

from kb.kinds import FindingKind

Category = Literal[
    "disease",
    "sign_symptom",
    "chemical",
    "procedure",
    "test",
    "anatomy",
    "outcome",
    "age",
    "sex",
    "duration",
]
"""What a span names, whatever its role: the kind says what it is *for* in the case (a chemical
is a treatment or an etiology), the category what it *is*."""
Assertion = Literal[
    "present",
    "negated",
    "possible",
    "hypothetical",
    "historical",
    "family",
    "refused",
    "stopped",
    "resolved",
]
EvidenceMethod = Literal["text", "mesh", "citation_context"]
RelationKind = Literal["caused_by", "treated_with", "led_to"]


def _checked(vocabulary: object, value: object, what: str) -> None:
    """Values from models and rule files enter the records' vocabularies only through here."""
    allowed = get_args(vocabulary)
    if value not in allowed:
        raise ValueError(f"{value!r} is not a {what} (one of {', '.join(allowed)})")


def finding_kind(value: str) -> FindingKind:
    _checked(FindingKind, value, "finding kind")
    return cast(FindingKind, value)


def category(value: str | None) -> Category | None:
    if value is not None:
        _checked(Category, value, "category")
    return cast(Category | None, value)


def assertion(value: str) -> Assertion:
    _checked(Assertion, value, "assertion status")
    return cast(Assertion, value)


def relation_kind(value: str) -> RelationKind:
    _checked(RelationKind, value, "relation kind")
    return cast(RelationKind, value)


@dataclass
class Evidence:
    """Where a finding comes from. Every field is required: provenance is never optional."""

    document: str  # "pmid:31594227", "pmc:PMC123", "seed:<sha256[:12]>"
    method: EvidenceMethod
    extractor: str  # "casebook.nlp", "casebook.mesh", "casebook.citations"
    version: str
    section: str  # section kind ("abstract", "case_presentation", …) or "mesh"
    sentence: str  # the sentence (or, for MeSH, "Calcinosis/chemically induced")
    start: int  # sentence offsets in the document's text (0, 0 for MeSH)
    end: int
    span_start: int  # the mention's offsets in the same text
    span_end: int
    score: float


@dataclass
class Finding:
    """One fact: a concept of a kind, asserted (or negated…) about a case or an article."""

    id: str  # content hash of (kind, concept, subject, assertion, evidence location)
    kind: FindingKind
    concept: str  # vocabulary concept id, e.g. "calcinosis_cutis_iatrogenic"
    label: str  # the concept's preferred label
    text: str  # the words in the source
    subject: str  # "case:<document>#1", or the article "pmid:123", or "ref:<seed>#12"
    assertion: Assertion
    evidence: Evidence
    value: str | None = None  # normalised value: "P30D" for ages, "P4M" for durations, "male"
    about: str | None = None  # for citation contexts: the reference the seed speaks of
    category: Category | None = None  # None only in data written before categories existed
    ids: list[str] = field(default_factory=list)  # CURIEs, best first: "mesh:D003042", …
    matched: str | None = None  # the vocabulary term the span was grounded by
    match_score: float | None = None  # how close that match is (1.0: the exact preferred term)
    general: bool = False  # a general claim (introduction, discussion, conclusion), not a fact
    # about a patient or the study: "calcinosis cutis can follow extravasation"


def finding_id(f: Finding) -> str:
    """The content hash that names a finding: a finding re-grounded or re-attributed gets a new id."""
    e = f.evidence
    key = (
        f"{f.kind}|{f.concept}|{f.subject}|{f.assertion}|{e.document}|{e.span_start}|"
        f"{e.span_end}|{e.method}|{f.about}"
    )
    return hashlib.sha256(key.encode()).hexdigest()[:20]


@dataclass
class Relation:
    kind: RelationKind
    source: str  # finding id (condition, or treatment for led_to)
    target: str  # finding id (etiology, treatment, outcome)
    time: str | None = None  # ISO 8601 duration to the outcome, e.g. "P4M", "P105D"
    evidence: str | None = None  # id of the finding whose sentence supports it
    cue: str | None = None  # the words that link the two ends ("due to", "resolved with")
    score: float = 1.0  # 1.0 for a cue in the sentence; lower across sentences or by the model


@dataclass
class Case:
    """A patient described in a case report, with what the text says of them."""

    id: str  # "case:<document>#<n>"
    document: str
    number: int
    title: str  # "Case 01", "Second case"
    start: int
    end: int
    age: str | None = None  # ISO 8601 duration ("P1M", "P23Y")
    age_days: float | None = None
    sex: str | None = None  # "male" | "female"
    sites: list[str] = field(default_factory=list)  # anatomy concept ids


@dataclass
class Extraction:
    """Everything extracted from one document."""

    document: str
    cases: list[Case] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
