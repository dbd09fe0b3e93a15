"""Entities (``ingest.nlp.entities``), their values (``kb.durations``) and abbreviations
(``ingest.nlp.abbreviations`` plus the shipped abbreviation table).

Every sentence below is SYNTHETIC, written for these tests: one tiny sentence per behaviour.
Each entity is checked with its label, its concept (``ent.ent_id_``) and its value
(``ent._.value``).
"""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.abbreviations import definitions
from ingest.nlp.entities import term_variants
from ingest.nlp.pipeline import build_nlp
from kb.durations import Quantity, parse_iso, parse_quantity


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


def ents(doc: Doc) -> list[tuple[str, str, str, str | None]]:
    return [(e.text, e.label_, e.ent_id_, e._.value) for e in doc.ents]


def entity(nlp: Language, text: str, surface: str) -> tuple[str, str, str | None]:
    """(label, concept, value) of the one entity whose text is ``surface``, or ends with it (a
    learned model may keep the side in a site's span: "left leg")."""
    found = [
        (e.label_, e.ent_id_, e._.value)
        for e in nlp(text).ents
        if e.text == surface or e.text.endswith(" " + surface)
    ]
    assert len(found) == 1, f"{surface!r} in {text!r}: {ents(nlp(text))}"
    return found[0]


# --- vocabulary entities, one per type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "label", "concept"),
    [
        ("She had iatrogenic calcinosis cutis.", "iatrogenic calcinosis cutis", "CONDITION",
         "calcinosis_cutis_iatrogenic"),
        ("The boy had calcinosis cutis.", "calcinosis cutis", "CONDITION", "calcinosis_cutis"),
        ("A firm swelling appeared.", "firm swelling", "CONDITION", "swelling"),
        ("He had hypocalcaemia.", "hypocalcaemia", "CONDITION", "hypocalcemia"),
        ("It followed extravasation.", "extravasation", "ETIOLOGY", "extravasation"),
        ("She took warfarin.", "warfarin", "ETIOLOGY", "warfarin"),
        ("He received IV calcium gluconate.", "IV calcium gluconate", "ETIOLOGY",
         "calcium_gluconate_intravenous"),
        ("He was on long-term dialysis.", "long-term dialysis", "ETIOLOGY", "dialysis"),
        ("She was given sodium thiosulfate.", "sodium thiosulfate", "TREATMENT",
         "sodium_thiosulfate"),
        ("She was given intravenous sodium thiosulfate.", "intravenous sodium thiosulfate",
         "TREATMENT", "sodium_thiosulfate_intravenous"),
        ("She was given intralesional sodium thiosulfate.", "intralesional sodium thiosulfate",
         "TREATMENT", "sodium_thiosulfate_intralesional"),
        ("She was given topical sodium thiosulfate.", "topical sodium thiosulfate", "TREATMENT",
         "sodium_thiosulfate_topical"),
        ("It was managed conservatively.", "managed conservatively", "TREATMENT",
         "conservative_management"),
        ("There was complete resolution.", "complete resolution", "OUTCOME",
         "complete_resolution"),
        ("The nodule regressed spontaneously.", "regressed spontaneously", "OUTCOME",
         "spontaneous_resolution"),
        ("There was skin necrosis.", "skin necrosis", "OUTCOME", "necrosis"),
        ("The X-ray was normal.", "X-ray", "TEST", "x_ray"),
        ("A bone scan was done.", "bone scan", "TEST", "bone_scan"),
        ("FNAC was done.", "FNAC", "TEST", "fnac"),
        ("The serum calcium was normal.", "serum calcium", "TEST", "serum_calcium"),
        ("The PTH was normal.", "PTH", "TEST", "parathyroid_hormone"),
    ],
)  # fmt: skip
def test_a_vocabulary_term_is_an_entity_with_its_concept(
    nlp: Language, text: str, surface: str, label: str, concept: str
):
    assert entity(nlp, text, surface) == (label, concept, None)


def test_the_three_sodium_thiosulfate_routes_are_distinct_concepts(nlp: Language):
    doc = nlp(
        "Intravenous sodium thiosulfate, intralesional sodium thiosulfate and topical sodium "
        "thiosulfate were used."
    )
    assert [e.ent_id_ for e in doc.ents] == [
        "sodium_thiosulfate_intravenous",
        "sodium_thiosulfate_intralesional",
        "sodium_thiosulfate_topical",
    ]


