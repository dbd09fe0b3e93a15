"""The data directory: what a build leaves for the extraction and graph stages (docs/data-format.md).

    <data_dir>/seed.json          the seed as read (SeedDocument)
    <data_dir>/references.jsonl   one Resolution per reference, in reference order
    <data_dir>/records.jsonl      one PubmedRecord per line, sorted by PMID
    <data_dir>/fulltexts.jsonl    one FullText per PMC article fetched, sorted by PMCID
    <data_dir>/cited_by.jsonl     one CitedBy per resolved reference (with --cited-by)
    <data_dir>/extractions.jsonl  one Extraction (cases, findings, relations) per source:
                                  a document's text, its MeSH indexing, the seed's citations
    <data_dir>/topics.jsonl       one TopicResult per topic query (``kb build --topic``)
    <data_dir>/runs.jsonl         the run history: one RunRecord per build/refresh that changed
                                  the graph
    <data_dir>/build.json         BuildInfo: the last build's report, when upstream was last
                                  checked, the store version these files make
    <data_dir>/last-good/         a copy of the files above as of the last completed save
                                  (``kb repair`` restores them from it)
    <data_dir>/cache/             raw E-utilities answers (ingest.entrez.cache)
    <data_dir>/store/             the knowledge graph (kb.store)
    <data_dir>/bulk/              ``kb bulk``'s shards, one per input file (ingest.bulk.shards)

The files are saved as one transaction: each is written as ``NAME.new``, then ``COMMIT`` lists
them, then they are renamed into place and ``COMMIT`` is removed. A crash before ``COMMIT``
leaves the previous files (the ``.new`` ones are dropped); a crash after it is rolled forward
by the next ``load`` or ``save``. So a reader never sees one build's records beside another's
extractions.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb import __version__, failpoints
from kb.jsonl import (
    atomic_write,
    atomic_write_chunks,
    dumps_json,
    jsonl_lines,
    read_json,
    read_jsonl,
)
from kb.lines import Lines
from kb.records import (
    BuildReport,
    CitedBy,
    Extraction,
    FullText,
    PubmedRecord,
    Resolution,
    RunRecord,
    SeedDocument,
    TopicResult,
)
from kb.seal import FileSeal

COMMIT = "COMMIT"
INFO = "build.json"


@dataclass(frozen=True)
class ListFile:
    """One JSONL file of a build: the ``Build`` field it holds, the record type of its lines,
    and the field its lines are sorted by (None: kept in the order made, e.g. reference
    order), always the record's first; ``rank`` orders that field's values. A ``lazy`` file
    is loaded as ``kb.lines.Lines`` (``alias``: a second field it is indexed by)."""

    name: str
    field: str
    kind: type
    key: str | None = None
    rank: Callable[[str], Any] = str
    lazy: bool = False
    alias: str | None = None

    def lines(self, items: Sequence[Any]) -> Iterator[bytes]:
        """The file's lines for ``items``, in its order."""
        if isinstance(items, Lines):
            return (items.sorted(self.rank) if self.key else items).raw()
        if self.key:
            key = self.key
            items = sorted(items, key=lambda x: self.rank(getattr(x, key)))
        return jsonl_lines(items)

    def scan(self, path: Path, hold: bool = False) -> Lines[Any]:
        """A lazy file's lines at ``path`` (a data directory's, or a shard's of that name)."""
        return Lines.scan(path, self.kind, self.key or "", self.alias, hold)

    def of(self, items: Iterable[Any]) -> Lines[Any]:
        """Records made in this process as this file's lines, to join loaded ones."""
        return Lines.of(self.kind, items, self.key or "", self.alias)


LIST_FILES = (  # the one table of the build's JSONL files: save, load and repair read it
    ListFile("references.jsonl", "resolutions", Resolution),
    ListFile("records.jsonl", "records", PubmedRecord, "pmid", int, lazy=True, alias="pmcid"),
    ListFile("fulltexts.jsonl", "fulltexts", FullText, "pmcid"),
    ListFile("cited_by.jsonl", "cited_by", CitedBy, "pmid", int),
    ListFile("extractions.jsonl", "extractions", Extraction, "document", lazy=True),
    ListFile("topics.jsonl", "topics", TopicResult),
    ListFile("runs.jsonl", "runs", RunRecord),
)
RECORDS, EXTRACTIONS = (f for f in LIST_FILES if f.lazy)
SEED = "seed.json"
DATA_FILES = (SEED, *(f.name for f in LIST_FILES))  # every file but build.json, which seals them
LAST_GOOD = "last-good"


