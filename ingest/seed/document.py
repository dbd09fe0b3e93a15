"""A seed file, its bytes or a list of identifiers → one ``SeedDocument`` (sections, references,
citation contexts, metadata, warnings); every part pure but the file read.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ingest.references import ascii_digits, normalize_doi
from ingest.seed.citations import find_citations
from ingest.seed.decode import MAX_SEED_BYTES, SeedError, decode_text, read_limited, too_large
from ingest.seed.metadata import find_metadata
from ingest.seed.reference_list import looks_like_reference_list, parse_reference_list
from ingest.seed.sections import find_sections
from kb.records import Reference, Section, SeedDocument, SeedMetadata

MAX_WARNINGS = 50  # a hostile seed can raise a warning per line: keep the first ones


def read_seed_file(path: Path | str) -> tuple[SeedDocument, str]:
    """Read a seed file: the document, and the text its offsets index (``read_limited`` reads
    it, ``decode_text`` decodes it: every failure is a ``SeedError`` that says what is wrong)."""
    path = Path(path)
    data = read_limited(path)
    source = path.name or str(path)
    if len(data) > MAX_SEED_BYTES:  # read_limited stopped: the file's own size, when it has one
        size = path.stat().st_size if path.is_file() else 0
        raise too_large(source, size if size > MAX_SEED_BYTES else None)
    text = decode_text(data, source)
    return read_seed(text, source=source, sha256=hashlib.sha256(data).hexdigest()), text


def read_seed_bytes(data: bytes, source: str) -> SeedDocument:
    """Decode and read a seed file; reject binary, empty and oversized input with a clear message."""
    text = decode_text(data, source)
    return read_seed(text, source=source, sha256=hashlib.sha256(data).hexdigest())


def read_seed(text: str, source: str = "<text>", sha256: str | None = None) -> SeedDocument:
    """Read an article, or a bare reference list (one per line), into a ``SeedDocument``."""
    sha = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    sections = find_sections(text)
    warnings: list[str] = []
    ref_sections = [s for s in sections if s.kind == "references"]
    if not ref_sections and looks_like_reference_list(text):
        sections = [Section("references", "References", 0, len(text), text)]
        ref_sections = sections
    references: list[Reference] = []
    for sec in ref_sections:
        references.extend(parse_reference_list(sec.text, sec.start, warnings, len(references)))
    citations = find_citations(text, sections, len(references), warnings)
    metadata = find_metadata(text, sections)
    if not references:
        warnings.append("no reference list found")
    if len(warnings) > MAX_WARNINGS:
        more = len(warnings) - MAX_WARNINGS
        warnings = [*warnings[:MAX_WARNINGS], f"… and {more} more warnings"]
    return SeedDocument(source, sha, metadata, sections, references, citations, warnings)


def seed_from_identifiers(identifiers: list[str]) -> SeedDocument:
    """A seed made of DOIs and PMIDs given on the command line, numbered in order."""
    refs = []
    for number, ident in enumerate(identifiers, start=1):
        ident = _argument_text(ident).strip()
        if re.fullmatch(r"(?:PMID:?\s*)?\d{1,9}", ident, flags=re.IGNORECASE):
            refs.append(Reference(number, ident, pmid=ascii_digits(re.sub(r"\D", "", ident))))
        elif (doi := normalize_doi(ident)) is not None:
            refs.append(Reference(number, ident, doi=doi))
        elif _looks_like_path(ident):
            raise SeedError(f"{ident}: no such file (nor is it a DOI or a PMID)")
        else:
            raise SeedError(
                f"{ident!r} is neither a DOI (10.xxxx/…) nor a PMID (digits), nor an existing file"
            )
    sha = hashlib.sha256("\n".join(identifiers).encode("utf-8", "surrogatepass")).hexdigest()
    return SeedDocument("<command line>", sha, SeedMetadata(), [], refs, [])


def _argument_text(arg: str) -> str:
    """A command-line argument as text: bytes that were not UTF-8 arrive as lone surrogates
    (Python's surrogateescape), which can be neither printed nor stored; they are read as
    Windows-1252, as a file's would be."""
    try:
        raw = arg.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no byte stands for
        raw = arg.encode("utf-8", "replace")
    return raw.decode("utf-8", "casebook-cp1252")


def _looks_like_path(ident: str) -> bool:
    """A file name rather than an identifier: a directory part, or a document's extension."""
    return bool(
        re.search(r"[/\\]", ident)
        or ident.startswith((".", "~"))
        or re.search(r"\.(?:txt|md|markdown|text|rst|pdf|docx?|odt|rtf|html?|xml)$", ident, re.I)
    )
