"""A recognised entity as a plain record, as relation and case rules read it (no spaCy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mention:
    label: str  # CONDITION, ETIOLOGY, …, AGE, SEX, DURATION
    concept: str
    text: str
    start: int
    end: int
    sentence: tuple[int, int]
    sentence_text: str
    section: str
    assertion: str
    value: str | None = None
    category: str | None = None  # disease, sign_symptom, chemical, … (``merge.MODEL_LABELS``)
    ids: tuple[str, ...] = ()  # CURIEs the linker grounded the span to, best first
    matched: str | None = None  # the vocabulary term it matched
    match_score: float | None = None
    name: str | None = None  # the concept's preferred name, when the vocabulary gave one
