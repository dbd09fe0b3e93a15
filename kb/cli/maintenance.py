"""``kb check`` and ``kb repair``: is the data directory sound, and mend what is not."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("kb.check")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb check`` and ``kb repair`` to the ``kb`` subcommands."""
    _register_check(sub)
    _register_repair(sub)


def _register_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="verify the data files and the store against their seals")
    p.add_argument("--deep", action="store_true", help="also open the store and count its quads")
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when sound; 2 with one line per problem on standard output."""
    from kb.check import problems
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


def _register_repair(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("repair", help="mend what `kb check` finds (store from data files, "
                       "data files from last-good/)")  # fmt: skip
    p.add_argument("--accept-loss", action="store_true",
                   help="with no good copy, keep the lines that still read")  # fmt: skip
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.set_defaults(func=cmd_repair)


def cmd_repair(args: argparse.Namespace) -> int:
    from kb.check import problems
    from kb.config import settings_from
    from kb.lock import exclusive
    from kb.repair import repair

    data_dir = settings_from(args).data_dir
    with exclusive(data_dir, create=False):
        done = repair(data_dir, args.accept_loss)
    for line in done:
        print(line)
    left = problems(data_dir, deep=True)
    print(f"{data_dir}: sound" if not left else f"{data_dir}: still damaged: {left[0]}")
    return 2 if left else 0
