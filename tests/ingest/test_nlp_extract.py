"""Extraction end to end: ``extract`` on the shared seed (the acceptance case), documents, MeSH,
citation contexts and ``extract_all`` on the demo build.

The shared seed (``../shared/seeds``) is a real case report, read as-is; the PubMed and PMC records
built here and the demo corpus are SYNTHETIC (fictional, written for testing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from ingest.nlp.citations import citation_findings
from ingest.nlp.documents import fulltext_document, pubmed_document, seed_document
from ingest.nlp.extract import TextDocument, extract
from ingest.nlp.mesh import mesh_findings
from ingest.nlp.pipeline import build_nlp
from ingest.seed.document import read_seed_bytes
from kb.records import (
    AbstractSection,
    Case,
    Extraction,
    Finding,
    FullText,
    FullTextSection,
    MeshHeading,
    MeshQualifier,
    PubmedRecord,
    SeedDocument,
)
from kb.vocab import Vocabulary, load_vocabulary

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
SEED = SEEDS / "000_6a94112d330c933e.txt"
DEMO_SEED = ROOT / "data" / "demo" / "seed.md"
IV_CALCIUM = {"calcium_gluconate", "calcium_gluconate_intravenous", "intravenous_calcium"}


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="module")
def labels(vocab: Vocabulary) -> dict[str, str]:
    return {c.id: c.label for c in vocab.concepts.values()}


# --------------------------------------------------------------------------- helpers


def of_case(extraction: Extraction, number: int) -> list[Finding]:
    subject = f"case:{extraction.document}#{number}"
    return [f for f in extraction.findings if f.subject == subject]


def case(extraction: Extraction, number: int) -> Case:
    return next(c for c in extraction.cases if c.number == number)


def caused_by(extraction: Extraction, subject: str, condition: str) -> set[str]:
    """Concepts the ``condition`` of ``subject`` is caused_by."""
    by_id = {f.id: f for f in extraction.findings}
    return {
        by_id[r.target].concept
        for r in extraction.relations
        if r.kind == "caused_by"
        and by_id[r.source].subject == subject
        and by_id[r.source].concept == condition
    }


def assert_evidence_indexes(text: str, findings: list[Finding]) -> None:
    """Offsets index ``text``; the sentence is the text's (citation contexts: markers blanked)."""
    assert findings
    for f in findings:
        e = f.evidence
        assert text[e.span_start : e.span_end] == f.text, f
        assert e.start <= e.span_start <= e.span_end <= e.end, f
        assert " ".join(f.text.split()) in e.sentence, f
        if e.method == "text":
            assert " ".join(text[e.start : e.end].split()) == e.sentence, f


# --------------------------------------------------------------------------- the shared seed


@pytest.fixture(scope="module")
def seed_file() -> tuple[SeedDocument, str]:
    if not SEED.exists():
        pytest.skip(f"{SEED} not found: ../shared must sit beside the repository")
    data = SEED.read_bytes()
    return read_seed_bytes(data, SEED.name), data.decode("utf-8")


@pytest.fixture(scope="module")
def seed_extraction(nlp: Language, labels, seed_file) -> Extraction:
    seed, text = seed_file
    return extract(nlp, seed_document(seed, text), labels)


def test_seed_has_two_cases(seed_extraction: Extraction):
    assert [c.number for c in seed_extraction.cases] == [1, 2]
    assert all(c.document == seed_extraction.document for c in seed_extraction.cases)


@pytest.mark.parametrize("number", [1, 2])
def test_seed_case_is_iatrogenic_calcinosis_cutis_caused_by_iv_calcium(
    seed_extraction: Extraction, number: int
):
    findings = of_case(seed_extraction, number)
    assert any(
        f.kind == "condition"
        and f.concept == "calcinosis_cutis_iatrogenic"
        and f.assertion == "present"
        for f in findings
    )
    subject = f"case:{seed_extraction.document}#{number}"
    assert caused_by(seed_extraction, subject, "calcinosis_cutis_iatrogenic") & IV_CALCIUM


