"""What the seed says about each reference it cites → findings about that reference.

Each citation context (its sentence, with the unmarked sentences just before it that the claim
spans: ``claim_span``) is read like any text, but its findings are about reference N
(subject "ref:<seed>#N", ``about`` the PMID when resolved) and attributed to the seed
(method "citation_context"): a claim the seed makes, to be checked against the reference itself.
"""

from __future__ import annotations

import re

from spacy.language import Language

from ingest.nlp.extract import KIND_OF_LABEL, make_finding, mentions_of
from ingest.nlp.relations import find_relations
from ingest.sentences import split_sentences
from kb.records import Extraction, Finding, Relation, Resolution, Section, SeedDocument


def citation_findings(
    nlp: Language,
    seed: SeedDocument,
    resolutions: list[Resolution],
    labels: dict[str, str],
) -> Extraction:
    document = f"seed:{seed.sha256[:12]}"
    pmid_of = {r.reference.number: r.pmid for r in resolutions if r.pmid}
    findings: dict[str, Finding] = {}
    relations: list[Relation] = []
    spans = [claim_span(seed, c.start, c.end, c.marker_start) for c in seed.citations]
    texts = [_raw_text(seed, start, end) for start, end in spans]
    for context, (start, _), doc in zip(seed.citations, spans, nlp.pipe(texts), strict=True):
        mentions = mentions_of(doc, start, context.section)
        for number in context.numbers:
            pmid = pmid_of.get(number)
            about = f"pmid:{pmid}" if pmid else None
            by_mention: dict[int, Finding] = {}
            for i, m in enumerate(mentions):
                kind = KIND_OF_LABEL.get(m.label)
                if kind is None:
                    continue
                f = make_finding(
                    document,
                    kind,
                    m,
                    f"ref:{document}#{number}",
                    labels,
                    "citation_context",
                    about=about,
                )
                findings[f.id] = by_mention[i] = f
            relations += find_relations(mentions, by_mention, [None] * len(mentions))
    return Extraction(f"{document}#citations", [], list(findings.values()), relations)


_MARKUP = re.compile(r"<sup>[^<]*</sup>|\[[\d,\s\-–]+\]|</?\w+>|\*\*")


MAX_LEAD = 2  # unmarked sentences before the marked one that belong to the same claim


def claim_span(seed: SeedDocument, start: int, end: int, marker: int) -> tuple[int, int]:
    """What a marker's claim covers: its sentence, plus up to two unmarked sentences before it in
    its paragraph — or, in a sentence with several markers, only its own stretch of it.

    "A patient with CKD … experienced iatrogenic calcinosis cutis as result of low molecular
    weight heparin administration. Symptoms were resolved following … treatment<sup>12</sup>."
    — the claim about reference 12 starts one sentence before its marker. "A case of a
    23-year-old<sup>13</sup> and another of an infant<sup>14</sup>, developed …" — reference 13
    is the words up to its marker, reference 14 the rest of the sentence.
    """
    section = _section(seed, start, end)
    marked = sorted({c.marker_start for c in seed.citations})
    inside = [m for m in marked if start <= m < end]
    if len(inside) > 1:
        i = inside.index(marker)
        first = start if i == 0 else _marker_end(seed, inside[i - 1])
        last = _marker_end(seed, marker) if i < len(inside) - 1 else end
        return first, last
    sentences = split_sentences(section.text, section.start)
    index = next((i for i, (s, e) in enumerate(sentences) if s <= start < e), None)
    if index is None:
        return start, end
    first = start
    for s, e in reversed(sentences[max(0, index - MAX_LEAD) : index]):
        if any(s <= m < e for m in marked) or "\n\n" in seed_text(section, s, first):
            break
        first = s
    return first, end


def _marker_end(seed: SeedDocument, marker_start: int) -> int:
    return next(c.marker_end for c in seed.citations if c.marker_start == marker_start)


def seed_text(section: Section, start: int, end: int) -> str:
    return section.text[start - section.start : end - section.start]


def _section(seed: SeedDocument, start: int, end: int) -> Section:
    return next(s for s in seed.sections if s.start <= start and end <= s.end)


def _raw_text(seed: SeedDocument, start: int, end: int) -> str:
    """The claim as in the file, markers blanked to spaces so offsets stay exact."""
    raw = seed_text(_section(seed, start, end), start, end)
    return _MARKUP.sub(lambda m: " " * len(m.group(0)), raw)
