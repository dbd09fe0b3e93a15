"""Data access for the explorer (``app.py``): pure functions from a read-only store to rows.

Every function takes a store handle — anything with ``query(sparql, bindings, limit)`` answering
a ``kb.store.QueryResult``: ``KB`` (one read-only version of the embedded store),
``kb.remote.EmbeddedStore`` or ``kb.remote.RemoteStore`` — plus plain parameters, and returns
dataclasses or plain rows; nothing here knows about Streamlit. User input (a search string, a
concept id, a PMID) only ever reaches SPARQL as an RDF term bound by ``kb.store.bind`` (or, for a
list of nodes, a ``VALUES`` block of terms serialised by pyoxigraph): it is never pasted into
the query text. The query texts below vary only by which fixed clauses a filter adds.

Queries start from bound values where there are any and cap their rows (``LIMIT``), so that a
page stays interactive on a store of ~10M quads; the few whole-graph aggregates (counts, the
treatment × outcome matrix) are the caller's to cache per store version.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote

import pyoxigraph as ox

from kb import iris
from kb.concepts import concept_choices, concept_lookup  # noqa: F401 (the app's calls)
from kb.errors import Damaged
from kb.escape import md_escape
from kb.export import BibEntry
from kb.query import ROW_LIMIT
from kb.questions import Question, get_question
from kb.store import QueryResult, StoreError, bind, current_version, open_store, run_query

ID = iris.BASE
CB = "https://casebook.invalid/ontology#"
RUNS_GRAPH = str(iris.RUNS_GRAPH)
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

PREFIXES = """PREFIX cb: <https://casebook.invalid/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
PREFIX bibo: <http://purl.org/ontology/bibo/>
"""

KINDS = ("condition", "etiology", "treatment", "outcome", "test", "anatomy", "patient_attribute",
         "duration")  # fmt: skip
BROWSE_KINDS = ("condition", "etiology", "treatment", "outcome")
KIND_IRI = {
    "condition": CB + "kindCondition",
    "etiology": CB + "kindEtiology",
    "treatment": CB + "kindTreatment",
    "outcome": CB + "kindOutcome",
    "test": CB + "kindTest",
    "anatomy": CB + "kindAnatomy",
    "patient_attribute": CB + "kindPatientAttribute",
    "duration": CB + "kindDuration",
}
KIND_COLORS = {
    "condition": "red",
    "etiology": "orange",
    "treatment": "green",
    "outcome": "blue",
    "test": "violet",
    "anatomy": "gray",
    "patient_attribute": "gray",
    "duration": "gray",
}
METHODS = {
    "text": "text",
    "mesh": "MeSH indexing",
    "citation_context": "citation context (what the seed says)",
}
SEARCH_MAX = 200  # characters of a search string kept
PAGE_SIZE = 25


class QueryStoreLike(Protocol):
    def query(
        self,
        sparql: str,
        bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        limit: int = ROW_LIMIT,
    ) -> QueryResult: ...


# --------------------------------------------------------------------------- the store


class KB:
    """One version of the embedded store, opened read-only (never written): ``version`` names
    it, so callers can key caches on it. Safe to share between threads (pyoxigraph's read-only
    store is)."""

    def __init__(self, data_dir: Path) -> None:
        from kb.check import guard

        self.data_dir = Path(data_dir)
        try:
            guard(self.data_dir)
        except Damaged as exc:  # shown as the store's error: the explorer says it in one line
            raise StoreError(str(exc)) from None
        for _ in range(3):  # a build may switch CURRENT between reading it and opening it
            before = current_version(self.data_dir)
            store = open_store(self.data_dir)
            if current_version(self.data_dir) == before:
                break
        assert before is not None
        self.version = before.name
        self._store = store

    def __repr__(self) -> str:
        return f"KB({str(self.data_dir)!r}, {self.version!r})"

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
        limit: int = ROW_LIMIT,
    ) -> QueryResult:
        return run_query(self._store, sparql, bindings, limit)


def store_version(data_dir: Path) -> str | None:
    """The name of the current store version, or None when there is no knowledge base yet."""
    path = current_version(Path(data_dir))
    return path.name if path else None


def ask(
    store: QueryStoreLike,
    question: Question,
    values: Mapping[str, str] | None = None,
    limit: int = ROW_LIMIT,
    page: int = 1,
) -> QueryResult:
    """A named question with ``values`` for its parameters (defaults otherwise)."""
    return question.answer(store.query, values, page, limit)


def _rows(store: QueryStoreLike, sparql: str, bindings=None, limit: int = ROW_LIMIT) -> list[dict]:
    result = store.query(PREFIXES + sparql, bindings, limit)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def literal(value: str) -> ox.Literal:
    return ox.Literal(value)


def integer(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=XSD_INTEGER)


def node(iri: str) -> ox.NamedNode:
    """An IRI as a term; pyoxigraph refuses a malformed one (``ValueError``)."""
    return ox.NamedNode(iri)


def values_block(sparql: str, var: str, terms: Sequence[ox.NamedNode | ox.Literal]) -> str:
    """``sparql`` with ``VALUES ?var { t1 t2 … }`` opening its WHERE clause — ``kb.store.bind``
    for a list of values of one variable; each term serialised by pyoxigraph itself."""
    if not re.fullmatch(r"\w+", var):
        raise StoreError("variable names must be letters, digits and '_'")
    if not all(isinstance(t, ox.NamedNode | ox.Literal) for t in terms):
        raise StoreError("VALUES takes RDF terms only")
    block = f" VALUES ?{var} {{ {' '.join(str(t) for t in terms)} }} "
    out, found = re.subn(
        r"\bWHERE\s*\{", lambda m: m.group(0) + block, sparql, count=1, flags=re.IGNORECASE
    )
    if not found:
        raise StoreError("a query with values needs a WHERE { … } clause")
    return out


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(float(value)) if value not in (None, "") else default
    except ValueError:
        return default


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _bool(value: str | None) -> bool | None:
    return None if value is None else value == "true"


# --------------------------------------------------------------------------- ids ↔ IRIs


def document_id(article_iri: str) -> str:
    """``…/article/pmid/1`` → "pmid:1" (the project's document ids); other IRIs unchanged."""
    prefix = ID + "article/"
    if not article_iri.startswith(prefix):
        return article_iri
    scheme, _, local = article_iri.removeprefix(prefix).partition("/")
    return f"{scheme}:{unquote(local)}" if local and "/" not in local else article_iri


def article_iri(doc_id: str) -> str:
    """ "99000001", "pmid:1", "seed:abc", "pmc:PMC1" → the article IRI (``ValueError`` if not)."""
    doc_id = doc_id.strip()
    if doc_id.isdigit():
        doc_id = f"pmid:{doc_id}"
    if doc_id.startswith(ID + "article/"):
        return doc_id
    return str(iris.article(doc_id))


def concept_iri(concept_id: str) -> str:
    return str(iris.concept(concept_id.strip()))


def concept_id(iri: str) -> str:
    """A concept IRI → its id ("calcinosis_cutis", "mesh:D002114")."""
    tail = iri.removeprefix(ID + "concept/")
    return "mesh:" + tail.removeprefix("mesh/") if tail.startswith("mesh/") else unquote(tail)


def page_of(iri: str) -> tuple[str, dict[str, str]] | None:
    """The explorer page (and its parameters) that shows the node ``iri``, if one does."""
    if iri.startswith(ID + "article/") and iri.removeprefix(ID + "article/").count("/") == 1:
        return "article", {"id": document_id(iri)}
    if iri.startswith(ID + "case/"):
        return "case", {"id": case_id(iri)}
    if iri.startswith(ID + "concept/"):
        return "concept", {"id": concept_id(iri)}
    return None


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def source_links(pmid: str | None, pmcid: str | None, doi: str | None) -> list[tuple[str, str]]:
    """(label, URL) for each identifier an article has: PubMed, PMC, DOI."""
    out = []
    if pmid:
        out.append((f"PubMed {pmid}", pubmed_url(pmid)))
    if pmcid:
        out.append((f"PMC {pmcid}", pmc_url(pmcid)))
    if doi:
        out.append((f"DOI {doi}", doi_url(doi)))
    return out


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid)}/"


def pmc_url(pmcid: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(pmcid)}/"


def doi_url(doi: str) -> str:
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}"


def mesh_url(ui: str) -> str:
    return f"https://meshb.nlm.nih.gov/record/ui?ui={quote(ui)}"


# --------------------------------------------------------------------------- markdown


@dataclass(frozen=True)
class Span:
    """A mention inside a text: ``start``/``end`` relative to that text."""

    start: int
    end: int
    kind: str
    label: str = ""
    main: bool = False


def highlight(text: str, spans: Iterable[Span]) -> str:
    """``text`` as Markdown with each span coloured by its kind (the main one on a background,
    bold); overlapping spans keep the main one, then the longest; all text escaped."""
    chosen: list[Span] = []
    ordered = sorted(
        (s for s in spans if 0 <= s.start < s.end <= len(text)),
        key=lambda s: (not s.main, -(s.end - s.start), s.start),
    )
    for span in ordered:
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    out: list[str] = []
    pos = 0
    for span in sorted(chosen, key=lambda s: s.start):
        out.append(md_escape(text[pos : span.start]))
        words = md_escape(text[span.start : span.end]).strip()
        color = KIND_COLORS.get(span.kind, "gray")
        out.append(f":{color}-background[**{words}**]" if span.main else f":{color}[**{words}**]")
        pos = span.end
    out.append(md_escape(text[pos:]))
    return "".join(out).strip()


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class Counts:
    articles: int
    seed_articles: int
    cases: int
    references: int
    resolved: int
    findings: dict[str, int]
    mesh_headings: int


