"""``kb extract PATH``: recognise the file (article text, PubMed XML, PMC JATS) and extract it."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.entrez.pmc_jats import parse_pmc_xml
from ingest.entrez.pubmed_xml import parse_pubmed_xml
from ingest.nlp.run import extract_all
from ingest.seed import SeedError, decode_text, read_limited, read_seed_bytes
from kb.records import Extraction, SeedDocument, SeedMetadata

MAX_FILE_BYTES = 100 * 2**20  # an EFetch answer of 200 records is a few MB


def extract_file(path: Path, nlp_config: Path | None = None) -> list[Extraction]:
    data = read_limited(path, MAX_FILE_BYTES)  # never /dev/zero into memory; errors are SeedError
    if len(data) > MAX_FILE_BYTES:
        raise SeedError(f"{path.name}: larger than the {MAX_FILE_BYTES // 2**20} MB limit")
    head = data.lstrip()[:4000]
    empty = SeedDocument(path.name, "", SeedMetadata(), [], [], [])
    if b"<PubmedArticleSet" in head or b"<PubmedArticle>" in head:
        return extract_all(empty, None, [], parse_pubmed_xml(data), [], nlp_config=nlp_config)
    if b"<pmc-articleset" in head or re.search(rb"<article[\s>]", head):
        return extract_all(empty, None, [], [], parse_pmc_xml(data), nlp_config=nlp_config)
    if head.startswith(b"<?xml"):
        raise SeedError(
            f"{path.name}: XML, but neither PubMed (PubmedArticleSet) nor JATS (article)"
        )
    seed = read_seed_bytes(data, source=path.name)
    return extract_all(seed, decode_text(data), [], [], [], nlp_config=nlp_config)
