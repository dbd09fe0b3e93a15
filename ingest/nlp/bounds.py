"""Bounds on what the pipeline reads, so one oversized text cannot crash a build.

spaCy refuses a text over ``nlp.max_length`` (E088) and its memory grows with a text's length;
an upstream record can hold a paragraph of a million characters. So each piece (a section's
prose) is split at a sentence end, else at a space, into pieces of at most ``MAX_PIECE``
characters; a document reads at most ``MAX_DOCUMENT`` characters (the rest is dropped, with a
warning), a title at most ``MAX_TITLE``. Offsets still index the document's text.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

MAX_PIECE = 20_000
MAX_DOCUMENT = 200_000
MAX_TITLE = 2_000
_SENTENCE_END = re.compile(r"[.!?][)\]\"']*\s+|\n\s*")

Section = tuple[str, str, int, int]  # (kind, title, start, end) into the document's text


def bounded(document: str, text: str, sections: list[Section]) -> list[Section]:
    """``sections`` in pieces of at most ``MAX_PIECE`` characters, ``MAX_DOCUMENT`` in all."""
    out: list[Section] = []
    budget = MAX_DOCUMENT
    for kind, title, start, end in sections:
        for a, b in pieces(text, start, end):
            if budget <= 0:
                log.warning(
                    "%s: over %d characters of prose; the rest is not read", document, MAX_DOCUMENT
                )
                return out
            b = min(b, a + budget)
            out.append((kind, title, a, b))
            budget -= b - a
    return out


def pieces(text: str, start: int, end: int, limit: int = MAX_PIECE) -> list[tuple[int, int]]:
    """``text[start:end]`` as consecutive spans of at most ``limit`` characters, each cut after
    the last sentence end in its second half, else at its last space, else at ``limit``."""
    out = []
    while end - start > limit:
        window = text[start : start + limit]
        ends = [m.end() for m in _SENTENCE_END.finditer(window, limit // 2)]
        cut = ends[-1] if ends else window.rfind(" ", limit // 2) + 1 or limit
        out.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def title(text: str) -> str:
    """A title as read on its own: at most ``MAX_TITLE`` characters."""
    return text[:MAX_TITLE]
