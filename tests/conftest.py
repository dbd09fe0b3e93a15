"""Shared fixtures: paths to ../shared, isolated settings, a fake E-utilities server, a real
Oxigraph server."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_PATH = SHARED / "seeds" / "000_6a94112d330c933e.txt"
EUTILS = SHARED / "eutils"


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server a test starts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_oxigraph() -> str:
    """The ``oxigraph`` executable: the one installed beside this Python first (the project's
    virtual environment), then any on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise RuntimeError("the `oxigraph` command (the oxigraph package) is not installed")


@contextlib.contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """A read-write ``oxigraph serve`` on 127.0.0.1 persisting to ``location``; its base URL."""
    from kb.serve.process import stop_server, wait_ready

    port = free_port()
    command = [find_oxigraph(), "serve", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--timeout-s", "60"]  # fmt: skip
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/query", timeout=20, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


def shared_file(path: Path) -> Path:
    """A file under ../shared, or a skip that says why (it is beside every clone in CI)."""
    if not path.exists():
        pytest.skip(f"{path} not found: ../shared must sit beside the repository")
    return path


def _isolate(mp: pytest.MonkeyPatch, tmp: Path) -> None:
    """No test reads the developer's KB_* settings, config file or shared rate-limit state."""
    import os

    for name in list(os.environ):
        if name.startswith("KB_") or name in {"NCBI_EMAIL", "NCBI_API_KEY"}:
            mp.delenv(name)
    mp.setenv("KB_RATELIMIT_DIR", str(tmp / "ratelimit"))
    mp.chdir(tmp)


@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SYNTHETIC demo KB (``kb demo``), built once per test session. Treat it as read-only:
    a test that changes a KB builds its own."""
    from kb.cli import main

    tmp = tmp_path_factory.mktemp("demo-kb")
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, tmp)
        assert main(["-q", "demo", "--data-dir", str(tmp / "kb")]) == 0
    return tmp / "kb"


@pytest.fixture(scope="session")
def demo_findings(demo_kb: Path) -> list:
    """Every finding the demo build extracted, read back from its data directory: what counts
    in the store and the explorer must add up to (rather than a number written into a test)."""
    from kb.datadir import Build

    return [f for e in Build.load(demo_kb).extractions for f in e.findings]


@pytest.fixture(scope="session")
def demo_cases(demo_kb: Path) -> int:
    """How many patient cases the demo build found (``tests/kb/test_questions.py`` pins the
    number and says why): what a count of cb:Case in any copy of the demo KB must give."""
    from kb.datadir import Build

    return sum(len(e.cases) for e in Build.load(demo_kb).extractions)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    _isolate(monkeypatch, tmp_path)
    yield
    urllib.request.install_opener(None)  # an EntrezClient installs a process-wide opener


@pytest.fixture
def server():
    """A fake E-utilities serving the SYNTHETIC demo corpus (a test may change its corpus)."""
    from ingest.demo import demo_corpus
    from ingest.entrez.fake import Corpus, FakeEutils

    with demo_corpus() as path, FakeEutils(Corpus.load(path)) as srv:
        yield srv


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KB built from the SYNTHETIC demo by the library — not ``kb demo``, whose refresh
    serves the unchanged demo corpus again — for refresh tests to copy. Read-only."""
    from ingest.build import BuildOptions, build
    from ingest.demo import demo_corpus, demo_seed, demo_seed_text
    from ingest.entrez.fake import Corpus, FakeEutils
    from kb.publish import publish
    from tests.ingest.test_client import make_settings

    tmp = tmp_path_factory.mktemp("refresh-base")
    options = BuildOptions(cited_by=True, cited_by_limit=10, progress=False)
    with (
        pytest.MonkeyPatch.context() as mp,
        demo_corpus() as path,
        FakeEutils(Corpus.load(path)) as srv,
    ):
        _isolate(mp, tmp)
        settings = make_settings(srv, tmp)
        publish(build(demo_seed(), settings, options, seed_text=demo_seed_text()), tmp / "kb")
    urllib.request.install_opener(None)
    return tmp / "kb"


def written_before_derived_tables(data_dir: Path) -> None:
    """Make ``data_dir``'s store look like one an older Casebook wrote, before graph/derived:
    a seal of that time (the counts inline, nothing beside, no rules digest) and graph digests
    without the derived graph's."""
    import json

    from kb.seal import quads_path, seal_path
    from kb.store import DERIVED, current_version

    version = current_version(data_dir)
    assert version is not None
    seal = json.loads(seal_path(version).read_text())
    counts = json.loads(quads_path(version).read_text())
    seal_path(version).write_text(json.dumps({"files": seal["files"], "quads": counts}))
    file = version.with_suffix(".json")
    digests = json.loads(file.read_text())
    del digests[DERIVED]
    file.write_text(json.dumps(digests))
