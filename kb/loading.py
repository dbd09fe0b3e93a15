"""Loading N-Triples / N-Quads into a store a bounded number of lines at a time.

One bulk load of a whole file peaked at ~0.25 GB per million quads (1.6 GB for 5 M), and a
transactional ``load`` holds all its writes until it commits; a chunk of ``LOAD_CHUNK`` lines
costs ~0.6 GB at most whatever the file's size. The stores loaded so are scratch directories
until renamed into place (``kb.store``), so the chunks need not be one transaction.
"""

from __future__ import annotations

import itertools
import resource
from typing import BinaryIO

import pyoxigraph as ox

LOAD_CHUNK = 500_000  # lines per load


def load_in_chunks(
    store: ox.Store,
    lines: BinaryIO,
    format: ox.RdfFormat,
    to_graph: ox.NamedNode | None = None,
    bulk: bool = True,
) -> int:
    """Load ``lines`` (one statement per line) ``LOAD_CHUNK`` at a time; returns the lines.
    ``bulk``: with the bulk loader (fast; it leaves files to compact: optimize the store after),
    else in one transaction per chunk (for a few rows into a store already optimized)."""
    load = store.bulk_load if bulk else store.load
    loaded = 0
    while chunk := b"".join(itertools.islice(lines, LOAD_CHUNK)):
        if to_graph is None:
            load(chunk, format)
        else:
            load(chunk, format, to_graph=to_graph)
        loaded += chunk.count(b"\n")
    return loaded


def peak_mb() -> int:
    """This process's peak resident memory so far (MB), for the logs of the long steps: logged
    after each, it says which step set the peak."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
