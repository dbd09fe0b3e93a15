"""The reference list of a seed: its entries (numbered, bulleted or neither), each parsed into a
``Reference`` with its offsets.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.references import (
    parse_reference,
    strip_number,
)
from kb.records import Reference

_WORD_CHARS = re.compile(r"[^\W_]")
_REF_ITEM = re.compile(r"^\s*(?:[-*•]\s+|[\[［]\d{1,3}[\]］]\s*|\d{1,3}[.)]\s+)")
# "Surname AB," / "Surname AB." at a line start: a new entry even in an unbulleted list
_AUTHOR_START = re.compile(r"^\s*[^\W\d_][\w'’\-]+(?: [^\W\d_][\w'’\-]+){0,3} [A-Z]{1,4}[,.]")


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


def looks_like_reference_list(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > 2000:
        return False
    refs = [parse_reference(strip_number(line)[1]) for line in lines]
    hits = sum(1 for r in refs if r.doi or r.pmid or (r.year and r.title and r.authors))
    return hits >= max(1, len(lines) * 0.6)