@pytest.mark.parametrize(("number", "site"), [(1, "left medial"), (2, "right lateral")])
def test_seed_case_site_is_the_leg_with_its_side(
    seed_extraction: Extraction, number: int, site: str
):
    assert f"leg:{site}" in case(seed_extraction, number).sites
    legs = [
        f.value
        for f in of_case(seed_extraction, number)
        if f.kind == "anatomy" and f.concept == "leg" and f.assertion == "present"
    ]
    assert site in legs


@pytest.mark.parametrize(("number", "time"), [(1, "P4M"), (2, "P3.5M")])
def test_seed_case_resolves_completely_with_its_time(
    seed_extraction: Extraction, vocab: Vocabulary, number: int, time: str
):
    complete = {"complete_resolution"} | {
        c.id for c in vocab.concepts.values() if c.broader == "complete_resolution"
    }
    assert "disappearance" in complete
    outcomes = [
        (f.concept, f.value)
        for f in of_case(seed_extraction, number)
        if f.kind == "outcome" and f.assertion == "present"
    ]
    assert any(concept in complete and value == time for concept, value in outcomes), outcomes


@pytest.mark.parametrize(("number", "age", "days"), [(1, "P1M", 30.44), (2, "P2M", 60.88)])
def test_seed_case_age_and_sex(seed_extraction: Extraction, number: int, age: str, days: float):
    c = case(seed_extraction, number)
    assert (c.age, c.age_days, c.sex) == (age, days, "male")


@pytest.mark.parametrize("concept", ["pruritus", "pus_discharge"])
def test_seed_case_1_has_no_itchiness_nor_pus(seed_extraction: Extraction, concept: str):
    assertions = {f.assertion for f in of_case(seed_extraction, 1) if f.concept == concept}
    assert assertions == {"negated"}


def test_seed_case_findings_stay_in_their_case(seed_extraction: Extraction):
    """Case 1's own section says nothing of the right leg, case 2's nothing of the left."""
    sides = {
        n: {f.value for f in of_case(seed_extraction, n) if f.kind == "anatomy" and f.value}
        for n in (1, 2)
    }
    assert not any("right" in v for v in sides[1])
    assert not any("left" in v for v in sides[2])


def test_seed_evidence_offsets_index_the_file(seed_extraction: Extraction, seed_file):
    _, text = seed_file
    assert_evidence_indexes(text, seed_extraction.findings)
    for c in seed_extraction.cases:
        assert 0 <= c.start < c.end <= len(text)


def test_seed_skips_references_and_front_matter(seed_extraction: Extraction, seed_file):
    seed, _ = seed_file
    skipped = [s for s in seed.sections if s.kind in {"references", "how_to_cite"}]
    assert skipped
    for f in seed_extraction.findings:
        assert not any(s.start <= f.evidence.span_start < s.end for s in skipped), f


def test_seed_general_claims_are_about_the_article(seed_extraction: Extraction):
    article = f"article:{seed_extraction.document}"
    causes = caused_by(seed_extraction, article, "calcinosis_cutis_iatrogenic")
    assert "low_molecular_weight_heparin" in causes  # "… as result of LMWH administration"
    assert "hospitalization" not in causes  # the NICU is where, not why


# --------------------------------------------------------------------------- citation contexts


@pytest.fixture(scope="module")
def citations(nlp: Language, labels, seed_file) -> Extraction:
    seed, _ = seed_file
    return citation_findings(nlp, seed, [], labels)


def of_reference(extraction: Extraction, document: str, number: int) -> list[Finding]:
    return [f for f in extraction.findings if f.subject == f"ref:{document}#{number}"]


