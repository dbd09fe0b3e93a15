"""Precision, recall and F1 of predicted spans against a corpus's gold spans, per category.

Pure: spans in, counts out. Two matchings: **exact** (same start and end) and **overlap** (a
prediction is correct when it overlaps a gold span of its group; a gold span is found when a
prediction of its group overlaps it). A *group* is what is compared: e.g. BC5CDR's ``Disease``
against Casebook's ``disease`` and ``sign_symptom`` together (``GROUPS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

GROUPS: dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    # corpus → group → (gold labels, predicted categories)
    "bc5cdr": {
        "chemical": (frozenset({"CHEMICAL"}), frozenset({"chemical"})),
        "disease": (frozenset({"DISEASE"}), frozenset({"disease", "sign_symptom"})),
    },
    "ncbi-disease": {
        "disease": (frozenset({"DISEASE"}), frozenset({"disease", "sign_symptom"})),
    },
    "maccrobat": {
        "disease+sign": (
            frozenset({"SIGN_SYMPTOM", "DISEASE_DISORDER"}),
            frozenset({"disease", "sign_symptom"}),
        ),
        "medication": (frozenset({"MEDICATION"}), frozenset({"chemical"})),
        "therapeutic_procedure": (frozenset({"THERAPEUTIC_PROCEDURE"}), frozenset({"procedure"})),
        "diagnostic_procedure": (frozenset({"DIAGNOSTIC_PROCEDURE"}), frozenset({"test"})),
        "anatomy": (frozenset({"BIOLOGICAL_STRUCTURE"}), frozenset({"anatomy"})),
        "outcome": (frozenset({"OUTCOME"}), frozenset({"outcome"})),
        "age": (frozenset({"AGE"}), frozenset({"age"})),
        "sex": (frozenset({"SEX"}), frozenset({"sex"})),
        "duration": (frozenset({"DURATION"}), frozenset({"duration"})),
    },
}

Span = tuple[int, int]


@dataclass
class Counts:
    gold: int = 0
    predicted: int = 0
    correct: int = 0  # predictions that match (precision's numerator)
    found: int = 0  # gold spans matched (recall's numerator)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.predicted += other.predicted
        self.correct += other.correct
        self.found += other.found


@dataclass
class GroupScore:
    exact: Counts = field(default_factory=Counts)
    overlap: Counts = field(default_factory=Counts)


def score_spans(gold: Iterable[Span], predicted: Iterable[Span]) -> tuple[Counts, Counts]:
    """(exact, overlap) counts for one document and one group."""
    gold_set, pred_set = set(gold), set(predicted)
    exact = Counts(len(gold_set), len(pred_set), len(gold_set & pred_set), len(gold_set & pred_set))
    overlap = Counts(
        len(gold_set),
        len(pred_set),
        sum(any(_overlaps(p, g) for g in gold_set) for p in pred_set),
        sum(any(_overlaps(p, g) for p in pred_set) for g in gold_set),
    )
    return exact, overlap


def score_document(
    corpus: str,
    gold: Iterable[tuple[int, int, str]],
    predicted: Iterable[tuple[int, int, str]],
    into: dict[str, GroupScore],
) -> None:
    """Add one document's counts per group of ``corpus`` to ``into``: ``gold`` holds (start,
    end, corpus label), ``predicted`` (start, end, Casebook category)."""
    gold, predicted = list(gold), list(predicted)
    for group, (labels, categories) in GROUPS[corpus].items():
        exact, overlap = score_spans(
            [(s, e) for s, e, label in gold if label in labels],
            [(s, e) for s, e, category in predicted if category in categories],
        )
        score = into.setdefault(group, GroupScore())
        score.exact.add(exact)
        score.overlap.add(overlap)


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]
