"""The shipped MACCROBAT relation gold validates, and the relation scorer (on invented spans)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ingest.nlp.relation_gold import (
    CATEGORIES,
    KINDS,
    RELATION_GOLD_FORMAT,
    End,
    NotRelation,
    Relation,
    RelationDoc,
    RelationGold,
    RelationGoldError,
    default_relation_gold_path,
    load_relation_gold,
    parse_relation_gold,
    score_corpus,
    score_relations,
)
from ingest.nlp.train.split import RELATION_GOLD, relation_gold
from tests.conftest import SHARED, shared_file

MACCROBAT = SHARED / "corpora" / "maccrobat"


@pytest.fixture(scope="module")
def gold() -> RelationGold:
    return load_relation_gold()


def _texts() -> dict[str, str]:
    shared_file(MACCROBAT / "README.md")
    return {p.stem: p.read_text("utf-8") for p in sorted(MACCROBAT.glob("*.txt"))}


# --- the shipped file -------------------------------------------------------------------------


def test_shipped_gold_loads(gold: RelationGold) -> None:
    assert default_relation_gold_path().name == "maccrobat_relations.json"
    assert len(gold.documents) == RELATION_GOLD
    counts = gold.counts()
    assert set(counts) == set(KINDS) and all(counts[k] > 0 for k in KINDS)
    for key in ("by", "date", "split", "how"):
        assert gold.made[key]


def test_shipped_gold_is_the_split(gold: RelationGold) -> None:
    texts = _texts()
    assert [d.pmid for d in gold.documents] == relation_gold(texts)


def test_offsets_within_reports(gold: RelationGold) -> None:
    texts = _texts()
    for doc in gold.documents:
        size = len(texts[doc.pmid])
        for rel in (*doc.relations, *doc.not_relations):
            spans = [rel.source.span, rel.target.span, rel.sentence]
            if isinstance(rel, Relation) and rel.cue:
                spans.append(rel.cue)
            for start, end in spans:
                assert 0 <= start < end <= size, (doc.pmid, rel)
            for e in (rel.source, rel.target):  # an end is words, not whitespace at its edges
                mention = texts[doc.pmid][e.start : e.end]
                assert mention == mention.strip() and mention, (doc.pmid, e)


def test_kinds_categories_and_no_duplicates(gold: RelationGold) -> None:
    def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a[0] < b[1] and b[0] < a[1]

    for doc in gold.documents:
        rels = doc.relations
        for i, a in enumerate(rels):
            assert a.kind in KINDS
            assert {a.source.category, a.target.category} <= set(CATEGORIES)
            if a.cue:
                assert a.sentence[0] <= a.cue[0] < a.cue[1] <= a.sentence[1]
            for b in rels[i + 1 :]:
                dup = (
                    a.kind == b.kind
                    and overlap(a.source.span, b.source.span)
                    and overlap(a.target.span, b.target.span)
                )
                assert not dup, (doc.pmid, a, b)


def test_no_corpus_text_in_the_file(gold: RelationGold) -> None:
    """Notes are the annotator's words: no 25-character run of a report appears in them."""
    texts = _texts()
    raw = json.loads(default_relation_gold_path().read_text("utf-8"))
    for d in raw["documents"]:
        for r in d["relations"] + d["not_relations"]:
            assert not {"text", "mention", "sentence_text"} & r.keys()
            assert all(set(e) == {"start", "end", "category"} for e in (r["source"], r["target"]))
        for r in d["not_relations"]:
            note, text = r["note"], texts[d["pmid"]]
            assert not any(note[i : i + 25] in text for i in range(max(0, len(note) - 24)))


# --- the loader's checks ----------------------------------------------------------------------

END_A = {"start": 0, "end": 5, "category": "disease"}
END_B = {"start": 20, "end": 30, "category": "chemical"}
REL = {
    "kind": "treated_with",
    "source": END_A,
    "target": END_B,
    "cue": {"start": 10, "end": 18},
    "sentence": {"start": 0, "end": 40},
    "same_sentence": True,
}
MINIMAL: dict[str, Any] = {
    "format": RELATION_GOLD_FORMAT,
    "made": {"by": "a test", "date": "2026-12-02", "split": "none", "how": "invented"},
    "documents": [{"pmid": "1", "relations": [REL], "not_relations": []}],
}


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    change(data)
    return data


