"""``kb show ID``: one evidence, finding, case or article (``kb.show``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb show`` to the ``kb`` subcommands."""
    p = sub.add_parser(
        "show",
        help="one evidence, finding, case or article: its sentence, provenance and links",
        description="ID as a table prints it (an evidence id, 'PMID 99000001', "
        "'PMID 99000001 · case 1') or the node's IRI.",
    )
    p.add_argument("id", metavar="ID", help="evidence / finding id, PMID, case label or IRI")
    p.add_argument("--wide", action="store_true", help="do not wrap lines to the terminal")
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.add_argument("--store", help="a SPARQL 1.1 server's base URL instead of the embedded store")
    p.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    from kb.check import guard
    from kb.config import settings_from
    from kb.remote import open_any
    from kb.show import show
    from kb.tables import terminal_width

    if not args.store:
        guard(settings_from(args).data_dir)
    store = open_any(args.store, settings_from(args).data_dir)
    print(show(store.query, args.id, 10**9 if args.wide else terminal_width()))
    return 0
