"""The speed work of issue 13 is pure refactoring: extraction output must not change.

``artifacts/nlp_speed_golden.json.gz`` was made by the code at commit dc9bd40 (main before the
speed work), never from new output; remade once on h-cases for its intended change of case
reports only (MACCROBAT span conventions, ``ingest/nlp/case_spans.py``: unconfirmed curated
follow-up, route and bare surgery terms dropped, "IV" stripped before a drug; the 15 research
abstracts unchanged), then for its retrained case model (f76a462), which reads every text, then
on main for the title's conditions becoming a single-patient report's case facts (the 15 case
reports only; ``case_facts.owners``), then for MeSH ids that concepts of other vocabularies gained
(cross-references through exact synonyms, ``lexicon_build.cross_references``; a match with no MeSH
id takes its variant's or its adjective's noun's, ``Lexicon._with_mesh``: only ``ids`` grew), then
for the abstracts model retrained with 6,000 steps (15 of 30 texts changed, mostly a span's
category, disease vs sign or symptom), then for the lexicon's corpus table (one text: "swelling",
which no vocabulary grounds whole, took the MeSH id the annotators gave it, Edema, and its
category, sign or symptom), then for text that names no finding (``ingest.nlp.nonfindings``: 24
texts lost their "BACKGROUND" or "CONCLUSIONS" label, read as a test or a condition; then 12
lost "colleagues", read as a body part, and all 30 "exposed" of "a patient exposed to …", read as
a procedure; nothing else changed): 30 SYNTHETIC abstracts of ``ingest.nlp.synthetic.generate(30,
seed=13)`` (the texts are stored in the file, so a later change of the generator does not move
them), every second one read as a case report, through ``extract_many`` with the shipped
pipeline, vocabulary labels and broader concepts; ``kb.jsonl.to_dict`` of each extraction. This
test runs today's code on the same texts and compares record for record.

The memoised and hoisted helpers are also compared directly with the plain computation they
replace, on real-shaped inputs.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from ingest.nlp.extract import extract_many
from ingest.nlp.pipeline import shared_nlp
from ingest.nlp.synthetic import as_document
from kb.jsonl import to_dict
from kb.vocab import shared_vocabulary

GOLDEN = Path(__file__).resolve().parents[1] / "artifacts" / "nlp_speed_golden.json.gz"


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def test_synthetic_extraction_matches_the_golden_file(golden: dict[str, Any]) -> None:
    vocab = shared_vocabulary()
    labels = {c.id: c.label for c in vocab.concepts.values()}

    def broader(concept: str) -> list[str]:
        return [c.id for c in vocab.ancestors(concept)] if concept in vocab.concepts else []

    docs = [
        dataclasses.replace(as_document(text, f"synthetic:{i}"), case_report=i % 2 == 1)
        for i, text in enumerate(golden["texts"])
    ]
    got = [to_dict(e) for e in extract_many(shared_nlp(), docs, labels, broader)]
    # through JSON, as the golden file was written (tuples become lists)
    got = json.loads(json.dumps(got, ensure_ascii=False, sort_keys=True))
    assert len(got) == len(golden["extractions"])
    for new, old in zip(got, golden["extractions"], strict=True):
        assert new == old, new["document"]


CUE_SENTENCES = [
    "Naloxone reversed the hypotension induced by clonidine in rats.",
    "Seizures developed after treatment with high-dose lidocaine; no toxicity was seen.",
    "Pretreatment with vitamin E prevented and attenuated the caused renal injury.",
    "The side effects related to therapy, and associated risks, led to an overdose.",
    "A 3 mg dose was given without adverse events, due to careful management.",
    "induc caus no not a an the inducing indu causality ind",
]


@pytest.mark.parametrize("sentence", CUE_SENTENCES)
def test_memoised_cue_lookup_equals_the_plain_one(sentence: str) -> None:
    from ingest.nlp.cause import BLOCKS, CUES, _cues, _cues_plain, tokens

    words = tokens(sentence)
    for table in (CUES, BLOCKS):
        for window in (words, words[:3], words[-2:], words[::-1], []):
            assert _cues(window, table) == _cues_plain(window, table)
            assert _cues(window, table) == _cues_plain(window, table)  # the memo's second read


def test_memoised_cue_lookup_equals_the_plain_one_on_synthetic_text(
    golden: dict[str, Any],
) -> None:
    from ingest.nlp.cause import BLOCKS, CUES, _cues, _cues_plain, tokens

    for text in golden["texts"]:
        words = tokens(text)
        for table in (CUES, BLOCKS):
            for i in range(0, len(words), 7):
                assert _cues(words[i : i + 9], table) == _cues_plain(words[i : i + 9], table)


def test_cached_asides_equal_the_uncached(golden: dict[str, Any]) -> None:
    from ingest.nlp.cues import _blank_asides, _without_asides

    samples = [
        "It resolved with conservative management, as in our reported cases, within weeks.",
        "Unlike our case, similar to the present patients the rash persisted.",
        *golden["texts"],
    ]
    for text in samples:
        assert _without_asides(text) == _blank_asides(text)
        assert _without_asides(text) == _blank_asides(text)


def test_doc_text_is_spacys() -> None:
    from ingest.nlp.doctext import TEXT, doc_text

    nlp = shared_nlp()
    text = "Chest pain (CP) after  cocaine use.\n\nNo fever; 3.5 months later, resolved."
    doc = nlp.make_doc(text)
    assert TEXT not in doc.user_data
    assert doc_text(doc) == doc.text == text
    assert doc.user_data[TEXT] == text
    processed = nlp(text)
    for ent in processed.ents:
        assert doc_text(processed)[ent.start_char : ent.end_char] == ent.text


def test_direct_span_values_equal_underscore(golden: dict[str, Any]) -> None:
    from ingest.nlp.extract import _MENTION_ATTRS
    from ingest.nlp.spandata import plain_defaults, values

    nlp = shared_nlp()
    defaults = plain_defaults(_MENTION_ATTRS)
    assert defaults is not None  # the shipped pipes register plain extensions
    seen = 0
    for doc in nlp.pipe(golden["texts"][:10]):
        for ent in doc.ents:
            attrs = ent._
            expected = tuple(getattr(attrs, name) for name in _MENTION_ATTRS)
            assert values(doc, ent, _MENTION_ATTRS, defaults) == expected
            assert values(doc, ent, _MENTION_ATTRS, None) == expected
            seen += 1
    assert seen > 50


def test_span_values_fall_back_for_a_getter() -> None:
    from spacy.tokens import Span

    from ingest.nlp.spandata import plain_defaults

    if not Span.has_extension("speed_probe"):
        Span.set_extension("speed_probe", getter=lambda span: span.text.upper())
    assert plain_defaults(("category", "speed_probe")) is None
    assert plain_defaults(("no_such_extension",)) is None


def test_cached_sentence_spans_equal_the_uncached(golden: dict[str, Any]) -> None:
    from ingest.sentences import sentence_spans, split_sentences

    samples = ["", "  ", "One. Two?\n\nThree e.g. four. Fig. 2 shows it.", *golden["texts"]]
    for text in samples:
        for offset in (0, 17):
            expected = [(s + offset, e + offset) for s, e in sentence_spans(text)]
            assert split_sentences(text, offset) == expected
            assert split_sentences(text, offset) == expected  # from the cache
    long = "A sentence here. " * 2000  # over the cached length
    assert split_sentences(long, 3) == [(s + 3, e + 3) for s, e in sentence_spans(long)]


def test_memoised_lexicon_lookups_equal_the_plain_ones(golden: dict[str, Any]) -> None:
    from ingest.nlp.lexicon import SortedTable, load_lexicon, normalize_key, variant_key

    words = [normalize_key(w) for text in golden["texts"][:5] for w in text.split()]
    keys = words + [" ".join(p) for p in pairwise(words)]
    keys += ["", "zzzz", "aspirin", "myocardial infarction", "haemolytic uraemic syndromes"]
    lexicon = load_lexicon()
    tables: list[SortedTable] = [lexicon._terms, lexicon._variants, lexicon._cased]
    found = 0
    for key in keys:
        assert variant_key(key) == variant_key.__wrapped__(key)
        for table in tables:
            for _ in range(2):  # the second read comes from the memo
                assert table.get(key) == table._search(key)
                assert table.get(key, "-") == (table._search(key) or "-")
            found += table._search(key) is not None
    assert found > 20
    small = SortedTable("a\t1\nb\t\nc\t3\n")  # an empty value is a value, not a miss
    assert small.get("b", "x") == "" and small.get("d", "x") == "x" and small.get("c") == "3"
