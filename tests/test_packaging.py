"""Every Python package of the source tree ships: pyproject.toml lists each one (an unlisted
package is missing from the wheel although the editable install finds it)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("kb", "ingest", "explorer")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert len(found) > 10
    assert found - listed == set()
