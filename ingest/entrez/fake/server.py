"""A fake NCBI E-utilities server: serves a local corpus over HTTP and injects faults on demand.

The HTTP handler, ``FakeEutils`` (lifecycle, fault queue, request log) and the emulation of
NCBI's per-second rate limit; the answers themselves come from ``endpoints`` and ``faults``.
"""

from __future__ import annotations

import argparse
import logging
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ingest.entrez.fake import hostile
from ingest.entrez.fake.corpus import EMPTY_CORPUS, Corpus
from ingest.entrez.fake.endpoints import HANDLERS
from ingest.entrez.fake.faults import (
    BACKEND_ERROR,
    SLOW_DEFAULT_DELAY,
    TIMEOUT_DEFAULT_DELAY,
    Fault,
    http_error,
    invalid_xml,
    too_many,
    xml_bomb,
    xxe,
)
from ingest.entrez.fake.formats import (
    ERROR_SHAPES,
    TEXT_TYPE,
    XML_DECL_UTF8,
    Answer,
    error_answer,
)

logger = logging.getLogger(__name__)

PREFIX = "/entrez/eutils/"
PROBE_PATH = "/xxe-probe"

#: Endpoint file name → utility name (the ``utility`` of a ``LoggedRequest``).
UTILITIES = {
    "esearch.fcgi": "esearch",
    "efetch.fcgi": "efetch",
    "elink.fcgi": "elink",
    "ecitmatch.cgi": "ecitmatch",
    "epost.fcgi": "epost",
}

RATE_WINDOW = 1.0  # seconds; NCBI counts requests per second
RATE_LIMIT = 3  # requests per window without an API key
RATE_LIMIT_WITH_KEY = 10


@dataclass
class LoggedRequest:
    """One request as the server saw it; ``status`` 0 means no HTTP answer was sent (reset)."""

    time: float
    method: str
    utility: str
    params: dict[str, list[str]]
    status: int = 0
    fault: str | None = None


# --------------------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeEutils


