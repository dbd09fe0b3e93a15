"""The shipped vocabulary loads, is canonical, covers the seed and the demo, and bad rows fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.nlp.lexicon_concepts import concept_mesh, mesh_entry_index
from ingest.nlp.mesh_files import descriptor_trees
from kb.vocab import (
    ABBREVIATION_HEADER,
    CONCEPT_HEADER,
    TYPES,
    Vocabulary,
    VocabularyError,
    load_vocabulary,
    normalize_term,
)
from tests.conftest import EUTILS, ROOT, SEED_PATH, SHARED, shared_file

VOCAB_DIR = ROOT / "data" / "vocab"
MESH_2024 = SHARED / "vocab" / "mesh-2024"
DEMO_DIR = ROOT / "data" / "demo"
HEADER = "\t".join(CONCEPT_HEADER)

# MeSH descriptor UIs checked against the MeSH browser by hand; anything else must appear as a
# DescriptorName in a recorded E-utilities answer under ../shared/eutils, or be the one MeSH 2024
# descriptor the concept's forms are entry terms of (lexicon_build --concepts).
VERIFIED_MESH = {
    "D002114": "Calcinosis",
    "D002115": "Calciphylaxis",
    "D002125": "Calcium Gluconate",
    "D003882": "Dermatomyositis",
    "D005119": "Extravasation of Diagnostic and Therapeutic Materials",
    "D006495": "Heparin, Low-Molecular-Weight",
    "D006996": "Hypocalcemia",
    "D012871": "Skin Diseases",
    "D013885": "Thiosulfates",
    "D014859": "Warfarin",
}

# short forms that mean different things in different specialties: abbreviations.tsv only
AMBIGUOUS_SHORT_FORMS = {"AF", "ASD", "CT", "CTD", "DM", "ECHO", "FNA", "IM", "NHL", "PDA"}
AMBIGUOUS_SHORT_FORMS |= {"RDS", "SC", "STS", "TLS", "US"}

# (surface form as the seed writes it, concept it must name)
SEED_TERMS = [
    # conditions, findings, differentials
    ("calcinosis cutis", "calcinosis_cutis"),
    ("iatrogenic calcinosis cutis", "calcinosis_cutis_iatrogenic"),
    ("iatrogenic calcinosis", "calcinosis_cutis_iatrogenic"),
    ("dystrophic calcinosis cutis", "calcinosis_cutis_dystrophic"),
    ("calciphylaxis", "calciphylaxis"),
    ("calcification", "calcinosis"),
    ("deposition of calcium salts", "calcinosis"),
    ("extra osseous calcification", "soft_tissue_calcification"),
    ("soft tissue calcification", "soft_tissue_calcification"),
    ("subcutaneous calcification", "soft_tissue_calcification"),
    ("calcific foci", "soft_tissue_calcification"),
    ("arteriolar calcification", "vascular_calcification"),
    ("hypocalcemia", "hypocalcemia"),
    ("low calcium levels", "hypocalcemia"),
    ("hypocalcemic seizures", "hypocalcemic_seizures"),
    ("vitamin D deficiency", "vitamin_d_deficiency"),
    ("respiratory distress syndrome", "respiratory_distress_syndrome"),
    ("respiratory distress", "respiratory_distress"),
    ("neonatal respiratory distress", "respiratory_distress"),
    ("hypoglycemia", "hypoglycemia"),
    ("hypoglycemic episode", "hypoglycemia"),
    ("sepsis", "sepsis"),
    ("thrombocytopenia", "thrombocytopenia"),
    ("swelling", "swelling"),
    ("soft tissue swelling", "swelling"),
    ("reddish discoloration", "erythema"),
    ("redness", "erythema"),
    ("erythema", "erythema"),
    ("itchiness", "pruritus"),
    ("pus discharge", "pus_discharge"),
    ("tenderness", "tenderness"),
    ("warm sensation", "warmth"),
    ("skin thickening", "skin_thickening"),
    ("pain", "pain"),
    ("nodules", "nodule"),
    ("tender nodules", "nodule"),
    ("soft tissue infection", "soft_tissue_infection"),
    ("infection", "infection"),
    ("thrombophlebitis", "thrombophlebitis"),
    ("arthritis", "arthritis"),
    ("periostitis", "periostitis"),
    ("thrombosis", "thrombosis"),
    ("increased tracer uptake", "increased_tracer_uptake"),
    ("skin disorders", "skin_disease"),
    ("metabolic diseases", "metabolic_disease"),
    ("closing PDA", "patent_ductus_arteriosus"),
    # causes and exposures
    ("calcium gluconate", "calcium_gluconate"),
    ("IV calcium gluconate", "calcium_gluconate_intravenous"),
    ("intravenous calcium gluconate", "calcium_gluconate_intravenous"),
    ("inj calcium gluconate", "calcium_gluconate_intravenous"),
    ("IV calcium", "intravenous_calcium"),
    ("intravenous calcium infusion", "intravenous_calcium"),
    ("IV calcium infusion", "intravenous_calcium"),
    ("IV administration of calcium", "intravenous_calcium"),
    ("extravasation", "extravasation"),
    ("extravasated", "extravasation"),
    ("IV injections", "intravenous_infusion"),
    ("vascular access", "peripheral_venous_cannulation"),
    ("tumour lysis syndrome", "tumour_lysis_syndrome"),
    ("heel sticks", "heel_sticks"),
    ("autoimmune connective tissue disorders", "autoimmune_connective_tissue_disease"),
    ("connective tissue disorder", "autoimmune_connective_tissue_disease"),
    ("soft tissue injury", "soft_tissue_injury"),
    ("tissue damage", "soft_tissue_injury"),
    ("malignancy", "malignancy"),
    ("elevated Ca++ and phosphate levels", "elevated_calcium_phosphate"),
    ("end-stage kidney disease", "end_stage_renal_disease"),
    ("chronic kidney disease", "chronic_kidney_disease"),
    ("CKD", "chronic_kidney_disease"),
    ("dialysis", "dialysis"),
    ("long-term dialysis", "dialysis"),
    ("low molecular weight heparin", "low_molecular_weight_heparin"),
    ("scleroderma", "scleroderma"),
    ("dermatomyositis", "dermatomyositis"),
    ("hospitalization", "hospitalization"),
    # treatments and management
    ("conservative management", "conservative_management"),
    ("managed conservatively", "conservative_management"),
    ("wound care", "wound_care"),
    ("follow up", "follow_up"),
    ("discontinuation of IV calcium gluconate", "iv_calcium_discontinuation"),
    ("medical treatment", "medical_treatment"),
    ("managed medically", "medical_treatment"),
    ("surgical", "surgery"),
    ("surgical treatment", "surgery"),
    ("managed surgically", "surgery"),
    ("surfactant replacement therapy", "surfactant_replacement_therapy"),
    ("antibiotics", "antibiotics"),
    ("brufen", "ibuprofen"),
    ("low flow nasal oxygen", "oxygen_therapy"),
    ("incubator care", "incubator_care"),
    ("IV fluids", "iv_fluids"),
    ("multidisciplinary team approach", "multidisciplinary_management"),
    ("treatment of specific etiology", "treatment_of_underlying_cause"),
    ("intravenous calcium dilution", "calcium_dilution"),
    # outcomes
    ("complete resolution", "complete_resolution"),
    ("complete disappearance", "disappearance"),
    ("resolved", "resolution"),
    ("necrosis", "necrosis"),
    ("ischemic skin necrosis", "necrosis"),
    # tests
    ("X-ray", "x_ray"),
    ("radiography", "x_ray"),
    ("imaging", "imaging"),
    ("bone scan", "bone_scan"),
    ("fine-needle aspiration cytology", "fnac"),
    ("FNAC", "fnac"),
    ("parathyroid hormone", "parathyroid_hormone"),
    ("vitamin D", "vitamin_d_level"),
    ("phosphate", "serum_phosphate"),
    ("renal function", "renal_function"),
    ("CRP", "c_reactive_protein"),
    ("Beta D glucan", "beta_d_glucan"),
    ("2D ECHO", "echocardiography"),
    ("laboratory tests", "laboratory_tests"),
    ("clinical examination", "clinical_examination"),
    # anatomical sites
    ("leg", "leg"),
    ("skin", "skin"),
    ("subcutaneous tissue", "subcutaneous_tissue"),
    ("soft tissues", "soft_tissue"),
    ("joints", "joint"),
    ("IV inj site", "iv_site"),
    ("site of intravenous access", "iv_site"),
    ("intravenous line site", "iv_site"),
]

# named by the seed, but not as one contiguous phrase: "dystrophic, metastatic, idiopathic,
# calciphylaxis, or iatrogenic calcinosis cutis"; "calcium" and "chloride" split by an
# affiliation block of the PDF conversion
SEED_TERMS_NOT_CONTIGUOUS = [
    ("metastatic calcinosis cutis", "calcinosis_cutis_metastatic"),
    ("idiopathic calcinosis cutis", "calcinosis_cutis_idiopathic"),
    ("calcium chloride", "calcium_chloride"),
]

# the seed's abbreviations that only abbreviations.tsv resolves
SEED_ABBREVIATIONS = [
    ("ASD", "atrial_septal_defect"),
    ("PDA", "patent_ductus_arteriosus"),
    ("NICU", "hospitalization"),
    ("IV", "intravenous_infusion"),
    ("inj", "injection"),
]

# the condition, cause or treatment each reference title names (reference number, surface, id)
REFERENCE_TERMS = [
    (1, "Postchemotherapy", "chemotherapy"),
    (1, "Calcinosis Cutis", "calcinosis_cutis"),
    (1, "Non-Hodgkin Lymphoma", "non_hodgkin_lymphoma"),
    (1, "Spontaneous Resolution", "spontaneous_resolution"),
    (3, "Iatrogenic calcinosis cutis", "calcinosis_cutis_iatrogenic"),
    (6, "Calciphylaxis", "calciphylaxis"),
    (7, "Calcinosis in Juvenile Dermatomyositis", "calcinosis_dermatomyositis"),
    (7, "Juvenile Dermatomyositis", "juvenile_dermatomyositis"),
    (8, "autoimmune connective tissue diseases", "autoimmune_connective_tissue_disease"),
    (9, "Sedimentation sign", "sedimentation_sign"),
    (9, "tumorous calcinosis", "tumoral_calcinosis"),
    (10, "Hypocalcemia", "hypocalcemia"),
    (10, "Calcium Gluconate", "calcium_gluconate"),
    (11, "extravasation", "extravasation"),
    (11, "intravenous calcium gluconate", "calcium_gluconate_intravenous"),
    (12, "Warfarin", "warfarin"),
    (12, "skin ulceration", "ulceration"),
    (12, "end-stage renal disease", "end_stage_renal_disease"),
    (13, "Calcinosis Cutis Secondary to Juvenile Dermatomyositis", "calcinosis_dermatomyositis"),
    (13, "Intralesional Sodium Thiosulfate Injections", "sodium_thiosulfate_intralesional"),
    (13, "Intralesional Sodium Thiosulfate", "sodium_thiosulfate_intralesional"),
    (15, "extravasated", "extravasation"),
]

# terms of the synthetic demo article and its PubMed abstracts
DEMO_TERMS = [
    ("hypocalcaemia", "hypocalcemia"),
    ("hypocalcaemic seizures", "hypocalcemic_seizures"),
    ("dorsum of the hand", "dorsum_of_hand"),
    ("foot", "foot"),
    ("forearm", "forearm"),
    ("scalp", "scalp"),
    ("heel", "heel"),
    ("cannula", "peripheral_venous_cannulation"),
    ("cellulitis", "cellulitis"),
    ("abscess", "abscess"),
    ("osteomyelitis", "osteomyelitis"),
    ("fever", "fever"),
    ("ulceration", "ulceration"),
    ("papules", "papule"),
    ("plaque", "plaque"),
    ("fluctuance", "fluctuance"),
    ("blanching", "blanching"),
    ("livedo", "livedo"),
    ("periosteal reaction", "periostitis"),
    ("preterm infants", "prematurity"),
    ("atrial fibrillation", "atrial_fibrillation"),
    ("nausea", "nausea"),
    ("metabolic acidosis", "metabolic_acidosis"),
    ("dystrophic calcinosis", "calcinosis_cutis_dystrophic"),
    ("metastatic calcinosis", "calcinosis_cutis_metastatic"),
    ("non-uremic calciphylaxis", "calciphylaxis_nonuremic"),
    ("calcified heel nodules", "calcified_heel_nodules"),
    ("soft-tissue calcification", "soft_tissue_calcification"),
    ("systemic sclerosis", "scleroderma"),
    ("warfarin", "warfarin"),
    ("low-molecular-weight heparin", "low_molecular_weight_heparin"),
    ("heel sticks", "heel_sticks"),
    ("kidney failure", "kidney_failure"),
    ("anticoagulants", "anticoagulant"),
    ("sodium thiosulfate", "sodium_thiosulfate"),
    ("intravenous sodium thiosulfate", "sodium_thiosulfate_intravenous"),
    ("topical sodium thiosulfate", "sodium_thiosulfate_topical"),
    ("bisphosphonates", "bisphosphonate"),
    ("calcium channel blockers", "calcium_channel_blocker"),
    ("surgical excision", "surgical_excision"),
    ("dressings", "dressing"),
    ("hydrocolloid dressing", "dressing"),
    ("emollient", "emollient"),
    ("warm compresses", "warm_compress"),
    ("direct oral anticoagulant", "direct_oral_anticoagulant"),
    ("central venous catheter", "central_venous_catheter"),
    ("observation", "follow_up"),
    ("resolved spontaneously", "spontaneous_resolution"),
    ("resolved completely", "complete_resolution"),
    ("scar", "scarring"),
    ("recurrence", "recurrence"),
    ("persisted", "persistence"),
    ("healed", "healing"),
    ("contractures", "contracture"),
    ("mortality", "death"),
    ("ultrasound", "ultrasound"),
    ("radiographs", "x_ray"),
    ("biopsy", "biopsy"),
    ("serum calcium", "serum_calcium"),
    ("C-reactive protein", "c_reactive_protein"),
    ("alkaline phosphatase", "alkaline_phosphatase"),
    ("white cell count", "white_cell_count"),
    ("blood cultures", "blood_culture"),
]


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="module")
def seed_text() -> str:
    return flatten(shared_file(SEED_PATH).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_text() -> str:
    parts = [(DEMO_DIR / "seed.md").read_text(encoding="utf-8")]
    for path in sorted((DEMO_DIR / "corpus" / "pubmed").glob("*.xml")):
        parts.append(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    return flatten(" ".join(parts))


def flatten(text: str) -> str:
    """Markdown emphasis and line breaks removed, so phrases are found across them."""
    return normalize_term(text.replace("**", ""))


def contains_phrase(text: str, phrase: str) -> bool:
    """Whole-phrase, case-insensitive: how the vocabulary's terms are meant to be matched."""
    pattern = r"(?<!\w)" + re.escape(normalize_term(phrase)) + r"(?!\w)"
    return re.search(pattern, text) is not None


