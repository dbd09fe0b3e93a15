"""Records → RDF: a Build becomes named graphs, one per source document, made one at a time.

Graphs (IRIs from ``kb.iris``):

- ``graph/{document}`` for each source document: a PubMed record's metadata and its text
  extraction ("pmid:1"), a PMC full text ("pmc:PMC1"), a record's MeSH extraction ("pmid:1#mesh"),
  the seed with its references, citation contexts and text extraction ("seed:<sha12>"), the
  seed's citation-context findings ("seed:<sha12>#citations");
- ``graph/vocabulary``: the SKOS concepts findings point at;
- ``graph/runs``: the run history (builds and refreshes as prov:Activities), and which run last
  wrote each document graph;
- ``graph/topics``: the KB's topic queries and the articles each found;
- ``graph/ontology``: the Casebook ontology (its blank nodes skolemised).

Each graph is an IRI and an iterator of its triples, made one at a time (``kb.graph.nquads`` writes
them): no rdflib Dataset of the whole KB is ever built. One graph per document lets a refresh
swap a single document without touching the rest. Everything here is a pure function of its
inputs: no blank nodes, no clock, so the same Build always gives the same quads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from kb import iris
from kb.datadir import Build
from kb.graph.articles import (
    cited_by_triples,
    fulltext_triples,
    record_triples,
    seed_document_id,
    seed_triples,
)
from kb.graph.findings import (
    concept_triples,
    extraction_triples,
    mesh_id,
    used_concepts,
)
from kb.graph.terms import CB, PREFIXES, Triple, date_time, text
from kb.lines import Lines
from kb.records import CitedBy, Extraction, FullText, PubmedRecord
from kb.vocab import Vocabulary

ONTOLOGY_GRAPH = URIRef(iris.BASE + "graph/ontology")


@dataclass(frozen=True)
class Sources:
    """A Build indexed by document id, so each document's graph is made from its own records
    (a loaded build's records and extractions are parsed only when their graph is made)."""

    build: Build
    seed_document: str
    pmc_to_pmid: dict[str, str]
    records: Mapping[str, PubmedRecord]
    fulltexts: dict[str, FullText]
    cited_by: dict[str, CitedBy]
    extractions: Mapping[str, Extraction]


def index(build: Build) -> Sources:
    pmc_to_pmid = {t.pmcid: t.pmid for t in build.fulltexts if t.pmid}
    if isinstance(build.records, Lines):
        pmc_to_pmid |= build.records.aliases()
        records: Mapping[str, PubmedRecord] = build.records.by_key("pmid:")
    else:
        pmc_to_pmid |= {r.pmcid: r.pmid for r in build.records if r.pmcid}
        records = {f"pmid:{r.pmid}": r for r in build.records}
    extractions: Mapping[str, Extraction] = (
        build.extractions.by_key()
        if isinstance(build.extractions, Lines)
        else {e.document: e for e in build.extractions}
    )
    return Sources(
        build=build,
        seed_document=seed_document_id(build.seed),
        pmc_to_pmid=pmc_to_pmid,
        records=records,
        fulltexts={f"pmc:{t.pmcid}": t for t in build.fulltexts},
        cited_by={f"pmid:{c.pmid}": c for c in build.cited_by},
        extractions=extractions,
    )


def document_ids(build: Build) -> list[str]:
    """Every source document of a build, i.e. every document graph ``content_graphs`` makes."""
    src = index(build)
    return sorted(
        {src.seed_document, *src.records, *src.fulltexts, *src.cited_by, *src.extractions}
    )


def document_triples(src: Sources, document: str) -> Iterator[Triple]:
    """The triples of one document's graph: its metadata records, then its extraction."""
    b = src.build
    if document == src.seed_document:
        yield from seed_triples(b.seed, b.resolutions)
    if document in src.records:
        yield from record_triples(src.records[document])
    if document in src.fulltexts:
        yield from fulltext_triples(src.fulltexts[document], src.pmc_to_pmid)
    if document in src.cited_by:
        yield from cited_by_triples(src.cited_by[document])
    if document in src.extractions:
        yield from extraction_triples(src.extractions[document], src.pmc_to_pmid)


def vocabulary_triples(
    vocab: Vocabulary, extractions: Iterable[Extraction], records: Iterable[PubmedRecord] = ()
) -> Iterator[Triple]:
    """The whole vocabulary as SKOS, plus any concept the extractions use that it lacks
    ("age", "sex", "mesh:D…"), so every cb:concept of a finding is a skos:Concept; and the
    name PubMed gives each MeSH qualifier the records use (``rdfs:label``, as NLM's MeSH RDF
    labels it), written once here rather than in every article graph that uses it."""
    labels, grounded = used_concepts(extractions)
    qualifiers: dict[str, str] = {}
    for record in records:
        for heading in record.mesh_headings:
            for q in heading.qualifiers:
                if q.ui and q.name and (q.ui not in qualifiers or q.name < qualifiers[q.ui]):
                    qualifiers[q.ui] = q.name

    def triples() -> Iterator[Triple]:
        yield (URIRef(iris.VOCABULARY), RDF.type, SKOS.ConceptScheme)
        yield (URIRef(iris.VOCABULARY), RDFS.label, text("Casebook vocabulary"))
        for c in vocab.concepts.values():
            yield from concept_triples(
                c.id,
                c.label,
                synonyms=c.synonyms,
                broader=c.broader,
                mesh=c.mesh,
                concept_type=c.type,
                matches=sorted(grounded.get(c.id, ())),
            )
        for cid in sorted(set(labels) - set(vocab.concepts)):
            yield from concept_triples(
                cid, labels[cid], mesh=mesh_id(cid), matches=sorted(grounded.get(cid, ()))
            )
        for ui, name in sorted(qualifiers.items()):
            yield (URIRef(iris.mesh_term(ui)), RDFS.label, text(name))

    return triples()


def run_triples(build: Build, documents: Iterable[str]) -> Iterator[Triple]:
    """The run history as prov:Activities (builds and refreshes that changed the graph), which
    run last wrote each document graph, and the article each graph is derived from."""
    seed = URIRef(iris.seed_article(build.seed.sha256[:12]))
    pmc_to_pmid = index(build).pmc_to_pmid
    documents = list(documents)
    written_by: dict[str, URIRef] = {}

    def triples() -> Iterator[Triple]:
        for record in build.runs:
            run = URIRef(iris.run(record.id))
            yield (run, RDF.type, PROV.Activity)
            yield (run, RDF.type, CB.Build if record.kind == "build" else CB.Refresh)
            yield (run, RDFS.label, text(f"kb {record.kind} {record.id}"))
            yield (run, PROV.endedAtTime, date_time(record.id))
            yield (run, CB.version, text(record.version))
            if record.kind == "build":
                yield (run, PROV.used, seed)
                if build.info.seed:
                    yield (run, CB.seedSource, text(build.info.seed))
            for prop, pmids in (
                (CB.added, record.added),
                (CB.revised, record.revised),
                (CB.foundRetracted, record.retracted),
                (CB.foundCorrected, record.corrected),
            ):
                for pmid in pmids:
                    yield (run, prop, URIRef(iris.article(f"pmid:{pmid}", pmc_to_pmid)))
            if record.kind == "refresh":
                yield (run, CB.unchangedRecords, Literal(record.unchanged))
                yield (run, CB.failedRequests, Literal(len(record.failed)))
            for document in record.documents:
                written_by[document] = run
        if build.runs:
            yield (
                URIRef(iris.VOCABULARY_GRAPH),
                PROV.wasGeneratedBy,
                URIRef(iris.run(build.runs[-1].id)),
            )
        for document in documents:
            if document in written_by:
                yield (URIRef(iris.graph(document)), PROV.wasGeneratedBy, written_by[document])
            yield (
                URIRef(iris.graph(document)),
                PROV.wasDerivedFrom,
                URIRef(iris.article(document, pmc_to_pmid)),
            )

    return triples()


def topic_triples(build: Build) -> Iterator[Triple]:
    """The KB's topic queries (ESearch terms) and the articles each found."""
    pmc_to_pmid = index(build).pmc_to_pmid

    def triples() -> Iterator[Triple]:
        for topic in build.topics:
            node = URIRef(iris.topic(topic.term))
            yield (node, RDF.type, CB.TopicQuery)
            yield (node, RDFS.label, text(topic.term))
            yield (node, CB.hitCount, Literal(topic.total))
            for pmid in topic.pmids:
                yield (node, CB.result, URIRef(iris.article(f"pmid:{pmid}", pmc_to_pmid)))

    return triples()


def content_graphs(
    build: Build, vocab: Vocabulary, src: Sources | None = None
) -> Iterator[tuple[URIRef, Iterator[Triple]]]:
    """Every graph of a build but the run history (which says when, ``run_triples``): each
    document's, the vocabulary, the topics (if any) and the ontology, one at a time."""
    src = src or index(build)
    for document in document_ids(build):
        yield URIRef(iris.graph(document)), document_triples(src, document)
    yield URIRef(iris.VOCABULARY_GRAPH), vocabulary_triples(vocab, build.extractions, build.records)
    if build.topics:
        yield URIRef(iris.TOPICS_GRAPH), topic_triples(build)
    yield ONTOLOGY_GRAPH, ontology_triples()


def ontology_triples() -> Iterator[Triple]:
    """The ontology with its blank nodes (owl:unionOf lists) as IRIs named by rdflib's
    canonical labelling: a store renames blank nodes at random, IRIs it keeps, so the stored
    dataset dumps to the same bytes every time."""
    canonical = to_canonical_graph(ontology_graph())
    yield from canonical.skolemize(authority=iris.BASE.rstrip("/"), basepath="/genid/")


def union_graph(dataset: Dataset) -> Graph:
    """All named graphs' triples in one graph (what SHACL validation and ad-hoc queries see)."""
    union = Graph()
    for prefix, namespace in PREFIXES.items():
        union.bind(prefix, namespace)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def ontology_graph() -> Graph:
    """The Casebook ontology (data/ontology.ttl), as shipped in the package."""
    return _read_turtle("ontology.ttl")


def shapes_graph() -> Graph:
    """The SHACL shapes (data/shapes.ttl) the graph of every build must conform to."""
    return _read_turtle("shapes.ttl")


def _read_turtle(name: str) -> Graph:
    data = (resources.files("casebook_data") / name).read_text("utf-8")
    return Graph().parse(data=data, format="turtle")
