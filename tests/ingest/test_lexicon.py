"""The shipped grounding lexicon (real vocabulary terms) and the abbreviation finder (invented
sentences)."""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import pytest

from ingest.nlp.lexicon import (
    Grounding,
    Lexicon,
    SortedTable,
    load_lexicon,
    variant_key,
)
from ingest.nlp.lexicon_build import Term, cross_references
from ingest.nlp.shortforms import find_abbreviations

LEXICON_DIR = Path(__file__).resolve().parents[2] / "data" / "vocab" / "lexicon"
FILES = ("terms.tsv.gz", "cased.tsv.gz", "variants.tsv.gz", "concepts.tsv.gz", "mentions.tsv.gz")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


def mesh(found: Grounding | None) -> str | None:
    assert found is not None
    return next((i for i in found.ids if i.startswith("mesh:")), None)


# -- the shipped files -----------------------------------------------------------------------------


def test_the_shipped_files_are_small_and_sorted():
    assert sum((LEXICON_DIR / name).stat().st_size for name in FILES) <= 12_000_000
    for name in FILES:  # SortedTable bisects, so every file must be in key order
        text = gzip.decompress((LEXICON_DIR / name).read_bytes()).decode("utf-8")
        keys = [line.split("\t", 1)[0] for line in text.splitlines()]
        assert keys == sorted(keys) and len(keys) == len(set(keys)), name
        assert all("\t" in line for line in text.splitlines()), name


def test_one_instance_per_process(lexicon: Lexicon):
    assert load_lexicon() is lexicon
    assert len(lexicon) > 300_000
    assert load_lexicon(LEXICON_DIR).ground("cocaine", "chemical") == lexicon.ground(
        "cocaine", "chemical"
    )


# -- grounding -------------------------------------------------------------------------------------


def test_a_preferred_term_of_the_asked_category_scores_one(lexicon: Lexicon):
    found = lexicon.ground("hypertension", "disease")
    assert found is not None
    assert found.ids[0] == "mesh:D006973"
    assert (found.category, found.score, found.name) == ("disease", 1.0, "Hypertension")


def test_a_drug_carries_its_mesh_and_drugbank_ids(lexicon: Lexicon):
    found = lexicon.ground("Cocaine", "chemical")
    assert found is not None
    assert found.ids[:2] == ("mesh:D003042", "drugbank:DB00907")
    assert found.category == "chemical"
    assert "drugbank:DB00907" in lexicon.xrefs("mesh:D003042")
    assert "Anesthetics, Local" in lexicon.actions("mesh:D003042")


def test_the_vocabulary_tells_a_symptom_from_a_disease(lexicon: Lexicon):
    found = lexicon.ground("dyspnea", "disease")
    assert found is not None
    assert mesh(found) == "mesh:D004417"
    assert found.category == "sign_symptom"
    assert 0.8 <= found.score < 1.0  # asked as a disease: a near category costs a little
    assert lexicon.ground("dyspnea", "sign_symptom").score == 1.0
    mi = lexicon.ground("myocardial infarction", "disease")  # also an infarction (C23.550)
    assert mi is not None and mi.category == "disease" and mesh(mi) == "mesh:D009203"


def test_short_capitals_match_only_as_written(lexicon: Lexicon):
    found = lexicon.ground("ALL", "disease")
    assert found is not None
    assert found.name == "acute lymphoblastic leukemia"
    assert lexicon.ground("all", "disease") is None
    assert lexicon.ground("All", "disease") is None
    assert lexicon.ground("can", "disease") is None


def test_the_expansion_is_tried_first(lexicon: Lexicon):
    alone = lexicon.ground("MI", "disease")
    assert alone is not None and "mesh:D009203" in alone.ids  # myocardial infarction
    expanded = lexicon.ground("MI", "disease", expansion="mitral insufficiency")
    assert expanded is not None and expanded.ids[0] == "mesh:D008944"
    assert expanded.term == "mitral insufficiency"
    heparin = lexicon.ground("LMWH", "chemical", expansion="low molecular weight heparin")
    assert heparin is not None and heparin.ids[0] == "mesh:D006495"
    # an expansion the lexicon lacks falls back to the span itself
    fallback = lexicon.ground("cocaine", "chemical", expansion="zzqx unknown long form")
    assert fallback is not None and fallback.ids[0] == "mesh:D003042"


def test_unknown_text_grounds_to_nothing(lexicon: Lexicon):
    assert lexicon.ground("zzqx flobbered", "disease") is None
    assert lexicon.ground("", "chemical") is None
    assert lexicon.ground("  ", "chemical", expansion="") is None
    with pytest.raises(ValueError, match="unknown category"):
        lexicon.ground("cocaine", "drug")


@pytest.mark.parametrize(
    ("variant", "plain", "category"),
    [
        ("haemorrhage", "hemorrhage", "sign_symptom"),
        ("tumour lysis syndrome", "tumor lysis syndrome", "disease"),
        ("Haemolytic-uraemic syndromes", "hemolytic uremic syndrome", "disease"),
        ("thrombo-embolism", "thromboembolism", "disease"),
    ],
)
def test_spelling_variants_ground_with_a_lower_score(
    lexicon: Lexicon, variant: str, plain: str, category: str
):
    found, exact = lexicon.ground(variant, category), lexicon.ground(plain, category)
    assert found is not None and exact is not None
    assert mesh(found) == mesh(exact)
    assert found.score < exact.score or found.term != plain