def test_minimal_file_parses(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(json.dumps(MINIMAL), "utf-8")
    g = load_relation_gold(path)
    assert g.document("1").relations[0].cue == (10, 18)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="casebook-relation-gold/0"), "format"),
        (lambda d: d["documents"][0]["relations"][0].update(kind="cures"), "unknown kind"),
        (lambda d: d["documents"][0]["relations"][0].update(text="x"), "unknown keys"),
        (lambda d: d["documents"][0]["relations"][0]["source"].update(category="x"), "category"),
        (lambda d: d["documents"][0]["relations"][0]["source"].update(end=0), "bad offsets"),
        (lambda d: d["documents"][0]["relations"][0].update(cue={"start": 35, "end": 45}), "cue"),
        (lambda d: d["documents"][0]["relations"].append(dict(REL, cue=None)), "duplicate"),
        (lambda d: d["documents"].append(copy.deepcopy(d["documents"][0])), "repeated pmid"),
        (
            lambda d: d["documents"][0]["not_relations"].append(
                {k: v for k, v in REL.items() if k != "cue"} | {"reason": "hedged", "note": "n"}
            ),
            "overlaps a gold relation",
        ),
    ],
)
def test_loader_rejects(change: Any, message: str) -> None:
    with pytest.raises(RelationGoldError, match=message):
        parse_relation_gold(_broken(change))


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text("{", "utf-8")
    with pytest.raises(RelationGoldError, match="not JSON"):
        load_relation_gold(path)


# --- the scorer, on invented spans ------------------------------------------------------------


def _rel(kind: str, src: tuple[int, int], tgt: tuple[int, int]) -> Relation:
    return Relation(
        kind, End(*src, "disease"), End(*tgt, "chemical"), None, (0, 200), same_sentence=True
    )


DOC = RelationDoc(
    "1",
    relations=(
        _rel("treated_with", (0, 10), (20, 30)),
        _rel("treated_with", (40, 50), (60, 70)),
        _rel("led_to", (60, 70), (80, 95)),
    ),
    not_relations=(
        NotRelation(
            "caused_by",
            End(0, 10, "disease"),
            End(100, 110, "chemical"),
            (0, 200),
            True,
            "hedged",
            "",
        ),
    ),
)


def test_scorer_counts_per_kind() -> None:
    predicted = [
        ("treated_with", (5, 12), (25, 28)),  # overlaps both ends of the first: correct
        ("treated_with", (5, 12), (25, 28)),  # the same prediction again: counted once
        ("treated_with", (40, 50), (0, 10)),  # right source, wrong target
        ("led_to", (20, 30), (80, 95)),  # source does not overlap
        ("caused_by", (2, 4), (104, 106)),  # the hedged not_relation
    ]
    scores = score_relations(DOC, predicted)
    tw, lt, cb = scores["treated_with"], scores["led_to"], scores["caused_by"]
    assert (tw.gold, tw.predicted, tw.correct, tw.found) == (2, 2, 1, 1)
    assert tw.precision == 0.5 and tw.recall == 0.5
    assert (lt.gold, lt.predicted, lt.correct, lt.found) == (1, 1, 0, 0)
    assert lt.precision == 0.0 and lt.recall == 0.0
    assert (cb.gold, cb.predicted, cb.correct, cb.hard_negatives) == (0, 1, 0, 1)
    assert cb.precision == 0.0 and cb.recall is None


def test_scorer_kind_must_match_and_empty() -> None:
    scores = score_relations(DOC, [("led_to", (0, 10), (20, 30))])  # a treated_with pair
    assert scores["led_to"].correct == 0 and scores["treated_with"].found == 0
    empty = score_relations(DOC, [])
    assert empty["treated_with"].precision is None and empty["treated_with"].recall == 0.0
    with pytest.raises(ValueError, match="unknown relation kind"):
        score_relations(DOC, [("cures", (0, 10), (20, 30))])


def test_score_corpus_sums_documents() -> None:
    gold = RelationGold({}, (DOC, RelationDoc("2", (_rel("caused_by", (0, 5), (9, 12)),), ())))
    total = score_corpus(gold, {"1": [("treated_with", (0, 10), (20, 30))]})
    assert total["treated_with"].found == 1 and total["treated_with"].gold == 2
    assert total["caused_by"].gold == 1 and total["caused_by"].found == 0
