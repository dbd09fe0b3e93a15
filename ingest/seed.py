"""The seed article (plain text or Markdown) → metadata, sections, references, citation contexts.

Seeds are PDF conversions and messy on purpose: heading levels are arbitrary (``#### **ABSTRACT**``,
``# **DISCUSSION:**``, ``**Authors Contribution:**``), affiliation blocks interrupt paragraphs,
reference lists number some entries and not others, DOIs come in every spelling. Everything here
is pure: ``read_seed(text)`` in, ``SeedDocument`` out; all offsets index the text given.

Files are read by ``read_seed_file`` (or ``read_seed_bytes``), which refuse what is not a seed
with a ``SeedError`` saying why: a missing path, a directory, an unreadable file, an empty one,
one larger than ``MAX_SEED_BYTES``, a binary format (PDF, images, archives, Office documents) or
bytes that decode to no text. Text arrives as UTF-8 (BOM or not, stray Windows-1252 bytes mixed
in), UTF-16/UTF-32 with a BOM, UTF-16 without one, or Windows-1252/Latin-1 (``decode_text``).
Every pattern here runs in time linear in its input: hostile seeds (100,000-character lines,
runs of spaces, thousands of markers in one sentence) cost what ordinary ones of their size do.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ingest.references import (
    ascii_digits,
    normalize_doi,
    parse_reference,
    strip_number,
    unescape_markdown,
)
from ingest.sentences import split_sentences
from kb.records import CitationContext, Reference, Section, SeedDocument, SeedMetadata

# heading text (lower-case, markup and trailing colon removed) → section kind
SECTION_KINDS: dict[str, str] = {
    "abstract": "abstract",
    "summary": "abstract",
    "background": "introduction",
    "introduction": "introduction",
    "case report": "case_presentation",
    "case reports": "case_presentation",
    "case presentation": "case_presentation",
    "case presentations": "case_presentation",
    "case description": "case_presentation",
    "case history": "case_presentation",
    "case": "case_presentation",
    "methods": "methods",
    "materials and methods": "methods",
    "results": "results",
    "discussion": "discussion",
    "conclusion": "conclusion",
    "conclusions": "conclusion",
    "references": "references",
    "bibliography": "references",
    "literature cited": "references",
    "keywords": "keywords",
    "key words": "keywords",
    "how to cite this article": "how_to_cite",
    "how to cite": "how_to_cite",
    "authors contribution": "author_contributions",
    "authors contributions": "author_contributions",
    "author contributions": "author_contributions",
    "acknowledgements": "acknowledgements",
    "acknowledgments": "acknowledgements",
    "conflict of interest": "declarations",
    "conflicts of interest": "declarations",
    "funding": "declarations",
}
# labels of a structured abstract: inside the abstract they stay part of it ("Introduction"
# always opens the body: it is a main section even right after an unstructured abstract)
ABSTRACT_LABELS = {"introduction", "case_presentation", "methods", "results", "conclusion"}
NO_CITATIONS = {"references", "how_to_cite", "title", "front_matter", "author_contributions"}

# The largest seed file read. A case report converted to text is 10–200 kB and a long review
# with its reference list stays under 2 MB; a bigger file is almost surely not an article (and
# extraction would take hours). Parsing itself is linear: see the module docstring.
MAX_SEED_BYTES = 10 * 1024 * 1024
MAX_WARNINGS = 50  # a hostile seed can raise a warning per line: keep the first ones
# a citation "sentence" longer than this (text without full stops) is cut to the text around
# its marker, CONTEXT_WINDOW characters each side
MAX_CONTEXT_CHARS = 3000
CONTEXT_WINDOW = 600
_MAX_HEADING_LINE = 1000  # a longer line is never a heading

_MD_HASHES = re.compile(r"\s{0,3}#{1,6}(?=\s)")
_BOLD_LINE = re.compile(r"\s*\*\*(?P<title>[^*]{1,80}?)\*\*\s*(?::\s*)?")
_PLAIN_LINE = re.compile(r"(?P<title>[A-Za-z][A-Za-z ]{2,40}?)\s*:?")
_CASE_START = re.compile(
    r"^\s*(?:\*\*)?(?P<title>(?:Case|Patient)\s+(?:0?\d{1,2}|[IVX]{1,4})|"
    r"(?:First|Second|Third|Fourth) case)(?:\*\*)?\s*[:.]",
    re.IGNORECASE,
)
# the body starts and ends with a non-space: the spaces around it cannot be split two ways
_SUP = re.compile(r"<sup>\s*(?P<body>[^<\s](?:[^<]{0,58}[^<\s])?)\s*</sup>", re.IGNORECASE)
# [1] · [3-5] · [7, 8] — and the full-width brackets of CJK typesetting: ［1］
_BRACKET = re.compile(r"[\[［](?P<body>\s*\d{1,3}(?:\s*[-–,，]\s*\d{1,3})*\s*)[\]］]")
_PAREN = re.compile(r"(?<![\w)])\((?P<body>\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*)\)")
_NUMLIST = re.compile(r"^\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*$")
_WORD_CHARS = re.compile(r"[^\W_]")
_SPACE = re.compile(r"\s")
_REF_ITEM = re.compile(r"^\s*(?:[-*•]\s+|[\[［]\d{1,3}[\]］]\s*|\d{1,3}[.)]\s+)")
# "Surname AB," / "Surname AB." at a line start: a new entry even in an unbulleted list
_AUTHOR_START = re.compile(r"^\s*[^\W\d_][\w'’\-]+(?: [^\W\d_][\w'’\-]+){0,3} [A-Z]{1,4}[,.]")


class SeedError(ValueError):
    """The input cannot be read as a seed article (missing, empty, binary, too large, no text)."""


@dataclass
class _Heading:
    kind: str
    title: str
    line_start: int  # offset of the heading line
    body_start: int  # offset just after it


# --------------------------------------------------------------------------- files and bytes


def read_seed_file(path: Path | str) -> tuple[SeedDocument, str]:
    """Read a seed file: the document, and the text its offsets index (``read_limited`` reads
    it, ``decode_text`` decodes it: every failure is a ``SeedError`` that says what is wrong)."""
    path = Path(path)
    data = read_limited(path)
    source = path.name or str(path)
    if len(data) > MAX_SEED_BYTES:  # read_limited stopped: the file's own size, when it has one
        size = path.stat().st_size if path.is_file() else 0
        raise _too_large(source, size if size > MAX_SEED_BYTES else None)
    text = decode_text(data, source)
    return read_seed(text, source=source, sha256=hashlib.sha256(data).hexdigest()), text


def read_limited(path: Path, limit: int = MAX_SEED_BYTES) -> bytes:
    """The bytes of a file, at most ``limit`` + 1 of them (so ``/dev/zero`` or an endless pipe is
    refused as too large, not read into memory). Every reason the path cannot be read — missing,
    a directory, no permission, an I/O error — is a ``SeedError`` naming the path."""
    if path.is_dir():
        raise SeedError(f"{path}: is a directory, not a seed file")
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        raise SeedError(f"{path}: no such file") from None
    except PermissionError:
        raise SeedError(f"{path}: permission denied (the file cannot be read)") from None
    except IsADirectoryError:
        raise SeedError(f"{path}: is a directory, not a seed file") from None
    except OSError as exc:
        raise SeedError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def read_seed_bytes(data: bytes, source: str) -> SeedDocument:
    """Decode and read a seed file; reject binary, empty and oversized input with a clear message."""
    text = decode_text(data, source)
    return read_seed(text, source=source, sha256=hashlib.sha256(data).hexdigest())


# formats mistaken for text: (leading bytes, what they are, what to do)
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "a PDF document", ": convert it to text or Markdown first"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", ""),
    (b"\xff\xd8\xff", "a JPEG image", ""),
    (b"GIF87a", "a GIF image", ""),
    (b"GIF89a", "a GIF image", ""),
    (b"II*\x00", "a TIFF image", ""),
    (b"MM\x00*", "a TIFF image", ""),
    (b"\x1f\x8b", "a gzip archive", ": decompress it first"),
    (b"PK\x03\x04", "a ZIP archive or an Office document (.docx, .odt)", ": save it as text"),
    (b"PK\x05\x06", "an empty ZIP archive", ""),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document (.doc)", ": save it as text"),
    (b"\xfd7zXZ\x00", "an xz archive", ": decompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", ": decompress it first"),
    (b"(\xb5/\xfd", "a Zstandard archive", ": decompress it first"),
    (b"\x7fELF", "an executable (ELF)", ""),
    (b"SQLite format 3\x00", "an SQLite database", ""),
)
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")
_BOMS: tuple[tuple[bytes, str], ...] = (  # UTF-32 first: its LE BOM begins like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# one well-formed UTF-8 sequence of two to four bytes
_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
_CP1252 = [bytes([b]).decode("cp1252", errors="replace") for b in range(256)]
# C0/C1 control characters other than the whitespace ones (\t \n \v \f \r, \x1c-\x1f, U+0085):
# never text; terminal escapes among them. Replaced one for one by U+FFFD (offsets hold).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_BINARY_SHARE = 0.05  # more than this share of odd characters in the first 64 kB: not text


def _cp1252_bytes(err: UnicodeError) -> tuple[str, int]:
    """Decode error handler: bytes that are not UTF-8 read as Windows-1252, one by one."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    return "".join(_CP1252[b] for b in err.object[err.start : err.end]), err.end


