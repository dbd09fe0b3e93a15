"""The policy gate of ``kb serve`` (see ``kb.serve`` for why): it checks each SPARQL query,
runs it in a warm engine process over pipes (``kb.serve.engine``: nothing but the gate can
reach the engine), caps the rows and the time, and answers in the format the client asked for
(``kb.serve.formats``). ``Gate.answer`` is one query from check to reply; ``kb.serve.http`` maps
the SPARQL 1.1 Protocol onto it.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from kb.query import TRUNCATED, QueryRejected, check_query
from kb.serve.engine import CHUNK, Died, Engine, Overrun
from kb.serve.formats import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    Refused,
    Reply,
    encode,
    negotiate,
    offered,
)
from kb.serve.http import Server
from kb.serve.process import HOST, endpoint
from kb.store import StoreError, current_version

log = logging.getLogger(__name__)

READY = 30.0  # seconds the engine may take to answer its first query
MAX_ACTIVE = 8  # queries run at once (each buffers at most `limit` rows)
MAX_BYTES = 64 * 1024 * 1024  # bytes of rows buffered per answer; more is cut (truncated)


def check(sparql: str) -> None:
    """Raise ``QueryRejected`` unless the gate may forward ``sparql`` (``kb.query.check_query``:
    read forms, no update, caps, not the word "service" anywhere)."""
    check_query(sparql)


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
        self._server: Server | None = None
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
            self._server = Server((HOST, self.port))
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
            raise Refused(406, "none of the formats in Accept is served; " + offered())
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
                return encode(upstream, solutions, graph)
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
