"""``kb serve``: Oxigraph behind Casebook's gate, on the SYNTHETIC demo KB, over HTTP.

Each server here is the real command (``kb serve``) in a subprocess; the tests talk to it over
the SPARQL 1.1 Protocol and look at its oxigraph children (one per running query) through /proc.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb.cli.serve import register
from kb.query import QueryRejected
from kb.questions import load_questions
from kb.remote import EmbeddedStore, RemoteStore
from kb.serve.engine import MAX_IDLE
from kb.serve.formats import GRAPH_FORMATS, SOLUTION_FORMATS, Refused, negotiate
from kb.serve.gate import Gate, check
from kb.serve.http import request_problem
from kb.serve.process import stop_server
from kb.store import StoreError, current_version, dump_nquads, write_store
from tests.conftest import free_port

KB = Path(sys.executable).parent / "kb"
ONT = "https://casebook.invalid/ontology#"
CASES = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{ONT}Case> }}"
QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"  # 16k rows in the demo
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"  # not stopped
CANCELLED = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # stopped by --timeout-s
TIMEOUT = 2
LIMIT = 1000
JSON = {"Accept": "application/sparql-results+json"}


@dataclass
class Served:
    proc: subprocess.Popen
    port: int
    log: Path

    def engines(self) -> list[int]:
        """Pids of the engine children of this ``kb serve`` (running a query, or warm)."""
        return [pid for pid, ppid, _ in _processes() if ppid == self.proc.pid and _engine(pid)]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _engine(pid: int) -> bool:
    try:
        return b"kb.serve.worker" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:  # gone meanwhile
        return False


def _processes() -> Iterator[tuple[int, int, str]]:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z":  # a zombie is dead, only not yet reaped
            yield int(stat.parent.name), int(fields[1]), comm


@contextmanager
def serve(data_dir: Path, log_dir: Path, *options: str) -> Iterator[Served]:
    """``kb serve`` on a free port until the block ends; every oxigraph child must end with it."""
    port = free_port()
    log = log_dir / f"serve-{port}.log"
    with open(log, "wb") as out:
        command = [
            str(KB),
            "-v",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            *options,
        ]
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=log_dir)  # fmt: skip
    served = Served(proc, port, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"kb serve exited:\n{served.log_text()}"
            try:
                if request(served, "GET", "/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"kb serve did not answer:\n{served.log_text()}"
            time.sleep(0.1)
        yield served
    finally:
        engines = served.engines()
        stop_server(proc, grace=15)
    assert proc.returncode == 0, served.log_text()
    assert not set(engines) & _pids(), "an oxigraph child outlived kb serve"


def _pids() -> set[int]:
    return {pid for pid, _, _ in _processes()}


def request(
    served: Served,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(host, served.port, timeout=30)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def get(served: Served, query: str, accept: str = JSON["Accept"]) -> tuple[int, dict, bytes]:
    return request(served, "GET", "/query?" + urllib.parse.urlencode({"query": query}),
                   headers={"Accept": accept})  # fmt: skip


def number(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def kb_dir(demo_kb: Path) -> Path:
    return demo_kb


@pytest.fixture(scope="module")
def served(kb_dir, tmp_path_factory) -> Iterator[Served]:
    logs = tmp_path_factory.mktemp("serve")
    with serve(kb_dir, logs, "--timeout", str(TIMEOUT), "--limit", str(LIMIT)) as s:
        yield s


# --- answers ----------------------------------------------------------------------------------


def test_select_by_get_by_form_post_and_by_query_post(served, demo_cases):
    status, headers, body = get(served, CASES)
    assert status == 200 and number(body) == demo_cases
    assert headers["content-type"] == "application/sparql-results+json"
    form = urllib.parse.urlencode({"query": CASES}).encode()
    for content_type, data in [("application/x-www-form-urlencoded", form),
                               ("application/sparql-query", CASES.encode())]:  # fmt: skip
        status, _, body = request(served, "POST", "/query", data,
                                  {**JSON, "Content-Type": content_type})  # fmt: skip
        assert status == 200 and number(body) == demo_cases


@pytest.mark.parametrize("name", sorted(load_questions()))
def test_every_named_question_same_rows_as_the_embedded_store(kb_dir, served, name):
    question = load_questions()[name]
    remote = RemoteStore(f"http://127.0.0.1:{served.port}").ask(question)
    local = EmbeddedStore(kb_dir).ask(question)
    assert (remote.columns, remote.rows) == (local.columns, local.rows)
    assert local.rows  # the demo answers every question


def test_the_remote_store_reports_an_answer_the_server_cut(served, demo_cases):
    """kb serve's row cap cuts the answer below the client's own limit: the client must still
    say the answer is incomplete (the gate's X-Casebook-Truncated header), not show it as all."""
    remote = RemoteStore(f"http://127.0.0.1:{served.port}")
    for query in (ALL, "CONSTRUCT WHERE { ?s ?p ?o }"):
        answer = remote.query(query, limit=10 * LIMIT)
        assert len(answer.rows) == LIMIT and answer.truncated
    whole = remote.query(CASES, limit=10 * LIMIT)
    assert whole.rows == [[str(demo_cases)]] and not whole.truncated


@pytest.mark.parametrize(
    "accept, fmt", [(m, f) for m, f in SOLUTION_FORMATS if "+" in m or "text" in m]
)
def test_solutions_in_the_negotiated_format(served, accept, fmt, demo_cases):
    status, headers, body = get(served, f"SELECT ?case WHERE {{ ?case a <{ONT}Case> }}", accept)
    assert status == 200 and headers["content-type"].startswith(accept)
    if fmt == ox.QueryResultsFormat.CSV:
        assert len(list(csv.reader(io.StringIO(body.decode())))) == 1 + demo_cases
    else:
        assert len(list(ox.parse_query_results(body, fmt))) == demo_cases
    status, headers, body = get(served, "ASK { ?s ?p ?o }", accept)
    assert status == 200 and headers["content-type"].startswith(accept)
    if fmt != ox.QueryResultsFormat.CSV:
        assert bool(ox.parse_query_results(body, fmt)) is True


@pytest.mark.parametrize("accept", ["application/n-triples", "text/turtle", "application/rdf+xml"])
def test_triples_in_the_negotiated_format(served, accept, demo_cases):
    query = f"CONSTRUCT {{ ?case a <{ONT}Case> }} WHERE {{ ?case a <{ONT}Case> }}"
    status, headers, body = get(served, query, accept)
    assert status == 200 and headers["content-type"].startswith(accept)
    assert len(list(ox.parse(body, ox.RdfFormat.from_media_type(accept)))) == demo_cases


def test_an_unservable_accept_is_406(served):
    status, headers, body = get(served, CASES, "text/turtle")  # a graph format for solutions
    assert status == 406 and b"application/sparql-results+json" in body
    assert headers["content-type"].startswith("text/plain")
    assert get(served, CASES, "image/png")[0] == 406


# --- the row cap ------------------------------------------------------------------------------


def _rows(body: bytes, accept: str) -> int:
    if accept == "text/csv":
        return len(list(csv.reader(io.StringIO(body.decode())))) - 1  # a header line
    fmt = dict(SOLUTION_FORMATS).get(accept)
    if fmt is not None:
        return len(list(ox.parse_query_results(body, fmt)))
    return len(list(ox.parse(body, dict(GRAPH_FORMATS)[accept])))


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv",
                                    "application/sparql-results+xml", "text/tab-separated-values"])  # fmt: skip
