"""The Graph page's read model: a bounded neighbourhood of nodes and its drawing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kb.read.base import BROWSE_KINDS, ID, KIND_IRI, QueryStoreLike, node, select_rows, values_block
from kb.read.iri_links import local_name, page_of

NODE_KINDS = ("article", "case", *BROWSE_KINDS, "test", "anatomy")


@dataclass(frozen=True)
class GraphNode:
    iri: str
    kind: str  # article, case, or a finding kind (condition, …)
    label: str

    @property
    def page(self) -> tuple[str, dict[str, str]]:
        """The explorer page and query parameters that open this node."""
        return page_of(self.iri) or ("overview", {})


@dataclass(frozen=True)
class Network:
    nodes: dict[str, GraphNode]
    edges: list[tuple[str, str, str]]  # (source, target, relation)
    truncated: bool


# One simple pattern per kind of link, each starting from a VALUES block of known nodes (a
# UNION of them would be evaluated branch by branch before the join, i.e. over the whole store).
CITES_OUT = "SELECT ?n ?o WHERE { ?n cito:cites ?o }"
CITES_IN = "SELECT ?n ?o WHERE { ?o cito:cites ?n }"
CASES_IN = "SELECT ?n ?o WHERE { ?o cb:document ?n }"
DOCUMENT_OF = "SELECT ?n ?o WHERE { ?n cb:document ?o }"
CONCEPTS_OF = """
SELECT DISTINCT ?n ?o ?k WHERE { ?f cb:subject ?n ; cb:concept ?o ; cb:kind ?k ; cb:assertion "present" }
"""
SUBJECTS_WITH = (
    'SELECT DISTINCT ?n ?o WHERE { ?f cb:concept ?n ; cb:subject ?o ; cb:assertion "present" }'
)
NODE_LABELS = "SELECT ?n ?p ?o WHERE { ?n ?p ?o }"  # predicates picked in Python: a
# VALUES block of predicates would be joined first, i.e. scan every title of the store
LABEL_PROPERTIES = {"title", "prefLabel", "label", "sourceText", "conceptType"}
CONCEPT_TYPES = {"CONDITION": "condition", "ETIOLOGY": "etiology", "TREATMENT": "treatment",
                 "OUTCOME": "outcome", "TEST": "test", "ANATOMY": "anatomy"}  # fmt: skip


def _node_kind(iri: str) -> str:
    for prefix, kind in (("article/", "article"), ("case/", "case"), ("concept/", "concept")):
        if iri.startswith(ID + prefix):
            return kind
    return "other"  # a reference of the seed, …: not drawn


def _links(
    store: QueryStoreLike, frontier: Sequence[str], cap: int
) -> tuple[list[tuple[str, str, str, str]], bool]:
    """(source, target, relation, kind of the other end) of every link of ``frontier``."""
    kinds = {v: k for k, v in KIND_IRI.items()}
    by_kind: dict[str, list[str]] = defaultdict(list)
    for n in frontier:
        by_kind[_node_kind(n)].append(n)
    out: list[tuple[str, str, str, str]] = []
    truncated = False

    def run(sparql: str, nodes: list[str]) -> list[dict]:
        nonlocal truncated
        rows: list[dict] = []
        for i in range(0, len(nodes), 200):
            chunk = [node(n) for n in nodes[i : i + 200]]
            got = select_rows(store, values_block(sparql, "n", chunk), None, limit=cap)
            truncated = truncated or len(got) >= cap
            rows += got
        return rows

    articles, cases, concepts = by_kind["article"], by_kind["case"], by_kind["concept"]
    for r in run(CITES_OUT, articles):
        out.append((r["n"], r["o"], "cites", "article"))
    for r in run(CITES_IN, articles):
        out.append((r["o"], r["n"], "cites", "article"))
    for r in run(CASES_IN, articles):
        out.append((r["o"], r["n"], "case in", "case"))
    for r in run(DOCUMENT_OF, cases):
        out.append((r["n"], r["o"], "case in", "article"))
    for r in run(CONCEPTS_OF, articles + cases):
        out.append((r["n"], r["o"], "finding", kinds.get(r["k"], "other")))
    for r in run(SUBJECTS_WITH, concepts):
        out.append((r["o"], r["n"], "finding", _node_kind(r["o"])))
    return out, truncated


def network(
    store: QueryStoreLike,
    focus: Sequence[str],
    kinds: Iterable[str] = NODE_KINDS,
    depth: int = 2,
    max_nodes: int = 150,
) -> Network:
    """The neighbourhood of the ``focus`` nodes (IRIs): articles (cito:cites), their cases
    (cb:document) and the concepts of their present findings, ``depth`` steps out, keeping only
    nodes of ``kinds``; at most ``max_nodes`` nodes (``truncated`` says when more were there).
    Each step is a few single-pattern queries from the nodes already found."""
    kinds = set(kinds)
    nodes: dict[str, str] = {f: _node_kind(f) for f in focus if f}
    frontier = list(nodes)
    truncated = False
    cap = max_nodes * 20
    for _ in range(max(1, min(int(depth), 4))):
        if not frontier:
            break
        links, cut = _links(store, frontier, cap)
        truncated |= cut
        nxt = []
        for s, o, _, other_kind in links:
            for end in (s, o):
                if end in nodes:
                    continue
                if other_kind not in kinds or _node_kind(end) == "other":
                    break
                if len(nodes) >= max_nodes:
                    truncated = True
                    break
                nodes[end] = other_kind
                nxt.append(end)
        frontier = nxt
    edges: set[tuple[str, str, str]] = set()
    links, _ = _links(store, [n for n in nodes if nodes[n] in ("article", "case")], cap * 5)
    for s, o, rel, _ in links:
        if s in nodes and o in nodes and s != o:
            edges.add((s, o, rel))
    labels = _node_labels(store, list(nodes))
    out_nodes = {}
    for iri, kind in nodes.items():
        label, concept_type = labels.get(iri, (local_name(iri), None))
        if kind == "concept":
            kind = CONCEPT_TYPES.get(concept_type or "", "condition")
        out_nodes[iri] = GraphNode(iri, kind, label)
    return Network(out_nodes, sorted(edges), truncated)


def _node_labels(store: QueryStoreLike, nodes: list[str]) -> dict[str, tuple[str, str | None]]:
    """Node → (label, concept type): a title, a concept's label, or a case's label with its
    document."""
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for i in range(0, len(nodes), 300):
        chunk = [node(n) for n in nodes[i : i + 300]]
        for r in select_rows(store, values_block(NODE_LABELS, "n", chunk), None, limit=100_000):
            if local_name(r["p"]) in LABEL_PROPERTIES:
                values[r["n"]].setdefault(local_name(r["p"]), r["o"])
    out = {}
    for n, v in values.items():
        label = v.get("title") or v.get("prefLabel") or v.get("label") or local_name(n)
        if _node_kind(n) == "case" and v.get("sourceText"):
            label = f"{label} ({v['sourceText']})"
        out[n] = (label, v.get("conceptType"))
    return out


NODE_COLORS = {
    "article": "#d0e2ff",
    "case": "#ffe7b3",
    "condition": "#ffc9c9",
    "etiology": "#ffd8a8",
    "treatment": "#c3fae8",
    "outcome": "#d0ebff",
    "test": "#e5dbff",
    "anatomy": "#e9ecef",
}
NODE_SHAPES = {"article": "box", "case": "ellipse"}
EDGE_COLORS = {"cites": "#4c6ef5", "case in": "#f59f00", "finding": "#adb5bd"}
LABEL_CHARS = 28  # longer names are cut with "…"; the table below the graph has them whole
DRAWN_NODES = 50  # past this even a natural-size drawing is a tangle: the table stands alone
NODE_FONT_PT = 11  # drawn at natural size (1 pt = 4/3 px): 14.7 px node labels
EDGE_FONT_PT = 9.5  # 12.7 px edge labels


def to_dot(
    graph, links: Mapping[str, str] | None = None, layout: str = "twopi", root: str | None = None
) -> str:
    """A ``networkx`` graph from ``to_networkx`` as Graphviz DOT (for ``st.graphviz_chart``):
    nodes coloured by kind, labels quoted and escaped; ``links`` maps a node to the URL its SVG
    node opens."""
    ids = {iri: f"n{i}" for i, iri in enumerate(graph.nodes)}
    lines = [
        "digraph kb {",
        f"  graph [layout={layout}, overlap=false, splines=true, sep=0.2, ranksep=0.9, nodesep=0.1"
        + (f", root=n{list(graph.nodes).index(root)}" if root in graph.nodes else "")
        + "];",
        # the page shows the drawing at its natural size (scrolling sideways if it is wider),
        # never scaled down to the page's width, so these sizes are the sizes on screen
        f'  node [style=filled, fontsize={NODE_FONT_PT}, fontname="Helvetica", margin=0.06];',
        f'  edge [color="#adb5bd", arrowsize=0.6, fontsize={EDGE_FONT_PT}, fontcolor="#495057"];',
    ]
    for iri, data in graph.nodes(data=True):
        kind, full = data.get("kind", ""), data.get("label", "")
        label = full if len(full) <= LABEL_CHARS else full[: LABEL_CHARS - 1] + "…"
        attrs = [
            f"label={_dot(label)}",
            f"fillcolor={_dot(NODE_COLORS.get(kind, '#f1f3f5'))}",
            f"shape={NODE_SHAPES.get(kind, 'oval')}",
            f"tooltip={_dot(kind + ': ' + full)}",
        ]
        if links and iri in links:
            attrs += [f"URL={_dot(links[iri])}", 'target="_self"']
        lines.append(f"  {ids[iri]} [{', '.join(attrs)}];")
    for s, o, data in graph.edges(data=True):
        relation = data.get("relation", "")
        lines.append(
            f"  {ids[s]} -> {ids[o]} [label={_dot(relation)}, tooltip={_dot(relation)}, "
            f"color={_dot(EDGE_COLORS.get(relation, '#adb5bd'))}];"
        )
    lines.append("}")
    return "\n".join(lines)


def legend_dot(kinds: Iterable[str]) -> str:
    """A one-row key to ``to_dot``'s colours and shapes: one node per kind shown."""
    nodes = [
        f"  k{i} [label={_dot(kind)}, fillcolor={_dot(NODE_COLORS.get(kind, '#f1f3f5'))}, "
        f"shape={NODE_SHAPES.get(kind, 'oval')}];"
        for i, kind in enumerate(kinds)
    ]
    return "\n".join(
        [
            "graph legend {",
            "  nodesep=0.15;",
            f'  node [style=filled, fontsize={NODE_FONT_PT}, fontname="Helvetica", margin=0.06];',
            *nodes,
            "}",
        ]
    )


def _dot(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, no line breaks."""
    clean = " ".join(str(text).split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_networkx(net: Network):
    """The network as a ``networkx.DiGraph`` (node attributes ``kind`` and ``label``)."""
    import networkx as nx

    g = nx.DiGraph()
    for iri, n in net.nodes.items():
        g.add_node(iri, kind=n.kind, label=n.label)
    for s, o, rel in net.edges:
        g.add_edge(s, o, relation=rel)
    return g