def test_citation_findings_are_the_seeds_claims(citations: Extraction, seed_file):
    seed, _ = seed_file
    document = f"seed:{seed.sha256[:12]}"
    assert citations.document == f"{document}#citations"
    assert citations.cases == []
    assert {f.evidence.method for f in citations.findings} == {"citation_context"}
    assert {f.evidence.document for f in citations.findings} == {document}


def test_reference_12_claims_iatrogenic_calcinosis_from_lmwh(citations: Extraction, seed_file):
    seed, _ = seed_file
    document = f"seed:{seed.sha256[:12]}"
    findings = of_reference(citations, document, 12)
    kinds = {(f.kind, f.concept) for f in findings}
    assert ("etiology", "low_molecular_weight_heparin") in kinds
    assert ("condition", "calcinosis_cutis_iatrogenic") in kinds
    assert ("etiology", "chronic_kidney_disease") in kinds  # "disease(CKD)", one sentence before
    subject = f"ref:{document}#12"
    assert caused_by(citations, subject, "calcinosis_cutis_iatrogenic") == {
        "low_molecular_weight_heparin"
    }


@pytest.mark.parametrize("number", [11, 12, 13, 14, 15])
def test_references_11_to_15_have_findings(citations: Extraction, seed_file, number: int):
    seed, _ = seed_file
    assert of_reference(citations, f"seed:{seed.sha256[:12]}", number)


def test_reference_11_claims(citations: Extraction, seed_file):
    seed, _ = seed_file
    concepts = {f.concept for f in of_reference(citations, f"seed:{seed.sha256[:12]}", 11)}
    assert {"calcium_gluconate_intravenous", "conservative_management", "wound_care"} <= concepts


def test_citation_offsets_index_the_file(citations: Extraction, seed_file):
    _, text = seed_file
    assert_evidence_indexes(text, citations.findings)


def test_a_resolved_reference_names_its_pmid(nlp: Language, labels, seed_file):
    from kb.records import Reference, Resolution

    seed, _ = seed_file
    resolution = Resolution(Reference(12, "ref 12"), pmid="99999912", method="doi")
    extraction = citation_findings(nlp, seed, [resolution], labels)
    abouts = {f.about for f in extraction.findings if f.subject.endswith("#12")}
    assert abouts == {"pmid:99999912"}
    assert {f.about for f in extraction.findings if f.subject.endswith("#11")} == {None}


# --------------------------------------------------------------------------- documents


def synthetic_record(**fields) -> PubmedRecord:
    return PubmedRecord(
        pmid="99999901",
        title="Calcinosis cutis after calcium gluconate extravasation (synthetic)",
        **fields,
    )


def test_pubmed_document_offsets_and_kinds():
    record = synthetic_record(
        abstract=[
            AbstractSection("Calcinosis cutis is rare.", "BACKGROUND"),
            AbstractSection("A 3-week-old boy had a swelling.", "CASE PRESENTATION"),
            AbstractSection("It resolved.", "CONCLUSIONS"),
        ]
    )
    document = pubmed_document(record)
    assert document.id == "pmid:99999901"
    assert [(kind, title) for kind, title, _, _ in document.sections] == [
        ("title", "Title"),
        ("introduction", "BACKGROUND"),
        ("case_presentation", "CASE PRESENTATION"),
        ("conclusion", "CONCLUSIONS"),
    ]
    assert [document.text[s:e] for _, _, s, e in document.sections] == [
        record.title,
        "BACKGROUND: Calcinosis cutis is rare.",
        "CASE PRESENTATION: A 3-week-old boy had a swelling.",
        "CONCLUSIONS: It resolved.",
    ]


def test_an_unstructured_abstract_is_one_abstract_section():
    record = synthetic_record(abstract=[AbstractSection("A girl had a plaque.")])
    document = pubmed_document(record)
    assert document.sections[-1][:2] == ("abstract", "Abstract")
    assert document.text.endswith("\n\nA girl had a plaque.")


