"""A remote SPARQL server (a real ``oxigraph serve``) as the store: same rows as the embedded one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.questions import QuestionError, load_questions
from kb.remote import EmbeddedStore, RemoteStore, check_store_url, open_any, push
from kb.store import StoreError, write_store
from tests.conftest import free_port, oxigraph_server

HOSTILE = [
    'x" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o',
    "calcinosis_cutis> } UNION { ?s ?p ?o",
    "}}}}",
    "' OR '1'='1",
    "\\u0022 . ?s ?p ?o #",
]


@pytest.fixture(scope="module")
def kb_dir(demo_kb: Path) -> Path:
    return demo_kb


@pytest.fixture(scope="module")
def remote(kb_dir, tmp_path_factory) -> Iterator[RemoteStore]:
    """A read-write Oxigraph server holding the demo KB, written by ``push`` over an earlier
    dataset."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        store = RemoteStore(url)
        old = tmp_path_factory.mktemp("old") / "old.nq"
        old.write_bytes(b"<urn:old:a> <urn:old:b> <urn:old:c> <urn:old:graph> .\n")
        store.replace(old)
        push(kb_dir, store)  # must drop the earlier dataset
        yield store


def test_replace_leaves_only_the_new_build(remote, kb_dir):
    assert remote.query("ASK { GRAPH ?g { <urn:old:a> ?p ?o } }").rows == [["false"]]
    assert remote.query("ASK { <urn:old:a> ?p ?o }").rows == [["false"]]
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert remote.query(count).rows == EmbeddedStore(kb_dir).query(count).rows  # derived too


def test_an_unreachable_server_stops_a_bulk_run_before_any_work(tmp_path, capsys):
    from kb.cli import main

    dead = f"http://127.0.0.1:{free_port()}"
    missing = tmp_path / "nothing-read.xml.gz"
    assert main(["bulk", str(missing), "--data-dir", str(tmp_path / "kb"), "--store", dead]) != 0
    assert "cannot reach the SPARQL server" in capsys.readouterr().err
    assert not (tmp_path / "kb").exists()


@pytest.mark.parametrize("name", sorted(load_questions()))
def test_every_question_same_rows_remote_and_embedded(kb_dir, remote, name):
    question = load_questions()[name]
    got = remote.ask(question)
    want = EmbeddedStore(kb_dir).ask(question)
    assert got.columns == want.columns
    assert got.rows == want.rows  # every question has an ORDER BY
    assert got.rows, name  # the demo answers every question


def test_row_limit_and_truncated_flag(kb_dir, remote):
    sparql = "SELECT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s ?p ?o"  # no bnode ids
    got, want = remote.query(sparql, limit=5), EmbeddedStore(kb_dir).query(sparql, limit=5)
    assert (got.rows, got.truncated) == (want.rows, True)
    assert remote.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", limit=3).truncated is False


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_parameter_adds_no_rows_remotely(remote, value, demo_cases):
    for name, question in load_questions().items():
        for param in question.params:
            try:
                result = remote.ask(question, {param.name: value})
            except (QuestionError, StoreError):
                continue  # refused with a message: fine
            if param.type in {"concept", "article"}:
                assert result.rows == [], (name, value)
    cases = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://casebook.invalid/ontology#Case> }"
    assert remote.query(cases).rows == [[str(demo_cases)]]  # nothing dropped


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1:7878", "http://", "gopher://x",
     "http://user:pw@127.0.0.1:7878", "http://127.0.0.1:7878/?query=x"],
)  # fmt: skip
def test_a_non_http_store_url_is_refused(url):
    with pytest.raises(StoreError, match="--store"):
        RemoteStore(url)


def test_open_any_and_url_forms(kb_dir):
    assert isinstance(open_any(None, kb_dir), EmbeddedStore)
    store = open_any("http://127.0.0.1:7878/query", kb_dir)
    assert isinstance(store, RemoteStore)
    assert (store.query_url, store.store_url) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/store",
    )
    assert check_store_url("https://example.org/sparql/") == "https://example.org/sparql"


def test_an_unreachable_server_is_a_store_error():
    with pytest.raises(StoreError, match="cannot reach"):
        RemoteStore(f"http://127.0.0.1:{free_port()}", timeout=2).query("ASK {}")


def test_one_embedded_store_follows_a_new_version_and_refuses_no_graph(tmp_path):
    """The store is opened once per version: a write that moves CURRENT is seen by the same
    instance (a long-lived explorer or server process), never the old version's answers."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    store = EmbeddedStore(tmp_path)
    with pytest.raises(StoreError, match="no knowledge graph"):
        store.query(count)
    one = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> <http://example.org/g> .\n"
    two = (
        one
        + b"<http://example.org/c> <http://example.org/p> <http://example.org/d> <http://example.org/g> .\n"
    )
    write_store(tmp_path, one)
    first = store.query(count).rows[0][0]
    assert store._store() is store._store()  # same version: opened once, not per query
    write_store(tmp_path, two)
    assert int(store.query(count).rows[0][0]) == int(first) + 1