def test_more_rows_than_the_limit_give_exactly_the_limit_and_the_header(served, accept):
    status, headers, body = get(served, ALL, accept)
    assert status == 200 and headers["x-casebook-truncated"] == "true"
    assert _rows(body, accept) == LIMIT  # and the document parses: it is valid


@pytest.mark.parametrize("accept", ["application/n-triples", "text/turtle"])
def test_construct_is_capped_too(served, accept):
    status, headers, body = get(served, "CONSTRUCT WHERE { ?s ?p ?o }", accept)
    assert status == 200 and headers["x-casebook-truncated"] == "true"
    assert _rows(body, accept) == LIMIT


def test_the_cap_is_exact_at_the_boundary(served):
    status, headers, body = get(served, f"{ALL} LIMIT {LIMIT}")
    assert (
        status == 200
        and "x-casebook-truncated" not in headers
        and _rows(body, JSON["Accept"]) == LIMIT
    )
    status, headers, body = get(served, f"{ALL} LIMIT {LIMIT + 1}")
    assert headers["x-casebook-truncated"] == "true" and _rows(body, JSON["Accept"]) == LIMIT
    assert "x-casebook-truncated" not in get(served, CASES)[1]


# --- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[int, list]]:
    """A TCP listener on a free port of 127.0.0.1 that records every connection it accepts."""
    connections: list = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            connections.append(conn.recv(200))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join(2)
    server.close()


