"""Split a case report into patient cases: character spans of the text that describe each one.

Markers: a "Case 1" / "Case 01:" section or paragraph, "First case" / "Second case", "Another
patient". A figure caption ("Figure-5 Repeat X-ray after 3.5 months …") belongs to the case whose
text cites that figure ("(Figure-5)"): PDF conversion often drops captions far from their case.
Pure: text and section spans in, ``CaseSpan``s out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_MARKER = re.compile(
    r"(?:(?<=^)|(?<=\n)|(?<=[.!?]\s)|(?<=[.!?]\s\s)|(?<=[A-Z]:\s))\s*(?:\*\*)?"
    r"(?:(?P<case>(?:Case|Patient)\s+0?(?P<n>\d{1,2}))\s*[:.)]"
    r"|(?P<ord>First|Second|Third|Fourth|Fifth|Sixth)\s+(?:case|patient)\b"
    r"|(?P<another>Another\s+(?:patient|case))\b"
    r"|The\s+(?P<ord2>first|second|third|fourth)\s+(?:patient|case)\b)",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"(?:(?<=^)|(?<=\n))\s*(?:Figure|Fig\.?)\s*[- ]?\s*(?P<n>\d{1,2})\b[^\n]*", re.IGNORECASE
)
_FIGURE_REF = re.compile(r"\((?:Figure|Fig\.?)\s*[- ]?\s*(?P<n>\d{1,2})\)", re.IGNORECASE)
CASE_SECTIONS = {"case_presentation", "abstract", "results", "other"}
_REPORTED = re.compile(
    r"\bcase\s+report\b|\bour\s+patient\b(?!s)|\b(?:we|this\s+(?:report|article|paper))\s+(?:report|present|describe)s?\b"
    r"[^.]{0,60}?\b(?:case|patient|man|woman|boy|girl|infant|neonate|child)\b",
    re.IGNORECASE,
)
_DASH = r"\s*[-\u2010\u2011\u2013 ]\s*"  # "34-year-old", "75–year–old", "33 - year old"
PATIENT = re.compile(
    rf"\b(?:an?|the|this|our)\s+(?P<age>\d{{1,3}}(?:[.,]\d)?){_DASH}"
    rf"(?P<unit>year|month|week|day)s?{_DASH}old,?\s+"
    r"(?:[\w-]+,?\s+){0,2}?(?P<noun>man|woman|male|female|boy|girl|patient|infant|neonate|child|"
    r"gentleman|lady|baby|primipara|primigravida|multipara|gravida)\b",
    re.IGNORECASE,
)
_DECADE = re.compile(
    r"\b(?:an?|the|this|our)\s+(?:[\w-]+\s+)?(?:man|woman|male|female|patient|gentleman|lady)"
    r"\s+in\s+(?:his|her|their)\s+(?:early\s+|mid-?\s*|late\s+)?\d0s\b",
    re.IGNORECASE,
)  # "a woman in her 60s"
_SERIES = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(?:\w+\s+)?(?:patients|cases|"
    r"neonates|infants|children|men|women|boys|girls)\b",
    re.IGNORECASE,
)


@dataclass
class CaseSpan:
    number: int
    title: str
    spans: list[tuple[int, int]] = field(default_factory=list)

    def contains(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self.spans)


def split_cases(text: str, sections: list[tuple[str, str, int, int]]) -> list[CaseSpan]:
    """Cases found in ``text``; ``sections`` are (kind, title, start, end) of the regions to scan."""
    cases: dict[int, CaseSpan] = {}
    last = 0
    for kind, title, start, end in sections:
        if kind not in CASE_SECTIONS:
            continue
        section_case = _number(title)
        if kind == "case_presentation" and section_case is not None:
            _add(cases, section_case, title, start, end)
            last = section_case
            continue
        markers = [m for m in _MARKER.finditer(text, start, end)]
        for i, match in enumerate(markers):
            number = _marker_number(match, last)
            nxt = markers[i + 1] if i + 1 < len(markers) else None
            stop = nxt.start() + _lead(nxt) if nxt else end
            paragraph_end = text.find("\n\n", match.end(), stop)
            stop = paragraph_end if paragraph_end != -1 else stop
            stop = len(text[:stop].rstrip())  # no trailing blank or space before the next marker
            _add(cases, number, _title(match), match.start() + _lead(match), stop)
            last = number
    _attach_captions(text, cases, sections)
    return [cases[n] for n in sorted(cases)]


def describes_one_patient(text: str) -> bool:
    """Whether a text with no case markers reports one patient: it says it is a case report
    ("We report a case of …", "case report") or introduces a patient ("A 34-year-old man …"),
    and it neither introduces patients of different ages nor speaks of several ("three
    neonates", "two cases")."""
    ages = {(m.group("age"), m.group("unit").lower()) for m in PATIENT.finditer(text)}
    if len(ages) > 1 or _SERIES.search(text):
        return False
    return bool(ages) or bool(_DECADE.search(text) or _REPORTED.search(text))


def _attach_captions(
    text: str, cases: dict[int, CaseSpan], sections: list[tuple[str, str, int, int]]
) -> None:
    cited: dict[str, int] = {}
    for case in cases.values():
        for s, e in case.spans:
            for ref in _FIGURE_REF.finditer(text, s, e):
                cited.setdefault(ref.group("n").lstrip("0"), case.number)
    for _kind, _title, start, end in sections:
        for caption in _CAPTION.finditer(text, start, end):
            number = cited.get(caption.group("n").lstrip("0"))
            span = (caption.start() + _lead(caption), caption.end())
            if number is not None and not cases[number].contains(*span):
                cases[number].spans.append(span)


def _add(cases: dict[int, CaseSpan], number: int, title: str, start: int, end: int) -> None:
    case = cases.setdefault(number, CaseSpan(number, title))
    if not case.contains(start, end):
        case.spans.append((start, end))


def _number(title: str) -> int | None:
    match = re.fullmatch(r"(?:Case|Patient)\s+0?(\d{1,2})", title.strip(), re.IGNORECASE)
    if match:
        return int(match.group(1))
    word = title.strip().split(" ")[0].lower()
    return _ORDINALS.get(word) if "case" in title.lower() else None


def _marker_number(match: re.Match[str], last: int) -> int:
    if match.group("n"):
        return int(match.group("n"))
    word = (match.group("ord") or match.group("ord2") or "").lower()
    return _ORDINALS.get(word, last + 1)


def _title(match: re.Match[str]) -> str:
    if match.group("case"):
        return " ".join(match.group("case").split())
    return " ".join(match.group(0).replace("*", "").split())


def _lead(match: re.Match[str]) -> int:
    """Offset of the first character of a match that is not a space, a line break or '*'."""
    return len(match.group(0)) - len(match.group(0).lstrip(" \t\r\n*"))
