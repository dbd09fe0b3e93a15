"""The explorer's Downloads page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from explorer.source import Source, open_store
from kb.read import downloads


def render(src: Source) -> None:
    st.header("Downloads")
    st.caption(
        "Made from the knowledge graph as it is now (store version "
        f"`{src.version}`); the same renderers as `kb export`."
    )
    size = 0 if src.url else downloads.store_bytes(src.data_dir)
    items = [
        ("evidence", "Evidence table (CSV): one row per finding with its sentence, offsets, "
         "method and extractor", "casebook-evidence.csv", "text/csv"),
        ("ris", "The seed's references (RIS)", "casebook-references.ris",
         "application/x-research-info-systems"),
        ("bibtex", "The seed's references (BibTeX)", "casebook-references.bib",
         "application/x-bibtex"),
        ("nquads", f"The graph (N-Quads; the store is {size / 1e6:,.1f} MB)", "casebook.nq",
         "application/n-quads"),
        ("trig", "The graph (TriG)", "casebook.trig", "application/trig"),
    ]  # fmt: skip
    for fmt, label, name, mime in items:
        if src.url and fmt in ("nquads", "trig"):
            continue
        if fmt == "trig" and size > TRIG_MAX_BYTES:
            st.caption(
                f"TriG: the store is {size / 1e6:,.0f} MB, too big to convert here (rdflib "
                "holds it all in memory); download N-Quads, or run `kb export --format trig`."
            )
            continue
        st.download_button(
            label,
            data=_deferred(src, fmt),
            file_name=name,
            mime=mime,
            key=f"dl_{fmt}",
            on_click="ignore",
        )


TRIG_MAX_BYTES = 100_000_000


def _deferred(src: Source, fmt: str) -> Callable[[], bytes]:
    key, version, data_dir = src.key, src.version, src.data_dir
    return lambda: download_bytes(key, version, str(data_dir), fmt)


@st.cache_data(max_entries=8, show_spinner=False)
def download_bytes(key: tuple[str, str], version: str | None, data_dir: str, fmt: str) -> bytes:
    """One download, made in memory from the store (cached per version)."""
    return downloads.download(open_store(key, version), Path(data_dir), fmt)
