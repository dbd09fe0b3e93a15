"""The policy gate of ``kb serve`` (see ``kb.serve`` for why): a stdlib HTTP server on
127.0.0.1 that checks each SPARQL query, forwards it to an Oxigraph engine on an internal port,
caps the rows and the time, and re-encodes the answer in the format the client asked for.

``Engines`` owns the Oxigraph child processes: the current one, plus retired ones that finish
their queries after a switch to a new store version or a restart. ``Gate.answer`` is one query
from check to reply; ``_Handler`` maps the SPARQL 1.1 Protocol onto it.
"""

from __future__ import annotations

import http.client
import logging
import socket
import subprocess
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

from kb.query import MAX_LENGTH, TRUNCATED, QueryRejected, check_query
from kb.serve import HOST, endpoint, start_oxigraph, stop_server, wait_ready
from kb.store import StoreError, current_version

log = logging.getLogger(__name__)

GRACE = 1.0  # seconds past the time limit before the gate kills the engine
POLL = 1.0  # seconds between looks at store/CURRENT
READY = 30.0  # seconds a new engine may take to answer
MAX_ACTIVE = 8  # queries forwarded at once (each buffers at most `limit` rows)
MAX_BODY = 4 * MAX_LENGTH  # bytes of a POST body (a form-encoded query grows up to 3×)
MAX_BYTES = 64 * 1024 * 1024  # bytes of rows buffered per answer; more is cut (truncated)
MAX_ERROR = 4096  # bytes of an engine's error message passed on
CHUNK = 64 * 1024
CANCELLED = b"has been cancelled"  # how Oxigraph ends an answer it stopped at --timeout-s