def test_service_is_refused_and_nothing_reaches_the_target(served, listener):
    port, connections = listener
    target = f"<http://127.0.0.1:{port}/sparql>"
    queries = [
        f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent {target} {{ ?s ?p ?o }} }}",
        # keyword positions a regular expression may misread, all executed by Oxigraph:
        f"SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE#>\n{target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?x {{ 1 }} ?s ?p 1SERVICE {target} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERV\\u0049CE {target} {{ ?s ?p ?o }} }}",
    ]
    for query in queries:
        for method in ("GET", "POST"):
            if method == "GET":
                status, headers, body = get(served, query)
            else:
                status, headers, body = request(served, "POST", "/query", query.encode(),
                                                {"Content-Type": "application/sparql-query"})  # fmt: skip
            assert status == 400, (query, body)
            assert b"SERVICE is not allowed" in body and headers["content-type"].startswith(
                "text/plain"
            )
    time.sleep(0.5)
    assert connections == []
    with socket.create_connection(("127.0.0.1", port)) as probe:  # the listener does listen
        probe.sendall(b"probe")
    deadline = time.monotonic() + 5
    while not connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connections == [b"probe"]


def test_updates_are_refused_and_the_store_is_unchanged(kb_dir, served):
    version = current_version(kb_dir)
    before = EmbeddedStore(kb_dir).query(QUADS).rows
    assert number(get(served, QUADS)[2]) == int(before[0][0])
    insert = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
    form = "application/x-www-form-urlencoded"
    attempts = [
        ("POST", "/update", insert, "application/sparql-update", 403),
        ("POST", "/update", urllib.parse.urlencode({"update": insert}), form, 403),
        ("POST", "/update", "DROP ALL", "application/sparql-update", 403),
        ("POST", "/query", urllib.parse.urlencode({"update": insert}), form, 403),
        ("POST", "/query", insert, "application/sparql-update", 403),
        ("POST", "/query", insert, "application/sparql-query", 400),
        ("POST", "/query", urllib.parse.urlencode({"query": insert}), form, 400),
        ("POST", "/query", urllib.parse.urlencode({"query": "DROP ALL"}), form, 400),
        ("GET", "/query?" + urllib.parse.urlencode({"update": insert}), None, None, 403),
        ("GET", "/update?" + urllib.parse.urlencode({"update": insert}), None, None, 403),
        ("PUT", "/store", "<urn:x:a> <urn:x:b> <urn:x:c> .\n", "application/n-triples", 405),
        ("POST", "/store", "<urn:x:a> <urn:x:b> <urn:x:c> .\n", "application/n-triples", 405),
        ("DELETE", "/store?default", None, None, 405),
        ("GET", "/store", None, None, 403),  # a dump would bypass the row cap
    ]
    for method, path, body, content_type, expected in attempts:
        headers = {"Content-Type": content_type} if content_type else {}
        status, answer, text = request(served, method, path, body and body.encode(), headers)
        assert status == expected, (method, path, body, text)
        assert answer["content-type"].startswith("text/plain") and text.strip(), (method, path)
    assert EmbeddedStore(kb_dir).query(QUADS).rows == before
    assert number(get(served, QUADS)[2]) == int(before[0][0])
    assert get(served, "ASK { <urn:x:a> ?p ?o }")[2] == b'{"head":{},"boolean":false}'
    assert current_version(kb_dir) == version


def test_oversized_and_overnested_queries_are_refused(served):
    deep = "SELECT * WHERE " + "{" * 200 + " ?s ?p ?o " + "}" * 200
    status, _, body = request(served, "POST", "/query", deep.encode(),
                              {"Content-Type": "application/sparql-query"})  # fmt: skip
    assert status == 400 and b"nested" in body
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    status, _, body = request(served, "POST", "/query", huge.encode(),
                              {"Content-Type": "application/sparql-query"})  # fmt: skip
    assert status == 400 and b"too long" in body
    status, _, body = request(served, "POST", "/query", b"x" * 500_000,
                              {"Content-Type": "application/sparql-query"})  # fmt: skip
    assert status == 413
    assert get(served, "SELECT * WHERE { ?s ?p ?o")[0] == 400  # Oxigraph's syntax error
    assert request(served, "GET", "/query?query=%FF")[0] == 400  # not UTF-8
    assert request(served, "GET", "/query")[0] == 400  # no query


