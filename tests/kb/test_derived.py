"""graph/derived: the tables the store derives when it writes a version (kb/derived/*.rq).

The questions that read them must answer exactly what a direct query over the findings answers;
the direct queries below are that specification, checked for every condition of the SYNTHETIC
demo and again after a refresh changed the findings.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
from pyshacl import validate
from rdflib import RDF, Dataset, Graph, Namespace

from kb import iris
from kb.derived import rules, rules_digest
from kb.questions import get_question
from kb.store import (
    DERIVED,
    dump_nquads,
    manifest,
    open_store,
    run_query,
    version_digests,
    version_name,
    write_store,
)

CB = Namespace("https://casebook.invalid/ontology#")
PREFIXES = """PREFIX cb: <https://casebook.invalid/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

# What treatments_that_resolved means, read from the findings themselves: each present
# resolution-type outcome of a subject with the condition, and the treatment the text says led to
# it (cb:ledTo) or none; one row per case, treatment and outcome (the statement with a time first,
# then the first by evidence IRI).
DIRECT_RESOLUTIONS = (
    PREFIXES
    + """
SELECT ?case ?treatment ?outcome
       (MIN(CONCAT(IF(BOUND(?time), "0", "1"), COALESCE(STR(?time), "-"), " ", STR(?evidence),
                   " ", STR(?article), " ", COALESCE(?cue, ""), "\u001f", ?sentence)) AS ?packed)
{
  { SELECT DISTINCT ?case WHERE {
      ?cc skos:broader* ?condition .
      ?cf cb:concept ?cc ; cb:kind cb:kindCondition ; cb:assertion ?status ; cb:subject ?case .
      VALUES ?status { "present" "resolved" }
      ?case a ?subject_type .
      VALUES ?subject_type { cb:Case cb:Reference }
  } }
  ?of cb:subject ?case ; cb:kind cb:kindOutcome ; cb:assertion "present" ; cb:concept ?oc ;
      cb:evidence ?stated .
  ?oc skos:broader* <https://casebook.invalid/id/concept/resolution> ; skos:prefLabel ?outcome .
  OPTIONAL { ?of cb:value ?time }
  OPTIONAL {
    ?tf cb:ledTo ?of ; cb:assertion "present" ; cb:concept/skos:prefLabel ?treatment .
    ?r a cb:RelationAssertion ; cb:source ?tf ; cb:target ?of .
    OPTIONAL { ?r cb:evidence ?linked }
    OPTIONAL { ?r cb:cue ?cue }
  }
  BIND(COALESCE(?linked, ?stated) AS ?evidence)
  ?evidence cb:sentence ?sentence ; prov:wasDerivedFrom ?article .
}
GROUP BY ?case ?treatment ?outcome"""
)

DIRECT_ETIOLOGIES = (
    PREFIXES
    + """
SELECT ?etiology (COUNT(DISTINCT ?subject) AS ?cases) (COUNT(*) AS ?statements)
       (GROUP_CONCAT(?sentence; SEPARATOR="\\n") AS ?sentences)
WHERE {
  ?cc skos:broader* ?condition .
  ?cf cb:concept ?cc ; cb:causedBy ?ef ; cb:subject ?subject .
  ?ef cb:concept ?ec ; cb:evidence/cb:sentence ?sentence .
  ?ec skos:prefLabel ?etiology .
}
GROUP BY ?etiology"""
)

DIRECT_TREATMENT_OUTCOMES = (
    PREFIXES
    + """
SELECT ?treatment ?outcome (COUNT(DISTINCT ?case) AS ?cases)
       (GROUP_CONCAT(DISTINCT COALESCE(STR(?time), ""); SEPARATOR=" ") AS ?times)
       (GROUP_CONCAT(DISTINCT STR(?ev); SEPARATOR=" ") AS ?evidences)
       (GROUP_CONCAT(DISTINCT IF(BOUND(?flag), STR(?case), ""); SEPARATOR=" ") AS ?flaggedCases)
WHERE {
  ?case a cb:Case .
  ?tf cb:ledTo ?of ; cb:subject ?case ; cb:assertion "present" ; cb:concept ?tc .
  ?of cb:assertion "present" ; cb:concept ?oc ; cb:evidence ?ev .
  OPTIONAL { ?ev prov:wasDerivedFrom ?article . ?article cb:sourceStatus ?flag }
  OPTIONAL { ?of cb:value ?time }
  ?tc skos:prefLabel ?treatment .
  ?oc skos:prefLabel ?outcome .
}
GROUP BY ?treatment ?outcome"""
)

