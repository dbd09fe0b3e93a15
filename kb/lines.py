"""Records left in their JSON Lines files, found by key and read one at a time.

A KB's records and extractions as Python objects cost ~80 MB per 1,000 articles (measured on
``kb bulk``: 1.6 GB at 10,000, so ~9 GB at 100,000); their lines on disk are a tenth of that.
``Lines`` is a read-only sequence over such lines — in a data directory's sealed files or in
``kb bulk``'s shards — that holds only where each line is and its key, and parses a record when
it is asked for. Saving copies the lines' bytes in key order without parsing them (they are
already what ``kb.jsonl`` writes), so a bulk KB is saved and published in bounded memory.

A loaded build keeps its two files open (a snapshot: a save renames new files over them). A
shard's files are never rewritten, so they are opened when read and checked against what they
were when indexed (inode, size, mtime): lines from a file replaced since would be another
record's bytes, so that is an error, never a wrong answer.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from kb.jsonl import from_dict, jsonl_lines

T = TypeVar("T")

_DECODER = json.JSONDecoder()


@dataclass(frozen=True, eq=False)
class LineFile:
    """One file lines are read from, as it was when it was indexed. ``held``: its descriptor
    is kept open from then on, so a loaded build reads the files it was loaded from even after
    a save has renamed new ones over them (a snapshot, as a list of records would be)."""

    path: Path
    inode: int
    size: int
    mtime_ns: int
    held: int | None = None  # the open descriptor, closed when the LineFile goes

    @classmethod
    def of(cls, path: Path, hold: bool = False) -> LineFile:
        if not hold:
            st = path.stat()
            return cls(path, st.st_ino, st.st_size, st.st_mtime_ns)
        fd = os.open(path, os.O_RDONLY)
        st = os.fstat(fd)
        file = cls(path, st.st_ino, st.st_size, st.st_mtime_ns, fd)
        weakref.finalize(file, os.close, fd)
        return file

    def open(self) -> int:
        """A descriptor to read the file with (the caller closes it unless it is ``held``)."""
        if self.held is not None:
            return self.held
        fd = os.open(self.path, os.O_RDONLY)
        st = os.fstat(fd)
        if (st.st_ino, st.st_size, st.st_mtime_ns) != (self.inode, self.size, self.mtime_ns):
            os.close(fd)
            raise RuntimeError(f"{self.path} changed after it was read: run the command again")
        return fd

    def close(self, fd: int) -> None:
        if fd != self.held:
            os.close(fd)


@dataclass(frozen=True, slots=True)
class Entry:
    """Where one record's line is, and the keys it is found by."""

    key: str  # the record's first field: a PMID, a document id
    alias: str | None  # a second key an index needs (a record's PMCID), or None
    file: LineFile | None  # None: the line is ``data`` (a record made in this process)
    offset: int = 0
    length: int = 0  # the line's bytes, its newline included
    data: bytes = b""


