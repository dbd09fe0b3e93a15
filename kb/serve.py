"""``kb serve``: the current store over the SPARQL 1.1 Protocol: Oxigraph as the engine,
behind a small policy gate (``kb.gate``) that is the only thing listening.

    client ──HTTP──▶ gate 127.0.0.1:PORT ──pipes──▶ oxigraph query (one process per query)

The engine is Oxigraph's own CLI (``oxigraph query --union-default-graph``), started for each
query with the query on its stdin and the answer read from its stdout (``kb.engine``). It
listens on no port and no socket, so nothing but the gate can send it a query — the gate's
checks cannot be walked around, and no one can make it run ``SERVICE``. A crash in the engine
takes down only that query's process. The gate (stdlib ``http.server``, no CORS headers,
127.0.0.1 only, a listen backlog of 128) adds what Oxigraph lacks:

- **No SSRF.** A query is checked before it runs (``kb.query.check_query``: read forms only, no
  update, no ``SERVICE``, size caps, and nesting and operator-chain caps counted on the raw text
  by ``kb.query_shape``), and the gate refuses any query in which the word "service" appears at
  all, even inside a string, an IRI or a comment: a regular expression cannot tell for sure
  which of those Oxigraph will read as the keyword (a ``<`` may be an IRI or "less than";
  ``1SERVICE`` is two tokens), and Oxigraph executes ``SERVICE``. Updates (``/update``, an
  ``update=`` field, ``INSERT`` … in a query) and the Graph Store Protocol (``/store``: writes
  405, reads 403, as a dump would bypass the row cap) are refused.
- **No other web page.** A request whose ``Host`` is not 127.0.0.1 or localhost on the gate's
  port (DNS rebinding), or whose ``Origin`` / ``Sec-Fetch-Site`` names another origin or site
  (a cross-site form POST), is refused with 403.
- **A row cap** (``--limit``): the gate asks the engine for TSV (or N-Triples), reads at most
  limit + 1 rows as they stream, kills the process, and re-encodes the rows in the format the
  client negotiated; a cut answer is still a valid document and carries
  ``X-Casebook-Truncated: true``.
- **A wall-clock time limit** (``--timeout``): an answer that is not whole by the deadline is
  503, never a short 200, and its process is killed. A query whose engine dies under it (a
  crash) is run once more; a second death is 503 as well.
- **Version following**: each query opens the version ``store/CURRENT`` names when it arrives,
  so the gate answers from the previous version during a ``kb build``/``kb refresh`` and from
  the new one after it.

Limits that remain:
- The "service" rule refuses harmless queries too (``FILTER(CONTAINS(?t, "service"))``); spell
  the word around it (``REGEX(?t, "servic[e]")``).
- The nesting and chain caps are pessimistic (``kb.query_shape``): rarely, a query with
  brackets inside IRIs is refused although it would run.
- Each query opens the store (~50 ms on the demo KB) and starts with a cold cache.
- Dataset parameters (``default-graph-uri``, ``named-graph-uri``) are refused: ``oxigraph
  query`` has no such options; FROM / FROM NAMED in the query do the same.
- At most ``kb.gate.MAX_ACTIVE`` queries run at once; more wait for a slot within their time
  limit (then 503). The time limit runs from when the gate receives the query.
- The previous version is kept by ``kb build`` (``KEEP_VERSIONS``), but two builds within one
  query's time limit may delete the files under a query still running on the oldest version
  (it is then run again on the current one).
- Answers are buffered in the gate (at most limit rows and ``kb.gate.MAX_BYTES``; beyond the
  bytes the answer is cut and flagged as well), not streamed to the client.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from kb.store import StoreError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 10.0
DEFAULT_LIMIT = 10_000


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
    """The SPARQL query endpoint on ``port`` of 127.0.0.1 (the gate's, or an engine's)."""
    return f"http://{HOST}:{port}/query"


def wait_ready(url: str, timeout: float = 10.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until the query endpoint ``url`` answers ``ASK {}``; raise ``StoreError`` if it does
    not within ``timeout`` seconds or if ``proc`` exits first (e.g. the port is taken). Plain
    ``http.client``: no proxy from the environment, no process-wide opener."""
    parts = urllib.parse.urlsplit(url)
    probe = parts.path + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StoreError(f"the SPARQL server exited with status {proc.returncode}")
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=1.0)
        try:
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.05)
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
    from kb.gate import Gate

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
