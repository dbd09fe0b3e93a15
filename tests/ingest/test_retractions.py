"""A retracted or corrected source travels with everything that rests on it (issue 16, part 2):
answer rows, synthesis counts, the evidence table and the bibliography, and a switch leaves it
out. The demo corpus is SYNTHETIC: PMID 99000003 is retracted, 99000005 carries an erratum."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from kb.export import render
from kb.questions import QuestionError, get_question
from kb.store import open_store, run_query

RETRACTED, CORRECTED = "99000003", "99000005"


def ask(data: Path, name: str, **params: str) -> list[dict]:
    store = open_store(data)
    question = get_question(name)
    result = question.answer_all(lambda q, b, limit: run_query(store, q, b, limit), params)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_the_graph_marks_each_flagged_article_once(demo_kb):
    store = open_store(demo_kb)
    result = run_query(
        store,
        "SELECT ?a ?s WHERE { ?a <https://casebook.invalid/ontology#sourceStatus> ?s }",
        None,
        100,
    )
    got = {row[0].rsplit("/", 1)[-1]: row[1] for row in result.rows}
    assert got == {RETRACTED: "retracted", CORRECTED: "corrected"}


def test_resolution_rows_say_their_article_is_corrected_and_sound_leaves_them_out(demo_kb):
    rows = ask(demo_kb, "treatments_that_resolved", condition="calcinosis_cutis")
    flagged = [r for r in rows if r["status"]]
    assert flagged and all(r["article"].endswith(f"/{CORRECTED}") for r in flagged)
    assert {r["status"] for r in flagged} == {"corrected"}
    assert all(not r["status"] for r in rows if not r["article"].endswith(f"/{CORRECTED}"))
    sound = ask(demo_kb, "treatments_that_resolved", condition="calcinosis_cutis", sources="sound")
    assert sound == [r for r in rows if not r["status"]]


def test_evidence_rows_carry_the_status_of_their_article(demo_kb):
    rows = ask(demo_kb, "concept_evidence", concept="calcinosis_cutis")
    by_article = {r["article"].rsplit("/", 1)[-1]: r["status"] for r in rows if r["article"]}
    assert by_article.get(RETRACTED) == "retracted"
    assert {s for a, s in by_article.items() if a not in (RETRACTED, CORRECTED)} == {None}


def test_a_choice_parameter_refuses_any_other_word(demo_kb):
    with pytest.raises(QuestionError, match="sources must be one of all, sound"):
        ask(demo_kb, "treatment_outcomes", sources="sond")


def test_the_synthesis_counts_flagged_cases_and_can_leave_them_out(built, server, tmp_path):
    """After a refresh finds an article retracted, the cell its case supports counts it as
    flagged; with sources=sound the cell counts only the other cases, or goes."""
    from ingest.refresh import refresh
    from tests.ingest.test_refresh import change_everything, copy_kb, settings_for

    data = copy_kb(built, tmp_path)
    change_everything(server.corpus)
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.retracted and not report.failed
    every = {(r["treatment"], r["outcome"]): r for r in ask(data, "treatment_outcomes")}
    flagged = {pair: r for pair, r in every.items() if int(r["flagged"])}
    assert flagged, "a retracted article supports some cell"
    sound = {(r["treatment"], r["outcome"]): r for r in ask(data, "treatment_outcomes",
                                                            sources="sound")}  # fmt: skip
    for pair, r in every.items():
        kept = int(r["cases"]) - int(r["flagged"])
        if pair in sound:
            assert int(sound[pair]["flagged"]) == 0
            assert kept <= int(sound[pair]["cases"]) <= int(r["cases"])  # a case may have both
        else:
            assert pair in flagged and kept == 0


def test_the_evidence_table_flags_findings_of_flagged_articles(demo_kb):
    table = list(csv.DictReader(io.StringIO(render("csv", demo_kb).decode("utf-8"))))
    status = {r["document"].split("#")[0]: r["source_status"] for r in table}
    assert status[f"pmid:{RETRACTED}"] == "retracted"
    assert status[f"pmid:{CORRECTED}"] == "corrected"
    assert {
        s for d, s in status.items() if d not in (f"pmid:{RETRACTED}", f"pmid:{CORRECTED}")
    } == {""}


def test_the_bibliography_says_retracted_first_in_its_note(demo_kb):
    ris = render("ris", demo_kb).decode("utf-8")
    bib = render("bibtex", demo_kb).decode("utf-8")
    ris_notes = [
        ln for ln in ris.splitlines() if ln.startswith("N1  - ") and "Seed reference" in ln
    ]
    flagged = [ln for ln in ris_notes if ln.startswith(("N1  - RETRACTED;", "N1  - CORRECTED;"))]
    assert any(f"PMID {RETRACTED}" in ln and "RETRACTED;" in ln for ln in flagged)
    assert all(f"PMID {RETRACTED}" in ln or f"PMID {CORRECTED}" in ln for ln in flagged)
    assert "note = {RETRACTED; Seed reference" in bib
