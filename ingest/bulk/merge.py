"""Shards → one KB: files applied in order, then merged with what a seed build holds.

Applying: the shards are taken in file-name order (the baseline's numbers, then the update
files'); a record replaces any earlier version of its PMID, a ``DeleteCitation`` (or a revision
no longer of a type asked for) removes it with its extractions and graphs.

Merging, by PMID: a data directory that ``kb build`` made keeps everything the build owns — its
seed, its references' records and those of citing articles and topics (which ``kb refresh``
keeps current from E-utilities) — and gains the bulk records of every other PMID. What an
earlier ``kb bulk`` added is replaced by this run's: the KB is a function of its inputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ingest.build import BuildOptions, options_record
from ingest.bulk.shards import Shard
from kb import __version__, iris
from kb.datadir import Build, BuildInfo
from kb.keep import owned_pmids, record_pmid
from kb.lines import Entry, Lines
from kb.records import BuildReport, Extraction, PubmedRecord, SeedDocument, SeedMetadata

T = TypeVar("T")

BULK_SEED = "kb bulk (PubMed baseline and update files)"
INPUTS = "bulk_inputs"  # build.json option: the shards the last kb bulk applied (inputs_key)


def bulk_seed() -> SeedDocument:
    """The seed of a KB made by ``kb bulk`` alone: no article, no references; it names where
    the KB came from (the graph has a seed node in every KB)."""
    sha = hashlib.sha256(BULK_SEED.encode()).hexdigest()
    return SeedDocument(BULK_SEED, sha, SeedMetadata(), [], [], [])


@dataclass
class Applied:
    """Where the records left after every file are, their extractions', and their graphs'
    (only places: the records stay in their shards' lines until the KB is saved)."""

    records: dict[str, Entry] = field(default_factory=dict)
    extractions: dict[str, list[Entry]] = field(default_factory=dict)  # PMID → its own
    graphs: dict[str, dict[str, tuple[Path, tuple[int, int]]]] = field(default_factory=dict)
    revised: int = 0  # records replaced by a later file's version
    deleted: int = 0  # records a later file removed


def inputs_key(shards: list[tuple[str, str]]) -> str:
    """One hash over (file name, shard name) pairs: the same files, done by the same
    extractor, give the same key."""
    text = "".join(f"{name}\t{shard}\n" for name, shard in sorted(shards))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def apply_shards(shards: list[Shard]) -> Applied:
    """The shards' records in order: later versions replace, deletions remove."""
    out = Applied()
    for shard in sorted(shards, key=lambda s: s.meta.source):
        extractions: dict[str, list[Entry]] = {}
        for e in shard.extractions.entries:
            extractions.setdefault(record_pmid(e.key) or "", []).append(e)
        graphs: dict[str, dict[str, tuple[Path, tuple[int, int]]]] = {}
        for document, place in shard.meta.graphs.items():
            graphs.setdefault(record_pmid(document) or "", {})[document] = (shard.path, place)
        for record in shard.records.entries:
            if record.key in out.records:
                out.revised += 1
            out.records[record.key] = record
            out.extractions[record.key] = extractions.get(record.key, [])
            out.graphs[record.key] = graphs.get(record.key, {})
        for pmid in [*shard.meta.deleted, *shard.meta.dropped]:
            if out.records.pop(pmid, None) is not None:
                out.deleted += pmid in shard.meta.deleted
            out.extractions.pop(pmid, None)
            out.graphs.pop(pmid, None)
    return out


def merged_build(
    stored: Build | None, applied: Applied, finished_at: str, failures: list[str], inputs: str
) -> tuple[Build, dict[str, tuple[Path, tuple[int, int]]]]:
    """The KB to publish, and each bulk document graph's place in its shard (by graph IRI);
    ``inputs`` (the shards applied, ``inputs_key``) is kept in ``build.json``'s options, so a
    rerun over the same files can see that there is nothing to do."""
    owned = owned_pmids(stored) if stored else set()
    records: list[Entry] = _stored(stored.records, lambda p: p in owned) if stored else []
    extractions: list[Entry] = (
        _stored(stored.extractions, lambda d: (p := record_pmid(d)) is None or p in owned)
        if stored
        else []
    )
    made: dict[str, tuple[Path, tuple[int, int]]] = {}
    for pmid, record in applied.records.items():
        if pmid in owned:
            continue
        records.append(record)
        extractions += applied.extractions[pmid]
        made |= {str(iris.graph(d)): place for d, place in applied.graphs[pmid].items()}
    texts = Lines(Extraction, extractions)
    cases, findings = counts(texts)
    report = BuildReport(
        references=len(stored.seed.references) if stored else 0,
        resolved=stored.info.report.resolved if stored else {},
        unresolved=stored.info.report.unresolved if stored else {},
        records=len(records),
        cases=cases,
        findings=findings,
        failures=failures,
    )
    if stored is None:
        info = BuildInfo(
            report, finished_at, seed=BULK_SEED,
            options=options_record(BuildOptions(full_text=False)) | {INPUTS: inputs},
        )  # fmt: skip
        return Build(bulk_seed(), [], Lines(PubmedRecord, records), [], [], info, texts), made
    info = dataclasses.replace(
        stored.info, report=report, finished_at=finished_at, version=__version__,
        store_version="", files={}, options=stored.info.options | {INPUTS: inputs},
    )  # fmt: skip
    build = dataclasses.replace(
        stored, records=Lines(PubmedRecord, records), extractions=texts, info=info
    )
    return build, made


def _stored(items: Sequence[T], keep: Callable[[str], bool]) -> list[Entry]:
    """The entries of a loaded build's records or extractions whose key ``keep`` accepts."""
    if not isinstance(items, Lines):
        raise TypeError("a stored build's records are read from its files (Build.load)")
    return items.where(keep).entries


def counts(extractions: Lines[Extraction]) -> tuple[int, int]:
    """Cases and findings over the extractions, read one at a time."""
    cases = findings = 0
    for e in extractions:
        cases, findings = cases + len(e.cases), findings + len(e.findings)
    return cases, findings
