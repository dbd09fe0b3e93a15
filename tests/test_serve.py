"""``kb serve``: the real Oxigraph server on the SYNTHETIC demo KB, over the SPARQL 1.1 Protocol."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.questions import get_question
from kb.remote import EmbeddedStore, RemoteStore
from kb.serve import endpoint, register, start_server, stop_server, wait_ready
from kb.store import StoreError, current_version
from tests.conftest import free_port

CASES = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://casebook.invalid/ontology#Case> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # ~2.7e8 join rows


@pytest.fixture(scope="module")
def kb_dir(demo_kb: Path) -> Path:
    return demo_kb


@pytest.fixture(scope="module")
def server(kb_dir) -> Iterator[str]:
    port = free_port()
    proc = start_server(kb_dir, port, timeout=1)
    try:
        wait_ready(endpoint(port), timeout=20, proc=proc)
        yield endpoint(port)
    finally:
        stop_server(proc)


def http(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def count(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


JSON = {"Accept": "application/sparql-results+json"}


def test_select_by_get_and_by_post(server):
    status, _, body = http(server + "?" + urllib.parse.urlencode({"query": CASES}), headers=JSON)
    assert status == 200 and count(body) == 14
    headers = {**JSON, "Content-Type": "application/sparql-query"}
    status, _, body = http(server, CASES.encode(), headers)
    assert status == 200 and count(body) == 14


@pytest.mark.parametrize("name, values", [("cases_by_age_sex", {}),
                                          ("etiologies_of", {"condition": "calcinosis_cutis"}),
                                          ("etiologies_of", {"condition": "warfarin_necrosis"})])  # fmt: skip
def test_named_question_same_rows_as_the_embedded_store(kb_dir, server, name, values):
    question = get_question(name)
    remote = RemoteStore(server).ask(question, values)
    local = EmbeddedStore(kb_dir).ask(question, values)
    assert (remote.columns, remote.rows) == (local.columns, local.rows)
    if name == "cases_by_age_sex":
        assert sum(int(r[2]) for r in remote.rows) == 14


def test_updates_are_refused_and_nothing_changes(kb_dir, server):
    version = current_version(kb_dir)
    insert = b"INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    base = server.rsplit("/", 1)[0]
    attempts = [
        (base + "/update", insert, "application/sparql-update"),
        (base + "/update", b"DROP ALL", "application/sparql-update"),
        (server, insert, "application/sparql-query"),
        (base + "/store", b"<urn:x:a> <urn:x:b> <urn:x:c> .\n", "application/n-quads"),
    ]
    for url, body, content_type in attempts:
        status, _, _ = http(url, body, {"Content-Type": content_type})
        assert status >= 400, url
    ask = "ASK { <urn:x:a> ?p ?o }"
    assert RemoteStore(server).query(ask).rows == [["false"]]
    status, _, body = http(server + "?" + urllib.parse.urlencode({"query": CASES}), headers=JSON)
    assert count(body) == 14
    assert current_version(kb_dir) == version


def test_no_cors_header(server):
    url = server + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    _, headers, _ = http(url, headers={"Origin": "http://evil.example"})
    assert not any(h.lower().startswith("access-control-") for h in headers)


def test_a_runaway_query_is_stopped_and_the_server_answers_afterwards(server):
    """Oxigraph streams: the status (200) is sent before the time limit strikes, so the failure
    shows as a broken-off body ending in the cancellation message; the client raises."""
    url = server + "?" + urllib.parse.urlencode({"query": RUNAWAY})
    status, _, body = http(url, headers=JSON)
    if status == 200:
        with pytest.raises(ValueError):
            json.loads(body)
        assert b"cancelled" in body
    else:
        assert status >= 400
    with pytest.raises(StoreError, match=r"broke off|HTTP"):
        RemoteStore(server).query(RUNAWAY)
    status, _, body = http(server + "?" + urllib.parse.urlencode({"query": CASES}), headers=JSON)
    assert status == 200 and count(body) == 14


def test_no_store_and_missing_data_dir_are_clear_errors(tmp_path):
    with pytest.raises(StoreError, match="run `kb build` or `kb demo` first"):
        start_server(tmp_path, free_port(), 1)


def test_register_adds_the_serve_command():
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--port", "9999", "--timeout", "3"])
    assert (args.port, args.query_timeout, args.func.__name__) == (9999, 3, "cmd_serve")
