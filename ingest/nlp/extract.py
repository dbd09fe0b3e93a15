"""Text → ``Extraction``: the one place where a spaCy ``Doc`` is read and becomes records.

A document is its text plus the sections to read (kind, title, start, end); every offset in the
output indexes that text. Mentions in a case's spans are observations about that case; the rest
are general claims of the article. Relations come from ``relations.py`` (pure, over mentions).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp import bounds
from ingest.nlp.case_facts import (
    case_record,
    case_region,
    owners,
    restated,
    skipped,
    time_of,
    unmarked_cases,
)
from ingest.nlp.cases import CaseSpan, split_cases
from ingest.nlp.cause import CauseModel
from ingest.nlp.doctext import TEXT, doc_text
from ingest.nlp.entities import CASE_REPORT
from ingest.nlp.general import is_general
from ingest.nlp.induced import drug_induced_table, ground_induced
from ingest.nlp.mentions import Mention
from ingest.nlp.relations import find_relations
from ingest.nlp.series import Series, find_series
from ingest.nlp.spandata import plain_defaults, values
from ingest.sentences import split_sentences
from kb import __version__, records
from kb.records import (
    Evidence,
    EvidenceMethod,
    Extraction,
    Finding,
    FindingKind,
    Relation,
    finding_id,
)

RESOLUTION = "resolution"  # the vocabulary concept every resolution-type outcome is under

EXTRACTOR = "casebook.nlp"
SIDES = {"left", "right", "bilateral", "both"}
KIND_OF_LABEL: dict[str, FindingKind] = {
    "CONDITION": "condition",
    "ETIOLOGY": "etiology",
    "TREATMENT": "treatment",
    "OUTCOME": "outcome",
    "TEST": "test",
    "ANATOMY": "anatomy",
    "AGE": "patient_attribute",
    "SEX": "patient_attribute",
    "DURATION": "duration",
}
SKIP_SECTIONS = {"references", "how_to_cite", "author_contributions", "keywords",
                 "acknowledgements", "declarations"}  # fmt: skip
"""Not prose: reference lists, keyword lists and the back matter. Titles are read: they name
the report's conditions and exposures."""
GENERAL_SECTIONS = {"introduction", "discussion", "conclusion"}
"""Where an article speaks of a condition in general: its findings there are general claims."""


@dataclass(frozen=True)
class TextDocument:
    id: str  # "pmid:123", "pmc:PMC1", "seed:<sha[:12]>"
    title: str  # its conditions are the article's topics (case-level caused_by)
    text: str
    sections: tuple[tuple[str, str, int, int], ...]  # (kind, title, start, end)
    case_report: bool = False  # one patient even without "Case 1" markers
    abstract: bool = False  # an abstract, even of a case report: the abstracts model leads


_MENTION_ATTRS = ("assertion", "value", "category", "ids", "matched", "match_score", "name")
"""The span extensions a mention carries (set by the entity, linker and context pipes)."""


def mentions_of(doc: Doc, offset: int, section: str) -> list[Mention]:
    """Entities of a processed section as plain records, offsets shifted into the document.
    Every text is a slice of the section's text (joined once), not a ``Span.text`` join."""
    out = []
    sentences = [(sent.start, sent.end, sent.start_char, sent.end_char) for sent in doc.sents]
    text = doc_text(doc)
    defaults = plain_defaults(_MENTION_ATTRS)
    i = 0
    for ent in doc.ents:  # both in order: walk the sentences alongside (sent.ents rescans all)
        while i < len(sentences) - 1 and sentences[i][1] <= ent.start:
            i += 1
        _, last, s_start, s_end = sentences[i]
        if ent.end > last:
            continue  # across a sentence boundary: no sentence holds it
        assertion, value, category, ids, matched, score, name = values(
            doc, ent, _MENTION_ATTRS, defaults
        )
        out.append(
            Mention(
                label=ent.label_,
                concept=ent.ent_id_ or ent.label_.lower(),
                text=text[ent.start_char : ent.end_char],
                start=offset + ent.start_char,
                end=offset + ent.end_char,
                sentence=(offset + s_start, offset + s_end),
                sentence_text=text[s_start:s_end],
                section=section,
                assertion=assertion or "present",
                value=value,
                category=category,
                ids=tuple(ids or ()),
                matched=matched,
                match_score=score,
                name=name,
            )
        )
    return out


def extract(
    nlp: Language,
    document: TextDocument,
    labels: dict[str, str],
    broader: Callable[[str], Iterable[str]] = lambda concept: (),
) -> Extraction:
    """Cases, findings and relations of one document. ``labels``: concept id → preferred label;
    ``broader``: concept id → its broader concepts (a narrower condition of a title topic —
    iatrogenic calcinosis cutis under calcinosis cutis — is a topic too)."""
    return next(extract_many(nlp, [document], labels, broader))


