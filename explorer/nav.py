"""The explorer's pages and their addresses: one ``st.Page`` per page module, deep links.

Every page has its own URL path (``/questions?q=treatments_that_resolved``); the detail pages
(article, case, concept) are hidden from the menu and reached by links. The default page is at
the root; a typed ``/overview`` is redirected there. The links of the old single-page explorer
(``?page=questions&q=…``) are redirected to their page.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import urlencode

import streamlit as st


@dataclass(frozen=True)
class PageSpec:
    name: str  # the module in explorer.pages, and the URL path
    title: str
    menu: bool = True  # False: a detail page, reached by its links


PAGES = (
    PageSpec("overview", "Overview"),
    PageSpec("questions", "Questions"),
    PageSpec("articles", "Articles"),
    PageSpec("concepts", "Concepts"),
    PageSpec("synthesis", "Evidence synthesis"),
    PageSpec("citations", "Citation check"),
    PageSpec("graph", "Graph"),
    PageSpec("sparql", "SPARQL console"),
    PageSpec("downloads", "Downloads"),
    PageSpec("article", "Article", menu=False),
    PageSpec("case", "Case", menu=False),
    PageSpec("concept", "Concept", menu=False),
)
NAMES = tuple(p.name for p in PAGES)
DEFAULT = PAGES[0].name
ALIAS = f"{DEFAULT}_alias"  # the hidden page at /overview that sends a reader to the root
ROOT_PATH = "home"  # the default page's own pathname, which Streamlit reserves but never serves


def module(name: str) -> ModuleType:
    return importlib.import_module(f"explorer.pages.{name}")


def pages(run: Callable[[ModuleType], None]) -> dict[str, st.Page]:
    """The ``st.Page`` of every page; ``run(module)`` draws one (the app's frame around it)."""

    def page(spec: PageSpec) -> st.Page:
        def draw() -> None:
            run(module(spec.name))

        draw.__name__ = spec.name
        return st.Page(
            draw,
            title=spec.title,
            url_path=ROOT_PATH if spec.name == DEFAULT else spec.name,
            default=spec.name == DEFAULT,
            visibility="visible" if spec.menu else "hidden",
        )

    out = {spec.name: page(spec) for spec in PAGES}

    def to_default() -> None:  # a typed /overview: the default page lives at the root
        st.switch_page(out[DEFAULT], query_params=st.query_params.to_dict())

    to_default.__name__ = f"{DEFAULT}_alias"
    alias = st.Page(to_default, title=PAGES[0].title, url_path=DEFAULT, visibility="hidden")
    return {**out, ALIAS: alias}


def clean(params: dict[str, object]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items() if v not in (None, "")}


def href(page: str, **params: object) -> str:
    """A deep link to a page of the explorer (relative: the same server and base path). The
    default page is served at the root (``/overview`` only redirects there)."""
    path = "." if page == DEFAULT else page
    query = urlencode(clean(params), safe=":/")
    return f"{path}?{query}" if query else path


def go(page: str, **params: object) -> None:
    """Open ``page`` with ``params`` in this tab (stops this run)."""
    st.switch_page(st.session_state["explorer_pages"][page], query_params=clean(params))