codecs.register_error("casebook-cp1252", _cp1252_bytes)


def decode_text(data: bytes, source: str = "<bytes>") -> str:
    """The text of a seed file, or a ``SeedError`` saying why it has none.

    UTF-32/UTF-16/UTF-8 by their BOM; UTF-16 without BOM by its NUL bytes; else UTF-8, with any
    bytes that are not UTF-8 read as Windows-1252 (files pasted together from both), or all of it
    as Windows-1252 (a superset of Latin-1's printable characters) when most of its non-ASCII
    bytes are not UTF-8. The text is kept as written, except control characters other than
    whitespace, which become U+FFFD one for one. Deterministic: the same bytes give the same text,
    so offsets found in it index any later decoding.
    """
    if len(data) > MAX_SEED_BYTES:
        raise _too_large(source, len(data))
    if not data.strip():
        raise SeedError(f"{source}: the file is empty" + (" (only whitespace)" if data else ""))
    for magic, what, hint in _MAGIC:
        if data.startswith(magic):
            raise SeedError(f"{source}: a binary file ({what}), not plain text or Markdown{hint}")
    if _BZIP2.match(data):
        raise SeedError(f"{source}: a binary file (a bzip2 archive), not plain text or Markdown")
    text = _decode(data)
    if not text.strip():
        raise SeedError(f"{source}: the file is empty (no text after decoding)")
    if "\x00" in text:
        raise SeedError(
            f"{source}: this looks like a binary file (it contains NUL bytes), "
            "not plain text or Markdown"
        )
    sample = text[:65536]
    odd = len(_CONTROL.findall(sample)) + sum(
        1
        for c in sample
        if c > "\x7f" and (c == "\ufffd" or unicodedata.category(c) in {"Cn", "Co", "Cs"})
    )
    if odd > max(16, _BINARY_SHARE * len(sample)):
        share = 100 * odd / len(sample)
        raise SeedError(
            f"{source}: this looks like a binary file, not plain text or Markdown "
            f"({share:.0f}% of its first characters are control, unassigned or undecodable)"
        )
    return _CONTROL.sub("\ufffd", text)


