"""The seed article (plain text or Markdown) → metadata, sections, references, citation contexts.

Seeds are PDF conversions and messy on purpose: heading levels are arbitrary (``#### **ABSTRACT**``,
``# **DISCUSSION:**``, ``**Authors Contribution:**``), affiliation blocks interrupt paragraphs,
reference lists number some entries and not others, DOIs come in every spelling. Everything here
is pure: ``read_seed(text)`` in, ``SeedDocument`` out; all offsets index the text given.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ingest.references import normalize_doi, parse_reference, strip_number, unescape_markdown
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
# labels of a structured abstract: inside the abstract they stay part of it
# labels of a structured abstract: inside the abstract they stay part of it ("Introduction"
# always opens the body: it is a main section even right after an unstructured abstract)
ABSTRACT_LABELS = {"introduction", "case_presentation", "methods", "results", "conclusion"}
NO_CITATIONS = {"references", "how_to_cite", "title", "front_matter", "author_contributions"}

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*\*\*(?P<title>[^*]{1,80}?)\*\*\s*:?\s*$")
_PLAIN_LINE = re.compile(r"^\s*(?P<title>[A-Za-z][A-Za-z ]{2,40}?)\s*:?\s*$")
_CASE_START = re.compile(
    r"^\s*(?:\*\*)?(?P<title>(?:Case|Patient)\s+(?:0?\d{1,2}|[IVX]{1,4})|"
    r"(?:First|Second|Third|Fourth) case)(?:\*\*)?\s*[:.]",
    re.IGNORECASE,
)
_SUP = re.compile(r"<sup>\s*(?P<body>[^<]{1,60}?)\s*</sup>", re.IGNORECASE)
_BRACKET = re.compile(r"\[(?P<body>\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*)\]")
_PAREN = re.compile(r"(?<![\w)])\((?P<body>\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*)\)")
_NUMLIST = re.compile(r"^\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*$")
_REF_ITEM = re.compile(r"^\s*(?:[-*•]\s+|\[\d{1,3}\]\s*|\d{1,3}[.)]\s+)")
# "Surname AB," / "Surname AB." at a line start: a new entry even in an unbulleted list
_AUTHOR_START = re.compile(r"^\s*[^\W\d_][\w'’\-]+(?: [^\W\d_][\w'’\-]+){0,3} [A-Z]{1,4}[,.]")


class SeedError(ValueError):
    """The input cannot be read as a seed article (empty, binary, no text)."""


@dataclass
class _Heading:
    kind: str
    title: str
    line_start: int  # offset of the heading line
    body_start: int  # offset just after it


def read_seed_bytes(data: bytes, source: str) -> SeedDocument:
    """Decode and read a seed file; reject binary and empty input with a clear message."""
    if not data.strip():
        raise SeedError(f"{source}: the file is empty")
    if b"\x00" in data[:4096]:
        raise SeedError(f"{source}: this looks like a binary file, not plain text or Markdown")
    return read_seed(decode_text(data), source=source, sha256=hashlib.sha256(data).hexdigest())


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: the encodings seeds arrive in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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
    return SeedDocument(source, sha, metadata, sections, references, citations, warnings)


def seed_from_identifiers(identifiers: list[str]) -> SeedDocument:
    """A seed made of DOIs and PMIDs given on the command line, numbered in order."""
    refs = []
    for number, ident in enumerate(identifiers, start=1):
        ident = ident.strip()
        if re.fullmatch(r"(?:PMID:?\s*)?\d{1,9}", ident, flags=re.IGNORECASE):
            refs.append(Reference(number, ident, pmid=re.sub(r"\D", "", ident)))
        elif (doi := normalize_doi(ident)) is not None:
            refs.append(Reference(number, ident, doi=doi))
        else:
            raise SeedError(f"{ident!r} is neither a DOI (10.xxxx/…) nor a PMID (digits)")
    sha = hashlib.sha256("\n".join(identifiers).encode()).hexdigest()
    return SeedDocument("<command line>", sha, SeedMetadata(), [], refs, [])


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
            if kind is None and not seen_title and _MD_HEADING.match(line):
                kind, seen_title = "title", True
            kind = kind or "other"
            if in_abstract and kind in ABSTRACT_LABELS and _key(title) != "introduction":
                kind = "abstract"
            if kind != "other" or _MD_HEADING.match(line):
                in_abstract = kind == "abstract"
                headings.append(_Heading(kind, title, line_start, pos))
            continue
        case = _CASE_START.match(line)
        if case and not in_abstract and headings[-1].kind not in {"references", "how_to_cite"}:
            title = " ".join(case.group("title").split())
            headings.append(_Heading("case_presentation", title, line_start, line_start))
    return [h for i, h in enumerate(headings) if i or _has_text(text, 0, _next_start(headings, 0))]


def _heading_title(line: str) -> str | None:
    for pattern in (_MD_HEADING, _BOLD_LINE):
        match = pattern.match(line)
        if match:
            title = _clean_title(match.group("title"))
            return title or None
    match = _PLAIN_LINE.match(line)
    if match and _key(match.group("title")) in SECTION_KINDS:
        return _clean_title(match.group("title"))
    return None


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
        if number is None:
            number = expected
        elif number != expected:
            warnings.append(f"reference numbered {number} where {expected} was expected")
        ref = parse_reference(body, number)
        ref.start, ref.end = offset + start, offset + end
        refs.append(ref)
        expected = number + 1
    numbers = [r.number for r in refs]
    if len(set(numbers)) != len(numbers):
        warnings.append("reference numbers repeat: " + ", ".join(map(str, numbers)))
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
    for sec in sections:
        if sec.kind in NO_CITATIONS:
            continue
        sentences = split_sentences(sec.text, sec.start)
        for match in _markers(sec.text):
            numbers = expand_numbers(match.group("body"))
            if not numbers or (n_refs and max(numbers) > n_refs):
                if match.re is _SUP or match.re is _BRACKET:
                    warnings.append(f"citation marker {match.group(0)!r} names no listed reference")
                continue
            m_start, m_end = sec.start + match.start(), sec.start + match.end()
            s_start, s_end = next(
                ((s, e) for s, e in sentences if s <= m_start < e), (m_start, m_end)
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
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


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
