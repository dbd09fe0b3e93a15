"""Scoring against gold facts and the synthetic corpus (no test asserts the real pipeline's scores)."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from ingest.nlp.eval.gold import Gold, GoldError, load_gold, parse_gold, unknown_concepts
from ingest.nlp.eval.report import format_report
from ingest.nlp.eval.seed import evaluate, evaluate_seed
from ingest.nlp.eval.synthetic import evaluate_synthetic
from ingest.nlp.synthetic import Truth, as_document, generate
from kb.records import Case, Evidence, Extraction, Finding
from kb.vocab import load_vocabulary
from tests.conftest import ROOT, SEED_PATH, shared_file

SHA = "ab" * 32
DOC = f"seed:{SHA[:12]}"


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def finding(
    subject: str,
    kind: str,
    concept: str,
    assertion: str = "present",
    value: str | None = None,
    method: str = "text",
    section: str = "case_presentation",
) -> Finding:
    evidence = Evidence(DOC, method, "test", "0", section, "", 0, 0, 0, 0, 1.0)  # type: ignore[arg-type]
    key = f"{subject}|{kind}|{concept}|{assertion}|{value}|{method}"
    return Finding(key, kind, concept, concept, concept, subject, assertion, evidence, value)  # type: ignore[arg-type]


def case(number: int, age: str | None, sex: str | None, sites: list[str]) -> Case:
    return Case(f"case:{DOC}#{number}", DOC, number, f"Case {number}", 0, 1, age, None, sex, sites)


SMALL = {
    "format": "casebook-gold/1",
    "seed": {"file": "small.txt", "sha256": SHA},
    "cases": [
        {
            "number": 1,
            "age": "P1M",
            "sex": "male",
            "sites": [
                {"concept": "leg", "laterality": "left medial"},
                {"concept": "skin", "optional": True},
            ],
            "findings": [
                {"kind": "condition", "concept": "calcinosis_cutis_iatrogenic"},
                {"kind": "condition", "concept": "swelling"},
                {"kind": "condition", "concept": "sepsis", "optional": True},
                {"kind": "etiology", "concept": ["calcium_gluconate", "intravenous_calcium"]},
                {"kind": "outcome", "concept": "complete_resolution", "value": "P3.5M"},
                {"kind": "condition", "concept": "pruritus", "assertion": "negated"},
            ],
        }
    ],
    "references": [
        {
            "number": 12,
            "findings": [
                {"kind": "etiology", "concept": "low_molecular_weight_heparin"},
                {"kind": "outcome", "concept": "resolution"},
            ],
        }
    ],
}


def small_gold() -> Gold:
    return parse_gold(json.loads(json.dumps(SMALL)))


def perfect() -> list[Extraction]:
    c = f"case:{DOC}#1"
    r = f"ref:{DOC}#12"
    text = Extraction(
        DOC,
        [case(1, "P1M", "male", ["leg:left medial", "skin"])],
        [
            finding(c, "condition", "calcinosis_cutis_iatrogenic"),
            finding(c, "condition", "swelling"),
            finding(c, "etiology", "calcium_gluconate_intravenous"),  # narrower than gold's
            finding(c, "outcome", "disappearance", value="P3.5M"),  # narrower: broader match
            finding(c, "condition", "pruritus", "negated"),
        ],
    )
    refs = Extraction(
        f"{DOC}#citations",
        [],
        [
            finding(r, "etiology", "low_molecular_weight_heparin", method="citation_context"),
            finding(r, "outcome", "resolution", method="citation_context"),
        ],
    )
    return [text, refs]


def pr(report, type_: str) -> tuple[float | None, float | None]:
    s = report.score(type_)
    return s.precision, s.recall


# --------------------------------------------------------------------------- the gold file


def test_shipped_gold_validates_and_names_known_concepts(vocab) -> None:
    gold = load_gold()
    assert [c.number for c in gold.cases] == [1, 2]
    assert [r.number for r in gold.references] == [11, 12, 13, 14, 15]
    assert (gold.cases[0].age, gold.cases[1].age) == ("P1M", "P2M")
    assert unknown_concepts(gold, vocab) == []


def test_shipped_gold_is_for_the_shared_seed() -> None:
    data = shared_file(SEED_PATH).read_bytes()
    assert load_gold().sha256 == hashlib.sha256(data).hexdigest()


def test_gold_readme_documents_every_key() -> None:
    readme = (ROOT / "data" / "gold" / "README.md").read_text("utf-8")
    for key in ("format", "sha256", "cases", "references", "optional", "laterality", "note"):
        assert f"`{key}`" in readme


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("format",), "other/1", "format"),
        (("seed", "sha256"), "abc", "sha256"),
        (("cases", 0, "age"), "one month", "ISO 8601"),
        (("cases", 0, "sex"), "boy", "sex"),
        (("cases", 0, "findings", 0, "kind"), "disease", "kind"),
        (("cases", 0, "findings", 0, "concept"), [], "concept"),
        (("cases", 0, "findings", 0, "assertion"), "denied", "assertion"),
        (("cases", 0, "findings", 4, "value"), "four months", "ISO 8601"),
        (("cases", 0, "findings", 0, "colour"), "red", "unknown keys"),
        (("references", 0, "number"), 0, "positive integer"),
    ],
)
def test_bad_gold_fails_with_its_place(path, value, message) -> None:
    data = json.loads(json.dumps(SMALL))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(GoldError, match=message):
        parse_gold(data, "bad.json")


def test_unknown_concept_is_reported(vocab) -> None:
    data = json.loads(json.dumps(SMALL))
    data["cases"][0]["findings"][0]["concept"] = ["calcinosis_cutis", "no_such_concept"]
    assert unknown_concepts(parse_gold(data), vocab) == ["no_such_concept"]


# --------------------------------------------------------------------------- scoring


def test_perfect_prediction_scores_one(vocab) -> None:
    report = evaluate(perfect(), small_gold(), vocab)
    for type_ in ("age", "sex", "site", "condition", "etiology", "outcome", "negated", "reference"):
        assert pr(report, type_) == (1.0, 1.0), type_
    assert report.misses == [] and report.spurious == []
    assert report.total.gold == 10  # optional facts (a site, a condition) are not counted


def test_missing_fact_lowers_recall(vocab) -> None:
    extractions = perfect()
    extractions[0].findings = [f for f in extractions[0].findings if f.concept != "swelling"]
    extractions[1].findings = [f for f in extractions[1].findings if f.kind != "outcome"]
    report = evaluate(extractions, small_gold(), vocab)
    assert pr(report, "condition") == (1.0, 0.5)
    assert pr(report, "reference") == (1.0, 0.5)
    assert sorted(m.concepts[0] for m in report.misses) == ["resolution", "swelling"]


def test_spurious_fact_lowers_precision(vocab) -> None:
    extractions = perfect()
    c = f"case:{DOC}#1"
    extractions[0].findings += [
        finding(c, "condition", "fever"),  # not in the gold
        finding(c, "condition", "sepsis"),  # optional in the gold: correct
        finding(c, "etiology", "warfarin"),
    ]
    extractions[0].cases[0].sites.append("joint")
    report = evaluate(extractions, small_gold(), vocab)
    assert pr(report, "condition") == (0.75, 1.0)
    assert pr(report, "etiology") == (0.5, 1.0)
    assert pr(report, "site") == (2 / 3, 1.0)
    assert {s.concepts[0] for s in report.spurious} == {"fever", "warfarin", "joint"}


def test_broader_concept_matches_but_not_the_reverse(vocab) -> None:
    extractions = perfect()
    c = f"case:{DOC}#1"
    outcome = next(f for f in extractions[0].findings if f.kind == "outcome")
    outcome.concept = "resolution"  # broader than the gold's complete_resolution
    extractions[0].findings.append(finding(c, "condition", "calcinosis_cutis"))  # broader too
    report = evaluate(extractions, small_gold(), vocab)
    assert pr(report, "outcome") == (0.0, 0.0)
    assert pr(report, "condition") == (2 / 3, 1.0)


def test_values_must_agree(vocab) -> None:
    extractions = perfect()
    outcome = next(f for f in extractions[0].findings if f.kind == "outcome")
    outcome.value = None  # the outcome without its time: not wrong, but not found
    extractions[0].cases[0].sites = ["leg:left"]  # part of the laterality: idem
    extractions[0].cases[0].age = "P2M"  # wrong
    report = evaluate(extractions, small_gold(), vocab)
    assert pr(report, "outcome") == (1.0, 0.0)
    assert pr(report, "site") == (1.0, 0.0)
    assert pr(report, "age") == (0.0, 0.0)
    missed = {m.type: report.partial.get(m) for m in report.misses}
    assert missed["outcome"] is not None and missed["outcome"].value is None
    assert missed["site"] is not None and missed["site"].value == "left"
    assert missed["age"] is None
    assert "[predicted with 'left']" in format_report(report)


def test_out_of_scope_predictions_are_ignored(vocab) -> None:
    extractions = perfect()
    c = f"case:{DOC}#1"
    extractions[0].findings += [
        finding(c, "condition", "fever", "hypothetical"),
        finding(c, "test", "x_ray"),
        finding(c, "anatomy", "bone", "negated"),
        finding(f"article:{DOC}", "condition", "fever"),
        finding(f"ref:{DOC}#3", "condition", "fever", method="citation_context"),
    ]
    report = evaluate(extractions, small_gold(), vocab)
    assert report.spurious == []
    assert report.total.predicted == 11


def test_case_findings_of_an_unknown_case_are_spurious(vocab) -> None:
    extractions = perfect()
    extractions[0].cases.append(case(2, "P2Y", None, []))
    extractions[0].findings.append(finding(f"case:{DOC}#2", "condition", "swelling"))
    report = evaluate(extractions, small_gold(), vocab)
    assert {str(s) for s in report.spurious} == {
        "case 2 patient_attribute age = P2Y",
        "case 2 condition swelling",
    }


def test_extractions_of_another_document_are_refused(vocab) -> None:
    other = Extraction("seed:000000000000", [], [])
    with pytest.raises(ValueError, match="no extraction"):
        evaluate([other], small_gold(), vocab)


def test_the_shipped_gold_scores_one_against_itself(vocab) -> None:
    gold = load_gold()
    doc = gold.document
    cases, findings = [], []
    for c in gold.cases:
        sites = [f"{s.concept}:{s.laterality}" if s.laterality else s.concept for s in c.sites]
        subject = f"case:{doc}#{c.number}"
        cases.append(Case(subject, doc, c.number, "", 0, 1, c.age, None, c.sex, sites))
        for g in c.findings:
            findings.append(finding(subject, g.kind, g.concepts[0], g.assertion, g.value))
    for r in gold.references:
        subject = f"ref:{doc}#{r.number}"
        for g in r.findings:
            method = "citation_context"
            findings.append(finding(subject, g.kind, g.concepts[0], g.assertion, g.value, method))
    report = evaluate([Extraction(doc, cases, findings)], gold, vocab)
    assert report.misses == [] and report.spurious == []
    assert report.total.precision == report.total.recall == 1.0


def test_evaluate_seed_refuses_another_file(tmp_path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("# Another article\n\nText.\n", "utf-8")
    with pytest.raises(ValueError, match="gold was written for"):
        evaluate_seed(other)


def test_format_report_is_a_table(vocab) -> None:
    text = format_report(evaluate(perfect(), small_gold(), vocab))
    assert re.search(r"^condition\s+1\.00\s+1\.00\s+2\s+2\s+2\s+2$", text, re.MULTILINE)
    assert "Missed (0)" in text and "Spurious (0)" in text


# --------------------------------------------------------------------------- synthetic corpus


def test_synthetic_corpus_is_deterministic(vocab) -> None:
    assert generate(20, 7, vocab) == generate(20, 7, vocab)
    assert generate(20, 7, vocab) != generate(20, 8, vocab)


def test_synthetic_truth_matches_its_text(vocab) -> None:
    kinds = {"condition", "etiology", "treatment", "outcome", "anatomy", "patient_attribute"}
    for text, truths in generate(200, 3, vocab):
        assert text.startswith("SYNTHETIC")
        case_text = next(p for p in text.split("\n\n") if p.startswith("CASE PRESENTATION:"))
        for t in truths:
            assert t.kind in kinds
            assert t.assertion in {"present", "negated", "hypothetical"}
            assert t.text.lower() in case_text.lower(), (t, case_text)
            if t.kind == "patient_attribute":
                assert t.concept in {"age", "sex"} and t.value
            else:
                assert t.concept in vocab.concepts
                assert t.text.lower() in {f.lower() for f in vocab.get(t.concept).surface_forms}
        assert sum(t.concept == "age" for t in truths) == 1
        assert sum(t.kind == "outcome" and t.value is not None for t in truths) == 1


def test_synthetic_document_sections() -> None:
    text, _ = generate(1, 1)[0]
    doc = as_document(text, "synthetic:0")
    kinds = [kind for kind, *_ in doc.sections]
    assert kinds == ["title", "introduction", "case_presentation", "conclusion"]
    for _, label, start, end in doc.sections[1:]:
        assert doc.text[start:end].startswith(f"{label}:")


def test_evaluate_synthetic_scores_perfect_predictions_as_one(vocab) -> None:
    corpus = generate(30, 5, vocab)
    extractions = []
    for i, (_, truths) in enumerate(corpus):
        extractions.append(Extraction(f"synthetic:{i}", [], [_as_finding(t) for t in truths]))
    report = evaluate_synthetic(extractions, [t for _, t in corpus], vocab)
    assert report.total.precision == report.total.recall == 1.0
    # one dropped and one added finding move the figures by exactly one item
    extractions[0].findings.pop()
    extractions[1].findings.append(_as_finding(Truth("condition", "made_up", "present", None, "")))
    report = evaluate_synthetic(extractions, [t for _, t in corpus], vocab)
    assert report.total.gold - report.total.found == 1
    assert report.total.predicted - report.total.correct == 1


def _as_finding(t: Truth) -> Finding:
    return finding("article:x", t.kind, t.concept, t.assertion, t.value)