def ids(vocab: Vocabulary, surface: str) -> set[str]:
    return {concept.id for concept in vocab.lookup(surface)}


# -- the shipped files ---------------------------------------------------------------------------


def test_the_shipped_vocabulary_loads(vocab: Vocabulary):
    assert 150 <= len(vocab.concepts) <= 300
    assert {concept.type for concept in vocab.concepts.values()} == set(TYPES)
    assert load_vocabulary(VOCAB_DIR) == vocab  # the package data is this folder
    assert vocab.abbreviations["IV"] == "intravenous"


def sort_key(text: str) -> tuple[str, str]:
    return (text.casefold(), text)


def canonical_concepts(text: str) -> str:
    header, *lines = text.rstrip("\n").split("\n")
    rows = [[field.strip() for field in line.split("\t")] for line in lines if line.strip()]
    out = [header]
    for concept_id, type_, label, mesh, synonyms, broader in sorted(
        rows, key=lambda r: (r[1], r[0])
    ):
        forms = sorted(
            {" ".join(s.split()) for s in synonyms.split("|") if s.strip()}, key=sort_key
        )
        out.append("\t".join([concept_id, type_, label, mesh, "|".join(forms), broader]))
    return "\n".join(out) + "\n"


def canonical_abbreviations(text: str) -> str:
    header, *lines = text.rstrip("\n").split("\n")
    rows = sorted((line.strip() for line in lines if line.strip()), key=sort_key)
    return "\n".join([header, *rows]) + "\n"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("concepts.tsv", canonical_concepts), ("abbreviations.tsv", canonical_abbreviations)],
)
def test_the_files_are_in_canonical_form(name: str, canonical):
    text = (VOCAB_DIR / name).read_bytes().decode("utf-8")
    assert "\r" not in text, "LF line endings only"
    assert text.endswith("\n") and not text.endswith("\n\n")
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        assert line, f"{name}:{number}: blank line"
        for field in line.split("\t"):
            assert field == field.strip() and "  " not in field, f"{name}:{number}: {field!r}"
    assert text == canonical(text), f"{name} is not sorted/canonical"


