"""Assertion status (ConText): one tiny sentence per behaviour, entities set by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.context import (
    ASSERTIONS,
    CATEGORIES,
    ContextComponent,
    ContextRule,
    ContextRuleError,
    Cue,
    assign_assertions,
    load_rules,
    parse_rules,
)

HEADER = "literal\tcategory\tdirection\tmax_scope\n"


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casebook_context")
    return nlp


def annotate(nlp: Language, text: str, *entities: str) -> Doc:
    """``text`` through the pipeline with ``entities`` (found left to right) as CONDITION ents."""
    doc = nlp.make_doc(text)
    spans, pos = [], 0
    for entity in entities:
        start = text.index(entity, pos)
        pos = start + len(entity)
        span = doc.char_span(start, pos, label="CONDITION")
        assert span is not None, f"{entity!r} is not on token boundaries"
        spans.append(span)
    doc.ents = spans
    for _, pipe in nlp.pipeline:
        doc = pipe(doc)
    return doc


def statuses(nlp: Language, text: str, *entities: str) -> list[str]:
    return [ent._.assertion for ent in annotate(nlp, text, *entities).ents]


# --- negation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("There was no itchiness, pus discharge.", ("itchiness", "pus discharge")),
        ("A lytic lesion without intra osseous extension.", ("intra osseous extension",)),
        ("The patient denies fever.", ("fever",)),
        ("Absence of calcification on CT.", ("calcification",)),
        ("MRI ruled out osteomyelitis.", ("osteomyelitis",)),
        ("She remained free of recurrence.", ("recurrence",)),
        ("Cultures were negative for infection.", ("infection",)),
        ("There was no evidence of malignancy.", ("malignancy",)),
        ("Calcification was not seen.", ("Calcification",)),
        ("Infection was ruled out.", ("Infection",)),
        ("Fever: absent.", ("Fever",)),
        ("The lesion was not tender.", ("tender",)),
        ("There was no history of trauma.", ("trauma",)),
    ],
)
def test_negated(nlp, text, entities):
    assert statuses(nlp, text, *entities) == ["negated"] * len(entities)


def test_negation_beats_family(nlp):
    doc = annotate(nlp, "There was no family history of a similar condition.", "similar condition")
    assert [(e._.assertion, e._.assertion_cue) for e in doc.ents] == [("negated", "no")]


def test_afebrile_is_a_finding_not_a_trigger(nlp):
    assert statuses(nlp, "He was afebrile with cellulitis.", "afebrile", "cellulitis") == [
        "present",
        "present",
    ]


def test_cue_is_the_trigger_text(nlp):
    doc = annotate(nlp, "Calcification was not seen.", "Calcification")
    assert doc.ents[0]._.assertion_cue == "not seen"


# --- scope ------------------------------------------------------------------------------------


def test_but_ends_the_negation(nlp):
    assert statuses(nlp, "There was no swelling but tenderness.", "swelling", "tenderness") == [
        "negated",
        "present",
    ]


def test_semicolon_ends_the_negation(nlp):
    assert statuses(nlp, "No fever; erythema was present.", "fever", "erythema") == [
        "negated",
        "present",
    ]


def test_presentation_verb_ends_the_negation(nlp):
    text = "A man with no history of trauma presented with swelling."
    assert statuses(nlp, text, "trauma", "swelling") == ["negated", "present"]


def test_a_new_clause_ends_the_negation(nlp):
    text = "There was no lymphadenopathy and the spleen was enlarged."
    assert statuses(nlp, text, "lymphadenopathy", "enlarged") == ["negated", "present"]
    text = "There were no complications after surgery."
    assert statuses(nlp, text, "complications", "surgery") == ["negated", "present"]


def test_forward_only_terminator_leaves_backward_scopes(nlp):
    # "was" ends "no X was ..." scopes but not the backward reach of "not seen"
    assert statuses(nlp, "Calcification was not seen.", "Calcification") == ["negated"]


def test_trigger_stops_at_a_trigger_of_another_category(nlp):
    assert statuses(nlp, "No fever, possible cellulitis.", "fever", "cellulitis") == [
        "negated",
        "possible",
    ]


def test_max_scope_limits_the_reach(nlp):
    text = "MRI ruled out osteomyelitis and after three more weeks of follow up an abscess formed."
    assert statuses(nlp, text, "osteomyelitis", "abscess") == ["negated", "present"]


def test_triggers_never_reach_into_the_next_sentence(nlp):
    assert statuses(nlp, "No fever. Cellulitis was seen.", "fever", "Cellulitis") == [
        "negated",
        "present",
    ]
    assert statuses(nlp, "Psoriasis was seen. It was not tender.", "Psoriasis") == ["present"]


def test_terminate_word_inside_an_entity_is_a_name(nlp):
    assert statuses(
        nlp, "No adult-onset Still's disease or arthritis.", "Still's disease", "arthritis"
    ) == [
        "negated",
        "negated",
    ]


def test_trigger_inside_an_entity_does_not_modify_it(nlp):
    text = "Suspected osteomyelitis and cellulitis were treated."
    assert statuses(nlp, text, "Suspected osteomyelitis", "cellulitis") == ["present", "possible"]


# --- pseudo-triggers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("There was not only swelling but also redness.", ("swelling", "redness")),
        ("There was no increase in swelling.", ("swelling",)),  # the swelling is still there
        ("He developed gram-negative sepsis.", ("sepsis",)),
        ("Gram negative bacilli caused the abscess.", ("abscess",)),
        ("A previously healthy man had cellulitis.", ("cellulitis",)),
        ("Prior to surgery, the ulcer was debrided.", ("ulcer",)),
        ("Over the past week, the rash spread.", ("rash",)),
        ("A boy was brought by his mother with fever.", ("fever",)),
        ("Relative efficacy and toxicity of netilmicin.", ("toxicity",)),
        ("The parent compound caused hepatitis.", ("hepatitis",)),
        ("There was no significant difference in mortality.", ("mortality",)),
        ("She presented with a 3-day history of fever.", ("fever",)),
        ("He had a 10-year history of diabetes.", ("diabetes",)),
    ],
)
def test_pseudo_triggers_leave_entities_present(nlp, text, entities):
    assert statuses(nlp, text, *entities) == ["present"] * len(entities)


# --- possible, hypothetical, historical, family ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        ("This was probably cellulitis.", "cellulitis", "possible"),
        ("Suspected osteomyelitis was treated.", "osteomyelitis", "possible"),
        ("The lesion may represent a lymphoma.", "lymphoma", "possible"),
        ("A possible abscess was drained.", "abscess", "possible"),
        ("This is likely sarcoidosis.", "sarcoidosis", "possible"),
        ("Osteomyelitis cannot be excluded.", "Osteomyelitis", "possible"),
        ("We could not rule out tuberculosis.", "tuberculosis", "possible"),
        ("Histology was consistent with calcinosis cutis.", "calcinosis cutis", "possible"),
        ("Clinicians should be aware of photosensitivity.", "photosensitivity", "hypothetical"),
        ("Emollients may help reduce itching.", "itching", "hypothetical"),
        ("Antibiotics were given to prevent infection.", "infection", "hypothetical"),
        ("Return if a fever develops.", "fever", "hypothetical"),
        ("Call us in case of bleeding.", "bleeding", "hypothetical"),
        ("There is a risk of recurrence.", "recurrence", "hypothetical"),
        ("Sun exposure was restricted to avoid a flare.", "flare", "hypothetical"),
        ("She had a history of psoriasis.", "psoriasis", "historical"),
        ("He was previously treated for tuberculosis.", "tuberculosis", "historical"),
        ("Prior radiotherapy was noted.", "radiotherapy", "historical"),
        ("Past surgery was uneventful.", "surgery", "historical"),
        ("He had a stroke five years ago.", "stroke", "historical"),
        ("There was a family history of psoriasis.", "psoriasis", "family"),
        ("His mother had vitiligo.", "vitiligo", "family"),
        ("She has a sibling with alopecia.", "alopecia", "family"),
        ("Her father had a history of melanoma.", "melanoma", "family"),  # family > historical
    ],
)
def test_categories(nlp, text, entity, expected):
    assert statuses(nlp, text, entity) == [expected]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("Serum calcium was 2.4 mmol/L on admission.", ("2.4 mmol/L",)),
        ("Calcinosis cutis was diagnosed on biopsy.", ("Calcinosis cutis",)),
        ("The ulcer healed in 3 weeks.", ("ulcer", "3 weeks")),
    ],
)
def test_plain_sentences_stay_present(nlp, text, entities):
    doc = annotate(nlp, text, *entities)
    assert [(e._.assertion, e._.assertion_cue) for e in doc.ents] == [("present", None)] * len(
        entities
    )


# --- the pure algorithm -----------------------------------------------------------------------


def test_assign_assertions_on_offsets():
    no = ContextRule("no", "NEGATED", "FORWARD", None)
    but = ContextRule("but", "TERMINATE", "BIDIRECTIONAL", None)
    # tokens: 0 no | 1 fever | 2 but | 3 rash | 4 . || 5 fever
    cues = [Cue(0, 1, no), Cue(2, 3, but)]
    result = assign_assertions([(1, 2), (3, 4), (5, 6)], [(0, 5), (5, 6)], cues)
    assert [a for a, _ in result] == ["negated", "present", "present"]
    assert result[0][1] == cues[0]


def test_longest_match_and_pseudo_win():
    no = ContextRule("no", "NEGATED", "FORWARD", None)
    no_increase = ContextRule("no increase", "PSEUDO", "BIDIRECTIONAL", None)
    # tokens: 0 no | 1 increase | 2 in | 3 swelling
    result = assign_assertions([(3, 4)], [(0, 4)], [Cue(0, 1, no), Cue(0, 2, no_increase)])
    assert result == [("present", None)]


# --- the rules file ---------------------------------------------------------------------------


def test_shipped_rules_are_sorted_and_cover_every_category():
    rules = load_rules()
    literals = [r.literal for r in rules]
    assert literals == sorted(literals)
    assert {r.category for r in rules} == set(CATEGORIES)
    assert "afebrile" not in literals
    assert ASSERTIONS[0] == "present" and len(ASSERTIONS) == 6


def test_load_rules_from_a_path(tmp_path: Path):
    path = tmp_path / "rules.tsv"
    path.write_text(HEADER + "nope\tNEGATED\tFORWARD\t3\n", encoding="utf-8")
    assert load_rules(path) == [ContextRule("nope", "NEGATED", "FORWARD", 3)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("no\tNEGATIVE\tFORWARD\t\n", "rules.tsv:2: unknown category 'NEGATIVE'"),
        ("no\tNEGATED\tFORWARDS\t\n", "rules.tsv:2: unknown direction 'FORWARDS'"),
        (
            "no\tNEGATED\tFORWARD\t\nNo\tPOSSIBLE\tFORWARD\t\n",
            "rules.tsv:3: duplicate literal 'no'",
        ),
        ("no\tNEGATED\tFORWARD\tfive\n", "rules.tsv:2: max_scope must be a positive integer"),
        ("no\tNEGATED\tFORWARD\t0\n", "rules.tsv:2: max_scope must be a positive integer"),
        ("no\tNEGATED\n", "rules.tsv:2: expected 4 tab-separated columns"),
        ("but\tTERMINATE\tBIDIRECTIONAL\t3\n", "rules.tsv:2: TERMINATE rules have no scope"),
        ("not only\tPSEUDO\tFORWARD\t\n", "rules.tsv:2: PSEUDO rules have no direction"),
        ("\tNEGATED\tFORWARD\t\n", "rules.tsv:2: empty literal"),
    ],
)
def test_bad_rows_name_the_line(body, message):
    with pytest.raises(ContextRuleError, match=re.escape(message)):
        parse_rules(HEADER + body, name="rules.tsv")


def test_bad_header():
    with pytest.raises(ContextRuleError, match=r"rules\.tsv:1: header"):
        parse_rules("literal\tcategory\n", name="rules.tsv")


def test_literals_that_tokenize_the_same_are_rejected():
    rules = [
        ContextRule("gram-negative", "PSEUDO", "BIDIRECTIONAL", None),
        ContextRule("gram - negative", "PSEUDO", "BIDIRECTIONAL", None),
    ]
    with pytest.raises(ContextRuleError, match="tokenize the same"):
        ContextComponent(spacy.blank("en"), rules=rules)


# --- the spaCy component ----------------------------------------------------------------------


def test_factory_takes_a_rules_path(tmp_path: Path):
    path = tmp_path / "rules.tsv"
    path.write_text(HEADER + "sans\tNEGATED\tFORWARD\t\n", encoding="utf-8")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casebook_context", config={"rules_path": str(path)})
    assert statuses(nlp, "Sans fever.", "fever") == ["negated"]
    assert statuses(nlp, "No fever.", "fever") == ["present"]


def test_needs_sentence_boundaries():
    nlp = spacy.blank("en")
    component = nlp.add_pipe("casebook_context")
    doc = nlp.make_doc("No fever.")
    doc.ents = [doc.char_span(3, 8, label="CONDITION")]
    with pytest.raises(ValueError, match="sentence boundaries"):
        component(doc)


@pytest.mark.parametrize("direct", [True, False])
def test_rerun_overwrites_and_both_write_paths_agree(nlp, direct):
    component = nlp.get_pipe("casebook_context")
    assert component._direct  # spaCy keeps span extension values under ("._.", name, start, end)
    saved, component._direct = component._direct, direct
    try:
        doc = annotate(nlp, "No fever, possible cellulitis.", "fever", "cellulitis")
        doc.ents = [doc.ents[1]]  # the same doc again, now with one entity
        doc = component(doc)
        assert [(e._.assertion, e._.assertion_cue) for e in doc.ents] == [("possible", "possible")]
    finally:
        component._direct = saved


def test_docs_without_entities_pass_through(nlp):
    doc = nlp("No fever was reported.")
    assert doc.ents == ()


def test_runs_on_many_sentences(nlp):
    """Smoke check only (timing belongs in benchmarks/): 200 varied sentences, no errors."""
    templates = [
        ("There was no {} but mild erythema.", "negated"),
        ("A history of {} was noted.", "historical"),
        ("{} was probably present.", "present"),
        ("His mother had {}.", "family"),
        ("Patients should be aware of {}.", "hypothetical"),
    ]
    words = ["fever", "pruritus", "calcinosis", "ulceration", "pain"]
    texts, expected = [], []
    for i in range(200):
        template, status = templates[i % len(templates)]
        texts.append(template.format(words[i // len(templates) % len(words)]))
        expected.append(status)
    docs = []
    for text in texts:
        word = next(w for w in words if w in text)
        docs.append(annotate(nlp, text, word))
    assert [d.ents[0]._.assertion for d in docs] == expected
