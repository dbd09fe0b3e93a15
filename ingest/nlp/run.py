"""Extraction over everything a build fetched: the seed (text + citation contexts), each PubMed
record (abstract text + MeSH) and each open-access full text — three sources kept apart.

One document's failure is isolated: documents are extracted in batches, and a batch that raises
is done again one document at a time, the failing one logged and skipped, the others kept."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from pathlib import Path

from ingest.nlp.citations import citation_findings
from ingest.nlp.documents import fulltext_document, pubmed_document, seed_document
from ingest.nlp.extract import TextDocument, extract, extract_many
from ingest.nlp.lexicon import load_lexicon
from ingest.nlp.mesh import mesh_findings
from ingest.nlp.pipeline import shared_nlp
from kb.records import Extraction, FullText, PubmedRecord, Resolution, SeedDocument
from kb.vocab import shared_vocabulary

log = logging.getLogger(__name__)

BATCH = 32  # documents per batch (extract_many's own batch)


def _tools(nlp_config: Path | None):
    """The pipeline, the vocabulary, concept labels and a concept's broader concepts."""
    nlp = shared_nlp(nlp_config)
    vocab = shared_vocabulary()
    labels = {c.id: c.label for c in vocab.concepts.values()}

    def broader(concept: str) -> list[str]:
        return [c.id for c in vocab.ancestors(concept)] if concept in vocab.concepts else []

    return nlp, vocab, labels, broader


def extract_all(
    seed: SeedDocument,
    seed_text: str | None,
    resolutions: list[Resolution],
    records: list[PubmedRecord],
    fulltexts: list[FullText],
    progress: Callable[[int], None] = lambda n: None,
    nlp_config: Path | None = None,
) -> list[Extraction]:
    nlp, _, labels, broader = _tools(nlp_config)
    out: list[Extraction] = []
    if seed_text is not None and seed_text.strip():
        out.append(extract(nlp, seed_document(seed, seed_text), labels, broader))
    if seed.citations:
        out.append(citation_findings(nlp, seed, resolutions, labels))
    progress(1)
    return out + extract_articles(records, fulltexts, progress, nlp_config)


def extract_articles(
    records: list[PubmedRecord],
    fulltexts: list[FullText],
    progress: Callable[[int], None] = lambda n: None,
    nlp_config: Path | None = None,
) -> list[Extraction]:
    """Each record's abstract text and MeSH indexing, and each open-access body: what a refresh
    redoes for the articles that changed."""
    nlp, vocab, labels, broader = _tools(nlp_config)
    out: list[Extraction] = []
    abstracts = isolated(nlp, (pubmed_document(r) for r in records), labels, broader)
    for record, extraction in zip(records, abstracts, strict=True):
        if extraction is not None:
            out.append(extraction)
        if record.mesh_headings:
            mesh = mesh_findings(record, vocab, load_lexicon())
            out.append(Extraction(f"{mesh.document}#mesh", [], mesh.findings, mesh.relations))
        progress(1)
    case_reports = {f"PMC{r.pmcid.removeprefix('PMC')}" for r in records
                    if r.pmcid and "Case Reports" in r.publication_types}  # fmt: skip
    bodies = [t for t in fulltexts if t.open_access]
    documents = (fulltext_document(t, t.pmcid in case_reports) for t in bodies)
    for extraction in isolated(nlp, documents, labels, broader):
        if extraction is not None:
            out.append(extraction)
        progress(1)
    progress(len(fulltexts) - len(bodies))
    return out


def isolated(
    nlp, documents: Iterable[TextDocument], labels: dict[str, str], broader
) -> Iterable[Extraction | None]:
    """``extract_many`` per batch; None for a document whose extraction raised (logged)."""
    stream = iter(documents)
    while chunk := list(islice(stream, BATCH)):
        try:
            yield from list(extract_many(nlp, chunk, labels, broader, batch=BATCH))
        except Exception:  # one bad document must not lose the batch
            yield from _one_by_one(nlp, chunk, labels, broader)


def _one_by_one(nlp, chunk: Sequence[TextDocument], labels, broader) -> Iterable[Extraction | None]:
    for document in chunk:
        try:
            yield extract(nlp, document, labels, broader)
        except Exception as exc:  # logged, skipped, the rest extracted
            log.error("extraction of %s failed, skipped: %s", document.id, exc)
            log.debug("the failed extraction", exc_info=True)
            yield None