def extract_many(
    nlp: Language,
    documents: Iterable[TextDocument],
    labels: dict[str, str],
    broader: Callable[[str], Iterable[str]] = lambda concept: (),
    batch: int = 32,
) -> Iterator[Extraction]:
    """``extract`` for each document, in order, ``batch`` documents at a time: the recognisers
    read many documents' sections in one pass, which costs a third less per text than one
    document at a time."""
    stream = iter(documents)
    while chunk := [_prepare(nlp, d) for d in islice(stream, batch)]:
        processed = nlp.pipe([doc for p in chunk for doc in p.docs], batch_size=64)
        for p in chunk:
            mentions: list[Mention] = []
            for kind, _title, start, _end in p.sections:
                mentions += mentions_of(next(processed), start, kind)
            named = _title_conditions(nlp, p.document, mentions)
            topics = _with_narrower(named, mentions, broader)
            title = title_span(p.document)
            yield assemble(
                p.document,
                mentions,
                p.spans,
                labels,
                topics,
                title=title,
                series=p.series,
                resolves=lambda c: c == RESOLUTION or RESOLUTION in broader(c),
            )


@dataclass
class _Prepared:
    """A document before the pipeline: the prose to read and the cases to assign it to."""

    document: TextDocument
    sections: list[tuple[str, str, int, int]]
    spans: list[CaseSpan]
    series: Series | None
    docs: list[Doc]


def _prepare(nlp: Language, document: TextDocument) -> _Prepared:
    sections = prose(
        document.text, [s for s in document.sections if s[0] not in SKIP_SECTIONS and s[3] > s[2]]
    )
    sections = bounds.bounded(document.id, document.text, sections)
    marked = split_cases(document.text, list(document.sections))
    series = None if marked else _series(document)
    spans = marked or unmarked_cases(document.sections, document.case_report, series)
    docs = []
    for _, _, start, end in sections:
        section_text = document.text[start:end]
        doc = nlp.make_doc(section_text)
        doc.user_data[TEXT] = section_text  # what ``doc.text`` would join again (doctext.py)
        # the case model leads in a case report's full text, not in an abstract
        doc.user_data[CASE_REPORT] = bool(spans) and not document.abstract
        docs.append(doc)
    return _Prepared(document, sections, spans, series, docs)


def _series(document: TextDocument) -> Series | None:
    """Patients the report introduces together, in the part where it describes them."""
    text = document.text
    sentences = [
        s for a, b in case_region(document.sections) for s in split_sentences(text[a:b], a)
    ]
    return find_series(text, sentences, document.case_report)


def assemble(
    document: TextDocument,
    mentions: list[Mention],
    spans: list[CaseSpan],
    labels: dict[str, str],
    topics: frozenset[str] = frozenset(),
    subject: str | None = None,
    method: EvidenceMethod = "text",
    title: tuple[int, int] | None = None,
    series: Series | None = None,
    resolves: Callable[[str], bool] = lambda concept: False,
) -> Extraction:
    """Mentions → findings (with evidence), cases with their attributes, relations; ``title``:
    where the title stands in the text (a cause it states holds for the cases); ``series``:
    patients introduced together, who share the text that does not list them one by one;
    ``resolves``: whether an outcome concept is a resolution (a case's restated resolutions are
    one finding, dated by whichever telling gives a time)."""
    owned = owners(mentions, spans, series, title)
    dropped = skipped(mentions, series)
    again = restated(mentions, owned, spans, resolves)
    dated: dict[tuple[int | None, int], str] = {}
    for (patient, i), j in again.items():
        if when := time_of(mentions[i], mentions, series, patient):
            dated.setdefault((patient, j), when)
    cases = [
        case_record(
            document.id, span, [m for m, o in zip(mentions, owned, strict=True) if c in o], series
        )
        for c, span in enumerate(spans)
    ]
    findings: list[Finding] = []
    views: dict[int | None, dict[int, Finding]] = {}  # case index (None: article) → findings
    for i, m in enumerate(mentions):
        kind = KIND_OF_LABEL.get(m.label)
        if kind is None or i in dropped:
            continue
        owners_of: list[int | None] = list(owned[i]) or [None]
        for c in owners_of:
            if (c, i) in again:
                continue  # told again: the case's own statement stands for it (below)
            case = cases[c] if c is not None else None
            who = subject or (case.id if case else f"article:{document.id}")
            time = time_of(m, mentions, series, c) or dated.get((c, i))
            finding = make_finding(document.id, kind, m, who, labels, method, time)
            finding.general = (
                case is None
                and subject is None
                and (m.section in GENERAL_SECTIONS or is_general(m.sentence_text))
            )
            findings.append(finding)
            views.setdefault(c, {})[i] = finding
    for (patient, i), j in again.items():
        if j in views.get(patient, {}):
            views[patient][i] = views[patient][j]
    model = cause_model()
    relations: dict[tuple[str, str, str], Relation] = {}
    article = views.get(None, {})
    views_of: list[int | None] = list(range(len(cases))) or [None]
    for c in views_of:
        cases_of = [spans[c].number if c is not None and c in o else None for o in owned]
        for relation in find_relations(
            mentions,
            {**article, **views.get(c, {})} if c is not None else article,
            cases_of,
            topics,
            cause=model.score,
            threshold=model.threshold,
            title=title,
        ):
            relations.setdefault((relation.kind, relation.source, relation.target), relation)
    # a condition a chemical caused is filed under MeSH's drug-induced descriptor (induced.py)
    final, linked = ground_induced(_unique(findings), relations.values(), drug_induced_table())
    return Extraction(document.id, cases, final, linked)


