"""The chemical-induced-disease scorer (``ingest.nlp.cause``) and its training helpers.

Every sentence below is SYNTHETIC, written for these tests (no corpus text).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ingest.nlp.cause import CauseModel, bucket, pair_features, tokens
from ingest.nlp.train.cause_train import (
    Candidate,
    bc5cdr_candidates,
    predicted_pairs,
    prf,
    sentence_bound_gold,
)
from ingest.nlp.train.corpus import AnnotatedText, Annotation
from ingest.nlp.train.logreg import encode, fit, predict, prune, vocabulary


def span(sentence: str, words: str) -> tuple[int, int]:
    start = sentence.index(words)
    return start, start + len(words)


@pytest.fixture(scope="module")
def model() -> CauseModel:
    return CauseModel.load()


def test_tokens_normalise_numbers_and_case() -> None:
    assert tokens("Given 2.5 mg, Twice") == ["given", "<num>", "mg", ",", "twice"]


def test_bucket_is_coarse() -> None:
    assert bucket(0) == "<=0"
    assert bucket(4) == "<=5"
    assert bucket(99) == ">20"


def test_features_of_a_chemical_first_pair() -> None:
    s = "Drugolin-induced rash was seen."
    feats = pair_features(s, span(s, "Drugolin"), span(s, "rash"))
    assert "order=CD" in feats
    assert "chem-induced" in feats
    assert "chem=drugolin" in feats
    assert "a1=was" in feats
    assert len(feats) == len(set(feats))


def test_features_see_cues_blocks_and_mentions_between() -> None:
    s = "Naloxone reversed the hypotension caused by clonidine."
    nal, hyp, clo = span(s, "Naloxone"), span(s, "hypotension"), span(s, "clonidine")
    naloxone = pair_features(s, nal, hyp, [("CHEMICAL", clo)])
    clonidine = pair_features(s, clo, hyp, [("CHEMICAL", nal)])
    assert "block=reverse|btw|CD" in naloxone
    assert "cue=caused|btw|DC" in clonidine
    assert "DC|btw=caused by" in clonidine
    assert "bi=caused_by" in clonidine
    s2 = "Drugolin and fexamol caused rash."
    feats = pair_features(
        s2, span(s2, "Drugolin"), span(s2, "rash"), [("CHEMICAL", span(s2, "fexamol"))]
    )
    assert "between-other=CHEMICAL" in feats


def test_features_are_deterministic() -> None:
    s = "Severe colitis developed after 3 weeks of oral fexamol."
    args = (s, span(s, "fexamol"), span(s, "colitis"))
    assert pair_features(*args) == pair_features(*args)
    assert "w=<num>" in pair_features(*args)


def test_shipped_model_loads(model: CauseModel) -> None:
    assert 1_000 < len(model.weights) < 100_000
    assert 0.0 < model.threshold < 1.0
    assert "BC5CDR" in model.meta["trained_on"]


def test_induced_scores_above_threshold(model: CauseModel) -> None:
    s = "Cocaine-induced myocardial infarction."
    score = model.score(s, span(s, "Cocaine"), span(s, "myocardial infarction"))
    assert 0.0 <= score <= 1.0
    assert score >= model.threshold


def test_antagonist_scores_below_the_cause(model: CauseModel) -> None:
    s = "Naloxone reversed the hypotension caused by clonidine."
    nal, hyp, clo = span(s, "Naloxone"), span(s, "hypotension"), span(s, "clonidine")
    cause = model.score(s, clo, hyp, [("CHEMICAL", nal)])
    antagonist = model.score(s, nal, hyp, [("CHEMICAL", clo)])
    assert cause > antagonist
    assert cause >= model.threshold > antagonist


def test_preventive_pretreatment_scores_below_the_cause(model: CauseModel) -> None:
    s = "Pretreatment with magnesium prevented the seizures induced by lidocaine in rats."
    mg, seiz, lido = span(s, "magnesium"), span(s, "seizures"), span(s, "lidocaine")
    assert model.score(s, lido, seiz, [("CHEMICAL", mg)]) > model.threshold
    assert model.score(s, mg, seiz, [("CHEMICAL", lido)]) < model.threshold


def test_treatment_scores_low(model: CauseModel) -> None:
    s = "Aspirin was effective in the treatment of headache."
    assert model.score(s, span(s, "Aspirin"), span(s, "headache")) < model.threshold


def test_a_drug_given_to_correct_a_condition_is_not_its_cause(model: CauseModel) -> None:
    s = "Oral potassium chloride was started at a low dose to slowly correct the hypokalaemia."
    kcl, low_k = span(s, "potassium chloride"), span(s, "hypokalaemia")
    feats = pair_features(s, kcl, low_k, [])
    assert any(f.startswith("block=reverse|btw") for f in feats)  # "correct" blocks, as "reverse"
    assert model.score(s, kcl, low_k) < model.threshold


def test_model_round_trips(tmp_path) -> None:
    saved = CauseModel({"order=CD": 1.5, "chem-induced": 2.0}, -1.0, 0.4, {"seed": 1})
    saved.save(tmp_path / "m.json.gz")
    loaded = CauseModel.load(tmp_path / "m.json.gz")
    assert loaded == saved
    assert loaded.score_features(["order=CD", "order=CD"]) == pytest.approx(
        1 / (1 + math.exp(-0.5))
    )


def test_logistic_regression_learns_a_separable_toy() -> None:
    rows = [["a", "x"], ["a", "y"], ["b", "x"], ["b", "y"]] * 5
    labels = [r[0] == "a" for r in rows]
    vocab = vocabulary(rows, 2)
    w, b = fit(encode(rows, vocab), np.asarray(labels, dtype=float), len(vocab), 1e-4, steps=300)
    p = predict(encode(rows, vocab), w, b)
    assert all((pi > 0.5) == label for pi, label in zip(p, labels, strict=True))


def test_prune_drops_tiny_weights() -> None:
    assert prune({"a": 0.001, "b": -0.5, "c": 0.123456}) == {"b": -0.5, "c": 0.1235}


def test_sentence_bound_scoring_counts_mesh_pairs_once() -> None:
    pair = ("mesh:D1", "mesh:D2")
    cands = [
        Candidate("1", 0, ("f",), (pair,), True, (pair,)),
        Candidate("1", 1, ("f",), (pair,), True, (pair,)),
        Candidate("1", 1, ("g",), (("mesh:D3", "mesh:D2"),), False),
    ]
    gold = sentence_bound_gold(cands)
    assert gold == {"1": {pair}}
    predicted = predicted_pairs(cands, [0.9, 0.1, 0.8], 0.5)
    p, r, f, tp, n_pred, n_gold = prf(predicted, gold)
    assert (tp, n_pred, n_gold) == (1, 2, 1)
    assert (p, r) == (0.5, 1.0)
    assert f == pytest.approx(2 / 3)


def test_composite_mention_ids_expand_to_pairs() -> None:
    text = "Fexamol caused rash and fever."
    doc = AnnotatedText(
        "bc5cdr",
        "9",
        text,
        (
            Annotation(0, 7, "CHEMICAL", ("mesh:C1",)),
            Annotation(15, 29, "DISEASE", ("mesh:D1", "mesh:D2")),
        ),
        frozenset({"CHEMICAL", "DISEASE"}),
        pairs=(("CID", "mesh:C1", "mesh:D2"),),
    )
    [cand] = bc5cdr_candidates(doc)
    assert cand.pairs == (("mesh:C1", "mesh:D1"), ("mesh:C1", "mesh:D2"))
    assert cand.label and cand.gold == (("mesh:C1", "mesh:D2"),)


def test_the_shipped_scorer_is_what_the_repo_trains(tmp_path) -> None:
    """``python -m ingest.nlp.train.cause_train`` remakes data/models/cause.json.gz byte for
    byte: a feature change without a retrain (as once happened) fails here, not silently."""
    from ingest.nlp.train.cause_train import main
    from tests.conftest import ROOT, SHARED, shared_file

    shared_file(SHARED / "corpora" / "bc5cdr")
    out = tmp_path / "cause.json.gz"
    assert main(["--corpora", str(SHARED / "corpora"), "--out", str(out)]) == 0
    assert out.read_bytes() == (ROOT / "data" / "models" / "cause.json.gz").read_bytes()
