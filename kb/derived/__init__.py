"""Derivation rules: SPARQL CONSTRUCT queries (``*.rq``) whose answers make ``graph/derived``.

Some questions cannot be answered in an interactive time by looking facts up one by one on a
large KB: an aggregate over every case, or a join of thousands of findings. The store computes
their tables once, when it writes a version (``kb.store``), from the other graphs; versions never
change, so a table never goes stale. Each rule keeps a link back to what it was made from (the
findings, the evidence), and its IRIs are functions of its keys, so the same graphs give the
same derived graph, byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from importlib.resources.abc import Traversable


def rules() -> dict[str, str]:
    """Rule name → its CONSTRUCT query, in name order."""
    folder = resources.files("kb.derived")
    return {
        entry.name.removesuffix(".rq"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".rq")
    }


@functools.cache  # the rules ship with the package: they do not change while it runs
def rules_digest() -> str:
    """A hash of the rules and their key queries: it names the derived graph in a version's manifest, so a new rule
    gives a new version even when no other graph changed."""
    keys = resources.files("kb.derived") / "keys"
    text = "".join(
        f"{name}\n{query}\n{_text(keys / f'{name}.rq')}\n" for name, query in rules().items()
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(path: Traversable) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""  # a delta rule has none
