"""The explorer's Questions page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import (
    bound_select,
    bound_text,
    evidence_panel,
    link,
    linked_frame,
    qp,
    readable,
    result_frame,
    set_param,
    table,
)
from kb.escape import csv_bytes, md_escape
from kb.labels import amount
from kb.query import ROW_LIMIT
from kb.questions import load_questions
from kb.read import base, provenance


def render(src: Source) -> None:
    st.header("Questions")
    questions = load_questions()
    names = list(questions)
    name = bound_select(
        "Question",
        names,
        "q",
        default="treatments_that_resolved",
        format_func=lambda n: questions[n].title,
        reset=("row", "p"),
    )
    question = questions[name]
    st.markdown(md_escape(question.description))
    st.caption(f"`{name}` · deep link: {link('this question', 'questions', q=name)}")
    values: list[tuple[str, str]] = []
    for p in question.params:
        label = f"{p.name} ({p.type})" + (f": {p.description}" if p.description else "")
        if p.type == "concept":
            kind = p.name if p.name in base.KIND_IRI else None  # a "condition" offers conditions
            choices = data.concept_choices(src, kind)
            ids, labels = [c for c, _ in choices], dict(choices)
            if p.default and p.default not in labels:
                ids.insert(0, p.default)
            raw = qp(p.name)
            if raw is not None and raw not in labels:  # a deep link's label, or an unknown name
                found, problem = data.concept_lookup(src, raw, kind)
                if found is None:
                    st.warning(f"{md_escape(problem)}: showing {p.default or 'the first'}.")
                if found not in labels and found is not None:
                    ids.insert(0, found)
                set_param(p.name, found or p.default)
            value = bound_select(
                label,
                ids,
                p.name,
                default=p.default,
                format_func=lambda c, labels=labels: f"{labels.get(c, c)} ({c})",
                reset=("row", "p"),
            )
        elif p.choices:
            value = bound_select(label, list(p.choices), p.name, default=p.default,
                                 reset=("row", "p"))  # fmt: skip
        else:
            value = bound_text(label, p.name, default=p.default or "", reset=("row", "p"))
        if value not in (None, ""):
            values.append((p.name, str(value)))
    page_no = max(1, base.as_int(qp("p"), 1)) if question.page_size else 1
    paging = (ROW_LIMIT, page_no) if question.page_size else ()  # same call as the warm-up's
    with st.spinner("Asking the knowledge graph…"):
        result = data.ask_named(src, name, tuple(values), *paging)
    df = result_frame(result)
    if question.page_size:
        first = (page_no - 1) * question.page_size + 1
        more = " · more on the next page" if result.truncated else ""
        st.caption(f"Rows {first}–{first + len(df) - 1} (pages of {question.page_size}, in the "
                   f"store's order, each sorted){more} · {result.elapsed * 1000:.0f} ms")  # fmt: skip
        nav = st.columns(3)
        if page_no > 1:
            nav[0].button("← previous", on_click=set_param, args=("p", page_no - 1, ("row",)),
                          key="q_prev")  # fmt: skip
        if result.truncated:
            nav[2].button("next →", on_click=set_param, args=("p", page_no + 1, ("row",)),
                          key="q_next")  # fmt: skip
    else:
        truncated = " (truncated)" if result.truncated else ""
        st.caption(f"{amount(len(df), 'row')}{truncated} · {result.elapsed * 1000:.0f} ms")
    if df.empty:
        st.info("No rows: nothing in the knowledge graph answers this question with these values.")
        return
    key = f"qtable_{name}"

    def picked() -> None:
        rows = st.session_state[key].selection.rows
        set_param("row", rows[0] if rows else None)

    shown_df, config = linked_frame(df)
    table(shown_df, column_config=config, on_select=picked, selection_mode="single-row", key=key)
    st.download_button(
        "Download these rows (CSV)", csv_bytes(df), f"{name}.csv", "text/csv", key="q_csv"
    )
    shown = [c for c in df.columns if not str(df[c].iloc[0] or "").startswith("http")][:3]
    options = [None, *range(len(df))]
    row = bound_select(
        "Evidence for row",
        options,
        "row",
        format_func=lambda i: (
            "—"
            if i is None
            else f"{i + 1}. "
            + " · ".join(str(readable(v)) for v in df.iloc[i][shown] if pd.notna(v))
        ),
    )
    if row is None:
        st.caption("Select a row (in the table or above) to see its evidence.")
        return
    record = {c: (None if pd.isna(v) else str(v)) for c, v in df.iloc[row].items()}
    evidence_iri = provenance.evidence_iri_of(record)
    sentence, article = record.get("sentence"), record.get("article")
    if evidence_iri is None and sentence and article:
        want = next(
            (record[c] for c in ("treatment", "claimed", "label", "etiology") if record.get(c)),
            None,
        )
        evidence_iri = data.find_evidence(src, sentence, article, want)
    if evidence_iri is None:
        st.info("This row names no evidence sentence.")
        return
    ev = data.evidence(src, evidence_iri)
    if ev is None:
        st.warning("The evidence of this row is not in the knowledge graph.")
    else:
        evidence_panel(ev, key="q_ev")
