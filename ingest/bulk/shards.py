"""A shard: what one input file gave — records, deletions, extractions, document graphs.

    <data_dir>/bulk/<input sha256[:24]>-<extractor[:12]>/
        meta.json          ShardMeta: the file's name, deletions, what was dropped or skipped,
                           where each document graph's lines start in graphs.nq
        records.jsonl      the file's records (PubmedRecord), in file order
        extractions.jsonl  their extractions (text and MeSH)
        graphs.nq          each record's document graphs as canonical N-Quads (kb.graph.nquads)

The name is the input's content hash and the extractor's version (its code, its models and
rules, the publication-type filter), so a rerun finds a shard for every file already done and
a new extractor does every file again. A shard is written in a scratch directory and renamed
into place in one step: a worker killed midway leaves only scratch (pruned by the next run), and
when two attempts finish the same file the second finds the first's shard and drops its own.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import ingest.nlp
from ingest.nlp.extract import EXTRACTOR
from kb import __version__
from kb.datadir import EXTRACTIONS, RECORDS
from kb.jsonl import jsonl_lines
from kb.lines import Lines
from kb.records import Extraction, PubmedRecord

SHARDS = "bulk"
_DATA = ("models", "nlp", "vocab")  # casebook_data folders the extraction reads
_NOT_EXTRACTION = {"eval", "train"}  # ingest.nlp subpackages that do not change its output


@dataclass
class ShardMeta:
    source: str  # the input file's name (its place in the order)
    sha256: str  # of the input file's bytes
    extractor: str  # extractor_version() that made it
    deleted: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # records not of a type asked for
    skipped: list[str] = field(default_factory=list)  # records the parser could not read
    graphs: dict[str, tuple[int, int]] = field(default_factory=dict)  # IRI → (offset, length)


@dataclass
class Shard:
    meta: ShardMeta
    records: Lines[PubmedRecord]  # read from the shard's files on demand, like its graphs
    extractions: Lines[Extraction]
    path: Path  # the shard's directory


def shard_root(data_dir: Path) -> Path:
    return data_dir / SHARDS


@functools.lru_cache(maxsize=8)
def extractor_version(
    nlp_config: Path | None = None, publication_types: tuple[str, ...] = ()
) -> str:
    """A hash of everything that decides a file's shard besides the file: Casebook's version,
    the extraction code and data (models, rules, vocabulary), the spaCy config, the filter."""
    h = hashlib.sha256(f"{EXTRACTOR} {__version__}\n".encode())
    code = Path(ingest.nlp.__file__).parent
    for path in sorted(code.rglob("*.py")):
        if not _NOT_EXTRACTION & set(path.relative_to(code).parts):
            h.update(path.relative_to(code).as_posix().encode() + b"\0" + path.read_bytes())
    data = resources.files("casebook_data")
    with resources.as_file(data) as root:
        for folder in _DATA:
            for path in sorted(p for p in Path(root, folder).rglob("*") if p.is_file()):
                h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    if nlp_config is not None:
        h.update(b"config\0" + Path(nlp_config).read_bytes())
    h.update(("types\0" + "\0".join(sorted(publication_types))).encode())
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def shard_path(data_dir: Path, sha256: str, extractor: str) -> Path:
    return shard_root(data_dir) / f"{sha256[:24]}-{extractor[:12]}"


Part = tuple[list[PubmedRecord], list[Extraction], Iterable[tuple[str, list[bytes]]]]


def write_shard(target: Path, meta: ShardMeta, parts: Iterable[Part]) -> bool:
    """Write a shard in a scratch directory beside ``target``, then rename it into place;
    False when another attempt got there first (its shard, made from the same input, stays).
    ``parts``: (records, their extractions, their document graphs), made one part at a time
    as it is written, so a file of tens of thousands of records is never all held at once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=".shard-"))
    os.chmod(scratch, 0o755)  # mkdtemp makes it 0700: other users of a shared cluster read it
    try:
        offset = 0
        with (
            (scratch / "graphs.nq").open("wb") as graphs_out,
            (scratch / RECORDS.name).open("wb") as records_out,
            (scratch / EXTRACTIONS.name).open("wb") as extractions_out,
        ):
            for records, extractions, graphs in parts:
                records_out.writelines(jsonl_lines(records))
                extractions_out.writelines(jsonl_lines(extractions))
                for graph, lines in graphs:
                    data = b"".join(lines)
                    graphs_out.write(data)
                    meta.graphs[graph] = (offset, len(data))
                    offset += len(data)
        (scratch / "meta.json").write_text(json.dumps(asdict(meta)), encoding="utf-8")
        _fsync_all(scratch)
        try:
            os.rename(scratch, target)
        except OSError:  # ENOTEMPTY / EEXIST: the same file's shard is already there
            if not target.is_dir():
                raise
            return False
        return True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_meta(path: Path) -> ShardMeta:
    raw = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    raw["graphs"] = {g: (int(a), int(b)) for g, (a, b) in raw["graphs"].items()}
    return ShardMeta(**raw)


def read_shard(path: Path) -> Shard:
    """A shard's meta, and where its records and extractions are (read when needed)."""
    return Shard(
        read_meta(path),
        RECORDS.scan(path / RECORDS.name),
        EXTRACTIONS.scan(path / EXTRACTIONS.name),
        path,
    )


def graph_lines(shard: Path, place: tuple[int, int]) -> list[bytes]:
    """One document graph's canonical lines, read from its shard's ``graphs.nq``."""
    offset, length = place
    with (shard / "graphs.nq").open("rb") as f:
        f.seek(offset)
        return f.read(length).splitlines(keepends=True)


def prune(data_dir: Path, extractor: str) -> int:
    """Remove scratch left by killed attempts and the shards an older extractor made (never
    to be read again); returns how many went. Shards of files not given this time stay: the
    next run may name them again."""
    root = shard_root(data_dir)
    gone = 0
    for path in root.iterdir() if root.is_dir() else ():
        if path.is_dir() and not path.name.endswith(f"-{extractor[:12]}"):
            shutil.rmtree(path, ignore_errors=True)
            gone += 1
    return gone


def _fsync_all(folder: Path) -> None:
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
