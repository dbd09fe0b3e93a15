"""MACCROBAT span conventions for case reports (ingest/nlp/case_spans.py) and the edge table they
read (ingest/nlp/train/case_edges.py), on short synthetic phrases."""

from __future__ import annotations

import spacy

from ingest.nlp.case_spans import conform, load_edges, parse_edges, stripped
from ingest.nlp.merge import Candidate
from ingest.nlp.train.case_edges import edge_counts, left_out
from ingest.nlp.train.corpus import AnnotatedText, Annotation

EDGES = parse_edges(
    "# group\tedge\tword\tin\tout\n"
    "disease+sign\tL\tsevere\t1\t40\n"
    "disease+sign\tL\tabdominal\t1\t30\n"
    "diagnostic_procedure\tR\tlevel\t6\t40\n"
)
nlp = spacy.blank("en")


def test_edge_words_the_annotators_leave_out_are_stripped():
    doc = nlp("She had severe abdominal pain and a creatinine level of 2.")
    sign = Candidate(2, 5, "CONDITION", "sign_symptom", source="abstracts")
    test = Candidate(7, 9, "TEST", "test", source="cases")
    assert (stripped(doc, sign, EDGES).start, stripped(doc, sign, EDGES).end) == (4, 5)
    assert doc[stripped(doc, test, EDGES).start : stripped(doc, test, EDGES).end].text == (
        "creatinine"
    )


def test_one_word_always_stays_and_other_groups_are_untouched():
    doc = nlp("It was severe.")
    alone = Candidate(2, 3, "CONDITION", "disease", source="cases")
    assert stripped(doc, alone, EDGES) == alone
    site = Candidate(2, 3, "ANATOMY", "anatomy", source="cases")
    assert stripped(doc, site, EDGES) == site


def test_unconfirmed_route_words_and_stop_words_are_dropped_chemotherapy_is_a_drug():
    doc = nlp("Besides intravenous fluids , chemotherapy and follow-up were given .")
    route = Candidate(1, 2, "ETIOLOGY", "procedure", "intravenous_infusion")
    stop = Candidate(0, 1, "TREATMENT", "chemical", source="abstracts")
    chemo = Candidate(4, 5, "ETIOLOGY", None, "chemotherapy")
    follow = Candidate(6, 7, "TREATMENT", "procedure", "follow_up")
    kept = conform(doc, [stop, route, chemo, follow], [], EDGES)
    assert [(c.concept, c.category) for c in kept] == [("chemotherapy", "chemical")]
    confirmed = Candidate(6, 7, "TREATMENT", "procedure", source="cases")
    assert conform(doc, [follow], [confirmed], EDGES) == [follow]


def test_the_shipped_table_lists_words_of_each_group():
    edges = load_edges()
    assert "intravenous" in edges[("medication", "L")]
    assert "level" in edges[("diagnostic_procedure", "R")]


def test_edge_counts_count_inside_and_outside_a_gold_span():
    text = "mild cough and mild cough ; dry cough"
    spans = [(5, 10), (20, 25), (28, 37)]
    doc = AnnotatedText(
        "maccrobat",
        "1",
        text,
        tuple(Annotation(s, e, "SIGN_SYMPTOM") for s, e in spans),
        frozenset({"SIGN_SYMPTOM"}),
    )
    counts = edge_counts([doc], groups=("disease+sign",))
    assert counts[("disease+sign", "L", "mild")]["out"] == 2
    assert counts[("disease+sign", "L", "dry")]["in"] == 1
    assert left_out(counts) == []  # seen fewer than MIN_SEEN times


def test_an_uncovered_drug_name_is_a_medication_unless_its_level_is_given():
    doc = nlp("She took zorbifen daily ; zorbifen 3 mg/dL was measured , and aspirin .")
    drugs = frozenset({"zorbifen"})
    at = next(t.i for t in doc if t.text == "aspirin")
    aspirin = Candidate(at, at + 1, "TREATMENT", "chemical", source="abstracts")
    kept = conform(doc, [aspirin], [aspirin], EDGES, drugs)
    assert [(doc[c.start].text, c.category, c.source) for c in kept] == [
        ("zorbifen", "chemical", "drugs"),
        ("aspirin", "chemical", "abstracts"),
    ]


