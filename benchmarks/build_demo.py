"""Wall time of ``kb demo`` (the demo build) with a cold cache, then with a warm one."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(data_dir: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", "-q", "demo", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = next(line for line in proc.stdout.splitlines() if "references:" in line)
    return time.perf_counter() - start, summary


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "kb"
        cold, summary = run(data_dir)
        warm = [run(data_dir)[0] for _ in range(3)]
        print(f"kb demo, cold cache: {cold:.2f} s   ({summary})")
        print(f"kb demo, warm cache: best {min(warm):.2f} s of 3 (whole process, incl. start-up)")
        print(f"  warm summary: {run(data_dir)[1]}")


if __name__ == "__main__":
    main()
