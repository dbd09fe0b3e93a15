"""Relations between mentions (``ingest.nlp.relations``), read through the whole pipeline.

Every sentence below is SYNTHETIC, written for these tests: one tiny sentence per behaviour.
A relation is shown as (kind, source concept, target concept, time).
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from ingest.nlp.extract import TextDocument, extract
from ingest.nlp.mentions import Mention
from ingest.nlp.pipeline import build_nlp
from ingest.nlp.relations import find_relations
from kb.records import Evidence, Extraction, Finding

Rel = tuple[str, str, str, str | None]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


def read(
    nlp: Language,
    text: str,
    title: str = "",
    sections: tuple[tuple[str, str, int, int], ...] | None = None,
) -> Extraction:
    sections = sections or (("discussion", "Discussion", 0, len(text)),)
    return extract(nlp, TextDocument("test:1", title, text, sections), {})


def relations(extraction: Extraction) -> set[Rel]:
    by_id = {f.id: f for f in extraction.findings}
    return {
        (r.kind, by_id[r.source].concept, by_id[r.target].concept, r.time)
        for r in extraction.relations
    }


def relations_in(nlp: Language, text: str) -> set[Rel]:
    return relations(read(nlp, text))


# --- caused_by within a sentence ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "condition", "cause"),
    [
        ("Calcinosis cutis due to extravasation was seen.", "calcinosis_cutis", "extravasation"),
        ("Calciphylaxis secondary to hyperparathyroidism was found.", "calciphylaxis",
         "hyperparathyroidism"),
        ("Calciphylaxis induced by warfarin was reported.", "calciphylaxis", "warfarin"),
        ("Calciphylaxis caused by warfarin was reported.", "calciphylaxis", "warfarin"),
        ("Calcinosis cutis following extravasation was seen.", "calcinosis_cutis",
         "extravasation"),
        ("Calcinosis cutis after heel sticks is rare.", "calcinosis_cutis", "heel_sticks"),
        ("Calcinosis cutis as a result of extravasation was seen.", "calcinosis_cutis",
         "extravasation"),
        ("Calcinosis cutis as result of low molecular weight heparin was seen.",
         "calcinosis_cutis", "low_molecular_weight_heparin"),
    ],
)  # fmt: skip
def test_caused_by_with_the_cause_second(nlp: Language, text: str, condition: str, cause: str):
    assert relations_in(nlp, text) == {("caused_by", condition, cause, None)}


@pytest.mark.parametrize(
    ("text", "condition", "cause"),
    [
        ("Warfarin-induced calciphylaxis was reported.", "calciphylaxis", "warfarin"),
        ("Extravasation leading to calcinosis cutis was seen.", "calcinosis_cutis",
         "extravasation"),
        ("Extravasation caused calcinosis cutis.", "calcinosis_cutis", "extravasation"),
        ("Extravasation resulted in calcinosis cutis.", "calcinosis_cutis", "extravasation"),
        ("Warfarin-associated calciphylaxis was seen.", "calciphylaxis", "warfarin"),
        ("Warfarin-related calciphylaxis was seen.", "calciphylaxis", "warfarin"),
    ],
)  # fmt: skip
def test_caused_by_with_the_cause_first(nlp: Language, text: str, condition: str, cause: str):
    assert relations_in(nlp, text) == {("caused_by", condition, cause, None)}


def test_a_cue_in_the_wrong_direction_relates_nothing(nlp: Language):
    assert relations_in(nlp, "Calcinosis cutis leading to extravasation was seen.") == set()


def test_two_mentions_without_a_cue_are_not_related(nlp: Language):
    assert relations_in(nlp, "Calcinosis cutis and extravasation were seen.") == set()


def test_mentions_in_two_sentences_are_not_related(nlp: Language):
    assert relations_in(nlp, "Calcinosis cutis was seen. It was due to nothing; warfarin.") == set()


# --- treated_with and led_to ----------------------------------------------------------------------


def test_treated_with(nlp: Language):
    assert relations_in(nlp, "Calciphylaxis was treated with sodium thiosulfate.") == {
        ("treated_with", "calciphylaxis", "sodium_thiosulfate", None)
    }


def test_treatment_for_condition(nlp: Language):
    assert relations_in(nlp, "Sodium thiosulfate for calciphylaxis was effective.") == {
        ("treated_with", "calciphylaxis", "sodium_thiosulfate", None)
    }


def _treated(nlp: Language, text: str) -> set[tuple[str, str]]:
    e = read(nlp, text)
    by_id = {f.id: f for f in e.findings}
    return {(by_id[r.source].text, by_id[r.target].text) for r in e.relations
            if r.kind == "treated_with"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "pair"),
    [  # SYNTHETIC sentences: a dose beside the drug, the aim after it, the need before it
        (
            "Oral prednisolone, 30 mg daily, for myasthenia gravis was started.",
            ("myasthenia gravis", "prednisolone"),
        ),
        ("Her ascites was well controlled with spironolactone.", ("ascites", "spironolactone")),
        ("The hypoglycaemia was corrected with glucose.", ("hypoglycaemia", "glucose")),
        ("He had hypotension requiring dopamine.", ("hypotension", "dopamine")),
        ("She had seizures despite levetiracetam.", ("seizures", "levetiracetam")),
        ("Octreotide was given to control the bleeding.", ("bleeding", "Octreotide")),
        ("Paracetamol was given to relieve the pain.", ("pain", "Paracetamol")),
    ],
)
def test_treated_with_cues_of_case_reports(nlp: Language, text: str, pair: tuple[str, str]):
    assert pair in _treated(nlp, text)


def test_a_condition_secondary_to_another_is_caused_by_it(nlp: Language):
    e = read(nlp, "She had jaundice secondary to pancreatic carcinoma.")  # SYNTHETIC
    by_id = {f.id: f for f in e.findings}
    pairs = {(r.kind, by_id[r.source].text, by_id[r.target].text, r.cue) for r in e.relations}
    assert pairs == {("caused_by", "jaundice", "pancreatic carcinoma", "secondary to")}


def test_a_parenthesis_is_no_word_between_two_ends_unless_it_holds_one(nlp: Language):
    e = read(nlp, "Methylprednisolone (1 g daily for 3 days) was started with rapid resolution.")
    by_id = {f.id: f for f in e.findings}  # SYNTHETIC sentences
    assert {(r.kind, by_id[r.source].text) for r in e.relations} == {
        ("led_to", "Methylprednisolone")
    }
    e = read(nlp, "She had fatigue (due to leg weakness).")
    by_id = {f.id: f for f in e.findings}
    assert {(r.kind, by_id[r.source].text, by_id[r.target].text) for r in e.relations} == {
        ("caused_by", "fatigue", "leg weakness")
    }


def test_an_outcome_within_a_time_of_a_treatment(nlp: Language):
    e = read(nlp, "The rash resolved completely within 2 weeks of oral prednisolone.")  # SYNTHETIC
    by_id = {f.id: f for f in e.findings}
    assert ("led_to", "prednisolone", "resolved completely", "within") in {
        (r.kind, by_id[r.source].text, by_id[r.target].text, r.cue) for r in e.relations
    }


def test_an_outcome_in_the_absence_of_the_treatment_is_not_after_it(nlp: Language):
    given = "The patient was given prednisolone. Over the following days the rash resolved"
    kinds = {r.kind for r in read(nlp, given + ".").relations}  # SYNTHETIC
    assert "led_to" in kinds
    kinds = {r.kind for r in read(nlp, given + " in the absence of prednisolone.").relations}
    assert "led_to" not in kinds


def test_a_treatment_the_authors_considered_is_hypothetical(nlp: Language):
    e = read(nlp, "We also considered plasma exchange. The lesion resolved.")  # SYNTHETIC
    assert {f.text: f.assertion for f in e.findings}["plasma exchange"] == "hypothetical"
    assert not e.relations


def test_led_to_carries_the_time_to_the_outcome(nlp: Language):
    text = "The lesion resolved completely after 3 months of sodium thiosulfate."
    assert relations_in(nlp, text) == {
        ("led_to", "sodium_thiosulfate", "complete_resolution", "P3M")
    }


def test_led_to_without_a_time(nlp: Language):
    assert relations_in(nlp, "Wound care led to complete resolution.") == {
        ("led_to", "wound_care", "complete_resolution", None)
    }


# --- negated and hypothetical mentions never relate -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "There was no calcinosis cutis due to extravasation.",
        "There was no calciphylaxis, treated with sodium thiosulfate or otherwise.",
        "If calcinosis cutis develops after extravasation, it resolves.",
    ],
)
def test_a_negated_or_hypothetical_mention_is_not_related(nlp: Language, text: str):
    extraction = read(nlp, text)
    assert {f.assertion for f in extraction.findings if f.kind == "condition"} <= {
        "negated",
        "hypothetical",
    }
    assert extraction.relations == []


def test_a_general_claim_that_something_can_cause_is_hypothetical(nlp: Language):
    extraction = read(nlp, "Extravasation can cause calcinosis cutis.")
    assert [f.assertion for f in extraction.findings] == ["present", "hypothetical"]
    assert extraction.relations == []


@pytest.mark.parametrize(
    "text",
    [
        "Calcinosis cutis was not due to warfarin.",
        "Calciphylaxis was never caused by warfarin.",
        "Calciphylaxis was not induced by warfarin.",
    ],
)
def test_a_denied_cue_relates_nothing(nlp: Language, text: str):
    assert relations_in(nlp, text) == set()


def test_a_cue_after_a_denied_one_still_relates(nlp: Language):
    text = "Calciphylaxis was not due to warfarin but due to dialysis."
    assert relations_in(nlp, text) == {("caused_by", "calciphylaxis", "dialysis", None)}


# --- case-level caused_by: only for the article's topic conditions --------------------------------

CASE_TEXT = (
    "Case 1: A 70-year-old man on warfarin presented with calciphylaxis. "
    "He also had fever.\n\nThe discussion follows."
)
CASE_SECTIONS = (
    ("case_presentation", "Case presentation", 0, CASE_TEXT.index("\n\n")),
    ("discussion", "Discussion", CASE_TEXT.index("The discussion"), len(CASE_TEXT)),
)


def test_a_topic_condition_is_caused_by_the_case_etiologies(nlp: Language):
    extraction = read(nlp, CASE_TEXT, "Calciphylaxis in an elderly man", CASE_SECTIONS)
    assert [c.number for c in extraction.cases] == [1]
    assert relations(extraction) == {("caused_by", "calciphylaxis", "warfarin", None)}
    by_id = {f.id: f for f in extraction.findings}
    (relation,) = extraction.relations
    assert by_id[relation.source].subject == by_id[relation.target].subject == "case:test:1#1"


def test_a_topic_the_text_does_not_link_to_the_exposure_is_not_related(nlp: Language):
    # "He also had fever." says nothing of warfarin: sharing a case is no cause (the sentence
    # that names warfarin and calciphylaxis together still relates them)
    extraction = read(nlp, CASE_TEXT, "Fever in an elderly man", CASE_SECTIONS)
    assert relations(extraction) == {("caused_by", "calciphylaxis", "warfarin", None)}


def test_no_topic_no_case_level_relation(nlp: Language):
    text = "Case 1: A 70-year-old man had received warfarin.\n\nHe later had calciphylaxis."
    sections = (("case_presentation", "Case presentation", 0, len(text)),)
    assert relations(read(nlp, text, "A report", sections)) == set()
    assert relations(read(nlp, text, "Calciphylaxis", sections)) == set()  # no "developed"


def test_case_level_relations_stay_within_their_case(nlp: Language):
    text = "Case 1: A man on warfarin.\n\nCase 2: A woman with calciphylaxis.\n\nThe discussion."
    sections = (("case_presentation", "Case presentation", 0, text.index("The discussion") - 2),)
    extraction = read(nlp, text, "Calciphylaxis", sections)
    assert [c.number for c in extraction.cases] == [1, 2]
    assert relations(extraction) == set()


# --- the pure function ----------------------------------------------------------------------------


SENTENCE = "Calciphylaxis due to warfarin."


def _mention(label: str, concept: str, start: int, end: int, assertion: str = "present"):
    return Mention(
        label=label,
        concept=concept,
        text=SENTENCE[start:end],
        start=start,
        end=end,
        sentence=(0, len(SENTENCE)),
        sentence_text=SENTENCE,
        section="discussion",
        assertion=assertion,
    )


def _finding(m: Mention, fid: str) -> Finding:
    evidence = Evidence(
        document="test:1",
        method="text",
        extractor="test",
        version="0",
        section=m.section,
        sentence=m.sentence_text,
        start=0,
        end=len(SENTENCE),
        span_start=m.start,
        span_end=m.end,
        score=1.0,
    )
    return Finding(
        id=fid,
        kind="condition" if m.label == "CONDITION" else "etiology",
        concept=m.concept,
        label=m.concept,
        text=m.text,
        subject="article:test:1",
        assertion=m.assertion,  # type: ignore[arg-type]
        evidence=evidence,
    )


def test_find_relations_is_pure_over_mentions():
    mentions = [
        _mention("CONDITION", "calciphylaxis", 0, 13),
        _mention("ETIOLOGY", "warfarin", 21, 29),
    ]
    findings = {0: _finding(mentions[0], "f0"), 1: _finding(mentions[1], "f1")}
    (relation,) = find_relations(mentions, findings, [None, None])
    assert (relation.kind, relation.source, relation.target, relation.evidence) == (
        "caused_by",
        "f0",
        "f1",
        "f1",
    )


@pytest.mark.parametrize("assertion", ["negated", "possible", "hypothetical", "family"])
def test_find_relations_skips_unasserted_mentions(assertion: str):
    mentions = [
        _mention("CONDITION", "calciphylaxis", 0, 13, assertion),
        _mention("ETIOLOGY", "warfarin", 21, 29),
    ]
    findings = {0: _finding(mentions[0], "f0"), 1: _finding(mentions[1], "f1")}
    assert find_relations(mentions, findings, [None, None]) == []


def test_find_relations_keeps_historical_mentions():
    mentions = [
        _mention("CONDITION", "calciphylaxis", 0, 13, "historical"),
        _mention("ETIOLOGY", "warfarin", 21, 29),
    ]
    findings = {0: _finding(mentions[0], "f0"), 1: _finding(mentions[1], "f1")}
    assert [r.kind for r in find_relations(mentions, findings, [None, None])] == ["caused_by"]


# --- issue 14: only what the text links ------------------------------------------------------------


def test_a_treatment_is_aimed_at_the_condition_its_cue_names(nlp: Language):
    text = (
        "A neonate with calcinosis cutis had a patent ductus arteriosus for which ibuprofen "
        "was given."
    )
    found = relations_in(nlp, text)
    assert ("treated_with", "patent_ductus_arteriosus", "ibuprofen", None) in found
    assert not any(r[1] == "calcinosis_cutis" and r[0] == "treated_with" for r in found)


def test_ibuprofen_for_the_pda_is_about_the_pda():
    from ingest.nlp.cues import CueRule, linking_cue

    sentence = "Ibuprofen for the PDA."
    ms = [
        Mention("TREATMENT", "ibuprofen", "Ibuprofen", 0, 9, (0, 22), sentence, "x", "present"),
        Mention("CONDITION", "pda", "PDA", 18, 21, (0, 22), sentence, "x", "present"),
    ]
    assert linking_cue(ms, 0, 1, CueRule("treated_with", "TREATMENT", "CONDITION", ("for",)))


def test_a_reserved_treatment_led_to_nothing(nlp: Language):
    text = "Surgical excision is reserved for persistent ulceration."
    assert not any(r[0] == "led_to" for r in relations_in(nlp, text))


@pytest.mark.parametrize(
    "text",
    ["After surgical excision, the lesion healed.", "The lesion healed after surgical excision."],
)
def test_after_a_treatment_the_lesion_healed(nlp: Language, text: str):
    assert ("led_to", "surgical_excision", "healing", None) in relations_in(nlp, text)


def test_resolved_with_two_listed_treatments(nlp: Language):
    text = "The lesions resolved with conservative management and wound care."
    found = relations_in(nlp, text)
    assert {("led_to", "conservative_management", "resolution", None),
            ("led_to", "wound_care", "resolution", None)} <= found  # fmt: skip


def test_a_list_of_treatments_may_hold_a_schedule_and_one_word_more(nlp: Language):
    text = "The lesions resolved with wound care twice daily and intermittent sodium thiosulfate."
    found = {(k, a, b) for k, a, b, _ in relations_in(nlp, text)}
    assert {("led_to", "wound_care", "resolution"),
            ("led_to", "sodium_thiosulfate", "resolution")} <= found  # fmt: skip


def _led_to(nlp: Language, text: str) -> set[tuple[str, str]]:
    extraction = read(nlp, text)
    by_id = {f.id: f for f in extraction.findings}
    return {
        (by_id[r.source].text, by_id[r.target].text)
        for r in extraction.relations
        if r.kind == "led_to"
    }


def test_a_new_clause_past_a_listed_treatment_ends_the_list(nlp: Language):
    text = "The rash regressed after drug withdrawal and reappeared when acitretin was restarted."
    found = _led_to(nlp, text)
    assert ("drug withdrawal", "regressed") in found
    assert not [pair for pair in found if pair[0] == "acitretin"]  # restarted, not a cure


def test_an_outcome_in_a_relative_clause_is_not_the_earlier_treatments(nlp: Language):
    text = (
        "She developed jaundice after treatment with ticlopidine and showed signs of "
        "cholestatic hepatitis, which resolved after discontinuation of the drug."
    )
    found = _led_to(nlp, text)
    assert ("discontinuation of the drug", "resolved") in found
    assert not [pair for pair in found if pair[0] == "ticlopidine"]


def test_the_patients_own_disease_is_no_drug_induced_one(nlp: Language):
    text = "Anthracycline-induced cardiotoxicity in patients with acute leukemia is common."
    extraction = read(nlp, text)
    by_id = {f.id: f for f in extraction.findings}
    causes = {by_id[r.source].text for r in extraction.relations if r.kind == "caused_by"}
    assert causes == {"cardiotoxicity"}  # not the leukaemia the patients have


def test_a_follow_up_says_when_an_outcome_was_seen_not_what_brought_it(nlp: Language):
    seen = _led_to(nlp, "All lesions showed complete resolution on follow-up images.")
    assert not [pair for pair in seen if "follow" in pair[0]]
    assert _led_to(nlp, "The nodules resolved with observation alone.")  # care, not a time


def test_the_next_sentence_placing_the_outcome_after_the_treatment(nlp: Language):
    text = (
        "Case 1: A boy had calcinosis cutis. He was managed with a dressing. "
        "Over the following weeks the lesion resolved."
    )
    sections = (("case_presentation", "Case presentation", 0, len(text)),)
    extraction = read(nlp, text, "A report", sections)
    assert ("led_to", "dressing", "resolution", None) in relations(extraction)
    (link,) = [r for r in extraction.relations if r.kind == "led_to"]
    assert (link.cue, link.score) == ("Over the following weeks", 0.7)


def test_an_unrelated_sentence_between_breaks_the_link(nlp: Language):
    text = (
        "Case 1: A boy had calcinosis cutis. He was given antibiotics for sepsis. "
        "An X-ray of the leg was done. After 4 months the lesion resolved."
    )
    sections = (("case_presentation", "Case presentation", 0, len(text)),)
    assert not any(r[0] == "led_to" for r in relations(read(nlp, text, "A report", sections)))


def test_every_relation_carries_its_cue_and_score(nlp: Language):
    extraction = read(nlp, "Calciphylaxis was treated with sodium thiosulfate.")
    (relation,) = extraction.relations
    assert (relation.cue, relation.score) == ("treated with", 1.0)


# --- the cause scorer's filters (pure; SYNTHETIC sentences) -----------------------------------------


def _in_sentence(sentence: str, words: str, label: str, category: str) -> Mention:
    start = sentence.index(words)
    return Mention(label, f"text:{words}", words, start, start + len(words), (0, len(sentence)),
                   sentence, "abstract", "present", category=category, ids=("mesh:D000001",))  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "condition", "chemical", "denied"),
    [
        ("Hepatotoxicity developed in patients treated with isoniazid.", "Hepatotoxicity",
         "isoniazid", False),
        ("Nephrotoxicity followed two months of therapy with amphotericin.", "Nephrotoxicity",
         "amphotericin", True),  # no "after"/"during": an aim is not ruled out
        ("Nephrotoxicity after two months of therapy with amphotericin.", "Nephrotoxicity",
         "amphotericin", False),
        ("Rats given cisplatin for 4 weeks developed nephrotoxicity.", "nephrotoxicity",
         "cisplatin", False),
        ("Hypertension was treated with captopril.", "Hypertension", "captopril", True),
        ("Aspirin for headache was given.", "headache", "Aspirin", True),
    ],
)  # fmt: skip
def test_exposure_words_are_no_aim(sentence: str, condition: str, chemical: str, denied: bool):
    from ingest.nlp.relations import _denied_between

    c = _in_sentence(sentence, condition, "CONDITION", "disease")
    e = _in_sentence(sentence, chemical, "TREATMENT", "chemical")
    assert _denied_between(c, e) is denied


def test_a_disease_that_is_a_cause_is_asked_about_its_own_causes():
    from ingest.nlp.relations import _chemical_pairs

    sentence = "Cocaine-induced hypertension caused a stroke."
    ms = [
        _in_sentence(sentence, "Cocaine", "ETIOLOGY", "chemical"),
        _in_sentence(sentence, "hypertension", "ETIOLOGY", "disease"),
        _in_sentence(sentence, "stroke", "CONDITION", "disease"),
    ]
    assert set(_chemical_pairs(ms)) == {(1, 0), (2, 0)}  # never the chemical as the effect
