"""Which knowledge base the explorer reads and the per-version cache of its read models.

``Source`` says where the store is and which version is current (the key of every cache);
``cached`` turns a read-model function ``fn(store, ...)`` into ``fn(source, ...)`` cached per
store version with ``st.cache_data``, so that a new build or refresh is seen on the next
interaction. Opening the store is ``open_store`` and nothing else.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from kb.config import load_settings
from kb.read import base
from kb.store import stale_derived

P = ParamSpec("P")
R = TypeVar("R")


def _script_args() -> argparse.Namespace:
    """Options given after ``--`` to ``streamlit run app.py`` (none under AppTest)."""
    parser = argparse.ArgumentParser(prog="app.py", allow_abbrev=False, add_help=False)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--store")
    argv = (
        sys.argv[1:] if sys.argv and sys.argv[0].endswith("app.py") else []
    )  # and streamlit_app.py
    args, _ = parser.parse_known_args(argv)
    return args


@dataclass(frozen=True)
class Source:
    """Where the knowledge base is and which version is current: the key of every cache."""

    key: tuple[str, str]
    version: str | None
    data_dir: Path
    url: str | None = None

    @classmethod
    def current(cls) -> Source:
        """The store the settings name (defaults < file < env < options), at its version now."""
        args = _script_args()
        settings = load_settings({"data_dir": args.data_dir}, config_path=args.config)
        if args.store:  # a remote store has no version: a minute's cache
            version = f"remote-{int(time.time() // 60)}"
            return cls(("remote", args.store), version, settings.data_dir, args.store)
        key = ("embedded", str(settings.data_dir.resolve()))
        return cls(key, base.store_version(settings.data_dir), settings.data_dir)


@st.cache_resource(max_entries=4, show_spinner=False)
def open_store(key: tuple[str, str], version: str | None):
    """The read-only store of one version (thread-safe; shared by all sessions)."""
    kind, where = key
    if kind == "remote":
        from kb.remote import RemoteStore

        return RemoteStore(where)
    return base.KB(Path(where))


@st.cache_data(max_entries=16, show_spinner=False)
def stale_derived_of(data_dir: str, version: str) -> str | None:
    """Once per store version: the check reads its manifest (15 MB for 100,000 articles)."""
    return stale_derived(Path(data_dir))


def cached(
    fn: Callable[Concatenate[Any, P], R], max_entries: int = 64
) -> Callable[Concatenate[Source, P], R]:
    """``fn(store, ...)`` as ``fn(source, ...)``, its answers cached per store version."""

    def call(key: tuple[str, str], version: str | None, *args: Any, **kwargs: Any) -> R:
        return fn(open_store(key, version), *args, **kwargs)

    # st.cache_data keys a cache by the function's module and qualified name: one per fn.
    call.__qualname__ = call.__name__ = f"{fn.__module__}.{fn.__name__}"
    run = st.cache_data(max_entries=max_entries, show_spinner=False)(call)

    @functools.wraps(fn)
    def typed(src: Source, *args: P.args, **kwargs: P.kwargs) -> R:
        return run(src.key, src.version, *args, **kwargs)

    return typed
