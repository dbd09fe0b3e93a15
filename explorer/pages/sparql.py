"""The explorer's SPARQL console page."""

from __future__ import annotations

import streamlit as st

from explorer.source import Source, open_store
from explorer.widgets import bound_select, result_frame, table
from kb.escape import csv_bytes, md_escape
from kb.query import QueryRejected, check_query, user_query
from kb.questions import load_questions
from kb.read import base
from kb.store import StoreError


def render(src: Source) -> None:
    st.header("SPARQL console")
    st.caption(
        "Read-only: SELECT, ASK, CONSTRUCT or DESCRIBE over the union of the named graphs; "
        "no SERVICE, LOAD or updates; stopped after the time limit; at most 10,000 rows."
    )
    questions = load_questions()
    example = bound_select(
        "Start from a named question",
        ["", *questions],
        "example",
        format_func=lambda n: questions[n].title if n else "—",
    )
    key = "sparql_text"
    if st.session_state.get("sparql_example") != example:
        st.session_state["sparql_example"] = example
        if example:
            q = questions[example]
            from kb.store import bind

            st.session_state[key] = bind(q.sparql, q.bindings({}))
        elif key not in st.session_state:
            st.session_state[key] = (
                base.PREFIXES
                + "SELECT ?kind (COUNT(?f) AS ?findings) WHERE {\n"
                + "  ?f a cb:Finding ; cb:kind/skos:notation ?kind .\n"
                + "} GROUP BY ?kind ORDER BY DESC(?findings)"
            )
    sparql = st.text_area("Query", key=key, height=260)
    timeout = st.number_input("Time limit (seconds)", 1, 60, value=10, key="sparql_timeout")
    if st.button("Run", key="sparql_run", type="primary"):
        st.session_state["sparql_result"] = None
        try:
            with st.spinner("Running…"):
                if src.url:
                    check_query(sparql)
                    result = open_store(src.key, src.version).query(sparql)
                else:
                    result = user_query(src.data_dir, sparql, timeout=float(timeout))
            st.session_state["sparql_result"] = (sparql, result)
        except QueryRejected as exc:
            st.error(f"Query rejected: {md_escape(str(exc))}")
        except StoreError as exc:
            st.error(f"Query failed: {md_escape(str(exc))}")
    stored = st.session_state.get("sparql_result")
    if stored and stored[0] == sparql:
        result = stored[1]
        df = result_frame(result)
        st.caption(
            f"{len(df)} rows{' (truncated at the row limit)' if result.truncated else ''} · "
            f"{result.elapsed * 1000:.0f} ms"
        )
        table(df)
        st.download_button("Download CSV", csv_bytes(df), "query.csv", "text/csv", key="sparql_csv")
