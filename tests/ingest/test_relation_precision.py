"""Relation precision rules (``ingest.nlp.cues``, ``relations``, ``relations_across``,
``case_facts.restated``): what a clinician would not sign is not linked.

Every sentence below is SYNTHETIC, written for these tests. A relation is shown as (kind,
source concept, target concept, time), as in ``tests/ingest/test_nlp_relations.py``.
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from ingest.nlp.extract import TextDocument, extract
from ingest.nlp.mentions import Mention
from ingest.nlp.pipeline import build_nlp
from kb.vocab import shared_vocabulary
from tests.ingest.test_nlp_relations import read, relations, relations_in


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


# --- caused_by precision: hedges, general claims, treatments, one thing read twice -------------


@pytest.mark.parametrize(
    "text",
    [
        "Calciphylaxis was likely due to warfarin.",
        "Calciphylaxis was probably caused by warfarin.",
        "Warfarin can also cause calciphylaxis.",
    ],
)
def test_a_hedged_or_general_cause_relates_nothing(nlp: Language, text: str):
    assert not any(r[0] == "caused_by" for r in relations_in(nlp, text))


def _at(label: str, concept: str, sentence: str, word: str, category: str | None = None,
        ids: tuple[str, ...] = ()) -> Mention:  # fmt: skip
    start = sentence.index(word)
    return Mention(label, concept, word, start, start + len(word), (0, len(sentence)), sentence,
                   "discussion", "present", category=category, ids=ids)  # fmt: skip


def test_a_suffix_cue_must_touch_its_first_end():
    from ingest.nlp.cues import CueRule, linking_cue

    rule = CueRule("caused_by", "ETIOLOGY", "CONDITION", ("-related",))
    touching = "A tumor-related compression was seen."
    ms = [_at("ETIOLOGY", "tumor", touching, "tumor"),
          _at("CONDITION", "compression", touching, "compression")]  # fmt: skip
    assert linking_cue(ms, 0, 1, rule) == "-related"
    apart = "The tumor was not removed, but related compression was reduced."
    ms = [_at("ETIOLOGY", "tumor", apart, "tumor"),
          _at("CONDITION", "compression", apart, "compression")]  # fmt: skip
    assert linking_cue(ms, 0, 1, rule) is None


@pytest.mark.parametrize(
    ("sentence", "condition", "chemical", "cond_ids", "chem_ids"),
    [  # an abbreviation read as a drug, the aim of a therapy, a drug given for a purpose
        ("He had basal cell carcinoma (BCC) twice.", "basal cell carcinoma", "BCC",
         ("mesh:D002280",), ("mesh:D000001",)),
        ("Therapy for coronary syndrome was started (heparin).", "coronary syndrome", "heparin",
         ("mesh:D054058",), ("mesh:D006493",)),
        ("She became hypotensive and ephedrine was injected to maintain her pressure.",
         "hypotensive", "ephedrine", ("mesh:D007022",), ("mesh:D004809",)),
    ],
)  # fmt: skip
def test_the_cause_scorer_is_not_asked_about_a_treatment_or_a_name_read_twice(
    sentence: str, condition: str, chemical: str, cond_ids: tuple, chem_ids: tuple
):
    from ingest.nlp.relations import sentence_relations

    c = _at("CONDITION", "c", sentence, condition, "disease", cond_ids)
    e = _at("ETIOLOGY", "e", sentence, chemical, "chemical", chem_ids)
    ms = sorted([c, e], key=lambda m: m.start)
    assert sentence_relations(ms, cause=lambda *_: 0.99, threshold=0.5) == []
    plain = "Coronary syndrome appeared with heparin."  # the same scorer does link a plain pair
    c = _at("CONDITION", "c", plain, "Coronary syndrome", "disease", cond_ids)
    e = _at("ETIOLOGY", "e", plain, "heparin", "chemical", chem_ids)
    assert sentence_relations([c, e], cause=lambda *_: 0.99, threshold=0.5) != []


# --- a case's resolution told again: in a caption, or "as in our cases" -----------------------


def test_an_aside_between_listed_treatments_does_not_break_the_list(nlp: Language):
    text = (
        "The lesions resolved with conservative management, as in our reported cases, with "
        "wound care only."
    )
    found = relations_in(nlp, text)
    assert {("led_to", "conservative_management", "resolution", None),
            ("led_to", "wound_care", "resolution", None)} <= found  # fmt: skip


def test_a_case_has_one_resolution_however_often_it_is_told(nlp: Language):
    case = (
        "Case 1: A boy had calcinosis cutis of the leg. A repeat X-ray showed complete "
        "resolution of the calcification.\nFigure-2 Repeat X-ray after 3 months showing complete "
        "disappearance of the calcification\n"
    )
    discussion = "The lesions resolved with conservative management, as in our reported cases."
    text = case + discussion
    sections = (("case_presentation", "Case presentation", 0, len(case)),
                ("discussion", "Discussion", len(case), len(text)))  # fmt: skip
    vocab = shared_vocabulary()
    extraction = extract(
        nlp,
        TextDocument("test:1", "A report", text, sections),
        {},
        lambda c: [a.id for a in vocab.ancestors(c)] if c in vocab.concepts else [],
    )
    outcomes = [f for f in extraction.findings if f.kind == "outcome" and "case:" in f.subject]
    assert [(f.concept, f.value) for f in outcomes] == [("complete_resolution", "P3M")]
    assert ("led_to", "conservative_management", "complete_resolution", "P3M") in relations(
        extraction
    )
    (link,) = [r for r in extraction.relations if r.kind == "led_to"]
    by_id = {f.id: f for f in extraction.findings}
    assert "as in our reported cases" in by_id[link.evidence].evidence.sentence


# --- treated_with and led_to precision ------------------------------------------------------------


def test_a_treatment_in_another_clause_is_not_aimed_at_the_condition():
    from ingest.nlp.cues import CueRule, linking_cue

    rule = CueRule("treated_with", "TREATMENT", "CONDITION", ("to", "treat"))
    text = "Insulin was started, while cefazolin was given to treat cellulitis."
    ms = [_at("TREATMENT", "insulin", text, "Insulin"),
          _at("TREATMENT", "cefazolin", text, "cefazolin"),
          _at("CONDITION", "cellulitis", text, "cellulitis")]  # fmt: skip
    assert linking_cue(ms, 0, 2, rule) is None
    assert linking_cue(ms, 1, 2, rule) == "to treat"


def test_for_a_span_of_time_is_not_the_aim():
    from ingest.nlp.cues import CueRule, linking_cue

    rule = CueRule("treated_with", "TREATMENT", "CONDITION", ("for",))
    text = "Antibiotics for 3 days, pain relief later."
    ms = [_at("TREATMENT", "antibiotics", text, "Antibiotics"),
          _at("DURATION", "duration", text, "3 days"),
          _at("CONDITION", "pain", text, "pain")]  # fmt: skip
    assert linking_cue(ms, 0, 2, rule) is None
    aimed = "Antibiotics for pain."
    ms = [_at("TREATMENT", "antibiotics", aimed, "Antibiotics"),
          _at("CONDITION", "pain", aimed, "pain")]  # fmt: skip
    assert linking_cue(ms, 0, 1, rule) == "for"


def test_a_time_alone_does_not_link_a_treatment_to_a_worse_state(nlp: Language):
    text = (
        "Case 1: A boy had calcinosis cutis. He was managed with a dressing. "
        "Over the following weeks the lesion recurred."
    )
    sections = (("case_presentation", "Case presentation", 0, len(text)),)
    assert not any(r[0] == "led_to" for r in relations(read(nlp, text, "A report", sections)))


def test_a_drugs_own_treatment_noun_is_no_aim():
    from ingest.nlp.relations import sentence_relations

    own = "Doxorubicin treatment was followed by proteinuria."
    ms = [_at("TREATMENT", "e", own, "Doxorubicin", "chemical", ("mesh:D004317",)),
          _at("CONDITION", "c", own, "proteinuria", "disease", ("mesh:D011507",))]  # fmt: skip
    assert [r[0] for r in sentence_relations(ms, lambda *_: 0.99, 0.5)] == ["caused_by"]
    aim = "Doxorubicin was given as a treatment of proteinuria."
    ms = [_at("TREATMENT", "e", aim, "Doxorubicin", "chemical", ("mesh:D004317",)),
          _at("CONDITION", "c", aim, "proteinuria", "disease", ("mesh:D011507",))]  # fmt: skip
    assert sentence_relations(ms, lambda *_: 0.99, 0.5) == []


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("The lesion resolved after surgical excision.", True),
        ("Surgical excision led to ulceration.", True),  # an explicit result, even a bad one
        ("The ulceration recurred after surgical excision.", False),
    ],
)
def test_a_time_cue_links_only_a_better_state(nlp: Language, text: str, linked: bool):
    assert any(r[0] == "led_to" for r in relations_in(nlp, text)) is linked


def test_a_new_clause_ends_the_list_of_aims():
    from ingest.nlp.cues import CueRule, linking_cue

    rule = CueRule("treated_with", "TREATMENT", "CONDITION", ("to", "relieve"))
    text = "Despite furosemide to relieve the edema, the patient continued to worsen."
    ms = [_at("TREATMENT", "furosemide", text, "furosemide"),
          _at("CONDITION", "edema", text, "edema"),
          _at("CONDITION", "worsening", text, "worsen")]  # fmt: skip
    assert linking_cue(ms, 0, 1, rule) == "to relieve"
    assert linking_cue(ms, 0, 2, rule) is None
    listed = "Despite furosemide to relieve the edema and dyspnea, he worsened."
    ms = [_at("TREATMENT", "furosemide", listed, "furosemide"),
          _at("CONDITION", "edema", listed, "edema"),
          _at("CONDITION", "dyspnea", listed, "dyspnea")]  # fmt: skip
    assert linking_cue(ms, 0, 2, rule) == "to relieve"
