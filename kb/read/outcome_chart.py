"""The Synthesis page's chart model: outcomes per treatment, as case counts and times in days.

Over every case it reads the ``treatment_outcomes`` rows the store derives when it writes a
version (fast on a large KB); for one condition it counts the cases that have that condition
(or a narrower one) directly, since the derived rows are not split by condition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kb.durations import parse_iso
from kb.questions import get_question
from kb.read.base import QueryStoreLike, as_int, ask, node, select_rows, values_block
from kb.read.synthesis import condition_cases

SOURCES = ("all", "sound")
CASE_PAIRS = """
SELECT DISTINCT ?case ?treatment ?outcome ?time ?status WHERE {
  ?tf cb:ledTo ?of ; cb:assertion "present" ; cb:subject ?case ; cb:concept ?tc .
  ?case a cb:Case .
  ?of cb:assertion "present" ; cb:concept ?oc ; cb:evidence ?ev .
  ?ev prov:wasDerivedFrom ?from .
  ?tc skos:prefLabel ?treatment . ?oc skos:prefLabel ?outcome .
  OPTIONAL { ?of cb:value ?time }
  OPTIONAL { ?from cb:sourceStatus ?status }
}
"""


@dataclass(frozen=True)
class OutcomeCount:
    """One dot of the counts panel: how many cases have this treatment lead to this outcome."""

    treatment: str
    outcome: str
    cases: int
    flagged: int  # of them, cases resting on a retracted or corrected article


@dataclass(frozen=True)
class OutcomeTime:
    """One dot of the times panel: a time to the outcome the text reports, in days."""

    treatment: str
    outcome: str
    days: int


@dataclass(frozen=True)
class OutcomeChart:
    counts: list[OutcomeCount]
    times: list[OutcomeTime]


def days(duration: str | None) -> int | None:
    """Whole days of an ISO 8601 duration ("P3M" → 91), None when it is not one."""
    parsed = parse_iso(duration or "")
    return None if parsed is None else round(parsed.days)


def chart_from_rows(rows: Iterable[Mapping[str, str | None]]) -> OutcomeChart:
    """The chart of the ``treatment_outcomes`` question's rows (over every case); its times are
    the distinct durations the text gives for a treatment and outcome."""
    counts, times = [], []
    for r in rows:
        treatment, outcome = r["treatment"] or "", r["outcome"] or ""
        counts.append(OutcomeCount(treatment, outcome, as_int(r["cases"]), as_int(r["flagged"])))
        for d in (r.get("times") or "").split():
            if (n := days(d)) is not None:
                times.append(OutcomeTime(treatment, outcome, n))
    return OutcomeChart(_sorted(counts), times)


def chart_from_cases(rows: Iterable[Mapping[str, str | None]], sources: str) -> OutcomeChart:
    """The chart of per-case rows (case, treatment, outcome, time, status): a case counts once
    per treatment and outcome, and gives one dot per time it reports; ``sources="sound"`` leaves
    out cases on a retracted or corrected article."""
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    flagged: dict[tuple[str, str], set[str]] = defaultdict(set)
    timed: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for r in rows:
        if sources == "sound" and r.get("status"):
            continue
        pair = (r["treatment"] or "", r["outcome"] or "")
        case = r["case"] or ""
        cases[pair].add(case)
        if r.get("status"):
            flagged[pair].add(case)
        if (n := days(r.get("time"))) is not None:
            timed[(*pair, case)].add(n)
    counts = [OutcomeCount(t, o, len(c), len(flagged[(t, o)])) for (t, o), c in cases.items()]
    times = [OutcomeTime(t, o, n) for (t, o, _), ns in sorted(timed.items()) for n in sorted(ns)]
    return OutcomeChart(_sorted(counts), times)


def condition_chart(store: QueryStoreLike, condition: str, sources: str = "all") -> OutcomeChart:
    """Outcomes per treatment over the cases with ``condition`` (a concept id) or a narrower
    condition."""
    cases = sorted(condition_cases(store, condition))
    rows: list[dict] = []
    for i in range(0, len(cases), 500):
        chunk = [node(c) for c in cases[i : i + 500]]
        rows += select_rows(store, values_block(CASE_PAIRS, "case", chunk), None, 50_000)
    return chart_from_cases(rows, sources)


def _sorted(counts: list[OutcomeCount]) -> list[OutcomeCount]:
    return sorted(counts, key=lambda c: (c.treatment.lower(), -c.cases, c.outcome.lower()))


def outcome_chart(
    store: QueryStoreLike, sources: str = "all", condition: str | None = None
) -> OutcomeChart:
    """Outcomes per treatment over every case (``condition=None``) or one condition's cases;
    ``sources="sound"`` leaves out the cases on retracted or corrected articles."""
    if condition is not None:
        return condition_chart(store, condition, sources)
    result = ask(store, get_question("treatment_outcomes"), {"sources": sources})
    return chart_from_rows(dict(zip(result.columns, row, strict=True)) for row in result.rows)
