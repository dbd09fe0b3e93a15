"""The work of one Dask task: one input file → its shard in the data directory.

It runs on a worker (any machine that sees the input file and the data directory at the same
paths). Everything it needs travels in a ``FileTask``; what it returns is a small summary, the
records themselves stay in the shard. A task that finds its shard already written (a retry
after its first attempt finished, or a rerun) does nothing more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from ingest.bulk.inputs import parse_file, read_gzip
from ingest.bulk.merge import bulk_seed
from ingest.bulk.shards import Part, ShardMeta, write_shard
from kb import failpoints, iris
from kb.datadir import Build, BuildInfo
from kb.graph import document_triples, index
from kb.graph.nquads import nquad_lines
from kb.records import BuildReport, Extraction, PubmedRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileTask:
    """One input file to turn into a shard, and how."""

    source: Path  # the input file (an absolute path the worker can read)
    sha256: str  # of its bytes (computed once, by the client)
    extractor: str  # the extractor version the shard is named by
    shard: Path  # where its shard goes
    publication_types: tuple[str, ...] = ()  # keep only these (none: all)
    nlp_config: Path | None = None


PART = 500  # records extracted and written at a time: a task's memory does not grow with its file


@dataclass(frozen=True)
class FileDone:
    """What a task reports back: counts only."""

    source: str
    records: int
    deleted: int
    skipped: tuple[str, ...]
    written: bool  # False: the shard was there already
    cpu: float = 0.0  # CPU seconds the task took on its worker (parse, extract, graphs, write)


def run_file(task: FileTask) -> FileDone:
    """Parse, extract, make the document graphs, write the shard (atomically)."""
    from ingest.nlp.run import extract_articles  # spaCy loads on the worker, once per process

    started = time.process_time()
    name = task.source.name
    if (task.shard / "meta.json").exists():
        return FileDone(name, 0, 0, (), written=False)
    content = parse_file(name, read_gzip(task.source), task.publication_types)

    def parts() -> Iterator[Part]:
        for start in range(0, len(content.records), PART):
            records = content.records[start : start + PART]
            extractions = extract_articles(records, [], nlp_config=task.nlp_config)
            failpoints.reach("bulk:extracted")
            yield records, extractions, document_graphs(records, extractions)

    meta = ShardMeta(
        name, task.sha256, task.extractor, content.deleted, content.dropped, content.skipped
    )
    written = write_shard(task.shard, meta, parts())
    log.info("%s: %d records, %d deleted", name, len(content.records), len(content.deleted))
    return FileDone(
        name, len(content.records), len(content.deleted), tuple(content.skipped), written,
        cpu=time.process_time() - started,
    )  # fmt: skip


def document_graphs(
    records: list[PubmedRecord], extractions: list[Extraction]
) -> Iterator[tuple[str, list[bytes]]]:
    """(document id, canonical N-Quads lines) of each record's graphs — its metadata and text
    extraction, its MeSH extraction — made as ``kb.publish`` makes them (``kb.graph``), one
    at a time as the shard is written."""
    info = BuildInfo(BuildReport(), "")
    src = index(Build(bulk_seed(), [], records, [], [], info, extractions))
    documents = sorted({f"pmid:{r.pmid}" for r in records} | {e.document for e in extractions})
    for d in documents:
        yield d, nquad_lines(URIRef(iris.graph(d)), document_triples(src, d))