@dataclass
class BuildInfo:
    report: BuildReport
    finished_at: str
    version: str = __version__
    seed: str = ""
    eutils_url: str = ""
    options: dict[str, str] = field(default_factory=dict)
    checked_at: str = ""  # day upstream was last checked in full ("2026/11/25"; PubMed dates)
    store_version: str = ""  # the store version these files make (kb.store): a crash check
    files: dict[str, FileSeal] = field(default_factory=dict)  # the other files' seals (kb.seal)


@dataclass
class Build:
    """Everything one build produced; ``save`` writes it, ``load`` reads it back."""

    seed: SeedDocument
    resolutions: list[Resolution]
    records: Sequence[PubmedRecord]  # a Lines when loaded
    fulltexts: list[FullText]
    cited_by: list[CitedBy]
    info: BuildInfo
    extractions: Sequence[Extraction] = field(default_factory=list)  # a Lines when loaded
    topics: list[TopicResult] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)

    def save(self, data_dir: Path) -> None:
        """Replace the data directory's files as one transaction (see the module docstring);
        each file is written as its lines are made, and sealed as it is written."""
        data_dir.mkdir(parents=True, exist_ok=True)
        recover(data_dir)
        seals = {SEED: _write(data_dir / f"{SEED}.new", [dumps_json(self.seed)])}
        for f in LIST_FILES:
            seals[f.name] = _write(data_dir / f"{f.name}.new", f.lines(getattr(self, f.field)))
        info = dataclasses.replace(self.info, files=seals)
        _write(data_dir / f"{INFO}.new", [dumps_json(info)])
        failpoints.reach("save:written")
        atomic_write(data_dir / COMMIT, json.dumps(sorted([*seals, INFO])).encode())
        failpoints.reach("save:committed")
        recover(data_dir)
        keep_last_good(data_dir, [*seals, INFO])

    @classmethod
    def load(cls, data_dir: Path) -> Build:
        """The saved build; its records and extractions are left in their files (``Lines``)
        until something reads them."""
        recover(data_dir)
        if not (data_dir / INFO).exists():
            raise FileNotFoundError(f"no build in {data_dir}: run `kb build` or `kb demo` first")
        lists: dict[str, Any] = {
            f.field: f.scan(data_dir / f.name, hold=True)
            if f.lazy
            else read_jsonl(data_dir / f.name, f.kind)
            for f in LIST_FILES
        }
        return cls(
            seed=read_json(data_dir / SEED, SeedDocument),
            info=read_json(data_dir / INFO, BuildInfo),
            **lists,
        )


def _write(path: Path, chunks: Iterable[bytes]) -> FileSeal:
    return FileSeal(*atomic_write_chunks(path, chunks))


def recover(data_dir: Path) -> None:
    """Finish or undo an interrupted ``save``: with ``COMMIT`` present, rename its ``.new``
    files into place (roll forward); without it, drop stray ``.new`` files (roll back)."""
    commit = data_dir / COMMIT
    if commit.exists():
        for name in json.loads(commit.read_text(encoding="utf-8")):
            pending = data_dir / f"{name}.new"
            if pending.exists():
                os.replace(pending, data_dir / name)
        _fsync_dir(data_dir)
        commit.unlink()
    for stray in data_dir.glob("*.new"):
        stray.unlink()


def keep_last_good(data_dir: Path, names: list[str]) -> None:
    """Copy the files just committed to ``last-good/`` (``build.json`` last, so a crash midway
    leaves files that do not match its seals: ``kb repair`` then refuses to use them). Copies,
    not hard links: damage done in place (a truncation, an appended line) would reach a link."""
    for name in names:
        with (data_dir / name).open("rb") as fh:
            atomic_write_chunks(data_dir / LAST_GOOD / name, iter(lambda: fh.read(1 << 20), b""))


def _fsync_dir(path: Path) -> None:
    """Make the renames in ``path`` durable before ``COMMIT`` goes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
