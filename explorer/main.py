"""The explorer's frame: settings, navigation, the old links' redirect, and one page drawn
with its failures shown as messages (never a traceback)."""

from __future__ import annotations

import logging
import os
from types import ModuleType

import streamlit as st

from explorer import nav
from explorer.source import Source, stale_derived_of
from explorer.warm import warm_up
from explorer.widgets import show_error
from kb.config import ConfigError
from kb.escape import md_escape
from kb.questions import QuestionError
from kb.store import StoreError

log = logging.getLogger("casebook.app")

NO_KB = (
    "No knowledge base in {data_dir} yet. Build one first — the offline synthetic demo: "
    "`kb demo --data-dir DIR`, or from a seed article: `kb build --seed PATH` — then reload "
    "this page. (The data directory comes from `--data-dir`, `KB_DATA_DIR` or "
    "`casebook.toml`, as for the `kb` command.)"
)
ST_ERRORS = (StoreError, QuestionError, ConfigError, ValueError, OSError)


def draw(page: ModuleType, src: Source) -> None:
    """One page of the store ``src``, or a message saying why it cannot be shown."""
    if src.version is None:
        st.title("Casebook explorer")
        st.info(NO_KB.format(data_dir=md_escape(str(src.data_dir))))
        return
    if not src.url and (why := stale_derived_of(str(src.data_dir), src.version)):
        st.warning(md_escape(why[0].upper() + why[1:] + "."))
    if not src.url and os.environ.get("CASEBOOK_WARM_UP", "1") != "0":
        warm_up(src)
    try:
        page.render(src)
    except ST_ERRORS as exc:
        show_error(exc)
    except Exception as exc:  # a page never shows a traceback
        log.exception("page %s failed", page.__name__)
        show_error(exc)


def redirect_old_link(pages: dict[str, st.Page]) -> None:
    """``?page=questions&q=…`` (the single-page explorer's links) → ``/questions?q=…``."""
    old = st.query_params.get("page")
    if old is None:
        return
    params = {k: v for k, v in st.query_params.to_dict().items() if k != "page"}
    if old in nav.NAMES:
        st.switch_page(pages[old], query_params=params)
    st.query_params.pop("page")
    st.warning(f"No page {md_escape(old)!r} in the explorer: showing the overview.")


def main() -> None:
    st.set_page_config(page_title="Casebook explorer", page_icon="📚", layout="wide")
    try:
        src = Source.current()
    except ConfigError as exc:
        st.error(f"Configuration error: {md_escape(str(exc))}")
        return
    pages = nav.pages(lambda page: draw(page, src))
    st.session_state["explorer_pages"] = pages
    current = st.navigation(list(pages.values()))
    redirect_old_link(pages)
    st.sidebar.caption(
        f"Knowledge base: {md_escape(str(src.url or src.data_dir))}  \nread-only"
        + (f" · version `{src.version}`" if src.version else "")
    )
    current.run()