COUNT_OF_TYPE = "SELECT (COUNT(*) AS ?n) WHERE { ?x a ?type }"
COUNT_RESOLVED = "SELECT (COUNT(*) AS ?n) WHERE { ?x cb:resolvedTo ?article }"
FINDINGS_BY_KIND = "SELECT ?k (COUNT(*) AS ?n) WHERE { ?f cb:kind ?k } GROUP BY ?k"
FABIO = "http://purl.org/spar/fabio/"


def _count(store: QueryStoreLike, sparql: str, bindings=None) -> int:
    rows = _rows(store, sparql, bindings, limit=1)
    return _int(rows[0]["n"]) if rows else 0


def counts(store: QueryStoreLike) -> Counts:
    """Articles, cases, references, findings by kind: single-pattern counts (each one index
    scan, no join), so they stay cheap on a large store."""

    def of_type(iri: str) -> int:
        return _count(store, COUNT_OF_TYPE, {"type": node(iri)})

    kinds = {v: k for k, v in KIND_IRI.items()}
    by_kind = {
        kinds.get(r["k"], local_name(r["k"])): _int(r["n"]) for r in _rows(store, FINDINGS_BY_KIND)
    }
    return Counts(
        articles=of_type(FABIO + "JournalArticle") + of_type(FABIO + "BookChapter"),
        seed_articles=of_type(CB + "SeedArticle"),
        cases=of_type(CB + "Case"),
        references=of_type(CB + "Reference"),
        resolved=_count(store, COUNT_RESOLVED),
        findings={k: by_kind[k] for k in KINDS if k in by_kind}
        | {k: v for k, v in by_kind.items() if k not in KINDS},
        mesh_headings=of_type(CB + "MeshHeading"),
    )


BY_YEAR = """
SELECT ?year (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a fabio:hasPublicationYear ?y . BIND(STR(?y) AS ?year) }
GROUP BY ?year ORDER BY ?year
"""
PUBLICATION_TYPES = """
SELECT ?type (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a dcterms:type ?type }
GROUP BY ?type ORDER BY DESC(?n) ?type
"""


def publications_by_year(store: QueryStoreLike) -> list[tuple[str, int]]:
    return [(r["year"], _int(r["n"])) for r in _rows(store, BY_YEAR)]


def publication_types(store: QueryStoreLike) -> list[tuple[str, int]]:
    return [(r["type"], _int(r["n"])) for r in _rows(store, PUBLICATION_TYPES)]


@dataclass(frozen=True)
class SeedReference:
    number: int
    raw: str
    method: str | None  # pmid | doi | ecitmatch | title, None when unresolved
    score: float | None
    reason: str | None  # why it is unresolved
    detail: str | None
    article: str | None  # IRI of the article it resolved to
    pmid: str | None  # set when the PubMed record was fetched
    title: str | None
    pmcid: str | None
    open_access: bool | None  # True: PMC full text; False: PMC abstract only; None: no PMC
    retracted: bool | None
    claims: int = 0  # findings the seed attributes to this reference

    @property
    def fetched(self) -> bool:
        return self.pmid is not None

    @property
    def full_text(self) -> str:
        if self.open_access is True:
            return "full text"
        if self.open_access is False:
            return "abstract only (PMC, not open access)"
        return "abstract only" if self.fetched else "—"


SEED_REFERENCES = """
SELECT ?number ?raw ?method ?score ?reason ?detail ?article ?pmid ?title ?pmcid ?oa ?retracted
       (COUNT(DISTINCT ?claim) AS ?claims)
WHERE {
  ?seed a cb:SeedArticle ; cb:hasReference ?ref .
  ?ref cb:number ?number ; cb:rawText ?raw .
  OPTIONAL { ?ref cb:resolutionMethod ?method }
  OPTIONAL { ?ref cb:resolutionScore ?score }
  OPTIONAL { ?ref cb:unresolvedReason ?reason }
  OPTIONAL { ?ref cb:resolutionDetail ?detail }
  OPTIONAL { ?claim cb:subject ?ref }
  OPTIONAL {
    ?ref cb:resolvedTo ?article .
    OPTIONAL { ?article fabio:hasPubMedId ?pmid }
    OPTIONAL { ?article dcterms:title ?title }
    OPTIONAL { ?article fabio:hasPubMedCentralId ?pmcid }
    OPTIONAL { ?article cb:openAccess ?oa }
    OPTIONAL { ?article cb:retracted ?retracted }
  }
}
GROUP BY ?number ?raw ?method ?score ?reason ?detail ?article ?pmid ?title ?pmcid ?oa ?retracted
ORDER BY ?number
"""


def seed_references(store: QueryStoreLike) -> list[SeedReference]:
    """The seed's numbered references: how each was resolved (or why not), fetched, full text."""
    out: dict[int, SeedReference] = {}
    for r in _rows(store, SEED_REFERENCES, limit=5000):
        number = _int(r["number"])
        if number in out:  # a second PMC id or title for one article: keep the first
            continue
        out[number] = SeedReference(
            number=number,
            raw=r["raw"] or "",
            method=r["method"],
            score=_float(r["score"]),
            reason=r["reason"],
            detail=r["detail"],
            article=r["article"],
            pmid=r["pmid"],
            title=r["title"],
            pmcid=r["pmcid"],
            open_access=_bool(r["oa"]),
            retracted=_bool(r["retracted"]),
            claims=_int(r["claims"]),
        )
    return [out[n] for n in sorted(out)]


SEEDS = "SELECT ?a ?title WHERE { ?a a cb:SeedArticle . OPTIONAL { ?a dcterms:title ?title } }"


def seed_articles(store: QueryStoreLike) -> list[tuple[str, str]]:
    """(document id, title) of the seed article(s)."""
    return [(document_id(r["a"]), r["title"] or "") for r in _rows(store, SEEDS, limit=100)]


FULL_TEXTS = """
SELECT ?oa (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a cb:openAccess ?oa } GROUP BY ?oa
"""


def full_text_counts(store: QueryStoreLike) -> dict[str, int]:
    """PMC articles: {"full text": n, "abstract only": m}."""
    out = {"full text": 0, "abstract only": 0}
    for r in _rows(store, FULL_TEXTS):
        out["full text" if r["oa"] == "true" else "abstract only"] += _int(r["n"])
    return out


@dataclass(frozen=True)
class Run:
    iri: str
    label: str | None
    ended: str
    kind: str  # the run's classes other than prov:Activity ("Build", "Refresh")


RUNS = f"""
SELECT ?run ?ended ?label (GROUP_CONCAT(DISTINCT STR(?type); SEPARATOR=" ") AS ?types) WHERE {{
  GRAPH <{RUNS_GRAPH}> {{
    ?run a prov:Activity ; prov:endedAtTime ?ended .
    OPTIONAL {{ ?run rdfs:label ?label }}
    OPTIONAL {{ ?run a ?type FILTER(?type != prov:Activity) }}
  }}
}}
GROUP BY ?run ?ended ?label
ORDER BY DESC(?ended)
"""


def runs(store: QueryStoreLike, limit: int = 20) -> list[Run]:
    """Builds and refreshes (``prov:Activity`` in the run graph), latest first. Nothing depends
    on the shape of a run's IRI."""
    rows = _rows(store, RUNS, limit=limit)
    return [
        Run(
            r["run"],
            r["label"],
            r["ended"] or "",
            " ".join(local_name(t) for t in (r["types"] or "").split()),
        )
        for r in rows
    ]


def last_refresh(store: QueryStoreLike) -> str | None:
    """The latest ``prov:endedAtTime`` of any activity in the run graph (ISO 8601)."""
    latest = runs(store, limit=1)
    return latest[0].ended if latest else None


# --------------------------------------------------------------------------- questions


def evidence_iri_of(row: Mapping[str, str | None]) -> str | None:
    """The evidence node a question's row names, if any."""
    for value in row.values():
        if isinstance(value, str) and value.startswith(ID + "evidence/"):
            return value
    return None


# --------------------------------------------------------------------------- evidence


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
    for r in _rows(store, PROPERTIES, {"node": node(iri)}, limit=1000):
        out[local_name(r["p"])].append(r["o"])
    return out


EVIDENCE_BY_SENTENCE = """
SELECT ?evidence WHERE {
  ?evidence cb:sentence ?sentence ; prov:wasDerivedFrom ?from .
  ?f cb:evidence ?evidence ; a cb:Finding .
  OPTIONAL { ?f cb:concept/skos:prefLabel ?label }
  OPTIONAL { ?f cb:about ?about }
  BIND(IF(?from = ?article || COALESCE(?about = ?article, false), 0, 2)
       + IF(COALESCE(LCASE(STR(?label)) = LCASE(STR(?want)), false), 0, 1) AS ?rank)
}
ORDER BY ?rank ?evidence
LIMIT 1
"""
SENTENCES_NEAR = """
SELECT ?e ?st ?en ?sentence ?section ?ss ?se ?kind ?label WHERE {
  ?e cb:sourceText ?src ; cb:method ?method ; cb:start ?st ; cb:end ?en .
  FILTER(?st >= ?lo && ?en <= ?hi)
  ?e cb:sentence ?sentence ; cb:section ?section ; cb:spanStart ?ss ; cb:spanEnd ?se .
  ?f cb:evidence ?e ; a cb:Finding ; cb:kind/skos:notation ?kind ; rdfs:label ?label .
}
LIMIT 5000
"""
SAME_SENTENCE = """
SELECT ?e ?st ?ss ?se ?kind ?label WHERE {
  ?e cb:sourceText ?src ; cb:sentence ?sentence ; cb:start ?st ; cb:spanStart ?ss ; cb:spanEnd ?se .
  ?f cb:evidence ?e ; a cb:Finding ; cb:kind/skos:notation ?kind ; rdfs:label ?label .
}
LIMIT 500
"""
ABSTRACT = "SELECT ?abstract WHERE { ?article dcterms:abstract ?abstract } LIMIT 1"