def test_the_headers_are_the_documented_ones():
    concepts = (VOCAB_DIR / "concepts.tsv").read_text(encoding="utf-8")
    abbreviations = (VOCAB_DIR / "abbreviations.tsv").read_text(encoding="utf-8")
    assert concepts.split("\n", 1)[0] == HEADER
    assert abbreviations.split("\n", 1)[0] == "\t".join(ABBREVIATION_HEADER)


def test_synonyms_do_not_repeat_the_label_or_each_other(vocab: Vocabulary):
    for concept in vocab.concepts.values():
        keys = [normalize_term(form) for form in (concept.label, *concept.synonyms)]
        assert len(keys) == len(set(keys)), concept.id


def test_broader_stays_within_a_type(vocab: Vocabulary):
    for concept in vocab.concepts.values():
        if concept.broader is not None:
            assert vocab.get(concept.broader).type == concept.type, concept.id


def test_ambiguous_short_forms_are_only_abbreviations(vocab: Vocabulary):
    forms = {form for form, _ in vocab.terms()}
    assert not forms & AMBIGUOUS_SHORT_FORMS
    assert AMBIGUOUS_SHORT_FORMS - {"DM", "US"} <= set(vocab.abbreviations)


def test_every_abbreviation_expands_to_a_vocabulary_term(vocab: Vocabulary):
    unmatched = {a: e for a, e in vocab.abbreviations.items() if not vocab.lookup(e)}
    assert not unmatched