def test_the_longest_term_wins(nlp: Language):
    doc = nlp("He had hypocalcemic seizures.")
    assert ents(doc) == [("hypocalcemic seizures", "CONDITION", "hypocalcemic_seizures", None)]


def test_terms_match_whatever_their_case(nlp: Language):
    text = "IATROGENIC CALCINOSIS CUTIS was seen."
    assert entity(nlp, text, "IATROGENIC CALCINOSIS CUTIS") == (
        "CONDITION",
        "calcinosis_cutis_iatrogenic",
        None,
    )


# --- anatomy and its laterality -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "concept", "value"),
    [
        ("A swelling on the medial aspect of left leg.", "leg", "leg", "left medial"),
        ("Swelling over the lateral aspect of right leg.", "leg", "leg", "right lateral"),
        ("A plaque on the dorsum of the right foot.", "foot", "foot", "right dorsum"),
        ("A swelling of the left hand.", "hand", "hand", "left"),
        ("Nodules on both knees.", "knees", "knee", "both"),
        ("A nodule on the scalp.", "scalp", "scalp", None),
    ],
)
def test_anatomy_carries_its_laterality(
    nlp: Language, text: str, surface: str, concept: str, value: str | None
):
    assert entity(nlp, text, surface) == ("ANATOMY", concept, value)


def test_laterality_is_not_read_from_the_previous_sentence(nlp: Language):
    assert entity(nlp, "It was on the left. The leg was swollen.", "leg") == (
        "ANATOMY",
        "leg",
        None,
    )


# --- ages, sex and durations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("A 01-month-old baby boy.", "01-month-old", "P1M"),
        ("A 02 months old baby boy.", "02 months old", "P2M"),
        ("A woman 23 years old.", "23 years old", "P23Y"),
        ("A 23-year-old woman.", "23-year-old", "P23Y"),
        ("Admitted on 1st day of life.", "1st day of life", "P1D"),
        ("A 3-week-old boy.", "3-week-old", "P3W"),
        ("At 4 weeks of age she was admitted.", "4 weeks of age", "P4W"),
        ("Seen at the age of 6 months.", "age of 6 months", "P6M"),
    ],
)
def test_an_age_is_normalised(nlp: Language, text: str, surface: str, value: str):
    assert entity(nlp, text, surface) == ("AGE", "age", value)


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("A boy was seen.", "boy", "male"),
        ("A girl was seen.", "girl", "female"),
        ("A woman was seen.", "woman", "female"),
        ("A man was seen.", "man", "male"),
    ],
)
def test_sex(nlp: Language, text: str, surface: str, value: str):
    assert entity(nlp, text, surface) == ("SEX", "sex", value)


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("It resolved after 04 months.", "04 months", "P4M"),
        ("It resolved after 3.5 months.", "3.5 months", "P3.5M"),
        ("It resolved in 3 weeks.", "3 weeks", "P3W"),
        ("It resolved within two weeks.", "two weeks", "P2W"),
        ("It appeared after 10 days.", "10 days", "P10D"),
        ("Pain lasted 12 hours.", "12 hours", "PT12H"),
    ],
)
def test_a_duration_is_normalised(nlp: Language, text: str, surface: str, value: str):
    assert entity(nlp, text, surface) == ("DURATION", "duration", value)


def test_an_age_is_not_also_a_duration(nlp: Language):
    doc = nlp("A 3-week-old boy was seen 3 weeks later.")
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("3-week-old", "AGE"),
        ("boy", "SEX"),
        ("3 weeks", "DURATION"),
    ]


# --- values: the pure parser ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "days"),
    [
        ("01-month-old", "P1M", 30.44),
        ("02 months old", "P2M", 60.88),
        ("23 years old", "P23Y", 8400.75),
        ("after 04 months", "P4M", 121.75),
        ("3.5 months", "P3.5M", 106.53),
        ("3,5 months", "P3.5M", 106.53),
        ("3 weeks", "P3W", 21.0),
        ("1st day of life", "P1D", 1.0),
        ("two weeks", "P2W", 14.0),
        ("a year", "P1Y", 365.25),
        ("12 hrs", "PT12H", 0.5),
    ],
)
def test_parse_quantity(text: str, iso: str, days: float):
    quantity = parse_quantity(text)
    assert quantity is not None
    assert (quantity.iso, quantity.days) == (iso, days)


