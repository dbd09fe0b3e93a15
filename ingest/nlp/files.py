"""``kb extract PATH…``: find the files, recognise each (article text, PubMed XML, PMC JATS) and
extract it, one ``DocumentOutput`` per document, with the text its offsets index.

A plain-text or Markdown file is one document and its offsets index the file's text as read
(decoded, line endings as in the file). A PubMed XML file holds one document per record and a
JATS file one per article; their offsets index the text Casebook makes of each (title, then the
abstract or body paragraphs, see ``documents.py``), which the output carries as ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.entrez.pmc_jats import parse_pmc_xml
from ingest.entrez.pubmed_xml import parse_pubmed_xml
from ingest.nlp.documents import fulltext_document, pubmed_document
from ingest.nlp.run import extract_all
from ingest.seed.decode import SeedError, decode_text, read_limited
from ingest.seed.document import read_seed_bytes
from kb.records import Extraction, SeedDocument, SeedMetadata

MAX_FILE_BYTES = 100 * 2**20  # an EFetch answer of 200 records is a few MB
SUFFIXES = (".txt", ".md", ".xml", ".nxml")


@dataclass(frozen=True)
class DocumentOutput:
    """One document of an input file: what ``kb extract --jsonl`` writes as one line."""

    source: str  # the path as given, or inside the directory given
    document: str  # "seed:<sha12>", "pmid:123", "pmc:PMC1"
    text: str  # the text every offset of ``extraction`` indexes
    extraction: Extraction  # its text, MeSH and citation-context findings together


def input_files(paths: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    """(source, file) for each path: a file as given, a directory's article files (``SUFFIXES``,
    at any depth, sorted). A path that does not exist is yielded as is, to fail on reading."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
            for file in found:
                if file.is_file():
                    yield str(file), file
        else:
            yield str(path), path


def extract_file(
    path: Path, nlp_config: Path | None = None, source: str | None = None
) -> list[DocumentOutput]:
    """Every document of one file; a ``SeedError`` (one line) when it cannot be read."""
    data = read_limited(path, MAX_FILE_BYTES)  # never /dev/zero into memory; errors are SeedError
    if len(data) > MAX_FILE_BYTES:
        raise SeedError(f"{path}: larger than the {MAX_FILE_BYTES // 2**20} MB limit")
    source = source or str(path)
    head = data.lstrip()[:4000]
    empty = SeedDocument(path.name, "", SeedMetadata(), [], [], [])
    if b"<PubmedArticleSet" in head or b"<PubmedArticle>" in head:
        records = parse_pubmed_xml(data)
        texts = {d.id: d.text for d in map(pubmed_document, records)}
        found = extract_all(empty, None, [], records, [], nlp_config=nlp_config)
        return _documents(source, texts, found)
    if b"<pmc-articleset" in head or re.search(rb"<article[\s>]", head):
        articles = parse_pmc_xml(data)
        texts = {d.id: d.text for d in (fulltext_document(a) for a in articles)}
        found = extract_all(empty, None, [], [], articles, nlp_config=nlp_config)
        return _documents(source, texts, found)
    if head.startswith(b"<?xml"):
        raise SeedError(f"{path}: XML, but neither PubMed (PubmedArticleSet) nor JATS (article)")
    seed = read_seed_bytes(data, source=path.name)
    text = decode_text(data)
    found = extract_all(seed, text, [], [], [], nlp_config=nlp_config)
    return _documents(source, {f"seed:{seed.sha256[:12]}": text}, found)


def _documents(
    source: str, texts: dict[str, str], extractions: list[Extraction]
) -> list[DocumentOutput]:
    """Extractions grouped by document ("pmid:1#mesh" and "seed:…#citations" join their own)."""
    merged: dict[str, Extraction] = {d: Extraction(d) for d in texts}
    for e in extractions:
        base = e.document.split("#", 1)[0]
        into = merged.setdefault(base, Extraction(base))
        into.cases += e.cases
        into.findings += e.findings
        into.relations += e.relations
    return [DocumentOutput(source, d, texts.get(d, ""), e) for d, e in merged.items()]
