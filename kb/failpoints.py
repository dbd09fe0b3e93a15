"""Named points where a crash test kills the process, to prove that no point loses anything.

``KB_FAILPOINT=store:renamed kb refresh …`` sends SIGKILL to the process when it reaches that
point (nothing flushed, no cleanup, as a power cut or the OOM killer would). Unset, a point
costs one dictionary lookup. The points, in the order a build or refresh passes them:

    refresh:fetched   upstream answers parsed, nothing written yet
    save:written      the data files written as NAME.new, no COMMIT yet
    save:committed    COMMIT written, files not yet renamed into place
    store:filled      the new store version loaded in its scratch directory
    store:renamed     the version directory in place, CURRENT not yet repointed
"""

from __future__ import annotations

import os
import signal

ENV = "KB_FAILPOINT"
POINTS = ("refresh:fetched", "save:written", "save:committed", "store:filled", "store:renamed")


def reach(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
