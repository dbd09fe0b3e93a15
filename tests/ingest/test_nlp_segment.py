"""Tokenizer and sentence boundaries of the pipeline (``ingest.nlp.segment``).

Every sentence below is SYNTHETIC, written for these tests: one tiny sentence per behaviour.
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from ingest.nlp.pipeline import build_nlp
from ingest.sentences import split_sentences


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


def sentences(nlp: Language, text: str) -> list[str]:
    return [sent.text for sent in nlp(text).sents]


def tokens(nlp: Language, text: str) -> list[str]:
    return [token.text for token in nlp.make_doc(text)]


# --- abbreviations with a full stop do not end a sentence ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The nodule is shown in Fig. 2 and was firm.",
        "Causes include drugs, e.g. warfarin, and trauma.",
        "The nodules, i.e. the deposits, were firm.",
        "As reported by Smith et al. the lesion regressed.",
        "The lesion was seen by J. Smith in the clinic.",
        "He was placed on inj. calcium gluconate for hypocalcemia.",
    ],
)
def test_an_abbreviation_does_not_split(nlp: Language, text: str):
    assert sentences(nlp, text) == [text]


def test_a_decimal_does_not_split(nlp: Language):
    text = "The lesion resolved after 3.5 months of follow-up."
    assert sentences(nlp, text) == [text]


def test_a_full_stop_before_a_capital_splits(nlp: Language):
    assert sentences(nlp, "The swelling was firm. The skin was red.") == [
        "The swelling was firm.",
        "The skin was red.",
    ]


def test_a_numbered_case_heading_is_its_own_sentence(nlp: Language):
    assert sentences(nlp, "We report two cases. Case 1. A boy had a swelling.") == [
        "We report two cases.",
        "Case 1.",
        "A boy had a swelling.",
    ]


# --- citation markers stay with the sentence they close -------------------------------------------


@pytest.mark.parametrize("marker", ["<sup>3</sup>", "<sup>7,8</sup>", "[3]", "[4-6]"])
def test_a_marker_after_the_full_stop_stays_with_its_sentence(nlp: Language, marker: str):
    first = f"The area was tender.{marker}"
    assert sentences(nlp, f"{first} It resolved.") == [first, "It resolved."]


def test_a_marker_glued_to_a_word_is_its_own_token(nlp: Language):
    assert tokens(nlp, "pain and tenderness<sup>3</sup>. Next") == [
        "pain", "and", "tenderness", "<sup>", "3", "</sup>", ".", "Next",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tender.<sup>3</sup> Next", ["tender", ".", "<sup>", "3", "</sup>", "Next"]),
        ("tender.<sup>7,8</sup> Next", ["tender", ".", "<sup>", "7,8", "</sup>", "Next"]),
        ("tender.[3] Next", ["tender", ".", "[", "3", "]", "Next"]),
    ],
)
def test_a_full_stop_before_a_marker_is_split_off_the_word(
    nlp: Language, text: str, expected: list[str]
):
    assert tokens(nlp, text) == expected


def test_a_word_before_a_marker_is_still_an_entity(nlp: Language):
    doc = nlp("The area was tender.<sup>3</sup> It resolved.")
    assert [(ent.text, ent.ent_id_) for ent in doc.ents] == [
        ("tender", "tenderness"),
        ("resolved", "resolution"),
    ]


# --- PDF text that lost its spaces ----------------------------------------------------------------


def test_a_bracket_glued_to_a_word_is_split(nlp: Language):
    assert tokens(nlp, "chronic kidney disease(CKD) was known") == [
        "chronic", "kidney", "disease", "(", "CKD", ")", "was", "known",
    ]  # fmt: skip


def test_intravenous_iv_is_split(nlp: Language):
    assert tokens(nlp, "intravenous(IV) calcium") == ["intravenous", "(", "IV", ")", "calcium"]


def test_a_bracket_after_a_space_is_unchanged(nlp: Language):
    assert tokens(nlp, "disease (CKD)") == ["disease", "(", "CKD", ")"]


# --- the component agrees with the pure splitter --------------------------------------------------


def test_sentence_starts_are_those_of_split_sentences(nlp: Language):
    text = (
        "Case 01: A baby boy was admitted on 1st day of life. X-ray showed calcification "
        "(Figure-2). Repeat X-ray after 04 months showed complete resolution.\n\n"
        "Figure-3 shows resolution"
    )
    doc = nlp(text)
    assert [s.start_char for s in doc.sents] == [start for start, _ in split_sentences(text)]
    assert [s.text.strip() for s in doc.sents] == [text[a:b] for a, b in split_sentences(text)]


def test_a_markdown_heading_s_marks_are_not_part_of_its_sentence():
    """A seed in Markdown: the title a finding quotes is "Calcinosis cutis …", not "# …"."""
    text = (
        "# Calcinosis cutis after extravasation\n\n## Case report\n\nA boy. He healed.\n\n# 3 cases"
    )
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Calcinosis cutis after extravasation",
        "Case report",
        "A boy.",
        "He healed.",
        "3 cases",
    ]
    plain = "#hashtag and # alone"  # marks without a space after, or inside: text
    assert [plain[s:e] for s, e in split_sentences(plain)] == [plain]
