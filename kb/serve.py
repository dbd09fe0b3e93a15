"""``kb serve``: the current store over the SPARQL 1.1 Protocol, by Oxigraph's own server.

A real server rather than a Python endpoint, because Oxigraph's server can stop a runaway query
(``--timeout-s``) and a crash in the query engine takes down only that process. It runs
``serve-read-only`` on 127.0.0.1 only, with CORS off (no ``--cors``: a web page from elsewhere
cannot read the answers) and the union of the named graphs as the default graph, as the
embedded store queries it. Updates (``/update``, ``INSERT`` sent to ``/query``, writes to
``/store``) are refused by the read-only server.

Limits:
- The server opens the store version that is current when it starts; a version written later
  (``kb build``, ``kb demo``) is not seen until the server is restarted.
- Oxigraph's server has no row cap: the row limit of ``kb sparql``/``kb ask`` applies to
  Casebook's own query paths, not to ``/query``. Only the time limit applies here.
- Oxigraph's server executes ``SERVICE`` clauses (outbound HTTP requests) and has no option to
  turn them off; keep the port on 127.0.0.1 and do not expose it.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from kb.store import StoreError, current_version

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 10


def find_oxigraph() -> str:
    """The ``oxigraph`` executable: the one installed beside this Python first (the project's
    virtual environment), then any on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise StoreError(
        "the `oxigraph` server command was not found beside Python or on PATH: "
        "install the `oxigraph` package (pip install oxigraph) in this environment"
    )


def endpoint(port: int) -> str:
    """The SPARQL query endpoint of a server started by ``start_server``."""
    return f"http://{HOST}:{port}/query"


def start_server(
    data_dir: Path, port: int = DEFAULT_PORT, timeout: float = DEFAULT_TIMEOUT
) -> subprocess.Popen:
    """Start ``oxigraph serve-read-only`` on the current store version; the caller stops it."""
    version = current_version(Path(data_dir))
    if version is None:
        raise StoreError(f"no knowledge graph in {data_dir}: run `kb build` or `kb demo` first")
    seconds = max(1, round(timeout))  # Oxigraph takes whole seconds
    command = [
        find_oxigraph(),
        "serve-read-only",
        "--location",
        str(version),
        "--bind",
        f"{HOST}:{port}",
        "--union-default-graph",
        "--timeout-s",
        str(seconds),
    ]
    log.debug("starting %s", " ".join(command))
    return subprocess.Popen(command, stdin=subprocess.DEVNULL)


def wait_ready(url: str, timeout: float = 10.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until the query endpoint ``url`` answers ``ASK {}``; raise ``StoreError`` if it does
    not within ``timeout`` seconds or if ``proc`` exits first (e.g. the port is taken)."""
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StoreError(f"the SPARQL server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(probe, timeout=1.0) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise StoreError(f"the SPARQL server at {url} did not answer within {timeout:g} s")


def stop_server(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Terminate, then kill if it does not stop within ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(grace)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``kb serve`` to the ``kb`` command's subparsers."""
    p = sub.add_parser("serve", help="serve the knowledge graph read-only over SPARQL on 127.0.0.1")
    p.add_argument("--data-dir", type=Path, help="knowledge-base directory (KB_DATA_DIR)")
    p.add_argument("--config", type=Path, help="TOML config file (default ./casebook.toml)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1")
    p.add_argument(
        "--timeout",
        dest="query_timeout",  # not Settings.timeout (seconds per E-utilities request)
        type=int,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="seconds before a query is stopped (rows are not capped by the server)",
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted (Ctrl-C or SIGTERM) or until it exits on its own."""
    from kb.cli import settings_from

    data_dir = settings_from(args).data_dir
    proc = start_server(data_dir, args.port, args.query_timeout)
    previous = _on_sigterm_interrupt()
    try:
        url = endpoint(args.port)
        wait_ready(url, proc=proc)
        print(f"SPARQL endpoint: {url}  (read-only; Ctrl-C to stop)", flush=True)
        log.info("serving %s; a newer build is seen after a restart", current_version(data_dir))
        while proc.poll() is None:  # wait in slices so a signal is handled promptly
            try:
                proc.wait(1.0)
            except subprocess.TimeoutExpired:
                continue
        raise StoreError(f"the SPARQL server exited with status {proc.returncode}")
    except KeyboardInterrupt:
        log.info("stopping the SPARQL server")
        return 0
    finally:
        stop_server(proc)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm_interrupt() -> object:
    """Turn SIGTERM into KeyboardInterrupt, so ``kill`` also stops the child server (Python's
    default for SIGTERM exits without running ``finally``); returns the previous handler."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        return None