def test_every_mesh_id_is_verified_recorded_or_matched(vocab: Vocabulary):
    """Hand-checked, read in a recorded E-utilities answer, or the one MeSH 2024 descriptor the
    concept's forms are entry terms of (``python -m ingest.nlp.lexicon_build --concepts``)."""
    used = {c.mesh: c for c in vocab.concepts.values() if c.mesh is not None}
    unverified = set(used) - set(VERIFIED_MESH)
    if not unverified:
        return
    recorded: set[str] = set()
    if EUTILS.is_dir():
        for path in EUTILS.rglob("*.xml"):
            text = path.read_text(encoding="utf-8", errors="replace")
            recorded.update(re.findall(r'<DescriptorName UI="(D\d+)"', text))
    unverified -= recorded
    if not unverified:
        return
    mesh_dir = shared_file(MESH_2024)
    index = mesh_entry_index(mesh_dir)
    descriptors = descriptor_trees(mesh_dir)
    unmatched = {}
    for ui in sorted(unverified):
        concept = used[ui]
        found, _ = concept_mesh(
            concept.label, list(concept.synonyms), concept.type, index, descriptors
        )
        if found != ui:
            unmatched[concept.id] = (ui, found)
    assert not unmatched


def test_a_mesh_id_names_one_concept(vocab: Vocabulary):
    meshes = [c.mesh for c in vocab.concepts.values() if c.mesh is not None]
    assert len(meshes) == len(set(meshes))


