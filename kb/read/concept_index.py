"""The Concepts and Concept pages' read model: concepts by kind, findings, co-occurrence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from kb import iris
from kb.namespaces import NAMESPACES
from kb.read.article_search import MESH_NAME
from kb.read.base import KIND_IRI, KINDS, QueryStoreLike, as_int, node, select_rows, values_block
from kb.read.entities import Finding, finding_from_row
from kb.read.iri_links import concept_id, concept_iri, local_name
from kb.store import StoreError


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
    rows = select_rows(store, CONCEPTS_OF_KIND, {"kind": node(KIND_IRI[kind])}, limit=limit)
    labels = concept_labels(store, [r["c"] for r in rows])
    out = [
        ConceptRow(
            concept_id(r["c"]), labels.get(r["c"], concept_id(r["c"])), as_int(r["findings"])
        )
        for r in rows
    ]
    return sorted(out, key=lambda c: (-c.findings, c.label.lower()))


CONCEPT_LABELS = "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label }"


def concept_labels(store: QueryStoreLike, concepts: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(concepts), 500):
        chunk = [node(c) for c in concepts[i : i + 500]]
        for r in select_rows(store, values_block(CONCEPT_LABELS, "c", chunk), None, limit=5000):
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
        (r["cid"], r["label"] or r["cid"], r["type"])
        for r in select_rows(store, VOCABULARY, limit=limit)
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
    mesh_names: tuple[tuple[str, str], ...] = ()  # (UI, name) where an article's heading names it


MESH_BASE = NAMESPACES["mesh"]
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
    for r in select_rows(store, CONCEPT, {"concept": node(iri)}, limit=2000):
        values[local_name(r["p"])].append((r["o"], r["oid"], r["olabel"]))
    if not values.get("prefLabel"):
        return None
    exact = values.get("exactMatch", [])
    mesh = sorted({local_name(o) for o, _, _ in exact if o.startswith(MESH_BASE)})
    names = []
    for ui in mesh:  # MeSH's name of the descriptor, as the articles' headings give it
        got = select_rows(store, MESH_NAME, {"descriptor": node(MESH_BASE + ui)}, limit=1)
        if got:
            names.append((ui, got[0]["label"]))
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
        mesh=tuple(mesh),
        matches=tuple(sorted({o for o, _, _ in exact if not o.startswith(MESH_BASE)})),
        mesh_names=tuple(names),
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
    rows = select_rows(store, sparql, {"concept": node(concept_iri(concept_id))}, limit=limit * 4)
    rows.sort(key=lambda r: (r["article"] or "", r["method"] or "", r["subject"] or "",
                             r["label"] or ""))  # fmt: skip
    return [finding_from_row(r) for r in rows]


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
    subjects = select_rows(store, SUBJECTS_OF, {"concept": concept}, limit=COOCCURRENCE_SAMPLE)
    if not subjects:
        return []
    own = {r["c"] for r in select_rows(store, NARROWER, {"concept": concept}, limit=10000)}
    sparql = values_block(COOCCURRING, "subject", [node(r["subject"]) for r in subjects])
    kinds = {v: k for k, v in KIND_IRI.items()}
    counts: dict[str, int] = defaultdict(int)
    found_as: dict[str, set[str]] = defaultdict(set)
    for r in select_rows(store, sparql, None, limit=100_000):
        kind = kinds.get(r["k"], local_name(r["k"]))
        if r["other"] in own or kind == "patient_attribute":
            continue
        counts[r["other"]] = max(counts[r["other"]], as_int(r["subjects"]))
        found_as[r["other"]].add(kind)
    top = sorted(counts, key=lambda c: -counts[c])[: limit * 2]
    labels = concept_labels(store, top)
    out = [
        Cooccurrence(concept_id(c), labels.get(c, concept_id(c)),
                     ", ".join(k for k in KINDS if k in found_as[c]), counts[c])
        for c in top
    ]  # fmt: skip
    return sorted(out, key=lambda o: (-o.subjects, o.label.lower()))[:limit]
