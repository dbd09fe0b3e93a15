"""General claims in a report's own text are the article's, never a case's (issue 14, part 3).

The texts here are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import pytest

from ingest.nlp.extract import TextDocument, extract
from ingest.nlp.general import is_general
from ingest.nlp.pipeline import shared_nlp


@pytest.mark.parametrize(
    "sentence",
    [
        "Calcium gluconate extravasation can cause calcinosis cutis in neonates.",
        "Treatment options include observation and surgical excision.",
        "Iatrogenic calcinosis cutis is a rare complication of intravenous calcium.",
        "The lesions usually resolve within a few months.",
        "Calcinosis cutis is characterized by calcium deposits in the skin.",
        "Sodium thiosulfate has been used with success.",
    ],
)
def test_general_knowledge_is_general(sentence):
    assert is_general(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "A 3-week-old boy developed calcinosis cutis after calcium gluconate.",
        "Our patient can walk without pain.",  # names the patient
        "She was treated with wound care and the lesion resolved.",
        "The lesions resolved at 3 weeks.",
        "Calcium gluconate extravasation may have caused the lesion in this case.",
    ],
)
def test_what_happened_to_the_patients_is_not(sentence):
    assert not is_general(sentence)


def test_a_plain_text_case_reports_general_sentences_go_to_the_article_marked_general():
    text = (
        "Three neonates aged 2, 4 and 4 weeks developed firm nodules on the dorsum of the hand "
        "after intravenous calcium gluconate. The lesions resolved at 3 weeks, 4 weeks and 6 "
        "months, respectively. Calcium gluconate extravasation can cause calcinosis cutis in "
        "neonates. Treatment options include observation and surgical excision."
    )
    document = TextDocument("seed:general", "", text, (("other", "", 0, len(text)),))
    extraction = extract(shared_nlp(), document, {})
    assert len(extraction.cases) == 3
    general = [f for f in extraction.findings if f.general]
    assert {f.label for f in general} >= {"surgical excision", "calcinosis cutis"}
    assert all(f.subject == "article:seed:general" for f in general)
    told = [f for f in extraction.findings if "options include" in f.evidence.sentence]
    assert told and all(f.general and not f.subject.startswith("case:") for f in told)
    # the patients' own facts stay theirs
    own = [f for f in extraction.findings if f.subject.startswith("case:")]
    assert {f.label for f in own} >= {"nodule", "resolution"}


def test_a_single_patient_reports_title_names_its_patients_condition():
    title = "Warfarin-associated calciphylaxis treated with intravenous sodium thiosulfate."
    body = (
        "Calciphylaxis is a rare disorder that can also occur in patients with normal renal "
        "function. A 71-year-old woman on warfarin developed painful ulcers on both thighs."
    )
    text = f"{title}\n\n{body}"
    sections = (
        ("title", "Title", 0, len(title)),
        ("abstract", "Abstract", len(title) + 2, len(text)),
    )
    document = TextDocument("pmid:1", title, text, sections, case_report=True)
    extraction = extract(shared_nlp(), document, {})
    (case,) = extraction.cases
    named = [
        f for f in extraction.findings if f.evidence.sentence == title and f.kind == "condition"
    ]
    assert named and all(f.subject == case.id for f in named)
    general = [f for f in extraction.findings if "rare disorder" in f.evidence.sentence]
    assert general and all(f.general and f.subject == "article:pmid:1" for f in general)