def find_evidence(
    store: QueryStoreLike, sentence: str, article: str, label: str | None = None
) -> str | None:
    """The evidence node of a sentence — for a question row without one — preferring one read
    from (or about) ``article``, then a finding whose concept is labelled ``label``."""
    rows = _rows(
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
    finding = _rows(store, FINDING_OF, {"evidence": node(evidence_iri)}, limit=1)
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
    for r in _rows(store, sparql, None, limit=100_000):
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
        start=_int(_first(e, "start")),
        end=_int(_first(e, "end")),
        span_start=_int(_first(e, "spanStart")),
        span_end=_int(_first(e, "spanEnd")),
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
    rows = _rows(
        store,
        SAME_SENTENCE,
        {"src": literal(ev.source_text), "sentence": literal(ev.sentence)},
        limit=500,
    )
    spans = {}
    for r in rows:
        start = _int(r["st"])
        s, e = _int(r["ss"]) - start, _int(r["se"]) - start
        main = r["e"] == ev.iri
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
        rows = _rows(store, ABSTRACT, {"article": node(ev.article)}, limit=1)
        abstract = rows[0]["abstract"] if rows else None
        if abstract and ev.sentence in abstract:
            for paragraph in abstract.split("\n"):
                at = paragraph.find(ev.sentence)
                if at >= 0:
                    return _abstract_passage(store, ev, paragraph, at, spans)
    rows = _rows(
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
        st = _int(r["st"])
        sentences[st] = (_int(r["en"]), r["sentence"] or "", r["section"] or "")
        mentions[st].append(
            Span(
                _int(r["ss"]) - st,
                _int(r["se"]) - st,
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
    rows = _rows(
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
        if where < 0:
            continue
        st = _int(r["st"])
        spans.append(
            Span(
                _int(r["ss"]) - st + where,
                _int(r["se"]) - st + where,
                r["kind"] or "",
                r["label"] or "",
            )
        )
    spans += [Span(s.start + at, s.end + at, s.kind, s.label, s.main) for s in own]
    return Passage(paragraph, tuple(spans), (at, at + len(ev.sentence)), True, "abstract")


# --------------------------------------------------------------------------- articles


@dataclass(frozen=True)
class ArticleRow:
    iri: str
    id: str  # "pmid:…", "seed:…", "pmc:…"
    title: str
    year: str | None
    journal: str | None
    types: str  # PubMed publication types, "; "-joined


@dataclass(frozen=True)
class ArticlePage:
    rows: list[ArticleRow]
    total: int
    offset: int
    sorted: bool = True  # newest first; False: a large result paged in the store's order


SORT_MAX = 5000  # a result set up to this size is sorted (newest first); larger: store order
ARTICLE_PREFIX = ID + "article/"
XSD_GYEAR = ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")


def _article_filters(
    text: str, year: str | None, pub_type: str | None, mesh: str | None, concept: str | None
) -> tuple[str, dict, bool]:
    """The WHERE body and bindings of an article search, and whether it needs DISTINCT. Each
    filter adds a fixed clause that starts from its bound value (an index lookup); the search
    string is a bound literal compared with CONTAINS, never part of the query text."""
    clauses: list[str] = []
    bindings: dict[str, ox.NamedNode | ox.Literal] = {}
    distinct = False
    if concept:
        bindings["concept"] = node(concept_iri(concept))
        clauses.append(
            "?c skos:broader* ?concept . ?f cb:concept ?c ; cb:evidence ?e . "
            "?e prov:wasDerivedFrom ?article ."
        )
        distinct = True
    if mesh:
        bindings["mesh"] = node(str(iris.mesh_term(mesh)))
        clauses.append("?h cb:descriptor ?mesh . ?article cb:meshHeading ?h .")
    if pub_type:
        bindings["ptype"] = literal(pub_type)
        clauses.append("?article dcterms:type ?ptype .")
    if year:
        bindings["year"] = ox.Literal(str(year).strip(), datatype=XSD_GYEAR)
        clauses.append("?article fabio:hasPublicationYear ?year .")
    clauses.append(
        f'?article dcterms:title ?title . FILTER(STRSTARTS(STR(?article), "{ARTICLE_PREFIX}"))'
    )
    text = " ".join(text.split())[:SEARCH_MAX]
    if re.fullmatch(r"\d{1,9}", text):  # a PMID: an index lookup
        bindings["qid"] = literal(text)
        clauses.append("?article fabio:hasPubMedId ?qid .")
    elif re.fullmatch(r"(?:https://doi\.org/)?10\.\S+/\S+", text, re.IGNORECASE):  # a DOI
        bindings["qdoi"] = literal(text.lower().removeprefix("https://doi.org/"))
        clauses.append("?article prism:doi ?qdoi .")
    elif text:  # words of the title: the bound literal, compared in the same group
        bindings["q"] = literal(text.lower())
        clauses.append("FILTER(CONTAINS(LCASE(STR(?title)), ?q))")
    return "\n  ".join(clauses), bindings, distinct


ARTICLE_DETAILS = """
SELECT ?article ?year ?journal (GROUP_CONCAT(DISTINCT ?t; SEPARATOR="; ") AS ?types) WHERE {
  OPTIONAL { ?article fabio:hasPublicationYear ?py . BIND(STR(?py) AS ?year) }
  OPTIONAL { ?article prism:publicationName ?journal }
  OPTIONAL { ?article dcterms:type ?t }
}
GROUP BY ?article ?year ?journal
"""


def search_articles(
    store: QueryStoreLike,
    text: str = "",
    year: str | None = None,
    pub_type: str | None = None,
    mesh: str | None = None,
    concept: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> ArticlePage:
    """Articles whose title contains ``text`` (or whose PMID/DOI is it), filtered by year,
    publication type, MeSH descriptor (UI, "D…") and concept (id, narrower ones included);
    one page of ``limit`` from ``offset``, with the total count. Newest first (then by title)
    when at most ``SORT_MAX`` match; a larger set is paged in the store's order, which does not
    sort the whole set (``ArticlePage.sorted`` says which)."""
    if year and not re.fullmatch(r"\d{4}", str(year).strip()):
        return ArticlePage([], 0, 0)
    body, bindings, distinct = _article_filters(text, year, pub_type, mesh, concept)
    offset, limit = max(0, int(offset)), max(1, min(int(limit), 500))
    select = "SELECT DISTINCT ?article ?title" if distinct else "SELECT ?article ?title"
    inner = bind(f"{select} WHERE {{\n  {body}\n}}", bindings)
    only_mesh = mesh and not (text.strip() or year or pub_type or concept)
    if only_mesh:  # one heading per descriptor and article: count the headings (no join)
        total = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?h cb:descriptor ?mesh }",
                       {"mesh": bindings["mesh"]})  # fmt: skip
    else:
        total = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {inner} }} }}")
    ordered = total <= SORT_MAX
    if ordered:
        page = f"""
SELECT ?article ?title WHERE {{
  {{ {inner} }}
  OPTIONAL {{ ?article fabio:hasPublicationYear ?sy }}
}}
ORDER BY DESC(?sy) ?title ?article
LIMIT {limit} OFFSET {offset}
"""
    else:
        page = f"SELECT ?article ?title WHERE {{ {{ {inner} }} }} LIMIT {limit} OFFSET {offset}"
    found = _rows(store, page, None, limit=limit)
    details: dict[str, dict] = {}
    if found:
        sparql = values_block(ARTICLE_DETAILS, "article", [node(r["article"]) for r in found])
        details = {r["article"]: r for r in _rows(store, sparql, None, limit=limit * 4)}
    out = []
    for r in found:
        d = details.get(r["article"], {})
        out.append(
            ArticleRow(
                r["article"],
                document_id(r["article"]),
                r["title"] or "",
                d.get("year"),
                d.get("journal"),
                d.get("types") or "",
            )
        )
    return ArticlePage(out, total, offset, ordered)


MESH_DESCRIPTORS = """
SELECT ?descriptor (COUNT(*) AS ?n) WHERE { ?h cb:descriptor ?descriptor }
GROUP BY ?descriptor
ORDER BY DESC(?n)
"""
MESH_NAME = "SELECT ?label WHERE { ?h cb:descriptor ?descriptor ; rdfs:label ?label } LIMIT 1"


def mesh_descriptors(store: QueryStoreLike, limit: int = 300) -> list[tuple[str, str, int]]:
    """(UI, name, headings) of the ``limit`` MeSH descriptors indexing most articles (a
    descriptor heads at most one heading per article); a name is read from one heading each."""
    out = []
    for r in _rows(store, MESH_DESCRIPTORS, limit=limit):
        names = _rows(store, MESH_NAME, {"descriptor": node(r["descriptor"])}, limit=1)
        ui = local_name(r["descriptor"])
        out.append((ui, names[0]["label"] if names else ui, _int(r["n"])))
    return sorted(out, key=lambda d: (-d[2], d[1].lower()))


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


