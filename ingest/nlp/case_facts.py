"""Which patient each mention is about, and each patient's case record (pure, over mentions).

Cases come from markers ("Case 1"), from a series introduced in one sentence (``series.py``),
or — a case report with neither — one patient. Within a series the shared text is about every
patient; a list the text gives per patient (ages, "respectively", one time per patient) goes to
each in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.nlp.cases import CaseSpan
from ingest.nlp.cues import AS_IN_OURS
from ingest.nlp.general import is_general
from ingest.nlp.mentions import Mention
from ingest.nlp.series import Series, per_patient_values, respectively
from kb.durations import parse_iso
from kb.records import Case

SIDES = {"left", "right", "bilateral", "both"}
Sections = tuple[tuple[str, str, int, int], ...]
_CASE_REGIONS = ({"case_presentation"}, {"abstract", "results"}, {"front_matter", "other"})
_SHARED_LABELS = {"CONDITION", "TREATMENT", "OUTCOME", "TEST"}
_CAPTION = re.compile(r"^\s*fig(?:ure|\.)?\s*[-\u2010-\u2015]?\s*\d", re.IGNORECASE)


def case_region(sections: Sections) -> list[tuple[int, int]]:
    """Where a report without markers describes its patients: its case section, else its
    abstract, else (a plain text read whole) every part but the introduction and discussion."""
    for kinds in _CASE_REGIONS:
        spans = [(s, e) for kind, _, s, e in sections if kind in kinds and e > s]
        if spans:
            return spans
    return []


def unmarked_cases(sections: Sections, case_report: bool, series: Series | None) -> list[CaseSpan]:
    """The cases of a report without markers: one per patient of its series, else one."""
    region = case_region(sections)
    if not region:
        return []
    if series is not None:
        return [CaseSpan(n, f"Patient {n}", list(region)) for n in range(1, series.count + 1)]
    return [CaseSpan(1, "Case", region)] if case_report else []


def owners(
    mentions: list[Mention],
    spans: list[CaseSpan],
    series: Series | None,
    title: tuple[int, int] | None = None,
) -> list[list[int]]:
    """For each mention, the indexes (into ``spans``) of the cases it is about; [] for the
    article (so is every mention of a sentence that states general knowledge, ``general.py``).
    A list per patient in a series sentence goes one item to each patient; what a
    sentence elsewhere says "as in our cases" goes to every case. The conditions a report's
    title names ("Warfarin-associated calciphylaxis treated with …") are its patients' when it
    describes one patient or one series without markers: the title names what they had."""
    out = [
        []
        if is_general(m.sentence_text)
        else [c for c, s in enumerate(spans) if s.contains(m.start, m.end)]
        for m in mentions
    ]
    whole = len(spans) == 1 or (series is not None and len(spans) == series.count)
    for i, m in enumerate(mentions):
        if not out[i] and m.label in _SHARED_LABELS and AS_IN_OURS.search(m.sentence_text):
            out[i] = list(range(len(spans)))
        in_title = title is not None and title[0] <= m.start < title[1]
        if not out[i] and whole and in_title and m.label == "CONDITION":
            out[i] = list(range(len(spans)))
    if series is None or len(spans) != series.count:
        return out
    by_sentence: dict[tuple[tuple[int, int], str], list[int]] = {}
    for i, m in enumerate(mentions):
        if len(out[i]) > 1:
            by_sentence.setdefault((m.sentence, m.label), []).append(i)
    for (_, label), members in by_sentence.items():
        sentence = mentions[members[0]].sentence_text
        first = mentions[members[0]]
        listed = (
            respectively(sentence)
            or (label == "DURATION" and per_patient_values(sentence, series.count) is not None)
            or (label in {"AGE", "SEX"} and series.intro[0] <= first.start < series.intro[1])
        )
        if listed and len(members) == series.count:
            for case, i in enumerate(sorted(members, key=lambda i: mentions[i].start)):
                out[i] = [case]
    return out


def restated(
    mentions: list[Mention],
    owned: list[list[int]],
    spans: list[CaseSpan],
    resolves: Callable[[str], bool],
) -> dict[tuple[int, int], int]:
    """(case, mention) → the mention of the case's own text that it tells again: a figure
    caption's resolution, or one a discussion shares "as in our cases", is the case's resolution
    restated, so a case has one resolution row, not one per telling. Only where the case's own
    text states a resolution; a restatement goes to the one of its concept, else the last."""
    out: dict[tuple[int, int], int] = {}
    for c, span in enumerate(spans):
        ours = [i for i, m in enumerate(mentions) if c in owned[i] and m.label == "OUTCOME"
                and m.assertion == "present" and resolves(m.concept)]  # fmt: skip
        told = [i for i in ours if span.contains(mentions[i].start, mentions[i].end)
                and not _CAPTION.match(mentions[i].sentence_text)]  # fmt: skip
        for i in ours if told else ():
            if i not in told:
                same = [j for j in told if mentions[j].concept == mentions[i].concept]
                out[(c, i)] = (same or told)[-1]
    return out


def skipped(mentions: list[Mention], series: Series | None) -> set[int]:
    """Mentions that are no finding of their own: the durations of a series' age list."""
    if series is None or series.ages_at is None:
        return set()
    a, b = series.ages_at
    return {
        i
        for i, m in enumerate(mentions)
        if m.label in {"DURATION", "AGE"} and a <= m.start and m.end <= b
    }


