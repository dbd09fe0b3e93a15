"""Named questions and user SPARQL on the SYNTHETIC demo graph: actual rows, hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.cli import main
from kb.query import QueryRejected, check_query, user_query
from kb.questions import QuestionError, get_question, load_questions
from kb.store import StoreError, current_version, open_store, run_query

ID = "https://casebook.invalid/id/"


@pytest.fixture(scope="module")
def kb_dir(demo_kb: Path) -> Path:
    return demo_kb


def ask(kb_dir: Path, name: str, **params: str) -> list[dict[str, str | None]]:
    question = get_question(name)
    result = question.finish(
        run_query(open_store(kb_dir), question.sparql, question.bindings(params))
    )
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_treatments_that_resolved_iatrogenic_cases(kb_dir):
    rows = ask(kb_dir, "treatments_that_resolved")
    seed_case = f"{ID}case/seed%3Af0036fb653a4/1"
    got = {(r["case"], r["treatment"], r["outcome"], r["time"]) for r in rows}
    assert (seed_case, "conservative management", "complete resolution", "P3M") in got
    assert (seed_case, "dressing", "complete resolution", "P3M") in got
    assert all(r["sentence"] and r["evidence"].startswith(f"{ID}evidence/") for r in rows)
    assert all("/case/" in r["case"] or "/reference/" in r["case"] for r in rows)


def test_etiologies_ranked_by_cases(kb_dir):
    rows = ask(kb_dir, "etiologies_of", condition="calcinosis_cutis")
    assert {rows[0]["etiology"], rows[1]["etiology"]} == {"calcium gluconate", "extravasation"}
    counts = [int(r["cases"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert {"warfarin", "low molecular weight heparin", "extravasation"} <= {
        r["etiology"] for r in rows
    }


def test_treatment_outcome_synthesis(kb_dir):
    rows = ask(kb_dir, "treatment_outcomes")
    dressing = next(
        r for r in rows if (r["treatment"], r["outcome"]) == ("dressing", "complete resolution")
    )
    assert int(dressing["cases"]) == 4
    assert set(dressing["times"].split()) == {"P5M", "P2M", "P3M", "P70D"}
    assert dressing["median_days"] == "80.655"  # between P70D and P3M (91.31 days)


def test_cases_by_age_group_and_sex(kb_dir):
    rows = {(r["age_group"], r["sex"]): int(r["cases"]) for r in ask(kb_dir, "cases_by_age_sex")}
    assert rows[("neonate", "male")] == 3 and rows[("neonate", "female")] == 2
    assert sum(rows.values()) == 14


def test_concept_evidence_keeps_the_three_sources_apart(kb_dir):
    rows = ask(kb_dir, "concept_evidence", concept="sodium_thiosulfate")
    assert {r["method"] for r in rows} == {"text", "mesh", "citation_context"}
    assert "intravenous sodium thiosulfate" in {r["label"] for r in rows}  # narrower concepts


def test_citing_articles_and_citation_contexts(kb_dir):
    rows = ask(kb_dir, "citing_articles", article="99000001")
    assert {r["citing"].rsplit("/", 1)[1] for r in rows} == {
        "f0036fb653a4",
        "99000013",
        "99000015",
        "99000016",
    }
    contexts = ask(kb_dir, "seed_citation_contexts")
    assert {int(r["number"]) for r in contexts} == set(range(1, 11))
    ten = next(r for r in contexts if r["number"] == "10")
    assert ten["article"] == f"{ID}article/pmid/99000010"


def test_citation_check_flags_claims_the_reference_does_not_support(kb_dir):
    rows = ask(kb_dir, "citation_check")
    status = {(r["number"], r["claimed"]): r["status"] for r in rows}
    assert status[("1", "extravasation")] == "supported"
    assert "mismatch" in status.values()


def test_retracted_and_corrected_references(kb_dir):
    rows = ask(kb_dir, "retracted_references")
    retracted = [r for r in rows if r["retracted"] == "true"]
    assert [(r["article"], r["number"]) for r in retracted] == [(f"{ID}article/pmid/99000003", "3")]
    assert {r["correction"] for r in rows if r["correction"]} == {"RetractionIn", "ErratumIn"}


HOSTILE = [
    'x" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o',
    "calcinosis_cutis> } UNION { ?s ?p ?o",
    "}}}}",
    "' OR '1'='1",
    "\\u0022 . ?s ?p ?o #",
    "a\nb\r\nc\x00",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_parameter_changes_nothing_and_adds_no_rows(kb_dir, value):
    before = current_version(kb_dir)
    for name, question in load_questions().items():
        for param in question.params:
            try:
                rows = ask(kb_dir, name, **{param.name: value})
            except (QuestionError, StoreError):
                continue  # refused with a message: fine
            if param.type in {"concept", "article"}:
                assert rows == [], (name, value)  # no such concept: no rows, never all rows
    assert current_version(kb_dir) == before


def test_unknown_parameter_and_bad_integer_are_clear_errors():
    with pytest.raises(QuestionError, match="unknown parameter"):
        get_question("etiologies_of").bindings({"conditon": "x"})
    with pytest.raises(QuestionError, match="no question named"):
        get_question("nope")


@pytest.mark.parametrize(
    "sparql",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "DROP ALL",
        "LOAD <http://127.0.0.1:9/x>",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "CLEAR DEFAULT",
        "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
        "hello",
    ],
)
def test_user_queries_are_read_only_and_capped(sparql):
    with pytest.raises(QueryRejected):
        check_query(sparql)


def test_keywords_inside_strings_and_iris_are_fine():
    check_query('SELECT ?s WHERE { ?s ?p "INSERT DATA; DROP ALL" . ?s ?q <urn:x:load> }')


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT * WHERE { FILTER(?a<?b)SERVICE#>\n<http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p 1SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERV\\u0049CE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p "service" }',
    ],
)
def test_the_word_service_is_refused_wherever_it_hides(sparql):
    """SERVICE hidden from a keyword regex (found in review: pyoxigraph ran these)."""
    with pytest.raises(QueryRejected, match="SERVICE is not allowed"):
        check_query(sparql)


def test_user_query_runs_and_a_runaway_query_is_stopped(kb_dir):
    result = user_query(kb_dir, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(result.rows[0][0]) > 10_000
    with pytest.raises(StoreError, match="time limit"):
        user_query(kb_dir, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                   timeout=1.0)  # fmt: skip


def test_kb_sparql_and_kb_ask_on_the_command_line(kb_dir, tmp_path, capsys):
    query = tmp_path / "q.rq"
    query.write_text(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://casebook.invalid/ontology#Case> }"
    )
    assert main(["sparql", f"@{query}", "--data-dir", str(kb_dir), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "14"]
    assert main(["sparql", "DROP ALL", "--data-dir", str(kb_dir)]) == 2
    assert "DROP is not allowed" in capsys.readouterr().err
    assert main(["ask", "cases_by_age_sex", "--data-dir", str(kb_dir), "--format", "json"]) == 0
    assert '"age_group": "neonate"' in capsys.readouterr().out
    assert main(["ask", "etiologies_of", "--param", "bogus=1", "--data-dir", str(kb_dir)]) == 2


def test_no_store_yet_says_how_to_make_one(tmp_path, capsys):
    assert main(["ask", "cases_by_age_sex", "--data-dir", str(tmp_path)]) == 2
    assert "run `kb build` or `kb demo` first" in capsys.readouterr().err


def test_a_narrower_condition_gives_narrower_etiologies(kb_dir):
    """etiologies_of binds its parameter inside a subquery (the outer query has no WHERE): a
    narrower condition must give a subset with no larger counts, never the same answer."""
    broad = {r["etiology"]: int(r["cases"]) for r in ask(kb_dir, "etiologies_of")}
    narrow = {
        r["etiology"]: int(r["cases"])
        for r in ask(kb_dir, "etiologies_of", condition="calcinosis_cutis_iatrogenic")
    }
    assert narrow and set(narrow) < set(broad)
    assert all(narrow[e] <= broad[e] for e in narrow)


def _benchmark_module():
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "graph_questions.py"
    spec = importlib.util.spec_from_file_location("graph_questions", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_graph_has_the_builders_shapes_and_answers_every_question(kb_dir, tmp_path):
    """benchmarks/graph_questions.py grows the demo graph with SYNTHETIC articles: they keep
    the shapes the builder makes (SHACL), its graph digests (and so the store version `--save`
    names) are kb.store's, and every question still answers."""
    import pyoxigraph as ox
    import pyshacl
    from rdflib import Dataset

    from kb.datadir import Build
    from kb.derived import rules_digest
    from kb.graph import ontology_graph, shapes_graph, union_graph
    from kb.publish import canonical_nquads
    from kb.store import (
        DERIVED,
        dump_nquads,
        graph_digests,
        version_digests,
        version_name,
        write_store,
    )

    bench = _benchmark_module()
    demo = canonical_nquads(Build.load(kb_dir)).decode().splitlines()
    kb = bench.SyntheticKB(demo, 120, bench.Mix(full=0.2, mesh=0.3, on_topic=0.5))
    assert {kb.tier(i) for i in range(120)} == {"full", "mesh", "meta"}
    nquads, digests = tmp_path / "g.nq", {}
    with nquads.open("w", encoding="utf-8") as out:
        quads = kb.write(out, range(120), digests)
    data = nquads.read_bytes()
    assert quads == data.count(b"\n") > len(demo) and digests == graph_digests(data)

    dataset = Dataset()
    dataset.parse(data=data, format="nquads")
    conforms, _, report = pyshacl.validate(union_graph(dataset), shacl_graph=shapes_graph(),
                                           ont_graph=ontology_graph(), inference="none")  # fmt: skip
    assert conforms, report

    version = write_store(tmp_path / "kb", data)  # what `--save` writes, from bytes
    assert (
        version.name
        == version_name(version_digests(data))
        == version_name(
            digests | {DERIVED: rules_digest()}  # what the benchmark's save_store names it
        )
    )
    store = ox.Store.read_only(str(version))
    for name, question in load_questions().items():
        assert run_query(store, question.sparql, question.bindings({})).rows, name
    # rdflib's share gets the same derived graph as the store makes
    appended = bench.with_derived(nquads)
    mark = f"<{DERIVED}> .".encode()
    stored = sorted(ln for ln in dump_nquads(tmp_path / "kb").splitlines() if ln.endswith(mark))
    added = sorted(nquads.read_bytes().splitlines()[quads:])
    assert appended == len(added) == len(stored) > 0 and added == stored
