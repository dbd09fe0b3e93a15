"""The pieces pages share: query-parameter-bound widgets, links, tables, the evidence panel."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from explorer import data
from explorer.nav import go, href
from explorer.source import Source
from kb.escape import md_escape
from kb.labels import MISSING, human_duration
from kb.query import QueryRejected
from kb.questions import QuestionError
from kb.read import base, entities, iri_links, provenance
from kb.store import StoreError

LEGEND = " ".join(
    f":{color}[**{kind.replace('_', ' ')}**]"
    for kind, color in base.KIND_COLORS.items()
    if kind != "patient_attribute"
)


def qp(name: str, default: str | None = None) -> str | None:
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def link(label: str, page: str, **params: object) -> str:
    """A Markdown link to a page (opens it in a new tab); the label is escaped."""
    return f"[{md_escape(label)}]({href(page, **params)})"


def set_param(name: str, value: object, reset: Sequence[str] = ()) -> None:
    for other in reset:
        st.query_params.pop(other, None)
    if value in (None, "", []):
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = str(value)


def bound_select(
    label: str,
    options: Sequence,
    param: str,
    default=None,
    format_func: Callable = str,
    reset: Sequence[str] = (),
    container=st,
    key: str | None = None,
    help: str | None = None,
):
    """A selectbox whose value lives in the query parameter ``param`` (deep-linkable)."""
    key = key or f"w_{param}"
    options = list(options)
    raw = qp(param, None if default is None else str(default))
    by_text = {str(o): o for o in options}
    value = by_text.get(raw) if raw is not None else None
    if value is None and raw is None and default in options:
        value = default
    if value is None and options and raw is None:
        value = options[0]
    if value is None and options:
        value = options[0]
        if raw is not None:  # a deep link's value that is not among the choices: say so
            st.warning(f"{md_escape(label)}: no choice {md_escape(raw)!r}; showing the first.")
    st.session_state[key] = value

    def changed() -> None:
        set_param(param, st.session_state[key], reset)

    return container.selectbox(
        label, options, key=key, format_func=format_func, on_change=changed, help=help
    )


def bound_text(
    label: str,
    param: str,
    default: str = "",
    reset: Sequence[str] = (),
    container=st,
    key: str | None = None,
    area: bool = False,
    **kwargs,
) -> str:
    key = key or f"w_{param}"
    st.session_state[key] = qp(param, default) or ""

    def changed() -> None:
        set_param(param, st.session_state[key], reset)

    widget = container.text_area if area else container.text_input
    return widget(label, key=key, on_change=changed, **kwargs)


def open_button(label: str, page: str, key: str, **params: object) -> None:
    if st.button(label, key=key):
        go(page, **params)


def show_error(exc: BaseException) -> None:
    if isinstance(exc, QueryRejected):
        st.error(f"Query rejected: {md_escape(str(exc))}")
    elif isinstance(exc, StoreError):
        st.error(f"The knowledge base could not answer: {md_escape(str(exc))}")
    elif isinstance(exc, QuestionError):
        st.error(f"Bad parameter: {md_escape(str(exc))}")
    elif isinstance(exc, ValueError):
        st.error(f"Invalid input: {md_escape(str(exc))}")
    else:
        st.error(f"Something went wrong ({type(exc).__name__}): {md_escape(str(exc))}")


TABLE_PX = 880  # the main column at a 1,400 px window: what every table's columns share
CHAR_PX, MIN_PX = 7, 64


def column_widths(df: pd.DataFrame, total: int = TABLE_PX) -> dict[str, int]:
    """A width per column so that all of them fit in ``total`` pixels: each as wide as its
    header and most of its values; the wide ones shrunk, the widest most (their cells end in
    "…" and open whole when clicked), none narrower than ``MIN_PX``."""
    want = {}
    for column in df.columns:
        lengths = df[column].map(lambda v: len(str(v)))
        longest = max(len(str(column)), int(lengths.quantile(0.9)) if len(lengths) else 0)
        want[str(column)] = max(MIN_PX, CHAR_PX * longest + 24)
    room, left = total, dict(want)
    while left:  # a column wanting less than its share (by the root of its want) gets it all
        weight = sum(w**0.5 for w in left.values())
        share = {c: room * w**0.5 / weight for c, w in left.items()}
        small = {c: w for c, w in left.items() if w <= share[c]}
        if not small:
            return {**want, **{c: max(MIN_PX, int(share[c])) for c in left}}
        room -= sum(small.values())
        left = {c: w for c, w in left.items() if c not in small}
    return want


def table(rows: Sequence[dict] | pd.DataFrame, column_config: dict | None = None, **kwargs) -> None:
    """A table whose every column is visible at the page's width (none pushed off the right)."""
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if df.empty:
        st.caption("(nothing)")
        return
    shown = df.map(readable)
    config: dict[str, Any] = dict(column_config or {})
    for column, width in column_widths(shown).items():
        given = config.get(column)
        if given is None:
            config[column] = st.column_config.Column(width=width)
        elif isinstance(given, dict) and given.get("width") is None:
            config[column] = {**given, "width": width}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, **kwargs)


