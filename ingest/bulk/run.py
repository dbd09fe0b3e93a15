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

from ingest.bulk.cluster import Ran, connect, dashboard, run_tasks
from ingest.bulk.inputs import input_files
from ingest.bulk.merge import INPUTS, apply_shards, inputs_key, merged_build
from ingest.bulk.shards import (
    extractor_version,
    file_sha256,
    graph_lines,
    prune,
    read_shard,
    shard_path,
)
from ingest.bulk.task import FileTask
from kb.datadir import INFO, BuildInfo, now_iso, recover
from kb.jsonl import read_json
from kb.keep import WouldLose, stored_build
from kb.loading import peak_mb
from kb.publish import publish
from kb.store import current_version

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
    unchanged: bool = False  # the KB held exactly these files already: nothing was written
    worker_cpu: float = 0.0  # CPU seconds of the tasks on their workers
    extracted_records: int = 0  # records the tasks extracted (revisions included)

    def summary(self) -> str:
        files = (f"{self.files} files ({self.extracted} extracted, {self.reused} already done, "
                 f"{len(self.failed)} failed)")  # fmt: skip
        if self.unchanged:
            return f"{files}; the KB already holds them ({self.records} records): nothing written"
        return (
            f"{files}; {self.records} records in the KB ({self.revised} revised, {self.deleted} "
            f"deleted by update files); {self.quads} quads; {self.seconds:.1f} s "
            f"({self.publish_seconds:.1f} s writing the store; {self.extracted_records} records "
            f"extracted in {self.worker_cpu:.1f} worker CPU s)"
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
    ran = Ran()
    if todo:
        with connect(options.workers, options.scheduler) as client:
            report.dashboard = dashboard(client)
            announce(f"Dask dashboard: {report.dashboard or 'none'}{_bokeh_note()}")
            ran = run_tasks(client, todo, options.progress)
        prune(data_dir, extractor)  # the scratch of attempts killed midway (Dask retried them)
    failed = ran.failed
    report.worker_cpu, report.extracted_records = ran.cpu, ran.records
    report.extracted = len(todo) - len(failed)
    report.failed = [failed[name] for name in sorted(failed)]
    publishing = time.perf_counter()
    key = inputs_key([(t.source.name, t.shard.name) for t in tasks if t.source.name not in failed])
    if not todo and (info := _published(data_dir, key)) is not None:
        log.info("the KB already holds exactly these files: nothing to do")
        report.records, report.unchanged = info.report.records, True
        report.seconds = time.perf_counter() - started
        return report
    stored = stored_build(data_dir)
    shards = [
        dataclasses.replace(s, meta=dataclasses.replace(s.meta, source=t.source.name))
        for t in tasks
        if t.source.name not in failed and (s := read_shard(t.shard))
    ]
    applied = apply_shards(shards)
    report.revised, report.deleted = applied.revised, applied.deleted
    build, made = merged_build(stored, applied, now_iso(), report.failed, key)
    log.info("merged %d shards in %.1f s (peak RSS so far %d MB)", len(shards),
             time.perf_counter() - publishing, peak_mb())  # fmt: skip

    def lines(graph: URIRef) -> list[bytes] | None:
        place = made.get(str(graph))
        return graph_lines(*place) if place else None

    try:
        report.quads = publish(build, data_dir, made=lines)
    except WouldLose as exc:  # its message speaks of requests: say what happened here
        raise WouldLose(
            f"{len(failed)} input files could not be read ({', '.join(sorted(failed))}) and "
            f"the KB without them would lose records it holds: nothing was changed — replace "
            f"those files (or leave them out) and rerun"
        ) from exc
    report.records = len(build.records)
    report.seconds = time.perf_counter() - started
    report.publish_seconds = time.perf_counter() - publishing
    return report


def _published(data_dir: Path, key: str) -> BuildInfo | None:
    """The saved build's info if the last run applied exactly these shards and the store is
    the version its files make (no ``kb build`` or crash since); only ``build.json`` is read."""
    recover(data_dir)
    if not (data_dir / INFO).exists():
        return None
    info = read_json(data_dir / INFO, BuildInfo)
    current = current_version(data_dir)
    if info.options.get(INPUTS) == key and current and current.name == info.store_version:
        return info
    return None


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