@pytest.mark.parametrize("text", ["several weeks", "a few days", "no number here", "3 cm"])
def test_parse_quantity_without_a_number_and_unit(text: str):
    assert parse_quantity(text) is None


@pytest.mark.parametrize("iso", ["P1M", "P3.5M", "P23Y", "P3W", "P1D", "PT12H"])
def test_parse_iso_inverts_iso(iso: str):
    quantity = parse_iso(iso)
    assert quantity is not None and quantity.iso == iso


def test_parse_iso_rejects_other_text():
    assert parse_iso("4 months") is None
    assert parse_iso("P4X") is None
    assert Quantity(4.0, "M").iso == "P4M"


# --- abbreviations defined in the text ------------------------------------------------------------


def test_a_definition_is_found(nlp: Language):
    doc = nlp("He received low molecular weight heparin (LMWH) for thrombosis.")
    defined = definitions(doc)
    assert list(defined) == ["LMWH"]
    assert (defined["LMWH"].text, defined["LMWH"].ent_id_) == (
        "low molecular weight heparin",
        "low_molecular_weight_heparin",
    )


def test_a_defined_abbreviation_names_its_concept_later(nlp: Language):
    doc = nlp("He received low molecular weight heparin (LMWH). Later LMWH was stopped.")
    later = [e for e in doc.ents if e.text == "LMWH" and e.start_char > 50]
    assert [(e.label_, e.ent_id_) for e in later] == [("ETIOLOGY", "low_molecular_weight_heparin")]


def test_an_abbreviation_only_the_text_defines(nlp: Language):
    """'ICC' is in no table: the definition gives every mention of it the long form's concept."""
    doc = nlp("He had iatrogenic calcinosis cutis (ICC). Later the ICC resolved.")
    found = ents(doc)
    assert found[0] == (
        "iatrogenic calcinosis cutis", "CONDITION", "calcinosis_cutis_iatrogenic", None
    )  # fmt: skip
    later = next(e for e in doc.ents if e.start_char == doc.text.index("the ICC") + 4)
    assert (later.text, later.ent_id_) == ("ICC", "calcinosis_cutis_iatrogenic")
    assert ("resolved", "OUTCOME", "resolution", None) in found


def test_a_hyphenated_defined_abbreviation(nlp: Language):
    doc = nlp("Iatrogenic calcinosis cutis (ICC) is rare. Warfarin-related ICC is rarer.")
    assert [(e.text, e.ent_id_) for e in doc.ents][-1] == ("ICC", "calcinosis_cutis_iatrogenic")


def test_parentheses_that_are_not_initials_define_nothing(nlp: Language):
    doc = nlp("He had calcinosis cutis (Figure) and later a Figure.")
    assert definitions(doc) == {}
    assert [e.text for e in doc.ents] == ["calcinosis cutis"]


# --- abbreviations from the shipped table ---------------------------------------------------------


def test_term_variants_writes_the_short_form():
    table = {"IV": "intravenous", "inj": "injection"}
    assert list(term_variants("injection site", table)) == ["injection site", "inj site"]
    assert list(term_variants("intravenous calcium gluconate", table)) == [
        "intravenous calcium gluconate",
        "IV calcium gluconate",
    ]
    assert list(term_variants("calcinosis cutis", table)) == ["calcinosis cutis"]


@pytest.mark.parametrize(
    ("text", "surface", "label", "concept"),
    [
        ("He received IV calcium gluconate.", "IV calcium gluconate", "ETIOLOGY",
         "calcium_gluconate_intravenous"),
        ("A swelling at the inj site.", "inj site", "ANATOMY", "injection_site"),
        ("A patient with CKD.", "CKD", "ETIOLOGY", "chronic_kidney_disease"),
        ("A small ASD was seen.", "ASD", "CONDITION", "atrial_septal_defect"),
        ("The infant had RDS.", "RDS", "CONDITION", "respiratory_distress_syndrome"),
        ("He received IV fluids.", "IV fluids", "TREATMENT", "iv_fluids"),
    ],
)  # fmt: skip
def test_a_table_abbreviation_names_its_concept(
    nlp: Language, text: str, surface: str, label: str, concept: str
):
    assert entity(nlp, text, surface) == (label, concept, None)


