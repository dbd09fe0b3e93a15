"""Seals: what a data file or a store version held when Casebook wrote it, so damage done later
(a deleted or truncated file, garbage in place of a header) is found before anything reads it.

A data file's seal (size, SHA-256) is kept in ``build.json``; a store version's seal is
``store/v-….seal`` beside it: each of its files with size and SHA-256, the same for the two files
beside its directory (``v-….json``, the graph digests; ``v-….quads``, the quads per graph), and
the digest of the rules its derived graph was made with. A version is never written after its
seal is made (readers open it read-only), so any difference is damage.

The seal stays small whatever the KB's size (the per-graph maps are in the files it seals), so
the cheap check before every command reads a few kilobytes: at 100,000 articles the seal with
the counts inline was 7 MB of JSON, and parsing it and the 15 MB of digests took ~0.15 s of each
``kb ask``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from kb.jsonl import atomic_write, from_dict, to_dict

BESIDE = (".json", ".quads", ".seal")  # a version's files beside its directory: v-….json…
SMALL = 1 << 20  # files up to this size are hashed by the cheap check too (MANIFEST, OPTIONS…)
UNSEALED = ("LOG", "LOCK")  # RocksDB's own log and lock: not part of the data


@dataclass(frozen=True)
class FileSeal:
    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> FileSeal:
        return cls(len(data), hashlib.sha256(data).hexdigest())


@dataclass
class VersionSeal:
    files: dict[str, FileSeal] = field(default_factory=dict)
    # graph IRI → quads in it: inline in seals before 2026-12-04, in v-….quads since
    quads: dict[str, int] = field(default_factory=dict)
    beside: dict[str, FileSeal] = field(default_factory=dict)  # v-….json and v-….quads
    derived: str = ""  # the rules digest of graph/derived (kb.derived.rules_digest)


def seal_path(version: Path) -> Path:
    return version.with_suffix(".seal")


def quads_path(version: Path) -> Path:
    """Graph IRI → quads in it, as JSON: what the deep check counts against."""
    return version.with_suffix(".quads")


def sealed_files(version: Path) -> dict[str, FileSeal]:
    """The seal of every file of a version directory (RocksDB's info log and lock aside)."""
    return {
        p.name: FileSeal.of(p.read_bytes())
        for p in sorted(version.iterdir())
        if p.is_file() and not p.name.startswith(UNSEALED)
    }


def write_seal(building: Path, target: Path, quads: dict[str, int], derived: str) -> None:
    """Seal the version built in ``building`` that will be renamed to ``target`` (its graph
    digests ``target``.json already written): write its quads per graph, then the seal."""
    counts = json.dumps(quads, indent=0, sort_keys=True).encode()
    atomic_write(quads_path(target), counts)
    digests = target.with_suffix(".json")
    beside = {
        digests.name: FileSeal.of(digests.read_bytes()),
        quads_path(target).name: FileSeal.of(counts),
    }
    seal = VersionSeal(sealed_files(building), beside=beside, derived=derived)
    atomic_write(seal_path(target), json.dumps(to_dict(seal), indent=0).encode())


def sealed_quads(version: Path, seal: VersionSeal) -> dict[str, int]:
    """The quads per graph the seal vouches for (inline in an older seal)."""
    if seal.quads or quads_path(version).name not in seal.beside:
        return seal.quads
    return json.loads(quads_path(version).read_bytes())


def read_seal(version: Path) -> VersionSeal | None:
    """The version's seal; None for a version written before seals (nothing to compare)."""
    path = seal_path(version)
    if not path.exists():
        return None
    return from_dict(VersionSeal, json.loads(path.read_text(encoding="utf-8")))


def readable_seal(version: Path) -> VersionSeal | None:
    """The seal, or None when it is missing or broken (``version_problems`` reports that)."""
    try:
        return read_seal(version)
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
        return None


def file_problem(path: Path, seal: FileSeal, hash_all: bool) -> str | None:
    """What differs between ``path`` and its seal, or None. The size always; the content
    when the file is small or ``hash_all`` (a deep check)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    if size != seal.size:
        return f"{size} bytes, {seal.size} when written (truncated or changed)"
    if (hash_all or size <= SMALL) and FileSeal.of(path.read_bytes()).sha256 != seal.sha256:
        return "content changed since it was written (SHA-256 differs)"
    return None


def version_problems(version: Path, hash_all: bool = False) -> list[str]:
    """Each sealed file of a version that is missing or changed, as ``v-…/NAME: what`` (or
    ``v-….json: what`` beside it); a broken seal is a problem too. [] for a sound version or
    one without a seal."""
    try:
        seal = read_seal(version)
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        return [f"{seal_path(version).name}: not a seal ({type(exc).__name__})"]
    if seal is None:
        return []
    found = (
        (name, file_problem(version / name, file, hash_all)) for name, file in seal.files.items()
    )
    problems = [f"{version.name}/{name}: {why}" for name, why in found if why]
    beside = ((n, file_problem(version.parent / n, f, hash_all)) for n, f in seal.beside.items())
    return problems + [f"{name}: {why}" for name, why in beside if why]