def readable(value: object) -> object:
    """A cell as a reader wants it: a dash for a missing value (never None or nan), an ISO
    duration in words ("P70D" → "70 days"); anything else as it is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, str):
        if value.strip().lower() in ("none", "nan"):
            return MISSING
        if value.startswith("P") and (words := human_duration(value)):
            return words
    return value


def _linked(value: object) -> object:
    """A cell's IRI as the deep link of its page; any other cell as it is."""
    target = iri_links.page_of(value) if isinstance(value, str) and value else None
    return href(target[0], **target[1]) if target else value


def page_column(label: str = "open") -> Any:  # a st.column_config.LinkColumn
    """A table column of deep links, each shown as its ``id=`` value."""
    return st.column_config.LinkColumn(label, display_text=r"id=([^&]+)")


def finding_name(f: entities.Finding) -> str:
    """A finding as a reader names it: a value finding by its value ("duration: 4 months", not
    "duration: duration"), with its label where the label says more than the kind."""
    if not f.value:
        return f.label
    value = str(readable(f.value))
    return value if f.label in (f.kind, f.concept) else f"{f.label} {value}"


def finding_rows(findings: Sequence[entities.Finding]) -> list[dict]:
    """A findings table's rows; the value and subject columns only where they say something
    (a case's findings are all about the case)."""
    rows = [
        {
            "kind": f.kind,
            "finding": f"{f.label} (not in the vocabulary)"
            if entities.unmapped(f.concept)
            else f.label,
            "assertion": f.assertion,
            "value": f.value or "",
            "method": base.METHODS.get(f.method, f.method),
            "section": f.section,
            "sentence": f.sentence,
            "subject": f.subject_label or iri_links.local_name(f.subject),
            "concept": (
                href("concept", id=f.concept)
                if f.concept and not entities.unmapped(f.concept)
                else ""
            ),
        }
        for f in findings
    ]
    drop = [c for c, same in (("value", False), ("subject", True))
            if (len({r[c] for r in rows}) <= 1 if same else not any(r[c] for r in rows))]  # fmt: skip
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


