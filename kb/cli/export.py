"""``kb export``: the KB as RDF, an evidence table or a bibliography (``kb.export``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.export import FORMATS, render


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb export`` to the ``kb`` subcommands."""
    p = sub.add_parser("export", help="write the KB as RDF, an evidence table or a bibliography")
    p.add_argument("--format", required=True, choices=FORMATS, help="output format")
    p.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from kb.check import guard
    from kb.config import settings_from
    from kb.jsonl import atomic_write  # here, not at the top: `kb ask` imports this module

    guard(settings_from(args).data_dir)
    data = render(args.format, settings_from(args).data_dir)
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif args.output.exists() and not args.output.is_file() and not args.output.is_dir():
        with open(args.output, "wb") as out:  # a device or pipe (/dev/null): never renamed over
            out.write(data)
        print(f"{args.format} export written to {args.output} ({len(data):,} bytes)")
    else:
        atomic_write(args.output, data)
        print(f"{args.format} export written to {args.output} ({len(data):,} bytes)")
    return 0
