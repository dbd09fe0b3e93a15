"""Text that names no finding: structured-abstract labels, statistics, the study's method.

The texts here are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import re

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
    pointers = _covered("The CT is shown in Supplementary Video 2 and Figure22; see Table 1.")
    assert {"Supplementary Video 2", "Figure22", "Table 1"} <= pointers
    assert _covered("Rats exposed to cocaine.") == {"exposed to"}  # no surgical exposure
    assert regions("Wide exposure of the aorta was obtained.") == []  # a procedure
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
    assert names_nothing("colleagues")  # a recogniser once read it as a body part
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


def test_a_heading_run_into_the_text_is_no_part_of_a_finding():
    text = (
        "Cocaine-induced myocardial infarction in a young man\n\n"
        "Abstract Background A 34-year-old man developed chest pain after cocaine use. "
        "Case presentation He was treated with aspirin and recovered fully."
    )
    document = TextDocument("seed:y", "", text, (("other", "", 0, len(text)),))
    extraction = extract(shared_nlp(), document, {})
    texts = {f.text for f in extraction.findings}
    assert not [t for t in texts if "Background" in t or "presentation" in t]
    assert {"chest pain", "aspirin", "34-year-old"} <= texts


def test_a_stage_or_type_stays_in_the_name_it_belongs_to():
    assert regions("Type II diabetes mellitus and stage IV NSCLC.") == [(0, 7), (30, 38)]
    text = "A 60-year-old man had type II diabetes mellitus."
    document = TextDocument("seed:z", "", text, (("other", "", 0, len(text)),))
    texts = {f.text for f in extract(shared_nlp(), document, {}).findings}
    assert "type II diabetes mellitus" in texts  # a region only blocks what lies inside it


FRONT_MATTER = (  # SYNTHETIC, shaped like a journal's case report converted to Markdown
    "**Case Report** Open Access\n\n"
    "# **Calcinosis Cutis After Intravenous Calcium**\n\n"
    "Amina Rauf, Bilal Ahmed Khan, Sara Malik, Omar Farooq\n\n"
    "**Amina Rauf** (Corresponding Author) Department of Diagnostic Radiology\n\n"
    "Received: 01-01-25 Accepted: 02-02-25\n\n"
    "# **DISCUSSION:**\n\n"
    "A 3-week-old boy admitted to the Department of Surgery developed calcinosis cutis.\n"
)


def test_front_matter_and_headings_are_not_prose():
    found = _covered(FRONT_MATTER)
    assert "Amina Rauf, Bilal Ahmed Khan, Sara Malik, Omar Farooq" in found  # a byline
    assert {"Open Access", "(Corresponding Author)", "# **DISCUSSION:**"} <= found
    assert {"Department of Diagnostic Radiology", "Department of Surgery"} <= found
    assert "Received: 01-01-25 Accepted: 02-02-25" in found
    document = TextDocument("seed:f", "", FRONT_MATTER, (("other", "", 0, len(FRONT_MATTER)),))
    texts = {f.text for f in extract(shared_nlp(), document, {}).findings}
    assert not [t for t in texts if "Rauf" in t or "Radiology" in t or "DISCUSSION" in t]
    assert "Surgery" not in texts  # a department, not an operation
    assert "calcinosis cutis" in {t.lower() for t in texts}


def test_a_bad_rule_row_fails_at_load_with_its_line(tmp_path, monkeypatch):
    import ingest.nlp.rule_table as rule_table

    (tmp_path / "nlp").mkdir()
    (tmp_path / "nlp" / "bad.tsv").write_text("kind\tpattern\twhy\nregion\t(unclosed\tx\n")
    (tmp_path / "nlp" / "odd.tsv").write_text("kind\tpattern\twhy\nother\tx\ty\n")
    monkeypatch.setattr(rule_table.resources, "files", lambda package: tmp_path)
    with pytest.raises(re.error):
        rule_table.read_rules("bad.tsv", ("region",))
    with pytest.raises(ValueError, match=r"odd\.tsv:2: kind 'other'"):
        rule_table.read_rules("odd.tsv", ("region",))
    assert rule_table.read_rules("bad.tsv", ("region",), literal={"region"}) == {
        "region": ["(unclosed"]
    }