STATUSES = PREFIXES + "SELECT ?a ?s WHERE { ?a cb:sourceStatus ?s }"

CONDITIONS = (
    PREFIXES
    + """
SELECT DISTINCT ?c WHERE {
  { ?f cb:kind cb:kindCondition ; cb:concept ?c } UNION { ?f cb:causedBy ?e ; cb:concept ?c }
}"""
)


def rows(store: ox.Store, sparql: str, **bindings: ox.NamedNode) -> list[dict]:
    result = run_query(store, sparql, bindings)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def ask(store: ox.Store, name: str, **params: str) -> list[dict]:
    question = get_question(name)
    result = question.answer_all(lambda q, b, limit: run_query(store, q, b, limit), params)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def conditions(store: ox.Store) -> list[str]:
    """Every concept a condition finding or a caused-by source names, and each broader one."""
    named = {r["c"] for r in rows(store, CONDITIONS)}
    broader = PREFIXES + "SELECT DISTINCT ?b WHERE { ?c skos:broader* ?b }"
    return sorted({r["b"] for c in named for r in rows(store, broader, c=ox.NamedNode(c))})


def concept_id(iri: str) -> str:
    """The concept id of a concept IRI: "concept/mesh/D1" → "mesh:D1", "concept/doid%3A1" →
    "doid:1"."""
    return unquote(iri.removeprefix(f"{iris.BASE}concept/").replace("/", ":"))


def assert_derived_answers_equal_direct(store: ox.Store) -> int:
    """Every derived question's answer equals the direct query's, for every condition; returns
    how many answers were compared."""
    compared = 0
    statuses = {r["a"]: r["s"] for r in rows(store, STATUSES)}
    for condition in conditions(store):
        term = ox.NamedNode(condition)
        got = ask(store, "treatments_that_resolved", condition=concept_id(condition))
        want = [_unpack(r, statuses) for r in rows(store, DIRECT_RESOLUTIONS, condition=term)]
        assert sorted(map(_key, got)) == sorted(map(_key, want)), condition
        got = ask(store, "etiologies_of", condition=concept_id(condition))
        want = {r["etiology"]: r for r in rows(store, DIRECT_ETIOLOGIES, condition=term)}
        assert {r["etiology"] for r in got} == set(want), condition
        for r in got:
            direct = want[r["etiology"]]
            assert (r["cases"], r["statements"]) == (direct["cases"], direct["statements"])
            assert r["example"] == min(direct["sentences"].split("\n"))
        compared += 2
    got = {(r["treatment"], r["outcome"]): r for r in ask(store, "treatment_outcomes")}
    want = {(r["treatment"], r["outcome"]): r for r in rows(store, DIRECT_TREATMENT_OUTCOMES)}
    assert set(got) == set(want)
    for pair, r in got.items():
        assert r["cases"] == want[pair]["cases"], pair
        assert int(r["flagged"]) == len((want[pair]["flaggedCases"] or "").split()), pair
        assert set((r["times"] or "").split()) == set((want[pair]["times"] or "").split()), pair
        assert r["evidence"] == min(want[pair]["evidences"].split()), pair
    return compared + 1


def _unpack(row: dict, statuses: dict[str, str]) -> dict:
    """A DIRECT_RESOLUTIONS row as the question gives it: the packed time, evidence, article and
    sentence of the statement chosen, apart, and the status of that article."""
    timed, evidence, article, rest = row.pop("packed").split(" ", 3)
    cue, sentence = rest.split("\x1f", 1)
    time = timed[1:] if timed.startswith("0") else None
    return row | {"time": time, "evidence": evidence, "article": article, "sentence": sentence,
                  "cue": cue or None, "status": statuses.get(article)}  # fmt: skip


def _key(row: dict) -> tuple:
    return tuple(sorted((k, v or "") for k, v in row.items()))


def test_derived_questions_answer_as_the_direct_queries_on_the_demo(demo_kb):
    store = open_store(demo_kb)
    assert assert_derived_answers_equal_direct(store) > 40  # every condition of the demo
    assert ask(store, "treatments_that_resolved")  # the default has rows (not vacuous)
    assert len(ask(store, "treatment_outcomes")) >= 10


