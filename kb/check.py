"""``kb check``: are the data directory's files and its current store version what Casebook
wrote? The cheap part (seals, sizes, the hashes of small files, the transaction file) runs
before every command that reads or writes the KB (``guard``); ``kb check`` also hashes and reads
every data file, and ``--deep`` hashes the store's files, opens it and counts its quads.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from kb.check_store import store_problems
from kb.datadir import COMMIT, DATA_FILES, INFO, BuildInfo
from kb.errors import Damaged
from kb.jsonl import read_json
from kb.seal import file_problem

log = logging.getLogger(__name__)


def data_problems(data_dir: Path, lines: bool = False) -> tuple[list[str], BuildInfo | None]:
    """What is wrong with the data files (``NAME: what`` each) and the build record when it
    reads. A file with a seal in ``build.json`` is compared with it: its size, and its hash when
    it is small or with ``lines`` (``kb check``; the cheap check before every command would
    otherwise hash ~0.6 GB of records and extractions at 100,000 articles, ~0.8 s). A file
    without a seal (a KB from before seals), or any with ``lines``, is read line by line."""
    problems: list[str] = []
    pending = _pending(data_dir, problems)

    def path(name: str) -> Path:
        return data_dir / (f"{name}.new" if name in pending else name)

    info = None
    try:
        info = read_json(path(INFO), BuildInfo)
    except FileNotFoundError:
        if any(path(name).exists() for name in DATA_FILES):
            problems.append(f"{INFO}: missing")
        else:
            return problems, None  # no knowledge base here at all
    except (ValueError, TypeError, AttributeError, KeyError, UnicodeDecodeError) as exc:
        problems.append(f"{INFO}: not a build record ({_short(exc)})")
    for name in DATA_FILES:
        seal = info.files.get(name) if info else None
        why = file_problem(path(name), seal, hash_all=lines) if seal else None
        if seal is None and not path(name).exists():
            why = "missing"
        if why is None and (lines or seal is None):
            why = _unreadable(path(name))
        if why:
            problems.append(f"{name}: {why}")
    return problems, info


def _pending(data_dir: Path, problems: list[str]) -> set[str]:
    """The files an interrupted save left as ``NAME.new`` for ``COMMIT`` to roll forward."""
    commit = data_dir / COMMIT
    if not commit.exists():
        return set()
    try:
        names = json.loads(commit.read_bytes())
        if not isinstance(names, list) or not set(names) <= {*DATA_FILES, INFO}:
            raise ValueError("not a list of data files")
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"{COMMIT}: not a list of data files ({_short(exc)})")
        return set()
    return {name for name in names if (data_dir / f"{name}.new").exists()}


def _unreadable(path: Path) -> str | None:
    """The first line of a JSON Lines file (or the whole of a JSON one) that does not parse."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    chunks = [data] if path.suffix == ".json" else data.splitlines()
    for number, chunk in enumerate(chunks, start=1):
        try:
            if chunk.strip():
                json.loads(chunk)
        except (ValueError, UnicodeDecodeError) as exc:
            where = f"line {number}: " if path.suffix == ".jsonl" else ""
            return f"{where}not JSON ({_short(exc)})"
    return None


def problems(data_dir: Path, deep: bool = False, lines: bool = True) -> list[str]:
    """Every problem of the data directory, data files first."""
    found, info = data_problems(data_dir, lines=lines)
    expected = info.store_version if info else ""
    return found + store_problems(data_dir, expected, deep=deep)


def guard(data_dir: Path, store: bool = True) -> None:
    """``Damaged`` (one line: the first problem) if the cheap check finds any. ``store=False``
    for a build, which writes the store again from what it fetched anyway."""
    found = problems(data_dir, lines=False) if store else data_problems(data_dir)[0]
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise Damaged(f"{data_dir} damaged: {found[0]}{more} — run `kb check` / `kb repair`")


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__
