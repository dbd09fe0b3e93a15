"""Concepts named by label, synonym or identifier resolve to the KB's concept (``kb.concepts``,
read from the store); an unknown one is an error naming the closest concepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.cli import main
from kb.concepts import (
    Resolved,
    UnknownConcept,
    concept_choices,
    concept_lookup,
    resolve_concept,
)
from kb.remote import EmbeddedStore


@pytest.fixture(scope="module")
def store(demo_kb: Path) -> EmbeddedStore:
    return EmbeddedStore(demo_kb)


@pytest.mark.parametrize(
    ("value", "by"),
    [
        ("calcinosis_cutis", "id"),
        ("calcinosis cutis", "label"),
        ("Calcinosis  Cutis", "label"),
        ("calcinosis-cutis", "label"),
        ("cutaneous calcinosis", "synonym"),
        ("mesh:D000092182", "identifier"),
        ("https://casebook.invalid/id/concept/calcinosis_cutis", "iri"),
    ],
)
def test_a_concept_by_id_label_synonym_or_identifier(store, value, by):
    """mesh:D000092182 is matched by two concepts (the vocabulary's and a narrower one
    grounded to it): the broader one wins, as a question includes the narrower ones."""
    assert resolve_concept(store.query, value, "condition") == Resolved("calcinosis_cutis", by)


def test_concepts_the_extraction_added_resolve_too(store):
    assert resolve_concept(store.query, "mesh:D002118").id == "mesh:D002118"
    assert resolve_concept(store.query, "Calcium Phosphate").id == "mesh:D002130"


def test_an_unknown_concept_names_the_closest(store):
    with pytest.raises(UnknownConcept) as caught:
        resolve_concept(store.query, "calcinosis cuts", "condition")
    message = str(caught.value)
    assert "no condition concept named 'calcinosis cuts'" in message
    assert "calcinosis cutis (calcinosis_cutis)" in message
    with pytest.raises(UnknownConcept, match=r"named 'zzqx'.*knowledge base$"):
        resolve_concept(store.query, "zzqx")


def test_a_hostile_value_is_just_an_unknown_name(store):
    for value in ['"} ; DROP ALL ; {"', "<urn:x>", "\\", "https://casebook.invalid/id/concept/a b"]:
        with pytest.raises(UnknownConcept):
            resolve_concept(store.query, value)


def test_kb_ask_with_a_label_answers_as_with_the_id(demo_kb, capsys):
    argv = ["ask", "etiologies_of", "--data-dir", str(demo_kb), "--format", "csv"]
    assert main([*argv, "--param", "condition=calcinosis_cutis"]) == 0
    by_id = capsys.readouterr().out
    assert main([*argv, "--param", "condition=calcinosis cutis"]) == 0
    assert capsys.readouterr().out == by_id and len(by_id.splitlines()) > 2
    assert main([*argv, "--param", "condition=mesh:D000092182"]) == 0
    assert capsys.readouterr().out == by_id


def test_kb_ask_with_an_unknown_concept_exits_2_naming_the_closest(demo_kb, capsys):
    argv = ["ask", "treatments_that_resolved", "--data-dir", str(demo_kb)]
    assert main([*argv, "--param", "condition=calcinosis cuts"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kb: error: --param condition: no condition")
    assert "calcinosis cutis (calcinosis_cutis)" in err


def test_a_condition_picker_offers_conditions_only(store):
    conditions = dict(concept_choices(store, "condition"))
    assert "calcinosis_cutis" in conditions and "calciphylaxis" in conditions
    everything = dict(concept_choices(store))
    tests_and_anatomy = {"c_reactive_protein", "hand", "forearm", "serum_calcium"} & set(everything)
    assert tests_and_anatomy and not tests_and_anatomy & set(conditions)
    labels = [label.lower() for _, label in concept_choices(store, "condition")]
    assert labels == sorted(labels)


def test_a_deep_link_value_is_looked_up_or_reported(store):
    assert concept_lookup(store, "cutaneous calcinosis", "condition") == ("calcinosis_cutis", "")
    found, why = concept_lookup(store, "calcinosis cuts", "condition")
    assert found is None and "closest: calcinosis cutis" in why