def test_concept_counts_equal_counting_the_findings(demo_kb):
    from kb.read import base, concept_index, iri_links

    store = open_store(demo_kb)
    kb = base.KB(demo_kb)
    direct = (
        PREFIXES
        + "SELECT ?c (COUNT(*) AS ?n) WHERE { ?f cb:kind ?kind ; cb:concept ?c } GROUP BY ?c"
    )
    for kind, iri in base.KIND_IRI.items():
        want = {r["c"]: int(r["n"]) for r in rows(store, direct, kind=ox.NamedNode(iri))}
        got = {
            iri_links.concept_iri(c.id): c.findings
            for c in concept_index.concepts_of_kind(kb, kind)
        }
        assert got == want and (got or kind not in base.BROWSE_KINDS), kind


def test_case_counts_equal_counting_the_cases(demo_kb):
    """The derived counts per age group and sex add up to every case, each counted once."""
    store = open_store(demo_kb)
    cases = rows(store, PREFIXES + "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cb:Case }")
    got = {(r["age_group"], r["sex"]): int(r["cases"]) for r in ask(store, "cases_by_age_sex")}
    assert sum(got.values()) == int(cases[0]["n"]) > 10
    female = PREFIXES + 'SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cb:Case ; cb:sex "female" }'
    assert sum(n for (_, sex), n in got.items() if sex == "female") == int(
        rows(store, female)[0]["n"]
    )


def test_times_of_the_cases_that_gave_one_are_kept(demo_kb):
    """One case without a time used to blank the times of its whole treatment × outcome cell
    (an unbound value makes GROUP_CONCAT an error); the derived table keeps the others."""
    store = open_store(demo_kb)
    mixed = (
        PREFIXES
        + """
    SELECT ?tl ?ol (COUNT(DISTINCT ?case) AS ?cases) (COUNT(DISTINCT ?timed) AS ?with_time)
    WHERE {
      ?case a cb:Case .
      ?tf cb:ledTo ?of ; cb:subject ?case ; cb:assertion "present" ; cb:concept/skos:prefLabel ?tl .
      ?of cb:assertion "present" ; cb:concept/skos:prefLabel ?ol .
      OPTIONAL { ?of cb:value ?t }
      BIND(IF(BOUND(?t), ?case, ?none) AS ?timed)
    } GROUP BY ?tl ?ol HAVING (COUNT(DISTINCT ?timed) > 0)"""
    )
    cells = {(r["tl"], r["ol"]): r for r in rows(store, mixed)}
    got = {(r["treatment"], r["outcome"]): r for r in ask(store, "treatment_outcomes")}
    assert cells
    for pair in cells:
        assert got[pair]["times"], pair  # every cell with a timed case shows its times
        assert got[pair]["median_days"], pair


def test_each_case_treatment_and_outcome_is_one_row(demo_kb):
    """A case with two findings of the condition, or one resolution stated twice, is one row."""
    store = open_store(demo_kb)
    answered = 0
    for condition in conditions(store):
        got = ask(store, "treatments_that_resolved", condition=concept_id(condition))
        keys = [(r["case"], r["treatment"], r["outcome"]) for r in got]
        assert len(keys) == len(set(keys)), condition
        answered += len(got)
    assert answered > 0


def test_derived_graph_is_in_the_store_and_the_manifest(demo_kb):
    store = open_store(demo_kb)
    query = f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ GRAPH <{DERIVED}> {{ ?s a ?t }} }} GROUP BY ?t"
    types = rows(store, PREFIXES + query)
    counts = {r["t"].rsplit("#", 1)[1]: int(r["n"]) for r in types}
    assert set(counts) == {
        "Resolution", "TreatmentOutcome", "EtiologyCount", "ConceptCount", "CaseCount"
    }  # fmt: skip
    assert all(n > 0 for n in counts.values())
    assert manifest(demo_kb)[DERIVED] == rules_digest()
    assert set(rules()) == {
        "case_counts", "concept_counts", "etiologies", "resolutions", "treatment_outcomes"
    }  # fmt: skip


def test_the_stored_dataset_with_its_derived_graph_conforms_to_the_shapes(demo_kb):
    """Shapes of the derived classes check their links into the other graphs (a row's findings
    are cb:Finding, its evidence cb:Evidence), so the whole store is validated."""
    from kb.graph import ontology_graph, shapes_graph

    union = stored_union(demo_kb)
    derived = [s for s in union.subjects(RDF.type) if any(
        str(s).startswith(f"{iris.BASE}{kind}/")
        for kind in ("resolution", "treatment-outcome", "etiology", "concept-count"))]  # fmt: skip
    assert len(derived) > 100
    conforms, _, report = validate(
        union, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none"
    )
    assert conforms, report
    used = {p for p in union.predicates() if str(p).startswith(str(CB))}
    declared = set(ontology_graph().subjects())
    assert used <= declared, used - declared


