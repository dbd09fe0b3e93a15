"""The records several pages share: findings, cases, MeSH headings, citation contexts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kb.read.iri_links import case_id, local_name

UNMAPPED = "text:"  # the concept id of words no vocabulary knows (ingest.nlp.linker.text_concept)


def unmapped(concept: str | None) -> bool:
    """A finding whose words no vocabulary grounds: kept as read, never shown as a concept."""
    return bool(concept) and str(concept).startswith(UNMAPPED)


@dataclass(frozen=True)
class MeshHeading:
    descriptor: str  # UI
    name: str
    major: bool
    qualifiers: tuple[tuple[str, str, bool], ...]  # (UI, name, major)

    @property
    def text(self) -> str:
        quals = "/".join(n + ("*" if m else "") for _, n, m in self.qualifiers)
        return self.name + ("*" if self.major else "") + (f"/{quals}" if quals else "")


@dataclass(frozen=True)
class Finding:
    finding: str
    evidence: str
    kind: str
    concept: str | None
    label: str
    assertion: str
    value: str | None
    subject: str
    subject_label: str | None
    method: str
    section: str
    sentence: str
    article: str | None = None


@dataclass(frozen=True)
class CaseInfo:
    iri: str
    label: str
    number: int
    document: str
    age: str | None
    sex: str | None
    sites: tuple[str, ...]
    findings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind → labels
    article: str = ""
    unmapped: tuple[tuple[str, str], ...] = ()  # (kind, words) the vocabulary does not know

    @property
    def id(self) -> str:
        """The case's id in the explorer's links ("seed:f0036fb653a4/1")."""
        return case_id(self.iri)


@dataclass(frozen=True)
class CitationContext:
    number: int
    section: str
    sentence: str
    claims: tuple[tuple[str, str, str], ...]  # (kind, concept label, assertion)


def iri_order(iri: str) -> tuple[int, str]:
    tail = local_name(iri)
    return (int(tail), iri) if tail.isdigit() else (10**9, iri)


def finding_from_row(r: Mapping[str, str | None]) -> Finding:
    return Finding(
        finding=r["f"] or "",
        evidence=r["e"] or "",
        kind=r["kind"] or "",
        concept=r.get("cid"),
        label=r["label"] or "",
        assertion=r["assertion"] or "",
        value=r.get("value"),
        subject=r["subject"] or "",
        subject_label=r.get("slabel"),
        method=r["method"] or "",
        section=r["section"] or "",
        sentence=r["sentence"] or "",
        article=r.get("article"),
    )
