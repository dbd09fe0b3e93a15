"""The MACCROBAT brat reader on a made-up report (no corpus text)."""

from __future__ import annotations

import pytest

from ingest.nlp.train.brat import (
    by_sentence,
    read_document,
    read_maccrobat,
    resolve_overlaps,
    resolve_span,
)
from ingest.nlp.train.corpus import Annotation

TEXT = "A 40-year-old woman had no fever but H. pylori gastritis and left and right knee pain."
#       0         1         2         3         4         5         6         7         8
#       0123456789012345678901234567890123456789012345678901234567890123456789012345678901234


def _ann(*lines: str) -> str:
    return "\n".join(lines) + "\n"


ANN = _ann(
    "T1\tAge 2 13\t40-year-old",
    "T2\tSex 14 19\twoman",
    "T3\tSign_symptom 27 32\tfever",
    "E1\tSign_symptom:T3 ",
    "A1\tPOLARITY E1 NEG",
    "T4\tDisease_disorder 37 39;40 46\tH. pylori",
    "T5\tDisease_disorder 47 56\tgastritis",
    "E2\tDisease_disorder:T5 ",
    "T6\tBiological_structure 61 65;76 80\tleft knee",
    "T7\tSign_symptom 81 85\tpain",
    "E3\tSign_symptom:T7 ",
    "R1\tCAUSE Arg1:E2 Arg2:E3\t",
    "R2\tMODIFY Arg1:T6 Arg2:E3\t",
    "*\tOVERLAP E1 E2 E3",
    "#1\tAnnotatorNotes T4\ta note",
)


@pytest.fixture
def doc():
    return read_document("123", TEXT, ANN)


def test_all_types_are_kept_uppercased(doc):
    labels = [a.label for a in doc.annotations]
    assert labels == [
        "AGE",
        "SEX",
        "SIGN_SYMPTOM",
        "DISEASE_DISORDER",
        "DISEASE_DISORDER",
        "BIOLOGICAL_STRUCTURE",
        "SIGN_SYMPTOM",
    ]
    assert doc.corpus == "maccrobat"
    assert doc.id == "123"
    assert "LAB_VALUE" not in doc.labels
    assert {"AGE", "SIGN_SYMPTOM"} <= doc.labels


def test_spans_match_the_text(doc):
    surfaces = [TEXT[a.start : a.end] for a in doc.annotations]
    assert surfaces[:3] == ["40-year-old", "woman", "fever"]
    assert surfaces[-1] == "pain"


def test_discontinuous_span_over_a_space_becomes_the_hull(doc):
    assert TEXT[doc.annotations[3].start : doc.annotations[3].end] == "H. pylori"


def test_discontinuous_span_over_words_keeps_its_first_fragment(doc):
    assert TEXT[doc.annotations[5].start : doc.annotations[5].end] == "left"


def test_resolve_span_joins_over_hyphens_only():
    text = "mid - line and more"
    assert resolve_span(text, [(6, 10), (0, 3)]) == (0, 10)
    assert resolve_span(text, [(0, 3), (15, 19)]) == (0, 3)


def test_negation_reaches_the_entity_through_its_event(doc):
    assert [a.negated for a in doc.annotations] == [False, False, True] + [False] * 4


def test_relations_over_events_and_entities_become_indices(doc):
    assert doc.relations == (
        ("CAUSE", 4, 6),
        ("MODIFY", 5, 6),
        ("OVERLAP", 2, 4),
        ("OVERLAP", 4, 6),
    )


def test_a_relation_over_an_unknown_id_is_dropped():
    doc = read_document(
        "1", "cough", _ann("T1\tSign_symptom 0 5\tcough", "R1\tCAUSE Arg1:E9 Arg2:T1")
    )
    assert doc.relations == ()


def test_a_span_that_does_not_match_the_text_is_an_error():
    with pytest.raises(ValueError, match="not 'fever'"):
        read_document("1", "cough", _ann("T1\tSign_symptom 0 5\tfever"))


def test_read_maccrobat_pairs_files_and_pools_labels(tmp_path):
    (tmp_path / "2.txt").write_bytes(b"Pain.\r\nNo rash.")
    (tmp_path / "2.ann").write_text("T1\tSign_symptom 10 14\trash\n", encoding="utf-8")
    (tmp_path / "1.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "1.ann").write_text(ANN, encoding="utf-8")
    docs = read_maccrobat(tmp_path)
    assert [d.id for d in docs] == ["1", "2"]
    assert docs[1].text[10:14] == "rash"  # CRLF kept: offsets count both characters
    assert docs[0].labels == docs[1].labels
    assert "AGE" in docs[1].labels


def test_overlaps_are_resolved_by_label_priority_then_length():
    anns = (
        Annotation(0, 10, "BIOLOGICAL_STRUCTURE"),
        Annotation(5, 12, "SIGN_SYMPTOM"),
        Annotation(20, 25, "LAB_VALUE"),
        Annotation(30, 34, "MEDICATION"),
        Annotation(30, 40, "MEDICATION"),
    )
    assert resolve_overlaps(anns) == (anns[1], anns[4])


def test_by_sentence_shifts_offsets_and_keeps_the_report_id(doc):
    first, second = by_sentence(doc, [(0, 33), (33, len(TEXT))])
    assert first.id == second.id == "123"
    assert [(first.text[a.start : a.end], a.negated) for a in first.annotations] == [
        ("fever", True)
    ]
    assert [second.text[a.start : a.end] for a in second.annotations] == [
        "H. pylori",
        "gastritis",
        "left",
        "pain",
    ]