@dataclass(frozen=True)
class Article:
    iri: str
    id: str
    title: str | None
    authors: tuple[str, ...]
    journal: str | None
    year: str | None
    date: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    types: tuple[str, ...]
    keywords: tuple[str, ...]
    language: str | None
    retracted: bool | None
    open_access: bool | None
    license: str | None
    abstract: str | None
    is_seed: bool
    cited_by_count: int | None
    mesh: tuple[MeshHeading, ...] = ()
    notices: tuple[tuple[str, str | None, str | None], ...] = ()  # (type, source, pmid)
    references: tuple[int, ...] = ()  # the seed's reference numbers resolved to it

    @property
    def links(self) -> list[tuple[str, str]]:
        return source_links(self.pmid, self.pmcid, self.doi)


ARTICLE = "SELECT ?p ?o WHERE { ?article ?p ?o }"  # every property of the article: a lookup
ARTICLE_MESH = """
SELECT ?h ?label ?descriptor ?major ?q ?qlabel ?mq WHERE {
  ?article cb:meshHeading ?h .
  ?h cb:descriptor ?descriptor ; rdfs:label ?label .
  OPTIONAL { ?h cb:majorTopic ?major }
  OPTIONAL {
    ?h cb:qualifier ?q
    OPTIONAL { ?q rdfs:label ?qlabel }
    OPTIONAL { ?h cb:majorQualifier ?mq FILTER(?mq = ?q) }
  }
}
"""
ARTICLE_NOTICES = """
SELECT ?type ?source ?pmid WHERE {
  ?article cb:commentCorrection ?cc . ?cc cb:refType ?type .
  OPTIONAL { ?cc cb:refSource ?source } OPTIONAL { ?cc cb:pmid ?pmid }
}
"""
ARTICLE_REFERENCES = "SELECT ?number WHERE { ?ref cb:resolvedTo ?article ; cb:number ?number }"
AUTHORS = """
SELECT ?article ?member ?name WHERE {
  { ?article bibo:authorList ?list . ?list ?member ?name .
    FILTER(STRSTARTS(STR(?member), "http://www.w3.org/1999/02/22-rdf-syntax-ns#_")) }
  UNION
  { ?article dcterms:creator ?name FILTER NOT EXISTS { ?article bibo:authorList ?list } }
}
"""


def authors(store: QueryStoreLike, articles: Sequence[str]) -> dict[str, list[str]]:
    """Each article's authors in its own order: the members ``rdf:_1``, ``rdf:_2``… of its
    ``bibo:authorList``; an article in a graph written before the lists has only the set of
    ``dcterms:creator`` (sorted by name here, so at least the same every time)."""
    if not articles:
        return {}
    sparql = values_block(AUTHORS, "article", [node(a) for a in articles])
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for r in _rows(store, sparql, limit=100_000):
        position = int(r["member"].rpartition("_")[2]) if r["member"] else 0
        found[r["article"]].append((position, r["name"]))
    return {a: [name for _, name in sorted(names)] for a, names in found.items()}


def article(store: QueryStoreLike, doc_id: str) -> Article | None:
    """An article's metadata, MeSH headings and notices; None if the graph has no such article."""
    a = article_iri(doc_id)
    bound = {"article": node(a)}
    values: dict[str, list[str]] = defaultdict(list)
    for r in _rows(store, ARTICLE, bound, limit=5000):
        if r["o"] not in values[local_name(r["p"])]:
            values[local_name(r["p"])].append(r["o"])
    if not values:
        return None

    def one(name: str) -> str | None:
        return values[name][0] if values.get(name) else None

    headings: dict[str, dict] = {}
    for r in _rows(store, ARTICLE_MESH, bound, limit=5000):
        h = headings.setdefault(
            r["h"],
            {
                "ui": local_name(r["descriptor"]),
                "name": r["label"],
                "major": r["major"] == "true",
                "q": {},
            },
        )
        if r["q"]:  # a qualifier's name is its UI in a graph written before the labels
            ui = local_name(r["q"])
            name, major = h["q"].get(ui, (r["qlabel"] or ui, False))
            h["q"][ui] = (name, major or bool(r["mq"]))
    mesh = tuple(
        MeshHeading(
            h["ui"],
            h["name"] or h["ui"],
            h["major"],
            tuple((ui, name, m) for ui, (name, m) in sorted(h["q"].items())),
        )
        for _, h in sorted(headings.items(), key=lambda kv: _index(kv[0]))
    )
    notices = tuple(
        (r["type"], r["source"], r["pmid"]) for r in _rows(store, ARTICLE_NOTICES, bound, limit=100)
    )
    numbers = tuple(sorted(_int(r["number"]) for r in _rows(store, ARTICLE_REFERENCES, bound)))
    types = values.get("type", [])
    return Article(
        iri=a,
        id=document_id(a),
        title=one("title"),
        authors=tuple(authors(store, [a]).get(a, [])),
        journal=one("publicationName"),
        year=one("hasPublicationYear"),
        date=one("date"),
        volume=one("volume"),
        issue=one("number"),
        pages=one("pageRange"),
        doi=one("doi"),
        pmid=one("hasPubMedId"),
        pmcid=one("hasPubMedCentralId"),
        types=tuple(t for t in types if not t.startswith("http")),
        keywords=tuple(values.get("subject", [])),
        language=one("language"),
        retracted=_bool(one("retracted")),
        open_access=_bool(one("openAccess")),
        license=one("license"),
        abstract=one("abstract"),
        is_seed=CB + "SeedArticle" in types,
        cited_by_count=_int(one("citedByCount")) if one("citedByCount") else None,
        mesh=mesh,
        notices=notices,
        references=numbers,
    )


def _index(iri: str) -> tuple[int, str]:
    tail = local_name(iri)
    return (int(tail), iri) if tail.isdigit() else (10**9, iri)


ARTICLE_FINDINGS = """
SELECT ?f ?e ?kind ?cid ?label ?assertion ?value ?subject ?slabel ?method ?section ?sentence ?st
WHERE {
  ?e prov:wasDerivedFrom ?article ; cb:method ?method ; cb:section ?section ; cb:sentence ?sentence ;
     cb:start ?st .
  ?f cb:evidence ?e ; a cb:Finding ; cb:kind/skos:notation ?kind ; cb:concept ?c ;
     cb:assertion ?assertion ; cb:subject ?subject ; rdfs:label ?label .
  OPTIONAL { ?c skos:notation ?cid }
  OPTIONAL { ?f cb:value ?value }
  OPTIONAL { ?subject rdfs:label ?slabel }
}
ORDER BY ?method ?st ?kind ?label
"""


def article_findings(store: QueryStoreLike, doc_id: str, limit: int = 2000) -> list[Finding]:
    """Every finding read from the article (its text, its MeSH, the seed's citation contexts
    when it is the seed), in reading order."""
    rows = _rows(store, ARTICLE_FINDINGS, {"article": node(article_iri(doc_id))}, limit=limit)
    return [_finding(r) for r in rows]


def _finding(r: Mapping[str, str | None]) -> Finding:
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


DOCUMENT_SENTENCES = """
SELECT ?e ?src ?section ?st ?en ?sentence ?ss ?se ?kind ?label WHERE {
  ?e prov:wasDerivedFrom ?article ; cb:method "text" ; cb:sourceText ?src ; cb:section ?section ;
     cb:start ?st ; cb:end ?en ; cb:sentence ?sentence ; cb:spanStart ?ss ; cb:spanEnd ?se .
  ?f cb:evidence ?e ; a cb:Finding ; cb:kind/skos:notation ?kind ; rdfs:label ?label .
}
"""


@dataclass(frozen=True)
class TextSentence:
    source: str  # "pmid:…", "pmc:…", "seed:…"
    section: str
    start: int
    text: str
    spans: tuple[Span, ...]


def article_text(store: QueryStoreLike, doc_id: str, limit: int = 5000) -> list[TextSentence]:
    """The sentences of the article's texts (abstract, PMC body, seed) the extractor found
    something in, in reading order, each with its mentions — the text the graph keeps."""
    rows = _rows(store, DOCUMENT_SENTENCES, {"article": node(article_iri(doc_id))}, limit=limit)
    sentences: dict[tuple[str, int], dict] = {}
    for r in rows:
        st = _int(r["st"])
        s = sentences.setdefault(
            (r["src"] or "", st),
            {"section": r["section"] or "", "text": r["sentence"] or "", "spans": {}},
        )
        span = Span(_int(r["ss"]) - st, _int(r["se"]) - st, r["kind"] or "", r["label"] or "")
        s["spans"].setdefault((span.start, span.end), span)
    return [
        TextSentence(src, s["section"], st, s["text"], tuple(s["spans"].values()))
        for (src, st), s in sorted(
            sentences.items(), key=lambda kv: (_source_rank(kv[0][0]), kv[0])
        )
    ]


def _source_rank(source: str) -> int:
    return {"seed": 0, "pmid": 1, "pmc": 2}.get(source.split(":", 1)[0], 3)


def abstract_markdown(abstract: str, sentences: Sequence[TextSentence]) -> list[str]:
    """The abstract's paragraphs as Markdown, each known sentence's mentions highlighted."""
    out = []
    for paragraph in abstract.split("\n"):
        spans: list[Span] = []
        for s in sentences:
            at = paragraph.find(s.text) if s.text else -1
            if at >= 0:
                spans += [Span(x.start + at, x.end + at, x.kind, x.label) for x in s.spans]
        out.append(highlight(paragraph, spans))
    return [p for p in out if p]


