"""Named points where a crash test kills the process, to prove that no point loses anything.

``KB_FAILPOINT=store:renamed kb refresh …`` sends SIGKILL to the process when it reaches that
point (nothing flushed, no cleanup, as a power cut or the OOM killer would). Unset, a point
costs one dictionary lookup. The points, in the order a build or refresh passes them:

    refresh:fetched   upstream answers parsed, nothing written yet
    save:written      the data files written as NAME.new, no COMMIT yet
    save:committed    COMMIT written, files not yet renamed into place
    store:filled      the new store version loaded in its scratch directory
    store:renamed     the version directory in place, CURRENT not yet repointed
    bulk:extracted    a ``kb bulk`` task extracted part of its file, its shard not yet written

With ``KB_FAILPOINT_ONCE=PATH`` only the first process to reach the point dies (it creates
PATH): a Dask worker killed there has its task retried elsewhere, and the retry must get past.
"""

from __future__ import annotations

import os
import signal

ENV = "KB_FAILPOINT"
ONCE = "KB_FAILPOINT_ONCE"
POINTS = ("refresh:fetched", "save:written", "save:committed", "store:filled", "store:renamed")
BULK_POINTS = ("bulk:extracted",)  # only ``kb bulk`` passes them (on its workers)


def reach(name: str) -> None:
    if os.environ.get(ENV) == name and _first(os.environ.get(ONCE)):
        os.kill(os.getpid(), signal.SIGKILL)


def _first(marker: str | None) -> bool:
    """True without a marker file, else only for the caller that creates it."""
    if not marker:
        return True
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True
