"""An article's sections from its headings: Markdown, bold-only or known plain headings, and
'Case 1:' paragraphs, each mapped to a section kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.records import Section

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

_MAX_HEADING_LINE = 1000  # a longer line is never a heading

_MD_HASHES = re.compile(r"\s{0,3}#{1,6}(?=\s)")
_BOLD_LINE = re.compile(r"\s*\*\*(?P<title>[^*]{1,80}?)\*\*\s*(?::\s*)?")
_PLAIN_LINE = re.compile(r"(?P<title>[A-Za-z][A-Za-z ]{2,40}?)\s*:?")
_CASE_START = re.compile(
    r"^\s*(?:\*\*)?(?P<title>(?:Case|Patient)\s+(?:0?\d{1,2}|[IVX]{1,4})|"
    r"(?:First|Second|Third|Fourth) case)(?:\*\*)?\s*[:.]",
    re.IGNORECASE,
)


@dataclass
class _Heading:
    kind: str
    title: str
    line_start: int  # offset of the heading line
    body_start: int  # offset just after it


def find_sections(text: str) -> list[Section]:
    """Sections from headings (Markdown, bold-only or known plain ones) and 'Case 1:' paragraphs."""
    headings = _find_headings(text)
    sections: list[Section] = []
    for i, head in enumerate(headings):
        end = headings[i + 1].line_start if i + 1 < len(headings) else len(text)
        start, end = trim(text, head.body_start, end)
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


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
