"""Triples about articles: the seed with its references and citation contexts, PubMed records,
PMC full texts and ELink cited-by links (FaBiO/PRISM/DCTERMS for metadata, CiTO for citations).

Pure generators of triples; ``kb.graph`` decides which named graph they go to. Nested things
(MeSH headings, comments/corrections) get IRIs derived from their position, not blank nodes,
so the same records always give the same triples.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from kb import iris
from kb.graph.terms import (
    BIBO,
    CB,
    CITO,
    FABIO,
    PRISM,
    Triple,
    boolean,
    date,
    decimal,
    each,
    integer,
    optional,
    text,
)
from kb.records import (
    CitationContext,
    CitedBy,
    FullText,
    MeshHeading,
    PubmedRecord,
    Reference,
    Resolution,
    SeedDocument,
)

# PubMed publication types with a FaBiO class of their own (all others stay dcterms:type only)
PUBLICATION_CLASSES = {
    "Case Reports": FABIO.CaseReport,
    "Review": FABIO.ReviewArticle,
    "Systematic Review": FABIO.SystematicReview,
}


def seed_sha12(seed: SeedDocument) -> str:
    return seed.sha256[:12]


def seed_document_id(seed: SeedDocument) -> str:
    """The seed's document id as extractions name it: "seed:<sha256[:12]>"."""
    return f"seed:{seed_sha12(seed)}"


def year(y: int) -> Literal:
    return date(f"{int(y):04d}")


def authors(a: URIRef, names: list[str]) -> Iterator[Triple]:
    """Each author as ``dcterms:creator`` (a set: simple to query) and, in the article's order,
    as the members ``rdf:_1``, ``rdf:_2``… of its ``bibo:authorList`` (an ``rdf:Seq``): a
    citation's first author must come first, and a set has no order."""
    names = [n for n in names if n]
    yield from each(a, DCTERMS.creator, names)
    if names:
        seq = URIRef(iris.author_list(a))
        yield (a, BIBO.authorList, seq)
        yield (seq, RDF.type, RDF.Seq)
        for position, name in enumerate(names, 1):
            yield (seq, RDF[f"_{position}"], text(name))


# --------------------------------------------------------------------------- the seed


def seed_triples(seed: SeedDocument, resolutions: list[Resolution]) -> Iterator[Triple]:
    """The seed article, its numbered references (with how each resolved) and its citations."""
    sha12 = seed_sha12(seed)
    a = URIRef(iris.seed_article(sha12))
    meta = seed.metadata
    yield (a, RDF.type, FABIO.JournalArticle)
    yield (a, RDF.type, CB.SeedArticle)
    yield from optional(a, DCTERMS.title, meta.title)
    yield from optional(a, PRISM.doi, meta.doi)
    yield from authors(a, meta.authors)
    yield from optional(a, PRISM.publicationName, meta.journal)
    yield from optional(a, PRISM.volume, meta.volume)
    yield from optional(a, PRISM.number, meta.issue)
    yield from optional(a, PRISM.pageRange, meta.pages)
    yield from optional(a, FABIO.hasPublicationYear, meta.year, year)
    yield (a, DCTERMS.source, text(seed.source))
    yield (a, CB.sha256, text(seed.sha256))
    by_number = {r.reference.number: r for r in resolutions}
    numbers = {ref.number for ref in seed.references}
    for ref in seed.references:
        yield from reference_triples(sha12, ref, by_number.get(ref.number))
    for context in seed.citations:
        yield from context_triples(sha12, context, numbers)


def reference_triples(sha12: str, ref: Reference, res: Resolution | None) -> Iterator[Triple]:
    """A reference entry; when resolved, cb:resolvedTo its article and the seed cito:cites it."""
    node = URIRef(iris.reference(sha12, ref.number))
    seed = URIRef(iris.seed_article(sha12))
    yield (seed, CB.hasReference, node)
    yield (node, RDF.type, CB.Reference)
    yield (node, CB.number, integer(ref.number))
    yield (node, CB.rawText, text(ref.raw))
    yield from optional(node, DCTERMS.title, ref.title)
    if res is None:
        return
    if res.pmid:
        target = URIRef(iris.pmid_article(res.pmid))
        yield (node, CB.resolvedTo, target)
        yield (seed, CITO.cites, target)
    yield from optional(node, CB.resolutionMethod, res.method)
    yield from optional(node, CB.resolutionScore, res.score, decimal)
    yield from optional(node, CB.unresolvedReason, res.reason)
    yield from optional(node, CB.resolutionDetail, res.detail)


