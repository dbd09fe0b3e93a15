"""The explorer's Concepts page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import bound_select, href, open_button, page_column, table
from kb.read import base, entities


def render(src: Source) -> None:
    st.header("Concepts")
    kind = bound_select(
        "Kind", list(base.BROWSE_KINDS), "kind", default="condition", reset=("open",)
    )
    with st.spinner("Counting findings…"):
        rows = data.concepts_of_kind(src, kind)
    loose = sum(entities.unmapped(r.id) for r in rows)
    st.caption(
        f"{len(rows)} concepts found as {kind}"
        + (f", {loose} of them words no vocabulary grounds (marked)" if loose else "")
    )
    table(
        [
            {
                "concept": href("concept", id=r.id),
                "label": f"{r.label} (not in the vocabulary)"
                if entities.unmapped(r.id)
                else r.label,
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
