"""Relations across sentences and at the level of a case (pure): only explicit links.

A sentence that opens on the treatment just named ("After this treatment, the lesion healed")
links the previous sentence's treatments to its outcomes, and more weakly (score 0.7) so does a
next sentence with no treatment of its own that places its outcome after them ("Over the
following weeks the lesion resolved"). A cause the title states holds for the cases that name
both ends. Within a case, a condition the title names is caused by an exposure its own sentence
marks as a cause ("a treatment-related complication of IV calcium"), or after which the patient
"developed" it — never by everything else the patient had (an admission to the NICU).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

from ingest.nlp.cues import DENIED
from ingest.nlp.mentions import Mention
from kb.vocab import shared_vocabulary

_OPENER = re.compile(
    r"^\s*(?:after|following|with|on|upon|post)\s+(?:this|that|these|such|the|his|her|their)\s+"
    r"(?:treatment|therapy|management|procedure|intervention|regimen|surgery|operation)s?\b",
    re.IGNORECASE,
)
_THEN = re.compile(
    r"\b(?:thereafter|subsequently|afterwards|then|over\s+the\s+(?:following|next)\s+\w+|"
    r"(?:during|in|within)\s+the\s+(?:following|next)\s+\w+|after\s+(?:this|that)|"
    r"(?:after|within)\s+(?:\d+(?:\.\d+)?|one|two|three|four|five|six|several|a\s+few)\s+"
    r"(?:days?|weeks?|months?|years?))\b",
    re.IGNORECASE,
)
_CAUSE_MARK = re.compile(
    r"^\s*(?:-?\s*(?:induced|related|associated))|(?:complications?\s+of|due\s+to|secondary\s+to|"
    r"caused\s+by|induced\s+by|after|following|related\s+to)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_DEVELOPED = re.compile(r"\b(?:developed|develops|went on to develop)\b", re.IGNORECASE)
_PRESENTED = re.compile(r"\b(?:presented|presenting)\s+with\b", re.IGNORECASE)


def across_sentences(
    mentions: list[Mention],
    usable: list[int],
    by_sentence: dict[tuple[int, int], list[int]],
    cases_of: list[int | None],
) -> Iterable[tuple[str, int, int, str, float]]:
    """led_to from the treatments of a sentence to the outcomes of the next one, when the next
    opens on that treatment ("After this treatment, …"), within one case or article part."""
    order = sorted(by_sentence)
    named: dict[tuple[int, int], set[str]] = {}  # treatments a sentence names, in any assertion
    for m in mentions:
        if m.label == "TREATMENT":
            named.setdefault(m.sentence, set()).add(m.concept)
    for prev, this in pairwise(order):
        if this[0] - prev[1] > 3:
            continue  # not the next sentence (one between them holds no finding)
        first = mentions[by_sentence[this][0]]
        outcomes = [i for i in by_sentence[this] if mentions[i].label == "OUTCOME"]
        treatments = [i for i in by_sentence[prev] if mentions[i].label == "TREATMENT"]
        if not outcomes or not treatments:
            continue
        opener = _OPENER.match(first.sentence_text)
        then = None if opener else _THEN.search(first.sentence_text)
        if opener is None and (then is None or any(
                mentions[i].label == "TREATMENT" for i in by_sentence[this])):  # fmt: skip
            continue
        cue, score = (opener.group(0), 0.8) if opener else (then.group(0), 0.7)  # type: ignore[union-attr]
        if not opener:  # a time alone links only a better state: worsening, recurrence or death
            outcomes = [o for o in outcomes if mentions[o].concept in better()]  # has other causes
        for t in treatments:
            if not opener and mentions[t].concept in named.get(this, ()):
                continue  # "… resolved in the absence of plasma exchange": not after it
            for o in outcomes:
                if cases_of[t] == cases_of[o]:
                    yield "led_to", t, o, " ".join(cue.split()), score


@lru_cache(maxsize=1)
def better() -> frozenset[str]:
    """Outcome concepts that say the patient got better: resolution, improvement (and what the
    vocabulary files under them), normal function."""
    vocab = shared_vocabulary()
    roots = {"resolution", "improvement", "normal_function"}
    return frozenset(
        c for c in vocab.concepts if c in roots or roots & {a.id for a in vocab.ancestors(c)}
    )


def case_causes(
    mentions: list[Mention],
    usable: list[int],
    cases_of: list[int | None],
    topics: frozenset[str],
) -> Iterable[tuple[int, int, str]]:
    """A topic condition of a case ← the case's etiologies that their sentence marks as causes."""
    by_case: dict[int, list[int]] = {}
    for i in usable:
        case = cases_of[i]
        if case is not None:
            by_case.setdefault(case, []).append(i)
    for members in by_case.values():
        conditions = [i for i in members if mentions[i].label == "CONDITION"
                      and mentions[i].concept in topics]  # fmt: skip
        for e in members:
            if mentions[e].label != "ETIOLOGY":
                continue
            mark = _cause_mark(mentions[e])
            for c in conditions:
                cue = mark or _developed_after(mentions[e], mentions[c])
                if cue:
                    yield c, e, cue


def _developed_after(exposure: Mention, condition: Mention) -> str | None:
    """ "developed" when the condition's sentence — the exposure's own, after it, or the next
    one — says the patient then developed it ("treated with IV calcium … He developed swelling
    … and was diagnosed with iatrogenic calcinosis cutis"); "presented with" after the drug in
    one sentence ("a man on warfarin presented with calciphylaxis")."""
    if exposure.category != "chemical":
        return None  # a drug or infusion given, not a setting (an admission) or a finding
    same = condition.sentence == exposure.sentence and exposure.end <= condition.start
    gap = condition.sentence[0] - exposure.sentence[1]
    if not (same or 0 <= gap <= 3):
        return None
    s0 = condition.sentence[0]
    start, stop = (exposure.end - s0 if same else 0), condition.start - s0
    match = _DEVELOPED.search(condition.sentence_text, start, stop) or (
        _PRESENTED.search(condition.sentence_text, start, stop) if same else None
    )
    return " ".join(match.group(0).lower().split()) if match else None


def title_causes(
    mentions: list[Mention],
    usable: list[int],
    cases_of: list[int | None],
    topics: frozenset[str],
    stated: list[tuple[str, str, str]],
) -> Iterable[tuple[int, int, str]]:
    """A cause the title states ("Calcinosis cutis after extravasation of IV calcium gluconate
    in two infants") for each case that names the title's condition (or a narrower topic) and
    that cause."""
    for condition, etiology, cue in stated:
        for c in usable:
            if cases_of[c] is None or mentions[c].label != "CONDITION":
                continue
            if mentions[c].concept != condition and mentions[c].concept not in topics:
                continue
            for e in usable:
                if cases_of[e] == cases_of[c] and mentions[e].concept == etiology:
                    yield c, e, f"{cue} (title)"


def _cause_mark(m: Mention) -> str | None:
    """The words that mark an etiology as a cause in its own sentence ("X-related",
    "complication of X", "after X"), if any."""
    s0 = m.sentence[0]
    after = m.sentence_text[m.end - s0 : m.end - s0 + 20]
    before = m.sentence_text[max(0, m.start - s0 - 40) : m.start - s0]
    for text in (after, before):
        match = _CAUSE_MARK.search(text) if text is before else _CAUSE_MARK.match(text)
        if match and not DENIED.search(before):
            return " ".join(match.group(0).split())
    return None
