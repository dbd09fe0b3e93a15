"""Crash safety: ``kb refresh`` and ``kb build`` killed with SIGKILL at each failpoint
(``kb.failpoints``) leave a store that opens in the old or the new state, and a rerun gives the
graph an uninterrupted run gives (canonical hash of the stored dataset, run history aside)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.refresh import refresh
from kb.datadir import Build
from kb.failpoints import ENV, POINTS
from kb.store import open_store
from tests.ingest.test_refresh import (
    change_everything,
    content,
    copy_kb,
    files,
    settings_for,
)

pytestmark = pytest.mark.slow

DEMO_SEED = Path(__file__).resolve().parents[2] / "data" / "demo" / "seed.md"  # SYNTHETIC


def kb(args: list[str], failpoint: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, KB_API_KEY="synthetic-test-key", KB_BACKOFF="0.01")
    env.pop(ENV, None)
    if failpoint:
        env[ENV] = failpoint
    script = Path(sys.executable).parent / "kb"  # not `python -m`: the cwd holds a "kb" dir
    return subprocess.run([str(script), "-q", *args], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def consistent(data: Path, states: list[tuple[str, dict]]) -> None:
    """The store opens in one of the given states, and the files are in one of them. (Files
    ahead of the store are repaired by the next run: ``kb.publish.ensure_store``.)"""
    open_store(data)  # opens read-only without error
    Build.load(data)  # rolls an interrupted save forward or back
    assert content(data) in [store for store, _ in states]
    assert files(data) in [saved for _, saved in states]


@pytest.mark.parametrize("point", POINTS)
def test_a_refresh_killed_at_any_point_is_finished_by_the_next(point, built, server, tmp_path):
    change_everything(server.corpus)
    reference = copy_kb(built, tmp_path, "uninterrupted")
    refresh(reference, settings_for(server, reference), progress=False)
    new = (content(reference), files(reference))
    old = (content(built), files(built))
    assert new != old

    data = copy_kb(built, tmp_path)
    argv = ["refresh", "--data-dir", str(data), "--eutils-url", server.url, "--no-progress"]
    killed = kb(argv, failpoint=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    consistent(data, [old, new])
    rerun = kb(argv)
    assert rerun.returncode == 0, rerun.stderr
    assert (content(data), files(data)) == new


BUILD_POINTS = [p for p in POINTS if not p.startswith("refresh:")]


@pytest.mark.parametrize("point", BUILD_POINTS)
def test_a_build_killed_at_any_point_is_finished_by_a_rerun(point, server, tmp_path):
    def argv(data: Path) -> list[str]:
        return ["build", "--seed", str(DEMO_SEED), "--cited-by", "--cited-by-limit", "10",
                "--data-dir", str(data), "--eutils-url", server.url, "--no-progress"]  # fmt: skip

    reference = tmp_path / "uninterrupted"
    assert kb(argv(reference)).returncode == 0
    data = tmp_path / "kb"
    killed = kb(argv(data), failpoint=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if (data / "store" / "CURRENT").exists():  # killed after the switch: the new state
        consistent(data, [(content(reference), files(reference))])
    rerun = kb(argv(data))
    assert rerun.returncode == 0, rerun.stderr
    assert (content(data), files(data)) == (content(reference), files(reference))
