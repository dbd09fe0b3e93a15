"""Triples of one Extraction (cases, findings with their evidence, relations) and of the concepts
they use (SKOS), so that every fact in the graph carries where it was read and by what.

A relation is stated twice on purpose: as a plain triple between findings (``cb:causedBy``…)
for easy querying, and as a ``cb:RelationAssertion`` node that can hold what a triple cannot
(the time to an outcome, the evidence sentence).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from kb import iris
from kb.graph.terms import (
    CB,
    Triple,
    decimal,
    integer,
    optional,
    text,
    value,
)
from kb.records import FINDING_KINDS, Case, Evidence, Extraction, Finding, Relation

KINDS = {kind: URIRef(iris.kind_iri(kind)) for kind in FINDING_KINDS}
RELATIONS = {"caused_by": CB.causedBy, "treated_with": CB.treatedWith, "led_to": CB.ledTo}


def extraction_triples(e: Extraction, pmc_to_pmid: Mapping[str, str]) -> Iterator[Triple]:
    for c in e.cases:
        yield from case_triples(c, pmc_to_pmid)
    for f in e.findings:
        yield from finding_triples(f, pmc_to_pmid)
    for r in e.relations:
        yield from relation_triples(r)


def case_triples(c: Case, pmc_to_pmid: Mapping[str, str]) -> Iterator[Triple]:
    """A patient; its offsets index the text of ``cb:sourceText`` (a PMC body ≠ its abstract)."""
    node = URIRef(iris.case(c.id))
    yield (node, RDF.type, CB.Case)
    yield (node, CB.document, URIRef(iris.article(c.document, pmc_to_pmid)))
    yield (node, CB.sourceText, text(c.document))
    yield (node, CB.number, integer(c.number))
    yield (node, RDFS.label, text(c.title))
    yield (node, CB.start, integer(c.start))
    yield (node, CB.end, integer(c.end))
    yield from optional(node, CB.age, c.age, value)
    yield from optional(node, CB.ageDays, c.age_days, decimal)
    yield from optional(node, CB.sex, c.sex)
    for site in c.sites:
        yield (node, CB.site, text(site))
        yield (node, CB.siteConcept, URIRef(iris.concept(site_concept(site))))


def site_concept(site: str) -> str:
    """The anatomy concept of a case site: "hand:left dorsum" → "hand"."""
    return site.split(":", 1)[0]


def finding_triples(f: Finding, pmc_to_pmid: Mapping[str, str]) -> Iterator[Triple]:
    node = URIRef(iris.finding(f.id))
    yield (node, RDF.type, CB.Finding)
    yield (node, CB.subject, URIRef(iris.subject(f.subject, pmc_to_pmid)))
    yield (node, CB.kind, KINDS[f.kind])
    yield (node, CB.concept, URIRef(iris.concept(f.concept)))
    yield (node, RDFS.label, text(f.label))
    yield (node, CB.assertion, text(f.assertion))
    yield (node, CB.text, text(f.text))
    yield from optional(node, CB.value, f.value, value)
    yield from optional(node, CB.category, f.category)
    yield from optional(node, CB.matchedTerm, f.matched)
    yield from optional(node, CB.matchScore, f.match_score, decimal)
    if f.general:
        yield (node, CB.general, Literal(True))
    if f.about:
        yield (node, CB.about, URIRef(iris.article(f.about, pmc_to_pmid)))
    yield (node, CB.evidence, URIRef(iris.evidence(f.id)))
    yield from evidence_triples(URIRef(iris.evidence(f.id)), f.evidence, pmc_to_pmid)


def evidence_triples(
    node: URIRef, ev: Evidence, pmc_to_pmid: Mapping[str, str]
) -> Iterator[Triple]:
    yield (node, RDF.type, CB.Evidence)
    yield (node, PROV.wasDerivedFrom, URIRef(iris.article(ev.document, pmc_to_pmid)))
    yield (node, CB.sourceText, text(ev.document))
    yield (node, CB.method, text(ev.method))
    yield (node, CB.extractor, text(ev.extractor))
    yield (node, CB.extractorVersion, text(ev.version))
    yield (node, CB.section, text(ev.section))
    yield (node, CB.sentence, text(ev.sentence))
    yield (node, CB.start, integer(ev.start))
    yield (node, CB.end, integer(ev.end))
    yield (node, CB.spanStart, integer(ev.span_start))
    yield (node, CB.spanEnd, integer(ev.span_end))
    yield (node, CB.score, decimal(ev.score))


def relation_triples(r: Relation) -> Iterator[Triple]:
    source, target, prop = (
        URIRef(iris.finding(r.source)),
        URIRef(iris.finding(r.target)),
        RELATIONS[r.kind],
    )
    node = URIRef(iris.relation(r.source, r.kind, r.target))
    yield (source, prop, target)
    yield (node, RDF.type, CB.RelationAssertion)
    yield (node, CB.source, source)
    yield (node, CB.relation, prop)
    yield (node, CB.target, target)
    yield from optional(node, CB.timeToOutcome, r.time, value)
    yield from optional(node, CB.cue, r.cue)
    yield (node, CB.relationScore, decimal(r.score))
    if r.evidence:
        yield (node, CB.evidence, URIRef(iris.evidence(r.evidence)))


# --------------------------------------------------------------------------- concepts (SKOS)


def concept_triples(
    concept_id: str,
    label: str,
    *,
    synonyms: Iterable[str] = (),
    broader: str | None = None,
    mesh: str | None = None,
    concept_type: str | None = None,
    matches: Iterable[str] = (),
) -> Iterator[Triple]:
    """A skos:Concept of the Casebook vocabulary; exactMatch to MeSH (and ``matches``: CURIEs
    such as "drugbank:DB00907", "doid:1234") only where the id is known."""
    node = URIRef(iris.concept(concept_id))
    yield (node, RDF.type, SKOS.Concept)
    yield (node, SKOS.inScheme, URIRef(iris.VOCABULARY))
    yield (node, SKOS.notation, text(concept_id))
    yield (node, SKOS.prefLabel, Literal(label, lang="en"))
    for s in synonyms:
        yield (node, SKOS.altLabel, Literal(s, lang="en"))
    if broader:
        yield (node, SKOS.broader, URIRef(iris.concept(broader)))
    targets = {URIRef(iris.mesh_term(mesh))} if mesh else set()
    targets.update(URIRef(t) for t in map(iris.curie_iri, matches) if t is not None)
    for target in sorted(targets):
        yield (node, SKOS.exactMatch, target)
    yield from optional(node, CB.conceptType, concept_type)


def mesh_id(concept_id: str) -> str | None:
    """The MeSH descriptor a "mesh:D…" concept id names, else None."""
    return concept_id.removeprefix("mesh:") if concept_id.startswith("mesh:") else None


def used_concepts(extractions: Iterable[Extraction]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Every concept id the extractions use (findings and case sites) with a label for it, and
    the identifiers (CURIEs) each was grounded to over every finding that uses it; one pass, so
    a loaded build's extractions are each parsed once.

    A concept used under several labels gets the smallest, so the choice is deterministic.
    """
    labels: dict[str, str] = {}
    ids: dict[str, set[str]] = {}
    sites: set[str] = set()
    for e in extractions:
        for f in e.findings:
            labels[f.concept] = min(labels.get(f.concept, f.label), f.label)
            if f.ids:
                ids.setdefault(f.concept, set()).update(f.ids)
        sites.update(site_concept(site) for c in e.cases for site in c.sites)
    return labels | {s: s for s in sorted(sites) if s not in labels}, ids
