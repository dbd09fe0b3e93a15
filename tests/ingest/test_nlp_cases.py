"""Splitting a case report into patient cases (``ingest.nlp.cases.split_cases``).

Every text below is SYNTHETIC, written for these tests: one tiny report per behaviour.
"""

from __future__ import annotations

import pytest

from ingest.nlp.cases import CaseSpan, describes_one_patient, split_cases

Sections = list[tuple[str, str, int, int]]


def whole(text: str, kind: str = "case_presentation", title: str = "Case presentation"):
    return [(kind, title, 0, len(text))]


def section(text: str, body: str, kind: str, title: str) -> tuple[str, str, int, int]:
    start = text.index(body)
    return (kind, title, start, start + len(body))


def cases(text: str, sections: Sections) -> list[tuple[int, str, list[str]]]:
    return [
        (c.number, c.title, [text[s:e] for s, e in c.spans]) for c in split_cases(text, sections)
    ]


# --- one section per case -------------------------------------------------------------------------


def test_case_sections():
    one = "A boy had a swelling on the left leg."
    two = "Another patient had a plaque."
    text = f"Case 01:\n\n{one}\n\nCase 02:\n\n{two}"
    sections = [
        section(text, one, "case_presentation", "Case 01"),
        section(text, two, "case_presentation", "Case 02"),
    ]
    assert cases(text, sections) == [(1, "Case 01", [one]), (2, "Case 02", [two])]


def test_a_case_section_titled_by_its_ordinal():
    body = "A girl had a plaque."
    text = f"Second case\n\n{body}"
    assert cases(text, [section(text, body, "case_presentation", "Second case")]) == [
        (2, "Second case", [body])
    ]


# --- markers inside a section ---------------------------------------------------------------------


def test_case_n_paragraphs():
    text = "Case 1. A boy had a swelling.\n\nCase 2. A girl had a plaque.\n\nWe discuss both."
    assert cases(text, whole(text)) == [
        (1, "Case 1", ["Case 1. A boy had a swelling."]),
        (2, "Case 2", ["Case 2. A girl had a plaque."]),
    ]


def test_case_0n_colon_paragraphs():
    text = "Case 01: A boy had a swelling.\nIt was red.\nCase 02: A girl had a plaque."
    assert cases(text, whole(text)) == [
        (1, "Case 01", ["Case 01: A boy had a swelling.\nIt was red."]),
        (2, "Case 02", ["Case 02: A girl had a plaque."]),
    ]


def test_bold_markers():
    text = "We report two cases.\n**Case 1.** A boy.\n\n**Case 2.** A girl."
    assert [(n, t) for n, t, _ in cases(text, whole(text))] == [(1, "Case 1"), (2, "Case 2")]
    assert [s for _, _, spans in cases(text, whole(text)) for s in spans] == [
        "Case 1.** A boy.",
        "Case 2.** A girl.",
    ]


def test_first_and_second_case_in_one_paragraph():
    text = "First case was a boy with a swelling. Second case was a girl with a plaque."
    assert cases(text, whole(text, "abstract", "Abstract")) == [
        (1, "First case", ["First case was a boy with a swelling."]),
        (2, "Second case", ["Second case was a girl with a plaque."]),
    ]


def test_another_patient_is_the_next_case():
    first = "A boy had a swelling."
    second = "Another patient had a plaque."
    text = f"{first}\n\n{second}"
    sections = [
        section(text, first, "case_presentation", "Case 1"),
        section(text, second, "case_presentation", "Case presentation"),
    ]
    assert cases(text, sections) == [(1, "Case 1", [first]), (2, "Another patient", [second])]


def test_the_second_patient():
    text = "The first patient was a boy. The second patient was a girl."
    assert [(n, t) for n, t, _ in cases(text, whole(text))] == [
        (1, "The first patient"),
        (2, "The second patient"),
    ]


def test_a_marker_mid_sentence_is_not_a_case():
    text = "We compare our case 1 with the literature, and case 2 too."
    assert cases(text, whole(text)) == []


def test_markers_outside_case_sections_are_ignored():
    text = "Case 1. A boy had a swelling."
    assert cases(text, whole(text, "discussion", "Discussion")) == []
    assert cases(text, whole(text, "references", "References")) == []


def test_the_same_case_in_the_abstract_and_the_case_section():
    abstract = "First case was a boy with a swelling."
    body = "A boy was admitted with a swelling."
    text = f"{abstract}\n\n{body}"
    sections = [
        section(text, abstract, "abstract", "Abstract"),
        section(text, body, "case_presentation", "Case 01"),
    ]
    (case,) = split_cases(text, sections)
    assert (case.number, case.title) == (1, "First case")
    assert [text[s:e] for s, e in case.spans] == [abstract, body]


# --- figure captions ------------------------------------------------------------------------------


def test_a_caption_joins_the_case_that_cites_its_figure():
    body = "A boy had a swelling (Figure-5)."
    caption = "Figure-5 Repeat X-ray after 3.5 months shows resolution"
    discussion = f"Discussion text.\n\n{caption}\n\nMore discussion."
    text = f"{body}\n\n{discussion}"
    sections = [
        section(text, body, "case_presentation", "Case 02"),
        section(text, discussion, "discussion", "Discussion"),
    ]
    (case,) = split_cases(text, sections)
    assert case.number == 2
    assert [text[s:e] for s, e in case.spans] == [body, caption]


def test_a_caption_without_a_citing_case_joins_no_case():
    body = "A boy had a swelling (Figure-1)."
    caption = "Figure-2 shows a plaque"
    text = f"{body}\n\n{caption}"
    sections = [
        section(text, body, "case_presentation", "Case 1"),
        section(text, caption, "discussion", "Discussion"),
    ]
    (case,) = split_cases(text, sections)
    assert [text[s:e] for s, e in case.spans] == [body]


def test_figure_numbers_are_compared_without_leading_zeros():
    body = "A boy had a swelling (Fig. 03)."
    caption = "Fig. 3 X-ray of the leg"
    text = f"{body}\n\n{caption}"
    sections = [
        section(text, body, "case_presentation", "Case 1"),
        section(text, caption, "discussion", "Discussion"),
    ]
    (case,) = split_cases(text, sections)
    assert [text[s:e] for s, e in case.spans] == [body, caption]


def test_a_caption_already_inside_its_case_is_not_added_twice():
    text = "A boy had a swelling (Figure-1).\nFigure-1 shows the swelling"
    (case,) = split_cases(text, [("case_presentation", "Case 1", 0, len(text))])
    assert case.spans == [(0, len(text))]


def test_case_span_contains():
    case = CaseSpan(1, "Case 1", [(0, 10), (20, 30)])
    assert case.contains(0, 10) and case.contains(22, 25)
    assert not case.contains(5, 21)
    assert not case.contains(10, 20)


@pytest.mark.parametrize(
    "text",
    [
        "A 75–year–old female presented with palpitations.",
        "A 27 years old, male, right handed, was admitted.",
        "A 33 - year old woman presented with dyspnea.",
        "A 29-year-old primipara presented with pain.",
        "A woman in her 60s was found to have a mass.",
        "Our patient is a female child born at 34 weeks.",
    ],
)
def test_one_patient_however_the_age_is_written(text: str):
    assert describes_one_patient(text)


def test_patients_of_two_ages_are_not_one_patient():
    assert not describes_one_patient("A 75–year–old woman and a 40-year-old man were admitted.")
