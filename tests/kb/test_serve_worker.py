"""The warm engine's side of the pipe protocol (``kb.serve.worker``), in process: what it writes
for each kind of answer, so the gate's reader (``kb.serve.engine``) has one shape to parse."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest

from kb.serve.worker import answer

EX = "http://example.org/"


@pytest.fixture
def store() -> ox.Store:
    s = ox.Store()
    graph = ox.NamedNode(EX + "g")
    for i in range(3):
        s.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)), graph))
    return s


def unframed(data: bytes) -> tuple[bytes, bytes]:
    """(the head line, the chunks joined), checking the framing ends with a 0 chunk."""
    head, _, rest = data.partition(b"\n")
    body = bytearray()
    while True:
        size, _, rest = rest.partition(b"\n")
        if int(size) == 0:
            assert rest == b""
            return head, bytes(body)
        body += rest[: int(size)]
        rest = rest[int(size) :]


def written(store: ox.Store, sparql: str) -> bytes:
    out = io.BytesIO()
    answer(store, sparql, out)
    return out.getvalue()


def test_solutions_are_tsv_in_chunks_over_the_union_of_the_graphs(store):
    head, body = unframed(written(store, "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"))
    assert head == b"s"
    assert body == b'?o\n"0"\n"1"\n"2"\n'


def test_triples_are_n_triples_in_chunks(store):
    head, body = unframed(written(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    assert head == b"t" and body.count(b"\n") == 3
    assert {t.subject.value for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)} == {
        f"{EX}s{i}" for i in range(3)
    }


def test_a_boolean_is_one_line(store):
    assert written(store, "ASK { ?s ?p ?o }") == b"b true\n"
    assert written(store, "ASK { ?s ?p 7 }") == b"b false\n"


def test_a_syntax_error_is_400_with_its_message(store):
    data = written(store, "SELEC * WHERE {}")
    head, _, message = data.partition(b"\n")
    _, status, size = head.split()
    assert status == b"400" and int(size) == len(message)
    assert message.startswith(b"error at ")
