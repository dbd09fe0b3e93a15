"""Typed records that flow between Casebook's stages (seed → resolution → PubMed/PMC records).

Every stage takes and returns these dataclasses; nothing else (no Entrez handle, no XML element)
crosses a module boundary. They serialise to plain JSON with ``to_dict``/``from_dict``
(see ``kb.jsonl``), which is the on-disk format of the data directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast, get_args

# --------------------------------------------------------------------------- seed article


@dataclass
class Section:
    """A section of the seed article, with character offsets into the source file."""

    kind: str  # abstract, introduction, case_presentation, discussion, conclusion, references, …
    title: str  # the heading as written (markup removed)
    start: int  # offset of the first character of the section body
    end: int  # offset one past its last character
    text: str  # file[start:end]


@dataclass
class Reference:
    """One entry of a numbered reference list, split into bibliographic fields."""

    number: int
    raw: str  # the reference as written (Markdown escapes undone, whitespace collapsed)
    authors: list[str] = field(default_factory=list)  # "Mishra V", "Kalimuthu LM", …
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None  # normalised: lower-case, no prefix, no spaces
    pmid: str | None = None  # only when the reference states it ("PMID: 123")
    start: int | None = None  # offsets of the entry in the source file, when read from one
    end: int | None = None

    @property
    def first_page(self) -> str | None:
        if not self.pages:
            return None
        return self.pages.replace("–", "-").split("-")[0].strip() or None

    @property
    def first_author(self) -> str | None:
        return self.authors[0] if self.authors else None


@dataclass
class CitationContext:
    """A sentence of the seed that cites references, with the numbers its marker names."""

    numbers: list[int]  # e.g. [7, 8] for <sup>7,8</sup>
    sentence: str  # the sentence with citation markers removed, whitespace collapsed
    start: int  # sentence offsets in the source file
    end: int
    marker: str  # the marker as written, e.g. "<sup>7,8</sup>"
    marker_start: int
    marker_end: int
    section: str  # kind of the section holding the sentence
    section_title: str


@dataclass
class SeedMetadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None


@dataclass
class SeedDocument:
    """Everything the seed reader found in one article."""

    source: str  # file name (or "<command line>")
    sha256: str  # of the source bytes: identifies the seed version
    metadata: SeedMetadata
    sections: list[Section]
    references: list[Reference]
    citations: list[CitationContext]
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- resolution

ResolutionMethod = Literal["pmid", "doi", "ecitmatch", "title"]
UnresolvedReason = Literal[
    "not_in_pubmed", "ambiguous", "no_match", "no_searchable_fields", "failed"
]


@dataclass
class Candidate:
    """A PubMed record considered for a reference, with its match score (0–1)."""

    pmid: str
    score: float
    title: str | None = None
    year: int | None = None
    first_author: str | None = None


@dataclass
class Resolution:
    """How one reference was (or was not) resolved to a PMID."""

    reference: Reference
    pmid: str | None = None
    method: ResolutionMethod | None = None
    score: float | None = None
    reason: UnresolvedReason | None = None  # set when pmid is None
    detail: str | None = None  # human-readable explanation of the reason or the match
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        return self.pmid is not None


# --------------------------------------------------------------------------- PubMed records


@dataclass
class Author:
    last_name: str | None = None
    fore_name: str | None = None
    initials: str | None = None
    collective_name: str | None = None  # for group authors
    affiliations: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        if self.collective_name:
            return self.collective_name
        return " ".join(p for p in (self.last_name, self.initials) if p)


@dataclass
class AbstractSection:
    text: str  # inline markup (<i>, <sub>, MathML) flattened to plain text
    label: str | None = None  # "BACKGROUND", "CASE PRESENTATION", … (None if unstructured)
    nlm_category: str | None = None  # "BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS", …


@dataclass
class MeshQualifier:
    ui: str  # "Q000139"
    name: str  # "chemically induced"
    major: bool = False


@dataclass
class MeshHeading:
    descriptor_ui: str  # "D002114"
    descriptor_name: str  # "Calcinosis"
    major: bool = False  # MajorTopicYN of the descriptor
    qualifiers: list[MeshQualifier] = field(default_factory=list)


@dataclass
class CommentCorrection:
    ref_type: str  # RetractionIn, RetractionOf, ErratumIn, ErratumFor, CommentIn, …
    ref_source: str | None = None  # the citation text of the linked notice
    pmid: str | None = None


@dataclass
class PubmedRecord:
    """One PubMed record (PubmedArticle or PubmedBookArticle), parsed from EFetch XML."""

    pmid: str
    title: str
    kind: Literal["article", "book"] = "article"
    doi: str | None = None
    pmcid: str | None = None  # "PMC1234567"
    abstract: list[AbstractSection] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    journal: str | None = None  # full journal title
    journal_abbrev: str | None = None  # ISO abbreviation (or MedlineTA)
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pub_date: str | None = None  # ISO-like "2021", "2021-01", "2021-01-15"
    year: int | None = None
    language: list[str] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    mesh_headings: list[MeshHeading] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    comments_corrections: list[CommentCorrection] = field(default_factory=list)
    date_revised: str | None = None  # "YYYY-MM-DD"
    status: str | None = None  # MedlineCitation/@Status: MEDLINE, PubMed-not-MEDLINE, …

    @property
    def abstract_text(self) -> str:
        return "\n".join(s.text for s in self.abstract)

    @property
    def retracted(self) -> bool:
        return "Retracted Publication" in self.publication_types or any(
            c.ref_type == "RetractionIn" for c in self.comments_corrections
        )

    @property
    def source_status(self) -> str | None:
        """ "retracted", "corrected" (an erratum or an expression of concern is linked) or None:
        what every answer resting on this article's text must say beside it."""
        if self.retracted:
            return "retracted"
        notices = {c.ref_type for c in self.comments_corrections}
        return "corrected" if notices & CORRECTION_NOTICES else None