def test_fulltext_document_offsets_and_kinds():
    text = FullText(
        "PMC99999901",
        title="A synthetic case",
        open_access=True,
        sections=[
            FullTextSection("Case presentation", ["Case 1: A boy.", "Case 2: A girl."]),
            FullTextSection("Discussion", ["It is rare."]),
        ],
    )
    document = fulltext_document(text)
    assert document.id == "pmc:PMC99999901"
    assert [(k, document.text[s:e]) for k, _, s, e in document.sections] == [
        ("title", "A synthetic case"),
        ("case_presentation", "Case 1: A boy."),
        ("case_presentation", "Case 2: A girl."),
        ("discussion", "It is rare."),
    ]


def test_extract_reads_a_pubmed_abstract(nlp: Language, labels):
    record = synthetic_record(
        abstract=[
            AbstractSection(
                "We saw two infants. Case 1: A 3-week-old boy developed iatrogenic calcinosis "
                "cutis due to extravasation of IV calcium gluconate. It resolved completely "
                "after 3 months. Case 2: A 6-week-old girl had a plaque without ulceration.",
                "CASE PRESENTATION",
            )
        ]
    )
    document = pubmed_document(record)
    extraction = extract(nlp, document, labels)
    one, two = extraction.cases
    assert (one.id, one.age, one.sex) == ("case:pmid:99999901#1", "P3W", "male")
    assert (two.id, two.age, two.sex) == ("case:pmid:99999901#2", "P6W", "female")
    first = {(f.kind, f.concept, f.value) for f in of_case(extraction, 1)}
    assert ("outcome", "complete_resolution", "P3M") in first
    assert caused_by(extraction, one.id, "calcinosis_cutis_iatrogenic") >= {"extravasation"}
    second = {(f.kind, f.concept, f.assertion) for f in of_case(extraction, 2)}
    assert second >= {("condition", "plaque", "present"), ("outcome", "ulceration", "negated")}
    assert all(f.label for f in extraction.findings)
    assert_evidence_indexes(document.text, extraction.findings)


SINGLE = [
    AbstractSection("Calcinosis cutis is rare in infants.", "BACKGROUND"),
    AbstractSection("A 3-week-old boy had a swelling of the left hand.", "CASE PRESENTATION"),
]


def test_a_case_report_without_markers_is_one_case(nlp: Language, labels):
    record = synthetic_record(abstract=SINGLE, publication_types=["Case Reports"])
    extraction = extract(nlp, pubmed_document(record), labels)
    (c,) = extraction.cases
    assert (c.number, c.age, c.sex, c.sites) == (1, "P3W", "male", ["hand:left"])
    assert {f.concept for f in of_case(extraction, 1)} >= {"swelling", "hand"}
    background = {f.concept for f in extraction.findings if f.subject.startswith("article:")}
    assert "calcinosis_cutis" in background


def test_an_article_without_markers_has_no_case(nlp: Language, labels):
    record = synthetic_record(abstract=SINGLE, publication_types=["Journal Article"])
    assert extract(nlp, pubmed_document(record), labels).cases == []


def test_extract_without_sections_finds_nothing(nlp: Language, labels):
    extraction = extract(nlp, TextDocument("test:0", "", "Calcinosis cutis.", ()), labels)
    assert (extraction.cases, extraction.findings, extraction.relations) == ([], [], [])


def test_finding_ids_are_stable(nlp: Language, labels):
    text = "Calciphylaxis due to warfarin."
    document = TextDocument("test:1", "", text, (("discussion", "Discussion", 0, len(text)),))
    first = extract(nlp, document, labels)
    again = extract(nlp, document, labels)
    assert [f.id for f in first.findings] == [f.id for f in again.findings]
    assert len({f.id for f in first.findings}) == len(first.findings) == 2


# --------------------------------------------------------------------------- MeSH


def heading(ui: str, name: str, *qualifiers: str) -> MeshHeading:
    return MeshHeading(ui, name, qualifiers=[MeshQualifier("Q000000", q) for q in qualifiers])


