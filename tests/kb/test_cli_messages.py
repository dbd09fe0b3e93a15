"""The CLI is quiet by default and says one line on success or failure: no Python wording
(``[Errno 2]``, codec errors, tracebacks), no data directory created by a command that was only
asked to read or refresh one, and ``kb serve`` prints only its own URL."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time

import pytest

from kb.cli import _log_level, main
from tests.conftest import ROOT

PDF = b"%PDF-1.4\n\xff\xfe\x00\x01 binary"


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("kb: error: ") and err.count("\n") == 1, err
    assert "Errno" not in err and "Traceback" not in err and "codec" not in err
    return err


def test_a_missing_or_unreadable_query_file(tmp_path, capsys):
    assert main(["sparql", "@missing.rq", "--data-dir", str(tmp_path)]) == 2
    assert "missing.rq: no such file or directory" in one_line_error(capsys)
    assert main(["sparql", f"@{tmp_path}", "--data-dir", str(tmp_path)]) == 2
    assert "is a directory, not a file" in one_line_error(capsys)
    (tmp_path / "q.pdf").write_bytes(PDF)
    assert main(["sparql", f"@{tmp_path / 'q.pdf'}", "--data-dir", str(tmp_path)]) == 2
    assert "q.pdf: not a query file: not UTF-8 text" in one_line_error(capsys)


def test_a_gold_file_that_is_not_json(tmp_path, capsys):
    seed = ROOT / "data" / "demo" / "seed.md"
    (tmp_path / "x.pdf").write_bytes(PDF)
    assert main(["eval", str(seed), "--gold", str(tmp_path / "x.pdf")]) == 2
    assert "x.pdf: not a gold file (a JSON file): not UTF-8 text" in one_line_error(capsys)
    assert main(["eval", str(seed), "--gold", str(tmp_path / "none.json")]) == 2
    assert "none.json: no such file or directory" in one_line_error(capsys)


def test_export_to_a_directory_fails_and_leaves_it_alone(demo_kb, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export", "--format", "csv", "--data-dir", str(demo_kb), "-o", str(out)]) == 2
    assert f"{out}: is a directory, not a file" in one_line_error(capsys)
    assert list(out.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_export_says_one_line_when_it_wrote_a_file(demo_kb, tmp_path, capsys):
    target = tmp_path / "kb.ris"
    assert main(["export", "--format", "ris", "--data-dir", str(demo_kb), "-o", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == f"ris export written to {target} ({target.stat().st_size:,} bytes)\n"
    assert err == ""


@pytest.mark.parametrize(
    "argv", [["refresh", "--offline"], ["schedule", "--every", "1h", "--runs", "1", "--offline"]]
)
def test_refresh_and_schedule_of_a_mistyped_data_dir(tmp_path, capsys, argv):
    typo = tmp_path / "kbdta"
    assert main([*argv, "--data-dir", str(typo)]) == 2
    assert f"no knowledge base in {typo}: run `kb build`" in one_line_error(capsys)
    assert not typo.exists()


def test_a_scheduled_refresh_that_fails_is_one_line_and_a_nonzero_exit(
    tmp_path, monkeypatch, caplog
):
    from ingest import schedule
    from kb.config import Settings

    def broken(settings, progress=True):
        raise FileNotFoundError(2, "No such file or directory", str(tmp_path / "records.jsonl"))

    monkeypatch.setattr(schedule, "refresh_once", broken)
    with caplog.at_level(logging.DEBUG, logger="ingest.schedule"):
        assert schedule.run_schedule(Settings(data_dir=tmp_path), 3600, runs=1) == 2
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        f"scheduled refresh failed: {tmp_path / 'records.jsonl'}: no such file or directory"
    ]
    assert errors[0].exc_info is None  # the trace is only in the debug record


def test_log_levels():
    assert _log_level(0, False) == logging.WARNING
    assert _log_level(0, True) == logging.ERROR
    assert _log_level(1, False) == logging.INFO
    assert _log_level(2, False) == logging.DEBUG


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("verbose", [False, True])
def test_kb_serve_prints_its_url_only(demo_kb, tmp_path, verbose):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "kb.cli", *(["-v"] if verbose else []), "serve",
            "--data-dir", str(demo_kb), "--port", str(port)]  # fmt: skip
    err_file = tmp_path / "stderr"
    with err_file.open("wb") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=env, cwd=tmp_path)
        try:
            first = proc.stdout.readline().decode()
        finally:
            time.sleep(0.2)  # let a stray engine line arrive, were it printed
            proc.terminate()
            proc.wait(20)
    assert first.startswith(f"SPARQL endpoint: http://127.0.0.1:{port}/query")
    stderr = err_file.read_text()
    assert "Listening" not in stderr  # the engine's internal port is never shown
    assert ("INFO kb.serve.gate: serving" in stderr) == verbose
