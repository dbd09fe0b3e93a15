"""The explorer's Case page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import case_summary, findings_with_evidence, link, qp
from kb.escape import md_escape
from kb.read import iri_links


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
    st.subheader("Findings and evidence")
    findings_with_evidence(src, data.case_findings(src, case_id), "cf")