def stored_union(data_dir: Path) -> Graph:
    """The union of the store's named graphs, as one rdflib graph."""
    from kb.graph import union_graph

    dataset = Dataset()
    dataset.parse(data=dump_nquads(data_dir).decode(), format="nquads")
    return union_graph(dataset)


def test_a_broken_derived_row_does_not_conform(demo_kb):
    """Not vacuous: the derived shapes do target the derived rows."""
    from kb.graph import ontology_graph, shapes_graph

    union = stored_union(demo_kb)
    row = next(union.subjects(RDF.type, CB.TreatmentOutcome))
    union.remove((row, CB.caseCount, None))
    conforms, _, report = validate(
        union, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none"
    )
    assert not conforms and "caseCount" in report


def test_the_same_graphs_give_the_same_derived_bytes(demo_kb, tmp_path):
    """Derived IRIs are functions of their keys and examples are minima, not samples."""
    source = b"".join(
        ln + b"\n" for ln in dump_nquads(demo_kb).splitlines() if f"<{DERIVED}>".encode() not in ln
    )
    write_store(tmp_path / "a", source)
    write_store(tmp_path / "b", b"".join(reversed(source.splitlines(keepends=True))))
    assert dump_nquads(tmp_path / "a") == dump_nquads(tmp_path / "b") == dump_nquads(demo_kb)


def test_new_rules_make_a_new_version(demo_kb, tmp_path, monkeypatch):
    source = dump_nquads(demo_kb)
    before = version_name(version_digests(source))
    monkeypatch.setattr("kb.store.rules_digest", lambda: "0" * 64)
    assert version_name(version_digests(source)) != before


def test_derived_rows_follow_a_refresh(built, server, tmp_path):
    """A refresh that adds an article with cases and findings updates the derived tables."""
    from ingest.refresh import refresh
    from tests.ingest.test_refresh import change_everything, copy_kb, settings_for

    data = copy_kb(built, tmp_path)
    before = derived_lines(data)
    change_everything(server.corpus)
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.added and not report.failed
    assert derived_lines(data) != before
    assert assert_derived_answers_equal_direct(open_store(data)) > 10


def derived_lines(data_dir: Path) -> list[bytes]:
    mark = f"<{DERIVED}>".encode()
    return [ln for ln in dump_nquads(data_dir).splitlines() if mark in ln]


def test_derived_rows_link_back_to_their_findings(demo_kb):
    store = open_store(demo_kb)
    linked = rows(
        store,
        PREFIXES
        + """
        SELECT ?row WHERE { ?row a cb:Resolution ; cb:outcomeFinding ?of . ?of a cb:Finding
            OPTIONAL { ?row cb:treatmentFinding ?tf }
            FILTER(!BOUND(?tf) || EXISTS { ?tf a cb:Finding ; cb:ledTo ?of }) }""",
    )
    total = rows(store, PREFIXES + "SELECT ?row WHERE { ?row a cb:Resolution }")
    assert len(linked) == len(total) > 0


def test_a_store_written_before_the_derived_tables_says_to_refresh(demo_kb, tmp_path, caplog):
    """An older store has no graph/derived: `kb ask` and the explorer say what to run."""
    import json
    import shutil

    from kb.cli import main
    from kb.seal import seal_path
    from kb.store import current_version, stale_derived
    from tests.conftest import written_before_derived_tables

    data = tmp_path / "kb"
    shutil.copytree(demo_kb, data)
    assert stale_derived(data) is None
    version = current_version(data)
    seal = json.loads(seal_path(version).read_text())
    seal["derived"] = "0" * 64  # the seal says which rules made graph/derived
    seal_path(version).write_text(json.dumps(seal))
    assert "with other derivation rules" in stale_derived(data)
    # a seal written before the seal held it (the counts inline, nothing beside): the digests
    written_before_derived_tables(data)
    file = version.with_suffix(".json")
    digests = json.loads(file.read_text())
    assert "without its derived tables" in stale_derived(data)
    assert main(["ask", "treatment_outcomes", "--data-dir", str(data)]) == 0
    assert "run `kb refresh`" in caplog.text
    digests[DERIVED] = "0" * 64
    file.write_text(json.dumps(digests))
    assert "with other derivation rules" in stale_derived(data)
