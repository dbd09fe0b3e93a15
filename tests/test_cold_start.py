"""What a cold ``kb ask`` loads (issue 18: a question through ``kb ask`` in <= 300 ms).

rdflib alone costs a fresh process ~0.2 s (with what it pulls in: importlib.metadata, email,
html5rdf), so the query path makes its IRIs as strings (``kb.iris``) and never imports it; the
NLP stage (spaCy) is the CLI's only inside a command's body. Checked in a fresh interpreter,
since this test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

QUERY_PATH = ("kb.cli", "kb.cli.answers", "kb.questions", "kb.remote", "kb.concepts", "kb.tables",
              "kb.store", "kb.query", "kb.iris")  # fmt: skip
HEAVY = ("rdflib", "spacy", "ingest", "streamlit", "dask")
HTTP = ("urllib.request", "http.client", "email.message")  # ~35 ms: the remote store's alone


def loaded_by_query_path() -> set[str]:
    """Every module a fresh interpreter holds after importing the query path."""
    code = (
        "import importlib, json, sys\n"
        f"for m in {QUERY_PATH!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_the_query_path_loads_no_heavy_package():
    assert {n.split(".")[0] for n in loaded_by_query_path()} & set(HEAVY) == set()


def test_the_query_path_builds_no_record_dataclasses():
    """The finding kinds a question's parameters are checked against live in ``kb.kinds``:
    ``kb.records`` builds some thirty dataclasses (~25 ms of a cold start)."""
    assert "kb.records" not in loaded_by_query_path()


def test_the_check_can_fail():
    """The same probe sees a heavy package when one is imported (the test above can fail)."""
    code = "import sys, kb.graph; print('rdflib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_the_query_path_loads_no_http_client():
    """An embedded store's question needs no HTTP client: ``kb.remote`` imports it on use."""
    assert loaded_by_query_path() & set(HTTP) == set()
    code = "import sys, kb.remote; kb.remote.RemoteStore('http://127.0.0.1:9'); print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "urllib.request" in out.stdout  # the check can fail: a remote store does load it


def test_the_cli_loads_no_data_directory_check_until_a_command_needs_it():
    """``kb ask --store URL`` (a question through a running ``kb serve``) checks no data
    directory: importing the CLI loads neither the check nor the build's data files and records
    (~60 ms of a cold start); the embedded path imports them in the command."""
    code = "import json, sys, kb.cli; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert loaded & {"kb.check", "kb.check_store", "kb.datadir", "kb.records"} == set()
    assert "tomllib" not in loaded  # read only with a config file (~4 ms)
    code = "import sys, kb.cli.answers, kb.check; print('kb.datadir' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"  # the check can fail
