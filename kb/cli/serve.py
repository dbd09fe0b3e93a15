"""``kb serve``: the gate (``kb.serve``) on 127.0.0.1 until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 10.0
DEFAULT_LIMIT = 10_000


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb serve`` to the ``kb`` command's subparsers."""
    p = sub.add_parser(
        "serve",
        help="serve the knowledge graph read-only over SPARQL on 127.0.0.1",
        description="A read-only SPARQL 1.1 endpoint on http://127.0.0.1:PORT/query: Oxigraph's "
        "server behind a gate that refuses updates and SERVICE, caps rows and time, and "
        "follows new store versions without a restart.",
    )
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1")
    p.add_argument(
        "--timeout",
        dest="query_timeout",  # not Settings.timeout (seconds per E-utilities request)
        type=_positive(float),
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="wall-clock seconds per query; an overrun is answered 503 and its engine killed "
        f"(default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--limit",
        type=_positive(int),
        default=DEFAULT_LIMIT,
        metavar="ROWS",
        help="most solutions (or triples) per answer; a cut answer has the header "
        f"X-Casebook-Truncated: true (default {DEFAULT_LIMIT})",
    )
    p.set_defaults(func=cmd_serve)


def _positive(kind: type) -> object:
    def parse(text: str) -> int | float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its error message
    return parse


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the gate and its engine until interrupted (Ctrl-C or SIGTERM)."""
    from kb.check import guard
    from kb.config import settings_from
    from kb.serve.gate import Gate

    data_dir = settings_from(args).data_dir
    guard(data_dir)
    gate = Gate(data_dir, port=args.port, timeout=args.query_timeout, limit=args.limit)
    previous = _on_sigterm_interrupt()
    try:
        gate.start()
        print(f"SPARQL endpoint: {gate.url}  (read-only; Ctrl-C to stop)", flush=True)
        gate.serve_forever()
        return 0
    except KeyboardInterrupt:
        log.info("stopping the SPARQL server")
        return 0
    finally:
        gate.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm_interrupt() -> signal._HANDLER:
    """Turn SIGTERM into KeyboardInterrupt, so ``kill`` also stops the engines (Python's default
    for SIGTERM exits without running ``finally``); returns the previous handler."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        return None
