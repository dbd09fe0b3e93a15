"""ASK, CONSTRUCT and DESCRIBE on the embedded store: pyoxigraph 0.5 answers ASK with a
``QueryBoolean`` (not a bool), which the result reader once tried to iterate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.cli import main
from kb.query import user_query
from kb.remote import EmbeddedStore
from kb.store import open_store, run_query, write_store

A = "https://casebook.invalid/id/article/pmid/1"
NQUADS = (
    f'<{A}> <http://purl.org/dc/terms/title> "A title" <https://casebook.invalid/id/graph/pmid:1> .\n'
    f"<{A}> <http://purl.org/spar/cito/cites> <https://casebook.invalid/id/article/pmid/2> "
    "<https://casebook.invalid/id/graph/pmid:1> .\n"
).encode()


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("forms")
    write_store(data_dir, NQUADS)
    return data_dir


@pytest.mark.parametrize(
    ("sparql", "answer"),
    [
        (f"ASK {{ <{A}> ?p ?o }}", "true"),
        ("ASK { ?s <urn:x:nothing> ?o }", "false"),
    ],
)
def test_ask_answers_true_or_false_on_every_embedded_path(small_kb, sparql, answer):
    direct = run_query(open_store(small_kb), sparql)
    assert (direct.columns, direct.rows) == (["ask"], [[answer]])
    assert EmbeddedStore(small_kb).query(sparql).rows == [[answer]]
    assert user_query(small_kb, sparql).rows == [[answer]]  # kb sparql and the app's console


def test_construct_and_describe_give_their_triples(small_kb):
    construct = run_query(
        open_store(small_kb), f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ <{A}> }} ?s ?p ?o }}"
    )
    assert construct.columns == ["subject", "predicate", "object"]
    assert sorted(r[2] for r in construct.rows) == [
        "A title",
        "https://casebook.invalid/id/article/pmid/2",
    ]
    describe = user_query(small_kb, f"DESCRIBE <{A}>")
    assert {r[2] for r in describe.rows} == {r[2] for r in construct.rows}


def test_kb_sparql_ask_on_the_command_line(small_kb, capsys):
    assert (
        main(["sparql", f"ASK {{ <{A}> ?p ?o }}", "--data-dir", str(small_kb), "--format", "json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["rows"] == [{"ask": "true"}]
    assert main(["sparql", "ASK { ?s <urn:x:none> ?o }", "--data-dir", str(small_kb)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["ask", "false"]