ARTICLE_CASES = """
SELECT ?case ?label ?number ?src ?age ?sex (GROUP_CONCAT(DISTINCT ?site; SEPARATOR="|") AS ?sites)
WHERE {
  ?case cb:document ?article ; a cb:Case ; rdfs:label ?label ; cb:number ?number .
  OPTIONAL { ?case cb:sourceText ?src }
  OPTIONAL { ?case cb:age ?age }
  OPTIONAL { ?case cb:sex ?sex }
  OPTIONAL { ?case cb:site ?site }
}
GROUP BY ?case ?label ?number ?src ?age ?sex
ORDER BY ?src ?number
"""
CASE_FINDINGS = """
SELECT ?case ?kind ?label WHERE {
  ?f cb:subject ?case ; a cb:Finding ; cb:assertion "present" ; cb:kind/skos:notation ?kind ;
     cb:concept/skos:prefLabel ?label .
}
ORDER BY ?case ?kind ?label
"""


def article_cases(store: QueryStoreLike, doc_id: str) -> list[CaseInfo]:
    """The patient cases of an article, each with its present findings by kind."""
    rows = _rows(store, ARTICLE_CASES, {"article": node(article_iri(doc_id))}, limit=500)
    return cases_with_findings(store, rows)


def cases_with_findings(store: QueryStoreLike, rows: Sequence[Mapping]) -> list[CaseInfo]:
    cases = []
    for r in rows:
        findings: dict[str, list[str]] = defaultdict(list)
        for f in _rows(store, CASE_FINDINGS, {"case": node(r["case"])}, limit=500):
            if f["label"] not in findings[f["kind"]]:
                findings[f["kind"]].append(f["label"])
        cases.append(
            CaseInfo(
                iri=r["case"],
                label=r["label"] or "",
                number=_int(r["number"]),
                document=r.get("src") or "",
                age=r.get("age"),
                sex=r.get("sex"),
                sites=tuple(s for s in (r.get("sites") or "").split("|") if s),
                findings={k: tuple(v) for k, v in findings.items()},
                article=r.get("article") or "",
            )
        )
    return cases


SEED_CONTEXTS = """
SELECT ?number ?section ?sentence ?st WHERE {
  ?ref cb:resolvedTo ?article ; cb:number ?number .
  ?ctx cb:citesReference ?ref ; cb:sentence ?sentence ; cb:section ?section ; cb:start ?st .
}
"""
SEED_CLAIMS = """
SELECT ?number ?section ?sentence ?st ?kind ?label ?assertion WHERE {
  ?ref cb:resolvedTo ?article ; cb:number ?number .
  ?claim cb:subject ?ref ; cb:evidence ?e ; cb:kind/skos:notation ?kind ;
         cb:concept/skos:prefLabel ?label ; cb:assertion ?assertion .
  ?e cb:sentence ?sentence ; cb:section ?section ; cb:start ?st .
}
ORDER BY ?number ?st ?kind ?label
"""


def seed_says(store: QueryStoreLike, doc_id: str) -> list[CitationContext]:
    """What the seed says about the article: each citing sentence (by reference number, in
    reading order) and the claims read from it."""
    bound = {"article": node(article_iri(doc_id))}
    out: dict[tuple[int, int], dict] = {}
    for r in _rows(store, SEED_CONTEXTS, bound, limit=2000):
        out[(_int(r["number"]), _int(r["st"]))] = {
            "section": r["section"] or "",
            "sentence": r["sentence"] or "",
            "claims": [],
        }
    for r in _rows(store, SEED_CLAIMS, bound, limit=5000):
        key = (_int(r["number"]), _int(r["st"]))
        entry = out.setdefault(
            key, {"section": r["section"] or "", "sentence": r["sentence"] or "", "claims": []}
        )
        claim = (r["kind"] or "", r["label"] or "", r["assertion"] or "")
        if claim not in entry["claims"]:
            entry["claims"].append(claim)
    return [
        CitationContext(number, e["section"], e["sentence"], tuple(e["claims"]))
        for (number, _), e in sorted(out.items())
    ]


CITATIONS = """
SELECT ?direction ?other ?title ?year WHERE {
  { ?article cito:cites ?other . BIND("cites" AS ?direction) }
  UNION { ?other cito:cites ?article . BIND("cited by" AS ?direction) }
  OPTIONAL { ?other dcterms:title ?title }
  OPTIONAL { ?other fabio:hasPublicationYear ?y . BIND(STR(?y) AS ?year) }
}
ORDER BY ?direction DESC(?year) ?other
"""


def citations(store: QueryStoreLike, doc_id: str, limit: int = 500) -> list[dict]:
    """Articles this one cites and articles citing it (cito), with their titles."""
    rows = _rows(store, CITATIONS, {"article": node(article_iri(doc_id))}, limit=limit)
    seen = set()
    out = []
    for r in rows:
        if (r["direction"], r["other"]) in seen:
            continue
        seen.add((r["direction"], r["other"]))
        out.append(r | {"id": document_id(r["other"])})
    return out


CASE = """
SELECT ?case ?label ?number ?article ?src ?age ?sex (GROUP_CONCAT(DISTINCT ?site; SEPARATOR="|") AS ?sites)
WHERE {
  ?case a cb:Case ; rdfs:label ?label ; cb:number ?number ; cb:document ?article .
  OPTIONAL { ?case cb:sourceText ?src }
  OPTIONAL { ?case cb:age ?age }
  OPTIONAL { ?case cb:sex ?sex }
  OPTIONAL { ?case cb:site ?site }
}
GROUP BY ?case ?label ?number ?article ?src ?age ?sex
"""
SUBJECT_FINDINGS = """
SELECT ?f ?e ?kind ?cid ?label ?assertion ?value ?subject ?method ?section ?sentence ?article ?st
WHERE {
  ?f cb:subject ?subject ; a cb:Finding ; cb:kind/skos:notation ?kind ; cb:concept ?c ;
     cb:assertion ?assertion ; rdfs:label ?label ; cb:evidence ?e .
  ?e cb:method ?method ; cb:section ?section ; cb:sentence ?sentence ; cb:start ?st ;
     prov:wasDerivedFrom ?article .
  OPTIONAL { ?c skos:notation ?cid }
  OPTIONAL { ?f cb:value ?value }
}
"""


def case_id(case: str) -> str:
    """A case IRI → the explorer's case id: "seed:f0036fb653a4/1" (document id / number)."""
    return unquote(case.removeprefix(ID + "case/"))


def case_iri(case: str) -> str:
    """The explorer's case id ("pmid:1/2", or a case IRI) → the case IRI (``ValueError`` if it
    cannot be one)."""
    if case.startswith(ID + "case/"):
        return str(iris.check_iri(case))
    document, _, number = case.strip().rpartition("/")
    if not document or not number.isdigit():
        raise ValueError(f"not a case id: {case!r} (expected 'document/number')")
    return str(iris.case(f"case:{document}#{number}"))


def case(store: QueryStoreLike, case: str) -> CaseInfo | None:
    """A patient case with its present findings by kind; None if there is no such case."""
    rows = _rows(store, CASE, {"case": node(case_iri(case))}, limit=10)
    return cases_with_findings(store, rows[:1])[0] if rows else None


def case_findings(store: QueryStoreLike, case: str, limit: int = 1000) -> list[Finding]:
    """Every finding about the case (any assertion), in reading order."""
    rows = _rows(store, SUBJECT_FINDINGS, {"subject": node(case_iri(case))}, limit=limit)
    rows.sort(key=lambda r: (r["method"] or "", _int(r["st"]), r["kind"] or ""))
    return [_finding(r) for r in rows]


def ask_named(
    store: QueryStoreLike,
    name: str,
    values: Sequence[tuple[str, str]] = (),
    limit: int = ROW_LIMIT,
    page: int = 1,
) -> QueryResult:
    """The named question ``name`` with ``values`` (pairs, so the call is hashable)."""
    return ask(store, get_question(name), dict(values), limit, page)


# --------------------------------------------------------------------------- concepts


@dataclass(frozen=True)
class ConceptRow:
    id: str
    label: str
    findings: int


CONCEPTS_OF_KIND = """
SELECT ?c ?findings WHERE { ?row cb:findingKind ?kind ; cb:countedConcept ?c ; cb:findingCount ?findings }
"""  # counted when the store wrote its version (kb/derived/concept_counts.rq)


def concepts_of_kind(store: QueryStoreLike, kind: str, limit: int = 2000) -> list[ConceptRow]:
    """Concepts found as ``kind`` (condition, etiology, …), by number of findings."""
    if kind not in KIND_IRI:
        raise StoreError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    rows = _rows(store, CONCEPTS_OF_KIND, {"kind": node(KIND_IRI[kind])}, limit=limit)
    labels = _concept_labels(store, [r["c"] for r in rows])
    out = [
        ConceptRow(concept_id(r["c"]), labels.get(r["c"], concept_id(r["c"])), _int(r["findings"]))
        for r in rows
    ]
    return sorted(out, key=lambda c: (-c.findings, c.label.lower()))


CONCEPT_LABELS = "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label }"


def _concept_labels(store: QueryStoreLike, concepts: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(concepts), 500):
        chunk = [node(c) for c in concepts[i : i + 500]]
        for r in _rows(store, values_block(CONCEPT_LABELS, "c", chunk), None, limit=5000):
            out.setdefault(r["c"], r["label"])
    return out


VOCABULARY = f"""
SELECT ?cid ?label ?type WHERE {{
  ?c skos:inScheme <{iris.VOCABULARY}> ; skos:notation ?cid ; skos:prefLabel ?label .
  OPTIONAL {{ ?c cb:conceptType ?type }}
}}
ORDER BY ?label
"""


def vocabulary(store: QueryStoreLike, limit: int = 20000) -> list[tuple[str, str, str | None]]:
    """(concept id, label, type) of every concept of the vocabulary graph."""
    return [
        (r["cid"], r["label"] or r["cid"], r["type"]) for r in _rows(store, VOCABULARY, limit=limit)
    ]