def test_drug_names_need_drugbank_and_mesh():
    from ingest.nlp.train.case_drugs import drug_names

    rows = [
        "zorbifen\tmesh:D1,chemical,P;drugbank:DB1,chemical,P",
        "datefruit\tdrugbank:DB2,chemical,P",
        "two words\tmesh:D3,chemical,P;drugbank:DB3,chemical,P",
        "two more\tmesh:D4,chemical,P",
        "five words are too many\tmesh:D5,chemical,P;drugbank:DB5,chemical,P",
    ]
    assert drug_names(rows) == ["two words", "zorbifen"]


def test_a_test_holding_a_curated_term_stays_a_test():
    doc = nlp("Her oxygen saturation was low .")
    test = Candidate(1, 3, "TEST", "test", source="cases", within="oxygen_therapy")
    kinds = {"oxygen_therapy": "TREATMENT", "livedo": "CONDITION"}
    assert conform(doc, [test], [test], EDGES, frozenset(), kinds=kinds) == [
        Candidate(1, 3, "TEST", "test", source="cases")
    ]
    named = Candidate(1, 3, "TEST", "test", source="cases", within="livedo")
    assert conform(doc, [named], [named], EDGES, frozenset(), kinds=kinds) == [named]


def test_a_drug_read_as_a_test_or_a_body_part_is_a_medication_where_it_is_given():
    drugs = frozenset({"zorbifen", "quorimab"})
    doc = nlp(
        "She received zorbifen and quorimab . Tests of zorbifen were done . zorbifen 3 mg/dL ."
    )
    given = Candidate(2, 3, "TEST", "test", source="cases")
    body = Candidate(4, 5, "ANATOMY", "anatomy", source="cases")
    listed = Candidate(8, 9, "TEST", "test", source="cases")  # what was measured, no cue
    level = Candidate(13, 14, "TEST", "test", source="cases")  # its level follows
    kept = conform(doc, [given, body, listed, level], [given, body, listed, level], EDGES, drugs)
    assert [(c.start, c.category, c.label) for c in kept] == [
        (2, "chemical", "TREATMENT"),
        (4, "chemical", "TREATMENT"),
        (8, "test", "TEST"),
        (13, "test", "TEST"),
    ]


def test_a_drug_short_form_the_text_defines_and_a_drug_of_several_words_are_medications():
    """A defined "quorimab zorbifate (QZ)": QZ is the drug whatever the case model read it as (a disease
    here), unless a level follows; the whole name read as a test is the drug where it is given;
    an undefined look-alike ("QX") and a lower-case "qz" stay as they are."""
    drugs = frozenset({"quorimab zorbifate"})
    doc = nlp(
        "She received quorimab zorbifate ( QZ ) daily . QZ was stopped ; QX and qz were not . "
        "QZ 4 mg/L ."
    )
    named = Candidate(2, 4, "TEST", "test", source="cases")
    again = Candidate(9, 10, "DISEASE", "disease", source="cases")
    other = Candidate(13, 14, "DISEASE", "disease", source="cases")
    lower = Candidate(15, 16, "TEST", "test", source="cases")
    level = Candidate(19, 20, "TEST", "test", source="cases")
    spans = [named, again, other, lower, level]
    kept = conform(doc, spans, spans, EDGES, drugs)
    assert [(c.start, c.category) for c in kept] == [
        (2, "chemical"),
        (5, "chemical"),  # the definition's own short form, which no span covered
        (9, "chemical"),
        (13, "disease"),
        (15, "test"),
        (19, "test"),
    ]


def test_the_shipped_drug_names_are_what_the_repo_makes():
    """``python -m ingest.nlp.train.case_drugs`` remakes data/nlp/case_drugs.txt."""
    import gzip

    from ingest.nlp.train.case_drugs import LEXICON, OUTPUT, drug_names

    with gzip.open(LEXICON, "rt", encoding="utf-8") as f:
        names = drug_names(f.readlines())
    shipped = [w for w in OUTPUT.read_text("utf-8").splitlines() if not w.startswith("#")]
    assert shipped == names
