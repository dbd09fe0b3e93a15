"""The bundled synthetic demo: a fictional seed and corpus shipped in ``casebook_data/demo``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ingest.seed.document import read_seed_bytes
from kb.records import SeedDocument


def _demo_root():
    return resources.files("casebook_data") / "demo"


def demo_seed_text() -> str:
    return (_demo_root() / "seed.md").read_text(encoding="utf-8")


def demo_seed() -> SeedDocument:
    return read_seed_bytes(demo_seed_text().encode("utf-8"), source="demo/seed.md (synthetic)")


@contextlib.contextmanager
def demo_corpus() -> Iterator[Path]:
    """The corpus directory as a real path (extracted if the package is zipped)."""
    with resources.as_file(_demo_root() / "corpus") as path:
        yield Path(path)