@dataclass(frozen=True)
class Concept:
    id: str
    iri: str
    label: str
    type: str | None
    alt_labels: tuple[str, ...]
    broader: tuple[tuple[str, str], ...]  # (id, label)
    narrower: tuple[tuple[str, str], ...]
    mesh: tuple[str, ...]  # MeSH UIs (skos:exactMatch)
    matches: tuple[str, ...] = ()  # the other skos:exactMatch IRIs (DrugBank, DOID, HPO, …)


MESH_BASE = "http://id.nlm.nih.gov/mesh/"
CONCEPT = """
SELECT ?p ?o ?oid ?olabel WHERE {
  { ?concept ?p ?o . VALUES ?p { skos:prefLabel skos:altLabel skos:broader skos:exactMatch cb:conceptType } }
  UNION { ?o skos:broader ?concept . BIND(skos:narrower AS ?p) }
  OPTIONAL { ?o skos:notation ?oid }
  OPTIONAL { ?o skos:prefLabel ?olabel }
}
"""


def concept(store: QueryStoreLike, concept_id: str) -> Concept | None:
    iri = concept_iri(concept_id)
    values: dict[str, list[tuple[str, str | None, str | None]]] = defaultdict(list)
    for r in _rows(store, CONCEPT, {"concept": node(iri)}, limit=2000):
        values[local_name(r["p"])].append((r["o"], r["oid"], r["olabel"]))
    if not values.get("prefLabel"):
        return None
    exact = values.get("exactMatch", [])
    return Concept(
        id=concept_id,
        iri=iri,
        label=values["prefLabel"][0][0],
        type=values["conceptType"][0][0] if values.get("conceptType") else None,
        alt_labels=tuple(sorted({o for o, _, _ in values.get("altLabel", [])})),
        broader=tuple(
            sorted({(i or local_name(o), lab or "") for o, i, lab in values.get("broader", [])})
        ),
        narrower=tuple(
            sorted({(i or local_name(o), lab or "") for o, i, lab in values.get("narrower", [])})
        ),
        mesh=tuple(sorted({local_name(o) for o, _, _ in exact if o.startswith(MESH_BASE)})),
        matches=tuple(sorted({o for o, _, _ in exact if not o.startswith(MESH_BASE)})),
    )


CONCEPT_FINDINGS = """
SELECT ?f ?e ?kind ?cid ?label ?assertion ?value ?subject ?slabel ?method ?section ?sentence ?article
{
  { SELECT ?f ?c {
      { SELECT ?c WHERE { ?c skos:broader* ?concept } ORDER BY ?c }
      ?f cb:concept ?c
    } LIMIT %d }
  ?f cb:evidence ?e .
  ?e cb:method ?method ; cb:section ?section ; cb:sentence ?sentence ; prov:wasDerivedFrom ?article .
  ?f cb:kind/skos:notation ?kind ; cb:assertion ?assertion ; cb:subject ?subject ; rdfs:label ?label .
  OPTIONAL { ?c skos:notation ?cid }
  OPTIONAL { ?f cb:value ?value }
  OPTIONAL { ?subject rdfs:label ?slabel }
}
"""


def concept_findings(store: QueryStoreLike, concept_id: str, limit: int = 500) -> list[Finding]:
    """The findings of the concept or a narrower one, with their evidence: the first ``limit``
    in the store's order (picked before anything is looked up, so a common concept costs
    ``limit`` findings, not all of them), then sorted by article, method and subject."""
    sparql = CONCEPT_FINDINGS % int(limit)  # an int, formatted: the concept is bound
    rows = _rows(store, sparql, {"concept": node(concept_iri(concept_id))}, limit=limit * 4)
    rows.sort(key=lambda r: (r["article"] or "", r["method"] or "", r["subject"] or "",
                             r["label"] or ""))  # fmt: skip
    return [_finding(r) for r in rows]


SUBJECTS_OF = """
SELECT DISTINCT ?subject WHERE {
  ?c skos:broader* ?concept .
  ?f cb:concept ?c ; cb:assertion "present" ; cb:subject ?subject .
}
"""
NARROWER = "SELECT ?c WHERE { ?c skos:broader* ?concept }"
COOCCURRING = """
SELECT ?other ?k (COUNT(DISTINCT ?subject) AS ?subjects) WHERE {
  ?g cb:subject ?subject ; cb:assertion "present" ; cb:concept ?other ; cb:kind ?k .
}
GROUP BY ?other ?k
"""
COOCCURRENCE_SAMPLE = 300


@dataclass(frozen=True)
class Cooccurrence:
    id: str
    label: str
    kind: str  # the kinds it was found as, ", "-joined
    subjects: int


def cooccurring(store: QueryStoreLike, cid: str, limit: int = 50) -> list[Cooccurrence]:
    """Concepts present in the same subjects (cases, articles, references) as this one (or a
    narrower one), by number of shared subjects — among the first ``COOCCURRENCE_SAMPLE``
    subjects the store yields, so a concept found everywhere stays cheap."""
    concept = node(concept_iri(cid))
    subjects = _rows(store, SUBJECTS_OF, {"concept": concept}, limit=COOCCURRENCE_SAMPLE)
    if not subjects:
        return []
    own = {r["c"] for r in _rows(store, NARROWER, {"concept": concept}, limit=10000)}
    sparql = values_block(COOCCURRING, "subject", [node(r["subject"]) for r in subjects])
    kinds = {v: k for k, v in KIND_IRI.items()}
    counts: dict[str, int] = defaultdict(int)
    found_as: dict[str, set[str]] = defaultdict(set)
    for r in _rows(store, sparql, None, limit=100_000):
        kind = kinds.get(r["k"], local_name(r["k"]))
        if r["other"] in own or kind == "patient_attribute":
            continue
        counts[r["other"]] = max(counts[r["other"]], _int(r["subjects"]))
        found_as[r["other"]].add(kind)
    top = sorted(counts, key=lambda c: -counts[c])[: limit * 2]
    labels = _concept_labels(store, top)
    out = [
        Cooccurrence(concept_id(c), labels.get(c, concept_id(c)),
                     ", ".join(k for k in KINDS if k in found_as[c]), counts[c])
        for c in top
    ]  # fmt: skip
    return sorted(out, key=lambda o: (-o.subjects, o.label.lower()))[:limit]


# --------------------------------------------------------------------------- synthesis


RESOLUTION_OUTCOMES = """
SELECT DISTINCT ?label WHERE {
  ?c skos:broader* ?resolution ; skos:prefLabel ?label .
}
"""


def resolution_outcomes(store: QueryStoreLike) -> set[str]:
    """Labels of the outcome concepts that are resolutions (``resolution`` or narrower)."""
    rows = _rows(
        store, RESOLUTION_OUTCOMES, {"resolution": node(concept_iri("resolution"))}, limit=1000
    )
    return {r["label"] for r in rows}


CONCEPTS_LABELLED = "SELECT ?c WHERE { ?c skos:prefLabel ?label }"
TREATED_CASES = """
SELECT ?case ?tev WHERE {
  ?tf cb:concept ?c ; cb:kind cb:kindTreatment ; cb:assertion "present" ; cb:subject ?case ;
      cb:evidence ?tev .
  ?case a cb:Case .
}
"""
CASE_OUTCOMES = """
SELECT ?case ?oev ?time WHERE {
  ?of cb:subject ?case ; cb:concept ?c ; cb:kind cb:kindOutcome ; cb:assertion "present" ;
      cb:evidence ?oev .
  OPTIONAL { ?of cb:value ?time }
}
"""
CASE_LABELS = """SELECT ?case ?label ?article ?status WHERE {
  ?case cb:document ?article ; rdfs:label ?label OPTIONAL { ?article cb:sourceStatus ?status } }"""
SENTENCES = "SELECT ?e ?sentence WHERE { ?e cb:sentence ?sentence }"


@dataclass(frozen=True)
class CellCase:
    case: str
    label: str
    article: str
    time: str | None
    treatment_evidence: str
    treatment_sentence: str
    outcome_evidence: str
    outcome_sentence: str
    status: str | None = None  # the article's: "retracted", "corrected"


def cell_cases(
    store: QueryStoreLike, treatment: str, outcome: str, limit: int = 500
) -> list[CellCase]:
    """The cases behind one cell of the treatment × outcome matrix (concept labels, as the
    question gives them), each with the sentences of its treatment and its outcome. Step by
    step from the bound labels — concepts, then their cases, then those cases' outcomes — so
    no step joins more than the cell's own cases."""

    def concepts(label: str) -> list[ox.NamedNode]:
        rows = _rows(store, CONCEPTS_LABELLED, {"label": ox.Literal(label, language="en")},
                     limit=100)  # fmt: skip
        return [node(r["c"]) for r in rows]

    treatments, outcomes = concepts(treatment), concepts(outcome)
    if not treatments or not outcomes:
        return []
    treated: dict[str, str] = {}
    for c in treatments:
        for r in _rows(store, TREATED_CASES, {"c": c}, limit=20_000):
            treated.setdefault(r["case"], r["tev"])
    if not treated:
        return []
    found: dict[str, tuple[str, str | None]] = {}
    cases = [node(c) for c in treated]
    for i in range(0, len(cases), 500):
        for c in outcomes:
            sparql = values_block(CASE_OUTCOMES, "case", cases[i : i + 500])
            for r in _rows(store, sparql, {"c": c}, limit=20_000):
                if r["case"] not in found or (r["time"] and not found[r["case"]][1]):
                    found[r["case"]] = (r["oev"], r["time"])
    chosen = sorted(found)[:limit]
    if not chosen:
        return []
    info = {r["case"]: r for r in _rows(
        store, values_block(CASE_LABELS, "case", [node(c) for c in chosen]), None, limit * 2)}  # fmt: skip
    evidences = [treated[c] for c in chosen] + [found[c][0] for c in chosen]
    sentences = {r["e"]: r["sentence"] for r in _rows(
        store, values_block(SENTENCES, "e", [node(e) for e in evidences]), None, limit * 4)}  # fmt: skip
    return [
        CellCase(
            case=c,
            label=(info.get(c) or {}).get("label") or local_name(c),
            article=(info.get(c) or {}).get("article") or "",
            time=found[c][1],
            treatment_evidence=treated[c],
            treatment_sentence=sentences.get(treated[c], ""),
            outcome_evidence=found[c][0],
            outcome_sentence=sentences.get(found[c][0], ""),
            status=(info.get(c) or {}).get("status"),
        )
        for c in chosen
    ]


