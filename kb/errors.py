"""One-line messages for the errors a user's input causes (a missing file, a directory where a
file was meant, a file that is not text), instead of Python's ``[Errno 2] …`` wording."""

from __future__ import annotations

import os
from pathlib import Path


class InputError(ValueError):
    """A file or value the user gave cannot be used; the message says which and why."""


class UpstreamFailed(Exception):
    """A service the run depends on failed and nothing was changed (the CLI's exit code 1): the
    E-utilities cannot be reached, or publishing would drop stored records because of it."""


def message(exc: BaseException) -> str:
    """``exc`` as one line that names the file and what is wrong with it."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        target = exc.filename2 if isinstance(exc, IsADirectoryError) and exc.filename2 else None
        name = target or exc.filename
        what = {
            FileNotFoundError: "no such file or directory",
            IsADirectoryError: "is a directory, not a file",
            NotADirectoryError: "a part of this path is not a directory",
            PermissionError: "permission denied",
        }.get(type(exc), exc.strerror.lower())
        return f"{os.fsdecode(name)}: {what}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start}: {exc.object[exc.start : exc.start + 1]!r})"
    return " ".join(str(exc).split()) or type(exc).__name__


def read_text_file(path: Path, what: str) -> str:
    """The UTF-8 text of a file the user named (``what``: "query file"), or an ``OSError`` /
    ``InputError`` whose message says which file and why."""
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a {what}: {message(exc)}") from None


def require_data_dir(data_dir: Path) -> None:
    """``FileNotFoundError`` unless ``data_dir`` holds a knowledge base: a command asked to read
    or refresh one must not create a mistyped directory."""
    if not any((data_dir / name).is_file() for name in ("build.json", "COMMIT")):
        raise FileNotFoundError(
            f"no knowledge base in {data_dir}: run `kb build` or `kb demo` first "
            "(or check --data-dir / KB_DATA_DIR)"
        )


class Damaged(Exception):
    """A data directory whose files or store differ from what Casebook wrote (``kb check``
    lists how; ``kb repair`` mends it): commands refuse it rather than read or extend it."""
