"""A data directory that cannot be written (read-only, not ours) or a full disk: one line and
the sysexits.h code cron and scripts know, instead of a traceback. Every write is a transaction
(``kb.datadir``, ``kb.store``), so what was there before stays."""

from __future__ import annotations

import errno
import os

EX_CANTCREAT = 73  # sysexits.h: cannot create a (user) output file
EX_IOERR = 74  # sysexits.h: an error while doing I/O on some file

_CODES = {
    errno.EROFS: (EX_CANTCREAT, "read-only file system"),
    errno.EACCES: (EX_CANTCREAT, "permission denied"),
    errno.EPERM: (EX_CANTCREAT, "operation not permitted"),
    errno.ENOSPC: (EX_IOERR, "no space left on device"),
    errno.EDQUOT: (EX_IOERR, "disk quota exceeded"),
}


def disk_failure(exc: OSError, data_dir: object) -> tuple[int, str] | None:
    """(exit code, one line) when ``exc`` is a write into ``data_dir`` the disk refused."""
    found = _CODES.get(exc.errno or 0)
    if found is None:
        return None
    name = os.fsdecode(exc.filename or "")
    inside = os.path.abspath(name).startswith(os.path.abspath(str(data_dir)))
    if exc.errno in (errno.EACCES, errno.EPERM) and not (name and inside):
        return None  # a file the user named (a query file…): an input error
    code, what = found
    return (
        code,
        f"cannot write {name or data_dir}: {what}; nothing was changed (the previous files stand)",
    )