class Lines(Sequence[T], Generic[T]):
    """Records of type ``kind`` read from their lines on demand, in ``entries``' order."""

    def __init__(self, kind: type[T], entries: list[Entry]) -> None:
        self.kind = kind
        self.entries = entries

    @classmethod
    def scan(
        cls, path: Path, kind: type[T], key: str, alias: str | None = None, hold: bool = False
    ) -> Lines[T]:
        """Index a JSON Lines file written by ``kb.jsonl``: ``key`` is the name of the records'
        first field (read without parsing the rest of the line); ``alias`` another field (the
        whole line is parsed for it); ``hold``: keep the file open (``LineFile``)."""
        if not path.exists():
            return cls(kind, [])
        file = LineFile.of(path, hold)
        head = f'{{"{key}": '.encode()
        entries: list[Entry] = []
        offset = 0
        with path.open("rb") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    k, a = _keys(line, head, key, alias, f"{path}:{number}")
                    entries.append(Entry(k, a, file, offset, len(line)))
                offset += len(line)
        return cls(kind, entries)

    @classmethod
    def of(cls, kind: type[T], items: Iterable[T], key: str, alias: str | None = None) -> Lines[T]:
        """Records made in this process, held as their lines, so they join loaded ones."""
        entries = []
        for line in jsonl_lines(items):
            k, a = _keys(line, f'{{"{key}": '.encode(), key, alias, kind.__name__)
            entries.append(Entry(k, a, None, data=line))
        return cls(kind, entries)

    def __add__(self, other: Lines[T]) -> Lines[T]:
        return Lines(self.kind, self.entries + other.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> Lines[T]: ...
    def __getitem__(self, i: int | slice) -> T | Lines[T]:
        if isinstance(i, slice):
            return Lines(self.kind, self.entries[i])
        return self.parse(self.entries[i])

    def __iter__(self) -> Iterator[T]:
        for line in self.raw():
            yield from_dict(self.kind, json.loads(line))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return NotImplemented if not isinstance(other, Sequence) else False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Lines({self.kind.__name__}, {len(self.entries)} entries)"

    def parse(self, entry: Entry) -> T:
        return from_dict(self.kind, json.loads(_read(entry)))

    def raw(self) -> Iterator[bytes]:
        """Each entry's line, as stored; each file is opened once for the whole pass."""
        fds: dict[LineFile, int] = {}
        try:
            for e in self.entries:
                if e.file is None:
                    yield e.data
                    continue
                fd = fds.get(e.file)
                if fd is None:
                    fd = fds[e.file] = e.file.open()
                yield _pread(fd, e)
        finally:
            for file, fd in fds.items():
                file.close(fd)

    def sorted(self, rank: Callable[[str], Any]) -> Lines[T]:
        return Lines(self.kind, sorted(self.entries, key=lambda e: rank(e.key)))

    def where(self, keep: Callable[[str], bool]) -> Lines[T]:
        """The entries whose key ``keep`` accepts (nothing is parsed)."""
        return Lines(self.kind, [e for e in self.entries if keep(e.key)])

    def keys(self) -> list[str]:
        return [e.key for e in self.entries]

    def aliases(self) -> dict[str, str]:
        """Each entry's alias → its key (entries without an alias left out)."""
        return {e.alias: e.key for e in self.entries if e.alias}

    def by_key(self, prefix: str = "") -> Mapping[str, T]:
        """``prefix + key`` → the record, parsed when it is looked up."""
        return ByKey(self, {prefix + e.key: e for e in self.entries})


class ByKey(Mapping[str, T]):
    """Lines by key: a record is parsed when it is looked up; ``entry`` gives its line's place
    (equal entries: the same line of the same file, or the same bytes made in this process)."""

    def __init__(self, lines: Lines[T], entries: dict[str, Entry]) -> None:
        self._lines, self._entries = lines, entries

    def entry(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def __getitem__(self, key: str) -> T:
        return self._lines.parse(self._entries[key])

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def _keys(
    line: bytes, head: bytes, key: str, alias: str | None, where: str
) -> tuple[str, str | None]:
    try:
        if alias is not None:
            data = json.loads(line)
            return str(data[key]), data.get(alias)
        if not line.startswith(head):
            raise ValueError(f'the line does not start with "{key}"')
        value, _ = _DECODER.raw_decode(line[len(head) :].decode("utf-8"))
        return str(value), None
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{where}: not a record line ({exc})") from None


def _read(entry: Entry) -> bytes:
    if entry.file is None:
        return entry.data
    fd = entry.file.open()
    try:
        return _pread(fd, entry)
    finally:
        entry.file.close(fd)


def _pread(fd: int, entry: Entry) -> bytes:
    data = os.pread(fd, entry.length, entry.offset)
    if len(data) != entry.length:
        where = entry.file.path if entry.file else "a record"
        raise RuntimeError(f"{where}: a line ends early (the file was cut short)")
    return data
