"""The store half of ``kb check``: ``store/CURRENT`` names a version under ``store/``, and that
version's files and graphs are what its seal (``kb.seal``) says were written."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kb.seal import read_seal, version_problems
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
    problems = [f"store/{name}/{p}" for p in version_problems(version, hash_all=deep)]
    if problem := _manifest_problem(version):
        problems.append(problem)
    if deep and not problems:
        problems += _content_problems(version)
    return problems


def _manifest_problem(version: Path) -> str | None:
    """The version's graph digests (``store/v-….json``) must parse: publishing compares them."""
    path = version.with_suffix(".json")
    if not path.exists():
        return None
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
    return [
        f"store/{version.name}: graph {graph} holds {found.get(graph, 0)} quads, "
        f"{count} when written"
        for graph, count in sorted((seal.quads | dict.fromkeys(found, 0)).items())
        if found.get(graph, 0) != seal.quads.get(graph, 0)
    ]