def test_a_definition_glued_to_its_long_form(nlp: Language):
    doc = nlp("A patient with chronic kidney disease(CKD) on dialysis.")
    assert [(e.text, e.ent_id_) for e in doc.ents] == [
        ("chronic kidney disease", "chronic_kidney_disease"),
        ("CKD", "chronic_kidney_disease"),
        ("dialysis", "dialysis"),
    ]


# --- assertion, through the whole pipeline --------------------------------------------------------


def assertions(nlp: Language, text: str) -> list[tuple[str, str]]:
    return [(e.text, e._.assertion) for e in nlp(text).ents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("There was no fever.", [("fever", "negated")]),
        ("Fever was absent.", [("Fever", "negated")]),
        ("A swelling with no itchiness, pus discharge.",
         [("swelling", "present"), ("itchiness", "negated"), ("pus discharge", "negated")]),
        ("A plaque without ulceration.", [("plaque", "present"), ("ulceration", "negated")]),
        ("The lesion was possibly calciphylaxis.", [("calciphylaxis", "possible")]),
        ("Calciphylaxis was suspected.", [("Calciphylaxis", "possible")]),
        ("The differential diagnosis included cellulitis and osteomyelitis.",
         [("cellulitis", "possible"), ("osteomyelitis", "possible")]),
        ("If calcinosis cutis develops, sodium thiosulfate may be given.",
         [("calcinosis cutis", "hypothetical"), ("sodium thiosulfate", "hypothetical")]),
        ("He had a history of dermatomyositis.", [("dermatomyositis", "historical")]),
        ("His mother had dermatomyositis.", [("dermatomyositis", "family")]),
        ("Her sister had lupus.", [("lupus", "family")]),
        ("There was no family history of dermatomyositis.", [("dermatomyositis", "negated")]),
        ("The boy had calcinosis cutis.", [("boy", "present"), ("calcinosis cutis", "present")]),
    ],
)  # fmt: skip
def test_each_assertion(nlp: Language, text: str, expected: list[tuple[str, str]]):
    assert assertions(nlp, text) == expected


def test_but_ends_a_negation(nlp: Language):
    assert assertions(nlp, "There was no swelling but tenderness.") == [
        ("swelling", "negated"),
        ("tenderness", "present"),
    ]


def test_not_only_is_not_a_negation(nlp: Language):
    assert assertions(nlp, "It caused not only pain but also swelling.") == [
        ("pain", "present"),
        ("swelling", "present"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A 2 x 3 cm plaque without ulceration.",
         [("plaque", "present"), ("ulceration", "negated")]),
        ("Serum calcium was 2.1 mmol/L, with no hypocalcemia.",
         [("Serum calcium", "present"), ("hypocalcemia", "negated")]),
        ("At 1 year of age there was no recurrence.",
         [("1 year of age", "present"), ("recurrence", "negated")]),
        ("It resolved after 3 months without scarring.",
         [("resolved", "present"), ("3 months", "present"), ("scarring", "negated")]),
    ],
)  # fmt: skip
def test_numbers_do_not_disturb_assertion(
    nlp: Language, text: str, expected: list[tuple[str, str]]
):
    assert assertions(nlp, text) == expected


def test_non_tender_is_negated(nlp: Language):
    assert ("tender", "negated") in assertions(nlp, "A firm, non-tender plaque.")


def test_not_required_is_negated(nlp: Language):
    text = "Surgical excision was not required."
    assert assertions(nlp, text) == [("Surgical excision", "negated")]


def test_no_signs_of_infection_is_negated(nlp: Language):
    assert assertions(nlp, "There were no signs of infection.")[0][1] == "negated"


@pytest.mark.parametrize("text, word", [("Two of the rats died.", "died"),
                                        ("The course was fatal.", "fatal")])  # fmt: skip
def test_a_curated_outcome_term_is_an_outcome_whatever_its_mesh_tree(
    nlp: Language, text: str, word: str
):
    (ent,) = [e for e in nlp(text).ents if e.text == word]
    assert (ent.label_, ent._.category) == ("OUTCOME", "outcome")
