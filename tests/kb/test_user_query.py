"""``kb sparql`` and the explorer console (``kb.query.user_query``): a dead engine and a bad
query file are one-line errors, never a traceback."""

from __future__ import annotations

import logging

import pytest

from kb.cli import main
from kb.query import read_query_argument, user_query
from kb.store import StoreError

CASES = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://casebook.invalid/ontology#Case> }"


@pytest.mark.slow
def test_an_engine_that_dies_is_tried_once_more_then_a_store_error(
    demo_kb, monkeypatch, caplog, demo_cases
):
    monkeypatch.setenv("KB_FAILPOINT", "query:child")  # every child dies by SIGKILL
    with caplog.at_level(logging.WARNING, "kb.query"), pytest.raises(StoreError) as err:
        user_query(demo_kb, CASES, timeout=60)
    assert "crashed on this query twice" in str(err.value)
    assert [r.message for r in caplog.records if "running the query again" in r.message] != []
    monkeypatch.delenv("KB_FAILPOINT")
    assert user_query(demo_kb, CASES, timeout=60).rows == [[str(demo_cases)]]


@pytest.mark.slow
def test_kb_sparql_reports_a_dead_engine_in_one_line(demo_kb, monkeypatch, capsys):
    monkeypatch.setenv("KB_FAILPOINT", "query:child")
    assert main(["sparql", CASES, "--data-dir", str(demo_kb), "--timeout", "60"]) == 2
    err = capsys.readouterr().err  # a warning for the first death, then the error
    assert err.endswith("it is not answered\n") and err.count("kb: error:") == 1
    assert "EOFError" not in err and "Traceback" not in err


def test_kb_sparql_refuses_the_deep_query_in_one_line(demo_kb, capsys):
    deep = "SELECT * WHERE { FILTER(1<" + "(" * 8000 + "1" + ")" * 8000 + "&&2>1) }"
    assert main(["sparql", deep, "--data-dir", str(demo_kb)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "can crash the query engine" in err


@pytest.mark.parametrize("data, why", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a query file: not UTF-8 text"),
    (b"SELECT * WHERE { ?s ?p ?o }\x00\x00", "not a text file (it holds NUL bytes)"),
    (b"SELECT * WHERE { ?s ?p '\xff\xfe' }", "not UTF-8 text"),
])  # fmt: skip
def test_a_binary_query_file_is_one_line(tmp_path, capsys, data, why):
    path = tmp_path / "query.rq"
    path.write_bytes(data)
    assert main(["sparql", f"@{path}", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and why in err and "Traceback" not in err


def test_a_query_file_is_read_as_utf8(tmp_path):
    path = tmp_path / "q.rq"
    path.write_bytes('\ufeffASK { ?s ?p "é" }'.encode())
    assert read_query_argument(f"@{path}") == 'ASK { ?s ?p "é" }'
    assert read_query_argument("ASK {}") == "ASK {}"
    with pytest.raises(FileNotFoundError):
        read_query_argument(f"@{tmp_path / 'missing.rq'}")


def test_the_query_child_does_not_run_the_main_module_again(demo_kb, monkeypatch, tmp_path):
    """Under Streamlit the main module is the app: a child that re-ran it (multiprocessing's
    spawn does) would pay the whole app before every console query."""
    import sys
    import types

    script = tmp_path / "app.py"
    script.write_text("raise SystemExit('the main module ran in the query child')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    assert user_query(demo_kb, CASES, timeout=60).rows[0][0].isdigit()
