"""The policy gate of ``kb serve`` (see ``kb.serve`` for why): a stdlib HTTP server on
127.0.0.1 that checks each request (Host, Origin) and each SPARQL query, runs the query in an
``oxigraph query`` child over pipes (``kb.engine``: nothing but the gate can reach the engine),
caps the rows and the time, and re-encodes the answer in the format the client asked for.

``Gate.answer`` is one query from check to reply; ``_Handler`` maps the SPARQL 1.1 Protocol onto
it.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from kb.engine import CHUNK, Answer, Died, Engine, Overrun
from kb.query import MAX_LENGTH, TRUNCATED, QueryRejected, check_query
from kb.serve import HOST, endpoint
from kb.store import StoreError, current_version

log = logging.getLogger(__name__)

READY = 30.0  # seconds the engine may take to answer its first query
MAX_ACTIVE = 8  # queries run at once (each buffers at most `limit` rows)
MAX_BODY = 4 * MAX_LENGTH  # bytes of a POST body (a form-encoded query grows up to 3×)
MAX_BYTES = 64 * 1024 * 1024  # bytes of rows buffered per answer; more is cut (truncated)
BACKLOG = 128  # connections waiting to be accepted (the stdlib default is 5)
LOCAL_NAMES = ("127.0.0.1", "localhost")  # what a Host header may name (DNS rebinding)

_TSV = "text/tab-separated-values"
_NT = "application/n-triples"
_R = ox.QueryResultsFormat
_G = ox.RdfFormat
# (media type, format), the server's preference first: the first is the default
SOLUTION_FORMATS: list[tuple[str, ox.QueryResultsFormat]] = [
    ("application/sparql-results+json", _R.JSON),
    ("application/json", _R.JSON),
    ("application/sparql-results+xml", _R.XML),
    ("application/xml", _R.XML),
    ("text/csv", _R.CSV),
    (_TSV, _R.TSV),
]
GRAPH_FORMATS: list[tuple[str, ox.RdfFormat]] = [
    (_NT, _G.N_TRIPLES),
    ("text/turtle", _G.TURTLE),
    ("application/rdf+xml", _G.RDF_XML),
    ("application/n-quads", _G.N_QUADS),
    ("application/trig", _G.TRIG),
    ("application/ld+json", _G.JSON_LD),
    ("text/n3", _G.N3),
    ("text/plain", _G.N_TRIPLES),
]
F = TypeVar("F")


class Refused(Exception):
    """A request the gate answers itself, with ``status`` and a plain-text message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class _Overrun(Exception):
    """The engine did not answer within the time limit and its grace."""


def check(sparql: str) -> None:
    """Raise ``QueryRejected`` unless the gate may forward ``sparql`` (``kb.query.check_query``:
    read forms, no update, caps, not the word "service" anywhere)."""
    check_query(sparql)


def request_problem(host: str | None, origin: str | None, fetch_site: str | None,
                    port: int) -> str | None:  # fmt: skip
    """Why a request may not be served (one line), or ``None``. A web page of another origin
    may send requests here (a form POST needs no CORS): its browser names that origin in
    ``Origin`` and ``Sec-Fetch-Site``; a DNS-rebinding page reaches 127.0.0.1 under its own
    host name, which its browser sends as ``Host``. Clients that are not browsers (curl, the
    ``kb`` commands) send a local Host and no Origin."""
    if host is not None:
        name, _, rest = host.strip().lower().rpartition(":")
        if not name or not rest.isdigit():
            name, rest = host.strip().lower(), ""
        if name not in LOCAL_NAMES or (rest and int(rest) != port):
            return f"Host {host!r} is not this server ({HOST}:{port}): refused"
    if origin is not None and origin.strip().lower() not in {
        f"http://{name}:{port}" for name in LOCAL_NAMES
    }:
        return f"requests from web pages of other origins ({origin!r}) are refused"
    if fetch_site is not None and fetch_site.strip().lower() in ("cross-site", "same-site"):
        return f"requests from web pages of other sites (Sec-Fetch-Site: {fetch_site}) are refused"
    return None


