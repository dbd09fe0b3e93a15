"""The explorer's Evidence synthesis page."""

from __future__ import annotations

from dataclasses import asdict

import altair as alt
import pandas as pd
import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import bound_select, evidence_panel, href, page_column, qp, set_param, table
from kb.escape import md_escape
from kb.read import iri_links
from kb.read.outcome_chart import OutcomeChart

SOURCES = {"all": "all sources", "sound": "sound sources only (no retracted or corrected article)"}


def render(src: Source) -> None:
    st.header("Evidence synthesis")
    st.caption(
        "Treatment → outcome over patient cases (the text links the treatment to the outcome); "
        "from the `treatment_outcomes` question, or per condition from the cases with it."
    )
    cols = st.columns(2)
    sources = bound_select(
        "Sources",
        list(SOURCES),
        "sources",
        default="all",
        format_func=SOURCES.get,
        reset=("treatment", "outcome", "case"),
        container=cols[0],
    )
    condition = condition_picker(src, cols[1])
    with st.spinner("Synthesising…"):
        chart = data.outcome_chart(src, sources, condition)
    if not chart.counts:
        among = "with this condition " if condition else ""
        st.info(f"No case {among}has a treatment that the text links to an outcome.")
        return
    df = pd.DataFrame([asdict(c) for c in chart.counts])
    flagged = df[df["flagged"] > 0]
    if not flagged.empty:
        st.warning(
            f"{len(flagged)} of these cells count cases from retracted or corrected articles "
            "(column *flagged* below); choose “sound sources only” to leave them out."
        )
        table(flagged[["treatment", "outcome", "cases", "flagged"]])
    st.subheader("Outcomes per treatment")
    st.caption(
        "Left: cases per outcome (dot size and label = number of cases). Right: each time to the "
        "outcome that a case report gives, in days."
    )
    st.altair_chart(outcome_picture(chart), width="content")
    matrix = df.pivot_table(
        index="treatment", columns="outcome", values="cases", aggfunc="sum", fill_value=0
    )
    st.subheader("Cases per treatment and outcome")
    st.dataframe(matrix, width="stretch")
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
    if condition is not None:
        kept = data.condition_cases(src, condition)
        cases = [c for c in cases if c.case in kept]
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


def condition_picker(src: Source, container) -> str | None:
    """The condition filter (query parameter ``condition``): concepts of kind condition only; a
    deep link may name one by label, synonym or identifier, and an unknown one is reported."""
    choices = data.concept_choices(src, "condition")
    labels = dict(choices)
    raw = qp("condition")
    if raw is not None and raw not in labels:
        found, problem = data.concept_lookup(src, raw, "condition")
        if found is None:
            st.warning(f"{md_escape(problem)}: showing all conditions.")
        set_param("condition", found if found in labels else None)
    return bound_select(
        "Condition",
        [None, *labels],
        "condition",
        format_func=lambda c: "all conditions" if c is None else f"{labels[c]} ({c})",
        reset=("treatment", "outcome", "case"),
        container=container,
    )


def outcome_picture(chart: OutcomeChart) -> alt.HConcatChart:
    """Two panels on one treatment axis: case counts per outcome as labelled dots, and each
    reported time to an outcome as a dot in days (not medians stacked into bars)."""
    counts = pd.DataFrame([asdict(c) for c in chart.counts])
    treatments = sorted(counts["treatment"].unique(), key=str.lower)
    names = alt.Axis(labelLimit=260, labelFontSize=12)  # whole treatment names, readable
    y = alt.Y("treatment:N", sort=treatments, title=None, axis=names)
    every = alt.Axis(labelAngle=-40, labelLimit=200, labelOverlap=False, labelFontSize=12)
    dots = alt.Chart(counts).encode(
        x=alt.X("outcome:N", title="outcome", axis=every),
        y=y,
        tooltip=["treatment", "outcome", "cases", "flagged"],
    )
    left = (
        dots.mark_circle(opacity=0.6).encode(
            size=alt.Size("cases:Q", title="cases", scale=alt.Scale(range=[60, 900])),
            color=alt.Color("outcome:N", legend=None),
        )
        + dots.mark_text(fontSize=12, fontWeight="bold").encode(text="cases:Q")
    ).properties(title="cases per outcome", width=alt.Step(34))
    times = pd.DataFrame([asdict(t) for t in chart.times], columns=["treatment", "outcome", "days"])
    right = (
        alt.Chart(times)
        .mark_circle(size=90, opacity=0.75)
        .encode(
            x=alt.X("days:Q", title="days to the outcome"),
            y=alt.Y(
                "treatment:N",
                sort=treatments,
                title=None,
                scale=alt.Scale(domain=treatments),
                axis=names,
            ),
            color=alt.Color("outcome:N", title="outcome"),
            tooltip=["treatment", "outcome", "days"],
        )
        .properties(title="time to outcome per case" if len(times) else "no times reported")
    )
    return alt.hconcat(left, right).resolve_scale(color="shared")
