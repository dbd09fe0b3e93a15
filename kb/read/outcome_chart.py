"""The Synthesis page's chart model: outcomes per treatment, as case counts and times in days.

Over every case it reads the ``treatment_outcomes`` rows the store derives when it writes a
version (fast on a large KB); for one condition it filters every case's linked pairs
(``case_pairs``, one pass) by the cases that have that condition or a narrower one, since the
derived rows are not split by condition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from kb.durations import parse_iso
from kb.questions import get_question
from kb.read.base import QueryStoreLike, as_int, ask, node, select_rows, values_block

SOURCES = ("all", "sound")
# Oxigraph orders a basic graph pattern by its bound terms: a constant literal ("present", held
# by millions of findings) or a type, or a label joined in, makes it start from the whole store
# (1.5-25 s at 100,000 articles). Starting from cb:ledTo (a few thousand links) with the rest
# as filters, it reads every linked pair in ~0.4 s there; labels come in a second look-up.
CASE_PAIRS = """
SELECT ?case ?tc ?oc ?time ?status WHERE {
  ?tf cb:ledTo ?of ; cb:subject ?case ; cb:assertion ?ta ; cb:concept ?tc .
  ?of cb:assertion ?oa ; cb:concept ?oc ; cb:evidence ?ev .
  FILTER(?ta = "present" && ?oa = "present")
  FILTER EXISTS { ?case a cb:Case }
  ?ev prov:wasDerivedFrom ?from .
  OPTIONAL { ?of cb:value ?time }
  OPTIONAL { ?from cb:sourceStatus ?status }
}
"""
LABELS = "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label }"


@dataclass(frozen=True)
class CasePair:
    """One case whose text links a treatment to an outcome (with the time it gives, if any)."""

    case: str
    treatment: str
    outcome: str
    time: str | None
    status: str | None  # the evidence's article: "retracted", "corrected"


def case_pairs(store: QueryStoreLike) -> list[CasePair]:
    """Every case's linked treatment and outcome, labelled, in a stable order (one pass over
    the links: a per-condition chart filters these)."""
    rows = select_rows(store, CASE_PAIRS, None, 10_000_000)
    concepts = sorted({r["tc"] for r in rows} | {r["oc"] for r in rows})
    labels: dict[str, str] = {}
    for i in range(0, len(concepts), 500):
        sparql = values_block(LABELS, "c", [node(c) for c in concepts[i : i + 500]])
        for r in select_rows(store, sparql, None, 10_000):
            labels.setdefault(r["c"], r["label"])
    pairs = {
        CasePair(r["case"], labels[r["tc"]], labels[r["oc"]], r["time"], r["status"])
        for r in rows
        if r["tc"] in labels and r["oc"] in labels
    }
    return sorted(
        pairs, key=lambda p: (p.case, p.treatment, p.outcome, p.time or "", p.status or "")
    )


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


def chart_from_cases(pairs: Iterable[CasePair], sources: str = "all") -> OutcomeChart:
    """The chart of per-case pairs: a case counts once per treatment and outcome, and gives one
    dot per time it reports; ``sources="sound"`` leaves out cases on a retracted or corrected
    article."""
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    flagged: dict[tuple[str, str], set[str]] = defaultdict(set)
    timed: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for r in pairs:
        if sources == "sound" and r.status:
            continue
        pair = (r.treatment, r.outcome)
        cases[pair].add(r.case)
        if r.status:
            flagged[pair].add(r.case)
        if (n := days(r.time)) is not None:
            timed[(*pair, r.case)].add(n)
    counts = [OutcomeCount(t, o, len(c), len(flagged[(t, o)])) for (t, o), c in cases.items()]
    times = [OutcomeTime(t, o, n) for (t, o, _), ns in sorted(timed.items()) for n in sorted(ns)]
    return OutcomeChart(_sorted(counts), times)


def condition_chart(
    pairs: Iterable[CasePair], cases: Collection[str], sources: str = "all"
) -> OutcomeChart:
    """Outcomes per treatment over ``cases`` (those with a condition: ``condition_cases``)."""
    return chart_from_cases((p for p in pairs if p.case in cases), sources)


def _sorted(counts: list[OutcomeCount]) -> list[OutcomeCount]:
    return sorted(counts, key=lambda c: (c.treatment.lower(), -c.cases, c.outcome.lower()))


def outcome_chart(store: QueryStoreLike, sources: str = "all") -> OutcomeChart:
    """Outcomes per treatment over every case, from the derived ``treatment_outcomes`` rows;
    ``sources="sound"`` leaves out the cases on retracted or corrected articles. One
    condition's chart is ``condition_chart`` of ``case_pairs`` and ``condition_cases``."""
    result = ask(store, get_question("treatment_outcomes"), {"sources": sources})
    return chart_from_rows(dict(zip(result.columns, row, strict=True)) for row in result.rows)
