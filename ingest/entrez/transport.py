"""Bounded reads of an answer: a total deadline per request and a byte cap per answer.

The socket timeout bounds each read, not the request: an upstream that sends one byte every two
seconds never trips it. So the body is read in short reads (``read1``: whatever has arrived),
the clock checked after each, and the bytes counted; either bound exceeded is a failed request
(``DeadlineExceeded`` / ``AnswerTooLarge``), retried like any other, and memory stays bounded.
"""

from __future__ import annotations

import http.client
import io
import time
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
