"""The Case page's read model (and an article's cases, the seed's claims, citations)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from kb.query import ROW_LIMIT
from kb.questions import get_question
from kb.read.base import QueryStoreLike, as_int, ask, literal, node, select_rows, values_block
from kb.read.entities import CaseInfo, CitationContext, Finding, finding_from_row, unmapped
from kb.read.iri_links import article_iri, case_iri, document_id
from kb.store import QueryResult

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
SELECT ?case ?kind ?label ?cid WHERE {
  ?f cb:subject ?case ; a cb:Finding ; cb:assertion "present" ; cb:kind/skos:notation ?kind ;
     cb:concept ?c . ?c skos:prefLabel ?label .
  OPTIONAL { ?c skos:notation ?cid }
}
ORDER BY ?case ?kind ?label
"""
CONCEPT_LABELS = "SELECT ?n ?l WHERE { ?c skos:notation ?n ; skos:prefLabel ?l }"


def article_cases(store: QueryStoreLike, doc_id: str) -> list[CaseInfo]:
    """The patient cases of an article, each with its present findings by kind."""
    rows = select_rows(store, ARTICLE_CASES, {"article": node(article_iri(doc_id))}, limit=500)
    return cases_with_findings(store, rows)


def site_label(site: str, labels: Mapping[str, str]) -> str | None:
    """A case's site as a reader names it: ``iv_site`` → "intravenous site", ``hand:left
    dorsum`` → "hand (left dorsum)"; None for words no vocabulary grounds (``text:…``)."""
    if unmapped(site):
        return None
    if site in labels:
        return labels[site]
    where, _, detail = site.partition(":")
    if detail and where in labels:
        return f"{labels[where]} ({detail})"
    return site


def _site_labels(store: QueryStoreLike, sites: set[str]) -> dict[str, str]:
    ids = sorted(sites | {s.partition(":")[0] for s in sites})
    if not ids:
        return {}
    sparql = values_block(CONCEPT_LABELS, "n", [literal(i) for i in ids])
    return {r["n"]: r["l"] for r in select_rows(store, sparql, None, limit=10 * len(ids))}


def cases_with_findings(store: QueryStoreLike, rows: Sequence[Mapping]) -> list[CaseInfo]:
    """Each case row with its present findings by kind (vocabulary concepts; the words no
    vocabulary knows apart, as ``unmapped``) and its sites by their labels."""
    sites = {s: s.split("|") for s in {r.get("sites") or "" for r in rows}}
    labels = _site_labels(store, {x for parts in sites.values() for x in parts if x})
    cases = []
    for r in rows:
        findings: dict[str, list[str]] = defaultdict(list)
        loose: list[tuple[str, str]] = []
        for f in select_rows(store, CASE_FINDINGS, {"case": node(r["case"])}, limit=500):
            if unmapped(f.get("cid")):
                if (f["kind"], f["label"]) not in loose:
                    loose.append((f["kind"], f["label"]))
            elif f["label"] not in findings[f["kind"]]:
                findings[f["kind"]].append(f["label"])
        named = (site_label(s, labels) for s in sites[r.get("sites") or ""] if s)
        cases.append(
            CaseInfo(
                iri=r["case"],
                label=r["label"] or "",
                number=as_int(r["number"]),
                document=r.get("src") or "",
                age=r.get("age"),
                sex=r.get("sex"),
                sites=tuple(dict.fromkeys(n for n in named if n)),
                findings={k: tuple(v) for k, v in findings.items()},
                article=r.get("article") or "",
                unmapped=tuple(loose),
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
    for r in select_rows(store, SEED_CONTEXTS, bound, limit=2000):
        out[(as_int(r["number"]), as_int(r["st"]))] = {
            "section": r["section"] or "",
            "sentence": r["sentence"] or "",
            "claims": [],
        }
    for r in select_rows(store, SEED_CLAIMS, bound, limit=5000):
        key = (as_int(r["number"]), as_int(r["st"]))
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
    rows = select_rows(store, CITATIONS, {"article": node(article_iri(doc_id))}, limit=limit)
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


def case(store: QueryStoreLike, case: str) -> CaseInfo | None:
    """A patient case with its present findings by kind; None if there is no such case."""
    rows = select_rows(store, CASE, {"case": node(case_iri(case))}, limit=10)
    return cases_with_findings(store, rows[:1])[0] if rows else None


def case_findings(store: QueryStoreLike, case: str, limit: int = 1000) -> list[Finding]:
    """Every finding about the case (any assertion), in reading order."""
    rows = select_rows(store, SUBJECT_FINDINGS, {"subject": node(case_iri(case))}, limit=limit)
    rows.sort(key=lambda r: (r["method"] or "", as_int(r["st"]), r["kind"] or ""))
    return [finding_from_row(r) for r in rows]


def ask_named(
    store: QueryStoreLike,
    name: str,
    values: Sequence[tuple[str, str]] = (),
    limit: int = ROW_LIMIT,
    page: int = 1,
) -> QueryResult:
    """The named question ``name`` with ``values`` (pairs, so the call is hashable)."""
    return ask(store, get_question(name), dict(values), limit, page)
