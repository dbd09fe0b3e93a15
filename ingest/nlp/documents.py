"""Records → ``TextDocument``s: one text per source, with the sections extraction reads.

A PubMed record's text is its title, a blank line, then each abstract section ("LABEL: text")
separated by blank lines; a PMC full text's is its title then every paragraph, section by
section. Evidence offsets index exactly these texts, so a sentence can always be shown again.
"""

from __future__ import annotations

import re

from ingest.nlp.cases import describes_one_patient
from ingest.nlp.extract import TextDocument
from ingest.seed.sections import SECTION_KINDS
from kb.records import FullText, PubmedRecord, SeedDocument

_LABEL_KINDS = {
    "case presentation": "case_presentation",
    "case report": "case_presentation",
    "case description": "case_presentation",
    "case": "case_presentation",
    "case summary": "case_presentation",
    "background": "introduction",
    "objective": "introduction",
    "introduction": "introduction",
    "methods": "methods",
    "results": "results",
    "discussion": "discussion",
    "conclusion": "conclusion",
    "conclusions": "conclusion",
}


def seed_document(seed: SeedDocument, text: str) -> TextDocument:
    """The whole file as read: the sections the seed reader found, and every stretch between or
    around them (a title line, a heading run on inline) as an ``other`` section, so no text is
    skipped because of how it was laid out."""
    found = [(s.kind, s.title, s.start, s.end) for s in seed.sections]
    sections = tuple(cover(text, found))
    return TextDocument(
        f"seed:{seed.sha256[:12]}",
        seed.metadata.title or "",
        text,
        sections,
        case_report=describes_one_patient(text),
        abstract=looks_like_abstract(text),
    )


ABSTRACT_WORDS = 600
ABSTRACT_PARAGRAPHS = 5
"""An abstract is short and has few paragraphs (a title, at most four labelled sections):
BC5CDR's title + abstract reach 535 words in one line; MACCROBAT's case reports have 6 or more
lines."""


def looks_like_abstract(text: str) -> bool:
    """Whether a plain text is laid out as an abstract (title and abstract) rather than an
    article's full text: the recogniser trained on abstracts then leads, even for a case report
    ("chest pain" is one disease there, a site and a sign in a case report's annotation)."""
    if len(text.split()) > ABSTRACT_WORDS:
        return False
    return sum(1 for line in text.splitlines() if line.strip()) <= ABSTRACT_PARAGRAPHS


def cover(text: str, sections: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """``sections`` plus an ``other`` section for each stretch of non-blank text they miss."""
    out: list[tuple[str, str, int, int]] = []
    pos = 0
    for section in sorted(sections, key=lambda s: s[2]):
        out += _gap(text, pos, section[2])
        out.append(section)
        pos = max(pos, section[3])
    out += _gap(text, pos, len(text))
    return out


def _gap(text: str, start: int, end: int) -> list[tuple[str, str, int, int]]:
    stretch = text[start:end]
    if not stretch.strip():
        return []
    lead = len(stretch) - len(stretch.lstrip())
    trail = len(stretch) - len(stretch.rstrip())
    return [("other", "", start + lead, end - trail)]


def pubmed_document(record: PubmedRecord) -> TextDocument:
    parts: list[tuple[str, str, str]] = [("title", "Title", record.title)]
    for section in record.abstract:
        label = section.label or "Abstract"
        kind = _LABEL_KINDS.get((section.label or "").lower(), "abstract")
        text = f"{section.label}: {section.text}" if section.label else section.text
        parts.append((kind, label, text))
    case_report = "Case Reports" in record.publication_types
    return _assemble(f"pmid:{record.pmid}", record.title, parts, case_report, abstract=True)


def fulltext_document(text: FullText, case_report: bool = False) -> TextDocument:
    parts: list[tuple[str, str, str]] = [("title", "Title", text.title or "")]
    for section in text.sections:
        title = section.title or ""
        top = section.path[0] if section.path else title
        kind = SECTION_KINDS.get(_key(top), SECTION_KINDS.get(_key(title), "other"))
        for paragraph in section.paragraphs:
            parts.append((kind, title, paragraph))
    return _assemble(f"pmc:{text.pmcid}", text.title or "", parts, case_report)


def _assemble(
    doc_id: str,
    title: str,
    parts: list[tuple[str, str, str]],
    case_report: bool = False,
    abstract: bool = False,
) -> TextDocument:
    chunks: list[str] = []
    sections = []
    pos = 0
    for kind, label, body in parts:
        if not body:
            continue
        sections.append((kind, label, pos, pos + len(body)))
        chunks.append(body)
        pos += len(body) + 2
    text = "\n\n".join(chunks)
    return TextDocument(doc_id, title, text, tuple(sections), case_report, abstract)


def _key(title: str) -> str:
    return re.sub(r"[^a-z ]", "", title.lower()).strip()
