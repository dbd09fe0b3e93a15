"""Typed records that flow between Casebook's stages (seed → resolution → PubMed/PMC records).

Every stage takes and returns these dataclasses; nothing else (no Entrez handle, no XML element)
crosses a module boundary. They serialise to plain JSON with ``to_dict``/``from_dict``
(see ``kb.jsonl``), which is the on-disk format of the data directory.

The records live in four modules by stage (``seed``, ``pubmed``, ``runs``, ``extraction``); import
them from ``kb.records``.
"""

from kb.kinds import FINDING_KINDS, FindingKind
from kb.records.extraction import (
    Assertion,
    Case,
    Category,
    Evidence,
    EvidenceMethod,
    Extraction,
    Finding,
    Relation,
    RelationKind,
    assertion,
    category,
    finding_id,
    finding_kind,
    relation_kind,
)
from kb.records.pubmed import (
    CORRECTION_NOTICES,
    AbstractSection,
    Author,
    CommentCorrection,
    FullText,
    FullTextSection,
    MeshHeading,
    MeshQualifier,
    PubmedRecord,
)
from kb.records.runs import BuildReport, CitedBy, RefreshReport, RunRecord, TopicResult
from kb.records.seed import (
    Candidate,
    CitationContext,
    Reference,
    Resolution,
    ResolutionMethod,
    Section,
    SeedDocument,
    SeedMetadata,
    UnresolvedReason,
)

__all__ = [
    "CORRECTION_NOTICES",
    "FINDING_KINDS",
    "AbstractSection",
    "Assertion",
    "Author",
    "BuildReport",
    "Candidate",
    "Case",
    "Category",
    "CitationContext",
    "CitedBy",
    "CommentCorrection",
    "Evidence",
    "EvidenceMethod",
    "Extraction",
    "Finding",
    "FindingKind",
    "FullText",
    "FullTextSection",
    "MeshHeading",
    "MeshQualifier",
    "PubmedRecord",
    "Reference",
    "RefreshReport",
    "Relation",
    "RelationKind",
    "Resolution",
    "ResolutionMethod",
    "RunRecord",
    "Section",
    "SeedDocument",
    "SeedMetadata",
    "TopicResult",
    "UnresolvedReason",
    "assertion",
    "category",
    "finding_id",
    "finding_kind",
    "relation_kind",
]
