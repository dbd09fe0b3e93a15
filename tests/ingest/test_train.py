"""Training the learned recognisers (``ingest.nlp.train``): the PubTator reader on made-up
snippets, the missing-label conversion, and one tiny end-to-end training run.

Every text below is SYNTHETIC, written for these tests (no corpus text is copied here); the
end-to-end test reads ../shared/corpora and trains on a handful of its documents in tmp_path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from ingest.nlp.train import run
from ingest.nlp.train.corpus import AnnotatedText, Annotation
from ingest.nlp.train.docbin import ConversionReport, to_docbin
from ingest.nlp.train.pubtator import PubTatorError, normalise_ids, parse
from tests.conftest import SHARED

BC5CDR_SNIPPET = (
    "111|t|Zorbamycin induced flurbosis.\n"
    "111|a|A rat given zorbamycin had flurbosis and mild glumitis.\n"
    "111\t0\t10\tZorbamycin\tChemical\tD000001\n"
    "111\t19\t28\tflurbosis\tDisease\tD000002|D000003\n"
    "111\t42\t52\tzorbamycin\tChemical\tD000001\n"
    "111\t57\t66\tflurbosis\tDisease\t-1\n"
    "111\tCID\tD000001\tD000002\n"
    "\n"
    "222|t|No mentions.\n"
    "222|a|Nothing here.\n"
)
NCBI_SNIPPET = (
    "333|t|Glumitis in two families.\n"
    "333|a|Hereditary glumitis is rare.\n"
    "333\t0\t8\tGlumitis\tSpecificDisease\tOMIM:123456\n"
    "333\t37\t45\tglumitis\tModifier\tD000004+D000005\n"
)


def test_pubtator_text_is_title_space_abstract() -> None:
    first, second = parse(BC5CDR_SNIPPET, "bc5cdr")
    assert first.id == "111" and first.corpus == "bc5cdr"
    assert first.text == (
        "Zorbamycin induced flurbosis. A rat given zorbamycin had flurbosis and mild glumitis."
    )
    assert [first.text[a.start : a.end] for a in first.annotations] == [
        "Zorbamycin",
        "flurbosis",
        "zorbamycin",
        "flurbosis",
    ]
    assert [a.label for a in first.annotations] == ["CHEMICAL", "DISEASE", "CHEMICAL", "DISEASE"]
    assert first.labels == frozenset({"CHEMICAL", "DISEASE"})
    assert second.annotations == () and second.text == "No mentions. Nothing here."


def test_pubtator_ids_and_relations() -> None:
    (first, _) = parse(BC5CDR_SNIPPET, "bc5cdr")
    assert first.annotations[1].ids == ("mesh:D000002", "mesh:D000003")
    assert first.annotations[3].ids == ()
    assert first.pairs == (("CID", "mesh:D000001", "mesh:D000002"),)


def test_ncbi_types_are_all_disease() -> None:
    (doc,) = parse(NCBI_SNIPPET, "ncbi-disease")
    assert [a.label for a in doc.annotations] == ["DISEASE", "DISEASE"]
    assert doc.annotations[0].ids == ("omim:123456",)
    assert doc.annotations[1].ids == ("mesh:D000004", "mesh:D000005")
    assert doc.labels == frozenset({"DISEASE"})


def test_normalise_ids() -> None:
    assert normalise_ids("-1") == ()
    assert normalise_ids("D1|D1") == ("mesh:D1",)
    assert normalise_ids("OMIM:42") == ("omim:42",)


def test_mention_not_at_its_offsets_is_an_error() -> None:
    bad = "444|t|Zorbamycin.\n444|a|Text.\n444\t0\t5\tZorba\tChemical\tD000001\n"
    parse(bad, "bc5cdr")  # correct: "Zorba" is at 0:5
    with pytest.raises(PubTatorError):
        parse(bad.replace("\tZorba\t", "\tXorba\t"), "bc5cdr")


def test_trailing_blank_in_mention_text_is_trimmed() -> None:
    (doc,) = parse(
        "5|t|Glumitis (G).\n5|a|X.\n5\t0\t10\tGlumitis  \tDiseaseClass\tD1\n", "ncbi-disease"
    )
    assert (doc.annotations[0].start, doc.annotations[0].end) == (0, 8)


def test_unannotated_chemicals_are_missing_not_outside() -> None:
    nlp = run.blank_nlp()
    text = AnnotatedText(
        corpus="ncbi-disease",
        id="1",
        text="Zorbamycin worsened glumitis.",
        annotations=(Annotation(20, 28, "DISEASE"),),
        labels=frozenset({"DISEASE"}),
    )
    unknown = run.unknown_from_lexicon(frozenset({"zorbamycin"}), "CHEMICAL")
    report = ConversionReport()
    (doc,) = to_docbin(nlp, [text], ["CHEMICAL", "DISEASE"], unknown, report).get_docs(nlp.vocab)
    assert [t.ent_iob_ for t in doc] == ["", "O", "B", "O"]
    assert report.missing_tokens == 1


def test_misaligned_span_is_counted_and_left_missing() -> None:
    nlp = run.blank_nlp()
    text = AnnotatedText(
        corpus="bc5cdr",
        id="2",
        text="Zorbamycin-1 levels.",
        annotations=(Annotation(0, 10, "CHEMICAL"),),
        labels=frozenset({"CHEMICAL", "DISEASE"}),
    )
    report = ConversionReport()
    (doc,) = to_docbin(nlp, [text], ["CHEMICAL"], report=report).get_docs(nlp.vocab)
    assert report.misaligned == 1
    assert [t.ent_iob_ for t in doc] == ["", "O", "O"]


def test_models_table_names_its_configs() -> None:
    assert set(run.MODELS) >= {"abstracts", "cases"}
    assert (run.REPO / "data" / "nlp" / run.MODELS["abstracts"].config).is_file()


def test_train_end_to_end(tmp_path: Path) -> None:
    corpora = SHARED / "corpora"
    if not (corpora / "bc5cdr").is_dir() or not (corpora / "ncbi-disease").is_dir():
        pytest.skip(f"{corpora} not found: ../shared must sit beside the repository")
    output = tmp_path / "model"
    report = run.train_model(
        "abstracts",
        corpora,
        output,
        limit=20,
        max_steps=4,
        eval_frequency=2,
        vocab=tmp_path / "no-vocab",  # the lexicon from gold mentions only: fast
    )
    assert report.train_documents and report.dev_documents
    assert report.first_stage and "bc5cdr" in report.first_stage["dev"]  # stage 1 trained first
    assert "bc5cdr" in report.dev and "DISEASE" in report.dev["bc5cdr"]
    nlp = spacy.load(output)
    assert nlp.pipe_names == ["ner"]
    assert set(nlp.get_pipe("ner").labels) == {"CHEMICAL", "DISEASE"}
    doc = nlp("Zorbamycin induced flurbosis in a patient.")
    assert all(e.label_ in {"CHEMICAL", "DISEASE"} for e in doc.ents)
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    assert meta["casebook"]["seed"] == 0
    assert {s["name"] for s in meta["sources"]} == {"bc5cdr", "ncbi-disease"}
    assert not list(output.rglob("*.spacy"))  # no training data beside the model