def negotiate(accept: str | None, offers: Sequence[tuple[str, F]]) -> F | None:
    """The format of ``offers`` that the ``Accept`` header rates highest (each offer by its most
    specific matching range; ties go to the earlier offer); the first offer if there is no
    header; ``None`` if none is acceptable."""
    if not accept or not accept.strip():
        return offers[0][1]
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    best, best_q = None, 0.0
    for media, fmt in offers:
        family = media.split("/")[0] + "/*"
        quality, rank = 0.0, -1
        for pattern, q in ranges:
            r = 2 if pattern == media else 1 if pattern == family else 0 if pattern == "*/*" else -1
            if r > rank:
                rank, quality = r, q
        if quality > best_q:
            best, best_q = fmt, quality
    return best


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class Gate:
    """The gate: ``start``, then ``serve_forever`` (or a thread of it), then ``close``."""

    def __init__(self, data_dir: Path, port: int, timeout: float, limit: int) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.timeout = float(timeout)
        self.limit = int(limit)
        self.max_bytes = MAX_BYTES
        self.engine: Engine | None = None
        self._slots = threading.BoundedSemaphore(MAX_ACTIVE)
        self._server: ThreadingHTTPServer | None = None
        self._version: Path | None = None  # the last version a query ran on (for the log)

    @property
    def url(self) -> str:
        return endpoint(self.port)

    def start(self) -> None:
        """Bind 127.0.0.1:port (fails at once if it is taken), then check that the engine
        answers on the current version (``StoreError`` if there is none or it does not)."""
        version = current_version(self.data_dir)
        if version is None:
            raise StoreError(
                f"no knowledge graph in {self.data_dir}: run `kb build` or `kb demo` first"
            )
        self.engine = Engine()
        probe = self.engine.run(version, "ASK {}", time.monotonic() + READY, 1, CHUNK)
        if probe.kind != "boolean":
            raise StoreError(f"the query engine does not answer on {version.name}: "
                             + probe.message.decode("utf-8", "replace"))  # fmt: skip
        try:
            self._server = _Server((HOST, self.port), _Handler)
        except OSError as exc:
            raise StoreError(f"cannot listen on {HOST}:{self.port}: {exc.strerror}") from exc
        self._server.gate = self
        self.port = self._server.server_address[1]
        self._version = version
        log.info("serving %s", version.name)

    def serve_forever(self) -> None:
        assert self._server is not None
        self._server.serve_forever(poll_interval=0.5)

    def shutdown(self) -> None:
        """Stop ``serve_forever`` running in another thread."""
        if self._server is not None:
            self._server.shutdown()

    def close(self) -> None:
        if self._server is not None:
            self._server.server_close()
        if self.engine is not None:
            self.engine.close()

    def help(self) -> str:
        version = current_version(self.data_dir)
        return (
            "Casebook SPARQL endpoint (read-only): Oxigraph behind Casebook's gate.\n\n"
            f"  GET  {self.url}?query=...\n"
            f"  POST {self.url}  (form field query=..., or Content-Type: application/sparql-query)\n\n"
            "Results by Accept: SPARQL JSON (default), XML, CSV, TSV for SELECT and ASK; "
            "N-Triples (default), Turtle, RDF/XML, N-Quads, TriG, JSON-LD, N3 for CONSTRUCT and "
            "DESCRIBE. The default graph is the union of the named graphs.\n"
            f"Limits: {self.timeout:g} s per query (then 503); {self.limit} solutions or "
            f"triples per answer (a cut answer has the header {TRUNCATED}: true); nesting and "
            "operator chains (then 400).\n"
            "Refused: updates (/update, update=, INSERT ...), SERVICE (the word 'service' may "
            "not appear anywhere in a query), the Graph Store Protocol (/store), dataset "
            "parameters (default-graph-uri, named-graph-uri: use FROM in the query), requests "
            "from web pages of other origins.\n"
            f"Store version: {version.name if version else 'none'}\n"
        )

    def answer(self, query: str, params: list[tuple[str, str]], accept: str | None) -> Reply:
        """Check ``query``, run it on the current store version within the limits, and encode
        the answer for ``accept``. ``params`` are dataset parameters, refused. An engine that
        dies under the query is replaced once; an answer not whole by the deadline is 503."""
        deadline = time.monotonic() + self.timeout
        try:
            check(query)
        except QueryRejected as exc:
            raise Refused(400, str(exc)) from exc
        if params:
            raise Refused(400, f"{params[0][0]} is not supported here: name graphs with FROM / "
                               "FROM NAMED in the query")  # fmt: skip
        solutions = negotiate(accept, SOLUTION_FORMATS)
        graph = negotiate(accept, GRAPH_FORMATS)
        if solutions is None and graph is None:
            raise Refused(406, "none of the formats in Accept is served; " + _offered())
        if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise Refused(503, f"busy: {MAX_ACTIVE} queries are running; try again",
                          {"Retry-After": "1"})  # fmt: skip
        try:
            assert self.engine is not None
            for attempt in (1, 2):
                version = self._current()
                try:
                    upstream = self.engine.run(version, query, deadline, self.limit,
                                               self.max_bytes)  # fmt: skip
                except Overrun:
                    log.warning("a query ran past %g s: its engine was killed", self.timeout)
                    raise Refused(503, self._stopped(), {"Retry-After": "1"}) from None
                except Died as exc:
                    log.warning("the query engine died under a query (%s)%s", exc,
                                "; running it again" if attempt == 1 else "")  # fmt: skip
                    if attempt == 1 and time.monotonic() < deadline:
                        continue
                    raise Refused(503, "the query engine died under this query twice; it is "
                                       "not answered", {"Retry-After": "1"}) from None  # fmt: skip
                return self._encode(upstream, solutions, graph)
            raise AssertionError("unreachable")
        finally:
            self._slots.release()

    def _current(self) -> Path:
        version = current_version(self.data_dir)
        if version is None:
            raise Refused(503, "no store version to query (CURRENT is missing); try again",
                          {"Retry-After": "1"})  # fmt: skip
        if version != self._version:
            log.info("switched to store version %s", version.name)
            self._version = version
        return version

    def _stopped(self) -> str:
        return f"query stopped after {self.timeout:g} s (time limit)"

    def _encode(
        self, upstream: Answer, solutions: ox.QueryResultsFormat | None, graph: ox.RdfFormat | None
    ) -> Reply:
        if upstream.kind == "error":
            text = upstream.message.decode("utf-8", "replace").strip()
            if upstream.status == 400:  # a syntax error and the like: Oxigraph's own words
                raise Refused(400, " ".join(text.split())[:1000] or "bad query")
            raise Refused(502, "the query engine failed: " + " ".join(text.split())[:1000])
        headers = {"Vary": "Accept"}
        if upstream.truncated:
            headers[TRUNCATED] = "true"
        data: bytes = upstream.data
        try:
            if upstream.kind == "triples":
                if graph is None:
                    raise Refused(406, "this query gives triples; " + _offered())
                if graph != _G.N_TRIPLES:
                    data = ox.serialize(ox.parse(data, _G.N_TRIPLES), format=graph) or b""
                return Reply(200, data, _content_type(graph.media_type), headers)
            if solutions is None:
                raise Refused(406, "this query gives solutions; " + _offered())
            if solutions != _R.TSV:
                data = ox.parse_query_results(data, _R.TSV).serialize(format=solutions) or b""
            return Reply(200, data, _content_type(solutions.media_type), headers)
        except (SyntaxError, ValueError, TypeError) as exc:
            raise Refused(502, f"could not re-encode the engine's answer: {exc}") from exc


