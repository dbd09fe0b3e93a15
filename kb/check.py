"""``kb check``: are the data directory's files and its current store version what Casebook
wrote? The cheap part (seals, sizes, hashes, the transaction file) runs before every command
that reads or writes the KB (``guard``); ``--deep`` also opens the store and counts its quads.
"""

from __future__ import annotations

import argparse
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
    reads. A file with a seal in ``build.json`` is compared with it; one without (a KB from
    before seals) or with ``lines`` is read line by line."""
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
        why = file_problem(path(name), seal, hash_all=True) if seal else None
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


# --------------------------------------------------------------------------- command


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb check`` to the ``kb`` subcommands."""
    p = sub.add_parser("check", help="verify the data files and the store against their seals")
    p.add_argument("--deep", action="store_true", help="also open the store and count its quads")
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when sound; 2 with one line per problem on standard output."""
    from kb.config import settings_from
    from kb.errors import require_data_dir

    data_dir = settings_from(args).data_dir
    found = problems(data_dir, deep=args.deep)
    if not found:
        require_data_dir(data_dir)
    for line in found:
        print(f"{data_dir}/{line}")
    if found:
        log.error("%d problems: `kb repair` mends them", len(found))
        return 2
    print(f"{data_dir}: sound ({'deep' if args.deep else 'cheap'} check)")
    return 0
