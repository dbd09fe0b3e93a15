"""``kb show ID``: one evidence, finding, case or article of the SYNTHETIC demo KB, by the
id a table prints or by its IRI."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import iris
from kb.cli import main
from kb.datadir import Build

SENTENCE = "The deposits were partly extruded through the skin and resolved spontaneously"


@pytest.fixture(scope="module")
def outcome(demo_kb: Path):
    """The demo's finding of spontaneous resolution in case 1 of PMID 99000001."""
    findings = [f for e in Build.load(demo_kb).extractions for f in e.findings]
    return next(f for f in findings if f.concept == "spontaneous_resolution"
                and f.subject == "case:pmid:99000001#1")  # fmt: skip


def show(capsys, demo_kb: Path, ref: str) -> str:
    assert main(["show", ref, "--data-dir", str(demo_kb), "--wide"]) == 0
    return capsys.readouterr().out


def test_an_evidence_in_context_with_provenance_and_links(demo_kb, capsys, outcome):
    out = show(capsys, demo_kb, outcome.id)
    assert out.startswith(
        f"Evidence {outcome.id}: outcome spontaneous resolution (present, 4 months)"
    )
    assert f"{SENTENCE.replace(outcome.text, f'«{outcome.text}»')} after 2 to 4 months." in out
    assert "All three were managed conservatively" in out  # the sentence before, from the abstract
    assert "article:  PMID 99000001 · Iatrogenic calcinosis cutis" in out
    assert "section:  abstract" in out and "method:   text (casebook.nlp" in out
    assert "concept:  spontaneous resolution (spontaneous_resolution)" in out
    assert "subject:  PMID 99000001 · case 1" in out


def test_a_finding_iri_and_an_evidence_iri_show_the_same(demo_kb, capsys, outcome):
    by_id = show(capsys, demo_kb, outcome.id)
    assert show(capsys, demo_kb, str(iris.finding(outcome.id))) == by_id
    assert show(capsys, demo_kb, str(iris.evidence(outcome.id))) == by_id


def test_an_evidence_lists_its_relations(demo_kb, capsys):
    relations = [
        r for e in Build.load(demo_kb).extractions for r in e.relations if r.kind == "led_to"
    ]
    out = show(capsys, demo_kb, relations[0].target)
    assert "relation: ←led_to— treatment" in out and relations[0].source in out


def test_a_case_by_its_table_label(demo_kb, capsys, outcome):
    out = show(capsys, demo_kb, "PMID 99000001 · case 1")
    assert out.startswith("Case PMID 99000001 · case 1")
    assert "sites:    ankle, forearm, hand" in out
    assert f"spontaneous resolution = 4 months  «{outcome.text}»  [{outcome.id}]" in out


def test_an_article_by_pmid(demo_kb, capsys):
    out = show(capsys, demo_kb, "pmid:99000001")
    assert out.startswith("Article PMID 99000001 · Iatrogenic calcinosis cutis")
    assert "doi:      10.99999/synth.2019.014" in out and "PMID 99000001 · case 1" in out
    retracted = show(capsys, demo_kb, "99000003")
    assert "[RETRACTED]" in retracted.splitlines()[0]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nothing", "is not an id kb show knows"),
        ("PMID 12345", "no article PMID 12345 in this knowledge graph"),
        ("ffffffffffffffffffff", "no evidence ffffffffffffffffffff"),
        ("PMID 99000001 · case 99", "no case PMID 99000001 · case 99"),
    ],
)
def test_an_unknown_id_is_a_one_line_error(demo_kb, capsys, ref, message):
    assert main(["show", ref, "--data-dir", str(demo_kb)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
