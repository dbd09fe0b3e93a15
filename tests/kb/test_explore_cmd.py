"""`kb explore`: the explorer started from any working directory, or from the installed
package, keeps the project's Streamlit settings (error details hidden, no usage statistics)
and reads the data directory every `kb` command reads."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from kb.cli import explore as explore_cmd
from kb.serve.process import stop_server
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


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


def test_the_settings_ship_inside_the_package():
    assert explore_cmd.STREAMLIT_CONFIG == ROOT / "explorer" / "streamlit.toml"
    shipped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "streamlit.toml" in shipped["package-data"]["explorer"]


def test_kb_data_dir_is_honoured_and_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KB_DATA_DIR", "from-env")
    args = explore_cmd.argparse.Namespace(data_dir=None, config=None, store=None, port=8600)
    assert flag(explore_cmd.command(args), "--data-dir") == str(tmp_path / "from-env")
    args.data_dir = Path("from-flag")  # the option wins over the environment, as everywhere
    assert flag(explore_cmd.command(args), "--data-dir") == str(tmp_path / "from-flag")


def test_a_bad_port_is_one_line_and_exit_2(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "kb.cli", "explore", "--port", "70000"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip() == "kb: error: --port 70000: not a port (1–65535)"


def installed_copy(site: Path) -> Path:
    """What the wheel holds, laid out as site-packages: the packages pyproject.toml lists, their
    modules and package data only (no .streamlit/, app.py or tests/ of the source tree)."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package in setup["packages"]:
        source = ROOT / setup["package-dir"].get(package, package.replace(".", "/"))
        target = site / package.replace(".", "/")
        if package in setup["package-dir"]:  # data/ as casebook_data: big, and only read
            target.symlink_to(source, target_is_directory=True)
            continue
        target.mkdir(parents=True, exist_ok=True)
        patterns = ["*.py", *setup["package-data"].get(package, [])]
        for file in source.iterdir():
            if file.is_file() and any(fnmatch.fnmatch(file.name, p) for p in patterns):
                shutil.copy2(file, target / file.name)
    return site


@pytest.mark.slow
@pytest.mark.parametrize("how", ["source tree", "installed package"])
def test_kb_explore_serves_the_explorer_from_another_directory(demo_kb, tmp_path, how):
    code = str(ROOT) if how == "source tree" else str(installed_copy(tmp_path / "site"))
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "explore", "--port", str(port)],
        cwd=cwd, env={**os.environ, "PYTHONPATH": code, "CASEBOOK_WARM_UP": "0",
                      "KB_DATA_DIR": str(demo_kb)},
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
        running = ps.read_bytes().decode().split("\0")  # streamlit, in kb explore's place
        assert running[running.index("run") + 1] == f"{code}/explorer/streamlit_app.py"
        assert flag(running, "--client.showErrorDetails") == "none"
        assert flag(running, "--browser.gatherUsageStats") == "false"
        assert flag(running, "--data-dir") == str(demo_kb)
    finally:
        stop_server(proc, grace=10)
    output = proc.stdout.read().decode()
    assert output.splitlines()[0] == f"http://127.0.0.1:{port}"
    assert "Traceback" not in output