def make_finding(
    document: str,
    kind: FindingKind,
    m: Mention,
    subject: str,
    labels: dict[str, str],
    method: EvidenceMethod,
    time: str | None = None,
    about: str | None = None,
) -> Finding:
    evidence = Evidence(
        document=document,
        method=method,
        extractor=EXTRACTOR,
        version=__version__,
        section=m.section,
        sentence=one_line(m.sentence_text),
        start=m.sentence[0],
        end=m.sentence[1],
        span_start=m.start,
        span_end=m.end,
        score=1.0,  # rule-based: a vocabulary or pattern match is exact
    )
    value = m.value if m.label not in {"OUTCOME"} else (time or m.value)
    finding = Finding(
        id="",
        kind=kind,
        concept=m.concept,
        label=labels.get(m.concept) or m.name or m.concept,
        text=m.text,
        subject=subject,
        assertion=records.assertion(m.assertion),
        evidence=evidence,
        value=value,
        about=about,
        category=records.category(m.category),
        ids=list(m.ids),
        matched=m.matched,
        match_score=m.match_score,
    )
    finding.id = finding_id(finding)
    return finding


@functools.lru_cache(maxsize=1024)
def one_line(sentence: str) -> str:
    """The sentence with its whitespace runs as single spaces (evidence text); remembered, as
    every finding of a sentence quotes it."""
    return " ".join(sentence.split())


_LIST_LINE = re.compile(
    r"^[ \t*_#>-]*(?:key\s*-?\s*words?|mesh(?:\s+(?:terms|headings|descriptors))?|"
    r"index\s+terms|abbreviations)[ \t*_]*[:：][^\n]*",
    re.IGNORECASE | re.MULTILINE,
)


def prose(text: str, sections: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """The sections without their keyword, MeSH and abbreviation list lines ("Keywords: A, B"):
    a list of terms is not a statement about the patient."""
    cut = [(m.start(), m.end()) for m in _LIST_LINE.finditer(text)]
    if not cut:
        return sections
    out = []
    for kind, title, start, end in sections:
        pos = start
        for a, b in cut:
            if b <= pos or a >= end:
                continue
            if a > pos:
                out.append((kind, title, pos, a))
            pos = max(pos, b)
        if pos < end:
            out.append((kind, title, pos, end))
    return [s for s in out if text[s[2] : s[3]].strip()]


@functools.lru_cache(maxsize=1)
def cause_model() -> CauseModel:
    """The shipped chemical-induced-disease scorer (``data/models/cause.json.gz``), loaded once."""
    return CauseModel.load()


def title_span(document: TextDocument) -> tuple[int, int] | None:
    """Where the title stands in the document's text, if it does."""
    title = document.title.strip()
    at = document.text.find(title) if title else -1
    return (at, at + len(title)) if at >= 0 else None


def _title_conditions(nlp: Language, document: TextDocument, mentions: list[Mention]) -> set[str]:
    """The conditions the title names: the mentions read where the title stands in the text,
    else (a title the text does not hold) the title read on its own."""
    span = title_span(document)
    if span is None:
        title = bounds.title(document.title.strip())
        return {e.ent_id_ for e in nlp(title).ents if e.label_ == "CONDITION"} if title else set()
    at, end = span
    return {
        m.concept for m in mentions if at <= m.start and m.end <= end and m.label == "CONDITION"
    }


def _with_narrower(
    topics: set[str], mentions: list[Mention], broader: Callable[[str], Iterable[str]]
) -> frozenset[str]:
    conditions = {m.concept for m in mentions if m.label == "CONDITION"}
    return frozenset(topics | {c for c in conditions if topics & set(broader(c))})


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    return list({f.id: f for f in findings}.values())
