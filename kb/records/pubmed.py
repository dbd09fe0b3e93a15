"""PubMed records (authors, abstract, MeSH, comments and corrections) and PMC full texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


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
