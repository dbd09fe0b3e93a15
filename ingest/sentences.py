"""Sentence boundaries in clinical prose, as character offsets (pure, no model needed).

Used by the seed reader to find the sentence around each citation marker. It keeps clinical
abbreviations ("Fig. 2", "e.g.", "et al."), decimals ("3.5 months") and initials together, and
lets a citation marker that follows the full stop ("…tenderness.<sup>3</sup> Next") stay with
the sentence it belongs to. A sentence starts after a full stop at a capital of any alphabet, a
digit, or a letter of a script without case (Chinese, Arabic, Hebrew, Devanagari…); the CJK full
stop "。" ends one with no space after it. Linear in the text's length: no pattern backtracks over
the sentence so far, so a 50 MB paragraph costs what 50 MB of short ones do.
"""

from __future__ import annotations

import re
from functools import lru_cache

ABBREVIATIONS = frozenset(
    [
        "fig",
        "figs",
        "eg",
        "e.g",
        "ie",
        "i.e",
        "al",
        "et",
        "vs",
        "approx",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "no",
        "nos",
        "vol",
        "st",
        "inj",
        "resp",
        "ca",
        "ref",
        "refs",
        "ed",
        "eds",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
    ]
)
_MARKER = r"(?:<sup>[^<]{0,40}</sup>|[\[［][\d,，\s\-–]{1,40}[\]］])"
# terminal punctuation, optional closing quote/bracket, optional citation markers, then space
# and the sentence's first character (checked by _starts_sentence) — or a CJK full stop
_BOUNDARY = re.compile(
    rf"[.!?][\"'’”)\]]*(?:{_MARKER})*(?=\s+[\"'“(\[]?(?P<next>\S))"
    rf"|[。！？][」』）”]*(?:{_MARKER})*(?=\s*\S)"
)
_ABBREVIATION_WINDOW = 40  # an abbreviation is a short word just before its full stop


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, shifted by ``offset``; blank lines always split.

    The extraction splits each section twice (once to find the patients a report introduces,
    once in the pipeline's sentence component): the spans of the last few short texts are
    kept (a long one is not: the cache would hold its text)."""
    spans = _cached_spans(text) if len(text) <= _CACHED_LENGTH else sentence_spans(text)
    if offset == 0:
        return list(spans)
    return [(s + offset, e + offset) for s, e in spans]


_CACHED_LENGTH = 20_000  # characters: a section of an abstract or a case report


@lru_cache(maxsize=256)
def _cached_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``split_sentences`` at offset 0, uncached (the reference its equivalence test reads)."""
    spans: list[tuple[int, int]] = []
    for block in _BLOCK.finditer(text):
        heading = _HEADING.match(text, block.start(), block.end())
        start = heading.end() if heading else block.start()
        for match in _BOUNDARY.finditer(text, block.start(), block.end()):
            following = match.group("next")
            if following is not None and not _starts_sentence(following):
                continue
            if _is_abbreviation(text, start, match.start()):
                continue
            spans.append((start, match.end()))
            start = _skip_space(text, match.end())
        if start < block.end():
            spans.append((start, block.end()))
    return [(s, e) for s, e in spans if e > s]


_BLOCK = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", flags=re.DOTALL)
"""A paragraph: blank lines always split."""
_HEADING = re.compile(r"#{1,6}[ \t]+(?=\S)")
"""A Markdown heading's marks ("## Case report"): not part of the sentence a finding quotes."""


def _starts_sentence(char: str) -> bool:
    """'A', 'É', 'Ж', '3', '<' (a marker), or a letter of a script without case: '山', 'ب'."""
    return char.isupper() or char in "0123456789<" or (char.isalpha() and not char.islower())


def _is_abbreviation(text: str, start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    # only the last few characters: the sentence so far can be megabytes long (a paragraph of
    # "Fig. 1 Fig. 2 …" never ends a sentence), and a longer word is no abbreviation anyway
    word = re.search(r"([\w.]+)$", text[max(start, dot - _ABBREVIATION_WINDOW) : dot])
    if not word:
        return False
    token = word.group(1).lower()
    if token in ABBREVIATIONS or token.rstrip(".") in ABBREVIATIONS:
        return True
    return len(token) == 1 and token.isalpha() and word.group(1).isupper()  # initial: "J. Smith"


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos
