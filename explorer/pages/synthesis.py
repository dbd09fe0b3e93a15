"""The explorer's Evidence synthesis page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import bound_select, evidence_panel, href, page_column, result_frame, table
from kb.escape import md_escape
from kb.read import iri_links

SOURCES = {"all": "all sources", "sound": "sound sources only (no retracted or corrected article)"}


def render(src: Source) -> None:
    st.header("Evidence synthesis")
    st.caption(
        "Treatment × outcome over patient cases (both present in the same case); from the "
        "`treatment_outcomes` question."
    )
    sources = bound_select(
        "Sources",
        list(SOURCES),
        "sources",
        default="all",
        format_func=SOURCES.get,
        reset=("treatment", "outcome", "case"),
    )
    with st.spinner("Synthesising…"):
        result = data.ask_named(src, "treatment_outcomes", (("sources", sources),))
        resolutions = data.resolution_outcomes(src)
    df = result_frame(result)
    if df.empty:
        st.info("No case has both a treatment and an outcome.")
        return
    df["cases"] = df["cases"].astype(int)
    flagged = df[df["flagged"].astype(int) > 0]
    if not flagged.empty:
        st.warning(
            f"{len(flagged)} of these cells count cases from retracted or corrected articles "
            "(column *flagged* below); choose “sound sources only” to leave them out."
        )
        table(flagged[["treatment", "outcome", "cases", "flagged"]])
    matrix = df.pivot_table(
        index="treatment", columns="outcome", values="cases", aggfunc="sum", fill_value=0
    )
    st.subheader("Cases per treatment and outcome")
    st.dataframe(matrix, width="stretch")
    times = df[df["outcome"].isin(resolutions) & df["median_days"].notna()].copy()
    st.subheader("Time to resolution by treatment")
    if times.empty:
        st.caption("No resolution has a time in the knowledge graph.")
    else:
        import altair as alt

        times["median days"] = times["median_days"].astype(float)
        chart = (
            alt.Chart(times)
            .mark_bar()
            .encode(
                x=alt.X("median days:Q", title="median days to the outcome"),
                y=alt.Y("treatment:N", sort="-x"),
                color=alt.Color("outcome:N"),
                tooltip=["treatment", "outcome", "cases", "times", "median days"],
            )
        )
        st.altair_chart(chart, width="stretch")
        table(times[["treatment", "outcome", "cases", "times", "median_days"]])
    st.subheader("Open a cell")
    treatments = sorted(df["treatment"].unique())
    cols = st.columns(2)
    treatment = bound_select(
        "Treatment", treatments, "treatment", reset=("outcome", "case"), container=cols[0]
    )
    outcomes = sorted(df[df["treatment"] == treatment]["outcome"].unique())
    outcome = bound_select("Outcome", outcomes, "outcome", reset=("case",), container=cols[1])
    cases = data.cell_cases(src, treatment, outcome)
    if sources == "sound":
        cases = [c for c in cases if not c.status]
    st.markdown(f"**{len(cases)}** cases with {md_escape(treatment)} and {md_escape(outcome)}")
    table(
        [
            {
                "case": href("case", id=iri_links.case_id(c.case)),
                "article": iri_links.document_id(c.article),
                "source": (c.status or "").upper(),
                "time": c.time or "",
                "treatment sentence": c.treatment_sentence,
                "outcome sentence": c.outcome_sentence,
            }
            for c in cases
        ],
        column_config={"case": page_column("case")},
    )
    if cases:
        pick = bound_select(
            "Evidence of case",
            [None, *range(len(cases))],
            "case",
            format_func=lambda i: (
                "—"
                if i is None
                else f"{cases[i].label} · {iri_links.document_id(cases[i].article)}"
            ),
        )
        if pick is not None:
            c = cases[pick]
            for what, iri in (("Treatment", c.treatment_evidence), ("Outcome", c.outcome_evidence)):
                st.markdown(f"**{what}**")
                ev = data.evidence(src, iri)
                if ev:
                    evidence_panel(ev, key=f"syn_{what}")