# -- coverage -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("surface", "concept_id"), SEED_TERMS, ids=[s for s, _ in SEED_TERMS])
def test_the_seed_terms_are_covered(
    vocab: Vocabulary, seed_text: str, surface: str, concept_id: str
):
    assert contains_phrase(seed_text, surface), f"{surface!r} is not in the seed"
    assert concept_id in ids(vocab, surface)


@pytest.mark.parametrize(("surface", "concept_id"), SEED_TERMS_NOT_CONTIGUOUS)
def test_the_seed_terms_named_in_pieces_are_covered(
    vocab: Vocabulary, surface: str, concept_id: str
):
    assert concept_id in ids(vocab, surface)


@pytest.mark.parametrize(("short", "concept_id"), SEED_ABBREVIATIONS)
def test_the_seed_abbreviations_expand_to_concepts(
    vocab: Vocabulary, seed_text: str, short: str, concept_id: str
):
    assert contains_phrase(seed_text, short)
    assert concept_id in ids(vocab, vocab.abbreviations[short])


@pytest.mark.parametrize(("number", "surface", "concept_id"), REFERENCE_TERMS)
def test_the_reference_titles_are_covered(
    vocab: Vocabulary, number: int, surface: str, concept_id: str
):
    title = reference_titles()[number]
    assert contains_phrase(normalize_term(title), surface), title
    assert concept_id in ids(vocab, surface)


