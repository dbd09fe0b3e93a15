"""Several patients introduced in one sentence become several cases (issue 14, part 3).

The texts here are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import pytest

from ingest.nlp.extract import TextDocument, extract
from ingest.nlp.pipeline import shared_nlp
from ingest.nlp.series import find_series, iso_list, per_patient_values
from ingest.sentences import split_sentences

THREE = (
    "We describe three neonates aged 2, 4 and 4 weeks who developed calcinosis cutis after "
    "extravasation of intravenous calcium gluconate. The lesions were on the left foot, the "
    "right hand and the scalp, respectively. All were managed conservatively with wound care. "
    "The lesions resolved at 3 weeks, 4 weeks and 6 months, respectively."
)


def series_of(text: str, case_report: bool = False):
    return find_series(text, split_sentences(text), case_report)


@pytest.mark.parametrize(
    ("words", "iso"),
    [
        ("2, 4 and 4 weeks", ["P2W", "P4W", "P4W"]),
        ("3 weeks, 4 weeks and 6 months", ["P3W", "P4W", "P6M"]),
        ("1.5 and 2 years", ["P1.5Y", "P2Y"]),
        ("10 days, 2 months, and 1 year", ["P10D", "P2M", "P1Y"]),
        ("2, 4 and 4", None),
    ],
)
def test_a_unit_holds_for_the_bare_numbers_before_it(words, iso):
    assert iso_list(words) == iso


def test_the_introducing_sentence_gives_the_count_and_each_age_in_order():
    series = series_of(THREE)
    assert series is not None
    assert (series.count, series.ages, series.sexes) == (3, ("P2W", "P4W", "P4W"), None)
    assert THREE[slice(*series.ages_at)] == "2, 4 and 4 weeks"


def test_the_noun_gives_the_sex_and_an_age_list_of_the_wrong_length_gives_no_ages():
    series = series_of("We report two boys aged 3 and 5 and 7 years with the same rash.")
    assert series is not None
    assert (series.count, series.ages, series.sexes) == (2, None, ("male", "male"))


@pytest.mark.parametrize(
    "text",
    [
        "Two cases of calcinosis cutis have been reported in neonates.",
        "In the literature, three patients had a similar course.",
        "Two patients developed hepatitis during the trial.",  # no report, not a case report
        "We treated 120 patients with the new regimen.",  # a study, not a series of cases
    ],
)
def test_patients_someone_else_reported_or_a_study_cohort_are_no_series(text):
    assert series_of(text) is None


def test_in_a_case_report_a_sentence_that_opens_on_the_patients_introduces_them():
    text = "Two infants developed firm nodules after an infusion."
    assert series_of(text) is None
    assert series_of(text, case_report=True).count == 2


def test_one_time_per_patient_is_read_only_when_the_count_matches():
    assert per_patient_values("resolved at 3 weeks, 4 weeks and 6 months", 3) == [
        "P3W",
        "P4W",
        "P6M",
    ]
    assert per_patient_values("resolved at 3 weeks and 4 weeks", 3) is None


@pytest.fixture(scope="module")
def three():
    document = TextDocument("seed:series", "", THREE, (("other", "", 0, len(THREE)),))
    return extract(shared_nlp(), document, {})


def test_each_patient_is_a_case_with_their_own_age_site_and_time(three):
    cases = {c.number: c for c in three.cases}
    assert sorted(cases) == [1, 2, 3]
    assert [cases[n].age for n in (1, 2, 3)] == ["P2W", "P4W", "P4W"]
    assert [cases[n].age_days for n in (1, 2, 3)] == [14.0, 28.0, 28.0]
    # a side belongs to its own site: "the right hand and the scalp" leaves the scalp unsided
    assert [cases[n].sites for n in (1, 2, 3)] == [["foot:left"], ["hand:right"], ["scalp"]]
    times = {
        f.subject: f.value
        for f in three.findings
        if f.kind == "outcome" and f.assertion == "present"
    }
    assert times == {
        "case:seed:series#1": "P3W",
        "case:seed:series#2": "P4W",
        "case:seed:series#3": "P6M",
    }


def test_what_the_text_says_of_all_holds_for_each_and_the_age_list_is_no_duration(three):
    care = [f.subject for f in three.findings if f.concept == "wound_care"]
    assert sorted(care) == [f"case:seed:series#{n}" for n in (1, 2, 3)]
    ages_text = {f.text for f in three.findings if f.kind == "duration"}
    assert ages_text == {"3 weeks", "4 weeks", "6 months"}  # the resolution times, not the ages
    durations = [f for f in three.findings if f.kind == "duration"]
    assert len({f.subject for f in durations}) == 3 and len(durations) == 3


def test_relations_stay_within_each_patient(three):
    by_id = {f.id: f for f in three.findings}
    assert three.relations
    for relation in three.relations:
        assert by_id[relation.source].subject == by_id[relation.target].subject


def test_patients_introduced_one_by_one_in_a_sentence_are_each_a_case():
    text = (
        "A 2-week-old boy and a 4-week-old girl were admitted with firm nodules on the legs. "
        "Both were treated with warm compresses."
    )
    series = series_of(text)
    assert series is not None
    assert (series.count, series.ages, series.sexes) == (2, ("P2W", "P4W"), ("male", "female"))
    document = TextDocument("seed:pair", "", text, (("other", "", 0, len(text)),))
    extraction = extract(shared_nlp(), document, {})
    cases = sorted(extraction.cases, key=lambda c: c.number)
    assert [(c.age, c.sex) for c in cases] == [("P2W", "male"), ("P4W", "female")]
    ages = {f.subject: f.value for f in extraction.findings if f.text.endswith("-old")}
    assert ages == {"case:seed:pair#1": "P2W", "case:seed:pair#2": "P4W"}
    sexes = {f.subject: f.value for f in extraction.findings if f.text in {"boy", "girl"}}
    assert sexes == {"case:seed:pair#1": "male", "case:seed:pair#2": "female"}


def test_one_patient_named_twice_is_one_patient():
    text = "A 34-year-old man had chest pain; the 34-year-old man was given aspirin."
    assert series_of(text) is None


def test_a_discussion_sentence_about_our_cases_holds_for_each_case_and_unlike_does_not():
    # SYNTHETIC text: two marked cases, then a discussion that compares them with another report
    cases = (
        "Case 1: A 3-week-old boy developed a firm nodule on the left leg after an infusion. "
        "Case 2: A 5-week-old girl developed a firm nodule on the right foot after an infusion. "
    )
    discussion = (
        "The nodules resolved with conservative management, as in our reported cases. "
        "Unlike our patients, the infant reported elsewhere needed surgical excision."
    )
    text = cases + discussion
    sections = (
        ("case_presentation", "Case presentation", 0, len(cases)),
        ("discussion", "Discussion", len(cases), len(text)),
    )
    extraction = extract(shared_nlp(), TextDocument("seed:ours", "", text, sections), {})
    numbers = {c.id: c.number for c in extraction.cases}
    assert sorted(numbers.values()) == [1, 2]
    managed = {f.subject for f in extraction.findings if f.text == "conservative management"}
    assert managed == set(numbers)  # each case, not the article
    excised = {f.subject for f in extraction.findings if f.text == "surgical excision"}
    assert excised and not excised & set(numbers)
    by_id = {f.id: f for f in extraction.findings}
    resolved_by = {
        by_id[r.source].subject
        for r in extraction.relations
        if r.kind == "led_to" and by_id[r.source].text == "conservative management"
    }
    assert resolved_by == set(numbers)
