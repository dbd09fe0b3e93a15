"""The explorer's SPARQL console page.

The query lives in the address (``sparql?q=SELECT…``): Run puts it there, and opening such a
link shows the query and runs it, so a link reproduces an answer. Answers are cached per store
version (a query runs in a child process that costs about a second to start). The time shown
is the engine's time for the query itself, not the child process's start.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer.source import Source, open_store
from explorer.widgets import bound_select, qp, result_frame, set_param, table
from kb.escape import csv_bytes, md_escape
from kb.labels import amount
from kb.query import QueryRejected, check_query, user_query
from kb.questions import load_questions
from kb.read import base
from kb.store import QueryResult, StoreError, bind

KEY = "sparql_text"
STARTER = (
    base.PREFIXES
    + "SELECT ?kind (COUNT(?f) AS ?findings) WHERE {\n"
    + "  ?f a cb:Finding ; cb:kind/skos:notation ?kind .\n"
    + "} GROUP BY ?kind ORDER BY DESC(?findings)"
)


def render(src: Source) -> None:
    st.header("SPARQL console")
    st.caption(
        "Read-only: SELECT, ASK, CONSTRUCT or DESCRIBE over the union of the named graphs; "
        "no SERVICE, LOAD or updates; stopped after the time limit; at most 10,000 rows. "
        "Run puts the query in the address: a link to this page reproduces it."
    )
    questions = load_questions()
    example = bound_select(
        "Start from a named question",
        ["", *questions],
        "example",
        format_func=lambda n: questions[n].title if n else "—",
    )
    linked = qp("q")
    if st.session_state.get("sparql_example") != example:
        st.session_state["sparql_example"] = example
        if example and not linked:
            q = questions[example]
            st.session_state[KEY] = bind(q.sparql, q.bindings({}))
    if linked and st.session_state.get("sparql_linked") != linked:
        st.session_state["sparql_linked"] = linked  # a link's query (or Run's, echoed back)
        st.session_state[KEY] = linked
    st.session_state.setdefault(KEY, STARTER)
    sparql = st.text_area("Query", key=KEY, height=260)
    timeout = st.number_input("Time limit (seconds)", 1, 60, value=10, key="sparql_timeout")
    if st.button("Run", key="sparql_run", type="primary"):
        st.session_state["sparql_linked"] = sparql
        set_param("q", sparql)
        linked = sparql
    if not linked or linked != sparql:
        return
    stored = st.session_state.get("sparql_result")
    if not stored or stored[0] != (sparql, timeout):
        try:
            with st.spinner("Running…"):
                result = _run(src.key, src.version, src.data_dir, src.url, sparql, float(timeout))
        except QueryRejected as exc:
            st.error(f"Query rejected: {md_escape(str(exc))}")
            return
        except StoreError as exc:
            st.error(f"Query failed: {md_escape(str(exc))}")
            return
        stored = st.session_state["sparql_result"] = ((sparql, timeout), result)
    show(stored[1])


@st.cache_data(max_entries=32, show_spinner=False)
def _run(
    key: tuple[str, str],
    version: str | None,
    data_dir: Path,
    url: str | None,
    sparql: str,
    timeout: float,
) -> QueryResult:
    """The answer of one store version (a failure raises, and is not cached)."""
    if url:
        check_query(sparql)
        return open_store(key, version).query(sparql)
    return user_query(data_dir, sparql, timeout=timeout)


def show(result: QueryResult) -> None:
    df = result_frame(result)
    st.caption(
        f"{amount(len(df), 'row')}{' (truncated at the row limit)' if result.truncated else ''} · "
        f"query {result.elapsed * 1000:.0f} ms (the engine's own time)"
    )
    table(df)
    st.download_button("Download CSV", csv_bytes(df), "query.csv", "text/csv", key="sparql_csv")
