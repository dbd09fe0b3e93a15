"""The explorer's Concept page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import findings_with_evidence, href, link, page_column, qp, table
from kb.escape import md_escape
from kb.read import base, iri_links


def render(src: Source) -> None:
    concept_id = qp("id")
    if not concept_id:
        st.info("No concept given: choose one on the Concepts page.")
        return
    c = data.concept(src, concept_id)
    if c is None:
        st.warning(f"No concept {md_escape(concept_id)} in the vocabulary.")
        return
    st.header(md_escape(c.label))
    facts = [("id", c.id), ("kind", (c.type or "").lower())]
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
        names = dict(c.mesh_names)
        parts.append(
            "MeSH: "
            + ", ".join(
                f"[MeSH:{md_escape(ui)}]({iri_links.mesh_url(ui)})"
                + (f" ({md_escape(names[ui])})" if ui in names else "")
                for ui in c.mesh
            )
        )
    if c.matches:
        shown = [(*iri_links.external_id(iri), iri) for iri in c.matches]
        parts.append(
            "Same concept in: "
            + ", ".join(
                f"[{md_escape(curie)}]({iri})" + (f" ({md_escape(name)})" if name else "")
                for curie, name, iri in shown
            )
        )
    if parts:
        st.markdown("  \n".join(parts))
    findings = data.concept_findings(src, c.id)
    st.subheader("Findings (this concept or a narrower one)")
    if findings:
        by_method: dict[str, int] = {}
        for f in findings:
            by_method[f.method] = by_method.get(f.method, 0) + 1
        st.caption(
            f"{len(findings)} findings: "
            + ", ".join(f"{n} from {base.METHODS.get(m, m)}" for m, n in sorted(by_method.items()))
        )
    findings_with_evidence(src, findings, "kf")
    st.subheader("Co-occurring concepts")
    st.caption("Present in the same subjects (cases, articles, references) as this concept.")
    co = data.cooccurring(src, c.id)
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