def test_fallbacks_score_lower(lexicon: Lexicon):
    head = lexicon.ground("severe hypertension", "disease")
    assert head is not None and head.ids[0] == "mesh:D006973" and head.term == "hypertension"
    assert head.score < 0.8
    vocabularies = Lexicon(lexicon._terms, lexicon._cased, lexicon._variants, lexicon._concepts)
    adjective = vocabularies.ground("hypertensive", "disease")  # the corpus table left out
    assert adjective is not None and adjective.ids[0] == "mesh:D006973"
    assert adjective.score < 0.9
    linked = lexicon.ground("hypertensive", "disease")  # BC5CDR's annotators linked it whole
    assert linked is not None and linked.ids[0] == "mesh:D006973" and linked.score == 0.9
    assert lexicon.ground("zzqx acid", "chemical") is None  # no head word for chemicals


def test_another_category_is_said_and_costs(lexicon: Lexicon):
    found = lexicon.ground("heart", "disease")
    assert found is not None and found.category == "anatomy" and found.score <= 0.6
    assert lexicon.ground("heart", "anatomy").ids[0] == "mesh:D006321"
    assert lexicon.ground("biopsy", "test").category == "test"
    assert lexicon.ground("appendectomy", "procedure").ids == ("mesh:D001062",)
    death = lexicon.ground("death", "outcome")
    assert death is not None and death.ids[0] == "mesh:D003643" and death.score < 1.0


def test_a_match_without_a_mesh_id_gains_its_variants_or_its_nouns(lexicon: Lexicon):
    """DOID names "cardiovascular disease" (MeSH only the plural) and SYMP "hypotensive" (MeSH
    only the noun): MeSH-indexed articles must still join them, after their own ids."""
    found = lexicon.ground("cardiovascular disease", "disease")
    assert found is not None and found.ids[0] == "doid:1287"
    assert "mesh:D002318" in found.ids  # Cardiovascular Diseases
    assert mesh(lexicon.ground("hypotensive", "disease")) == "mesh:D007022"  # Hypotension


def test_a_cross_reference_through_exact_synonyms_only_when_they_agree():
    folded = {
        "cardiovascular diseases": [Term("Cardiovascular Diseases", "mesh:D1", "disease", "P")],
        "heart diseases": [Term("Heart Diseases", "mesh:D2", "disease", "P")],
    }
    names = {"doid:1": "cardiovascular system disease", "doid:2": "odd name", "mesh:D1": "x"}
    categories = {"doid:1": {"disease"}, "doid:2": {"disease"}}
    synonyms = {"doid:1": ["cardiovascular disease"], "doid:2": ["cardiovascular disease",
                                                                  "heart disease"]}  # fmt: skip
    xrefs = cross_references(names, categories, folded, synonyms)
    assert xrefs["doid:1"] == {"mesh:D1"} and "doid:1" in xrefs["mesh:D1"]
    assert "doid:2" not in xrefs  # its synonyms lead to two descriptors: none is taken
    assert not cross_references(names, categories, folded).get("doid:1")  # the name alone


def test_a_grounding_is_frozen(lexicon: Lexicon):
    found = lexicon.ground("cocaine", "chemical")
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.score = 0.0  # type: ignore[misc]


def test_variant_keys_merge_spellings():
    assert variant_key("Haemolytic-uraemic syndromes") == variant_key("hemolytic uremic syndrome")
    assert variant_key("Alzheimer's disease") == variant_key("alzheimer disease")
    assert variant_key("arteries") == variant_key("artery")


def test_a_sorted_table_finds_every_key_and_nothing_else():
    keys = ["a", "ab", "abc", "b", "b c", "zeta"]
    table = SortedTable("".join(f"{k}\t{i}\n" for i, k in enumerate(keys)))
    assert [table.get(k) for k in keys] == [str(i) for i in range(len(keys))]
    assert all(table.get(k) is None for k in ("", "0", "aa", "abcd", "b d", "zz"))
    assert len(table) == len(keys) and "b c" in table and "c" not in table
    assert SortedTable("").get("a") is None


# -- abbreviations defined in a text ------------------------------------------------------------


def test_a_long_form_before_its_short_form():
    text = "She was given low molecular weight heparin (LMWH) daily. LMWH was stopped."
    assert find_abbreviations(text) == {"LMWH": "low molecular weight heparin"}


def test_a_short_form_before_its_long_form():
    text = "After LMWH (low molecular weight heparin) the swelling grew."
    assert find_abbreviations(text) == {"LMWH": "low molecular weight heparin"}


def test_several_definitions_and_the_first_wins():
    text = (
        "Heart rate (HR) and blood pressure (BP) were recorded; the HR fell. "
        "Later, a hip replacement (HR) was done."
    )
    assert find_abbreviations(text) == {"HR": "Heart rate", "BP": "blood pressure"}


def test_the_long_form_is_the_shortest_that_spells_the_short_form():
    text = "The boy with a history of acute lymphoblastic leukaemia (ALL) relapsed."
    assert find_abbreviations(text) == {"ALL": "acute lymphoblastic leukaemia"}
    text = "Treatment with 5-fluorouracil (5-FU) and chronic kidney disease (CKD, stage 4)."
    assert find_abbreviations(text) == {"5-FU": "5-fluorouracil", "CKD": "chronic kidney disease"}


def test_parentheses_that_define_nothing():
    for text in (
        "The nodules (see below) were firm.",
        "Calcium was low (1.6 mmol/L) on day two.",
        "The rash (PQX) was itchy.",  # the letters are not in the preceding words
        "Swelling of the hand (right) resolved.",
        "An unmatched ( parenthesis",
    ):
        assert find_abbreviations(text) == {}, text


def test_the_long_form_has_at_most_the_allowed_words():
    # |A| = 2: at most min(2 + 5, 2 * 2) = 4 words; "blood" is the fifth word back
    text = "He had blood from the nose and also pain (BP)."
    assert "BP" not in find_abbreviations(text)
    assert find_abbreviations("He had a sudden blood pressure (BP) rise.") == {
        "BP": "blood pressure"
    }
