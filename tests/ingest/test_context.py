"""Assertion status (ConText): one tiny sentence per behaviour, entities set by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.context import Cue, assign_assertions
from ingest.nlp.context_component import ContextComponent
from ingest.nlp.context_rules import (
    ASSERTIONS,
    CATEGORIES,
    LABELS,
    ContextRule,
    ContextRuleError,
    expand_literal,
    load_rules,
    parse_rules,
)

HEADER = "literal\tcategory\tdirection\tmax_scope\n"
HEADER5 = "literal\tcategory\tdirection\tmax_scope\tlabels\n"


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("casebook_context")
    return nlp


def annotate(nlp: Language, text: str, *entities: str | tuple[str, str]) -> Doc:
    """``text`` through the pipeline with ``entities`` (found left to right) as ents: a string is
    a CONDITION, a ``(text, label)`` pair has that label."""
    doc = nlp.make_doc(text)
    spans, pos = [], 0
    for entity in entities:
        entity, label = (entity, "CONDITION") if isinstance(entity, str) else entity
        start = text.index(entity, pos)
        pos = start + len(entity)
        span = doc.char_span(start, pos, label=label)
        assert span is not None, f"{entity!r} is not on token boundaries"
        spans.append(span)
    doc.ents = spans
    for _, pipe in nlp.pipeline:
        doc = pipe(doc)
    return doc


def statuses(nlp: Language, text: str, *entities: str | tuple[str, str]) -> list[str]:
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
        ("He has been seizure free.", ("seizure",)),
        ("She remained disease-free.", ("disease",)),
        ("Osteomyelitis was excluded.", ("Osteomyelitis",)),
        ("MRI excluded osteomyelitis.", ("osteomyelitis",)),
        # SYNTHETIC: the general shapes (a copula + "not" + an existence participle, a long
        # subject, a relative clause over a list, "lacks", "exclusion of")
        ("Signs of acute right heart strain were not appreciated.", ("right heart strain",)),
        ("A palpable thyroid nodule has not been documented.", ("thyroid nodule",)),
        ("Sepsis, meningitis and encephalitis, which were ruled out.", ("Sepsis", "meningitis")),
        ("The smear lacks atypical lymphocytes.", ("atypical lymphocytes",)),
        ("After exclusion of sarcoidosis, steroids were stopped.", ("sarcoidosis",)),
        ("Tumour margins were all negative for dysplasia.", ("dysplasia",)),
    ],
)
def test_negated(nlp, text, entities):
    assert statuses(nlp, text, *entities) == ["negated"] * len(entities)


def test_an_act_not_done_reads_both_ways(nlp):
    # SYNTHETIC: "not offered" negates the treatment before it and the one after it
    rx = "TREATMENT"
    assert statuses(nlp, "Dialysis was not offered.", ("Dialysis", rx)) == ["negated"]
    assert statuses(nlp, "She was not prescribed warfarin.", ("warfarin", rx)) == ["negated"]


def test_copular_negation_leaves_a_described_subject_present(nlp):
    # SYNTHETIC: "not tender" says what the nodule is like, it does not deny the nodule
    assert statuses(nlp, "The nodule was not tender.", "nodule", "tender") == [
        "present",
        "negated",
    ]


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
    assert doc.ents[0]._.assertion_cue == "was not seen"  # the copula frame, the longest match


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


def test_a_trigger_opening_an_entity_modifies_it_and_what_follows(nlp):
    text = "Suspected osteomyelitis and cellulitis were treated."
    assert statuses(nlp, text, "Suspected osteomyelitis", "cellulitis") == ["possible", "possible"]


def test_a_stop_word_inside_a_treatments_name_stops_nothing(nlp):
    text = "Discontinuation of the infusion and wound care followed."
    entities = (("Discontinuation of the infusion", "TREATMENT"), ("wound care", "TREATMENT"))
    assert statuses(nlp, text, *entities) == ["present", "present"]


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
        ("The fever did not improve.", ("fever",)),  # a change is negated, not the finding
        ("Fluid and free air were seen.", ("Fluid",)),
        ("There was no significant difference in mortality.", ("mortality",)),
        ("Nausea did not differ from vomiting in frequency.", ("vomiting",)),  # a comparison
        ("Mortality did not differ significantly from that of sepsis.", ("sepsis",)),
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


# --- treatments refused or stopped, tests done or not --------------------------------------------

RX = "TREATMENT"


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        ("He refused the transfusion.", "transfusion", "refused"),
        ("The patient declined chemotherapy.", "chemotherapy", "refused"),
        ("Surgery was recommended, but she declined.", "Surgery", "refused"),  # > planned
        ("Aspirin was stopped.", "Aspirin", "stopped"),
        ("She stopped her insulin.", "insulin", "stopped"),
        ("Steroids were withdrawn over a week.", "Steroids", "stopped"),
        ("After discontinuation of heparin the wound healed.", "heparin", "stopped"),
        ("On day 3 enalapril was changed to amlodipine.", "enalapril", "stopped"),
        ("A biopsy is planned.", "biopsy", "hypothetical"),
        ("He was referred for dialysis.", "dialysis", "hypothetical"),
        ("Warfarin was probably the precipitating factor.", "Warfarin", "possible"),
        ("Amiodarone was likely responsible.", "Amiodarone", "possible"),
        ("Dialysis was not performed.", "Dialysis", "negated"),
    ],
)
def test_treatment_statuses(nlp, text, entity, expected):
    assert statuses(nlp, text, (entity, RX)) == [expected]


def test_refused_and_stopped_apply_to_treatments_only(nlp):
    assert statuses(nlp, "The platelet count declined.", ("platelet count", "TEST")) == ["present"]
    assert statuses(nlp, "The cough stopped.", "cough") == ["present"]


def test_a_stop_reads_no_further_than_its_clause(nlp):
    text = "Heparin was discontinued and warfarin was started."
    assert statuses(nlp, text, ("Heparin", RX), ("warfarin", RX)) == ["stopped", "present"]


def test_a_negative_test_is_a_result(nlp):
    assert statuses(nlp, "Blood cultures were negative.", ("Blood cultures", "TEST")) == ["present"]
    text = "Blood cultures were negative for infection."
    assert statuses(nlp, text, ("Blood cultures", "TEST"), "infection") == ["present", "negated"]
    text = "No mass was seen on ultrasound."
    assert statuses(nlp, text, "mass", ("ultrasound", "TEST")) == ["negated", "present"]
    assert statuses(nlp, "An autopsy was not performed.", ("autopsy", "TEST")) == ["negated"]


def test_a_hedge_after_its_target(nlp):
    assert statuses(nlp, "Sepsis was probably the cause.", "Sepsis") == ["possible"]
    assert statuses(nlp, "Vasculitis is suspected.", "Vasculitis") == ["possible"]


# --- conditions resolved ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Her wheeze resolved after two nebulisers.", "wheeze"),
        ("The vesicles disappeared within a day.", "vesicles"),
        ("His nausea subsided overnight.", "nausea"),
        ("The nodules regressed on steroids.", "nodules"),
        ("The infiltrate cleared by the second film.", "infiltrate"),
        ("The ulcer healed in 3 weeks.", "ulcer"),
        ("Thyroxine normalised her hypothyroidism.", "hypothyroidism"),
        ("A later film showed resolution of the effusion.", "effusion"),
        ("Diuretics led to disappearance of the ascites.", "ascites"),
        ("He had gout, which resolved with colchicine.", "gout"),
        ("The possible abscess resolved.", "abscess"),  # resolved > possible
        # SYNTHETIC: the resolution verbs' other forms
        ("Her vertigo was alleviated by rest.", "vertigo"),
        ("He recovered from the pneumonia.", "pneumonia"),
        ("Subsidence of the oedema took a week.", "oedema"),
        ("A history of asthma, which resolved in youth.", "asthma"),  # resolved > historical
        ("The cyst was removed.", "cyst"),
        ("Her pneumonia fully improved on antibiotics.", "pneumonia"),
    ],
)
def test_resolved(nlp, text, entity):
    assert statuses(nlp, text, entity) == ["resolved"]


def test_resolution_reads_a_list_and_leaves_the_outcome(nlp):
    text = "Imaging showed complete resolution of swelling and calcification."
    entities = (("complete resolution", "OUTCOME"), "swelling", "calcification")
    assert statuses(nlp, text, *entities) == ["present", "resolved", "resolved"]


def test_resolved_is_said_of_conditions_only(nlp):
    assert statuses(nlp, "The creatinine normalised.", ("creatinine", "TEST")) == ["present"]
    text = "The drain was removed and the cyst was removed."
    assert statuses(nlp, text, ("drain", RX), "cyst") == ["stopped", "resolved"]


def test_a_resolution_reads_no_further_back_than_its_subject(nlp):
    text = "Her cough improved within a week and the ulcer had healed."
    assert statuses(nlp, text, "cough", "ulcer") == ["present", "resolved"]


@pytest.mark.parametrize(
    "text",
    [
        "The ulcer had not healed.",
        "There was partial resolution of the ulcer.",
        "There was no relief of the ulcer pain.",
    ],
)
def test_a_finding_that_did_not_go_stays_present(nlp, text):
    assert statuses(nlp, text, "ulcer") == ["present"]


# --- a negation that begins its entity ----------------------------------------------------------


def test_a_negation_that_begins_the_entity_negates_it(nlp):
    text = "Echo showed no signs of vegetation."
    assert statuses(nlp, text, "no signs of vegetation") == ["negated"]
    text = "She took no regular medication."
    assert statuses(nlp, text, ("no regular medication", RX)) == ["negated"]
    text = "There were no signs of vegetation on echo."
    assert statuses(nlp, text, "signs of vegetation") == ["negated"]  # a cue across its start


def test_a_prefix_or_a_test_result_is_not_a_leading_negation(nlp):
    text = "She was put on non-invasive ventilation."
    assert statuses(nlp, text, ("non-invasive ventilation", RX)) == ["present"]
    assert statuses(nlp, "Desmin was not expressed.", ("not expressed", "TEST")) == ["present"]


# --- general claims -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Treatment options include excision.", "excision"),
        ("Management may include splinting.", "splinting"),
        ("Dapsone is used to treat this rash.", "Dapsone"),
        ("The disorder can be treated with steroids.", "steroids"),
        ("Excision is recommended for large lesions.", "Excision"),
        ("Plasma exchange should be considered early.", "Plasma exchange"),
        ("First-line therapy is oral iron.", "oral iron"),
        ("Curettage is the treatment of choice.", "Curettage"),
    ],
)
def test_general_claims_are_hypothetical(nlp, text, entity):
    assert statuses(nlp, text, (entity, RX)) == ["hypothetical"]


# --- coordination -------------------------------------------------------------------------------


def test_a_coordinated_clause_ends_the_scope(nlp):
    text = "She did not improve as expected and eventually died."
    assert statuses(nlp, text, ("died", "OUTCOME")) == ["present"]
    text = "She had no fever and eventually died."
    assert statuses(nlp, text, "fever", ("died", "OUTCOME")) == ["negated", "present"]
    text = "Diagnosis without biopsy, and conservative management."
    assert statuses(nlp, text, ("biopsy", "TEST"), ("conservative management", RX)) == [
        "negated",
        "present",
    ]


def test_beyond_ends_the_scope(nlp):
    text = "No intervention beyond wound care."
    assert statuses(nlp, text, ("intervention", RX), ("wound care", RX)) == [
        "negated",
        "present",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "There was no fever, chills or cough.",
        "There was no fever, chills, and cough.",
        "There was no fever and chills and cough.",
    ],
)
def test_a_coordinated_list_stays_in_scope(nlp, text):
    assert statuses(nlp, text, "fever", "chills", "cough") == ["negated"] * 3


def test_a_comma_before_and_in_another_clause_is_no_list(nlp):
    text = "The count was low, and nodules were absent."
    assert statuses(nlp, text, ("count", "TEST"), "nodules") == ["present", "negated"]


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("Serum calcium was 2.4 mmol/L on admission.", ("2.4 mmol/L",)),
        ("Calcinosis cutis was diagnosed on biopsy.", ("Calcinosis cutis",)),
        ("The ulcer grew in 3 weeks.", ("ulcer", "3 weeks")),
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
    assert ASSERTIONS[0] == "present" and len(ASSERTIONS) == 9


def test_shipped_rules_keep_refused_and_stopped_to_treatments():
    for rule in load_rules():
        if rule.category in ("REFUSED", "STOPPED"):
            assert rule.labels == {"TREATMENT"}, rule.literal


def test_shipped_rules_file_is_canonical():
    """Five cells a row, sorted, blank cells empty: so a diff of the file is a diff of rules."""
    from importlib import resources

    text = (resources.files("casebook_data") / "nlp" / "context_rules.tsv").read_text("utf-8")
    lines = text.splitlines()
    assert lines[0].split("\t") == ["literal", "category", "direction", "max_scope", "labels"]
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == 5 and all(c == c.strip() for c in cells), line
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_shipped_rules_keep_resolved_to_conditions():
    for rule in load_rules():
        if rule.category == "RESOLVED":
            assert rule.labels == {"CONDITION"}, rule.literal


def test_a_literal_may_recur_for_other_labels():
    body = "halted\tSTOPPED\tBACKWARD\t4\tTREATMENT\nhalted\tRESOLVED\tBACKWARD\t4\tCONDITION\n"
    assert [r.category for r in parse_rules(HEADER5 + body)] == ["STOPPED", "RESOLVED"]
    for second in (
        "halted\tRESOLVED\tBACKWARD\t4\tTREATMENT\n",
        "halted\tRESOLVED\tBACKWARD\t4\t\n",
    ):
        body = "halted\tSTOPPED\tBACKWARD\t4\tTREATMENT\n" + second
        with pytest.raises(
            ContextRuleError, match=re.escape("rules.tsv:3: duplicate literal 'halted'")
        ):
            parse_rules(HEADER5 + body, name="rules.tsv")


def test_labels_match_the_entity_labels():
    from ingest.nlp.entities import LABELS as ENTITY_LABELS

    assert LABELS == ENTITY_LABELS


def test_load_rules_from_a_path(tmp_path: Path):
    path = tmp_path / "rules.tsv"
    path.write_text(HEADER + "nope\tNEGATED\tFORWARD\t3\n", encoding="utf-8")
    assert load_rules(path) == [ContextRule("nope", "NEGATED", "FORWARD", 3)]


def test_labels_column():
    body = "halted\tSTOPPED\tBACKWARD\t4\tTREATMENT\nnil\tNEGATED\tFORWARD\t\t!TEST,!ANATOMY\n"
    halted, nil = parse_rules(HEADER5 + body + "nope\tNEGATED\tFORWARD\t\t\n")[:2]
    assert halted.labels == {"TREATMENT"}
    assert nil.labels == set(LABELS) - {"TEST", "ANATOMY"}
    assert parse_rules(HEADER5 + "nope\tNEGATED\tFORWARD\n")[0].labels is None


def test_a_rule_for_some_labels_on_offsets():
    halted = ContextRule("halted", "STOPPED", "BACKWARD", 4, frozenset({"TREATMENT"}))
    # tokens: 0 aspirin | 1 and | 2 rash | 3 halted
    cues = [Cue(3, 4, halted)]
    result = assign_assertions([(0, 1), (2, 3)], [(0, 4)], cues, labels=["TREATMENT", "CONDITION"])
    assert [a for a, _ in result] == ["stopped", "present"]
    assert [a for a, _ in assign_assertions([(0, 1)], [(0, 4)], cues)] == ["present"]


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
        ("no\tNEGATED\tFORWARD\t\tTEST\n", "rules.tsv:2: expected 4 tab-separated columns"),
    ],
)
def test_bad_rows_name_the_line(body, message):
    with pytest.raises(ContextRuleError, match=re.escape(message)):
        parse_rules(HEADER + body, name="rules.tsv")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("no\tNEGATED\tFORWARD\t\tDRUG\n", "rules.tsv:2: unknown label 'DRUG'"),
        ("no\tNEGATED\tFORWARD\t\tTEST,!AGE\n", "rules.tsv:2: labels 'TEST,!AGE' mix"),
        ("no\tNEGATED\tFORWARD\t\tTEST,TEST\n", "rules.tsv:2: labels 'TEST,TEST' name a"),
        ("but\tTERMINATE\tBIDIRECTIONAL\t\tTEST\n", "rules.tsv:2: TERMINATE rules apply to"),
        ("no\tNEGATED\tFORWARD\t\tTEST\tx\n", "rules.tsv:2: expected 5 tab-separated"),
    ],
)
def test_bad_labels_name_the_line(body, message):
    with pytest.raises(ContextRuleError, match=re.escape(message)):
        parse_rules(HEADER5 + body, name="rules.tsv")


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
        ("{} was probably present.", "possible"),  # a hedge after its target
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


# --- issue 14 part 2: the failures the issue lists, in its own words ----------------------------


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("The patient refused surgery.", (("surgery", RX),), ["refused"]),
        ("Methotrexate was withdrawn.", (("Methotrexate", RX),), ["stopped"]),
        ("His headache resolved.", ("headache",), ["resolved"]),
        ("A laparotomy was planned.", (("laparotomy", RX),), ["hypothetical"]),
        ("Tuberculosis was later ruled out by culture.", ("Tuberculosis",), ["negated"]),
        ("A diagnosis of lymphoma was eventually ruled out.", ("lymphoma",), ["negated"]),
        ("Surgery was not performed.", (("Surgery", RX),), ["negated"]),
        (
            "However, the patient was not improved as expected and eventually died.",
            (("died", "OUTCOME"),),
            ["present"],
        ),
        (
            "Diagnosis without biopsy, and conservative management.",
            (("biopsy", "TEST"), ("conservative management", RX)),
            ["negated", "present"],
        ),
        (
            "He recovered without any intervention beyond wound care.",
            (("intervention", RX), ("wound care", RX)),
            ["negated", "present"],
        ),
        ("Blood cultures were negative.", (("Blood cultures", "TEST"),), ["present"]),
        (
            "Carbamazepine was probably the precipitating factor.",
            (("Carbamazepine", RX),),
            ["possible"],
        ),
        ("None of the infants had fever.", ("fever",), ["negated"]),
    ],
)
def test_issue_14_cases(nlp, text, entities, expected):
    assert statuses(nlp, text, *entities) == expected


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        ("The mutation could not be detected.", ("mutation", "TEST"), "negated"),
        ("An MRI had not been performed.", ("MRI", "TEST"), "negated"),
        ("Metastases could not be detected.", "Metastases", "negated"),
        ("Pain was no longer present.", "Pain", "negated"),
        ("Warfarin was most likely the cause.", ("Warfarin", RX), "possible"),
        ("Warfarin may have been the cause.", ("Warfarin", RX), "possible"),
        ("The patient failed to attend dialysis.", ("dialysis", RX), "negated"),
        ("The patient failed to respond to steroids.", ("steroids", RX), "present"),
        ("Adhesions prevented complete excision.", ("complete excision", RX), "negated"),
        ("After steroid withdrawal the rash recurred.", ("steroid", RX), "stopped"),
        ("She failed a second attempt at extubation.", ("extubation", RX), "negated"),
        ("He gained weight without changing his insulin.", ("insulin", RX), "present"),
        ("Heparin was temporarily held.", ("Heparin", RX), "stopped"),
        ("The procedure was aborted.", ("procedure", RX), "negated"),
        ("She opted against surgery.", ("surgery", RX), "refused"),
        ("He did not wish to undergo dialysis.", ("dialysis", RX), "refused"),
        ("His cough went away.", "cough", "resolved"),
    ],
)
def test_more_negation_hedge_and_stop_wordings(nlp, text, entity, expected):
    assert statuses(nlp, text, entity) == [expected]


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        (
            "No fever, with the exception of headache.",
            ("fever", "headache"),
            ["negated", "present"],
        ),
        (
            "No fever until day five, when a rash appeared.",
            ("fever", "rash"),
            ["negated", "present"],
        ),
        ("No jaundice, no ascites, a soft abdomen.", ("jaundice", "ascites", "soft"), None),
        ("No rash and the patient was discharged.", ("rash",), ["negated"]),
        ("No growth, confirming that the abscess was sterile.", ("growth", "abscess"), None),
        ("No response to steroids was seen.", ("response", ("steroids", RX)), None),
        ("No bleeding from the drain.", ("bleeding", ("drain", RX)), ["negated", "present"]),
        ("Tests failed to reveal a cause for the anaemia.", ("anaemia",), ["present"]),
        ("Cells negative for CD1a, surrounded by fibrosis.", ("fibrosis",), ["present"]),
        ("No rubs, elevated venous pressure.", ("rubs", "venous pressure"), ["negated", "present"]),
    ],
)
def test_scopes_end_at_a_new_phrase(nlp, text, entities, expected):
    got = statuses(nlp, text, *entities)
    if expected is None:  # the first is negated, the last is not
        assert got[0] == "negated" and got[-1] == "present", got
    else:
        assert got == expected


def test_a_terminate_cue_overlapping_an_entity_still_ends_a_scope(nlp):
    text = "Studies ruled out a cardiac cause for the stroke."
    assert statuses(nlp, text, "cardiac cause", "stroke") == ["negated", "present"]
    # wholly inside an entity it is part of a name
    assert statuses(nlp, "No Still's disease.", "Still's disease") == ["negated"]


def test_a_pseudo_cue_not_shown(nlp):
    text = "Results (not shown) after erlotinib were stable."
    assert statuses(nlp, text, ("erlotinib", RX)) == ["present"]


# --- literals with optional and alternative words ------------------------------------------------


def test_expand_literal():
    assert expand_literal("not [be|been] seen") == ("not seen", "not be seen", "not been seen")
    assert expand_literal("was (later|then) ruled out") == (
        "was later ruled out",
        "was then ruled out",
    )
    assert expand_literal("h/o") == ("h/o",)


@pytest.mark.parametrize("literal", ["not [be seen", "x (a||b)", "[a|]", "not be]"])
def test_a_malformed_group_fails_with_its_line(literal):
    with pytest.raises(ContextRuleError, match=r"rules\.tsv:2: "):
        parse_rules(HEADER + f"{literal}\tNEGATED\tBACKWARD\t4\n", name="rules.tsv")


def test_a_literal_group_matches_each_variant():
    rules = [ContextRule("not [be|been] seen", "NEGATED", "BACKWARD", 6)]
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    component = ContextComponent(nlp, rules=rules)
    for text in ("Fever was not seen.", "Fever could not be seen.", "Fever had not been seen."):
        doc = nlp(text)
        doc.ents = [doc.char_span(0, 5, label="CONDITION")]
        assert component(doc).ents[0]._.assertion == "negated", text


def test_variants_of_two_literals_may_not_collide():
    rules = [
        ContextRule("not [be] seen", "NEGATED", "BACKWARD", 6),
        ContextRule("not seen", "NEGATED", "BACKWARD", 6),
    ]
    with pytest.raises(ContextRuleError, match="tokenize the same"):
        ContextComponent(spacy.blank("en"), rules=rules)