def _offered() -> str:
    return (
        "served: "
        + ", ".join(dict.fromkeys(m for m, _ in SOLUTION_FORMATS))
        + " (SELECT, ASK); "
        + ", ".join(dict.fromkeys(m for m, _ in GRAPH_FORMATS))
        + " (CONSTRUCT, DESCRIBE)"
    )


def _content_type(media: str) -> str:
    if media.startswith("text/") and "charset" not in media:
        return media + "; charset=utf-8"
    return media


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = BACKLOG
    allow_reuse_address = True  # SO_REUSEADDR: rebind over TIME_WAIT; on Linux a live
    # listener on the port still makes the bind fail
    gate: Gate

    def handle_error(self, request: object, client_address: tuple) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # the client went away
            log.debug("%s went away", client_address[0])
        else:
            log.exception("request from %s", client_address[0])


class _Handler(BaseHTTPRequestHandler):
    """The SPARQL 1.1 Protocol's query operation, and refusals for everything else."""

    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: every reply has a Content-Length
    server_version = "Casebook-gate"
    timeout = 60  # seconds an idle connection is kept

    def _foreign(self) -> bool:
        """Refuse (403) a request another site's web page may have sent; True if refused."""
        problem = request_problem(self.headers.get("Host"), self.headers.get("Origin"),
                                  self.headers.get("Sec-Fetch-Site"), self.server.gate.port)  # fmt: skip
        if problem is None:
            return False
        self.close_connection = True  # a body is not read
        self._refusal(Refused(403, problem))
        return True

    def do_GET(self) -> None:
        if self._foreign():
            return
        path, _, query_string = self.path.partition("?")
        if path == "/":
            return self._reply(Reply(200, self.server.gate.help().encode()))
        if path != "/query":
            return self._refuse_path(path, "GET")
        try:
            params = self._params(query_string)
        except Refused as exc:
            return self._refusal(exc)
        self._query(params)

    def do_POST(self) -> None:
        if self._foreign():
            return
        path, _, query_string = self.path.partition("?")
        if path != "/query":
            self.close_connection = True  # the body is not read
            return self._refuse_path(path, "POST")
        try:
            body = self._body()
            media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            params = self._params(query_string)
            if media == "application/x-www-form-urlencoded":
                params.extend(self._params(body.decode("utf-8")))
            elif media == "application/sparql-query":
                params.append(("query", body.decode("utf-8")))
            elif media == "application/sparql-update":
                raise Refused(403, _READ_ONLY)
            else:
                raise Refused(415, "POST a query as application/x-www-form-urlencoded (query=...) "
                                   "or as application/sparql-query")  # fmt: skip
        except UnicodeDecodeError:
            return self._reply(Reply(400, b"the query is not UTF-8\n"))
        except Refused as exc:
            return self._refusal(exc)
        self._query(params)

    def do_PUT(self) -> None:
        self._refuse_write()

    def do_DELETE(self) -> None:
        self._refuse_write()

    def do_PATCH(self) -> None:
        self._refuse_write()

    def _refuse_write(self) -> None:
        if self._foreign():
            return
        self.close_connection = True  # the body is not read
        self._refusal(Refused(405, _READ_ONLY, {"Allow": "GET, POST"}))

    def _refuse_path(self, path: str, method: str) -> None:
        if path == "/update":
            return self._refusal(Refused(403, _READ_ONLY))
        if path == "/store" or path.startswith("/store/"):
            if method == "GET":
                return self._refusal(Refused(403, "the Graph Store Protocol is not served (a "
                    "dump would bypass the row cap): use CONSTRUCT on /query"))  # fmt: skip
            return self._refusal(Refused(405, _READ_ONLY, {"Allow": "GET, POST"}))
        return self._refusal(Refused(404, f"no {path} here: queries go to /query (GET / for help)"))

    def _query(self, params: list[tuple[str, str]]) -> None:
        try:
            if any(name == "update" for name, _ in params):
                raise Refused(403, _READ_ONLY)
            queries = [value for name, value in params if name == "query"]
            if len(queries) != 1:
                raise Refused(400, "give exactly one query (query=...); GET / for help")
            dataset = [(n, v) for n, v in params if n in ("default-graph-uri", "named-graph-uri")]
            reply = self.server.gate.answer(queries[0], dataset, self.headers.get("Accept"))
        except Refused as exc:
            return self._refusal(exc)
        except Exception:  # a bug in the gate: say so, keep serving
            log.exception("answering %r", self.path[:200])
            return self._reply(Reply(500, b"internal error in the gate (logged)\n"))
        self._reply(reply)

    def _params(self, text: str) -> list[tuple[str, str]]:
        try:
            return urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=100,
                                          errors="strict")  # fmt: skip
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refused(400, f"malformed parameters: {exc}") from exc

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise Refused(411, "send the body with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise Refused(413, f"request body too large (the limit is {MAX_BODY} bytes)")
        return self.rfile.read(length)

    def _refusal(self, exc: Refused) -> None:
        message = str(exc).rstrip() + "\n"
        self._reply(Reply(exc.status, message.encode("utf-8"), headers=exc.headers))

    def _reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def version_string(self) -> str:
        return self.server_version

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors of ``http.server`` itself (bad request line, unknown method) as plain text."""
        self.close_connection = True
        text = message or self.responses.get(code, ("error",))[0]
        self._reply(Reply(code, (text + "\n").encode("utf-8", "replace")))

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


_READ_ONLY = "updates are refused: this endpoint is read-only (queries only, on /query)"
