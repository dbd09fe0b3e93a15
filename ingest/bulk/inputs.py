"""One PubMed baseline or update file → its records, its deletions, what was skipped.

NLM distributes PubMed as gzipped ``PubmedArticleSet`` files (``pubmed26n0001.xml.gz`` …): the
baseline once a year, then daily update files numbered after it. An update file holds new and
revised records (a revised record is the whole record again) and ``DeleteCitation`` lists.
Reading is pure (bytes in, records out) but for ``read_gzip``, which reads the file; the XML goes
through the project's one parser (``ingest.entrez.pubmed_xml``, defusedxml underneath).
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.entrez.errors import ResponseError
from ingest.entrez.pubmed_xml import parse_pubmed_set
from ingest.xmlsafe import XmlError
from kb.errors import InputError
from kb.records import PubmedRecord

log = logging.getLogger(__name__)

SUFFIX = ".xml.gz"
MAX_XML = 2 * 1024**3  # uncompressed bytes of one file; NLM's are ~0.2 GB (a gzip bomb stops)


@dataclass
class FileContent:
    """What one file says: records to add or replace, PMIDs to delete, and what was left out."""

    records: list[PubmedRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # not of a publication type asked for
    skipped: list[str] = field(default_factory=list)  # records the parser could not read


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Every ``*.xml.gz`` named or inside a named directory, in PubMed's order: by file name
    (baseline numbers come before the update files', so later revisions come later)."""
    found: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(path.glob(f"*{SUFFIX}"))
            if not files:
                raise InputError(f"{path}: no {SUFFIX} files in this directory")
        elif path.is_file():
            files = [path]
        else:
            raise InputError(f"{path}: no such file or directory")
        for f in files:
            found.setdefault(f.name, f.resolve())
    return [found[name] for name in sorted(found)]


def read_gzip(path: Path) -> bytes:
    """The file's XML; ``InputError`` (one line, naming the file) if it is cut short or not
    gzip at all, as a download interrupted midway leaves it."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read(MAX_XML + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path.name}: not a complete gzip file ({exc})") from None
    if len(data) > MAX_XML:
        raise InputError(f"{path.name}: more than {MAX_XML:,} bytes of XML once unpacked")
    return data


def parse_file(name: str, data: bytes, publication_types: tuple[str, ...] = ()) -> FileContent:
    """Records and deletions of one file's XML. ``publication_types``: keep only records of one
    of these types (none: all); the others are listed as ``dropped`` so that an older version
    of one is removed too. A record the parser cannot read, or whose PMID is not a number, is
    skipped and logged with its PMID; the file's other records are kept."""
    content = FileContent()

    def skip(pmid: str, exc: Exception) -> None:
        log.warning("%s: record PMID %s cannot be read, skipped: %s", name, pmid, exc)
        content.skipped.append(pmid)

    try:
        records, content.deleted = parse_pubmed_set(data, on_error=skip)
    except (XmlError, ResponseError) as exc:
        raise InputError(f"{name}: not a PubMed file ({exc})") from None
    wanted = set(publication_types)
    for record in records:
        if not (record.pmid.isascii() and record.pmid.isdigit()):
            skip(record.pmid, ValueError("the PMID is not a number"))
        elif wanted and not wanted & set(record.publication_types):
            content.dropped.append(record.pmid)
        else:
            content.records.append(record)
    content.records = list({r.pmid: r for r in content.records}.values())  # the last version
    return content
