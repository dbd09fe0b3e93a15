"""The explorer's Overview page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import href, page_column, table
from kb.escape import md_escape
from kb.read import iri_links


def render(src: Source) -> None:
    st.header("Overview")
    with st.spinner("Counting…"):
        counts = data.counts(src)
        refs = data.seed_references(src)
        full = data.full_text_counts(src)
        runs = data.runs(src)
    cols = st.columns(5)
    cols[0].metric("Articles", counts.articles)
    cols[1].metric("Cases", counts.cases)
    cols[2].metric("Findings", sum(counts.findings.values()))
    cols[3].metric("References resolved", f"{counts.resolved} / {counts.references}")
    cols[4].metric("Full texts (PMC)", full["full text"])
    last = runs[0].ended if runs else None
    st.markdown(
        f"Last refresh: **{md_escape(last or 'unknown')}**"
        + (f" ({md_escape(runs[0].kind or 'run')}; {len(runs)} runs recorded)" if runs else "")
        + f" · store version `{src.version}`"
    )
    left, right = st.columns(2)
    with left:
        st.subheader("Findings by kind")
        table([{"kind": k, "findings": n} for k, n in counts.findings.items()])
        st.subheader("Publication types")
        table([{"type": t, "articles": n} for t, n in data.publication_types(src)])
    with right:
        st.subheader("Publications by year")
        years = data.publications_by_year(src)
        if years:
            st.bar_chart(pd.DataFrame(years, columns=["year", "articles"]).set_index("year"))
        else:
            st.caption("(no years)")
    st.subheader("The seed's references")
    if not refs:
        st.caption("No seed references in this knowledge base.")
    else:
        resolved = [r for r in refs if r.article]
        methods: dict[str, int] = {}
        for r in resolved:
            methods[r.method or "?"] = methods.get(r.method or "?", 0) + 1
        st.markdown(
            f"{len(refs)} references: {len(resolved)} resolved ("
            + ", ".join(f"{n} {m}" for m, n in sorted(methods.items()))
            + f"), {len(refs) - len(resolved)} unresolved; "
            f"{sum(r.fetched for r in refs)} fetched, "
            f"{sum(r.open_access is True for r in refs)} with full text."
        )
        table(
            [
                {
                    "#": r.number,
                    "resolved by": r.method or "—",
                    "score": "—" if r.score is None else f"{r.score:.2f}",
                    "unresolved because": r.reason or "",
                    "fetched": "yes" if r.fetched else "no",
                    "text": r.full_text,
                    "retracted": "RETRACTED" if r.retracted else "",
                    "seed's claims": r.claims,
                    "title": r.title or r.raw,
                    "article": href("article", id=iri_links.document_id(r.article))
                    if r.article
                    else "",
                    "detail": r.detail or "",
                }
                for r in refs
            ],
            column_config={"article": page_column("article")},
        )
    if runs:
        st.subheader("Runs")
        table([{"ended": r.ended, "kind": r.kind, "label": r.label or ""} for r in runs])