def time_of(
    m: Mention, mentions: list[Mention], series: Series | None = None, patient: int | None = None
) -> str | None:
    """An outcome's time: the patient's own in a series sentence that lists one per patient
    ("resolved at 3 weeks, 4 weeks and 6 months"), else the duration nearest it in its sentence
    ("after 04 months … complete resolution")."""
    if m.label != "OUTCOME":
        return None
    if series is not None and patient is not None:
        values = per_patient_values(m.sentence_text, series.count)
        if values:
            return values[patient]
    durations = [d for d in mentions if d.label == "DURATION" and d.sentence == m.sentence]
    if not durations:
        return None
    return min(durations, key=lambda d: abs(d.start - m.start)).value


def case_record(
    document: str,
    span: CaseSpan,
    own: list[Mention],
    series: Series | None = None,
) -> Case:
    """A patient's case from the mentions about them (present ones only); a series' lists give
    the age and sex where the text gave them per patient."""
    present = [m for m in own if m.assertion == "present"]
    age = next((m.value for m in present if m.label == "AGE"), None)
    sex = next((m.value for m in present if m.label == "SEX"), None)
    if series is not None and span.number <= series.count:
        age = series.ages[span.number - 1] if series.ages else age
        sex = series.sexes[span.number - 1] if series.sexes else sex
    quantity = parse_iso(age) if age else None
    return Case(
        id=f"case:{document}#{span.number}",
        document=document,
        number=span.number,
        title=span.title,
        start=min(s for s, _ in span.spans),
        end=max(e for _, e in span.spans),
        age=age,
        age_days=quantity.days if quantity else None,
        sex=sex,
        sites=sites([m for m in present if m.label == "ANATOMY"]),
    )


def sites(anatomy: list[Mention]) -> list[str]:
    """One entry per site and side, aspects merged: "leg:left medial"; an unsided mention joins
    the side its site already has, so "left leg … medial aspect of leg" stays one site."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for m in anatomy:
        words = (m.value or "").split()
        side = next((w for w in words if w in SIDES), None)
        if side is None:
            sided = [k for k in found if k[0] == m.concept and k[1]]
            side = sided[0][1] if len(sided) == 1 else None
        seen = found.setdefault((m.concept, side), [side] if side else [])
        seen += [w for w in words if w not in seen and w not in SIDES]
    merged = {k: v for k, v in found.items() if k[1] or not any(
        s[0] == k[0] and s[1] for s in found)}  # fmt: skip
    return [f"{c}:{' '.join(w)}" if w else c for (c, _), w in merged.items()]