def test_every_reference_title_names_a_condition_cause_or_treatment(vocab: Vocabulary):
    wanted = {"CONDITION", "ETIOLOGY", "TREATMENT"}
    forms = [form for form, concept in vocab.terms() if concept.type in wanted]
    for number, title in reference_titles().items():
        assert any(contains_phrase(normalize_term(title), form) for form in forms), (number, title)


def reference_titles() -> dict[int, str]:
    from ingest.seed.document import read_seed

    seed = read_seed(shared_file(SEED_PATH).read_text(encoding="utf-8"))
    titles = {ref.number: ref.title for ref in seed.references if ref.title}
    assert len(titles) == 15
    return titles


@pytest.mark.parametrize(("surface", "concept_id"), DEMO_TERMS, ids=[s for s, _ in DEMO_TERMS])
def test_the_demo_terms_are_covered(
    vocab: Vocabulary, demo_text: str, surface: str, concept_id: str
):
    assert contains_phrase(demo_text, surface), f"{surface!r} is not in the demo corpus"
    assert concept_id in ids(vocab, surface)


# -- the API ------------------------------------------------------------------------------------


def test_terms_lookup_get_and_ancestors(vocab: Vocabulary):
    terms = {(form, concept.id) for form, concept in vocab.terms()}
    assert ("calcinosis cutis", "calcinosis_cutis") in terms  # the label is a term
    assert ("LMWH", "low_molecular_weight_heparin") in terms
    assert ids(vocab, "  Low-Molecular-Weight   HEPARIN ") == {"low_molecular_weight_heparin"}
    assert vocab.lookup("no such phrase") == ()
    with pytest.raises(KeyError, match="no_such_concept"):
        vocab.get("no_such_concept")
    chain = [c.id for c in vocab.ancestors("sodium_thiosulfate_intralesional")]
    assert chain == ["sodium_thiosulfate", "medical_treatment"]
    assert [c.id for c in vocab.ancestors("calcinosis_cutis_iatrogenic")] == [
        "calcinosis_cutis",
        "calcinosis",
    ]


# -- validation -----------------------------------------------------------------------------------


