"""The Case page's timeline model: exposure → lesion → treatment → outcome, with days where the
text gives them.

Case reports rarely date each stage: the only times the extraction keeps are those from a
treatment to its outcome (the ``led_to`` relation's time, or the outcome's own value when it
has one and the link does not), so those are the only steps placed in days; the other steps
keep their order and say that no time was reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kb import namespaces
from kb.read.base import QueryStoreLike, node, select_rows
from kb.read.iri_links import case_iri
from kb.read.outcome_chart import days

STAGES = ("exposure", "lesion", "treatment", "outcome")
STAGE_OF_KIND = {
    "etiology": "exposure",
    "condition": "lesion",
    "treatment": "treatment",
    "outcome": "outcome",
}
CASE_LINKS = """
SELECT DISTINCT ?rel ?sk ?sl ?tk ?tl ?time ?value WHERE {
  ?s cb:subject ?case ; cb:assertion "present" ; cb:kind/skos:notation ?sk ; rdfs:label ?sl .
  ?r a cb:RelationAssertion ; cb:source ?s ; cb:relation ?rel ; cb:target ?t .
  ?t cb:assertion "present" ; cb:kind/skos:notation ?tk ; rdfs:label ?tl .
  OPTIONAL { ?r cb:timeToOutcome ?time }
  OPTIONAL { ?t cb:value ?value }
}
"""
CB = namespaces.CB
EARLIER_IS_TARGET = {CB + "causedBy"}  # "lesion caused by exposure": the target came first


@dataclass(frozen=True)
class Step:
    """One link of the case's chain, earlier → later, in days when the text gives a time."""

    earlier_stage: str
    earlier: str
    later_stage: str
    later: str
    days: int | None = None
    reported: str | None = None  # the duration as the graph holds it ("P2M")


@dataclass(frozen=True)
class CaseTimeline:
    steps: list[Step]

    @property
    def timed(self) -> list[Step]:
        return [s for s in self.steps if s.days is not None]


def timeline_from_rows(rows: Iterable[Mapping[str, str | None]]) -> CaseTimeline:
    """The chain of a case's linked findings of the four stages, in stage order (pure)."""
    steps: set[Step] = set()
    for r in rows:
        source_stage, target_stage = (
            STAGE_OF_KIND.get(r["sk"] or ""),
            STAGE_OF_KIND.get(r["tk"] or ""),
        )
        if source_stage is None or target_stage is None:
            continue
        source, target = (source_stage, r["sl"] or ""), (target_stage, r["tl"] or "")
        earlier, later = (target, source) if r["rel"] in EARLIER_IS_TARGET else (source, target)
        timed = r["time"] or (r["value"] if later[0] == "outcome" else None)
        n = days(timed)
        steps.add(Step(*earlier, *later, n, timed if n is not None else None))
    order = {stage: i for i, stage in enumerate(STAGES)}
    return CaseTimeline(
        sorted(
            steps,
            key=lambda s: (
                order[s.earlier_stage],
                order[s.later_stage],
                s.earlier,
                s.later,
                s.days or 0,
            ),
        )
    )


def case_timeline(store: QueryStoreLike, case: str) -> CaseTimeline:
    """The timeline of one case (an id as the explorer's links give it)."""
    return timeline_from_rows(select_rows(store, CASE_LINKS, {"case": node(case_iri(case))}, 2000))
