"""The merge of the curated vocabulary and the two learned models (pure, over token offsets)."""

from __future__ import annotations

import spacy

from ingest.nlp import segment  # noqa: F401  (registers the sentence component)
from ingest.nlp.merge import (
    Candidate,
    chemical_role,
    merge_models,
    merge_vocabulary,
    model_candidates,
)


def c(start, end, label="CONDITION", category="disease", concept="", source="abstracts"):
    return Candidate(start, end, label, category, concept, source)


def test_the_abstracts_model_keeps_its_boundaries_and_takes_a_sign_category():
    primary = [c(2, 4)]  # "chest pain" as a BC5CDR disease
    secondary = [c(3, 4, category="sign_symptom", source="cases"), c(6, 7, "TEST", "test")]
    merged = merge_models(primary, secondary)
    assert [(m.start, m.end, m.category) for m in merged] == [
        (2, 4, "sign_symptom"),
        (6, 7, "test"),
    ]


def test_models_of_different_roles_do_not_lend_categories():
    merged = merge_models([c(0, 1, "TREATMENT", "chemical")], [c(0, 2, "TREATMENT", "procedure")])
    assert [(m.start, m.end, m.category) for m in merged] == [(0, 1, "chemical")]


def test_a_curated_term_covering_a_model_span_wins():
    curated = [c(1, 4, "ETIOLOGY", None, "calcium_gluconate_iv", "vocabulary")]
    merged = merge_vocabulary([c(2, 4, "TREATMENT", "chemical")], curated)
    assert merged == curated


def test_a_model_span_holding_one_curated_term_keeps_its_boundaries_and_notes_the_term():
    curated = [c(2, 4, "CONDITION", None, "calcinosis_cutis", "vocabulary")]
    merged = merge_vocabulary([c(1, 5, "CONDITION", "disease")], curated)
    assert [(m.start, m.end, m.concept, m.within, m.category) for m in merged] == [
        (1, 5, "", "calcinosis_cutis", "disease")
    ]


def test_a_model_span_holding_two_curated_terms_gives_way_to_them():
    curated = [c(0, 1, concept="hypocalcemia"), c(2, 3, concept="hyperphosphatemia")]
    merged = merge_vocabulary([c(0, 3)], curated)
    assert [m.concept for m in merged] == ["hypocalcemia", "hyperphosphatemia"]


def test_spans_of_either_source_that_overlap_nothing_are_all_kept():
    merged = merge_vocabulary([c(0, 1), c(5, 6)], [c(2, 3, concept="edema")])
    assert [(m.start, m.concept) for m in merged] == [(0, ""), (2, "edema"), (5, "")]


def test_a_chemical_named_as_a_cause_is_an_etiology():
    nlp = spacy.blank("en")
    nlp.add_pipe("casebook_sentences")
    cases = {
        "Cocaine-induced myocardial infarction.": (0, 1),
        "Chest pain after cocaine use.": (3, 4),
        "Hepatitis induced by high doses of paracetamol.": (6, 7),
        "He was treated with aspirin.": (4, 5),
        "The use of aspirin for pain.": (3, 4),
    }
    roles = {text: chemical_role(nlp(text), *span) for text, span in cases.items()}
    assert roles == {
        "Cocaine-induced myocardial infarction.": "ETIOLOGY",
        "Chest pain after cocaine use.": "ETIOLOGY",
        "Hepatitis induced by high doses of paracetamol.": "ETIOLOGY",
        "He was treated with aspirin.": "TREATMENT",
        "The use of aspirin for pain.": "TREATMENT",
    }


def test_a_curated_term_of_the_same_words_takes_the_model_category():
    curated = [c(2, 3, "TEST", None, "c_reactive_protein", "vocabulary")]
    merged = merge_vocabulary([c(2, 3, "TREATMENT", "test", source="cases")], curated)
    assert [(m.concept, m.label, m.category) for m in merged] == [
        ("c_reactive_protein", "TEST", "test")
    ]


def _chemicals(text: str, words: list[str], case_report: bool) -> list[tuple[str, str, str]]:
    nlp = spacy.blank("en")
    doc = nlp(text)
    spans = []
    for word in words:
        at = text.index(word)
        spans.append(doc.char_span(at, at + len(word), label="CHEMICAL"))
    doc.spans["abstracts"] = spans
    found = model_candidates(doc, "abstracts", case_report=case_report)
    return [(doc[m.start : m.end].text, m.label, m.category or "") for m in found]


def test_a_measured_chemical_is_a_lab_test_in_a_case_report_only():
    text = "Creatinine was 2.1 mg/dL and potassium levels fell after furosemide 40 mg daily"
    words = ["Creatinine", "potassium", "furosemide"]
    assert _chemicals(text, words, case_report=True) == [
        ("Creatinine", "TEST", "test"),
        ("potassium", "TEST", "test"),
        ("furosemide", "TREATMENT", "chemical"),
    ]
    assert {cat for _, _, cat in _chemicals(text, words, case_report=False)} == {"chemical"}


def test_a_unit_is_no_chemical():
    assert _chemicals("Bilirubin 45 μmol / L", ["μmol"], case_report=True) == []