CORRECTION_NOTICES = frozenset({"ErratumIn", "ExpressionOfConcernIn", "CorrectedandRepublishedIn"})
"""Notices that correct a record or cast doubt on it without retracting it."""


# --------------------------------------------------------------------------- PMC full text


@dataclass
class FullTextSection:
    title: str | None  # None for paragraphs that sit directly in <body>
    paragraphs: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # titles of enclosing sections, outermost first


@dataclass
class FullText:
    """One PMC article (JATS), with its body split into sections of paragraphs."""

    pmcid: str  # "PMC1234567"
    pmid: str | None = None
    doi: str | None = None
    title: str | None = None
    open_access: bool = False  # False: PMC gave no body (not in the open-access subset)
    license: str | None = None
    abstract: list[AbstractSection] = field(default_factory=list)
    sections: list[FullTextSection] = field(default_factory=list)


# --------------------------------------------------------------------------- build outputs


@dataclass
class CitedBy:
    """Articles that cite one PubMed record (ELink pubmed_pubmed_citedin), capped at a limit."""

    pmid: str
    cited_by: list[str] = field(default_factory=list)
    total: int = 0  # number of citing articles ELink reported before the cap


@dataclass
class BuildReport:
    """What a build did: the numbers the summary line prints, and every failure."""

    references: int = 0
    resolved: dict[str, int] = field(default_factory=dict)  # method → count
    unresolved: dict[str, int] = field(default_factory=dict)  # reason → count
    records: int = 0
    full_texts: int = 0  # open-access full texts
    abstract_only: int = 0  # PMC ids without an open-access body
    cited_by: int = 0  # citing articles linked
    missing: list[str] = field(default_factory=list)  # PMIDs that EFetch returned no record for
    cases: int = 0  # patient cases extracted
    findings: int = 0  # findings extracted (text, MeSH and citation contexts)
    requests: int = 0  # HTTP requests made (0 on a warm cache)
    cache_hits: int = 0
    failures: list[str] = field(default_factory=list)  # one line per request that failed

    def summary(self) -> str:
        n_res = sum(self.resolved.values())
        n_unres = sum(self.unresolved.values())
        res = ", ".join(f"{n} {m}" for m, n in sorted(self.resolved.items(), key=_by_count))
        unres = ", ".join(f"{n} {r}" for r, n in sorted(self.unresolved.items(), key=_by_count))
        parts = [
            f"{self.references} references: {n_res} resolved" + (f" ({res})" if res else ""),
        ]
        parts[0] += f", {n_unres} unresolved" + (f" ({unres})" if unres else "")
        parts.append(f"{self.records} records")
        parts.append(f"{self.full_texts} full texts ({self.abstract_only} abstract only)")
        if self.cited_by:
            parts.append(f"{self.cited_by} citing articles")
        if self.findings:
            parts.append(f"{self.cases} cases, {self.findings} findings")
        if self.missing:
            parts.append(f"{len(self.missing)} PMIDs without a record")
        parts.append(f"{self.requests} requests, {self.cache_hits} from cache")
        line = "; ".join(parts)
        if self.failures:
            line += f"; {len(self.failures)} failed requests"
        return line


@dataclass
class TopicResult:
    """One topic query of the KB (an ESearch term) and the PMIDs it found, newest first."""

    term: str
    pmids: list[str] = field(default_factory=list)
    total: int = 0  # hits upstream (``pmids`` keeps at most the build's topic limit)


@dataclass
class RunRecord:
    """A build or refresh that changed the knowledge graph: one entry of its run history.

    A run that changed nothing is not recorded, so a no-change refresh leaves the graph as it was.
    """

    id: str  # when it finished (ISO 8601, UTC): the run IRI's last segment
    kind: Literal["build", "refresh"]
    version: str  # Casebook version
    documents: list[str] = field(default_factory=list)  # the document graphs it (re)wrote
    added: list[str] = field(default_factory=list)  # PMIDs new to the KB
    revised: list[str] = field(default_factory=list)  # PMIDs whose record changed upstream
    retracted: list[str] = field(default_factory=list)  # PMIDs newly marked retracted
    corrected: list[str] = field(default_factory=list)  # PMIDs with a new erratum/correction
    unchanged: int = 0  # records checked and found unchanged
    failed: list[str] = field(default_factory=list)  # requests that failed (retried next run)


@dataclass
class RefreshReport:
    """What a refresh did: the change report printed and kept in the run history."""

    checked: int = 0  # known records checked for revisions
    added: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)  # PMIDs PubMed no longer knows (kept)
    failed: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # document graphs replaced
    requests: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.documents)

    def summary(self) -> str:
        line = (
            f"{self.checked} records checked: {len(self.added)} added, "
            f"{len(self.revised)} revised, {len(self.retracted)} retracted, "
            f"{len(self.corrected)} corrected, {self.unchanged} unchanged, "
            f"{len(self.deleted)} deleted upstream (kept), {len(self.failed)} failed; "
            f"{len(self.documents)} document graphs replaced; "
            f"{self.requests} requests in {self.seconds:.1f} s"
        )
        return line


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


# --------------------------------------------------------------------------- extraction

FindingKind = Literal[
    "condition",
    "etiology",
    "treatment",
    "outcome",
    "test",
    "anatomy",
    "patient_attribute",
    "duration",
]
# the finding kinds in the order they are shown; each kind's IRI is ``kb.iris.kind_iri(kind)``
FINDING_KINDS: tuple[FindingKind, ...] = get_args(FindingKind)
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
