"""Server processes: an endpoint URL, waiting until a server answers and stopping one (used
by ``kb serve``, ``kb explore`` and the tests)."""

from __future__ import annotations

import http.client
import subprocess
import time
import urllib.parse

from kb.store import StoreError

HOST = "127.0.0.1"


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