# --------------------------------------------------------------------------- citation check


@dataclass(frozen=True)
class ReferenceContent:
    """What a reference's own record says: title, MeSH and its findings by kind."""

    number: int
    article: str
    title: str | None
    mesh: tuple[str, ...]
    findings: dict[str, tuple[str, ...]]


REFERENCE_ARTICLE = """
SELECT ?article ?title WHERE {
  ?ref cb:number ?number ; a cb:Reference ; cb:resolvedTo ?article .
  OPTIONAL { ?article dcterms:title ?title }
}
"""
ARTICLE_MESH_NAMES = "SELECT ?h ?mesh WHERE { ?article cb:meshHeading ?h . ?h rdfs:label ?mesh }"
OWN_FINDINGS = """
SELECT DISTINCT ?k ?c WHERE {
  ?e prov:wasDerivedFrom ?article .
  ?f cb:evidence ?e ; cb:assertion "present" ; cb:kind ?k ; cb:concept ?c .
}
"""


def reference_content(store: QueryStoreLike, number: int) -> ReferenceContent | None:
    """What the article a seed reference resolved to says of itself: its title, its MeSH
    headings and the conditions, etiologies and treatments found in it (text or MeSH)."""
    refs = _rows(store, REFERENCE_ARTICLE, {"number": integer(number)}, limit=1)
    if not refs:
        return None
    article = refs[0]["article"]
    bound = {"article": node(article)}
    heads = sorted(_rows(store, ARTICLE_MESH_NAMES, bound, limit=500), key=lambda r: _index(r["h"]))
    kinds = {v: k for k, v in KIND_IRI.items()}
    found = [(kinds.get(r["k"]), r["c"]) for r in _rows(store, OWN_FINDINGS, bound, limit=5000)]
    found = [(k, c) for k, c in found if k in ("condition", "etiology", "treatment")]
    labels = _concept_labels(store, sorted({c for _, c in found}))
    findings: dict[str, set[str]] = defaultdict(set)
    for k, c in found:
        findings[k].add(labels.get(c, concept_id(c)))
    return ReferenceContent(
        number=number,
        article=article,
        title=refs[0]["title"],
        mesh=tuple(dict.fromkeys(r["mesh"] for r in heads)),
        findings={k: tuple(sorted(v)) for k, v in findings.items()},
    )


# --------------------------------------------------------------------------- graph


NODE_KINDS = ("article", "case", *BROWSE_KINDS, "test", "anatomy")


@dataclass(frozen=True)
class GraphNode:
    iri: str
    kind: str  # article, case, or a finding kind (condition, …)
    label: str

    @property
    def page(self) -> tuple[str, dict[str, str]]:
        """The explorer page and query parameters that open this node."""
        return page_of(self.iri) or ("overview", {})


@dataclass(frozen=True)
class Network:
    nodes: dict[str, GraphNode]
    edges: list[tuple[str, str, str]]  # (source, target, relation)
    truncated: bool


# One simple pattern per kind of link, each starting from a VALUES block of known nodes (a
# UNION of them would be evaluated branch by branch before the join, i.e. over the whole store).
CITES_OUT = "SELECT ?n ?o WHERE { ?n cito:cites ?o }"
CITES_IN = "SELECT ?n ?o WHERE { ?o cito:cites ?n }"
CASES_IN = "SELECT ?n ?o WHERE { ?o cb:document ?n }"
DOCUMENT_OF = "SELECT ?n ?o WHERE { ?n cb:document ?o }"
CONCEPTS_OF = """
SELECT DISTINCT ?n ?o ?k WHERE { ?f cb:subject ?n ; cb:concept ?o ; cb:kind ?k ; cb:assertion "present" }
"""
SUBJECTS_WITH = (
    'SELECT DISTINCT ?n ?o WHERE { ?f cb:concept ?n ; cb:subject ?o ; cb:assertion "present" }'
)
NODE_LABELS = "SELECT ?n ?p ?o WHERE { ?n ?p ?o }"  # predicates picked in Python: a
# VALUES block of predicates would be joined first, i.e. scan every title of the store
LABEL_PROPERTIES = {"title", "prefLabel", "label", "sourceText", "conceptType"}
CONCEPT_TYPES = {"CONDITION": "condition", "ETIOLOGY": "etiology", "TREATMENT": "treatment",
                 "OUTCOME": "outcome", "TEST": "test", "ANATOMY": "anatomy"}  # fmt: skip


def _node_kind(iri: str) -> str:
    for prefix, kind in (("article/", "article"), ("case/", "case"), ("concept/", "concept")):
        if iri.startswith(ID + prefix):
            return kind
    return "other"  # a reference of the seed, …: not drawn


def _links(
    store: QueryStoreLike, frontier: Sequence[str], cap: int
) -> tuple[list[tuple[str, str, str, str]], bool]:
    """(source, target, relation, kind of the other end) of every link of ``frontier``."""
    kinds = {v: k for k, v in KIND_IRI.items()}
    by_kind: dict[str, list[str]] = defaultdict(list)
    for n in frontier:
        by_kind[_node_kind(n)].append(n)
    out: list[tuple[str, str, str, str]] = []
    truncated = False

    def run(sparql: str, nodes: list[str]) -> list[dict]:
        nonlocal truncated
        rows: list[dict] = []
        for i in range(0, len(nodes), 200):
            chunk = [node(n) for n in nodes[i : i + 200]]
            got = _rows(store, values_block(sparql, "n", chunk), None, limit=cap)
            truncated = truncated or len(got) >= cap
            rows += got
        return rows

    articles, cases, concepts = by_kind["article"], by_kind["case"], by_kind["concept"]
    for r in run(CITES_OUT, articles):
        out.append((r["n"], r["o"], "cites", "article"))
    for r in run(CITES_IN, articles):
        out.append((r["o"], r["n"], "cites", "article"))
    for r in run(CASES_IN, articles):
        out.append((r["o"], r["n"], "case in", "case"))
    for r in run(DOCUMENT_OF, cases):
        out.append((r["n"], r["o"], "case in", "article"))
    for r in run(CONCEPTS_OF, articles + cases):
        out.append((r["n"], r["o"], "finding", kinds.get(r["k"], "other")))
    for r in run(SUBJECTS_WITH, concepts):
        out.append((r["o"], r["n"], "finding", _node_kind(r["o"])))
    return out, truncated


def network(
    store: QueryStoreLike,
    focus: Sequence[str],
    kinds: Iterable[str] = NODE_KINDS,
    depth: int = 2,
    max_nodes: int = 150,
) -> Network:
    """The neighbourhood of the ``focus`` nodes (IRIs): articles (cito:cites), their cases
    (cb:document) and the concepts of their present findings, ``depth`` steps out, keeping only
    nodes of ``kinds``; at most ``max_nodes`` nodes (``truncated`` says when more were there).
    Each step is a few single-pattern queries from the nodes already found."""
    kinds = set(kinds)
    nodes: dict[str, str] = {f: _node_kind(f) for f in focus if f}
    frontier = list(nodes)
    truncated = False
    cap = max_nodes * 20
    for _ in range(max(1, min(int(depth), 4))):
        if not frontier:
            break
        links, cut = _links(store, frontier, cap)
        truncated |= cut
        nxt = []
        for s, o, _, other_kind in links:
            for end in (s, o):
                if end in nodes:
                    continue
                if other_kind not in kinds or _node_kind(end) == "other":
                    break
                if len(nodes) >= max_nodes:
                    truncated = True
                    break
                nodes[end] = other_kind
                nxt.append(end)
        frontier = nxt
    edges: set[tuple[str, str, str]] = set()
    links, _ = _links(store, [n for n in nodes if nodes[n] in ("article", "case")], cap * 5)
    for s, o, rel, _ in links:
        if s in nodes and o in nodes and s != o:
            edges.add((s, o, rel))
    labels = _node_labels(store, list(nodes))
    out_nodes = {}
    for iri, kind in nodes.items():
        label, concept_type = labels.get(iri, (local_name(iri), None))
        if kind == "concept":
            kind = CONCEPT_TYPES.get(concept_type or "", "condition")
        out_nodes[iri] = GraphNode(iri, kind, label)
    return Network(out_nodes, sorted(edges), truncated)


def _node_labels(store: QueryStoreLike, nodes: list[str]) -> dict[str, tuple[str, str | None]]:
    """Node → (label, concept type): a title, a concept's label, or a case's label with its
    document."""
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for i in range(0, len(nodes), 300):
        chunk = [node(n) for n in nodes[i : i + 300]]
        for r in _rows(store, values_block(NODE_LABELS, "n", chunk), None, limit=100_000):
            if local_name(r["p"]) in LABEL_PROPERTIES:
                values[r["n"]].setdefault(local_name(r["p"]), r["o"])
    out = {}
    for n, v in values.items():
        label = v.get("title") or v.get("prefLabel") or v.get("label") or local_name(n)
        if _node_kind(n) == "case" and v.get("sourceText"):
            label = f"{label} ({v['sourceText']})"
        out[n] = (label, v.get("conceptType"))
    return out


