"""The explorer's Articles page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import (
    bound_select,
    bound_text,
    href,
    open_button,
    page_column,
    qp,
    set_param,
    table,
)
from kb.escape import md_escape
from kb.read import base


def render(src: Source) -> None:
    st.header("Articles")
    text = bound_text(
        "Search titles (or a PMID, a DOI)",
        "search",
        reset=("p",),
        max_chars=base.SEARCH_MAX,
        placeholder="e.g. calcinosis",
    )
    cols = st.columns(4)
    years = ["", *sorted((y for y, _ in data.publications_by_year(src)), reverse=True)]
    year = bound_select(
        "Year", years, "year", format_func=lambda y: y or "any", reset=("p",), container=cols[0]
    )
    types = ["", *(t for t, _ in data.publication_types(src))]
    ptype = bound_select(
        "Publication type",
        types,
        "type",
        format_func=lambda t: t or "any",
        reset=("p",),
        container=cols[1],
    )
    mesh = data.mesh_descriptors(src)
    mesh_names = {ui: name for ui, name, _ in mesh}
    mesh_ui = bound_select(
        "MeSH heading",
        ["", *mesh_names],
        "mesh",
        format_func=lambda ui: f"{mesh_names[ui]} ({ui})" if ui else "any",
        reset=("p",),
        container=cols[2],
    )
    vocab = data.vocabulary(src)
    labels = {c: lab for c, lab, _ in vocab}
    concept_id = bound_select(
        "Concept",
        ["", *labels],
        "concept",
        format_func=lambda c: f"{labels[c]} ({c})" if c else "any",
        reset=("p",),
        container=cols[3],
    )
    page_no = max(0, base.as_int(qp("p"), 0))
    with st.spinner("Searching…"):
        result = data.search_articles(
            src,
            text,
            year or None,
            ptype or None,
            mesh_ui or None,
            concept_id or None,
            page_no * base.PAGE_SIZE,
            base.PAGE_SIZE,
        )
    if result.total == 0:
        what = f" “{md_escape(text.strip())}”" if text.strip() else ""
        st.info(f"No article matches{what}. Try fewer words or other filters.")
        return
    first = result.offset + 1
    st.caption(
        f"Articles {first}–{result.offset + len(result.rows)} of {result.total:,}"
        + (
            ""
            if result.sorted
            else " (many matches: in the store's order; narrow the search "
            "to sort them newest first)"
        )
    )
    table(
        [
            {
                "article": href("article", id=r.id),
                "title": r.title,
                "year": r.year or "",
                "journal": r.journal or "",
                "types": r.types,
            }
            for r in result.rows
        ],
        column_config={"article": page_column("article")},
    )
    nav = st.columns(3)
    if page_no > 0:
        nav[0].button("← previous", on_click=set_param, args=("p", page_no - 1), key="prev")
    if result.offset + len(result.rows) < result.total:
        nav[2].button("next →", on_click=set_param, args=("p", page_no + 1), key="next")
    ids = [r.id for r in result.rows]
    titles = {r.id: r.title for r in result.rows}
    chosen = st.selectbox(
        "Open an article",
        [None, *ids],
        format_func=lambda i: "—" if i is None else f"{titles[i][:90]} ({i})",
        key="open_article",
    )
    if chosen:
        open_button("Open", "article", "open_article_go", id=chosen)