def write_concepts(directory: Path, rows: list[str], name: str = "concepts.tsv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = "calcinosis\tCONDITION\tcalcinosis\tD002114\tcalcification\t"


@pytest.mark.parametrize(
    ("rows", "line", "problem"),
    [
        ([GOOD, GOOD], 3, "duplicate id 'calcinosis'"),
        (["calcinosis\tDISEASE\tcalcinosis\t\t\t"], 2, "unknown type 'DISEASE'"),
        (["calcinosis\tCONDITION\tcalcinosis\tD12345\t\t"], 2, "malformed MeSH id 'D12345'"),
        (["calcinosis\tCONDITION\tcalcinosis\tC002114\t\t"], 2, "malformed MeSH id"),
        (["cc\tCONDITION\tcalcinosis cutis\t\t\tcalcinosis"], 2, "broader 'calcinosis' of 'cc'"),
        (
            [GOOD, "calcinosis_cutis\tCONDITION\tcalcinosis cutis\t\tCalcification\t"],
            3,
            "ambiguous surface form 'Calcification'",
        ),
        (
            [GOOD, "cc\tCONDITION\tCALCINOSIS\t\t\t"],
            3,
            "ambiguous surface form 'CALCINOSIS'",
        ),
        (["Calcinosis Cutis\tCONDITION\tcalcinosis cutis\t\t\t"], 2, "is not snake_case"),
        (["calcinosis\tCONDITION\t\t\t\t"], 2, "empty label"),
        (["calcinosis\tCONDITION\tcalcinosis\t\ta||b\t"], 2, "empty synonym"),
        (["calcinosis\tCONDITION\tcalcinosis\t\t"], 2, "expected 6 tab-separated columns, found 5"),
        (
            ["a\tCONDITION\ta\t\t\tb", "b\tCONDITION\tb\t\t\ta"],
            2,
            "broader links of 'a' form a cycle",
        ),
    ],
)
def test_bad_rows_are_rejected_with_file_line_and_problem(
    tmp_path: Path, rows: list[str], line: int, problem: str
):
    path = write_concepts(tmp_path / "vocab", rows)
    with pytest.raises(VocabularyError, match=re.escape(problem)) as caught:
        load_vocabulary(tmp_path / "vocab")
    assert str(caught.value).startswith(f"{path}, line {line}: ")
    assert caught.value.line == line


def test_a_wrong_header_is_rejected(tmp_path: Path):
    (tmp_path / "concepts.tsv").write_text("id,type,label\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"concepts\.tsv, line 1: header must be"):
        load_vocabulary(tmp_path)


def test_a_directory_without_concepts_is_rejected(tmp_path: Path):
    with pytest.raises(VocabularyError, match=r"no concepts\*\.tsv file"):
        load_vocabulary(tmp_path)


def test_one_form_may_name_concepts_of_different_types(tmp_path: Path):
    write_concepts(
        tmp_path,
        [
            "warfarin\tETIOLOGY\twarfarin\tD014859\t\t",
            "warfarin_low_dose\tTREATMENT\tlow-dose warfarin\t\twarfarin\t",
        ],
    )
    vocab = load_vocabulary(tmp_path)
    assert ids(vocab, "Warfarin") == {"warfarin", "warfarin_low_dose"}


def test_extra_concept_files_extend_the_vocabulary(tmp_path: Path):
    for name in ("concepts.tsv", "abbreviations.tsv"):
        (tmp_path / name).write_bytes((VOCAB_DIR / name).read_bytes())
    write_concepts(
        tmp_path,
        [
            "calcinosis_cutis_scrotal\tCONDITION\tscrotal calcinosis\t\t\tcalcinosis_cutis_idiopathic"
        ],
        name="concepts_local.tsv",
    )
    vocab = load_vocabulary(tmp_path)
    assert vocab.get("calcinosis_cutis_scrotal").broader == "calcinosis_cutis_idiopathic"
    assert len(vocab.concepts) == len(load_vocabulary().concepts) + 1

    local = write_concepts(tmp_path, [GOOD.replace("calcification", "")], name="concepts_z.tsv")
    with pytest.raises(VocabularyError, match="duplicate id 'calcinosis'") as caught:
        load_vocabulary(tmp_path)
    assert str(local) in str(caught.value) and "concepts.tsv, line" in str(caught.value)


def test_duplicate_and_empty_abbreviations_are_rejected(tmp_path: Path):
    write_concepts(tmp_path, [GOOD])
    abbreviations = tmp_path / "abbreviations.tsv"
    abbreviations.write_text(
        "abbreviation\texpansion\nIV\tintravenous\nIV\tinj\n", encoding="utf-8"
    )
    with pytest.raises(VocabularyError, match=r"line 3: duplicate abbreviation 'IV'"):
        load_vocabulary(tmp_path)
    abbreviations.write_text("abbreviation\texpansion\nIV\t\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="must both be given"):
        load_vocabulary(tmp_path)


def test_abbreviations_are_optional(tmp_path: Path):
    write_concepts(tmp_path, [GOOD])
    vocab = load_vocabulary(tmp_path)
    assert vocab.abbreviations == {}
    assert [form for form, _ in vocab.terms()] == ["calcinosis", "calcification"]
