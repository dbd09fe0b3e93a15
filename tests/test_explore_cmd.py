"""`kb explore`: the explorer started from any working directory keeps the project's
Streamlit settings (error details hidden, no usage statistics)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kb import explore_cmd
from kb.serve.process import stop_server
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


def flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_the_command_carries_the_projects_streamlit_settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .streamlit here
    args = explore_cmd.argparse.Namespace(data_dir=Path("kb"), config=None, store=None, port=8600)
    cmd = explore_cmd.command(args)
    assert flag(cmd, "--client.showErrorDetails") == "none"
    assert flag(cmd, "--browser.gatherUsageStats") == "false"
    assert flag(cmd, "--server.enableXsrfProtection") == "true"
    assert flag(cmd, "--server.address") == "127.0.0.1" and flag(cmd, "--server.port") == "8600"
    assert cmd[cmd.index("--") + 1 :] == ["--data-dir", str(tmp_path / "kb")]  # made absolute


def test_a_bad_port_is_one_line_and_exit_2(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "kb.cli", "explore", "--port", "70000"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip() == "kb: error: --port 70000: not a port (1–65535)"


@pytest.mark.slow
def test_kb_explore_serves_the_explorer_from_another_directory(demo_kb, tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "explore", "--data-dir", str(demo_kb), "--port", str(port)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT), "CASEBOOK_WARM_UP": "0"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    assert r.read().strip() == b"ok"
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.3)
        ps = Path(f"/proc/{proc.pid}/cmdline")
        assert proc.poll() is None and ps.exists()
    finally:
        stop_server(proc, grace=10)
    output = proc.stdout.read().decode()
    assert output.splitlines()[0] == f"http://127.0.0.1:{port}"
    assert "Traceback" not in output
