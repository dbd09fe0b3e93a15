"""A warm query engine for ``kb serve``: one process that opens one store version read-only
and answers queries one after another over its stdin and stdout, so a query finds the store
open and its cache warm (``kb.serve.engine`` starts, reuses and kills these processes).

    python -m kb.serve.worker VERSION_DIR

It listens on no port or socket: only the gate that started it can send it a query. The
protocol (bytes; each header line ends in a newline):

- request: ``<length>`` then that many bytes of UTF-8 SPARQL;
- answer: ``b true`` / ``b false`` (ASK); or ``s`` (solutions, as TSV with its header line) or
  ``t`` (triples, as N-Triples), then chunks, each ``<length>`` and its bytes, and ``0`` at the
  end; or ``e <400|502> <length>`` and the error message (400: the query's syntax).

It imports only pyoxigraph: a new engine answers its first query within ~0.1 s.
"""

from __future__ import annotations

import sys
from typing import IO, BinaryIO, cast

import pyoxigraph as ox


class Chunks:
    """A file-like target for ``serialize`` that frames each write as a chunk."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def write(self, data: bytes) -> int:
        if data:
            self.out.write(b"%d\n" % len(data))
            self.out.write(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()


def answer(store: ox.Store, sparql: str, out: BinaryIO) -> None:
    """Write the answer to ``sparql`` (or its error) in the protocol above."""
    try:
        result = store.query(sparql, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            out.write(b"b true\n" if bool(result) else b"b false\n")
            return
        chunks = cast(IO[bytes], Chunks(out))  # serialize only calls write()
        if isinstance(result, ox.QueryTriples):
            out.write(b"t\n")
            result.serialize(chunks, ox.RdfFormat.N_TRIPLES)
        else:
            out.write(b"s\n")
            result.serialize(chunks, ox.QueryResultsFormat.TSV)
        out.write(b"0\n")
    except SyntaxError as exc:
        _error(out, 400, str(exc))
    except Exception as exc:  # evaluation failed (at once or mid-way): the gate says so, 502
        _error(out, 502, f"{type(exc).__name__}: {exc}")


def _error(out: BinaryIO, status: int, message: str) -> None:
    data = message.encode("utf-8", "replace")
    out.write(b"e %d %d\n" % (status, len(data)))
    out.write(data)


def main() -> int:
    try:
        store = ox.Store.read_only(sys.argv[1])
    except (OSError, IndexError) as exc:
        print(f"IO error: cannot open the store version: {exc}", file=sys.stderr)
        return 1
    requests, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = requests.readline()
        if not header:  # the gate closed the pipe: stop
            return 0
        sparql = requests.read(int(header)).decode("utf-8")
        answer(store, sparql, out)
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
