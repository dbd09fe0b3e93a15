"""``kb repair``: mend what ``kb check`` finds. Damaged data files come back from ``last-good/``
(the copy of the last completed save); a damaged store is made again from the data files. What
is replaced is moved to ``damaged/`` first, never deleted; lost data is never silently replaced
by a part of it (``--accept-loss`` keeps the lines that still read instead)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path

from kb.check import data_problems
from kb.check_store import store_problems
from kb.datadir import COMMIT, DATA_FILES, INFO, LAST_GOOD, LIST_FILES, SEED, Build, BuildInfo
from kb.errors import Damaged
from kb.jsonl import from_dict, read_json
from kb.records import SeedDocument
from kb.seal import BESIDE

log = logging.getLogger(__name__)


def repair(data_dir: Path, accept_loss: bool = False) -> list[str]:
    """Mend ``data_dir``; returns what was done, one line each ([] when it was sound)."""
    done: list[str] = []
    damaged = _fresh(data_dir / "damaged" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    found, _ = data_problems(data_dir, lines=True)
    if found:
        done += _repair_files(data_dir, found, damaged, accept_loss)
    build = Build.load(data_dir)
    if store := store_problems(data_dir, build.info.store_version, deep=True):
        from kb.publish import ensure_store
        from kb.store import current_version

        version = current_version(data_dir)
        if version is not None:
            for part in (version, *(version.with_suffix(s) for s in BESIDE)):
                if part.exists():
                    _move(part, damaged)
        (data_dir / "store" / "CURRENT").unlink(missing_ok=True)
        ensure_store(build, data_dir)
        done.append(f"store: {store[0]} — written again from the data files")
    return done


def _repair_files(data_dir: Path, found: list[str], damaged: Path, accept_loss: bool) -> list[str]:
    last = data_dir / LAST_GOOD
    lost, _ = data_problems(last, lines=True) if (last / INFO).exists() else (["missing"], None)
    if lost and not accept_loss:
        raise Damaged(f"{data_dir}: {found[0]}, and last-good/ cannot replace it ({lost[0]}): "
                      "`kb repair --accept-loss` keeps what still reads")  # fmt: skip
    for name in [COMMIT, *DATA_FILES, INFO]:
        if (data_dir / name).exists():
            _move(data_dir / name, damaged)
    for stray in data_dir.glob("*.new"):
        _move(stray, damaged)
    build = Build.load(last) if not lost else _salvage(damaged)
    build.save(data_dir)
    how = "restored from last-good/" if not lost else "rewritten from the lines that read"
    return [f"{line} — {how}; the damaged files are in {damaged}" for line in found]


def _salvage(damaged: Path) -> Build:
    """A build from the records of the damaged files that still read (``--accept-loss``)."""
    try:
        info = read_json(damaged / INFO, BuildInfo)
    except (OSError, ValueError, TypeError, AttributeError, KeyError, UnicodeDecodeError):
        raise Damaged(f"{damaged / INFO}: unreadable and no last-good copy: rebuild with "
                      "`kb build`") from None  # fmt: skip
    parts = {f.field: _lines(damaged / f.name, f.kind) for f in LIST_FILES}
    seed = _lines(damaged / SEED, SeedDocument, whole=True)
    if not seed:
        raise Damaged(f"{damaged}/seed.json: unreadable and no last-good copy: rebuild with "
                      "`kb build`")  # fmt: skip
    return Build(seed=seed[0], info=info, **parts)


def _lines(path: Path, kind: type, whole: bool = False) -> list:
    """The records of ``path`` that read; the others are dropped (and logged)."""
    if not path.exists():
        return []
    chunks = [path.read_bytes()] if whole else path.read_bytes().splitlines()
    kept: list = []
    for chunk in filter(bytes.strip, chunks):
        try:
            kept.append(from_dict(kind, json.loads(chunk)))
        except (ValueError, TypeError, AttributeError, KeyError, UnicodeDecodeError):
            log.warning("%s: a line that does not read is dropped", path.name)
    return kept


def _fresh(path: Path) -> Path:
    """``path``, or ``path-2``, ``-3``… when a repair in the same second left it."""
    n = 1
    while (found := path if n == 1 else path.with_name(f"{path.name}-{n}")).exists():
        n += 1
    return found


def _move(path: Path, damaged: Path) -> None:
    damaged.mkdir(parents=True, exist_ok=True)
    os.replace(path, damaged / path.name) if path.is_file() else shutil.move(path, damaged)
