"""``kb bulk``: PubMed baseline and update files into the knowledge base, on a Dask cluster."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kb.cli.options import STORE_HELP
from kb.config import settings_from
from kb.errors import InputError
from kb.lock import exclusive


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bulk",
        help="load PubMed baseline/update files (*.xml.gz) into the KB, extracted on Dask",
    )
    p.add_argument(
        "paths", nargs="+", type=Path, metavar="FILE_OR_DIR",
        help="PubMed .xml.gz files, or directories of them (applied in file-name order)",
    )  # fmt: skip
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
        help="worker processes of the local Dask cluster (default: 2, or the cores if fewer)",
    )  # fmt: skip
    where.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run on an existing Dask scheduler instead (tcp://HOST:8786)",
    )  # fmt: skip
    p.add_argument(
        "--publication-type", action="append", default=[], metavar="TYPE",
        help='keep only records of this type, e.g. "Case Reports" (repeatable; none: all)',
    )  # fmt: skip
    p.add_argument("--store", metavar="URL", help=STORE_HELP)
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.add_argument("--nlp-config", type=Path, help="spaCy config for extraction (KB_NLP_CONFIG)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_bulk, progress_bars=True)


def cmd_bulk(args: argparse.Namespace) -> int:
    """Exit 1 when a file could not be read (each named on its own line; the rest are in)."""
    from ingest.bulk.run import BulkOptions, run_bulk
    from kb.remote import push, reachable

    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    settings = settings_from(args)
    options = BulkOptions(
        workers=args.workers,
        scheduler=args.scheduler,
        publication_types=tuple(args.publication_type),
        nlp_config=settings.nlp_config,
        progress=not (args.no_progress or args.quiet),
    )
    remote = reachable(args.store) if args.store else None  # fails now, not after the run
    from kb.check import guard  # here, not at the top: `kb ask` imports this module too

    with exclusive(settings.data_dir):
        guard(settings.data_dir, store=False)  # the store is written again anyway
        report = run_bulk(
            args.paths, settings.data_dir, options, lambda line: print(line, file=sys.stderr)
        )
        if remote:
            push(settings.data_dir, remote)
    print(report.summary())
    print(f"written to {settings.data_dir}/")
    if remote:
        print(f"written to {remote.url} too (its dataset replaced by this KB's)")
    for line in report.failed:
        print(f"kb bulk: {line}", file=sys.stderr)
    return 1 if report.failed else 0
