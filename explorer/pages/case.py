"""The explorer's Case page."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import case_summary, findings_with_evidence, link, qp, table
from kb.escape import md_escape
from kb.labels import human_duration
from kb.read import iri_links
from kb.read.case_timeline import STAGES, CaseTimeline


def render(src: Source) -> None:
    case_id = qp("id")
    if not case_id:
        st.info("No case given.")
        return
    info = data.case(src, case_id)
    if info is None:
        st.warning(f"No case {md_escape(case_id)} in the knowledge base.")
        return
    st.header(f"{md_escape(info.label)} · {md_escape(info.document)}")
    st.markdown(
        "In "
        + link(
            iri_links.document_id(info.article), "article", id=iri_links.document_id(info.article)
        )
    )
    case_summary(info)
    timeline_section(data.case_timeline(src, case_id))
    st.subheader("Findings and evidence")
    findings_with_evidence(src, data.case_findings(src, case_id), "cf")


def timeline_section(timeline: CaseTimeline) -> None:
    """The case's exposure → lesion → treatment → outcome chain: in days where the text gives a
    time (from a treatment to its outcome), in order only otherwise."""
    st.subheader("Timeline")
    if not timeline.steps:
        st.caption("No linked exposure, lesion, treatment or outcome in this case.")
        return
    if timeline.timed:
        st.caption("Days from the start of a treatment to its outcome, as the report gives them.")
        st.altair_chart(timeline_picture(timeline), width="stretch")
    else:
        st.info("No times reported for this case: its steps are shown in order only.")
    table(
        [
            {
                "from": f"{s.earlier_stage}: {s.earlier}",
                "to": f"{s.later_stage}: {s.later}",
                "time": "not reported"
                if s.days is None
                else f"{s.days} days ({human_duration(s.reported or '') or s.reported})",
            }
            for s in timeline.steps
        ]
    )


def timeline_picture(timeline: CaseTimeline) -> alt.LayerChart:
    """Each timed step as a line from the treatment (day 0) to its outcome (day N), on the four
    stage lanes in order."""
    points = pd.DataFrame(
        [
            row
            for s in timeline.timed
            for row in (
                {"step": f"{s.earlier} → {s.later}", "stage": s.earlier_stage,
                 "label": s.earlier, "day": 0},
                {"step": f"{s.earlier} → {s.later}", "stage": s.later_stage,
                 "label": s.later, "day": s.days},
            )
        ]
    )  # fmt: skip
    base = alt.Chart(points).encode(
        x=alt.X("day:Q", title="days since the treatment began"),
        y=alt.Y("stage:N", sort=list(STAGES), scale=alt.Scale(domain=list(STAGES)), title=None),
        tooltip=["step", "label", "day"],
    )
    return (
        base.mark_line(color="gray", opacity=0.5).encode(detail="step:N")
        + base.mark_circle(size=120).encode(color=alt.Color("stage:N", title="stage"))
        + base.mark_text(dy=-12, fontSize=12).encode(text="label:N")
    )
