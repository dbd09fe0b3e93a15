"""One evidence node with its sentence in context (the evidence panel's read model)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from kb.read.base import (
    ID,
    METHODS,
    QueryStoreLike,
    _float,
    as_int,
    integer,
    literal,
    node,
    select_rows,
    values_block,
)
from kb.read.entities import unmapped
from kb.read.iri_links import Span, local_name, source_links


def evidence_iri_of(row: Mapping[str, str | None]) -> str | None:
    """The evidence node a question's row names, if any."""
    for value in row.values():
        if isinstance(value, str) and value.startswith(ID + "evidence/"):
            return value
    return None


@dataclass(frozen=True)
class Passage:
    """The text around a sentence: ``text`` with its ``spans``; ``sentence`` locates the
    evidence sentence inside it; ``complete`` is False when only some sentences are known."""

    text: str
    spans: tuple[Span, ...]
    sentence: tuple[int, int]
    complete: bool
    source: str  # "abstract", "document" (sentences read from the document) or "sentence"


@dataclass(frozen=True)
class Evidence:
    iri: str
    finding: str
    label: str
    kind: str
    concept: str | None  # concept id (skos:notation)
    concept_label: str | None
    assertion: str
    value: str | None
    subject: str
    subject_label: str | None
    sentence: str
    section: str
    method: str
    extractor: str
    version: str
    score: float | None
    start: int
    end: int
    span_start: int
    span_end: int
    source_text: str
    article: str
    title: str | None
    pmid: str | None
    pmcid: str | None
    doi: str | None
    sentence_spans: tuple[Span, ...] = ()
    passage: Passage | None = None
    status: str | None = None  # the article's: "retracted", "corrected"

    @property
    def links(self) -> list[tuple[str, str]]:
        """(label, URL): PubMed, PMC, DOI."""
        return source_links(self.pmid, self.pmcid, self.doi)

    @property
    def method_label(self) -> str:
        return METHODS.get(self.method, self.method)


FINDING_OF = "SELECT ?f WHERE { ?f cb:evidence ?evidence ; a cb:Finding }"
PROPERTIES = "SELECT ?p ?o WHERE { ?node ?p ?o }"
LABELS = "SELECT ?node ?p ?o WHERE { ?node ?p ?o }"
NAMING = {"notation", "prefLabel", "label", "title", "hasPubMedId", "hasPubMedCentralId", "doi",
          "sourceStatus"}  # fmt: skip


