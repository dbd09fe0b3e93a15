"""The explorer's Concepts page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import bound_select, href, open_button, page_column, table
from kb.read import base


def render(src: Source) -> None:
    st.header("Concepts")
    kind = bound_select(
        "Kind", list(base.BROWSE_KINDS), "kind", default="condition", reset=("open",)
    )
    with st.spinner("Counting findings…"):
        rows = data.concepts_of_kind(src, kind)
    st.caption(f"{len(rows)} concepts found as {kind}")
    table(
        [
            {
                "concept": href("concept", id=r.id),
                "label": r.label,
                "findings": r.findings,
            }
            for r in rows
        ],
        column_config={"concept": page_column("concept")},
    )
    labels = {r.id: r.label for r in rows}
    chosen = st.selectbox(
        "Open a concept",
        [None, *labels],
        format_func=lambda c: "—" if c is None else f"{labels[c]} ({c})",
        key="open_concept",
    )
    if chosen:
        open_button("Open", "concept", "open_concept_go", id=chosen)
