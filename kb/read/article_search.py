"""The Articles page's read model: filtered, paged article search and MeSH filters."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from kb import iris
from kb.namespaces import NAMESPACES
from kb.read.base import (
    ID,
    PAGE_SIZE,
    SEARCH_MAX,
    QueryStoreLike,
    _count,
    as_int,
    literal,
    node,
    select_rows,
    values_block,
)
from kb.read.iri_links import concept_iri, document_id, local_name
from kb.store import bind


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
XSD_GYEAR = ox.NamedNode(NAMESPACES["xsd"] + "gYear")


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
    if total == 0:  # nothing to page (a title search that matched nothing scanned every title)
        return ArticlePage([], 0, offset)
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
    found = select_rows(store, page, None, limit=limit)
    details: dict[str, dict] = {}
    if found:
        sparql = values_block(ARTICLE_DETAILS, "article", [node(r["article"]) for r in found])
        details = {r["article"]: r for r in select_rows(store, sparql, None, limit=limit * 4)}
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
    for r in select_rows(store, MESH_DESCRIPTORS, limit=limit):
        names = select_rows(store, MESH_NAME, {"descriptor": node(r["descriptor"])}, limit=1)
        ui = local_name(r["descriptor"])
        out.append((ui, names[0]["label"] if names else ui, as_int(r["n"])))
    return sorted(out, key=lambda d: (-d[2], d[1].lower()))
