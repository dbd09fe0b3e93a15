"""A persistent on-disk cache of raw E-utilities answers, keyed by the request.

Only answers that parsed cleanly are stored (errors and truncated bodies never are), so a warm
cache replays a build with zero HTTP requests. Each answer is kept as the exact bytes received,
with a JSON sidecar naming the request and the SHA-256 of the bytes; files are written to a
temporary name and renamed, so a crash never leaves half an answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path

from kb.jsonl import atomic_write

# parameters that identify the caller, not the question: they must not split the cache
_IGNORED = {"email", "tool", "api_key"}


def request_key(utility: str, params: Mapping[str, object]) -> str:
    items = sorted((k, _canon(v)) for k, v in params.items() if k not in _IGNORED and v is not None)
    return hashlib.sha256(json.dumps([utility, items]).encode()).hexdigest()


def _canon(value: object) -> str | list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


class ResponseCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.body"

    def get(self, key: str, max_age: float | None = None) -> bytes | None:
        path = self._path(key)
        try:
            if max_age is not None and time.time() - path.stat().st_mtime > max_age:
                return None
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes, utility: str, params: Mapping[str, object]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "utility": utility,
            "params": {k: _canon(v) for k, v in params.items() if k not in _IGNORED},
            "sha256": hashlib.sha256(data).hexdigest(),
            "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        atomic_write(path.with_suffix(".json"), json.dumps(meta, indent=1).encode())
        atomic_write(path, data)

    def drop(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