def _too_large(source: str, size: int | None) -> SeedError:
    what = f"{size / 2**20:.1f} MB" if size else "the file"
    return SeedError(
        f"{source}: {what} is larger than the seed size limit of {MAX_SEED_BYTES // 2**20} MB "
        "(a case report is well under 1 MB); is this the right file?"
    )


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                return data[len(bom) :].decode("utf-8", errors="casebook-cp1252")
            return data[len(bom) :].decode(encoding, errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    in_utf8 = sum(len(seq) for seq in _UTF8_SEQ.findall(data))
    if 2 * in_utf8 >= high:  # mostly UTF-8, a few stray bytes
        return data.decode("utf-8", errors="casebook-cp1252")
    return data.decode("cp1252", errors="casebook-cp1252")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'-be' when the NUL bytes fall on one side of most pairs (ASCII in UTF-16)."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2 or b"\x00" not in sample:
        return None
    even, odd = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def read_seed(text: str, source: str = "<text>", sha256: str | None = None) -> SeedDocument:
    """Read an article, or a bare reference list (one per line), into a ``SeedDocument``."""
    sha = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    sections = find_sections(text)
    warnings: list[str] = []
    ref_sections = [s for s in sections if s.kind == "references"]
    if not ref_sections and _looks_like_reference_list(text):
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


# --------------------------------------------------------------------------- sections


def find_sections(text: str) -> list[Section]:
    """Sections from headings (Markdown, bold-only or known plain ones) and 'Case 1:' paragraphs."""
    headings = _find_headings(text)
    sections: list[Section] = []
    for i, head in enumerate(headings):
        end = headings[i + 1].line_start if i + 1 < len(headings) else len(text)
        start, end = _trim(text, head.body_start, end)
        if start == end:
            continue  # a heading directly followed by another (e.g. "Case presentation", "Case 1:")
        sections.append(Section(head.kind, head.title, start, end, text[start:end]))
    return sections


def _find_headings(text: str) -> list[_Heading]:
    headings: list[_Heading] = [_Heading("front_matter", "", 0, 0)]
    in_abstract = False
    seen_title = False
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        title = _heading_title(line)
        if title is not None:
            kind = SECTION_KINDS.get(_key(title))
            markdown = _md_title(line) is not None
            if kind is None and not seen_title and markdown:
                kind, seen_title = "title", True
            kind = kind or "other"
            if in_abstract and kind in ABSTRACT_LABELS and _key(title) != "introduction":
                kind = "abstract"
            if kind != "other" or markdown:
                in_abstract = kind == "abstract"
                headings.append(_Heading(kind, title, line_start, pos))
            continue
        case = _CASE_START.match(line)
        if case and not in_abstract and headings[-1].kind not in {"references", "how_to_cite"}:
            title = " ".join(case.group("title").split())
            headings.append(_Heading("case_presentation", title, line_start, line_start))
    return [h for i, h in enumerate(headings) if i or _has_text(text, 0, _next_start(headings, 0))]


def _heading_title(line: str) -> str | None:
    """The title of a heading line (Markdown ``#``, bold-only, or a known plain one), else None.
    Each test is one linear pass over the line (no pattern that can backtrack over a run of
    spaces twice)."""
    if len(line) > _MAX_HEADING_LINE:
        return None
    title = _md_title(line)
    if title is None:
        match = _BOLD_LINE.fullmatch(line.rstrip())
        title = match.group("title") if match else None
    if title is not None:
        return _clean_title(title) or None
    match = _PLAIN_LINE.fullmatch(line.strip())
    if match and _key(match.group("title")) in SECTION_KINDS:
        return _clean_title(match.group("title"))
    return None


def _md_title(line: str) -> str | None:
    """'## Title ##' → 'Title': up to three spaces, one to six '#', a space, then the title
    (closing '#'s dropped); None when the line is not a Markdown heading."""
    if len(line) > _MAX_HEADING_LINE:
        return None
    match = _MD_HASHES.match(line)
    if not match:
        return None
    rest = line[match.end() :].strip()
    if not rest:
        return None
    return rest.rstrip("#").rstrip() or rest[:1]


def _clean_title(title: str) -> str:
    return " ".join(title.replace("**", "").replace("__", "").strip().rstrip(":").split())


def _key(title: str) -> str:
    return re.sub(r"[^a-z ]", "", title.lower().replace("’", "").replace("'", "")).strip()


def _next_start(headings: list[_Heading], i: int) -> int:
    return headings[i + 1].line_start if i + 1 < len(headings) else 10**12


def _has_text(text: str, start: int, end: int) -> bool:
    return bool(text[start:end].strip())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --------------------------------------------------------------------------- references


def parse_reference_list(
    text: str, offset: int, warnings: list[str], numbered_before: int = 0
) -> list[Reference]:
    """Entries of a reference list: bulleted/numbered items (with wrapped lines) or one per line."""
    items = _reference_items(text)
    refs: list[Reference] = []
    expected = numbered_before + 1
    for start, end in items:
        number, body = strip_number(text[start:end])
        if len(_WORD_CHARS.findall(body)) < 2:
            continue  # a bare number or bullet ("1.", "-"): no entry
        if number is None:
            number = expected
        elif number != expected:
            warnings.append(f"reference numbered {number} where {expected} was expected")
        ref = parse_reference(body, number)
        ref.start, ref.end = offset + start, offset + end
        refs.append(ref)
        expected = number + 1
    repeated = [n for n, count in Counter(r.number for r in refs).items() if count > 1]
    if repeated:
        shown = ", ".join(map(str, sorted(repeated)[:20])) + (" …" if len(repeated) > 20 else "")
        warnings.append(f"reference numbers repeat: {shown}")
    return refs


def _reference_items(text: str) -> list[tuple[int, int]]:
    lines = []
    pos = 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            lines.append((pos, pos + len(line.rstrip()), line))
        pos += len(line)
    marked = any(_REF_ITEM.match(line) for _, _, line in lines)
    items: list[list[int]] = []
    for start, end, line in lines:
        if not marked or _REF_ITEM.match(line) or _AUTHOR_START.match(line) or not items:
            items.append([start, end])
        else:
            items[-1][1] = end  # a wrapped continuation of the previous entry
    return [(s, e) for s, e in items if len(text[s:e].strip()) > 3]


def _looks_like_reference_list(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > 2000:
        return False
    refs = [parse_reference(strip_number(line)[1]) for line in lines]
    hits = sum(1 for r in refs if r.doi or r.pmid or (r.year and r.title and r.authors))
    return hits >= max(1, len(lines) * 0.6)


# --------------------------------------------------------------------------- citations


def find_citations(
    text: str, sections: list[Section], n_refs: int, warnings: list[str]
) -> list[CitationContext]:
    """Every citation marker in the body, with the sentence that carries it."""
    found: list[CitationContext] = []
    long_noted = False
    for sec in sections:
        if sec.kind in NO_CITATIONS:
            continue
        sentences = split_sentences(sec.text, sec.start)
        sentence_starts = [s for s, _ in sentences]
        for match in _markers(sec.text):
            numbers = expand_numbers(match.group("body"))
            if not numbers or (n_refs and max(numbers) > n_refs):
                if match.re is _SUP or match.re is _BRACKET:
                    warnings.append(f"citation marker {match.group(0)!r} names no listed reference")
                continue
            m_start, m_end = sec.start + match.start(), sec.start + match.end()
            i = bisect_right(sentence_starts, m_start) - 1
            s_start, s_end = (
                sentences[i] if i >= 0 and m_start < sentences[i][1] else (m_start, m_end)
            )
            if s_end - s_start > MAX_CONTEXT_CHARS:
                s_start, s_end = _window(text, s_start, s_end, m_start, m_end)
                if not long_noted:
                    long_noted = True
                    warnings.append(
                        f"a citing sentence of over {MAX_CONTEXT_CHARS} characters: its context "
                        f"is cut to {CONTEXT_WINDOW} characters each side of the marker"
                    )
            found.append(
                CitationContext(
                    numbers=numbers,
                    sentence=clean_sentence(text[s_start:s_end]),
                    start=s_start,
                    end=s_end,
                    marker=match.group(0),
                    marker_start=m_start,
                    marker_end=m_end,
                    section=sec.kind,
                    section_title=sec.title,
                )
            )
    found.sort(key=lambda c: c.marker_start)
    return found


def _window(text: str, start: int, end: int, m_start: int, m_end: int) -> tuple[int, int]:
    """The part of an over-long sentence around a marker: whole words, trimmed."""
    lo, hi = max(start, m_start - CONTEXT_WINDOW), min(end, m_end + CONTEXT_WINDOW)
    if lo > start:
        space = _SPACE.search(text, lo, m_start)
        lo = space.end() if space else lo
    if hi < end:
        cut = text.rfind(" ", m_end, hi)
        hi = cut if cut > m_end else hi
    return _trim(text, lo, hi)


def _markers(text: str) -> list[re.Match[str]]:
    out = [m for m in _SUP.finditer(text) if _NUMLIST.match(m.group("body"))]
    out += list(_BRACKET.finditer(text))
    out += list(_PAREN.finditer(text))
    return out


def expand_numbers(body: str) -> list[int]:
    """'7,8' → [7, 8]; '3-5' → [3, 4, 5]; '3, 4' → [3, 4]; nonsense ranges → []."""
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", body.strip()):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x.strip().isdigit()]
        if len(bounds) == 1:
            numbers.append(bounds[0])
        elif len(bounds) == 2 and 0 < bounds[0] <= bounds[1] <= bounds[0] + 50:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            return []
    return [n for n in dict.fromkeys(numbers) if n > 0]


def clean_sentence(raw: str) -> str:
    """A sentence for reading and NLP: markers and tags removed, Markdown undone, spaces collapsed."""
    text = _SUP.sub("", raw)
    text = _BRACKET.sub("", text)
    text = re.sub(r"</?[a-zA-Z][^>]{0,40}>", "", text)
    text = unescape_markdown(text.replace("**", ""))
    text = " ".join(text.split())
    return re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", text)  # "cites ." → "cites." ("![x]" kept)


# --------------------------------------------------------------------------- metadata


def find_metadata(text: str, sections: list[Section]) -> SeedMetadata:
    """Title and authors from the top of the article; journal, year, pages, DOI from its citation."""
    meta = SeedMetadata()
    title_sec = next((s for s in sections if s.kind == "title"), None)
    if title_sec is not None:
        meta.title = title_sec.title
        first_line = title_sec.text.strip().splitlines()[0] if title_sec.text.strip() else ""
        names = [n.strip() for n in first_line.split(",") if n.strip()]
        if names and all(re.fullmatch(r"[^\W\d_][\w.'’\- ]{1,60}", n) for n in names):
            meta.authors = names
    cite = next((s for s in sections if s.kind == "how_to_cite"), None)
    if cite is not None:
        ref = parse_reference(" ".join(cite.text.split()))
        meta.journal, meta.year, meta.volume = ref.journal, ref.year, ref.volume
        meta.issue, meta.pages, meta.doi = ref.issue, ref.pages, ref.doi
        meta.title = meta.title or ref.title
        meta.authors = meta.authors or ref.authors
    if meta.doi is None:
        body_start = min(
            (s.start for s in sections if s.kind not in {"front_matter", "title", "abstract"}),
            default=len(text),
        )
        meta.doi = normalize_doi(text[:body_start])
    return meta
