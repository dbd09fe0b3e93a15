"""Citation markers in the text ([1], [3-5], (7), <sup>2</sup>) and the sentence around each:
the citing contexts of the seed's references.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from ingest.references import unescape_markdown
from ingest.seed.sections import trim
from ingest.sentences import split_sentences
from kb.records import CitationContext, Section

NO_CITATIONS = {"references", "how_to_cite", "title", "front_matter", "author_contributions"}
# a citation "sentence" longer than this (text without full stops) is cut to the text around
# its marker, CONTEXT_WINDOW characters each side
MAX_CONTEXT_CHARS = 3000
CONTEXT_WINDOW = 600

# the body starts and ends with a non-space: the spaces around it cannot be split two ways
_SUP = re.compile(r"<sup>\s*(?P<body>[^<\s](?:[^<]{0,58}[^<\s])?)\s*</sup>", re.IGNORECASE)
# [1] · [3-5] · [7, 8] — and the full-width brackets of CJK typesetting: ［1］
_BRACKET = re.compile(r"[\[［](?P<body>\s*\d{1,3}(?:\s*[-–,，]\s*\d{1,3})*\s*)[\]］]")
_PAREN = re.compile(r"(?<![\w)])\((?P<body>\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*)\)")
_NUMLIST = re.compile(r"^\s*\d{1,3}(?:\s*[-–,]\s*\d{1,3})*\s*$")
_SPACE = re.compile(r"\s")


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
    return trim(text, lo, hi)


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