def context_triples(sha12: str, c: CitationContext, numbers: set[int]) -> Iterator[Triple]:
    """A citing sentence of the seed, linked to the reference entries its marker names."""
    node = URIRef(iris.citation_context(sha12, c.marker_start))
    yield (node, RDF.type, CB.CitationContext)
    yield (node, CB.inArticle, URIRef(iris.seed_article(sha12)))
    yield (node, CB.sentence, text(c.sentence))
    yield (node, CB.section, text(c.section))
    yield from optional(node, CB.sectionTitle, c.section_title)
    yield (node, CB.start, integer(c.start))
    yield (node, CB.end, integer(c.end))
    yield (node, CB.marker, text(c.marker))
    yield (node, CB.markerStart, integer(c.marker_start))
    yield (node, CB.markerEnd, integer(c.marker_end))
    for n in sorted(set(c.numbers) & numbers):  # a number with no entry names nothing
        yield (node, CB.citesReference, URIRef(iris.reference(sha12, n)))


# --------------------------------------------------------------------------- PubMed and PMC


def record_triples(r: PubmedRecord) -> Iterator[Triple]:
    """One PubMed record: bibliographic metadata, retraction status, MeSH, links to notices."""
    a = URIRef(iris.pmid_article(r.pmid))
    yield (a, RDF.type, FABIO.BookChapter if r.kind == "book" else FABIO.JournalArticle)
    for kind in r.publication_types:
        yield (a, DCTERMS.type, text(kind))
        if kind in PUBLICATION_CLASSES:
            yield (a, RDF.type, PUBLICATION_CLASSES[kind])
    yield (a, FABIO.hasPubMedId, text(r.pmid))
    yield (a, DCTERMS.title, text(r.title))
    yield from optional(a, PRISM.doi, r.doi)
    yield from optional(a, FABIO.hasPubMedCentralId, r.pmcid)
    yield from optional(a, DCTERMS.abstract, r.abstract_text)
    yield from authors(a, [au.display for au in r.authors])
    yield from optional(a, PRISM.publicationName, r.journal)
    yield from optional(a, PRISM.volume, r.volume)
    yield from optional(a, PRISM.number, r.issue)
    yield from optional(a, PRISM.pageRange, r.pages)
    yield from optional(a, DCTERMS.date, r.pub_date, date)
    yield from optional(a, FABIO.hasPublicationYear, r.year, year)
    yield from optional(a, DCTERMS.modified, r.date_revised, date)
    yield from each(a, DCTERMS.language, r.language)
    yield from each(a, DCTERMS.subject, r.keywords)
    yield (a, CB.retracted, boolean(r.retracted))
    yield from optional(a, CB.sourceStatus, r.source_status)
    for i, heading in enumerate(r.mesh_headings, start=1):
        yield from mesh_heading_triples(a, URIRef(iris.mesh_heading(r.pmid, i)), heading)
    for i, cc in enumerate(r.comments_corrections, start=1):
        node = URIRef(iris.comment_correction(r.pmid, i))
        yield (a, CB.commentCorrection, node)
        yield (node, RDF.type, CB.CommentCorrection)
        yield (node, CB.refType, text(cc.ref_type))
        yield from optional(node, CB.pmid, cc.pmid)
        yield from optional(node, CB.refSource, cc.ref_source)


def mesh_heading_triples(article: URIRef, node: URIRef, h: MeshHeading) -> Iterator[Triple]:
    """A heading; an old-format record's (names without ``UI`` attributes) keeps its names as
    text and has no MeSH IRIs, since none can be named from a name alone."""
    yield (article, CB.meshHeading, node)
    yield (node, RDF.type, CB.MeshHeading)
    if h.descriptor_ui:
        yield (node, CB.descriptor, URIRef(iris.mesh_term(h.descriptor_ui)))
    yield (node, RDFS.label, text(h.descriptor_name))
    yield (node, CB.majorTopic, boolean(h.major))
    for q in h.qualifiers:
        if not q.ui:
            yield from optional(node, CB.qualifierName, q.name)
            continue
        yield (node, CB.qualifier, URIRef(iris.mesh_term(q.ui)))
        if q.major:
            yield (node, CB.majorQualifier, URIRef(iris.mesh_term(q.ui)))


def fulltext_triples(t: FullText, pmc_to_pmid: Mapping[str, str]) -> Iterator[Triple]:
    """What PMC adds: open-access status and licence; the article itself if PubMed gave none."""
    a = URIRef(iris.article(f"pmc:{t.pmcid}", pmc_to_pmid))
    yield (a, FABIO.hasPubMedCentralId, text(t.pmcid))
    yield (a, CB.openAccess, boolean(t.open_access))
    yield from optional(a, CB.license, t.license)
    if t.pmcid not in pmc_to_pmid:
        yield (a, RDF.type, FABIO.JournalArticle)
        yield from optional(a, DCTERMS.title, t.title)
        yield from optional(a, PRISM.doi, t.doi)


def cited_by_triples(c: CitedBy) -> Iterator[Triple]:
    """ELink's citing articles, both ways (cito:cites and cito:isCitedBy), and the full count."""
    cited = URIRef(iris.pmid_article(c.pmid))
    yield (cited, CB.citedByCount, integer(c.total))
    for pmid in c.cited_by:
        citing = URIRef(iris.pmid_article(pmid))
        yield (citing, CITO.cites, cited)
        yield (cited, CITO.isCitedBy, citing)