@pytest.fixture(scope="module")
def mesh(vocab: Vocabulary) -> Extraction:
    record = synthetic_record(
        mesh_headings=[
            heading("D002114", "Calcinosis", "chemically induced"),
            heading("D002125", "Calcium Gluconate", "adverse effects"),
            heading("D013885", "Thiosulfates", "therapeutic use"),
            heading("D099991", "Hypercalcemia", "complications"),
            heading("D099992", "Synthetic Unlisted Disorder", "diagnosis"),
            heading("D006801", "Humans"),
            heading("D007231", "Infant, Newborn"),
        ]
    )
    return mesh_findings(record, vocab)


def mesh_table(extraction: Extraction) -> list[tuple[str, str, str]]:
    return [(f.kind, f.concept, f.text) for f in extraction.findings]


def test_mesh_pairs_become_findings(mesh: Extraction):
    assert mesh_table(mesh) == [
        ("condition", "calcinosis", "Calcinosis/chemically induced"),
        ("etiology", "calcium_gluconate", "Calcium Gluconate/adverse effects"),
        ("treatment", "sodium_thiosulfate", "Thiosulfates/therapeutic use"),
        ("condition", "hypercalcemia", "Hypercalcemia/complications"),
        ("condition", "mesh:D099992", "Synthetic Unlisted Disorder/diagnosis"),
    ]


def test_mesh_findings_are_about_the_article(mesh: Extraction):
    assert mesh.document == "pmid:99999901"
    for f in mesh.findings:
        assert f.subject == "article:pmid:99999901"
        assert f.assertion == "present"
        assert (f.evidence.method, f.evidence.section, f.evidence.sentence) == (
            "mesh",
            "mesh",
            f.text,
        )


def test_an_unmapped_descriptor_keeps_its_mesh_id_and_name(mesh: Extraction):
    unmapped = next(f for f in mesh.findings if f.concept.startswith("mesh:"))
    assert (unmapped.concept, unmapped.label) == ("mesh:D099992", "Synthetic Unlisted Disorder")


def test_mesh_chemically_induced_is_caused_by_the_adverse_effect(mesh: Extraction):
    assert caused_by(mesh, "article:pmid:99999901", "calcinosis") == {"calcium_gluconate"}
    by_id = {f.id: f for f in mesh.findings}
    kinds = {(r.kind, by_id[r.source].concept, by_id[r.target].concept) for r in mesh.relations}
    assert ("caused_by", "sodium_thiosulfate", "calcium_gluconate") not in kinds
    assert all(r.kind == "caused_by" for r in mesh.relations)


def test_mesh_without_a_cause_relates_nothing(vocab: Vocabulary):
    record = synthetic_record(mesh_headings=[heading("D002114", "Calcinosis", "etiology")])
    extraction = mesh_findings(record, vocab)
    assert mesh_table(extraction) == [("condition", "calcinosis", "Calcinosis/etiology")]
    assert extraction.relations == []


# --------------------------------------------------------------------------- the demo build


@pytest.fixture(scope="module")
def demo(demo_kb: Path) -> Iterator[tuple[list[Extraction], str]]:
    """The session's demo KB (tests/conftest.py): its extractions and the seed's text."""
    from kb.datadir import Build

    build = Build.load(demo_kb)
    text = DEMO_SEED.read_bytes().decode("utf-8")
    if (demo_kb / "extractions.jsonl").exists() and build.extractions:
        extractions = build.extractions
    else:  # a build without the extraction stage: run it here
        from ingest.nlp.run import extract_all

        extractions = extract_all(
            build.seed, text, build.resolutions, build.records, build.fulltexts
        )
    yield extractions, text


def demo_seed_extraction(extractions: list[Extraction]) -> Extraction:
    (seed,) = [e for e in extractions if e.document.startswith("seed:") and "#" not in e.document]
    return seed


