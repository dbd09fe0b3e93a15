"""``kb explore``: the explorer under ``streamlit run`` with the project's Streamlit settings,
from any working directory and from an installed wheel.

Streamlit reads ``.streamlit/config.toml`` from the working directory only; run elsewhere it
would show full error details and send usage statistics. So the settings ship inside the
``explorer`` package (``explorer/streamlit.toml``) and are passed as ``--section.option`` flags,
which Streamlit ranks above any config file it finds. The data directory is resolved here, as
every ``kb`` command resolves it (``--data-dir`` over ``KB_DATA_DIR`` over ``casebook.toml``), and
handed on as an absolute path.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import explorer
from kb.config import load_settings
from kb.errors import InputError

log = logging.getLogger(__name__)

PACKAGE = Path(explorer.__file__).resolve().parent
STREAMLIT_CONFIG = PACKAGE / "streamlit.toml"
SCRIPT = PACKAGE / "streamlit_app.py"
DEFAULT_PORT = 8501


def config_flags(path: Path = STREAMLIT_CONFIG) -> list[str]:
    """``explorer/streamlit.toml`` as ``streamlit run`` flags (``--server.headless true`` …)."""
    import tomllib  # here: `kb ask` imports this module

    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    flags = []
    for section, options in config.items():
        for name, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{name}", text]
    return flags


def command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line that serves the explorer on 127.0.0.1:PORT."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(SCRIPT), *config_flags()]
    cmd += ["--server.address", "127.0.0.1", "--server.port", str(args.port), "--"]
    settings = load_settings({"data_dir": args.data_dir}, config_path=args.config)
    cmd += ["--data-dir", str(settings.data_dir.resolve())]
    if args.config is not None:
        cmd += ["--config", str(Path(args.config).resolve())]
    if args.store is not None:
        cmd += ["--store", args.store]
    return cmd


def cmd_explore(args: argparse.Namespace) -> int:
    if args.port is not None and not 0 < args.port < 65536:
        raise InputError(f"--port {args.port}: not a port (1–65535)")
    print(f"http://127.0.0.1:{args.port}", flush=True)
    cmd = command(args)
    os.execv(cmd[0], cmd)  # Streamlit replaces this process: a stop signal reaches it


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb explore`` to the ``kb`` command's subparsers."""
    p = sub.add_parser(
        "explore",
        help="open the explorer (Streamlit) on 127.0.0.1, with the project's settings",
    )
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.add_argument("--store", help="a SPARQL 1.1 server's base URL instead of the embedded store")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1")
    p.set_defaults(func=cmd_explore)
