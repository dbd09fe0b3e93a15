"""The Overview page's read model: counts, the seed's references, full texts, runs."""

from __future__ import annotations

from dataclasses import dataclass

from kb.namespaces import NAMESPACES
from kb.read.base import (
    CB,
    KIND_IRI,
    KINDS,
    RUNS_GRAPH,
    QueryStoreLike,
    _count,
    _float,
    as_bool,
    as_int,
    node,
    select_rows,
)
from kb.read.iri_links import document_id, local_name


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
FABIO = NAMESPACES["fabio"]


def counts(store: QueryStoreLike) -> Counts:
    """Articles, cases, references, findings by kind: single-pattern counts (each one index
    scan, no join), so they stay cheap on a large store."""

    def of_type(iri: str) -> int:
        return _count(store, COUNT_OF_TYPE, {"type": node(iri)})

    kinds = {v: k for k, v in KIND_IRI.items()}
    by_kind = {
        kinds.get(r["k"], local_name(r["k"])): as_int(r["n"])
        for r in select_rows(store, FINDINGS_BY_KIND)
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
    return [(r["year"], as_int(r["n"])) for r in select_rows(store, BY_YEAR)]


def publication_types(store: QueryStoreLike) -> list[tuple[str, int]]:
    return [(r["type"], as_int(r["n"])) for r in select_rows(store, PUBLICATION_TYPES)]


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
    for r in select_rows(store, SEED_REFERENCES, limit=5000):
        number = as_int(r["number"])
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
            open_access=as_bool(r["oa"]),
            retracted=as_bool(r["retracted"]),
            claims=as_int(r["claims"]),
        )
    return [out[n] for n in sorted(out)]


SEEDS = "SELECT ?a ?title WHERE { ?a a cb:SeedArticle . OPTIONAL { ?a dcterms:title ?title } }"


def seed_articles(store: QueryStoreLike) -> list[tuple[str, str]]:
    """(document id, title) of the seed article(s)."""
    return [(document_id(r["a"]), r["title"] or "") for r in select_rows(store, SEEDS, limit=100)]


FULL_TEXTS = """
SELECT ?oa (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a cb:openAccess ?oa } GROUP BY ?oa
"""


def full_text_counts(store: QueryStoreLike) -> dict[str, int]:
    """PMC articles: {"full text": n, "abstract only": m}."""
    out = {"full text": 0, "abstract only": 0}
    for r in select_rows(store, FULL_TEXTS):
        out["full text" if r["oa"] == "true" else "abstract only"] += as_int(r["n"])
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
    rows = select_rows(store, RUNS, limit=limit)
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
