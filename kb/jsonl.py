"""Plain-JSON (de)serialisation of the records in ``kb.records``, and atomic JSON Lines files.

The data directory is written with these functions only, so its format is the dataclasses'
fields: one JSON object per line, keys in field order, files replaced atomically.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """A record as plain JSON-able data (dataclasses → dicts, recursively): what
    ``dataclasses.asdict`` gives, without its deep copy of every leaf (a third of a bulk
    run's save)."""
    kind = type(obj)
    if kind in _ATOMS:
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {name: to_dict(getattr(obj, name)) for name in _names(typing.cast(Any, kind))}
    if kind is list or kind is tuple:
        return kind(to_dict(x) for x in obj)
    if kind is dict:
        return {to_dict(k): to_dict(v) for k, v in obj.items()}
    return copy.deepcopy(obj)


_ATOMS = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _names(tp: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(tp))


def from_dict(cls: type[T], data: Any) -> T:
    """Rebuild a record of type ``cls`` from ``to_dict`` output; unknown keys are an error."""
    converter: Callable[[Any], T] = _converter(typing.cast(Any, cls))
    return converter(data)


def _same(data: Any) -> Any:
    return data


@functools.cache
def _converter(tp: Any) -> Callable[[Any], Any]:
    """The function that rebuilds a value of type ``tp`` (None stays None), made once a type:
    reading the type hints at every value cost most of a bulk run's shard reads."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _converter(args[0]) if len(args) == 1 else _same
    if origin is list:
        item = _converter(typing.get_args(tp)[0])
        return lambda data: None if data is None else [item(x) for x in data]
    if origin is dict:
        value = _converter(typing.get_args(tp)[1])
        return lambda data: None if data is None else {k: value(v) for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _record_converter(tp)
    return _same


def _record_converter(tp: type) -> Callable[[Any], Any]:
    fields: dict[str, Callable[[Any], Any]] = {}  # filled at first use: a record may nest itself

    def build(data: Any) -> Any:
        if data is None:
            return None
        if not fields:
            hints = typing.get_type_hints(tp)
            fields.update(
                (f.name, _converter(hints[f.name])) for f in dataclasses.fields(tp) if f.init
            )
        unknown = data.keys() - fields.keys()
        if unknown:
            raise ValueError(f"{tp.__name__}: unknown keys {sorted(unknown)}")
        return tp(**{k: fields[k](v) for k, v in data.items()})

    return build


def dumps_json(obj: Any) -> bytes:
    """One record (or plain data) as pretty JSON."""
    return (json.dumps(to_dict(obj), ensure_ascii=False, indent=2) + "\n").encode()


def dumps_jsonl(items: Iterable[Any]) -> bytes:
    """Records one per line."""
    return b"".join(jsonl_lines(items))


def jsonl_lines(items: Iterable[Any]) -> Iterator[bytes]:
    """Each record's line, made as it is asked for."""
    for x in items:
        yield (json.dumps(to_dict(x), ensure_ascii=False, sort_keys=False) + "\n").encode()


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
    atomic_write_chunks(path, (data,))


def atomic_write_chunks(path: Path, chunks: Iterable[bytes]) -> tuple[int, str]:
    """``atomic_write`` of bytes made as they are written (a KB's records need not be in
    memory at once); returns the file's size and SHA-256, taken as it was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    digest, size = hashlib.sha256(), 0
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()