def test_help_and_unknown_paths(served):
    status, headers, body = request(served, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert b"/query" in body and str(LIMIT).encode() in body
    assert request(served, "GET", "/sparql")[0] == 404


def test_no_cors_headers_and_loopback_only(served):
    origin = {"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"}
    for method in ("GET", "OPTIONS"):
        _, headers, _ = request(
            served, method, "/query?" + urllib.parse.urlencode({"query": CASES}), None, origin
        )
        assert not [h for h in headers if h.startswith("access-control-")], method
    with pytest.raises(OSError):  # 127.0.0.2 is loopback too, but not the address bound
        request(served, "GET", "/", host="127.0.0.2")
    listening = _listening_ports()
    if listening is None:
        pytest.skip("no /proc/net/tcp")
    assert listening.get(served.port) == {"127.0.0.1"}


DEEP = [  # each crashed the engine (or the gate's) before depth was counted on the raw text
    "SELECT * WHERE { FILTER(1<" + "(" * 8000 + "1" + ")" * 8000 + "&&2>1) }",
    "SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }",
    "SELECT * WHERE { FILTER(" + "&&".join(["true"] * 12000) + ") }",
    "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(4000)) + " }",
    # depth hidden from a reader that takes "<?b#>" for an IRI: the rest of the line is a comment
    "SELECT * WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER("
    + "".join("(" * 60 + "?a<?b#>" + ")" * 60 + "\n" for _ in range(40))
    + "1"
    + ")" * 2400
    + ") }",
]


