"""Entities of a case report moved to MACCROBAT's span conventions, the case-report corpus the
product's case figures are measured on (``benchmarks/extraction_dev.py``).

Applied by ``casebook_entities`` to the merged candidates of a case report only (research
abstracts follow BC5CDR's conventions, where "abdominal pain" is one disease). Pure, over token
offsets; every rule was checked on the TRAIN side of the split, with case models that had not
seen the reports scored (``benchmarks/cases_folds.py``):

- edges: a word the annotators leave outside a span of that kind ("serum" before, "level" after
  a test; "intravenous", "oral" before a drug) is stripped from the edge of a predicted span
  (``data/nlp/case_edges.tsv``, counted on the train gold by ``ingest.nlp.train.case_edges``;
  for tests and drugs only: signs and diseases did not gain);
- words alone: a span of stop words only ("besides", "inside", "see") names nothing, nor does
  a generic head alone ("treatment", "therapy", "disease", "tests": ``GENERIC``);
- unannotated roles: a curated term that no model found and that MACCROBAT annotates as
  something else than a finding — a route or a setting ("intravenous", "injection",
  "hospitalization": Administration, Nonbiological_location), a follow-up or a stop
  (Clinical_event), the bare "surgery" / "operation" (annotated when it is the patient's, which
  the case model finds: on the train folds 6 of 49 unconfirmed ones were gold) — is dropped.
  A curated chemotherapy is a medication there;
- a test is a test: a model's test span holding a curated treatment ("oxygen" in "oxygen
  saturation") does not take that term's concept and role (the linker would make it oxygen
  therapy, a procedure); a condition inside still names the span;
- drug names: a word DrugBank and MeSH both name as a chemical (``data/nlp/case_drugs.txt``,
  from the shipped lexicon by ``ingest.nlp.train.case_drugs``) that no entity covers is a
  medication (a treatment, or a cause as ``merge.chemical_role`` reads the sentence), unless
  the text gives its measured level (then it is a lab test the case model missed); such a
  word that the case model read as a body part, or as a test in a sentence that gives a drug
  ("received", "administered", a dose unit: ``_GIVEN_CUE``), is a medication too (fold 0 of
  the train side: medication recall 0.599 -> 0.646, precision 0.604 -> 0.614, diagnostic
  recall 0.633 -> 0.629). So is a name of two to four words DrugBank and MeSH both give
  ("mycophenolate mofetil", "calcium carbonate") read as a test or a body part, and a short form
  the text defines for a drug ("methotrexate (MTX)", matched as written) whatever the case model
  read it as (fold 0: medication recall 0.646 -> 0.684, precision 0.614 -> 0.621; checked on
  fold 1: recall 0.618 -> 0.624, precision 0.523 -> 0.520).
  The seed's answers do not change (``kb eval``: facts P 0.92 R 0.97).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from importlib import resources

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from ingest.nlp.merge import Candidate, chemical_role, measured
from ingest.nlp.shortforms import find_abbreviations

GROUP_OF = {
    "disease": "disease+sign",
    "sign_symptom": "disease+sign",
    "chemical": "medication",
    "procedure": "therapeutic_procedure",
    "test": "diagnostic_procedure",
}
# curated concepts MACCROBAT does not annotate as findings, when no model found them
UNANNOTATED = frozenset(
    {
        "intravenous_infusion",
        "injection",
        "hospitalization",
        "peripheral_venous_cannulation",
        "follow_up",
        "drug_discontinuation",
        "surgery",
    }
)
# curated concepts MACCROBAT files under another kind: chemotherapy is a Medication there (28
# of its 589 train Medication spans start with the word), not MeSH's Drug Therapy procedure
CATEGORY = {"chemotherapy": "chemical"}
# one-word heads MACCROBAT's annotators rarely annotate alone (train gold: "treatment" 6 of 84
# occurrences, "therapy" 2 of 63, "disease" 6 of 80, "tests" 1 of 26, "findings" 0 of 32,
# "symptoms" 15 of 46, "imaging" 7 of 41)
GENERIC = frozenset(
    [
        "treatment",
        "treatments",
        "therapy",
        "therapies",
        "disease",
        "diseases",
        "test",
        "tests",
        "finding",
        "findings",
        "procedure",
        "procedures",
        "drugs",
        "agents",
        "symptom",
        "symptoms",
        "imaging",
    ]
)
_GIVEN = frozenset({"TREATMENT", "ETIOLOGY"})  # what is given to a patient, not measured
Edges = dict[tuple[str, str], frozenset[str]]  # (group, "L" or "R") → words left out


@cache
def load_drugs() -> frozenset[str]:
    """The shipped drug names, lower case (``ingest.nlp.train.case_drugs``)."""
    text = (resources.files("casebook_data") / "nlp" / "case_drugs.txt").read_text("utf-8")
    return frozenset(w for w in text.splitlines() if w and not w.startswith("#"))


@cache
def load_edges() -> Edges:
    """The shipped table of ``ingest.nlp.train.case_edges``: (group, edge) → words."""
    text = (resources.files("casebook_data") / "nlp" / "case_edges.tsv").read_text("utf-8")
    return parse_edges(text)


def parse_edges(text: str) -> Edges:
    out: dict[tuple[str, str], set[str]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        group, edge, word, *_ = line.split("\t")
        out.setdefault((group, edge), set()).add(word)
    return {k: frozenset(v) for k, v in out.items()}


def conform(
    doc: Doc,
    spans: Sequence[Candidate],
    models: Sequence[Candidate],
    edges: Edges | None = None,
    drugs: frozenset[str] | None = None,
    text: str | None = None,
    kinds: Mapping[str, str] | None = None,
) -> list[Candidate]:
    """``spans`` (merged, non-overlapping) moved to the corpus's conventions; ``models``: the
    model spans the merge started from (a curated term they do not touch is unconfirmed);
    ``text``: ``doc.text``, which spaCy joins anew at every call; ``kinds``: curated concept id
    → its type (TREATMENT, CONDITION …)."""
    kinds = {} if kinds is None else kinds
    text = doc.text if text is None else text
    edges = load_edges() if edges is None else edges
    drugs = load_drugs() if drugs is None else drugs
    short = drug_short_forms(text, drugs)
    out = []
    for c in spans:
        unconfirmed = not any(c.overlaps(m) for m in models)
        if c.source == "vocabulary" and c.concept in UNANNOTATED and unconfirmed:
            continue
        words = doc[c.start : c.end]
        if all(t.lower_ in STOP_WORDS or t.is_punct for t in words):
            continue
        if len(words) == 1 and words[0].lower_ in GENERIC:
            continue
        if c.within and c.category == "test" and kinds.get(c.within) in _GIVEN:
            c = replace(c, within="")  # "oxygen saturation" measures oxygen: no oxygen therapy
        if c.concept in CATEGORY:
            c = replace(c, category=CATEGORY[c.concept])
        if c.category != "chemical" and _drug_name(doc, c, drugs, short, text):
            role = chemical_role(doc, c.start, c.end, text)
            c = replace(c, label=role, category="chemical", concept="", within="")
        out.append(stripped(doc, c, edges))
    return sorted(out + drug_names(doc, out, drugs, text, short), key=lambda c: c.start)


_NOT_A_DRUG = frozenset({"test", "anatomy"})
# words of a sentence that gives a drug (not one that lists what was measured)
_GIVEN_CUE = re.compile(
    r"\b(?:received|receiving|given|administered|administration|treated|started|"
    r"initiated|initiation|injected|injection|infusions?|infused|therapy|prescribed|doses?|"
    r"mg|g|µg|μg|mcg|iu|units|daily|qd|bid|tid|prophylaxis|prophylactic|regimens?)\b",
    re.IGNORECASE,
)


def drug_short_forms(text: str, drugs: frozenset[str]) -> frozenset[str]:
    """The short forms ``text`` defines for a drug name ("mycophenolate mofetil (MMF)"), as
    written: matched case-sensitively, as the linker matches short upper-case forms."""
    defined = find_abbreviations(text)
    return frozenset(s for s, long in defined.items() if " ".join(long.lower().split()) in drugs)


def _drug_name(
    doc: Doc, c: Candidate, drugs: frozenset[str], short: frozenset[str], text: str
) -> bool:
    """Whether ``c`` names a drug, with no measured level after it: a short form the text
    defines for one ("mycophenolate mofetil (MMF)", whatever the case model read it as), or a
    name DrugBank and MeSH both give a chemical that the case model read as a test or a body
    part ("received norepinephrine and milrinone", "melphalan", "calcium carbonate"); not
    "creatinine 2.1 mg/dL"."""
    span = doc[c.start : c.end]
    begin, stop = span.start_char, span.end_char
    written = text[begin:stop].rstrip(".")
    if measured(text, stop):
        return False
    if written in short:
        return True
    if c.category not in _NOT_A_DRUG or " ".join(written.lower().split()) not in drugs:
        return False
    if c.category != "test":
        return True  # a drug is never a body part
    before, after = text[max(0, begin - 150) : begin], text[stop : stop + 150]
    sentence = before[max(before.rfind(". "), before.rfind("\n")) + 1 :]
    sentence += re.split(r"\.\s|\n", after, maxsplit=1)[0]
    return _GIVEN_CUE.search(sentence) is not None  # "tests of phosphate, calcium": tests


def drug_names(
    doc: Doc,
    spans: Sequence[Candidate],
    drugs: frozenset[str],
    text: str,
    short: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """A candidate for each word of ``drugs`` (or drug short form of ``short``, as written)
    that no span covers and no level follows."""
    taken = {i for c in spans for i in range(c.start, c.end)}
    out = []
    for t in doc:
        named = t.lower_ in drugs or t.text in short
        if t.i in taken or not named or measured(text, t.idx + len(t.text)):
            continue
        out.append(
            Candidate(
                t.i, t.i + 1, chemical_role(doc, t.i, t.i + 1, text), "chemical", source="drugs"
            )
        )
    return out


def stripped(doc: Doc, c: Candidate, edges: Edges) -> Candidate:
    """``c`` without the edge words its group's annotators leave out (one word stays)."""
    group = GROUP_OF.get(c.category or "")
    if group is None:
        return c
    left, right = edges.get((group, "L"), frozenset()), edges.get((group, "R"), frozenset())
    start, end = c.start, c.end
    while end - start > 1 and (doc[start].lower_ in left or doc[end - 1].lower_ in right):
        if doc[start].lower_ in left:
            start += 1
        else:
            end -= 1
    return c if (start, end) == (c.start, c.end) else replace(c, start=start, end=end)
