"""Abbreviations a text defines, so a later "LMWH" can be grounded by its long form.

After the idea of Schwartz & Hearst (2003, "A simple algorithm for identifying abbreviation
definitions in biomedical text"): a definition is a parenthesis next to a phrase, either
"long form (SHORT)" or "SHORT (long form)"; the long form is the shortest run of the preceding
words, at most ``min(|SHORT| + 5, 2 * |SHORT|)`` of them, in which the short form's letters and
digits occur in order (searched right to left), its first character starting a word. Pure: text
in, dict out; no tokenizer needed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

MIN_SHORT, MAX_SHORT = 2, 10  # characters of a short form
_PAREN = re.compile(r"\(([^()]*)\)")
_CLAUSE_END = re.compile(r"[.;!?:]\s|[()\[\]]")


@functools.lru_cache(maxsize=64)
def find_abbreviations(text: str) -> Mapping[str, str]:
    """Short form → long form for each definition in ``text``; the first definition wins.
    Cached (read it, do not change it): a case report's text is read by the span conventions
    and again by the linker."""
    found: dict[str, str] = {}
    for match in _PAREN.finditer(text):
        pair = definition(text[: match.start()], match.group(1))
        if pair is not None and pair[0] not in found:
            found[pair[0]] = pair[1]
    return found


def definition(before: str, inside: str) -> tuple[str, str] | None:
    """The (short, long) pair a parenthesis defines, given the text before it."""
    inside = re.split(r"[;,]\s", inside, maxsplit=1)[0].strip()
    clause = _CLAUSE_END.split(before)[-1].strip()
    if not inside or not clause:
        return None
    if len(inside.split()) <= 2 and is_short_form(inside):  # long form (SHORT)
        long_form = best_long_form(inside, clause)
        return (inside, long_form) if long_form else None
    short = clause.split()[-1]  # SHORT (long form)
    if len(inside.split()) >= 2 and is_short_form(short):
        long_form = best_long_form(short, inside)
        if long_form is not None and long_form == inside:
            return short, long_form
    return None


def is_short_form(candidate: str) -> bool:
    """2-10 characters, starting with a letter or digit, with a capital (no "(see below)")."""
    return (
        MIN_SHORT <= len(candidate) <= MAX_SHORT
        and candidate[0].isalnum()
        and any(c.isupper() for c in candidate)
        and any(c.isalpha() for c in candidate)
    )


def max_words(short: str) -> int:
    return min(len(short) + 5, 2 * len(short))


def best_long_form(short: str, candidate: str) -> str | None:
    """The shortest tail of ``candidate`` (within the word limit) that the short form spells."""
    words = candidate.split()[-max_words(short) :]
    window = " ".join(words)
    start = match_start(short.lower(), window.lower())
    if start is None:
        return None
    long_form = window[start:].strip()
    if len(long_form) <= len(short) or short.lower() in long_form.lower().split():
        return None
    return long_form


def match_start(short: str, long: str) -> int | None:
    """Where the long form starts: each letter/digit of ``short`` found right to left in
    ``long``, the first one at the start of a word; None when it cannot be spelled."""
    s = len(short) - 1
    i = len(long) - 1
    while s >= 0:
        c = short[s]
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (long[i] != c or (s == 0 and i > 0 and long[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return i + 1