def _properties(store: QueryStoreLike, iri: str) -> dict[str, list[str]]:
    """Local name of each property of ``iri`` → its values (one index lookup)."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in select_rows(store, PROPERTIES, {"node": node(iri)}, limit=1000):
        out[local_name(r["p"])].append(r["o"])
    return out


EVIDENCE_BY_SENTENCE = """
SELECT ?evidence WHERE {
  ?evidence cb:sentence ?sentence ; prov:wasDerivedFrom ?from .
  ?f cb:evidence ?evidence ; a cb:Finding ; cb:concept ?fc .
  OPTIONAL { ?fc skos:prefLabel ?label }
  OPTIONAL { ?f cb:about ?about }
  BIND(IF(?from = ?article || COALESCE(?about = ?article, false), 0, 2)
       + IF(COALESCE(LCASE(STR(?label)) = LCASE(STR(?want)), false), 0, 1) AS ?rank)
}
ORDER BY ?rank ?evidence
LIMIT 1
"""
SENTENCES_NEAR = """
SELECT ?e ?st ?en ?sentence ?section ?ss ?se ?kind ?label ?cid WHERE {
  ?e cb:sourceText ?src ; cb:method ?method ; cb:start ?st ; cb:end ?en .
  FILTER(?st >= ?lo && ?en <= ?hi)
  ?e cb:sentence ?sentence ; cb:section ?section ; cb:spanStart ?ss ; cb:spanEnd ?se .
  ?f cb:evidence ?e ; a cb:Finding ; cb:kind/skos:notation ?kind ; rdfs:label ?label ; cb:concept ?fc .
  OPTIONAL { ?fc skos:notation ?cid }
}
LIMIT 5000
"""
SAME_SENTENCE = """
SELECT ?e ?st ?ss ?se ?kind ?label ?cid WHERE {
  ?e cb:sourceText ?src ; cb:sentence ?sentence ; cb:start ?st ; cb:spanStart ?ss ; cb:spanEnd ?se .
  ?f cb:evidence ?e ; a cb:Finding ; cb:kind/skos:notation ?kind ; rdfs:label ?label ; cb:concept ?fc .
  OPTIONAL { ?fc skos:notation ?cid }
}
LIMIT 500
"""
ABSTRACT = "SELECT ?abstract WHERE { ?article dcterms:abstract ?abstract } LIMIT 1"


def find_evidence(
    store: QueryStoreLike, sentence: str, article: str, label: str | None = None
) -> str | None:
    """The evidence node of a sentence — for a question row without one — preferring one read
    from (or about) ``article``, then a finding whose concept is labelled ``label``."""
    rows = select_rows(
        store,
        EVIDENCE_BY_SENTENCE,
        {"sentence": literal(sentence), "article": node(article), "want": literal(label or "")},
        limit=1,
    )
    return rows[0]["evidence"] if rows else None


def evidence(
    store: QueryStoreLike, evidence_iri: str, with_passage: bool = True
) -> Evidence | None:
    """One evidence node with its finding, the article (and its PubMed/PMC/DOI ids), every
    mention in its sentence, and the passage around the sentence."""
    finding = select_rows(store, FINDING_OF, {"evidence": node(evidence_iri)}, limit=1)
    if not finding:
        return None
    f_iri = finding[0]["f"]
    f, e = _properties(store, f_iri), _properties(store, evidence_iri)
    concept, subject = _first(f, "concept"), _first(f, "subject") or ""
    article_iri_ = _first(e, "wasDerivedFrom") or ""
    kind = _first(f, "kind") or ""
    named = [n for n in (concept, subject, article_iri_, kind) if n]
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    sparql = values_block(LABELS, "node", [node(n) for n in named])
    for r in select_rows(store, sparql, None, limit=100_000):
        if local_name(r["p"]) in NAMING:
            labels[r["node"]].setdefault(local_name(r["p"]), r["o"])
    art = labels.get(article_iri_, {})
    ev = Evidence(
        iri=evidence_iri,
        finding=f_iri,
        label=_first(f, "label") or "",
        kind=labels.get(kind, {}).get("notation", local_name(kind)),
        concept=labels.get(concept or "", {}).get("notation"),
        concept_label=labels.get(concept or "", {}).get("prefLabel"),
        assertion=_first(f, "assertion") or "",
        value=_first(f, "value"),
        subject=subject,
        subject_label=labels.get(subject, {}).get("label"),
        sentence=_first(e, "sentence") or "",
        section=_first(e, "section") or "",
        method=_first(e, "method") or "",
        extractor=_first(e, "extractor") or "",
        version=_first(e, "extractorVersion") or "",
        score=_float(_first(e, "score")),
        start=as_int(_first(e, "start")),
        end=as_int(_first(e, "end")),
        span_start=as_int(_first(e, "spanStart")),
        span_end=as_int(_first(e, "spanEnd")),
        source_text=_first(e, "sourceText") or "",
        article=article_iri_,
        title=art.get("title"),
        pmid=art.get("hasPubMedId"),
        pmcid=art.get("hasPubMedCentralId"),
        doi=art.get("doi"),
        status=art.get("sourceStatus"),
    )
    spans = _sentence_spans(store, ev)
    passage = _passage(store, ev, spans) if with_passage else None
    return _replace(ev, sentence_spans=tuple(spans), passage=passage)


def _first(values: Mapping[str, list[str]], name: str) -> str | None:
    return values[name][0] if values.get(name) else None


def _replace(ev: Evidence, **changes) -> Evidence:
    import dataclasses

    return dataclasses.replace(ev, **changes)


def _sentence_spans(store: QueryStoreLike, ev: Evidence) -> list[Span]:
    rows = select_rows(
        store,
        SAME_SENTENCE,
        {"src": literal(ev.source_text), "sentence": literal(ev.sentence)},
        limit=500,
    )
    spans = {}
    for r in rows:
        start = as_int(r["st"])
        s, e = as_int(r["ss"]) - start, as_int(r["se"]) - start
        main = r["e"] == ev.iri
        if unmapped(r.get("cid")) and not main:
            continue  # words no vocabulary grounds are no mention to point at
        key = (s, e)
        if key not in spans or main:
            spans[key] = Span(s, e, r["kind"] or "", r["label"] or "", main)
    if ev.method == "text" and not any(s.main for s in spans.values()):
        s, e = ev.span_start - ev.start, ev.span_end - ev.start
        spans[(s, e)] = Span(s, e, ev.kind, ev.label, True)
    return list(spans.values())


def _passage(store: QueryStoreLike, ev: Evidence, spans: list[Span]) -> Passage | None:
    """The paragraph of the sentence: the abstract's paragraph for a PubMed abstract, else the
    neighbouring sentences of the same section that the graph knows (those with findings)."""
    if ev.method != "text":
        return None
    if ev.source_text.startswith("pmid:"):
        rows = select_rows(store, ABSTRACT, {"article": node(ev.article)}, limit=1)
        abstract = rows[0]["abstract"] if rows else None
        if abstract and ev.sentence in abstract:
            for paragraph in abstract.split("\n"):
                at = paragraph.find(ev.sentence)
                if at >= 0:
                    return _abstract_passage(store, ev, paragraph, at, spans)
    rows = select_rows(
        store,
        SENTENCES_NEAR,
        {
            "src": literal(ev.source_text),
            "method": literal("text"),
            "lo": integer(max(0, ev.start - 1500)),
            "hi": integer(ev.end + 1500),
        },
        limit=5000,
    )
    sentences: dict[int, tuple[int, str, str]] = {}
    mentions: dict[int, list[Span]] = defaultdict(list)
    for r in rows:
        st = as_int(r["st"])
        sentences[st] = (as_int(r["en"]), r["sentence"] or "", r["section"] or "")
        if unmapped(r.get("cid")) and r["e"] != ev.iri:
            continue
        mentions[st].append(
            Span(
                as_int(r["ss"]) - st,
                as_int(r["se"]) - st,
                r["kind"] or "",
                r["label"] or "",
                r["e"] == ev.iri,
            )
        )
    if ev.start not in sentences:
        sentences[ev.start] = (ev.end, ev.sentence, ev.section)
    order = sorted(s for s in sentences if sentences[s][2] == ev.section)
    i = order.index(ev.start)
    lo = hi = i  # neighbours joined by at most one character (a space): the same paragraph
    while lo > 0 and i - lo < 3 and order[lo] - sentences[order[lo - 1]][0] <= 1:
        lo -= 1
    while hi + 1 < len(order) and hi - i < 3 and order[hi + 1] - sentences[order[hi]][0] <= 1:
        hi += 1
    text_parts: list[str] = []
    all_spans: list[Span] = []
    where = (0, 0)
    pos = 0
    for start in order[lo : hi + 1]:
        _, sentence, _ = sentences[start]
        if text_parts:
            text_parts.append(" ")
            pos += 1
        if start == ev.start:
            where = (pos, pos + len(sentence))
            sentence_spans = spans
        else:
            sentence_spans = mentions[start]
        all_spans += [
            Span(s.start + pos, s.end + pos, s.kind, s.label, s.main) for s in sentence_spans
        ]
        text_parts.append(sentence)
        pos += len(sentence)
    return Passage("".join(text_parts), tuple(all_spans), where, False, "document")


def _abstract_passage(
    store: QueryStoreLike, ev: Evidence, paragraph: str, at: int, own: list[Span]
) -> Passage:
    rows = select_rows(
        store,
        SENTENCES_NEAR,
        {
            "src": literal(ev.source_text),
            "method": literal("text"),
            "lo": integer(0),
            "hi": integer(10**9),
        },
        limit=5000,
    )
    spans: list[Span] = []
    seen: dict[str, int] = {}
    for r in rows:
        sentence = r["sentence"] or ""
        if sentence == ev.sentence:
            continue
        where = seen.get(sentence)
        if where is None:
            where = seen[sentence] = paragraph.find(sentence)
        if where < 0 or unmapped(r.get("cid")):
            continue
        st = as_int(r["st"])
        spans.append(
            Span(
                as_int(r["ss"]) - st + where,
                as_int(r["se"]) - st + where,
                r["kind"] or "",
                r["label"] or "",
            )
        )
    spans += [Span(s.start + at, s.end + at, s.kind, s.label, s.main) for s in own]
    return Passage(paragraph, tuple(spans), (at, at + len(ev.sentence)), True, "abstract")
