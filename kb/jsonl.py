"""Plain-JSON (de)serialisation of the records in ``kb.records``, and atomic JSON Lines files.

The data directory is written with these functions only, so its format is the dataclasses'
fields: one JSON object per line, keys in field order, files replaced atomically.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import tempfile
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """A record as plain JSON-able data (dataclasses → dicts, recursively)."""
    is_record = dataclasses.is_dataclass(obj) and not isinstance(obj, type)
    return dataclasses.asdict(obj) if is_record else obj


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild a record of type ``cls`` from ``to_dict`` output; unknown keys are an error."""
    return _build(cls, data)


@functools.cache
def _fields(tp: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A dataclass's type hints and init field names (resolving hints is slow: once a class)."""
    names = frozenset(f.name for f in dataclasses.fields(tp) if f.init)
    return typing.get_type_hints(tp), names


def _build(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(args[0], data) if len(args) == 1 else data
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_build(item, x) for x in data]
    if origin is dict:
        _, value = typing.get_args(tp)
        return {k: _build(value, v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints, names = _fields(tp)
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"{tp.__name__}: unknown keys {sorted(unknown)}")
        return tp(**{k: _build(hints[k], v) for k, v in data.items()})
    return data


def dumps_json(obj: Any) -> bytes:
    """One record (or plain data) as pretty JSON."""
    return (json.dumps(to_dict(obj), ensure_ascii=False, indent=2) + "\n").encode()


def dumps_jsonl(items: Iterable[Any]) -> bytes:
    """Records one per line."""
    lines = [json.dumps(to_dict(x), ensure_ascii=False, sort_keys=False) for x in items]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def read_json(path: Path, cls: type[T]) -> T:
    return from_dict(cls, json.loads(path.read_text(encoding="utf-8")))


def read_jsonl(path: Path, cls: type[T]) -> list[T]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [from_dict(cls, json.loads(line)) for line in fh if line.strip()]


def atomic_write(path: Path, data: bytes) -> None:
    """The one way Casebook replaces a file: write beside it, fsync, rename. A crash leaves the
    old file or the new one, never half of either; mode 0644 (mkstemp makes 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
