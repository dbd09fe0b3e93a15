"""A condition a chemical caused takes MeSH's drug-induced descriptor (``ingest.nlp.induced``).

Every sentence and record below is SYNTHETIC, written for these tests.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from spacy.language import Language

from ingest.nlp.induced import (
    HEADER,
    Induced,
    drug_induced_table,
    form_key,
    ground_induced,
    parse_table,
)
from ingest.nlp.induced_build import derive
from ingest.nlp.pipeline import build_nlp
from kb.records import Evidence, Finding, Relation, finding_id
from tests.conftest import SHARED, shared_file
from tests.ingest.test_nlp_relations import read

HEPATITIS, DILI = "mesh:D006505", "mesh:D056486"
TABLE = {
    ("hepatitis", HEPATITIS): Induced(HEPATITIS, DILI, "Chemical and Drug Induced Liver Injury")
}


def _finding(kind: str, concept: str, text: str, start: int, category: str, ids=()) -> Finding:
    evidence = Evidence("test:1", "text", "casebook.nlp", "0", "discussion", "s", 0, 40, start,
                        start + len(text), 1.0)  # fmt: skip
    f = Finding("", kind, concept, text, text, "article:test:1", "present", evidence,
                category=category, ids=list(ids), matched=text)  # fmt: skip
    return replace(f, id=finding_id(f))


def _pair(cause_category: str = "chemical", kind: str = "caused_by"):
    hepatitis = _finding("condition", HEPATITIS, "hepatitis", 20, "disease", (HEPATITIS, "doid:1"))
    drug = _finding("etiology", "mesh:D000001", "drugol", 0, cause_category, ("mesh:D000001",))
    return [hepatitis, drug], [Relation(kind, hepatitis.id, drug.id, evidence=hepatitis.id)]


def test_a_condition_a_chemical_caused_takes_the_drug_induced_descriptor():
    findings, relations = ground_induced(*_pair(), TABLE)
    condition = next(f for f in findings if f.kind == "condition")
    assert condition.concept == DILI
    assert condition.ids == [DILI, "doid:1"]  # the plain descriptor dropped, the others kept
    assert condition.label == "Chemical and Drug Induced Liver Injury"
    assert condition.id == finding_id(condition)  # its id follows its new concept
    (relation,) = relations
    assert relation.source == relation.evidence == condition.id


@pytest.mark.parametrize(("category", "kind"), [("procedure", "caused_by"),
                                                ("chemical", "treated_with")])  # fmt: skip
def test_other_causes_and_other_relations_leave_the_grounding(category: str, kind: str):
    findings, relations = _pair(category, kind)
    assert ground_induced(findings, relations, TABLE) == (findings, relations)


def test_the_table_is_read_by_its_words_and_plural_forms():
    assert form_key("Psychoses") == form_key("psychosis")
    assert form_key("Dyskinesias") == form_key("dyskinesia")
    text = "\t".join(HEADER) + "\nhepatitis\tD006505\tD056486\tDILI\tDrug-Induced Hepatitis\n"
    assert parse_table(text) == {("hepatitis", HEPATITIS): Induced(HEPATITIS, DILI, "DILI")}
    with pytest.raises(ValueError, match="header"):
        parse_table("key\tbase\n")


def test_the_shipped_table_is_what_mesh_gives():
    shared_file(SHARED / "vocab" / "mesh-2024" / "terms.tsv.gz")
    rows = derive(SHARED / "vocab")
    assert len(rows) == len(drug_induced_table())
    assert {(k, f"mesh:{b}"): f"mesh:{d}" for k, b, d, _, _ in rows} == {
        key: found.induced for key, found in drug_induced_table().items()
    }
    assert ("hepatitis", "D006505", "D056486") in {r[:3] for r in rows}
    assert ("dyskinesia", "D020820", "D004409") in {r[:3] for r in rows}


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


@pytest.mark.parametrize(
    ("text", "regrounded"),
    [
        ("Isoniazid-induced hepatitis was seen in one patient.", True),
        ("Hepatitis due to isoniazid was seen in one patient.", True),
        ("Isoniazid was given and hepatitis B was seen in one patient.", False),
    ],
)
def test_extraction_grounds_a_drug_caused_hepatitis(nlp: Language, text: str, regrounded: bool):
    ids = [f.ids for f in read(nlp, text).findings if f.kind == "condition"]
    assert any(DILI in i for i in ids) is regrounded
