"""The seed article as read (sections, references, citation contexts, metadata) and the
resolution of its references in PubMed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


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
