"""The ``kb`` command: a thin layer that reads settings, calls one stage, and reports what it did."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

from kb.cli import answers, bulk, explore, export, maintenance, pipeline, serve, show
from kb.config import ConfigError
from kb.disk import disk_failure
from kb.errors import Damaged, InputError, UpstreamFailed, message
from kb.lock import Busy
from kb.questions import QuestionError
from kb.store import StoreError

log = logging.getLogger("kb")

EX_TEMPFAIL = 75  # sysexits.h: another run holds the data directory; cron may retry later


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a terminal without the seed's script: \u escapes
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=_log_level(args.verbose, args.quiet),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        with _log_above_progress_bars(getattr(args, "progress_bars", False)):
            return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (
        ConfigError,
        Damaged,
        UnicodeError,
        InputError,
        StoreError,
        QuestionError,
    ) as exc:
        print(f"kb: error: {message(exc)}", file=sys.stderr)
        return 2
    except UpstreamFailed as exc:  # upstream failed: nothing was changed
        print(f"kb: error: {message(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:  # a read-only or full disk: 73 / 74 (kb.disk); else a bad input
        code, line = disk_failure(exc, getattr(args, "data_dir", None) or "kbdata") or (
            2,
            message(exc),
        )
        print(f"kb: error: {line}", file=sys.stderr)
        return code
    except Busy as exc:  # cron's "try again later"
        print(f"kb: busy: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    except KeyboardInterrupt:
        print("kb: interrupted; nothing half-written was kept (rerun to finish)", file=sys.stderr)
        return 130


def _log_above_progress_bars(bars: bool) -> contextlib.AbstractContextManager:
    """Log lines printed above the progress bars rather than through them; only commands that
    draw bars load tqdm (it costs ~50 ms of every command's start)."""
    if not bars:
        return contextlib.nullcontext()
    from tqdm.contrib.logging import logging_redirect_tqdm

    return logging_redirect_tqdm()


def _log_level(verbose: int, quiet: bool) -> int:
    """Quiet by default (warnings); -v says what each stage does, -vv debugs, -q errors only."""
    if verbose:
        return logging.DEBUG if verbose > 1 else logging.INFO
    return logging.ERROR if quiet else logging.WARNING


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description=__doc__)
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="say what each stage does (-vv: debug)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only, no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    pipeline.register(sub)
    bulk.register(sub)
    answers.register(sub)
    maintenance.register(sub)
    export.register(sub)
    serve.register(sub)
    explore.register(sub)
    show.register(sub)
    return parser
