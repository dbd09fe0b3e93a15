"""Records → RDF: a Build becomes an rdflib Dataset with one named graph per source document.

Graphs (IRIs from ``kb.iris``):

- ``graph/{document}`` for each source document: a PubMed record's metadata and its text
  extraction ("pmid:1"), a PMC full text ("pmc:PMC1"), a record's MeSH extraction ("pmid:1#mesh"),
  the seed with its references, citation contexts and text extraction ("seed:<sha12>"), the
  seed's citation-context findings ("seed:<sha12>#citations");
- ``graph/vocabulary``: the SKOS concepts findings point at;
- ``graph/runs``: the build as a prov:Activity, and which run made each document graph.

One graph per document lets a later refresh swap a single document (``replace_document_graph``)
without touching the rest. Everything here is a pure function of its inputs: no blank nodes,
no clock, so the same Build always gives the same quads (``to_nquads`` is byte-identical).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from ingest.nlp.vocab import Vocabulary
from kb import iris
from kb.datadir import Build
from kb.graph_articles import (
    cited_by_triples,
    fulltext_triples,
    record_triples,
    seed_document_id,
    seed_triples,
)
from kb.graph_findings import concept_triples, extraction_triples, mesh_id, used_concepts
from kb.graph_terms import CB, PREFIXES, Triple, date_time, text
from kb.records import CitedBy, Extraction, FullText, PubmedRecord


@dataclass(frozen=True)
class Sources:
    """A Build indexed by document id, so each document's graph is made from its own records."""

    build: Build
    seed_document: str
    pmc_to_pmid: dict[str, str]
    records: dict[str, PubmedRecord]
    fulltexts: dict[str, FullText]
    cited_by: dict[str, CitedBy]
    extractions: dict[str, Extraction]


def index(build: Build) -> Sources:
    pmc_to_pmid = {t.pmcid: t.pmid for t in build.fulltexts if t.pmid}
    pmc_to_pmid |= {r.pmcid: r.pmid for r in build.records if r.pmcid}
    return Sources(
        build=build,
        seed_document=seed_document_id(build.seed),
        pmc_to_pmid=pmc_to_pmid,
        records={f"pmid:{r.pmid}": r for r in build.records},
        fulltexts={f"pmc:{t.pmcid}": t for t in build.fulltexts},
        cited_by={f"pmid:{c.pmid}": c for c in build.cited_by},
        extractions={e.document: e for e in build.extractions},
    )


def document_ids(build: Build) -> list[str]:
    """Every source document of a build, i.e. every document graph ``build_dataset`` makes."""
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


def graph_for_document(build: Build, document: str, src: Sources | None = None) -> Graph:
    """The named graph of one document (identifier ``iris.graph(document)``); pass ``src`` from
    ``index(build)`` when building many, to index the build once."""
    return _graph(iris.graph(document), document_triples(src or index(build), document))


def vocabulary_graph(vocab: Vocabulary, extractions: Iterable[Extraction]) -> Graph:
    """The whole vocabulary as SKOS, plus any concept the extractions use that it lacks
    ("age", "sex", "mesh:D…"), so every cb:concept of a finding is a skos:Concept."""
    labels = used_concepts(extractions)

    def triples() -> Iterator[Triple]:
        yield (iris.VOCABULARY, RDF.type, SKOS.ConceptScheme)
        yield (iris.VOCABULARY, RDFS.label, text("Casebook vocabulary"))
        for c in vocab.concepts.values():
            yield from concept_triples(
                c.id,
                c.label,
                synonyms=c.synonyms,
                broader=c.broader,
                mesh=c.mesh,
                concept_type=c.type,
            )
        for cid in sorted(set(labels) - set(vocab.concepts)):
            yield from concept_triples(cid, labels[cid], mesh=mesh_id(cid))

    return _graph(iris.VOCABULARY_GRAPH, triples())


def run_graph(build: Build, documents: Iterable[str]) -> Graph:
    """The build as a prov:Activity that used the seed, and the run and source of each graph."""
    info = build.info
    run = iris.run(info.finished_at)
    seed = iris.seed_article(build.seed.sha256[:12])
    pmc_to_pmid = index(build).pmc_to_pmid

    def triples() -> Iterator[Triple]:
        yield (run, RDF.type, PROV.Activity)
        yield (run, RDF.type, CB.Build)
        yield (run, RDFS.label, text(f"kb build {info.finished_at}"))
        yield (run, PROV.endedAtTime, date_time(info.finished_at))
        yield (run, CB.version, text(info.version))
        yield (run, PROV.used, seed)
        if info.seed:
            yield (run, CB.seedSource, text(info.seed))
        yield (iris.VOCABULARY_GRAPH, PROV.wasGeneratedBy, run)
        for document in documents:
            yield (iris.graph(document), PROV.wasGeneratedBy, run)
            yield (iris.graph(document), PROV.wasDerivedFrom, iris.article(document, pmc_to_pmid))

    return _graph(iris.RUNS_GRAPH, triples())


def build_dataset(build: Build, vocab: Vocabulary) -> Dataset:
    """The whole knowledge graph of a build: document graphs, vocabulary and run graphs."""
    src = index(build)
    documents = document_ids(build)
    graphs = [graph_for_document(build, d, src) for d in documents]
    graphs += [vocabulary_graph(vocab, build.extractions), run_graph(build, documents)]
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    for g in graphs:
        replace_document_graph(dataset, g)
    return dataset


def replace_document_graph(dataset: Dataset, graph: Graph) -> None:
    """Put ``graph`` into ``dataset`` under its identifier, dropping what that graph held."""
    dataset.remove_graph(graph.identifier)
    target = dataset.graph(graph.identifier)
    for t in graph:
        target.add(t)


def union_graph(dataset: Dataset) -> Graph:
    """All named graphs' triples in one graph (what SHACL validation and ad-hoc queries see)."""
    union = Graph()
    for prefix, namespace in PREFIXES.items():
        union.bind(prefix, namespace)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def to_nquads(dataset: Dataset) -> str:
    """N-Quads with the lines sorted: a canonical text, equal for equal datasets (no bnodes)."""
    with warnings.catch_warnings():  # rdflib's own N-Quads writer calls a deprecated method
        warnings.simplefilter("ignore", DeprecationWarning)
        lines = dataset.serialize(format="nquads").splitlines()
    return "".join(f"{line}\n" for line in sorted(set(lines)) if line.strip())


def ontology_graph() -> Graph:
    """The Casebook ontology (data/ontology.ttl), as shipped in the package."""
    return _read_turtle("ontology.ttl")


def shapes_graph() -> Graph:
    """The SHACL shapes (data/shapes.ttl) the graph of every build must conform to."""
    return _read_turtle("shapes.ttl")


def _read_turtle(name: str) -> Graph:
    data = (resources.files("casebook_data") / name).read_text("utf-8")
    return Graph().parse(data=data, format="turtle")


def _graph(identifier: URIRef, triples: Iterable[Triple]) -> Graph:
    g = Graph(identifier=identifier)
    for t in triples:
        g.add(t)
    return g