class _Handler(BaseHTTPRequestHandler):
    """Parses the request, logs it, then answers, possibly through a fault."""

    server: _Server
    server_version = "FakeEutils/1.0"

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _read_params(self, method: str, query: str) -> dict[str, list[str]]:
        params = parse_qs(query, keep_blank_values=True)
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            if body and self.headers.get_content_type() in (
                "application/x-www-form-urlencoded",
                "text/plain",
            ):
                form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
        return params

    def _handle(self, method: str) -> None:
        arrival = time.time()
        owner = self.server.owner
        split = urlsplit(self.path)
        params = self._read_params(method, split.query)
        name = split.path[len(PREFIX) :] if split.path.startswith(PREFIX) else None
        utility = UTILITIES.get(name or "")
        if split.path == PROBE_PATH:
            entry = owner._record(LoggedRequest(arrival, method, "xxe-probe", params))
            logger.warning("the XXE probe was requested: an XML parser resolved an entity")
            self._send(entry, Answer(200, b"probe", TEXT_TYPE))
            return
        entry = owner._record(LoggedRequest(arrival, method, utility or split.path, params))
        if utility is None:
            self._send(entry, Answer(404, b"Not Found\n", TEXT_TYPE))
            return
        limited = owner._rate_limited(params, self.client_address[0], arrival)
        fault = owner._take_fault(utility)
        if fault is not None:
            entry.fault = fault.kind
            self._faulty(entry, utility, params, fault)
        elif limited:
            entry.fault = "rate_limit"
            self._send(entry, too_many(None))
        else:
            self._send(entry, self._answer(utility, params, owner.corpus))

    def _answer(self, utility: str, params: dict[str, list[str]], corpus: Corpus) -> Answer:
        try:
            return HANDLERS[utility](params, corpus)
        except Exception:  # a bug here must not leave the client hanging
            logger.exception("fake %s failed on %r", utility, params)
            return Answer(500, b"fake server error\n", TEXT_TYPE)

    def _faulty(
        self, entry: LoggedRequest, utility: str, params: dict[str, list[str]], fault: Fault
    ) -> None:
        owner = self.server.owner
        kind = fault.kind
        root = ERROR_SHAPES[utility][0]
        logger.info("injecting fault %s into %s", kind, utility)
        if kind == "429":
            self._send(entry, too_many(fault.retry_after))
        elif kind in ("500", "502", "503"):
            self._send(entry, http_error(int(kind)))
        elif kind in ("timeout", "slow"):
            default = TIMEOUT_DEFAULT_DELAY if kind == "timeout" else SLOW_DEFAULT_DELAY
            owner._stopping.wait(fault.delay if fault.delay > 0 else default)
            self._send(entry, self._answer(utility, params, owner.corpus))
        elif kind == "reset":
            self._reset()
        elif kind == "truncate":
            answer = self._answer(utility, params, owner.corpus)
            self._send(entry, answer, body=answer.body[: len(answer.body) // 2])
        elif kind == "invalid_xml":
            self._send(entry, invalid_xml(self._answer(utility, params, owner.corpus), root))
        elif kind == "error_body":
            self._send(entry, error_answer(utility, BACKEND_ERROR))
        elif kind == "empty":
            self._send(entry, self._answer(utility, params, EMPTY_CORPUS))
        elif kind == "xml_bomb":
            self._send(entry, Answer(200, xml_bomb(root)))
        elif kind == "xxe":
            doctype = ERROR_SHAPES[utility][1].removeprefix(XML_DECL_UTF8)
            self._send(entry, Answer(200, xxe(root, owner.probe_url, doctype)))
        elif kind in ("extra_pmid", "wrong_pmids", "huge_text"):
            self._send(entry, hostile.answer(kind, utility, params, owner.corpus, fault.size))
        else:  # drip, drip_headers, oversize, drop_body: a normal answer, sent the hostile way
            self._stream(entry, kind, self._answer(utility, params, owner.corpus), fault)

    def _stream(self, entry: LoggedRequest, kind: str, answer: Answer, fault: Fault) -> None:
        entry.status = answer.status
        body = hostile.head(answer) + answer.body if kind == "drip_headers" else answer.body
        try:
            if kind != "drip_headers":
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                for key, value in hostile.headers(kind, answer.body).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.flush()

            def write(data: bytes) -> None:
                self.wfile.write(data)
                self.wfile.flush()

            hostile.stream(kind, body, write, self.server.owner._stopping, fault.delay,
                           fault.size)  # fmt: skip
        except (BrokenPipeError, ConnectionResetError) as exc:  # the client gave up: expected
            logger.debug("client went away during a %s answer: %s", kind, exc)
        self.close_connection = True

    def _reset(self) -> None:
        """Close the connection with a TCP RST and no answer at all."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # drops the makefile reference, so close() really closes
            self.connection.close()
        except OSError:
            logger.debug("reset: the connection was already gone")

    def _send(self, entry: LoggedRequest, answer: Answer, body: bytes | None = None) -> None:
        """Send ``answer``; with ``body``, send that instead under the full Content-Length."""
        entry.status = answer.status
        payload = answer.body if body is None else body
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError) as exc:  # the client gave up (timeout)
            logger.debug("client went away before the answer: %s", exc)
        self.close_connection = True


class FakeEutils:
    """The fake E-utilities service; a context manager that serves in a daemon thread."""

    def __init__(
        self,
        corpus: Corpus,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_rate_limit: bool = False,
    ) -> None:
        self.corpus = corpus
        self.host = host
        self.port = port
        self.enforce_rate_limit = enforce_rate_limit
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._faults: deque[tuple[str | None, Fault]] = deque()
        self._always: list[tuple[str | None, Fault]] = []
        self._windows: dict[str, deque[float]] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FakeEutils:
        """Bind (a free port when ``port`` is 0) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeEutils is already running")
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        logger.info("fake E-utilities serving %r at %s", self.corpus, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port; stalled (timeout/slow) answers are cut short."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeEutils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, ending in "/entrez/eutils/" like NCBI's, valid once started."""
        if self._server is None:
            raise RuntimeError("FakeEutils is not running; call start() first")
        return f"http://{self._url_host}:{self.port}{PREFIX}"

    @property
    def probe_url(self) -> str:
        """The URL an XXE fault's external entity points at."""
        return f"http://{self._url_host}:{self.port}{PROBE_PATH}"

    @property
    def _url_host(self) -> str:
        return "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host

    # -- faults and log

    def inject(self, utility: str | None, *faults: Fault) -> None:
        """Queue faults (FIFO) for the next requests to ``utility`` (None: to any utility)."""
        if utility is not None and utility not in HANDLERS:
            raise ValueError(f"unknown utility {utility!r}; expected one of {sorted(HANDLERS)}")
        with self._lock:
            self._faults.extend((utility, f) for f in faults)

    def inject_always(self, utility: str | None, fault: Fault) -> None:
        """A fault for every request to ``utility`` (None: to any) once the queue is empty."""
        if utility is not None and utility not in HANDLERS:
            raise ValueError(f"unknown utility {utility!r}; expected one of {sorted(HANDLERS)}")
        with self._lock:
            self._always.append((utility, fault))

    def clear(self) -> None:
        """Drop queued and standing faults, the request log and the rate-limit windows."""
        with self._lock:
            self._faults.clear()
            self._always.clear()
            self.log.clear()
            self._windows.clear()

    def requests(self, utility: str | None = None) -> list[LoggedRequest]:
        """A snapshot of the log, optionally only one utility's requests."""
        with self._lock:
            return [r for r in self.log if utility is None or r.utility == utility]

    def _record(self, entry: LoggedRequest) -> LoggedRequest:
        with self._lock:
            self.log.append(entry)
        return entry

    def _take_fault(self, utility: str) -> Fault | None:
        with self._lock:
            for index, (target, fault) in enumerate(self._faults):
                if target is None or target == utility:
                    del self._faults[index]
                    return fault
            return next((f for t, f in self._always if t is None or t == utility), None)

    def _rate_limited(self, params: dict[str, list[str]], client: str, now: float) -> bool:
        """Count this request in its window; True when past NCBI's limit for that key."""
        if not self.enforce_rate_limit:
            return False
        api_key = next((v.strip() for v in params.get("api_key", []) if v.strip()), "")
        key, limit = (
            (f"key:{api_key}", RATE_LIMIT_WITH_KEY) if api_key else (f"ip:{client}", RATE_LIMIT)
        )
        with self._lock:
            window = self._windows.setdefault(key, deque())
            while window and now - window[0] >= RATE_WINDOW:
                window.popleft()
            window.append(now)
            return len(window) > limit


# ------------------------------------------------------------------------------------------ CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a corpus directory until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="directory with pubmed/, pmc/")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--rate-limit", action="store_true", help="answer 429 like NCBI")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[:UTILITY]",
        help="answer every request (to UTILITY) with this fault: a hostile upstream (repeatable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = FakeEutils(Corpus.load(args.corpus), args.host, args.port, args.rate_limit)
    for spec in args.fault:
        kind, _, utility = spec.partition(":")
        try:
            server.inject_always(utility or None, Fault(kind))
        except ValueError as exc:
            parser.error(str(exc))
    with server:
        logger.info("E-utilities base URL: %s (Ctrl-C stops)", server.url)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            logger.info("stopping")
    return 0