def to_dot(graph, links: Mapping[str, str] | None = None, layout: str = "neato") -> str:
    """A ``networkx`` graph from ``to_networkx`` as Graphviz DOT (for ``st.graphviz_chart``):
    nodes coloured by kind, labels quoted and escaped; ``links`` maps a node to the URL its SVG
    node opens."""
    colors = {
        "article": "#d0e2ff",
        "case": "#ffe7b3",
        "condition": "#ffc9c9",
        "etiology": "#ffd8a8",
        "treatment": "#c3fae8",
        "outcome": "#d0ebff",
        "test": "#e5dbff",
        "anatomy": "#e9ecef",
    }
    shapes = {"article": "box", "case": "ellipse"}
    ids = {iri: f"n{i}" for i, iri in enumerate(graph.nodes)}
    lines = [
        "digraph kb {",
        f"  graph [layout={layout}, overlap=false, splines=true, sep=0.3, fontsize=10];",
        '  node [style=filled, fontsize=10, fontname="Helvetica", margin=0.05];',
        '  edge [color="#adb5bd", arrowsize=0.6];',
    ]
    for iri, data in graph.nodes(data=True):
        kind, full = data.get("kind", ""), data.get("label", "")
        label = full if len(full) <= 40 else full[:38] + "…"
        attrs = [
            f"label={_dot(label)}",
            f"fillcolor={_dot(colors.get(kind, '#f1f3f5'))}",
            f"shape={shapes.get(kind, 'oval')}",
            f"tooltip={_dot(kind + ': ' + full)}",
        ]
        if links and iri in links:
            attrs += [f"URL={_dot(links[iri])}", 'target="_self"']
        lines.append(f"  {ids[iri]} [{', '.join(attrs)}];")
    edge_colors = {"cites": "#4c6ef5", "case in": "#f59f00", "finding": "#adb5bd"}
    for s, o, data in graph.edges(data=True):
        relation = data.get("relation", "")
        lines.append(
            f"  {ids[s]} -> {ids[o]} [tooltip={_dot(relation)}, "
            f"color={_dot(edge_colors.get(relation, '#adb5bd'))}];"
        )
    lines.append("}")
    return "\n".join(lines)


def _dot(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, no line breaks."""
    clean = " ".join(str(text).split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_networkx(net: Network):
    """The network as a ``networkx.DiGraph`` (node attributes ``kind`` and ``label``)."""
    import networkx as nx

    g = nx.DiGraph()
    for iri, n in net.nodes.items():
        g.add_node(iri, kind=n.kind, label=n.label)
    for s, o, rel in net.edges:
        g.add_edge(s, o, relation=rel)
    return g


# --------------------------------------------------------------------------- downloads


EVIDENCE_TABLE = """
SELECT ?finding ?subject ?kind ?concept ?label ?text ?assertion ?value ?document ?method ?section
       ?sentence ?start ?end ?span_start ?span_end ?extractor ?version ?score ?source_status
WHERE {
  ?f a cb:Finding ; cb:subject ?s ; cb:kind/skos:notation ?kind ; cb:concept ?c ; rdfs:label ?label ;
     cb:assertion ?assertion ; cb:evidence ?e ; cb:text ?text .
  ?c skos:notation ?concept .
  ?e cb:sourceText ?document ; cb:method ?method ; cb:section ?section ; cb:sentence ?sentence ;
     cb:start ?start ; cb:end ?end ; cb:spanStart ?span_start ; cb:spanEnd ?span_end ;
     cb:extractor ?extractor ; cb:extractorVersion ?version ; cb:score ?score .
  OPTIONAL { ?f cb:value ?value }
  OPTIONAL { ?e prov:wasDerivedFrom/cb:sourceStatus ?source_status }
  BIND(STRAFTER(STR(?f), "/finding/") AS ?finding)
  BIND(STR(?s) AS ?subject)
}
"""


def evidence_table(
    store: QueryStoreLike, limit: int = 200_000
) -> tuple[list[dict[str, str]], bool]:
    """One row per finding in ``kb.export.EVIDENCE_COLUMNS`` (the ``kb export --format csv``
    columns; a subject is its IRI here), and whether ``limit`` cut the table."""
    result = store.query(PREFIXES + EVIDENCE_TABLE, None, limit)
    rows = [
        {c: "" if v is None else v for c, v in zip(result.columns, row, strict=True)}
        for row in result.rows
    ]
    for r in rows:
        r["finding"] = unquote(r["finding"])
    rows.sort(key=lambda r: (r["document"], _int(r["start"]), r["finding"]))  # ORDER BY is slower
    return rows, result.truncated


BIBLIOGRAPHY = """
SELECT ?number ?raw ?rtitle ?method ?score ?reason ?detail ?article ?title ?journal ?year ?volume
       ?issue ?pages ?doi ?pmid ?pmcid ?status
WHERE {
  ?seed a cb:SeedArticle ; cb:hasReference ?ref .
  ?ref cb:number ?number ; cb:rawText ?raw .
  OPTIONAL { ?ref dcterms:title ?rtitle }
  OPTIONAL { ?ref cb:resolutionMethod ?method }
  OPTIONAL { ?ref cb:resolutionScore ?score }
  OPTIONAL { ?ref cb:unresolvedReason ?reason }
  OPTIONAL { ?ref cb:resolutionDetail ?detail }
  OPTIONAL {
    ?ref cb:resolvedTo ?article . ?article fabio:hasPubMedId ?pmid .
    OPTIONAL { ?article dcterms:title ?title }
    OPTIONAL { ?article prism:publicationName ?journal }
    OPTIONAL { ?article fabio:hasPublicationYear ?year }
    OPTIONAL { ?article prism:volume ?volume }
    OPTIONAL { ?article prism:number ?issue }
    OPTIONAL { ?article prism:pageRange ?pages }
    OPTIONAL { ?article prism:doi ?doi }
    OPTIONAL { ?article fabio:hasPubMedCentralId ?pmcid }
    OPTIONAL { ?article cb:sourceStatus ?status }
  }
}
ORDER BY ?number
"""


def bibliography(store: QueryStoreLike) -> list[BibEntry]:
    """The seed's references as ``kb.export.BibEntry`` from the graph alone (for RIS/BibTeX):
    PubMed's metadata when resolved and fetched, else the reference's raw text as its title."""
    entries: dict[int, BibEntry] = {}
    rows = _rows(store, BIBLIOGRAPHY, limit=5000)
    names = authors(store, sorted({r["article"] for r in rows if r["pmid"]}))
    for r in rows:
        number = _int(r["number"])
        if number in entries:
            continue
        if r["pmid"]:
            note = f"resolved to PMID {r['pmid']} by {r['method']}"
            if r["score"]:
                note += f", score {float(r['score']):.2f}"
            title = (r["title"] or "").strip()
            title = title[:-1] if title.endswith(".") and not title.endswith("..") else title
            entries[number] = BibEntry(
                number=number,
                authors=[_author(a) for a in names.get(r["article"], [])],
                title=title or None,
                journal=r["journal"],
                journal_abbrev=r["journal"],
                year=_int(r["year"]) or None,
                volume=r["volume"],
                issue=r["issue"],
                pages=r["pages"],
                doi=r["doi"],
                pmid=r["pmid"],
                pmcid=r["pmcid"],
                note=note,
                status=r["status"],
            )
        else:
            reason = r["reason"] or "not resolved"
            note = f"unresolved ({reason})" + (f": {r['detail']}" if r["detail"] else "")
            entries[number] = BibEntry(number=number, title=r["rtitle"] or r["raw"], note=note)
    return [entries[n] for n in sorted(entries)]


def _author(display: str) -> str:
    """ "Lindqvist MR" → "Lindqvist, MR" (PubMed display names: surname, then initials)."""
    parts = display.split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}", parts[-1]):
        return f"{' '.join(parts[:-1])}, {parts[-1]}"
    return display


def store_bytes(data_dir: Path) -> int:
    """The size on disk of the current store version (0 without one): a free gauge of how
    big an export would be, where counting the quads would scan them all."""
    path = current_version(Path(data_dir))
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path else 0


def store_quads(store: QueryStoreLike) -> int:
    rows = _rows(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return _int(rows[0]["n"]) if rows else 0


DOWNLOADS = ("evidence", "ris", "bibtex", "nquads", "trig")


def download(store: QueryStoreLike, data_dir: Path, fmt: str) -> bytes:
    """One export as bytes, made in memory from the graph with ``kb.export``'s renderers: the
    evidence table (CSV), the seed's references (RIS, BibTeX), the graph (N-Quads, TriG)."""
    from kb import export

    if fmt == "evidence":
        rows, _ = evidence_table(store)
        return export.evidence_csv(rows).encode("utf-8")
    if fmt == "ris":
        return export.to_ris(bibliography(store)).encode("utf-8")
    if fmt == "bibtex":
        return export.to_bibtex(bibliography(store)).encode("utf-8")
    if fmt in ("nquads", "trig"):
        nquads = export.store_nquads(Path(data_dir))
        return nquads if fmt == "nquads" else export.rdf_as(nquads, "trig").encode("utf-8")
    raise ValueError(f"unknown download {fmt!r} (known: {', '.join(DOWNLOADS)})")
