"""The query engine behind ``kb serve``'s gate: one ``oxigraph query`` process per query, spoken
to over pipes — the query on its stdin, the answer streamed from its stdout.

Why not Oxigraph's own server on an internal port: any local program or web page could reach
that port past the gate, and Oxigraph's server runs ``SERVICE`` (it fetches any URL). A child
on pipes listens nowhere: only the gate that started it can send it a query. It also isolates
crashes (a query that kills its process takes no other query with it) and makes the time limit
exact (the process is killed at the deadline; Oxigraph's CLI has no timeout of its own). The
price is opening the store per query (~50 ms on the demo KB: RocksDB's read-only open).
"""

from __future__ import annotations

import logging
import os
import re
import selectors
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kb.serve.process import find_oxigraph

log = logging.getLogger(__name__)

MAX_ERROR = 4096  # bytes of an engine's error message kept
CHUNK = 64 * 1024
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_WRONG_FORMAT = b"The file format '"  # asked for TSV for triples (or N-Triples for rows)
_SYNTAX = b"error at "  # how Oxigraph's parser starts its message


@dataclass
class Answer:
    """What an engine answered: ``kind`` is solutions, boolean, triples or error."""

    kind: str
    data: bytes = b""  # TSV (header line first) or N-Triples, each line ending in a newline
    truncated: bool = False
    status: int = 200  # of an error: 400 for the query's fault, 502 for the engine's
    message: bytes = b""


class Overrun(Exception):
    """The answer did not end before the deadline (the process was killed)."""


class Died(Exception):
    """The engine process ended without an answer: killed by a signal (a crash), or unable to
    open the store version (deleted under it by a newer build)."""


def wants_triples(sparql: str) -> bool:
    """Whether the query's form is CONSTRUCT or DESCRIBE (its first form keyword outside strings,
    IRIs and comments); a wrong guess costs a second run (``Engine.run``)."""
    from kb.query import _code_only

    found = _FORM.search(_code_only(sparql))
    return found is not None and found.group(1).upper() in ("CONSTRUCT", "DESCRIBE")


class Engine:
    """Runs queries on store versions; ``close`` kills whatever still runs."""

    def __init__(self) -> None:
        self.command = find_oxigraph()
        self.env = {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._closed = False

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            procs = list(self._running)
        for proc in procs:
            proc.kill()

    def run(self, version: Path, sparql: str, deadline: float, limit: int,
            max_bytes: int) -> Answer:  # fmt: skip
        """The answer to ``sparql`` on ``version``: at most ``limit`` rows (or triples) and about
        ``max_bytes``, read before ``deadline`` (a ``time.monotonic`` value) or ``Overrun``."""
        triples = wants_triples(sparql)
        answer = self._once(version, sparql, deadline, limit, max_bytes, triples)
        if answer.kind == "error" and _WRONG_FORMAT in answer.message:
            answer = self._once(version, sparql, deadline, limit, max_bytes, not triples)
        return answer

    def _once(self, version: Path, sparql: str, deadline: float, limit: int, max_bytes: int,
              triples: bool) -> Answer:  # fmt: skip
        if time.monotonic() >= deadline:
            raise Overrun
        command = [self.command, "query", "--location", str(version), "--union-default-graph",
                   "--results-format", "nt" if triples else "tsv"]  # fmt: skip
        with self._lock:
            if self._closed:
                raise Died("the server is stopping")
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=self.env)  # fmt: skip
            self._running.add(proc)
        try:
            return self._talk(proc, sparql, deadline, limit, max_bytes, triples)
        finally:
            if proc.poll() is None:  # cut short (row cap, deadline): nothing more is wanted
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            with self._lock:
                self._running.discard(proc)

    def _talk(self, proc: subprocess.Popen, sparql: str, deadline: float, limit: int,
              max_bytes: int, triples: bool) -> Answer:  # fmt: skip
        assert proc.stdin and proc.stdout and proc.stderr
        try:  # Oxigraph reads the whole query before it starts: no deadlock with our reads
            proc.stdin.write(sparql.encode("utf-8"))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # it died at once: its exit status says why
        wanted = limit + (1 if triples else 2)  # lines: TSV has a header line
        out, err = bytearray(), bytearray()
        newlines = 0
        open_fds = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
        with selectors.DefaultSelector() as sel:
            for fd in open_fds:
                sel.register(fd, selectors.EVENT_READ)
            while proc.stdout.fileno() in open_fds:
                if newlines >= wanted or len(out) > max_bytes:
                    return split(bytes(out), triples, limit, ended=False)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Overrun
                for key, _ in sel.select(left):
                    chunk = os.read(key.fd, CHUNK)
                    if not chunk:
                        sel.unregister(key.fd)
                        del open_fds[key.fd]
                    elif key.fd == proc.stdout.fileno():
                        out += chunk
                        newlines += chunk.count(b"\n")
                    elif len(err) < MAX_ERROR:
                        err += chunk
        try:
            status = proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise Overrun from None
        if proc.stderr.fileno() in open_fds:  # it has exited: the rest of stderr is there
            err += proc.stderr.read(MAX_ERROR)
        if time.monotonic() >= deadline:  # an answer that ends at the deadline may be short
            raise Overrun
        if status < 0:
            raise Died(f"oxigraph pid {proc.pid} was killed by signal {-status}")
        message = err.decode("utf-8", "replace").strip().removeprefix("Error:").strip()
        if status != 0:
            if "IO error" in message:
                raise Died(f"oxigraph could not open the store: {message[:300]}")
            code = 400 if message.startswith(_SYNTAX.decode()) else 502
            return Answer("error", status=code, message=message.encode()[:MAX_ERROR])
        return split(bytes(out), triples, limit, ended=True)


def split(data: bytes, triples: bool, limit: int, ended: bool) -> Answer:
    """The complete lines of ``data`` up to the header and ``limit`` rows; a whole TSV answer
    without a newline is a boolean (ASK). ``ended``: the engine finished (else it was cut)."""
    cut = data.rfind(b"\n") + 1
    complete, tail = data[:cut], data[cut:]
    if ended and tail:
        if not triples and not complete and tail.strip() in (b"true", b"false"):
            return Answer("boolean", tail.strip())
        return Answer("error", status=502, message=b"an answer ending mid-line: " + tail[-200:])
    header = 0 if triples else 1
    rows = complete.count(b"\n") - header
    if rows < 0:
        return Answer("error", status=502, message=b"an empty answer")
    end = len(complete)
    for _ in range(rows - limit):  # only the rows of the last chunk read
        end = complete.rfind(b"\n", 0, end - 1) + 1
    truncated = rows > limit or not ended  # not ended: the byte cap struck
    return Answer("triples" if triples else "solutions", complete[:end], truncated)
