"""The store half of ``kb check``: ``store/CURRENT`` names a version under ``store/``, and that
version's files and graphs are what its seal (``kb.seal``) says were written."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kb.seal import read_seal, readable_seal, sealed_quads, version_problems
from kb.store import VERSION_NAME, current_name, graph_quads, read_manifest, store_root


def store_problems(data_dir: Path, expected: str = "", deep: bool = False) -> list[str]:
    """What is wrong with the current store version, one ``store/…: what`` line each ([] when
    sound). ``expected``: the version the data files make (a missing store is then a problem).
    ``deep`` also hashes every file, opens the store and counts its quads per graph."""
    name = current_name(data_dir)
    if name is None:
        return [f"store/CURRENT: missing (the data files make {expected})"] if expected else []
    if not name:
        return ["store/CURRENT: empty (it must name a version under store/)"]
    if not VERSION_NAME.fullmatch(name):
        return [f"store/CURRENT: {name[:80]!r} is not a version name under store/ (v-…)"]
    version = store_root(data_dir) / name
    if not version.is_dir():
        return [f"store/CURRENT: names {name}, which is not in store/"]
    problems = [f"store/{p}" for p in version_problems(version, hash_all=deep)]
    if problem := _manifest_problem(version, deep):
        problems.append(problem)
    if deep and not problems:
        problems += _content_problems(version)
    return problems


def _manifest_problem(version: Path, deep: bool) -> str | None:
    """The version's graph digests (``store/v-….json``) must parse: publishing compares them.
    A seal that vouches for the file (size, and its hash in a deep check) spares the cheap
    check parsing it: ~15 MB at 100,000 articles."""
    path = version.with_suffix(".json")
    if not path.exists():
        return None
    seal = readable_seal(version)
    if not deep and seal is not None and path.name in seal.beside:
        return None  # version_problems compared it with its seal
    try:
        if isinstance(read_manifest(path), dict):
            return None
    except (ValueError, UnicodeDecodeError):
        pass
    return f"store/{path.name}: not a list of graph digests"


def _content_problems(version: Path) -> list[str]:
    """Open the version read-only and count its quads per graph against the seal."""
    try:
        found = graph_quads(ox.Store.read_only(str(version)))
    except (OSError, RuntimeError, ValueError) as exc:
        return [f"store/{version.name}: does not open ({' '.join(str(exc).split())[:200]})"]
    seal = read_seal(version)
    if seal is None:
        return []
    sealed = sealed_quads(version, seal)
    return [
        f"store/{version.name}: graph {graph} holds {found.get(graph, 0)} quads, "
        f"{count} when written"
        for graph, count in sorted((sealed | dict.fromkeys(found, 0)).items())
        if found.get(graph, 0) != sealed.get(graph, 0)
    ]
