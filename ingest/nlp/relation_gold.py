"""The hand-written relation gold for 30 MACCROBAT dev reports, and a scorer against it.

The gold (``data/gold/maccrobat_relations.json``, format ``casebook-relation-gold/1``, described in
``data/gold/README.md``) lists, per report, every ``treated_with``, ``led_to`` and ``caused_by``
relation the text asserts, each end as character offsets into the report's ``.txt``; and, as
hard negatives, ``not_relations`` the text hedges, refutes or denies. It holds offsets only, no
corpus text. Reports are chosen by ``ingest.nlp.train.split.relation_gold``.

Scoring (``score_relations``): a predicted relation ``(kind, (start, end), (start, end))`` is
*correct* when a gold relation of the same kind has a source overlapping its source and a target
overlapping its target; a gold relation is *found* when a prediction matches it. Precision is
correct / predicted and recall found / gold, per kind; identical predictions count once. A
prediction that matches no gold relation but overlaps a ``not_relations`` entry of its kind is a
false positive like any other, also counted in ``hard_negatives``.

Not for tuning rules: the team reports relation precision and recall per kind on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

RELATION_GOLD_FORMAT = "casebook-relation-gold/1"
KINDS = ("treated_with", "led_to", "caused_by")
CATEGORIES = ("disease", "sign_symptom", "chemical", "procedure", "test", "anatomy", "outcome")
NOT_REASONS = (
    "hedged",  # suspected, presumed, suggested
    "refuted",  # the text later rules it out
    "not_performed",  # planned, proposed, refused, explicitly not given
    "prophylaxis",  # preventive treatment for a condition not present
    "association_only",  # "associated with", not a cause
    "co_occurrence",  # in one sentence, but aimed at something else
    "concessive",  # "despite": the outcome is not the treatment's
    "no_effect",  # the treatment failed or changed nothing
    "other_cause",  # the text attributes the outcome to something else
    "progression",  # disease progression on treatment, not presented as its outcome
)

Span = tuple[int, int]
Prediction = tuple[str, Span, Span]  # (kind, source span, target span)


class RelationGoldError(ValueError):
    """A relation gold file that breaks the format; the message says where."""


@dataclass(frozen=True)
class End:
    """One end of a relation: a character span of the report and its Casebook category."""

    start: int
    end: int
    category: str

    @property
    def span(self) -> Span:
        return (self.start, self.end)


@dataclass(frozen=True)
class Relation:
    kind: str
    source: End
    target: End
    cue: Span | None  # the linking words; None when the link is structural
    sentence: Span  # the sentence(s) stating it, covering both ends
    same_sentence: bool


@dataclass(frozen=True)
class NotRelation:
    """A relation the text does not assert (a hard negative), with why."""

    kind: str
    source: End
    target: End
    sentence: Span
    same_sentence: bool
    reason: str  # one of NOT_REASONS
    note: str  # the annotator's own words, no corpus text


@dataclass(frozen=True)
class RelationDoc:
    pmid: str
    relations: tuple[Relation, ...]
    not_relations: tuple[NotRelation, ...]


@dataclass(frozen=True)
class RelationGold:
    made: Mapping[str, Any]
    documents: tuple[RelationDoc, ...]

    def document(self, pmid: str) -> RelationDoc:
        for doc in self.documents:
            if doc.pmid == pmid:
                return doc
        raise KeyError(pmid)

    def counts(self) -> dict[str, int]:
        """Gold relations per kind."""
        out = dict.fromkeys(KINDS, 0)
        for doc in self.documents:
            for rel in doc.relations:
                out[rel.kind] += 1
        return out


@dataclass
class Counts:
    """One kind's tallies: gold relations, predictions, correct predictions, gold found."""

    gold: int = 0
    predicted: int = 0
    correct: int = 0
    found: int = 0
    hard_negatives: int = 0  # false positives that overlap a not_relations entry

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    def __iadd__(self, other: Counts) -> Counts:
        self.gold += other.gold
        self.predicted += other.predicted
        self.correct += other.correct
        self.found += other.found
        self.hard_negatives += other.hard_negatives
        return self


def default_relation_gold_path() -> Path:
    return Path(str(resources.files("casebook_data") / "gold" / "maccrobat_relations.json"))


def load_relation_gold(path: Path | str | None = None) -> RelationGold:
    """Read and validate a relation gold file (default: the shipped one)."""
    path = Path(path) if path is not None else default_relation_gold_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise RelationGoldError(f"{path}: not JSON ({exc})") from None
    return parse_relation_gold(data, str(path))


