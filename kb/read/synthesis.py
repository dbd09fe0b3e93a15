"""The Synthesis page's read model: the cases behind one treatment × outcome cell."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kb.read.base import QueryStoreLike, node, select_rows, values_block
from kb.read.iri_links import concept_iri, local_name

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
        rows = select_rows(store, CONCEPTS_LABELLED, {"label": ox.Literal(label, language="en")},
                     limit=100)  # fmt: skip
        return [node(r["c"]) for r in rows]

    treatments, outcomes = concepts(treatment), concepts(outcome)
    if not treatments or not outcomes:
        return []
    treated: dict[str, str] = {}
    for c in treatments:
        for r in select_rows(store, TREATED_CASES, {"c": c}, limit=20_000):
            treated.setdefault(r["case"], r["tev"])
    if not treated:
        return []
    found: dict[str, tuple[str, str | None]] = {}
    cases = [node(c) for c in treated]
    for i in range(0, len(cases), 500):
        for c in outcomes:
            sparql = values_block(CASE_OUTCOMES, "case", cases[i : i + 500])
            for r in select_rows(store, sparql, {"c": c}, limit=20_000):
                if r["case"] not in found or (r["time"] and not found[r["case"]][1]):
                    found[r["case"]] = (r["oev"], r["time"])
    chosen = sorted(found)[:limit]
    if not chosen:
        return []
    info = {r["case"]: r for r in select_rows(
        store, values_block(CASE_LABELS, "case", [node(c) for c in chosen]), None, limit * 2)}  # fmt: skip
    evidences = [treated[c] for c in chosen] + [found[c][0] for c in chosen]
    sentences = {r["e"]: r["sentence"] for r in select_rows(
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


CONDITION_CASES = """
SELECT DISTINCT ?case WHERE {
  ?cc skos:broader* ?condition .
  ?cf cb:concept ?cc ; cb:kind cb:kindCondition ; cb:assertion "present" ; cb:subject ?case .
  ?case a cb:Case .
}
"""


def condition_cases(store: QueryStoreLike, condition: str) -> set[str]:
    """IRIs of the cases with ``condition`` (a concept id) or a narrower condition: the cases a
    condition filter keeps."""
    rows = select_rows(store, CONDITION_CASES, {"condition": node(concept_iri(condition))}, 50_000)
    return {r["case"] for r in rows}
