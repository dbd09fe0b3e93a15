"""Bounded requests: a total deadline per request (a watchdog on the connection, and checks
between reads of the body) and a byte cap per answer.

The socket timeout bounds each read, not the request: an upstream that sends one byte every two
seconds never trips it. So the body is read in short reads (``read1``: whatever has arrived),
the clock checked after each, and the bytes counted; either bound exceeded is a failed request
(``DeadlineExceeded`` / ``AnswerTooLarge``), retried like any other, and memory stays bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
import time
import urllib.request
from typing import Any

CHUNK = 64 * 1024


class DeadlineExceeded(TimeoutError):
    """The request took longer than the ``deadline`` setting, however steadily bytes came."""


class AnswerTooLarge(ValueError):
    """The answer is larger than ``max_answer_bytes``; it is not read further."""


def read_bounded(handle: Any, deadline_at: float, max_bytes: int) -> bytes:
    """The whole body of ``handle`` (a urllib response, or Bio.Entrez's text wrapper of one),
    or an error once ``time.monotonic()`` passes ``deadline_at`` or ``max_bytes`` is passed."""
    raw: Any = handle.buffer if isinstance(handle, io.TextIOWrapper) else handle
    length = getattr(raw, "headers", None) and raw.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise AnswerTooLarge(f"answer of {int(length):,} bytes, over the cap of {max_bytes:,}")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline_at:
            raise DeadlineExceeded(f"no complete answer by the deadline ({size:,} bytes read)")
        chunk = raw.read1(CHUNK) if hasattr(raw, "read1") else raw.read(CHUNK)
        if not chunk:
            if getattr(raw, "length", None):  # the connection closed before Content-Length
                raise http.client.IncompleteRead(b"".join(chunks), raw.length)
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise AnswerTooLarge(f"answer over the cap of {max_bytes:,} bytes")
        chunks.append(chunk)


class Watchdog:
    """Cuts a request's connection when its deadline passes, whatever it is waiting for: an
    upstream that drips its status line and headers is never seen by ``read_bounded``, which
    starts with the body. One client sends one request at a time: ``arm`` before it,
    ``disarm`` after (the timer threads end with the request)."""

    def __init__(self) -> None:
        self.deadline_at: float | None = None
        self.fired = False
        self._timers: list[threading.Timer] = []

    def arm(self, deadline_at: float) -> None:
        self.deadline_at, self.fired = deadline_at, False

    def disarm(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.deadline_at = None

    def watch(self, sock: socket.socket) -> None:
        if self.deadline_at is None:
            return
        timer = threading.Timer(max(0.0, self.deadline_at - time.monotonic()), self._cut, (sock,))
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def _cut(self, sock: socket.socket) -> None:
        self.fired = True
        with contextlib.suppress(OSError):  # already closed: the request ended in time
            sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once


def _watched(base: type[http.client.HTTPConnection], watchdog: Watchdog) -> Any:
    class Watched(base):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            super().connect()
            watchdog.watch(self.sock)

    return Watched


class WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: Watchdog) -> None:
        super().__init__()
        self._connection = _watched(http.client.HTTPConnection, watchdog)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: Watchdog) -> None:
        super().__init__()
        self._connection = _watched(http.client.HTTPSConnection, watchdog)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)