def parse_relation_gold(data: Any, source: str = "<relation gold>") -> RelationGold:
    """Validate the decoded JSON of a relation gold file and build a ``RelationGold``."""

    def fail(where: str, problem: str) -> RelationGoldError:
        return RelationGoldError(f"{source}: {where}: {problem}")

    def obj(
        value: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise fail(where, "expected an object")
        missing = required - value.keys()
        if missing:
            raise fail(where, f"missing {sorted(missing)}")
        extra = value.keys() - required - optional
        if extra:  # strict, so that no stray text (a mention, a sentence) slips in
            raise fail(where, f"unknown keys {sorted(extra)}")
        return value

    def span(value: Any, where: str, keys: set[str] | None = None) -> Span:
        obj(value, where, keys or {"start", "end"})
        start, end = value["start"], value["end"]
        if not all(type(x) is int for x in (start, end)) or not 0 <= start < end:
            raise fail(where, f"bad offsets {start!r}, {end!r}")
        return (start, end)

    def end_of(value: Any, where: str) -> End:
        start, end = span(value, where, {"start", "end", "category"})
        if value["category"] not in CATEGORIES:
            raise fail(where, f"unknown category {value['category']!r}")
        return End(start, end, value["category"])

    def common(value: Any, where: str) -> tuple[str, End, End, Span, bool]:
        if value["kind"] not in KINDS:
            raise fail(where, f"unknown kind {value['kind']!r}")
        src = end_of(value["source"], f"{where}.source")
        tgt = end_of(value["target"], f"{where}.target")
        sentence = span(value["sentence"], f"{where}.sentence")
        for name, e in (("source", src), ("target", tgt)):
            if not (sentence[0] <= e.start and e.end <= sentence[1]):
                raise fail(where, f"{name} outside its sentence")
        if type(value["same_sentence"]) is not bool:
            raise fail(where, "same_sentence must be true or false")
        return value["kind"], src, tgt, sentence, value["same_sentence"]

    top = obj(data, "top level", {"format", "made", "documents"}, frozenset({"corpus"}))
    if top["format"] != RELATION_GOLD_FORMAT:
        raise fail("format", f"expected {RELATION_GOLD_FORMAT!r}, got {top['format']!r}")
    made = obj(top["made"], "made", {"by", "date", "split", "how"}, frozenset({"rules"}))
    if not isinstance(top["documents"], list):
        raise fail("documents", "expected a list")
    docs: list[RelationDoc] = []
    seen: set[str] = set()
    for i, d in enumerate(top["documents"]):
        where = f"documents[{i}]"
        obj(d, where, {"pmid", "relations", "not_relations"})
        pmid = d["pmid"]
        if not (isinstance(pmid, str) and pmid.isdigit()) or pmid in seen:
            raise fail(where, f"bad or repeated pmid {pmid!r}")
        seen.add(pmid)
        rels: list[Relation] = []
        for j, r in enumerate(d["relations"]):
            w = f"{where} ({pmid}).relations[{j}]"
            keys = {"kind", "source", "target", "cue", "sentence", "same_sentence"}
            obj(r, w, keys)
            kind, src, tgt, sentence, same = common(r, w)
            cue = None if r["cue"] is None else span(r["cue"], f"{w}.cue")
            if cue and not (sentence[0] <= cue[0] and cue[1] <= sentence[1]):
                raise fail(w, "cue outside its sentence")
            rel = Relation(kind, src, tgt, cue, sentence, same)
            if any(_same_pair(rel, other) for other in rels):
                raise fail(w, "overlaps another relation of its kind at both ends (a duplicate)")
            rels.append(rel)
        nots: list[NotRelation] = []
        for j, r in enumerate(d["not_relations"]):
            w = f"{where} ({pmid}).not_relations[{j}]"
            keys = {"kind", "source", "target", "sentence", "same_sentence", "reason", "note"}
            obj(r, w, keys)
            kind, src, tgt, sentence, same = common(r, w)
            if r["reason"] not in NOT_REASONS:
                raise fail(w, f"unknown reason {r['reason']!r}")
            neg = NotRelation(kind, src, tgt, sentence, same, r["reason"], str(r["note"]))
            if any(_same_pair(neg, rel) for rel in rels):
                raise fail(w, "overlaps a gold relation of its kind at both ends")
            nots.append(neg)
        docs.append(RelationDoc(pmid, tuple(rels), tuple(nots)))
    return RelationGold(made, tuple(docs))


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _same_pair(a: Relation | NotRelation, b: Relation | NotRelation) -> bool:
    return (
        a.kind == b.kind
        and _overlaps(a.source.span, b.source.span)
        and _overlaps(a.target.span, b.target.span)
    )


def _matches(kind: str, src: Span, tgt: Span, rel: Relation | NotRelation) -> bool:
    return kind == rel.kind and _overlaps(src, rel.source.span) and _overlaps(tgt, rel.target.span)


def score_relations(gold_doc: RelationDoc, predicted: Iterable[Prediction]) -> dict[str, Counts]:
    """Per kind, how the predicted relations of one report compare with its gold."""
    preds = sorted({(k, (s[0], s[1]), (t[0], t[1])) for k, s, t in predicted})
    out = {kind: Counts() for kind in KINDS}
    for rel in gold_doc.relations:
        out[rel.kind].gold += 1
        if any(_matches(k, s, t, rel) for k, s, t in preds):
            out[rel.kind].found += 1
    for kind, src, tgt in preds:
        if kind not in out:
            raise ValueError(f"unknown relation kind {kind!r}")
        counts = out[kind]
        counts.predicted += 1
        if any(_matches(kind, src, tgt, rel) for rel in gold_doc.relations):
            counts.correct += 1
        elif any(_matches(kind, src, tgt, neg) for neg in gold_doc.not_relations):
            counts.hard_negatives += 1
    return out


def score_corpus(
    gold: RelationGold, predicted: Mapping[str, Sequence[Prediction]]
) -> dict[str, Counts]:
    """``score_relations`` summed over every gold report (a report not predicted has none)."""
    total = {kind: Counts() for kind in KINDS}
    for doc in gold.documents:
        for kind, counts in score_relations(doc, predicted.get(doc.pmid, ())).items():
            total[kind] += counts
    return total
