"""Which recogniser leads: the case model in a case report's full text, never in an abstract.

Every text below is SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import spacy

from ingest.nlp.documents import looks_like_abstract, seed_document
from ingest.nlp.entities import CASE_REPORT
from ingest.nlp.extract import _prepare
from ingest.seed.document import read_seed

ABSTRACT = (
    "Cocaine-induced myocardial infarction. A 34-year-old man developed chest pain after "
    "cocaine use. He was treated with aspirin and recovered fully."
)
REPORT = "\n".join(
    [
        "A 34-year-old man presented with chest pain after cocaine use.",
        "He had no history of heart disease.",
        "An electrocardiogram showed ST elevation.",
        "Troponin was raised.",
        "He was treated with aspirin.",
        "He recovered fully and was discharged on day 5.",
    ]
)


def _leads(text: str) -> set[bool]:
    document = seed_document(read_seed(text, source="test"), text)
    prepared = _prepare(spacy.blank("en"), document)
    assert prepared.spans, "one patient: a case either way"
    return {doc.user_data[CASE_REPORT] for doc in prepared.docs}


def test_an_abstract_of_a_case_is_read_by_the_abstracts_model():
    assert looks_like_abstract(ABSTRACT)
    assert _leads(ABSTRACT) == {False}


def test_a_case_reports_full_text_is_read_by_the_case_model():
    assert not looks_like_abstract(REPORT)
    assert _leads(REPORT) == {True}


def test_a_long_single_paragraph_is_no_abstract():
    assert not looks_like_abstract(" ".join([ABSTRACT] * 40))
