"""The query engines behind ``kb serve``'s gate: warm processes (``kb.serve.worker``), each
holding one store version open and answering one query at a time over pipes — the query on its
stdin, the answer streamed from its stdout in chunks.

Why processes, not a store in the gate: any local program or web page could reach a port
past the gate, and a crash (a query that overflows the engine's stack) would take the gate
with it; a child on pipes listens nowhere, and only the gate that started it can send it a
query. The time limit stays exact: at the deadline the process is killed. Why warm: an engine
started per query opened the store each time and began with a cold cache (the server's
answer to treatments_that_resolved took 149 ms at 100,000 records against 56 ms warm). A
process whose answer was cut (row or byte cap), that overran or died is killed, never reused;
the others wait for the next query (``MAX_IDLE`` per version; an older version's are stopped
when a query asks for a newer one).
"""

from __future__ import annotations

import logging
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MAX_ERROR = 4096  # bytes of an engine's error message kept
CHUNK = 64 * 1024
MAX_IDLE = 2  # warm engines kept per store version between queries


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


class Process:
    """One engine process on one store version, and what it has sent not yet read."""

    def __init__(self, command: list[str], version: Path, env: dict[str, str]) -> None:
        self.version = version
        # a file, not a pipe: nothing reads it while the process runs; closed by kill()
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen([*command, str(version)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.errors,
                                     env=env)  # fmt: skip
        self.buffer = bytearray()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self.errors.close()

    def send(self, sparql: str) -> None:
        assert self.proc.stdin is not None
        data = sparql.encode("utf-8")
        try:
            self.proc.stdin.write(b"%d\n" % len(data) + data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise self._died() from None

    def line(self, deadline: float) -> bytes:
        while (end := self.buffer.find(b"\n")) < 0:
            self._fill(deadline)
        found = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        return found

    def take(self, size: int, deadline: float) -> bytes:
        while len(self.buffer) < size:
            self._fill(deadline)
        found = bytes(self.buffer[:size])
        del self.buffer[:size]
        return found

    def _fill(self, deadline: float) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise Overrun
        chunk = os.read(fd, CHUNK)
        if not chunk:
            raise self._died()
        self.buffer += chunk

    def _died(self) -> Died:
        status = self.proc.wait()
        self.errors.seek(0)
        message = self.errors.read(MAX_ERROR).decode("utf-8", "replace").strip()
        if status < 0:
            return Died(f"engine pid {self.proc.pid} was killed by signal {-status}")
        if "IO error" in message:
            return Died(f"the engine could not open the store: {message[:300]}")
        return Died(f"engine pid {self.proc.pid} exited with status {status}: {message[:300]}")


class Engine:
    """Runs queries on store versions in warm processes; ``close`` kills them all."""

    def __init__(self) -> None:
        self.command = [sys.executable, "-m", "kb.serve.worker"]
        self.env = {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}
        self._running: set[Process] = set()
        self._idle: list[Process] = []
        self._lock = threading.Lock()
        self._closed = False

    def waiting(self) -> list[int]:
        """The pids of the warm processes waiting for a query."""
        with self._lock:
            return [p.proc.pid for p in self._idle]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            procs = [*self._running, *self._idle]
            self._idle.clear()
        for proc in procs:
            proc.kill()

    def retire(self) -> None:
        """Stop the waiting processes: the next query starts a new one (with ``command`` as it
        is then)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for proc in idle:
            proc.kill()

    def run(self, version: Path, sparql: str, deadline: float, limit: int,
            max_bytes: int) -> Answer:  # fmt: skip
        """The answer to ``sparql`` on ``version``: at most ``limit`` rows (or triples) and about
        ``max_bytes``, read before ``deadline`` (a ``time.monotonic`` value) or ``Overrun``."""
        if time.monotonic() >= deadline:
            raise Overrun
        proc = self._process(version)
        reusable = False
        try:
            answer, reusable = self._talk(proc, sparql, deadline, limit, max_bytes)
            return answer
        finally:
            self._done(proc, reusable)

    def _process(self, version: Path) -> Process:
        """A waiting process on ``version``, or a new one; those on other versions stop."""
        with self._lock:
            if self._closed:
                raise Died("the server is stopping")
            stale = [p for p in self._idle if p.version != version or not p.alive()]
            self._idle = [p for p in self._idle if p not in stale]
            proc = self._idle.pop() if self._idle else None
        for old in stale:
            old.kill()
        if proc is None:
            proc = Process(self.command, version, self.env)
        with self._lock:
            self._running.add(proc)
        return proc

    def _done(self, proc: Process, reusable: bool) -> None:
        with self._lock:
            self._running.discard(proc)
            kept = reusable and not self._closed and proc.alive()
            kept = kept and sum(p.version == proc.version for p in self._idle) < MAX_IDLE
            if kept:
                self._idle.append(proc)
        if not kept:
            proc.kill()

    def _talk(self, proc: Process, sparql: str, deadline: float, limit: int,
              max_bytes: int) -> tuple[Answer, bool]:  # fmt: skip
        """The answer, and whether the process finished it (so it may answer another)."""
        proc.send(sparql)
        head = proc.line(deadline)
        if head.startswith(b"b "):
            return Answer("boolean", head[2:].strip()), True
        if head.startswith(b"e "):
            return _error(proc, head, deadline), True
        triples = head == b"t"
        wanted = limit + (1 if triples else 2)  # lines: TSV has a header line
        out = bytearray()
        newlines = 0
        while True:
            if newlines >= wanted or len(out) > max_bytes:
                return split(bytes(out), triples, limit, ended=False), False
            head = proc.line(deadline)
            if head.startswith(b"e "):  # evaluation failed mid-way
                return _error(proc, head, deadline), True
            size = int(head)
            if size == 0:
                break
            chunk = proc.take(size, deadline)
            out += chunk
            newlines += chunk.count(b"\n")
        if time.monotonic() >= deadline:  # an answer that ends at the deadline may be short
            raise Overrun
        return split(bytes(out), triples, limit, ended=True), True


def _error(proc: Process, head: bytes, deadline: float) -> Answer:
    """The error the engine sent; ``Died`` when it could not read its store (the version's
    files deleted under it by newer builds): the gate runs the query again on the current one."""
    _, status, size = head.split()
    message = proc.take(int(size), deadline)
    if b"IO error" in message:
        raise Died(
            f"the engine could not read the store: {message[:300].decode('utf-8', 'replace')}"
        )
    return Answer("error", status=int(status), message=message[:MAX_ERROR])


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
