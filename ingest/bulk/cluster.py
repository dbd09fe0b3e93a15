"""The Dask side of ``kb bulk``: a cluster to run on, and one task per input file on it.

By default a ``LocalCluster`` of worker processes on this machine (one thread each: spaCy holds
the GIL, so threads would not run extraction in parallel); with a scheduler address, the
workers someone started elsewhere (``dask scheduler`` / ``dask worker``, dask-jobqueue on a
batch system). Dask reruns a task whose worker died on another worker; the task itself is
safe to run twice (``ingest.bulk.shards``).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from tqdm import tqdm

from ingest.bulk.task import FileDone, FileTask, run_file
from kb.errors import message

log = logging.getLogger(__name__)


@contextlib.contextmanager
def connect(workers: int, scheduler: str | None) -> Iterator[object]:
    """A ``distributed.Client`` on the scheduler at ``scheduler``, or on a new local cluster of
    ``workers`` processes (closed afterwards)."""
    from distributed import Client, LocalCluster

    level = logging.getLogger().getEffectiveLevel()
    quiet = max(logging.WARNING, level)
    logging.getLogger("distributed").setLevel(quiet)  # its INFO lines would bury the bar
    # (the workers' own logs too, unless -v: a task's failure is reported by the command)
    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # this machine only, any free port
            silence_logs=logging.WARNING if level <= logging.INFO else logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def dashboard(client) -> str | None:
    """The scheduler's dashboard address, or None when it serves none (``--no-dashboard``)."""
    services = client.scheduler_info().get("services", {})
    return client.dashboard_link if "dashboard" in services else None


@dataclass
class Ran:
    """What the tasks did: the files that failed (by name, one line each that starts with
    the name), and the CPU seconds the others took on their workers."""

    failed: dict[str, str] = field(default_factory=dict)
    cpu: float = 0.0
    records: int = 0


def run_tasks(client, tasks: list[FileTask], progress: bool = True) -> Ran:
    """Run every task; a file that fails does not stop the others."""
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]
    futures = {
        client.submit(run_file, t, key=f"kb-bulk-{t.source.name}-{run}", pure=False): t
        for t in tasks
    }
    ran = Ran()
    failed = ran.failed
    with tqdm(total=len(tasks), desc="files", unit="file", disable=not progress) as bar:
        for future in as_completed(futures):
            task = futures[future]
            if future.status == "error":
                failed[task.source.name] = line = _why(task.source.name, future.exception())
                log.info("%s", line)  # the command prints it, once
            else:
                done: FileDone = future.result()
                ran.cpu += done.cpu
                ran.records += done.records
                if done.skipped:  # the worker logged why, in its own log
                    log.warning("%s: %d records could not be read and were skipped (PMIDs %s)",
                                done.source, len(done.skipped), ", ".join(done.skipped[:20]))  # fmt: skip
            bar.update(1)
    return ran


def _why(name: str, exc: BaseException | None) -> str:
    """One line that starts with the file's name."""
    text = message(exc) if exc is not None else "failed"
    if type(exc).__name__ == "KilledWorker":
        text = f"every worker that ran it died ({text})"
    return text if text.startswith(name) else f"{name}: {text}"
