"""Casebook explorer: ``streamlit run app.py`` (options after ``--``: ``--data-dir DIR``,
``--config FILE``, ``--store URL``).

A thin UI over ``kb.explore``: it opens the knowledge base that ``kb build``/``kb demo`` wrote
(the same settings as the CLI: defaults < casebook.toml / KB_CONFIG < KB_* environment < the
options above) read-only, and never writes to it. Pages are chosen by the ``page`` query
parameter, so every page, question, article, concept and graph node has a deep link
(``?page=questions&q=treatments_that_resolved``). Results are cached per store version: a new
build or refresh is seen on the next interaction.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from kb import explore as x
from kb.config import ConfigError, load_settings
from kb.escape import csv_bytes
from kb.query import QueryRejected, check_query, user_query
from kb.questions import QuestionError, load_questions
from kb.store import StoreError, stale_derived

log = logging.getLogger("casebook.app")

PAGES = {
    "overview": "Overview",
    "questions": "Questions",
    "articles": "Articles",
    "concepts": "Concepts",
    "synthesis": "Evidence synthesis",
    "citations": "Citation check",
    "graph": "Graph",
    "sparql": "SPARQL console",
    "downloads": "Downloads",
}
DETAIL_PAGES = {"article": "articles", "case": "articles", "concept": "concepts"}
NO_KB = (
    "No knowledge base in {data_dir} yet. Build one first — the offline synthetic demo: "
    "`kb demo --data-dir DIR`, or from a seed article: `kb build --seed PATH` — then reload "
    "this page. (The data directory comes from `--data-dir`, `KB_DATA_DIR` or "
    "`casebook.toml`, as for the `kb` command.)"
)
LEGEND = " ".join(
    f":{color}[**{kind.replace('_', ' ')}**]"
    for kind, color in x.KIND_COLORS.items()
    if kind != "patient_attribute"
)
ST_ERRORS = (StoreError, QuestionError, ConfigError, ValueError, OSError)


# --------------------------------------------------------------------------- settings, store


def _script_args() -> argparse.Namespace:
    """Options given after ``--`` to ``streamlit run app.py`` (none under AppTest)."""
    parser = argparse.ArgumentParser(prog="app.py", allow_abbrev=False, add_help=False)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--store")
    argv = sys.argv[1:] if sys.argv and sys.argv[0].endswith("app.py") else []
    args, _ = parser.parse_known_args(argv)
    return args


class Source:
    """Where the knowledge base is and which version is current: the key of every cache."""

    def __init__(self) -> None:
        args = _script_args()
        settings = load_settings({"data_dir": args.data_dir}, config_path=args.config)
        self.data_dir = settings.data_dir
        self.url = args.store
        if self.url:
            self.key = ("remote", self.url)
            self.version: str | None = f"remote-{int(time.time() // 60)}"  # a minute's cache
        else:
            self.key = ("embedded", str(self.data_dir.resolve()))
            self.version = x.store_version(self.data_dir)

    def get(self, fn: str, *args, **kwargs):
        """``kb.explore.<fn>(store, *args, **kwargs)``, cached for this store version."""
        return _cached(fn, self.key, self.version, *args, **kwargs)


@st.cache_data(max_entries=16, show_spinner=False)
def _stale_derived(data_dir: str, version: str) -> str | None:
    """Once per store version: the check reads its manifest (15 MB for 100,000 articles)."""
    return stale_derived(Path(data_dir))


@st.cache_resource(max_entries=4, show_spinner=False)
def _store(key: tuple[str, str], version: str):
    """The read-only store of one version (thread-safe; shared by all sessions)."""
    kind, where = key
    if kind == "remote":
        from kb.remote import RemoteStore

        return RemoteStore(where)
    return x.KB(Path(where))


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(fn: str, key: tuple[str, str], version: str, *args, **kwargs):
    return getattr(x, fn)(_store(key, version), *args, **kwargs)


# The whole-graph answers the pages start from, computed once per store version in the
# background when the app first sees it, so that the first visitor of a page on a large KB
# does not wait for them (each lands in the same cache as a page's own call).
WARM = [
    ("counts", ()),
    ("seed_references", ()),
    ("full_text_counts", ()),
    ("runs", ()),
    ("publications_by_year", ()),
    ("publication_types", ()),
    ("vocabulary", ()),
    ("seed_articles", ()),
    ("mesh_descriptors", ()),
    ("search_articles", ("", None, None, None, None, 0, 25)),
    *(("concepts_of_kind", (kind,)) for kind in x.BROWSE_KINDS),
    ("resolution_outcomes", ()),
    ("ask_named", ("treatments_that_resolved", (("condition", "calcinosis_cutis_iatrogenic"),))),
    ("ask_named", ("treatment_outcomes", ())),
    ("ask_named", ("citation_check", ())),
]


@st.cache_resource(max_entries=4, show_spinner=False)
def _warm_up(key: tuple[str, str], version: str) -> threading.Thread:
    def work() -> None:
        for fn, args in WARM:
            try:
                started = time.perf_counter()
                _cached(fn, key, version, *args)
                log.debug("warmed %s in %.2f s", fn, time.perf_counter() - started)
            except Exception:  # the page that needs it will say what is wrong
                log.warning("warm-up of %s failed", fn, exc_info=True)

    thread = threading.Thread(target=work, name=f"casebook-warm-{version}", daemon=True)
    thread.start()
    return thread


# --------------------------------------------------------------------------- navigation


def qp(name: str, default: str | None = None) -> str | None:
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def href(page: str, **params: object) -> str:
    """A deep link to a page of the explorer (relative: the same server)."""
    clean = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode({"page": page, **clean}, safe=":/")


def link(label: str, page: str, **params: object) -> str:
    """A Markdown link to a page (opens it in a new tab); the label is escaped."""
    return f"[{x.md_escape(label)}]({href(page, **params)})"


def navigate(page: str, **params: object) -> None:
    """Callback: open ``page`` with ``params`` in this tab (the query parameters say where)."""
    st.query_params.clear()
    st.query_params.update(
        {"page": page, **{k: str(v) for k, v in params.items() if v not in (None, "")}}
    )


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
            st.warning(f"{x.md_escape(label)}: no choice {x.md_escape(raw)!r}; showing the first.")
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
    st.button(label, key=key, on_click=navigate, args=(page,), kwargs=params)


# --------------------------------------------------------------------------- shared pieces


def show_error(exc: BaseException) -> None:
    if isinstance(exc, QueryRejected):
        st.error(f"Query rejected: {x.md_escape(str(exc))}")
    elif isinstance(exc, StoreError):
        st.error(f"The knowledge base could not answer: {x.md_escape(str(exc))}")
    elif isinstance(exc, QuestionError):
        st.error(f"Bad parameter: {x.md_escape(str(exc))}")
    elif isinstance(exc, ValueError):
        st.error(f"Invalid input: {x.md_escape(str(exc))}")
    else:
        st.error(f"Something went wrong ({type(exc).__name__}): {x.md_escape(str(exc))}")


def table(rows: Sequence[dict] | pd.DataFrame, **kwargs) -> None:
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if df.empty:
        st.caption("(nothing)")
        return
    st.dataframe(df, hide_index=True, width="stretch", **kwargs)


def page_column(label: str = "open") -> st.column_config.LinkColumn:
    """A table column of deep links, each shown as its ``id=`` value."""
    return st.column_config.LinkColumn(label, display_text=r"id=([^&]+)")


def finding_rows(findings: Sequence[x.Finding]) -> list[dict]:
    return [
        {
            "kind": f.kind,
            "finding": f.label,
            "assertion": f.assertion,
            "value": f.value or "",
            "method": x.METHODS.get(f.method, f.method),
            "section": f.section,
            "sentence": f.sentence,
            "subject": f.subject_label or x.local_name(f.subject),
            "concept": href("concept", id=f.concept) if f.concept else "",
        }
        for f in findings
    ]


def evidence_panel(ev: x.Evidence, key: str) -> None:
    """An evidence node: the sentence in its paragraph with the mentions highlighted, where it
    was read (section, method), the assertion, the extractor and links to the article."""
    with st.container(border=True):
        if ev.status:
            st.error(f"From a {ev.status.upper()} article: weigh this evidence accordingly.")
        st.markdown(
            f"**Evidence** of the {x.md_escape(ev.kind.replace('_', ' '))} "
            f"**{x.md_escape(ev.label)}** · {x.md_escape(ev.method_label)} · section "
            f"*{x.md_escape(ev.section or '—')}* · assertion **{x.md_escape(ev.assertion)}**"
        )
        st.markdown("> " + x.highlight(ev.sentence, ev.sentence_spans))
        if ev.passage and ev.passage.text.strip() != ev.sentence.strip():
            where = (
                "its paragraph of the abstract"
                if ev.passage.source == "abstract"
                else "its paragraph (the neighbouring sentences the graph keeps)"
            )
            st.caption(f"In {where}:")
            st.markdown(x.highlight(ev.passage.text, ev.passage.spans))
        st.caption("Highlighted: " + LEGEND + " — the finding itself on a background.")
        facts = {
            "finding": ev.label,
            "kind": ev.kind,
            "concept": f"{ev.concept_label} ({ev.concept})" if ev.concept else "",
            "value": ev.value or "",
            "subject": ev.subject_label or x.local_name(ev.subject),
            "method": ev.method_label,
            "extractor": f"{ev.extractor} {ev.version}",
            "score": "" if ev.score is None else f"{ev.score:g}",
            "source text": f"{ev.source_text} [{ev.start}:{ev.end}], mention [{ev.span_start}:{ev.span_end}]",
            "article": ev.title or x.document_id(ev.article),
        }
        st.table(pd.DataFrame({"value": list(facts.values())}, index=list(facts)))
        links = [f"[{x.md_escape(label)}]({url})" for label, url in ev.links]
        links.append(link("article page", "article", id=x.document_id(ev.article)))
        if ev.concept:
            links.append(link("concept page", "concept", id=ev.concept))
        if ev.subject.startswith(x.ID + "case/"):
            links.append(link("case page", "case", id=x.case_id(ev.subject)))
        st.markdown(" · ".join(links))
        cols = st.columns(3)
        with cols[0]:
            open_button("Open the article", "article", f"{key}_art", id=x.document_id(ev.article))
        if ev.concept:
            with cols[1]:
                open_button("Open the concept", "concept", f"{key}_con", id=ev.concept)
        if ev.subject.startswith(x.ID + "case/"):
            with cols[2]:
                open_button(
                    "Open the case",
                    "case",
                    f"{key}_case",
                    id=x.case_id(ev.subject),
                )


def findings_with_evidence(src: Source, findings: Sequence[x.Finding], key: str) -> None:
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
            else f"{i + 1}. {findings[i].kind}: {findings[i].label} ({findings[i].method})"
        ),
        key=f"w_{key}_row",
    )
    if choice is not None:
        ev = src.get("evidence", findings[choice].evidence)
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
        if not values or not all(v.startswith(x.ID) for v in values):
            continue
        pages = [x.page_of(v) for v in values]
        if all(pages):
            out[column] = [
                href(*x.page_of(v)[0:1], **x.page_of(v)[1]) if isinstance(v, str) and v else v
                for v in out[column]
            ]
            config[column] = page_column(column)
        else:
            out[column] = [x.local_name(v) if isinstance(v, str) else v for v in out[column]]
    return out, config


# --------------------------------------------------------------------------- pages


def page_overview(src: Source) -> None:
    st.header("Overview")
    with st.spinner("Counting…"):
        counts = src.get("counts")
        refs = src.get("seed_references")
        full = src.get("full_text_counts")
        runs = src.get("runs")
    cols = st.columns(5)
    cols[0].metric("Articles", counts.articles)
    cols[1].metric("Cases", counts.cases)
    cols[2].metric("Findings", sum(counts.findings.values()))
    cols[3].metric("References resolved", f"{counts.resolved} / {counts.references}")
    cols[4].metric("Full texts (PMC)", full["full text"])
    last = runs[0].ended if runs else None
    st.markdown(
        f"Last refresh: **{x.md_escape(last or 'unknown')}**"
        + (f" ({x.md_escape(runs[0].kind or 'run')}; {len(runs)} runs recorded)" if runs else "")
        + f" · store version `{src.version}`"
    )
    left, right = st.columns(2)
    with left:
        st.subheader("Findings by kind")
        table([{"kind": k, "findings": n} for k, n in counts.findings.items()])
        st.subheader("Publication types")
        table([{"type": t, "articles": n} for t, n in src.get("publication_types")])
    with right:
        st.subheader("Publications by year")
        years = src.get("publications_by_year")
        if years:
            st.bar_chart(pd.DataFrame(years, columns=["year", "articles"]).set_index("year"))
        else:
            st.caption("(no years)")
    st.subheader("The seed's references")
    if not refs:
        st.caption("No seed references in this knowledge base.")
    else:
        resolved = [r for r in refs if r.article]
        methods = {}
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
                    "score": r.score,
                    "unresolved because": r.reason or "",
                    "fetched": "yes" if r.fetched else "no",
                    "text": r.full_text,
                    "retracted": "RETRACTED" if r.retracted else "",
                    "seed's claims": r.claims,
                    "title": r.title or r.raw,
                    "article": href("article", id=x.document_id(r.article)) if r.article else "",
                    "detail": r.detail or "",
                }
                for r in refs
            ],
            column_config={"article": page_column("article")},
        )
    if runs:
        st.subheader("Runs")
        table(
            [{"ended": r.ended, "kind": r.kind, "label": r.label or "", "run": r.iri} for r in runs]
        )


def page_questions(src: Source) -> None:
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
    st.markdown(x.md_escape(question.description))
    st.caption(f"`{name}` · deep link: {link('this question', 'questions', q=name)}")
    values: list[tuple[str, str]] = []
    for p in question.params:
        label = f"{p.name} ({p.type})" + (f": {p.description}" if p.description else "")
        if p.type == "concept":
            kind = p.name if p.name in x.KIND_IRI else None  # a "condition" offers conditions
            choices = src.get("concept_choices", kind)
            ids, labels = [c for c, _ in choices], dict(choices)
            if p.default and p.default not in labels:
                ids.insert(0, p.default)
            raw = qp(p.name)
            if raw is not None and raw not in labels:  # a deep link's label, or an unknown name
                found, problem = src.get("concept_lookup", raw, kind)
                if found is None:
                    st.warning(f"{x.md_escape(problem)}: showing {p.default or 'the first'}.")
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
    page_no = max(1, x._int(qp("p"), 1)) if question.page_size else 1
    paging = (x.ROW_LIMIT, page_no) if question.page_size else ()  # same call as the warm-up's
    with st.spinner("Asking the knowledge graph…"):
        result = src.get("ask_named", name, tuple(values), *paging)
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
        st.caption(f"{len(df)} rows{truncated} · {result.elapsed * 1000:.0f} ms")
    if df.empty:
        st.info("No rows: nothing in the knowledge graph answers this question with these values.")
        return
    key = f"qtable_{name}"

    def picked() -> None:
        rows = st.session_state[key].selection.rows
        set_param("row", rows[0] if rows else None)

    shown_df, config = linked_frame(df)
    st.dataframe(
        shown_df,
        hide_index=True,
        width="stretch",
        column_config=config,
        on_select=picked,
        selection_mode="single-row",
        key=key,
    )
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
            "—" if i is None else f"{i + 1}. " + " · ".join(str(df.iloc[i][c]) for c in shown)
        ),
    )
    if row is None:
        st.caption("Select a row (in the table or above) to see its evidence.")
        return
    record = {c: (None if pd.isna(v) else str(v)) for c, v in df.iloc[row].items()}
    evidence_iri = x.evidence_iri_of(record)
    if evidence_iri is None and record.get("sentence") and record.get("article"):
        want = next(
            (record[c] for c in ("treatment", "claimed", "label", "etiology") if record.get(c)),
            None,
        )
        evidence_iri = src.get("find_evidence", record["sentence"], record["article"], want)
    if evidence_iri is None:
        st.info("This row names no evidence sentence.")
        return
    ev = src.get("evidence", evidence_iri)
    if ev is None:
        st.warning("The evidence of this row is not in the knowledge graph.")
    else:
        evidence_panel(ev, key="q_ev")


def page_articles(src: Source) -> None:
    st.header("Articles")
    text = bound_text(
        "Search titles (or a PMID, a DOI)",
        "search",
        reset=("p",),
        max_chars=x.SEARCH_MAX,
        placeholder="e.g. calcinosis",
    )
    cols = st.columns(4)
    years = ["", *sorted((y for y, _ in src.get("publications_by_year")), reverse=True)]
    year = bound_select(
        "Year", years, "year", format_func=lambda y: y or "any", reset=("p",), container=cols[0]
    )
    types = ["", *(t for t, _ in src.get("publication_types"))]
    ptype = bound_select(
        "Publication type",
        types,
        "type",
        format_func=lambda t: t or "any",
        reset=("p",),
        container=cols[1],
    )
    mesh = src.get("mesh_descriptors")
    mesh_names = {ui: name for ui, name, _ in mesh}
    mesh_ui = bound_select(
        "MeSH heading",
        ["", *mesh_names],
        "mesh",
        format_func=lambda ui: f"{mesh_names[ui]} ({ui})" if ui else "any",
        reset=("p",),
        container=cols[2],
    )
    vocab = src.get("vocabulary")
    labels = {c: lab for c, lab, _ in vocab}
    concept_id = bound_select(
        "Concept",
        ["", *labels],
        "concept",
        format_func=lambda c: f"{labels[c]} ({c})" if c else "any",
        reset=("p",),
        container=cols[3],
    )
    page_no = max(0, x._int(qp("p"), 0))
    with st.spinner("Searching…"):
        result = src.get(
            "search_articles",
            text,
            year or None,
            ptype or None,
            mesh_ui or None,
            concept_id or None,
            page_no * x.PAGE_SIZE,
            x.PAGE_SIZE,
        )
    if result.total == 0:
        what = f" “{x.md_escape(text.strip())}”" if text.strip() else ""
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


def page_article(src: Source) -> None:
    doc_id = qp("id")
    if not doc_id:
        st.info("No article given: choose one on the Articles page.")
        return
    art = src.get("article", doc_id)
    if art is None:
        st.warning(f"No article {x.md_escape(doc_id)} in the knowledge base.")
        return
    st.header(x.md_escape(art.title or art.id))
    if art.retracted:
        st.error("This article is RETRACTED.")
    if art.is_seed:
        st.info("This is the seed article: the case report the knowledge base was built from.")
    biblio = ", ".join(
        p
        for p in (
            art.journal,
            art.date or art.year,
            f"vol. {art.volume}" if art.volume else None,
            f"no. {art.issue}" if art.issue else None,
            f"pp. {art.pages}" if art.pages else None,
        )
        if p
    )
    st.markdown(
        x.md_escape(", ".join(art.authors)) + ("  \n" + x.md_escape(biblio) if biblio else "")
    )
    st.caption("Authors as the graph keeps them (a set: their order is not recorded).")
    meta = [
        ("id", art.id),
        ("publication types", "; ".join(art.types)),
        ("keywords", "; ".join(art.keywords)),
        ("language", art.language or ""),
        (
            "PMC",
            ""
            if art.open_access is None
            else (
                "open-access full text" if art.open_access else "abstract only (not open access)"
            ),
        ),
        ("licence", art.license or ""),
        ("cited by (PubMed)", "" if art.cited_by_count is None else str(art.cited_by_count)),
        ("seed reference", ", ".join(str(n) for n in art.references)),
        ("notices", "; ".join(f"{t} {s or ''}".strip() for t, s, _ in art.notices)),
    ]
    table([{"": k, "value": v} for k, v in meta if v])
    if art.links:
        st.markdown(" · ".join(f"[{x.md_escape(label)}]({url})" for label, url in art.links))

    says = src.get("seed_says", art.id) if art.references else []
    tabs = st.tabs(["Text", "What the seed says", "MeSH", "Findings", "Cases", "Citations"])
    with tabs[0]:
        sentences = src.get("article_text", art.id)
        if art.abstract:
            st.subheader("Abstract")
            pubmed = [s for s in sentences if s.source.startswith("pmid:")]
            for paragraph in x.abstract_markdown(art.abstract, pubmed):
                st.markdown(paragraph)
        others = [s for s in sentences if not s.source.startswith("pmid:")]
        if others:
            st.subheader("Full text" if not art.is_seed else "Text")
            st.caption(
                "The sentences of the full text in which the extractor found something, in "
                "reading order (the graph keeps those sentences, not the whole text)."
            )
            section = None
            for s in others:
                if s.section != section:
                    section = s.section
                    st.markdown(f"**{x.md_escape(section.replace('_', ' '))}**")
                st.markdown(x.highlight(s.text, s.spans))
        if not art.abstract and not others:
            st.caption("No text of this article is in the knowledge graph.")
        st.caption("Highlighted: " + LEGEND)
    with tabs[1]:
        if not says:
            st.caption(
                "The seed does not cite this article (or cites it without a resolved reference)."
            )
        for c in says:
            st.markdown(f"**Reference {c.number}** · {x.md_escape(c.section)}")
            st.markdown("> " + x.md_escape(c.sentence))
            if c.claims:
                st.markdown(
                    "Claims read from it: "
                    + "; ".join(
                        f"{x.md_escape(k)}: **{x.md_escape(lab)}**"
                        + ("" if a == "present" else f" ({x.md_escape(a)})")
                        for k, lab, a in c.claims
                    )
                )
        if says:
            st.markdown(link("Check these claims against the article", "citations"))
    with tabs[2]:
        if not art.mesh:
            st.caption("No MeSH indexing.")
        else:
            st.caption("* = major topic")
            table(
                [
                    {
                        "heading": h.text,
                        "descriptor": h.name,
                        "qualifiers": "; ".join(n for _, n, _ in h.qualifiers),
                        "major": "yes" if h.major else "",
                        "MeSH": x.mesh_url(h.descriptor),
                    }
                    for h in art.mesh
                ],
                column_config={
                    "MeSH": st.column_config.LinkColumn("MeSH", display_text=r"ui=(.+)$")
                },
            )
    with tabs[3]:
        findings = src.get("article_findings", art.id)
        methods = sorted({f.method for f in findings})
        if methods:
            st.caption(
                f"{len(findings)} findings: "
                + ", ".join(
                    f"{sum(f.method == m for f in findings)} from {x.METHODS.get(m, m)}"
                    for m in methods
                )
            )
        findings_with_evidence(src, findings, "af")
    with tabs[4]:
        cases = src.get("article_cases", art.id)
        if not cases:
            st.caption("No patient cases were found in this article.")
        for c in cases:
            case_summary(c)
    with tabs[5]:
        cites = src.get("citations", art.id)
        if not cites:
            st.caption("No citation links in the knowledge graph.")
        table(
            [
                {
                    "direction": c["direction"],
                    "article": href("article", id=c["id"]),
                    "title": c["title"] or "",
                    "year": c["year"] or "",
                }
                for c in cites
            ],
            column_config={"article": page_column("article")},
        )


def case_summary(c: x.CaseInfo) -> None:
    with st.container(border=True):
        demo = ", ".join(
            p
            for p in (
                f"age {c.age}" if c.age else None,
                c.sex,
                "; ".join(c.sites) if c.sites else None,
            )
            if p
        )
        st.markdown(
            f"**{link(c.label or 'Case', 'case', id=c.id)}** · {x.md_escape(c.document)}"
            + (f" · {x.md_escape(demo)}" if demo else "")
        )
        for kind in x.KINDS:
            if c.findings.get(kind):
                color = x.KIND_COLORS[kind]
                st.markdown(
                    f"{kind.replace('_', ' ')}: "
                    + ", ".join(f":{color}[{x.md_escape(v)}]" for v in c.findings[kind])
                )
        open_button("Open the case", "case", f"case_{c.id}", id=c.id)


def page_case(src: Source) -> None:
    case_id = qp("id")
    if not case_id:
        st.info("No case given.")
        return
    info = src.get("case", case_id)
    if info is None:
        st.warning(f"No case {x.md_escape(case_id)} in the knowledge base.")
        return
    st.header(f"{x.md_escape(info.label)} · {x.md_escape(info.document)}")
    st.markdown(
        "In " + link(x.document_id(info.article), "article", id=x.document_id(info.article))
    )
    case_summary(info)
    st.subheader("Findings and evidence")
    findings_with_evidence(src, src.get("case_findings", case_id), "cf")


def page_concepts(src: Source) -> None:
    st.header("Concepts")
    kind = bound_select("Kind", list(x.BROWSE_KINDS), "kind", default="condition", reset=("open",))
    with st.spinner("Counting findings…"):
        rows = src.get("concepts_of_kind", kind)
    st.caption(f"{len(rows)} concepts found as {kind}")
    table(
        [
            {
                "concept": href("concept", id=r.id),
                "label": r.label,
                "findings": r.findings,
            }
            for r in rows
        ],
        column_config={"concept": page_column("concept")},
    )
    labels = {r.id: r.label for r in rows}
    chosen = st.selectbox(
        "Open a concept",
        [None, *labels],
        format_func=lambda c: "—" if c is None else f"{labels[c]} ({c})",
        key="open_concept",
    )
    if chosen:
        open_button("Open", "concept", "open_concept_go", id=chosen)


def page_concept(src: Source) -> None:
    concept_id = qp("id")
    if not concept_id:
        st.info("No concept given: choose one on the Concepts page.")
        return
    c = src.get("concept", concept_id)
    if c is None:
        st.warning(f"No concept {x.md_escape(concept_id)} in the vocabulary.")
        return
    st.header(x.md_escape(c.label))
    facts = [("id", c.id), ("type", c.type or "")]
    if c.alt_labels:
        facts.append(("synonyms", "; ".join(c.alt_labels)))
    table([{"": k, "value": v} for k, v in facts if v])
    parts = []
    if c.broader:
        parts.append(
            "Broader: " + ", ".join(link(lab or i, "concept", id=i) for i, lab in c.broader)
        )
    if c.narrower:
        parts.append(
            "Narrower: " + ", ".join(link(lab or i, "concept", id=i) for i, lab in c.narrower)
        )
    if c.mesh:
        parts.append(
            "MeSH: " + ", ".join(f"[{x.md_escape(ui)}]({x.mesh_url(ui)})" for ui in c.mesh)
        )
    if c.matches:
        parts.append(
            "Also: " + ", ".join(f"[{x.md_escape(x.local_name(iri))}]({iri})" for iri in c.matches)
        )
    if parts:
        st.markdown("  \n".join(parts))
    findings = src.get("concept_findings", c.id)
    st.subheader("Findings (this concept or a narrower one)")
    if findings:
        by_method = {}
        for f in findings:
            by_method[f.method] = by_method.get(f.method, 0) + 1
        st.caption(
            f"{len(findings)} findings: "
            + ", ".join(f"{n} from {x.METHODS.get(m, m)}" for m, n in sorted(by_method.items()))
        )
    findings_with_evidence(src, findings, "kf")
    st.subheader("Co-occurring concepts")
    st.caption("Present in the same subjects (cases, articles, references) as this concept.")
    co = src.get("cooccurring", c.id)
    table(
        [
            {
                "concept": href("concept", id=o.id),
                "label": o.label,
                "kind": o.kind,
                "shared subjects": o.subjects,
            }
            for o in co
        ],
        column_config={"concept": page_column("concept")},
    )


SOURCES = {"all": "all sources", "sound": "sound sources only (no retracted or corrected article)"}


def page_synthesis(src: Source) -> None:
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
        result = src.get("ask_named", "treatment_outcomes", (("sources", sources),))
        resolutions = src.get("resolution_outcomes")
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
    cases = src.get("cell_cases", treatment, outcome)
    if sources == "sound":
        cases = [c for c in cases if not c.status]
    st.markdown(f"**{len(cases)}** cases with {x.md_escape(treatment)} and {x.md_escape(outcome)}")
    table(
        [
            {
                "case": href("case", id=x.case_id(c.case)),
                "article": x.document_id(c.article),
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
                "—" if i is None else f"{cases[i].label} · {x.document_id(cases[i].article)}"
            ),
        )
        if pick is not None:
            c = cases[pick]
            for what, iri in (("Treatment", c.treatment_evidence), ("Outcome", c.outcome_evidence)):
                st.markdown(f"**{what}**")
                ev = src.get("evidence", iri)
                if ev:
                    evidence_panel(ev, key=f"syn_{what}")


def page_citations(src: Source) -> None:
    st.header("Citation check")
    st.caption(
        "What the seed attributes to each reference (conditions, etiologies, treatments read "
        "from its citing sentences) beside what the reference's own record says (its title, "
        "MeSH and findings). A claim the reference does not support is a mismatch."
    )
    with st.spinner("Checking citations…"):
        result = src.get("ask_named", "citation_check", ())
    df = result_frame(result)
    if df.empty:
        st.info("The seed attributes no condition, etiology or treatment to a resolved reference.")
        return
    df["number"] = df["number"].astype(int)
    claims_all = df.drop_duplicates(["number", "kind", "claimed", "status"])
    mismatches = claims_all[claims_all["status"] == "mismatch"]
    st.markdown(
        f"{len(claims_all)} claims about {df['number'].nunique()} references: "
        f"**{len(mismatches)} mismatches** in {mismatches['number'].nunique()} references"
    )
    only = st.toggle("Only references with a mismatch", key="only_mismatch")
    for number in sorted(df["number"].unique()):
        claims = claims_all[claims_all["number"] == number]
        bad = claims[claims["status"] == "mismatch"]
        if only and bad.empty:
            continue
        title = f"Reference {number}" + (
            f" — ⚠ {len(bad)} mismatch(es)" if len(bad) else " — supported"
        )
        with st.expander(title, expanded=not bad.empty):
            left, right = st.columns(2)
            with left:
                st.markdown("**The seed says**")
                for _, row in claims.iterrows():
                    flag = "⚠ **MISMATCH**" if row["status"] == "mismatch" else "✓ supported"
                    st.markdown(
                        f"{flag} · {x.md_escape(row['kind'])}: **{x.md_escape(row['claimed'])}**"
                    )
                for sentence in df[df["number"] == number]["sentence"].unique():
                    st.markdown("> " + x.md_escape(sentence))
            with right:
                st.markdown("**The reference itself**")
                content = src.get("reference_content", int(number))
                if content is None:
                    st.caption("(no record)")
                else:
                    st.markdown(
                        link(
                            content.title or x.document_id(content.article),
                            "article",
                            id=x.document_id(content.article),
                        )
                    )
                    if content.mesh:
                        st.markdown("MeSH: " + x.md_escape("; ".join(content.mesh)))
                    for kind in ("condition", "etiology", "treatment"):
                        if content.findings.get(kind):
                            st.markdown(
                                f"{kind}: " + x.md_escape(", ".join(content.findings[kind]))
                            )
            for _, row in bad.iterrows():
                st.warning(
                    f"Mismatch: the seed attributes the {x.md_escape(row['kind'])} "
                    f"“{x.md_escape(row['claimed'])}” to reference {number}, but the "
                    "reference's own record (text, MeSH) does not name it."
                )


def page_graph(src: Source) -> None:
    st.header("Graph")
    refs = src.get("seed_references")
    focus_options: dict[str, str] = {}
    for doc_id, title in src.get("seed_articles"):
        focus_options[doc_id] = f"seed: {title[:70]}"
    for r in refs:
        if r.article:
            focus_options[x.document_id(r.article)] = (
                f"reference {r.number}: {(r.title or '')[:60]}"
            )
    for c in src.get("concepts_of_kind", "condition")[:20]:
        focus_options[f"concept:{c.id}"] = f"condition: {c.label}"
    current = qp("focus")
    if current and current not in focus_options:
        focus_options[current] = current
    cols = st.columns([3, 2, 1, 1])
    focus = bound_select(
        "Centre on",
        list(focus_options),
        "focus",
        format_func=lambda k: focus_options[k],
        reset=("node",),
        container=cols[0],
    )
    kinds_param = qp("kinds")
    default_kinds = ["article", "case", "condition", "etiology", "treatment", "outcome"]
    st.session_state["w_kinds"] = [
        k for k in (kinds_param.split(",") if kinds_param else default_kinds) if k in x.NODE_KINDS
    ]
    kinds = cols[1].multiselect(
        "Show",
        list(x.NODE_KINDS),
        key="w_kinds",
        on_change=lambda: set_param("kinds", ",".join(st.session_state["w_kinds"]) or "none"),
    )
    depth = x._int(qp("depth"), 1)
    st.session_state["w_depth"] = min(3, max(1, depth))
    depth = cols[2].number_input(
        "Depth",
        1,
        3,
        key="w_depth",
        on_change=lambda: set_param("depth", st.session_state["w_depth"]),
    )
    size = x._int(qp("max"), 120)
    st.session_state["w_max"] = min(400, max(10, size))
    size = cols[3].number_input(
        "Max nodes",
        10,
        400,
        step=10,
        key="w_max",
        on_change=lambda: set_param("max", st.session_state["w_max"]),
    )
    if focus is None:
        st.info("Nothing to centre the graph on.")
        return
    focus_iri = (
        x.concept_iri(focus.removeprefix("concept:"))
        if focus.startswith("concept:")
        else x.article_iri(focus)
    )
    with st.spinner("Walking the graph…"):
        net = src.get("network", (focus_iri,), tuple(kinds), int(depth), int(size))
    graph = x.to_networkx(net)
    links = {}
    for iri, n in net.nodes.items():
        page, params = n.page
        links[iri] = href(page, **params)
    st.caption(
        f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
        + (" (truncated: raise the limit or lower the depth)" if net.truncated else "")
        + ". Click a node to open its page."
    )
    st.graphviz_chart(x.to_dot(graph, links), width="stretch")
    import networkx as nx

    centrality = nx.degree_centrality(graph) if graph.number_of_nodes() > 1 else {}
    ranked = sorted(net.nodes, key=lambda n: (-centrality.get(n, 0), net.nodes[n].label))
    st.subheader("Nodes")
    node = st.selectbox(
        "Open a node",
        [None, *ranked],
        format_func=lambda n: "—" if n is None else f"{net.nodes[n].kind}: {net.nodes[n].label}",
        key="graph_node",
    )
    if node:
        page, params = net.nodes[node].page
        open_button(f"Open this {net.nodes[node].kind}", page, "graph_node_go", **params)
        st.markdown(link("deep link", page, **params))
    table(
        [
            {
                "kind": net.nodes[n].kind,
                "label": net.nodes[n].label,
                "links": graph.degree(n),
                "page": links[n],
            }
            for n in ranked
        ],
        column_config={"page": page_column("page")},
    )


def page_sparql(src: Source) -> None:
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
                x.PREFIXES
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
                    result = _store(src.key, src.version).query(sparql)
                else:
                    result = user_query(src.data_dir, sparql, timeout=float(timeout))
            st.session_state["sparql_result"] = (sparql, result)
        except QueryRejected as exc:
            st.error(f"Query rejected: {x.md_escape(str(exc))}")
        except StoreError as exc:
            st.error(f"Query failed: {x.md_escape(str(exc))}")
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


def page_downloads(src: Source) -> None:
    st.header("Downloads")
    st.caption(
        "Made from the knowledge graph as it is now (store version "
        f"`{src.version}`); the same renderers as `kb export`."
    )
    size = 0 if src.url else x.store_bytes(src.data_dir)
    items = [
        ("evidence", "Evidence table (CSV): one row per finding with its sentence, offsets, "
         "method and extractor", "casebook-evidence.csv", "text/csv"),
        ("ris", "The seed's references (RIS)", "casebook-references.ris",
         "application/x-research-info-systems"),
        ("bibtex", "The seed's references (BibTeX)", "casebook-references.bib",
         "application/x-bibtex"),
        ("nquads", f"The graph (N-Quads; the store is {size / 1e6:,.1f} MB)", "casebook.nq",
         "application/n-quads"),
        ("trig", "The graph (TriG)", "casebook.trig", "application/trig"),
    ]  # fmt: skip
    for fmt, label, name, mime in items:
        if src.url and fmt in ("nquads", "trig"):
            continue
        if fmt == "trig" and size > TRIG_MAX_BYTES:
            st.caption(
                f"TriG: the store is {size / 1e6:,.0f} MB, too big to convert here (rdflib "
                "holds it all in memory); download N-Quads, or run `kb export --format trig`."
            )
            continue
        st.download_button(
            label,
            data=_deferred(src, fmt),
            file_name=name,
            mime=mime,
            key=f"dl_{fmt}",
            on_click="ignore",
        )


TRIG_MAX_BYTES = 100_000_000


def _deferred(src: Source, fmt: str) -> Callable[[], bytes]:
    key, version, data_dir = src.key, src.version, src.data_dir
    return lambda: download_bytes(key, version, str(data_dir), fmt)


@st.cache_data(max_entries=8, show_spinner=False)
def download_bytes(key: tuple[str, str], version: str, data_dir: str, fmt: str) -> bytes:
    """One download, made in memory from the store (cached per version)."""
    return x.download(_store(key, version), Path(data_dir), fmt)


RENDER = {
    "overview": page_overview,
    "questions": page_questions,
    "articles": page_articles,
    "concepts": page_concepts,
    "synthesis": page_synthesis,
    "citations": page_citations,
    "graph": page_graph,
    "sparql": page_sparql,
    "downloads": page_downloads,
    "article": page_article,
    "case": page_case,
    "concept": page_concept,
}


# --------------------------------------------------------------------------- main


def main() -> None:
    st.set_page_config(page_title="Casebook explorer", page_icon="📚", layout="wide")
    page = qp("page", "overview")
    if page not in RENDER:
        page = "overview"
    nav = DETAIL_PAGES.get(page, page)
    st.session_state["nav"] = nav

    def nav_changed() -> None:
        navigate(st.session_state["nav"])

    st.sidebar.title("Casebook")
    st.sidebar.radio("Page", list(PAGES), format_func=PAGES.get, key="nav", on_change=nav_changed)
    try:
        src = Source()
    except ConfigError as exc:
        st.error(f"Configuration error: {x.md_escape(str(exc))}")
        return
    st.sidebar.caption(
        f"Knowledge base: {x.md_escape(str(src.url or src.data_dir))}  \nread-only"
        + (f" · version `{src.version}`" if src.version else "")
    )
    if src.version is None:
        st.title("Casebook explorer")
        st.info(NO_KB.format(data_dir=x.md_escape(str(src.data_dir))))
        return
    if not src.url and (why := _stale_derived(str(src.data_dir), src.version)):
        st.warning(x.md_escape(why[0].upper() + why[1:] + "."))
    if not src.url and os.environ.get("CASEBOOK_WARM_UP", "1") != "0":
        _warm_up(src.key, src.version)
    try:
        RENDER[page](src)
    except ST_ERRORS as exc:
        show_error(exc)
    except Exception as exc:  # a page never shows a traceback
        log.exception("page %s failed", page)
        show_error(exc)


main()
