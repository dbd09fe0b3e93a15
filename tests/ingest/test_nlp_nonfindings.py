"""Text that names no finding: structured-abstract labels, statistics, the study's method.

The texts here are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import pytest

from ingest.nlp.extract import TextDocument, extract
from ingest.nlp.nonfindings import names_nothing, regions
from ingest.nlp.pipeline import shared_nlp

ABSTRACT = (
    "Statin use and risk of pancreatic cancer. "
    "OBJECTIVE: To examine whether statin use is associated with pancreatic cancer. "
    "DESIGN: ORs and 95% CIs were calculated using conditional logistic regression. "
    "RESULTS: Statin use was associated with lower risk (OR 0.72; 95% CI 0.57 to 0.91). "
    "Mean ± SD age was 61 years. "
    "CONCLUSIONS: Statin use may lower the risk of pancreatic cancer. "
    "(ABSTRACT TRUNCATED AT 250 WORDS)"
)


def _covered(text: str) -> set[str]:
    return {text[s:e] for s, e in regions(text)}


def test_labels_statistics_and_the_truncation_mark_are_regions():
    found = _covered(ABSTRACT)
    assert {"OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"} <= found
    assert {"ORs", "95% CIs", "conditional logistic regression", "OR 0.72", "95% CI"} <= found
    assert "(ABSTRACT TRUNCATED AT 250 WORDS)" in found
    assert any("Mean ± SD" in part for part in found)


@pytest.mark.parametrize(
    "text",
    [
        "The lesion showed regression over 3 months.",  # a lesion's regression is an outcome
        "He was taken to the OR for debridement.",  # OR without a value is no statistic
        "HR 120 bpm, BP 90/60 mmHg.",  # a heart rate, not a hazard ratio
        "The results of the biopsy were normal.",  # "results" mid-sentence is no label
        "Findings included a mass in the liver.",  # no colon: prose, not a label
    ],
)
def test_clinical_text_is_not_a_region(text):
    assert regions(text) == []


def test_a_span_of_symbols_or_method_words_names_nothing():
    assert names_nothing("±")
    assert names_nothing("the present study")
    assert names_nothing("mean +")
    assert not names_nothing("heart rate")
    assert not names_nothing("regression")  # alone it may be a lesion's: decided by region


def test_an_abstracts_labels_and_statistics_are_no_findings():
    document = TextDocument("pmid:1", "", ABSTRACT, (("abstract", "", 0, len(ABSTRACT)),))
    extraction = extract(shared_nlp(), document, {})
    texts = {f.text for f in extraction.findings}
    assert not texts & {"OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS", "ORs", "CIs", "OR",
                        "CI", "SD", "±", "ABSTRACT"}  # fmt: skip
    assert not [f for f in extraction.findings if f.concept == "resolution"]  # "regression"
    assert {"pancreatic cancer", "Statin"} <= texts  # what the abstract is about stays


def test_a_lesions_regression_is_still_an_outcome():
    text = "A 40-year-old man had a nodule on the hand. The nodule showed regression at 3 months."
    document = TextDocument("seed:x", "", text, (("other", "", 0, len(text)),))
    extraction = extract(shared_nlp(), document, {})
    assert [f for f in extraction.findings if f.concept == "resolution"]