@pytest.mark.parametrize("query", DEEP, ids=["parens", "nots", "ands", "binds", "hidden"])
def test_a_deep_query_is_refused_in_one_line_and_the_engine_still_answers(
    served, query, demo_cases
):
    form = urllib.parse.urlencode({"query": query}).encode()
    status, headers, body = request(served, "POST", "/query", form,
                                    {"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert status == 400, body[:200]
    assert headers["content-type"].startswith("text/plain") and body.count(b"\n") == 1
    assert b"can crash the query engine" in body
    status, _, body = get(served, CASES)
    assert status == 200 and number(body) == demo_cases


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink()
        except OSError:  # closed meanwhile
            continue
        if str(target).startswith("socket:["):
            found.add(str(target)[8:-1])
    return found


def test_the_engine_listens_nowhere_only_the_gate_does(served):
    """The engine that runs a query has no socket at all (pipes to the gate only), so no one
    can send it a query — a SERVICE query sent straight to it, as the issue did, has nowhere to
    go; and the only listening socket of kb serve is the gate's."""
    replies: list = []
    thread = threading.Thread(target=lambda: replies.append(get(served, RUNAWAY)))
    thread.start()
    try:
        engine = _wait_for_engine(served)
        cmdline = Path(f"/proc/{engine}/cmdline").read_bytes().split(b"\0")
        assert b"kb.serve.worker" in cmdline and b"--bind" not in cmdline
        assert _socket_inodes(engine) == set()
        listening = _listening_inodes()
        ours = {listening[i] for i in _socket_inodes(served.proc.pid) if i in listening}
        assert ours == {served.port}
    finally:
        thread.join(30)
    assert replies[0][0] == 503


def _listening_inodes() -> dict[str, int]:
    """Inode → port of every listening TCP socket."""
    found: dict[str, int] = {}
    for name in ("tcp", "tcp6"):
        for line in (Path("/proc/net") / name).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                found[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    return found


def test_other_hosts_origins_and_sites_are_refused(served, demo_cases):
    """DNS rebinding (a page of evil.example resolved to 127.0.0.1) and cross-site requests
    (a form on any web page can POST here) are 403; local clients are served."""
    form = urllib.parse.urlencode({"query": CASES}).encode()
    post = {"Content-Type": "application/x-www-form-urlencoded"}
    port = served.port
    refused = [
        {"Host": f"evil.example:{port}"},
        {"Host": "evil.example"},
        {"Host": f"127.0.0.1:{port + 1}"},
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": f"http://127.0.0.1:{port + 1}"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ]
    for headers in refused:
        for method, body in (("GET", None), ("POST", form)):
            path = (
                "/query?" + urllib.parse.urlencode({"query": CASES}) if body is None else "/query"
            )
            status, answer, text = request(served, method, path, body, {**post, **headers})
            assert status == 403, (method, headers, text)
            assert answer["content-type"].startswith("text/plain") and text.count(b"\n") == 1
    served_ok = [{}, {"Host": f"localhost:{port}"}, {"Origin": f"http://127.0.0.1:{port}"},
                 {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}]  # fmt: skip
    for headers in served_ok:
        status, _, body = request(served, "POST", "/query", form, {**post, **JSON, **headers})
        assert status == 200 and number(body) == demo_cases, headers


@pytest.mark.parametrize("host, origin, site, refused", [
    (None, None, None, False),
    ("127.0.0.1:7878", None, None, False),
    ("LOCALHOST:7878", "http://localhost:7878", "same-origin", False),
    ("127.0.0.1", None, None, False),
    ("127.0.0.1:7879", None, None, True),
    ("casebook.evil:7878", None, None, True),
    ("127.0.0.1:7878", "https://127.0.0.1:7878", None, True),
    (":7878", None, None, True),
])  # fmt: skip
def test_request_problem(host, origin, site, refused):
    assert (request_problem(host, origin, site, 7878) is not None) is refused


def test_the_listen_backlog_holds_128_waiting_connections(kb_dir):
    """With the stdlib's backlog of 5, a burst of new connections timed out; here 128 wait
    for a gate that is not accepting yet, and each one is then answered."""
    gate = Gate(kb_dir, free_port(), timeout=10, limit=10)
    gate.start()  # bound and listening, not yet accepting
    clients: list[socket.socket] = []
    thread = threading.Thread(target=gate.serve_forever, daemon=True)
    try:
        for _ in range(128):
            clients.append(socket.create_connection(("127.0.0.1", gate.port), timeout=5))
        thread.start()
        for client in clients[:3]:
            client.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert client.recv(12) == b"HTTP/1.1 200"
    finally:
        for client in clients:
            client.close()
        if thread.is_alive():
            gate.shutdown()
        gate.close()


def _listening_ports() -> dict[int, set[str]] | None:
    """Port → addresses listening on it (IPv4 and IPv6), from /proc/net/tcp*."""
    found: dict[int, set[str]] = {}
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            return None
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            address, port = local.split(":")
            if len(address) == 8:
                found.setdefault(int(port, 16), set()).add(
                    socket.inet_ntoa(bytes.fromhex(address)[::-1])
                )
            else:
                found.setdefault(int(port, 16), set()).add("ipv6:" + address)
    return found


# --- the time limit ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_runaway_query_is_stopped_its_engine_killed_and_the_server_answers_again(
    served, demo_cases
):
    """An ORDER BY over a cartesian product keeps a core busy and eats memory: the gate answers
    503 at the time limit and kills the query's engine process."""
    replies: list = []
    thread = threading.Thread(target=lambda: replies.append(get(served, RUNAWAY)))
    started = time.monotonic()
    thread.start()
    engine = _wait_for_engine(served)
    thread.join(30)
    ((status, headers, body),) = replies
    took = time.monotonic() - started
    assert status == 503, body
    assert body == f"query stopped after {TIMEOUT} s (time limit)\n".encode()
    assert headers["content-type"].startswith("text/plain")
    assert TIMEOUT <= took < TIMEOUT + 3
    started = time.monotonic()
    status, _, body = get(served, CASES)  # waits for the new engine, if need be
    assert status == 200 and number(body) == demo_cases
    assert time.monotonic() - started < 5
    assert engine not in _pids()  # killed and reaped: no process left spinning
    assert engine not in served.engines() and len(served.engines()) <= MAX_IDLE  # warm ones
    assert "a query ran past 2 s" in served.log_text()


def _wait_for_engine(served: Served) -> int:
    deadline = time.monotonic() + 10
    while not served.engines():
        assert time.monotonic() < deadline, "no oxigraph child started"
        time.sleep(0.01)
    (engine,) = served.engines()
    return engine


@pytest.mark.slow
def test_an_answer_not_whole_by_the_deadline_is_503_not_a_short_200(served):
    """A far OFFSET over a product: no row comes before the time limit, and an empty 200 would
    say "no answers" — it must be a 503 (the issue: 200 with empty results)."""
    status, _, body = get(served, f"{CANCELLED.replace('(COUNT(*) AS ?n)', '*')} OFFSET 1000000000")
    assert status == 503 and body == f"query stopped after {TIMEOUT} s (time limit)\n".encode()
    with pytest.raises(StoreError, match=f"HTTP 503: query stopped after {TIMEOUT} s"):
        RemoteStore(f"http://127.0.0.1:{served.port}").query(CANCELLED)
    assert get(served, CASES)[0] == 200


def _crash_first(tmp_path: Path, times: int) -> list[str]:
    """An engine command that dies of SIGSEGV under the query of its first ``times`` runs (as a
    stack overflow kills the real one), then runs the real one; each run adds a byte to ``runs``."""
    runs = tmp_path / "runs"
    runs.write_text("")
    fake = tmp_path / "engine"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import os, signal, sys\n"
        f"with open({str(runs)!r}, 'a') as f:\n"
        "    f.write('x')\n"
        f"if len(open({str(runs)!r}).read()) <= {times}:\n"
        "    sys.stdin.buffer.readline()\n"
        "    os.kill(os.getpid(), signal.SIGSEGV)\n"
        f"os.execv({sys.executable!r}, [{sys.executable!r}, '-m', 'kb.serve.worker', *sys.argv[1:]])\n"
    )
    fake.chmod(0o755)
    return [str(fake)]


def test_a_query_whose_engine_dies_under_it_is_run_again_once(kb_dir, tmp_path, demo_cases):
    gate = Gate(kb_dir, free_port(), timeout=30, limit=10)
    gate.start()
    try:
        gate.engine.command = _crash_first(tmp_path, 1)
        gate.engine.retire()  # the start's warm engine: the next query starts the fake
        reply = gate.answer(CASES, [], None)
        assert reply.status == 200 and number(reply.body) == demo_cases
        assert (tmp_path / "runs").read_text() == "xx"  # died once, then answered
    finally:
        gate.close()


def test_a_query_whose_engine_dies_twice_is_503_and_the_next_is_answered(
    kb_dir, tmp_path, demo_cases
):
    gate = Gate(kb_dir, free_port(), timeout=30, limit=10)
    gate.start()
    try:
        real = gate.engine.command
        gate.engine.command = _crash_first(tmp_path, 2)
        gate.engine.retire()
        with pytest.raises(Refused) as refused:
            gate.answer(CASES, [], None)
        assert refused.value.status == 503 and "died under this query twice" in str(refused.value)
        assert (tmp_path / "runs").read_text() == "xx"  # once again, not more
        gate.engine.command = real
        assert number(gate.answer(CASES, [], None).body) == demo_cases
    finally:
        gate.close()


def test_an_engine_stays_warm_between_queries_and_a_cut_one_is_not_reused(kb_dir, demo_cases):
    """Queries on one version reuse one warm process (the store open, its cache warm); a
    process whose answer was cut at the row cap is killed, not kept with half an answer."""
    gate = Gate(kb_dir, free_port(), timeout=30, limit=LIMIT)
    gate.start()
    try:
        warm = gate.engine.waiting()  # the start's probe left it waiting
        assert len(warm) == 1
        for _ in range(3):
            assert number(gate.answer(CASES, [], None).body) == demo_cases
            assert gate.engine.waiting() == warm
        cut = gate.answer(ALL, [], None)
        assert cut.headers["X-Casebook-Truncated"] == "true"
        assert gate.engine.waiting() == [] and warm[0] not in _pids()
        assert number(gate.answer(CASES, [], None).body) == demo_cases  # a new one
        assert len(gate.engine.waiting()) == 1 and gate.engine.waiting() != warm
    finally:
        gate.close()
    assert gate.engine.waiting() == []


def test_a_byte_cap_cuts_an_answer_of_few_huge_rows_too(kb_dir):
    gate = Gate(kb_dir, free_port(), timeout=10, limit=LIMIT)
    gate.max_bytes = 20_000
    gate.start()
    try:
        reply = gate.answer(ALL, [], "application/sparql-results+json")
        assert reply.headers["X-Casebook-Truncated"] == "true"
        rows = len(list(ox.parse_query_results(reply.body, ox.QueryResultsFormat.JSON)))
        assert 0 < rows < LIMIT
    finally:
        gate.close()


# --- a new store version ----------------------------------------------------------------------

NEW = b'<urn:casebook:test:new> <urn:casebook:test:p> "new" <urn:casebook:test:graph> .\n'


@pytest.mark.slow
def test_a_new_store_version_is_served_after_the_switch_and_no_query_fails(demo_kb, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_kb, data)
    quads = int(EmbeddedStore(data).query(QUADS).rows[0][0])
    with serve(data, tmp_path, "--timeout", "10") as served:
        stop = threading.Event()
        seen: list[list[bool]] = [[], []]
        failures: list[object] = []

        def loop(answers: list[bool]) -> None:
            while not stop.is_set():
                try:
                    status, _, body = get(served, "ASK { <urn:casebook:test:new> ?p ?o }")
                    if status == 200:
                        answers.append(json.loads(body)["boolean"])
                    else:
                        failures.append((status, body))
                except Exception as exc:
                    failures.append(repr(exc))

        threads = [threading.Thread(target=loop, args=(answers,)) for answers in seen]
        for thread in threads:
            thread.start()
        try:
            while min(len(a) for a in seen) < 5:
                time.sleep(0.05)
            write_store(data, dump_nquads(data) + NEW)  # as kb build does: a new version
            deadline = time.monotonic() + 20
            while not all(a and a[-1] for a in seen):
                assert time.monotonic() < deadline, "the new version was not served"
                time.sleep(0.05)
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        assert failures == []
        for answers in seen:  # old state, then new state, never back
            flips = sum(1 for a, b in pairwise(answers) if a != b)
            assert answers[0] is False and answers[-1] is True and flips == 1
        assert number(get(served, QUADS)[2]) == quads + 1
        assert "switched to store version " + current_version(data).name in served.log_text()


# --- in-process pieces ------------------------------------------------------------------------


def test_no_store_is_a_clear_error(tmp_path):
    gate = Gate(tmp_path, free_port(), timeout=1, limit=10)
    try:
        with pytest.raises(StoreError, match="run `kb build` or `kb demo` first"):
            gate.start()
    finally:
        gate.close()


@pytest.mark.parametrize("accept, solutions, graph", [
    (None, "SPARQL Results in JSON", "N-Triples"),
    ("*/*", "SPARQL Results in JSON", "N-Triples"),
    ("text/csv", "SPARQL Results in CSV", None),
    ("text/*", "SPARQL Results in CSV", "Turtle"),
    ("text/csv;q=0.5, application/sparql-results+xml", "SPARQL Results in XML", None),
    ("application/json;q=0.2, text/turtle;q=0.9", "SPARQL Results in JSON", "Turtle"),
    ("text/csv;q=0, */*;q=0.1", "SPARQL Results in JSON", "N-Triples"),
    ("image/png", None, None),
])  # fmt: skip
def test_negotiate(accept, solutions, graph):
    got = negotiate(accept, SOLUTION_FORMATS), negotiate(accept, GRAPH_FORMATS)
    assert tuple(f and f.name for f in got) == (solutions, graph)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(?o, 'emergency service')) }",
    "SELECT ?service WHERE { ?service ?p ?o }",
    "SELECT * WHERE { ?s <http://example.org/Service> ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE",
    "SELECT * WHERE { ?s ?p \"\\u0053ERVICE\" }",
])  # fmt: skip
def test_the_word_service_is_refused_anywhere(query):
    with pytest.raises(QueryRejected, match="SERVICE is not allowed"):
        check(query)


def test_register_adds_the_serve_command():
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--port", "9999", "--timeout", "3", "--limit", "50"])
    assert (args.port, args.query_timeout, args.limit, args.func.__name__) == (
        9999,
        3,
        50,
        "cmd_serve",
    )
    args = parser.parse_args(["serve"])
    assert (args.port, args.query_timeout, args.limit) == (7878, 10, 10_000)
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--limit", "0"])
