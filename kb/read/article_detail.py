"""The Article page's read model: metadata, MeSH, notices, findings and the text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from kb.read.base import CB, QueryStoreLike, as_bool, as_int, node, select_rows, values_block
from kb.read.entities import Finding, MeshHeading, finding_from_row, iri_order, unmapped
from kb.read.iri_links import Span, article_iri, document_id, highlight, local_name, source_links


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
    for r in select_rows(store, sparql, limit=100_000):
        position = int(r["member"].rpartition("_")[2]) if r["member"] else 0
        found[r["article"]].append((position, r["name"]))
    return {a: [name for _, name in sorted(names)] for a, names in found.items()}


def article(store: QueryStoreLike, doc_id: str) -> Article | None:
    """An article's metadata, MeSH headings and notices; None if the graph has no such article."""
    a = article_iri(doc_id)
    bound = {"article": node(a)}
    values: dict[str, list[str]] = defaultdict(list)
    for r in select_rows(store, ARTICLE, bound, limit=5000):
        if r["o"] not in values[local_name(r["p"])]:
            values[local_name(r["p"])].append(r["o"])
    if not values:
        return None

    def one(name: str) -> str | None:
        return values[name][0] if values.get(name) else None

    headings: dict[str, dict] = {}
    for r in select_rows(store, ARTICLE_MESH, bound, limit=5000):
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
        for _, h in sorted(headings.items(), key=lambda kv: iri_order(kv[0]))
    )
    notices = tuple(
        (r["type"], r["source"], r["pmid"])
        for r in select_rows(store, ARTICLE_NOTICES, bound, limit=100)
    )
    numbers = tuple(
        sorted(as_int(r["number"]) for r in select_rows(store, ARTICLE_REFERENCES, bound))
    )
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
        retracted=as_bool(one("retracted")),
        open_access=as_bool(one("openAccess")),
        license=one("license"),
        abstract=one("abstract"),
        is_seed=CB + "SeedArticle" in types,
        cited_by_count=as_int(one("citedByCount")) if one("citedByCount") else None,
        mesh=mesh,
        notices=notices,
        references=numbers,
    )


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
    rows = select_rows(store, ARTICLE_FINDINGS, {"article": node(article_iri(doc_id))}, limit=limit)
    return [finding_from_row(r) for r in rows]


DOCUMENT_SENTENCES = """
SELECT ?e ?src ?section ?st ?en ?sentence ?ss ?se ?kind ?label ?cid WHERE {
  ?e prov:wasDerivedFrom ?article ; cb:method "text" ; cb:sourceText ?src ; cb:section ?section ;
     cb:start ?st ; cb:end ?en ; cb:sentence ?sentence ; cb:spanStart ?ss ; cb:spanEnd ?se .
  ?f cb:evidence ?e ; a cb:Finding ; cb:kind/skos:notation ?kind ; rdfs:label ?label ; cb:concept ?fc .
  OPTIONAL { ?fc skos:notation ?cid }
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
    something in, in reading order, each with its mentions — the text the graph keeps. Words
    no vocabulary grounds (``text:`` concepts) are not highlighted as mentions."""
    rows = select_rows(
        store, DOCUMENT_SENTENCES, {"article": node(article_iri(doc_id))}, limit=limit
    )
    sentences: dict[tuple[str, int], dict] = {}
    for r in rows:
        st = as_int(r["st"])
        s = sentences.setdefault(
            (r["src"] or "", st),
            {"section": r["section"] or "", "text": r["sentence"] or "", "spans": {}},
        )
        if unmapped(r.get("cid")):
            continue
        span = Span(as_int(r["ss"]) - st, as_int(r["se"]) - st, r["kind"] or "", r["label"] or "")
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
