"""``kb bulk``: PubMed baseline/update files → shards on a Dask cluster → the store.

1. Each input file is hashed; its shard's name is that hash and the extractor's version, so a
   file already done (by this extractor, with this filter) schedules nothing.
2. The files still to do become one Dask task each (``ingest.bulk.task``): parse, extract,
   make the document graphs, write the shard. A file that fails (cut short, not PubMed) is
   reported by name; the others complete.
3. The shards are applied in file-name order and merged with what the data directory's seed
   build owns (``ingest.bulk.merge``); the result is published the way ``kb build`` publishes
   (``kb.publish.publish``: the data files saved as one transaction, a new store version
   bulk-loaded and switched in atomically), with the workers' document graphs used as made.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from ingest.bulk.cluster import connect, dashboard, run_tasks
from ingest.bulk.inputs import input_files
from ingest.bulk.merge import apply_shards, merged_build
from ingest.bulk.shards import (
    extractor_version,
    file_sha256,
    graph_lines,
    prune,
    read_shard,
    shard_path,
)
from ingest.bulk.task import FileTask
from kb.datadir import now_iso
from kb.keep import stored_build
from kb.publish import publish

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BulkOptions:
    workers: int = 2  # local worker processes (without ``scheduler``)
    scheduler: str | None = None  # "tcp://host:8786": run on that cluster instead
    publication_types: tuple[str, ...] = ()  # keep only records of these types (none: all)
    nlp_config: Path | None = None
    progress: bool = True


@dataclass
class BulkReport:
    files: int = 0
    extracted: int = 0  # files a task ran for this time
    reused: int = 0  # files whose shard was already there
    failed: list[str] = field(default_factory=list)  # one line per file that failed
    records: int = 0  # in the KB after the run
    revised: int = 0
    deleted: int = 0
    quads: int = 0
    dashboard: str | None = None
    seconds: float = 0.0
    publish_seconds: float = 0.0  # of ``seconds``: merging, saving and loading the store

    def summary(self) -> str:
        return (
            f"{self.files} files ({self.extracted} extracted, {self.reused} already done, "
            f"{len(self.failed)} failed); {self.records} records in the KB ({self.revised} "
            f"revised, {self.deleted} deleted by update files); {self.quads} quads; "
            f"{self.seconds:.1f} s ({self.publish_seconds:.1f} s writing the store)"
        )


def run_bulk(
    paths: list[Path],
    data_dir: Path,
    options: BulkOptions,
    announce: Callable[[str], None] = lambda line: None,
) -> BulkReport:
    """Bring the KB in ``data_dir`` to what ``paths`` hold; ``announce`` hears the dashboard."""
    started = time.perf_counter()
    files = input_files(paths)
    report = BulkReport(files=len(files))
    extractor = extractor_version(options.nlp_config, options.publication_types)
    if gone := prune(data_dir, extractor):
        log.info("removed %d shards of another extractor version or unfinished", gone)
    tasks = [_task(p, data_dir, extractor, options) for p in files]
    todo = list({t.shard: t for t in tasks if not (t.shard / "meta.json").exists()}.values())
    report.reused = len(tasks) - len(todo)
    failed: dict[str, str] = {}
    if todo:
        with connect(options.workers, options.scheduler) as client:
            report.dashboard = dashboard(client)
            announce(f"Dask dashboard: {report.dashboard or 'none'}{_bokeh_note()}")
            failed = run_tasks(client, todo, options.progress)
    report.extracted = len(todo) - len(failed)
    report.failed = [failed[name] for name in sorted(failed)]
    publishing = time.perf_counter()
    shards = [
        dataclasses.replace(s, meta=dataclasses.replace(s.meta, source=t.source.name))
        for t in tasks
        if t.source.name not in failed and (s := read_shard(t.shard))
    ]
    applied = apply_shards(shards)
    report.revised, report.deleted = applied.revised, applied.deleted
    build, made = merged_build(stored_build(data_dir), applied, now_iso(), report.failed)

    def lines(graph: URIRef) -> list[bytes] | None:
        place = made.get(str(graph))
        return graph_lines(*place) if place else None

    report.quads = publish(build, data_dir, made=lines)
    report.records = len(build.records)
    report.seconds = time.perf_counter() - started
    report.publish_seconds = time.perf_counter() - publishing
    return report


def _task(path: Path, data_dir: Path, extractor: str, options: BulkOptions) -> FileTask:
    sha = file_sha256(path)
    return FileTask(
        path, sha, extractor, shard_path(data_dir, sha, extractor).resolve(),
        options.publication_types, options.nlp_config,
    )  # fmt: skip


def _bokeh_note() -> str:
    """The dashboard's pages need Bokeh, which Casebook does not depend on."""
    if importlib.util.find_spec("bokeh") is not None:
        return ""
    return " (its pages need bokeh: pip install 'bokeh>=3.1')"
