"""One writer per data directory: ``kb build``, ``kb demo``, ``kb refresh`` and each scheduled
refresh take this lock, so two never interleave their writes (readers need no lock)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class Busy(Exception):
    """Another process holds the data directory's lock."""


@contextlib.contextmanager
def exclusive(data_dir: Path, create: bool = True) -> Iterator[None]:
    """Hold ``DATA_DIR/.lock`` (an flock: released by the kernel if the holder dies). Only a
    build creates the directory (``create``); a refresh of a missing one is an error."""
    if create:
        data_dir.mkdir(parents=True, exist_ok=True)
    elif not data_dir.is_dir():
        raise FileNotFoundError(
            f"no knowledge base in {data_dir}: run `kb build` or `kb demo` first"
        )
    fd = os.open(data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another build or refresh is running on {data_dir}") from None
        yield
    finally:
        os.close(fd)