def test_demo_extractions_cover_every_source(demo):
    extractions, _ = demo
    documents = {e.document for e in extractions}
    seed = demo_seed_extraction(extractions).document
    assert f"{seed}#citations" in documents
    assert "pmc:PMC99000001" in documents  # the open-access full text
    assert "pmc:PMC99000002" not in documents  # front matter only
    assert "pmid:99000002" in documents and "pmid:99000002#mesh" in documents


def test_demo_seed_has_two_cases(demo):
    seed = demo_seed_extraction(demo[0])
    assert [(c.number, c.title) for c in seed.cases] == [(1, "Case 1"), (2, "Case 2")]


@pytest.mark.parametrize(
    ("number", "age", "sex", "site"),
    [(1, "P3W", "male", "hand:left dorsum"), (2, "P6W", "female", "foot:right dorsum")],
)
def test_demo_case_patient(demo, number: int, age: str, sex: str, site: str):
    c = case(demo_seed_extraction(demo[0]), number)
    assert (c.age, c.sex) == (age, sex)
    assert c.sites[0] == site


@pytest.mark.parametrize(("number", "time"), [(1, "P3M"), (2, "P5M")])
def test_demo_case_resolves_completely(demo, number: int, time: str):
    findings = of_case(demo_seed_extraction(demo[0]), number)
    outcomes = {(f.concept, f.value) for f in findings if f.kind == "outcome"}
    assert ("complete_resolution", time) in outcomes


def test_demo_case_1(demo):
    findings = of_case(demo_seed_extraction(demo[0]), 1)
    table = {(f.kind, f.concept, f.assertion) for f in findings}
    assert {
        ("condition", "calcinosis_cutis_iatrogenic", "present"),
        ("condition", "hypocalcemia", "present"),
        ("etiology", "calcium_gluconate_intravenous", "present"),
        ("etiology", "extravasation", "present"),
        ("treatment", "conservative_management", "present"),
        ("treatment", "dressing", "present"),
        ("condition", "fever", "negated"),
        ("outcome", "ulceration", "negated"),
        ("outcome", "scarring", "negated"),
        ("condition", "periostitis", "negated"),
    } <= table


def test_demo_case_2(demo):
    findings = of_case(demo_seed_extraction(demo[0]), 2)
    table = {(f.kind, f.concept, f.assertion) for f in findings}
    assert {
        ("condition", "hypocalcemic_seizures", "present"),
        ("condition", "plaque", "present"),
        ("etiology", "calcium_gluconate_intravenous", "present"),
        ("treatment", "emollient", "present"),
        ("treatment", "dressing", "present"),
        ("outcome", "ulceration", "negated"),
        ("condition", "fluctuance", "negated"),
        ("outcome", "normal_function", "present"),
    } <= table


def test_demo_case_1_condition_is_caused_by_iv_calcium(demo):
    seed = demo_seed_extraction(demo[0])
    causes = caused_by(seed, f"case:{seed.document}#1", "calcinosis_cutis_iatrogenic")
    assert causes & IV_CALCIUM


def test_demo_seed_offsets_index_the_file(demo):
    extractions, text = demo
    seed = demo_seed_extraction(extractions)
    assert_evidence_indexes(text, seed.findings)
    citations = next(e for e in extractions if e.document == f"{seed.document}#citations")
    assert_evidence_indexes(text, citations.findings)


def test_sites_keep_sides_apart_and_merge_aspects():
    from ingest.nlp.case_facts import sites as _sites
    from ingest.nlp.mentions import Mention

    def leg(value):
        return Mention("ANATOMY", "leg", "leg", 0, 3, (0, 3), "leg", "case_presentation",
                       "present", value)  # fmt: skip

    assert _sites([leg("left"), leg("medial"), leg(None)]) == ["leg:left medial"]
    assert _sites([leg("left"), leg("right lateral")]) == ["leg:left", "leg:right lateral"]
    assert _sites([leg(None)]) == ["leg"]