_TSV = "text/tab-separated-values"
_NT = "application/n-triples"
_UPSTREAM_ACCEPT = f"{_TSV}, {_NT};q=0.9"  # line-based: one solution / triple per line
_R = ox.QueryResultsFormat
_G = ox.RdfFormat
# (media type, format), the server's preference first: the first is the default
SOLUTION_FORMATS = [
    ("application/sparql-results+json", _R.JSON),
    ("application/json", _R.JSON),
    ("application/sparql-results+xml", _R.XML),
    ("application/xml", _R.XML),
    ("text/csv", _R.CSV),
    (_TSV, _R.TSV),
]
GRAPH_FORMATS = [
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass(eq=False)
class Engine:
    """One ``oxigraph serve-read-only`` child on one store version."""

    proc: subprocess.Popen
    port: int
    version: Path
    active: int = 0  # queries forwarded to it and not yet answered
    retired: bool = False  # no new queries; stopped when `active` reaches 0
    killed: bool = False

    def usable(self) -> bool:
        return not (self.retired or self.killed) and self.proc.poll() is None


class Engines:
    """The Oxigraph children of one gate, and the supervisor thread that replaces the current
    one when ``store/CURRENT`` names a new version or when it died or was killed."""

    def __init__(self, data_dir: Path, timeout: float) -> None:
        self.data_dir = Path(data_dir)
        self.timeout = timeout
        self._cond = threading.Condition()
        self._current: Engine | None = None
        self._alive: set[Engine] = set()
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> Engine | None:
        return self._current

    def start(self) -> None:
        """Start the engine on the current version (``StoreError`` if there is none, or if it
        does not come up) and the supervisor."""
        version = current_version(self.data_dir)
        if version is None:
            raise StoreError(
                f"no knowledge graph in {self.data_dir}: run `kb build` or `kb demo` first"
            )
        self._current = self._spawn(version)
        log.info("serving %s (oxigraph pid %d)", version.name, self._current.proc.pid)
        self._thread = threading.Thread(target=self._supervise, name="kb-gate-engines", daemon=True)
        self._thread.start()

    def acquire(self, deadline: float) -> Engine:
        """The current engine, counted as busy until ``release``; waits (until ``deadline``,
        a ``time.monotonic`` value) while it is being replaced."""
        with self._cond:
            while True:
                engine = self._current
                if engine is not None and engine.usable():
                    engine.active += 1
                    return engine
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closing:
                    raise Refused(503, "the query engine is restarting; try again",
                                  {"Retry-After": "1"})  # fmt: skip
                self._wake.set()
                self._cond.wait(min(remaining, POLL))

    def release(self, engine: Engine) -> None:
        with self._cond:
            engine.active -= 1
            idle = engine.retired and engine.active == 0
        if idle:
            self._stop_later(engine)

    def kill(self, engine: Engine, why: str) -> None:
        """Kill ``engine`` now (a query it runs is past its time limit; Oxigraph cannot be told
        to stop it) and have the supervisor start a new one."""
        with self._cond:
            engine.killed = True
        engine.proc.kill()
        try:
            engine.proc.wait(5)
        except subprocess.TimeoutExpired:
            log.error("oxigraph pid %d did not die", engine.proc.pid)
        with self._cond:
            self._alive.discard(engine)
        log.warning("killed oxigraph pid %d: %s", engine.proc.pid, why)
        self._wake.set()

    def close(self) -> None:
        """Stop the supervisor and every engine."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            engines = list(self._alive)
        self._wake.set()
        for engine in engines:
            stop_server(engine.proc, grace=2.0)
        if self._thread is not None:
            self._thread.join(READY + 5)

    def _supervise(self) -> None:
        while not self._closing:
            self._wake.wait(POLL)
            self._wake.clear()
            if self._closing:
                return
            try:
                self._check()
            except StoreError as exc:
                log.error("%s; retrying", exc)
                time.sleep(POLL)
            except Exception:  # the supervisor must not die: log and look again
                log.exception("engine supervisor")
                time.sleep(POLL)

    def _check(self) -> None:
        engine = self._current
        assert engine is not None
        version = current_version(self.data_dir)
        healthy = engine.usable()
        if healthy and (version is None or version == engine.version):
            return
        target = version if version is not None else engine.version
        started = time.monotonic()
        new = self._spawn(target)
        with self._cond:
            if self._closing:
                self._alive.discard(new)
            else:
                old, self._current = engine, new
                old.retired = True
                idle = old.active == 0
                self._cond.notify_all()
        if self._closing:
            stop_server(new.proc, grace=2.0)
            return
        if healthy:
            log.info("switched to store version %s (oxigraph pid %d, ready in %.1f s); stopping "
                     "the engine on %s (%d queries still running on it)", target.name,
                     new.proc.pid, time.monotonic() - started, old.version.name, old.active)  # fmt: skip
        else:
            log.warning("restarted the query engine on %s (oxigraph pid %d, %.1f s)",
                        target.name, new.proc.pid, time.monotonic() - started)  # fmt: skip
        if idle:
            self._stop_later(old)

    def _spawn(self, version: Path) -> Engine:
        """Start an engine on ``version`` and wait until it answers (a port taken meanwhile by
        another program: try another)."""
        error: StoreError | None = None
        for _ in range(3):
            port = free_port()
            proc = start_oxigraph(version, port, self.timeout)
            try:
                wait_ready(endpoint(port), timeout=READY, proc=proc)
            except StoreError as exc:
                stop_server(proc, grace=2.0)
                error = exc
                continue
            engine = Engine(proc, port, version)
            with self._cond:
                self._alive.add(engine)
            return engine
        assert error is not None
        raise error

    def _stop_later(self, engine: Engine) -> None:
        def stop() -> None:
            running = engine.proc.poll() is None
            stop_server(engine.proc, grace=5.0)
            with self._cond:
                self._alive.discard(engine)
            if running:
                log.info("stopped oxigraph pid %d (%s)", engine.proc.pid, engine.version.name)

        threading.Thread(target=stop, name="kb-gate-stop", daemon=True).start()


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Upstream:
    """What an engine answered: ``kind`` is solutions, boolean, triples or error."""

    kind: str
    data: bytes = b""  # TSV (header line first) or N-Triples, each line ending in a newline
    truncated: bool = False
    status: int = 200
    message: bytes = b""


class Gate:
    """The gate: ``start``, then ``serve_forever`` (or a thread of it), then ``close``."""

    def __init__(self, data_dir: Path, port: int, timeout: float, limit: int) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.timeout = float(timeout)
        self.limit = int(limit)
        self.max_bytes = MAX_BYTES
        self.engines = Engines(self.data_dir, self.timeout)
        self._slots = threading.BoundedSemaphore(MAX_ACTIVE)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return endpoint(self.port)

    def start(self) -> None:
        """Bind 127.0.0.1:port (fails at once if it is taken), then start the engine."""
        try:
            self._server = _Server((HOST, self.port), _Handler)
        except OSError as exc:
            raise StoreError(f"cannot listen on {HOST}:{self.port}: {exc.strerror}") from exc
        self._server.gate = self
        self.port = self._server.server_address[1]
        self.engines.start()

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
        self.engines.close()

    def help(self) -> str:
        version = self.engines.current.version.name if self.engines.current else "none"
        return (
            "Casebook SPARQL endpoint (read-only): Oxigraph behind Casebook's gate.\n\n"
            f"  GET  {self.url}?query=...\n"
            f"  POST {self.url}  (form field query=..., or Content-Type: application/sparql-query)\n\n"
            "Results by Accept: SPARQL JSON (default), XML, CSV, TSV for SELECT and ASK; "
            "N-Triples (default), Turtle, RDF/XML, N-Quads, TriG, JSON-LD, N3 for CONSTRUCT and "
            "DESCRIBE. The default graph is the union of the named graphs.\n"
            f"Limits: {self.timeout:g} s per query (then 503); {self.limit} solutions or "
            f"triples per answer (a cut answer has the header {TRUNCATED}: true).\n"
            "Refused: updates (/update, update=, INSERT ...), SERVICE (the word 'service' may "
            "not appear anywhere in a query), the Graph Store Protocol (/store).\n"
            f"Store version: {version}\n"
        )

    def answer(self, query: str, params: list[tuple[str, str]], accept: str | None) -> Reply:
        """Check ``query``, run it on the current engine within the limits, and encode the
        answer for ``accept``. ``params`` are the dataset parameters passed on."""
        deadline = time.monotonic() + self.timeout + GRACE
        try:
            check(query)
        except QueryRejected as exc:
            raise Refused(400, str(exc)) from exc
        solutions = negotiate(accept, SOLUTION_FORMATS)
        graph = negotiate(accept, GRAPH_FORMATS)
        if solutions is None and graph is None:
            raise Refused(406, "none of the formats in Accept is served; " + _offered())
        if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise Refused(503, f"busy: {MAX_ACTIVE} queries are running; try again",
                          {"Retry-After": "1"})  # fmt: skip
        try:
            for attempt in (1, 2):
                engine = self.engines.acquire(deadline)
                try:
                    upstream = self._fetch(engine, query, params, deadline)
                except _Overrun:
                    self.engines.kill(engine, f"a query ran past {self.timeout:g} s")
                    raise Refused(503, self._stopped()) from None
                except (OSError, http.client.HTTPException) as exc:
                    if engine.killed and attempt == 1:  # killed for another query's overrun
                        continue
                    self.engines.kill(engine, f"it failed a query ({exc!r})")
                    raise Refused(502, f"the query engine failed ({exc}); it is being "
                                       "restarted") from exc  # fmt: skip
                finally:
                    self.engines.release(engine)
                return self._encode(upstream, solutions, graph)
            raise Refused(503, "the query engine is restarting; try again", {"Retry-After": "1"})
        finally:
            self._slots.release()

    def _stopped(self) -> str:
        return f"query stopped after {self.timeout:g} s (time limit)"

    def _fetch(
        self, engine: Engine, query: str, params: list[tuple[str, str]], deadline: float
    ) -> _Upstream:
        """Send ``query`` to ``engine`` and read at most limit + 1 rows of its answer (TSV for
        solutions, N-Triples for triples), with every read bounded by ``deadline``."""

        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Overrun
            return left

        if deadline - time.monotonic() <= 0:  # the time went waiting: the engine is not to blame
            raise Refused(503, f"busy: no query engine was free within {self.timeout:g} s",
                          {"Retry-After": "1"})  # fmt: skip
        conn = http.client.HTTPConnection(HOST, engine.port, timeout=remaining())
        try:
            path = "/query" + ("?" + urllib.parse.urlencode(params) if params else "")
            headers = {
                "Content-Type": "application/sparql-query; charset=utf-8",
                "Accept": _UPSTREAM_ACCEPT,
            }
            conn.request("POST", path, query.encode("utf-8"), headers)
            sock = conn.sock
            assert sock is not None
            sock.settimeout(remaining())
            response = conn.getresponse()
            if response.status != 200:
                return _Upstream("error", status=response.status,
                                 message=response.read(MAX_ERROR))  # fmt: skip
            media = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if media not in (_TSV, _NT):
                return _Upstream(
                    "error", status=502, message=b"unexpected answer " + media.encode()
                )
            wanted = self.limit + (2 if media == _TSV else 1)  # lines: TSV has a header line
            buf = bytearray()
            newlines = 0
            ended = False
            while newlines < wanted and len(buf) <= self.max_bytes:
                sock.settimeout(remaining())
                chunk = response.read1(CHUNK)
                if not chunk:
                    ended = True
                    break
                buf += chunk
                newlines += chunk.count(b"\n")
        except TimeoutError:
            raise _Overrun from None
        finally:
            conn.close()  # an unread rest stops the engine's query at its next write
        return self._split(media, bytes(buf), ended)

    def _split(self, media: str, data: bytes, ended: bool) -> _Upstream:
        """The complete lines of ``data`` up to the header and ``limit`` rows; what follows the
        last newline of a whole answer is a boolean (TSV) or an error message."""
        cut = data.rfind(b"\n") + 1
        complete, tail = data[:cut], data[cut:]
        if ended and tail:
            if media == _TSV and not complete and tail.strip() in (b"true", b"false"):
                return _Upstream("boolean", tail.strip())
            return _Upstream("error", message=tail[-MAX_ERROR:])
        header = 1 if media == _TSV else 0
        rows = complete.count(b"\n") - header
        if rows < 0:
            return _Upstream("error", status=502, message=b"an empty answer")
        end = len(complete)
        for _ in range(rows - self.limit):  # only the rows of the last chunk read
            end = complete.rfind(b"\n", 0, end - 1) + 1
        truncated = rows > self.limit or not ended  # not ended: the byte cap struck
        return _Upstream("solutions" if header else "triples", complete[:end], truncated)

    def _encode(self, upstream: _Upstream, solutions: object, graph: object) -> Reply:
        if upstream.kind == "error":
            text = upstream.message.decode("utf-8", "replace").strip()
            if CANCELLED in upstream.message:  # Oxigraph's --timeout-s struck
                raise Refused(503, self._stopped())
            if upstream.status == 400:  # a syntax error and the like: Oxigraph's own words
                raise Refused(400, text or "bad query")
            raise Refused(502, f"the query engine failed (HTTP {upstream.status}): {text}")
        headers = {"Vary": "Accept"}
        if upstream.truncated:
            headers[TRUNCATED] = "true"
        data = upstream.data
        try:
            if upstream.kind == "triples":
                if graph is None:
                    raise Refused(406, "this query gives triples; " + _offered())
                if graph != _G.N_TRIPLES:
                    data = ox.serialize(ox.parse(data, _G.N_TRIPLES), format=graph)
                return Reply(200, data, _content_type(graph.media_type), headers)
            if solutions is None:
                raise Refused(406, "this query gives solutions; " + _offered())
            if solutions != _R.TSV:
                data = ox.parse_query_results(data, _R.TSV).serialize(format=solutions)
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

    def do_GET(self) -> None:
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