def evidence_panel(ev: provenance.Evidence, key: str) -> None:
    """An evidence node: the sentence in its paragraph with the mentions highlighted, where it
    was read (section, method), the assertion, the extractor and links to the article."""
    with st.container(border=True):
        if ev.status:
            st.error(f"From a {ev.status.upper()} article: weigh this evidence accordingly.")
        st.markdown(
            f"**Evidence** of the {md_escape(ev.kind.replace('_', ' '))} "
            f"**{md_escape(ev.label)}** · {md_escape(ev.method_label)} · section "
            f"*{md_escape(ev.section or '—')}* · assertion **{md_escape(ev.assertion)}**"
        )
        st.markdown("> " + iri_links.highlight(ev.sentence, ev.sentence_spans))
        if ev.passage and ev.passage.text.strip() != ev.sentence.strip():
            where = (
                "its paragraph of the abstract"
                if ev.passage.source == "abstract"
                else "its paragraph (the neighbouring sentences the graph keeps)"
            )
            st.caption(f"In {where}:")
            st.markdown(iri_links.highlight(ev.passage.text, ev.passage.spans))
        st.caption(
            "Highlighted: " + LEGEND + " — the finding itself on a background; words no vocabulary "
            "grounds are left plain."
        )
        facts = {
            "finding": ev.label,
            "kind": ev.kind,
            "concept": f"{ev.concept_label} ({ev.concept})" if ev.concept else "",
            "value": str(readable(ev.value)) if ev.value else "",
            "subject": ev.subject_label or iri_links.local_name(ev.subject),
            "method": ev.method_label,
            "extractor": f"{ev.extractor} {ev.version}",
            "score": "" if ev.score is None else f"{ev.score:g}",
            "source text": f"{ev.source_text} [{ev.start}:{ev.end}], mention [{ev.span_start}:{ev.span_end}]",
            "article": ev.title or iri_links.document_id(ev.article),
        }
        st.table(pd.DataFrame({"value": list(facts.values())}, index=list(facts)))
        links = [f"[{md_escape(label)}]({url})" for label, url in ev.links]
        links.append(link("article page", "article", id=iri_links.document_id(ev.article)))
        if ev.concept:
            links.append(link("concept page", "concept", id=ev.concept))
        if ev.subject.startswith(base.ID + "case/"):
            links.append(link("case page", "case", id=iri_links.case_id(ev.subject)))
        st.markdown(" · ".join(links))
        cols = st.columns(3)
        with cols[0]:
            open_button(
                "Open the article", "article", f"{key}_art", id=iri_links.document_id(ev.article)
            )
        if ev.concept:
            with cols[1]:
                open_button("Open the concept", "concept", f"{key}_con", id=ev.concept)
        if ev.subject.startswith(base.ID + "case/"):
            with cols[2]:
                open_button(
                    "Open the case",
                    "case",
                    f"{key}_case",
                    id=iri_links.case_id(ev.subject),
                )


def findings_with_evidence(src: Source, findings: Sequence[entities.Finding], key: str) -> None:
    """A findings table, and the evidence of the one chosen in the selectbox below it."""
    table(finding_rows(findings), column_config={"concept": page_column("concept")})
    if not findings:
        return
    options = [None, *range(len(findings))]
    choice = bound_select(
        "Show the evidence of",
        options,
        f"{key}_row",
        format_func=lambda i: (
            "—"
            if i is None
            else f"{i + 1}. {findings[i].kind}: {finding_name(findings[i])} ({findings[i].method})"
        ),
        key=f"w_{key}_row",
    )
    if choice is not None:
        ev = data.evidence(src, findings[choice].evidence)
        if ev:
            evidence_panel(ev, key=f"{key}_ev")


def result_frame(result) -> pd.DataFrame:
    return pd.DataFrame(result.rows, columns=result.columns)


def linked_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """A copy of ``df`` whose columns of article/case/concept IRIs are deep links to their
    pages (shown as their ids), with the column configuration that shows them so."""
    out = df.copy()
    config = {}
    for column in out.columns:
        values = [v for v in out[column] if isinstance(v, str) and v]
        if not values or not all(v.startswith(base.ID) for v in values):
            continue
        pages = [iri_links.page_of(v) for v in values]
        if all(pages):
            out[column] = [_linked(v) for v in out[column]]
            config[column] = page_column(column)
        else:
            out[column] = [
                iri_links.local_name(v) if isinstance(v, str) else v for v in out[column]
            ]
    return out, config


def case_summary(c: entities.CaseInfo) -> None:
    with st.container(border=True):
        demo = ", ".join(
            p
            for p in (
                f"age {human_duration(c.age) or c.age}" if c.age else None,
                c.sex,
                "; ".join(c.sites) if c.sites else None,
            )
            if p
        )
        st.markdown(
            f"**{link(c.label or 'Case', 'case', id=c.id)}** · {md_escape(c.document)}"
            + (f" · {md_escape(demo)}" if demo else "")
        )
        for kind in base.KINDS:
            if c.findings.get(kind):
                color = base.KIND_COLORS[kind]
                st.markdown(
                    f"{kind.replace('_', ' ')}: "
                    + ", ".join(f":{color}[{md_escape(v)}]" for v in c.findings[kind])
                )
        if c.unmapped:
            st.caption(
                "Read but not in the vocabulary (unchecked words, left out above): "
                + md_escape(", ".join(f"{words} ({kind})" for kind, words in c.unmapped))
            )
        open_button("Open the case", "case", f"case_{c.id}", id=c.id)
