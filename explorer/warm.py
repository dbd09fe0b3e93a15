"""The whole-graph answers the pages start from, computed once per store version in the
background when the app first sees it, so that the first visitor of a page on a large KB does
not wait for them (each lands in the same cache as the page's own call)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from explorer import data
from explorer.source import Source
from kb.read.base import BROWSE_KINDS

log = logging.getLogger("casebook.app")

WARM: list[tuple[Callable[..., object], tuple]] = [
    (data.counts, ()),
    (data.seed_references, ()),
    (data.full_text_counts, ()),
    (data.runs, ()),
    (data.publications_by_year, ()),
    (data.publication_types, ()),
    (data.vocabulary, ()),
    (data.seed_articles, ()),
    (data.mesh_descriptors, ()),
    (data.search_articles, ("", None, None, None, None, 0, 25)),
    *((data.concepts_of_kind, (kind,)) for kind in BROWSE_KINDS),
    (data.outcome_chart, ("all", None)),
    (data.case_pairs, ()),
    (data.ask_named, ("treatments_that_resolved", (("condition", "calcinosis_cutis_iatrogenic"),))),
    (data.ask_named, ("treatment_outcomes", ())),
    (data.ask_named, ("citation_check", ())),
]


def warm_up(src: Source) -> None:
    _warm_up(src.key, src.version, str(src.data_dir))


@st.cache_resource(max_entries=4, show_spinner=False)
def _warm_up(key: tuple[str, str], version: str | None, data_dir: str) -> threading.Thread:
    src = Source(key, version, Path(data_dir))

    def work() -> None:
        for fn, args in WARM:
            try:
                started = time.perf_counter()
                fn(src, *args)
                log.debug("warmed %s in %.2f s", fn.__name__, time.perf_counter() - started)
            except Exception:  # the page that needs it will say what is wrong
                log.warning("warm-up of %s failed", fn.__name__, exc_info=True)

    thread = threading.Thread(target=work, name=f"casebook-warm-{version}", daemon=True)
    thread.start()
    return thread
