"""Several patients introduced together, with no "Case 1" markers (pure): "We describe three
neonates aged 2, 4 and 4 weeks …" is three cases, each with its own age.

A report that introduces its patients in one sentence shares the rest of its text among them;
what it enumerates per patient — ages in the introducing sentence, or any list that says
"respectively" or gives one value per patient ("resolved at 3 weeks, 4 weeks and 6 months") —
goes to each patient in order. A count alone in a general sentence ("two cases have been
reported") is not a series: the sentence must report the patients (we report / describe /
present …) or open on them, or list their ages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.nlp.cases import PATIENT

COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
COUNTS |= {"nine": 9, "ten": 10, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9}
_NOUNS = {
    "patients": None, "cases": None, "neonates": None, "newborns": None, "infants": None,
    "children": None, "adults": None, "siblings": None, "twins": None, "men": "male",
    "women": "female", "boys": "male", "girls": "female", "males": "male", "females": "female",
    "brothers": "male", "sisters": "female",
}  # fmt: skip
_INTRO = re.compile(
    r"\b(?P<n>"
    + "|".join(COUNTS)
    + r")\s+(?:[\w-]+\s+){0,3}?(?P<noun>"
    + "|".join(_NOUNS)
    + r")\b",
    re.IGNORECASE,
)
_REPORTING = re.compile(
    r"\b(?:we|this\s+(?:report|article|paper|study))\s+(?:\w+\s+)?"
    r"(?:report|present|describe|discuss|document)(?:s|ed)?\b|\bcase\s+(?:series|reports?)\b",
    re.IGNORECASE,
)
_ELSEWHERE = re.compile(
    r"\b(?:ha(?:ve|s|d)\s+been|were|was)\s+(?:\w+\s+)?(?:reported|described|published)\b"
    r"|\bliterature\b|\bpreviously\b|\bin\s+(?:the\s+)?(?:past|prior)\b",
    re.IGNORECASE,
)
"""Patients someone else reported: "two cases have been reported", "in the literature"."""
_SEX_OF = {"man": "male", "boy": "male", "male": "male", "gentleman": "male", "woman": "female",
           "girl": "female", "female": "female", "lady": "female"}  # fmt: skip
_UNIT = r"(?:days?|weeks?|months?|years?|d|wk|mo|y)"
_NUMBER = r"\d{1,3}(?:\.\d)?"
_ITEM = rf"{_NUMBER}(?:\s*{_UNIT})?"
_LIST = rf"(?P<list>{_ITEM}(?:\s*(?:,\s*(?:and\s+)?|and\s+|or\s+){_ITEM})+)"
_AGES = re.compile(rf"\b(?:aged|ages?(?:\s+of)?|of)\s+{_LIST}\s*(?:old\b)?", re.IGNORECASE)
_VALUES = re.compile(rf"\b(?:at|after|in|by|within|of|for)\s+{_LIST}", re.IGNORECASE)
_PIECE = re.compile(rf"(?P<n>{_NUMBER})\s*(?P<unit>{_UNIT})?\b", re.IGNORECASE)
_ISO_UNIT = {"d": "D", "w": "W", "m": "M", "y": "Y"}


@dataclass(frozen=True)
class Series:
    """Patients introduced together: how many, the sentence that does it, and what it says of
    each in order (``None`` where it does not say)."""

    count: int
    intro: tuple[int, int]  # the introducing sentence's offsets
    ages: tuple[str, ...] | None  # ISO 8601 per patient: ("P2W", "P4W", "P4W")
    ages_at: tuple[int, int] | None  # where the age list stands (its durations are the ages)
    sexes: tuple[str, ...] | None  # "male" / "female" per patient, when the noun says it


def find_series(
    text: str, sentences: list[tuple[int, int]], case_report: bool = False
) -> Series | None:
    """The first sentence of ``sentences`` (offsets into ``text``) that introduces 2–10
    patients as this report's own: it reports them ("we describe three neonates"), lists their
    ages, or — in a text known to be a case report — opens on them ("Two infants developed …").
    """
    for start, end in sentences:
        sentence = text[start:end]
        if _ELSEWHERE.search(sentence):
            continue
        pair = _each_introduced(sentence, start)
        if pair is not None:
            return pair
        intro = _INTRO.search(sentence)
        if intro is None:
            continue
        ages = _AGES.search(sentence, intro.end())
        opens = case_report and not sentence[: intro.start()].strip(" \t\r\n(*")
        if not (ages or opens or _REPORTING.search(sentence[: intro.start()])):
            continue
        count = COUNTS[intro.group("n").lower()]
        listed = iso_list(ages.group("list")) if ages else None
        sex = _NOUNS[intro.group("noun").lower()]
        return Series(
            count=count,
            intro=(start, end),
            ages=tuple(listed) if listed and len(listed) == count else None,
            ages_at=(start + ages.start("list"), start + ages.end("list")) if ages else None,
            sexes=(sex,) * count if sex else None,
        )
    return None


def _each_introduced(sentence: str, start: int) -> Series | None:
    """Patients introduced one by one in one sentence: "a 2-week-old boy and a 4-week-old girl
    were admitted …" — each with the age and sex of their own phrase."""
    found = list(PATIENT.finditer(sentence))
    if len(found) < 2:
        return None
    ages = []
    for match in found:
        listed = iso_list(f"{match.group('age')} {match.group('unit')}")
        ages.append(listed[0] if listed else None)
    people = {(age, match.group("noun").lower()) for age, match in zip(ages, found, strict=True)}
    if len(people) < len(found):
        return None  # the same age and noun twice: one patient named again
    sexes = [_SEX_OF.get(match.group("noun").lower()) for match in found]
    return Series(
        count=len(found),
        intro=(start, start + len(sentence)),
        ages=tuple(a for a in ages if a) if all(ages) else None,
        ages_at=None,
        sexes=tuple(s for s in sexes if s) if all(sexes) else None,
    )


def per_patient_values(sentence: str, count: int) -> list[str] | None:
    """One duration per patient in a sentence ("resolved at 3 weeks, 4 weeks and 6 months,
    respectively"), as ISO 8601, when it lists exactly ``count`` of them."""
    for match in _VALUES.finditer(sentence):
        values = iso_list(match.group("list"))
        if values and len(values) == count:
            return values
    return None


def respectively(sentence: str) -> bool:
    """Whether a sentence pairs its lists with the patients in order."""
    return re.search(r"\brespectively\b", sentence, re.IGNORECASE) is not None


def iso_list(words: str) -> list[str] | None:
    """ "2, 4 and 4 weeks" → ["P2W", "P4W", "P4W"]: a unit holds for the bare numbers before it;
    None when the list ends on a bare number (no unit to give it)."""
    pieces = [(m.group("n"), m.group("unit")) for m in _PIECE.finditer(words)]
    out: list[str] = []
    unit: str | None = None
    for number, given in reversed(pieces):
        unit = _ISO_UNIT[given[0].lower()] if given else unit
        if unit is None:
            return None
        value = number.rstrip("0").rstrip(".") if "." in number else number
        out.append(f"P{value}{unit}")
    return out[::-1]
