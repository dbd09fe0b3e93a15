"""Relations between mentions (pure): condition —caused_by→ etiology, condition —treated_with→
treatment, treatment —led_to→ outcome (with the time to it).

Within a sentence a relation needs a cue between the two mentions ("due to", "induced by",
"treated with" …, or "-induced", "lead to" with the cause first). Across a case, a condition of
the case is related to the case's etiologies when it is a topic of the article (named in its title: "Iatrogenic
calcinosis cutis"): the report describes that illness and what caused it. Treatments are not
related across a case — a neonate's surfactant treats its respiratory distress, not its
calcinosis. Negated or hypothetical mentions never relate, and a denied cue ("was not due to")
is no cue: the assertion step reads "not" about the mentions, not about the link between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.records import Finding, Relation

# cue between CONDITION … ETIOLOGY (the cause comes second)
_CAUSE_AFTER = re.compile(
    r"\b(?:due to|secondary to|induced by|caused by|following|after|as (?:a )?result of|"
    r"resulting from|because of|related to|from)\b", re.IGNORECASE)  # fmt: skip
# cue between ETIOLOGY … CONDITION (the cause comes first)
_CAUSE_BEFORE = re.compile(
    r"(?:-?\binduced\b|-related\b|-associated\b|\b(?:causes?|caused|lead(?:s|ing)? to|led to|"
    r"result(?:s|ed)? in|can (?:also )?cause|gives? rise to)\b)", re.IGNORECASE)  # fmt: skip
# cue between CONDITION … TREATMENT, or TREATMENT … CONDITION
_TREAT_AFTER = re.compile(
    r"\b(?:treated (?:with|by)|managed (?:with|by)|received|underwent|with|by|using)\b",
    re.IGNORECASE)  # fmt: skip
_TREAT_BEFORE = re.compile(r"\b(?:for|of|in)\b", re.IGNORECASE)
# a cue right after one of these is denied: "was not due to", "never caused"
_DENIED = re.compile(r"\b(?:not|never|nor)\s+$", re.IGNORECASE)
RELATABLE = {"present", "historical"}


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


def find_relations(
    mentions: list[Mention],
    findings: dict[int, Finding],
    cases_of: list[int | None],
    topics: frozenset[str] = frozenset(),
) -> list[Relation]:
    """Relations among ``mentions`` (``findings[i]`` is mention i's finding)."""
    out: dict[tuple[str, str, str], Relation] = {}
    usable = [i for i in findings if mentions[i].assertion in RELATABLE]
    for a in usable:
        for b in usable:
            if a == b:
                continue
            kind = _sentence_relation(mentions[a], mentions[b])
            if kind:
                _add(out, kind, findings[a], findings[b], mentions, a, b)
    by_case: dict[int, list[int]] = {}
    for i in usable:
        if cases_of[i] is not None:
            by_case.setdefault(cases_of[i], []).append(i)  # type: ignore[arg-type]
    for members in by_case.values():
        for a in members:
            for b in members:
                if mentions[a].concept not in topics:
                    continue
                kind = _case_relation(mentions[a], mentions[b])
                if kind:
                    _add(out, kind, findings[a], findings[b], mentions, a, b)
    return list(out.values())


def _sentence_relation(a: Mention, b: Mention) -> str | None:
    if a.sentence != b.sentence:
        return None
    between = _between(a, b)
    if a.label == "CONDITION" and b.label == "ETIOLOGY":
        if a.end <= b.start and _cue(_CAUSE_AFTER, between):
            return "caused_by"
        if b.end <= a.start and _cue(_CAUSE_BEFORE, between):
            return "caused_by"
    if a.label == "CONDITION" and b.label == "TREATMENT":
        if a.end <= b.start and _cue(_TREAT_AFTER, between):
            return "treated_with"
        if b.end <= a.start and _cue(_TREAT_BEFORE, between):
            return "treated_with"
    if a.label == "TREATMENT" and b.label == "OUTCOME":
        return "led_to"  # a treatment and an outcome in one sentence
    return None


def _cue(pattern: re.Pattern[str], between: str) -> bool:
    """Whether ``pattern`` occurs in ``between`` other than right after a denial ("not due to")."""
    return any(not _DENIED.search(between, 0, m.start()) for m in pattern.finditer(between))


def _case_relation(a: Mention, b: Mention) -> str | None:
    return "caused_by" if (a.label, b.label) == ("CONDITION", "ETIOLOGY") else None


def _between(a: Mention, b: Mention) -> str:
    start, end = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    offset = a.sentence[0]
    return a.sentence_text[start - offset : end - offset]


def _add(out, kind, fa: Finding, fb: Finding, mentions: list[Mention], a: int, b: int) -> None:
    time = fb.value if kind == "led_to" and fb.value and fb.value.startswith("P") else None
    key = (kind, f"{fa.subject}|{fa.concept}", f"{fb.subject}|{fb.concept}")
    if key not in out:
        out[key] = Relation(kind, fa.id, fb.id, time=time, evidence=fb.id)  # type: ignore[arg-type]
