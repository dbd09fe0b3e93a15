"""The explorer's Graph page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import (
    bound_select,
    href,
    link,
    open_button,
    page_column,
    qp,
    set_param,
    table,
)
from kb.read import base, iri_links, neighbourhood

GRAPH_BOX = "kb_graph"  # the key of the container (CSS class st-key-kb_graph)


def render(src: Source) -> None:
    st.header("Graph")
    refs = data.seed_references(src)
    focus_options: dict[str, str] = {}
    for doc_id, title in data.seed_articles(src):
        focus_options[doc_id] = f"seed: {title[:70]}"
    for r in refs:
        if r.article:
            focus_options[iri_links.document_id(r.article)] = (
                f"reference {r.number}: {(r.title or '')[:60]}"
            )
    for c in data.concepts_of_kind(src, "condition")[:20]:
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
        k
        for k in (kinds_param.split(",") if kinds_param else default_kinds)
        if k in neighbourhood.NODE_KINDS
    ]
    kinds = cols[1].multiselect(
        "Show",
        list(neighbourhood.NODE_KINDS),
        key="w_kinds",
        on_change=lambda: set_param("kinds", ",".join(st.session_state["w_kinds"]) or "none"),
    )
    depth = base.as_int(qp("depth"), 1)
    st.session_state["w_depth"] = min(3, max(1, depth))
    depth = cols[2].number_input(
        "Depth",
        1,
        3,
        key="w_depth",
        on_change=lambda: set_param("depth", st.session_state["w_depth"]),
    )
    size = base.as_int(qp("max"), 30)
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
        iri_links.concept_iri(focus.removeprefix("concept:"))
        if focus.startswith("concept:")
        else iri_links.article_iri(focus)
    )
    with st.spinner("Walking the graph…"):
        net = data.network(src, (focus_iri,), tuple(kinds), int(depth), int(size))
    graph = neighbourhood.to_networkx(net)
    links = {}
    for iri, n in net.nodes.items():
        page, params = n.page
        links[iri] = href(page, **params)
    drawn = graph.number_of_nodes() <= neighbourhood.DRAWN_NODES
    st.caption(
        f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
        + (" (truncated: raise the limit or lower the depth)" if net.truncated else "")
        + (
            ". Click a node to open its page; edges are labelled with their relation; the "
            "drawing is at full size, so scroll inside its box to see all of it."
            if drawn
            else f": too many to draw readably (≤ {neighbourhood.DRAWN_NODES}), so the table "
            "below lists them; lower Max nodes to draw them."
        )
    )
    if drawn:
        shown = sorted({n.kind for n in net.nodes.values()})
        st.graphviz_chart(neighbourhood.legend_dot(shown), width="content")
        dot = neighbourhood.to_dot(graph, links, root=focus_iri)
        # natural size in a box that scrolls, never shrunk to the page's width (it would make
        # the labels unreadable): Streamlit caps an SVG at 100% of its column, hence the style
        st.html(f"<style>.st-key-{GRAPH_BOX} svg {{ max-width: none; }}</style>")
        with st.container(key=GRAPH_BOX, height=min(900, 120 + 40 * graph.number_of_nodes())):
            st.graphviz_chart(dot, width="content")
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
