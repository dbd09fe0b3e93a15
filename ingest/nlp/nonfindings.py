"""Text that names no finding: a structured abstract's labels, statistics, the study's method.

The recognisers learned from case reports read "OBJECTIVE:" or "ORs" as tests and "logistic
regression" as a lesion's regression (the curated outcome). The rules are data
(``casebook_data/nlp/non_findings.tsv``): ``region`` patterns (case-insensitive) and ``cased``
patterns (case-sensitive: "OR" is a statistic only beside its value) mark stretches of text no
entity may lie inside; ``heading`` patterns (case-sensitive, with inline flags where a rule
wants them) mark a label that may also run into a recogniser's span ("Background A 34-year-old
man"), which loses it; ``words`` are whole-span texts a recogniser's span may not be alone.
"""

from __future__ import annotations

import re
from functools import cache

from ingest.nlp.rule_table import read_rules

KINDS = ("region", "cased", "heading", "words")


@cache
def _rules() -> tuple[re.Pattern[str], re.Pattern[str], frozenset[str]]:
    """(every region, the headings alone, the method words)."""
    found = read_rules("non_findings.tsv", KINDS, literal={"words"})
    parts = [f"(?i:{p})" for p in found["region"]]
    parts += [f"(?:{p})" for p in found["cased"] + found["heading"]]
    headings = "|".join(f"(?:{p})" for p in found["heading"]) or r"(?!)"
    words = frozenset(w for line in found["words"] for w in line.split("|"))
    return re.compile("|".join(parts)), re.compile(headings), words


def regions(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` that no entity may lie inside."""
    pattern, _, _ = _rules()
    return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]


def headings(text: str) -> list[tuple[int, int]]:
    """Character spans of the labels among ``regions``: a span that starts or ends in one is cut."""
    _, pattern, _ = _rules()
    return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]


_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_ARTICLE = re.compile(r"^(?:the|a|an|this|our)\s+")


def names_nothing(span_text: str) -> bool:
    """Whether a recogniser's span says nothing a finding could be: only symbols ("±"), or a
    word of the study's method alone ("present study", "mean +", "correlated")."""
    if not any(ch.isalnum() for ch in span_text):
        return True
    _, _, words = _rules()
    key = " ".join(_EDGE.sub("", span_text.lower()).split())
    return key in words or _ARTICLE.sub("", key) in words
