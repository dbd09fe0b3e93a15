"""The explorer's Article page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import (
    LEGEND,
    case_summary,
    findings_with_evidence,
    href,
    link,
    page_column,
    qp,
    table,
)
from kb.escape import md_escape
from kb.read import article_detail, base, iri_links


def render(src: Source) -> None:
    doc_id = qp("id")
    if not doc_id:
        st.info("No article given: choose one on the Articles page.")
        return
    art = data.article(src, doc_id)
    if art is None:
        st.warning(f"No article {md_escape(doc_id)} in the knowledge base.")
        return
    st.header(md_escape(art.title or art.id))
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
    st.markdown(md_escape(", ".join(art.authors)) + ("  \n" + md_escape(biblio) if biblio else ""))
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
        st.markdown(" · ".join(f"[{md_escape(label)}]({url})" for label, url in art.links))

    says = data.seed_says(src, art.id) if art.references else []
    tabs = st.tabs(["Text", "What the seed says", "MeSH", "Findings", "Cases", "Citations"])
    with tabs[0]:
        sentences = data.article_text(src, art.id)
        if art.abstract:
            st.subheader("Abstract")
            pubmed = [s for s in sentences if s.source.startswith("pmid:")]
            for paragraph in article_detail.abstract_markdown(art.abstract, pubmed):
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
                    st.markdown(f"**{md_escape(section.replace('_', ' '))}**")
                st.markdown(iri_links.highlight(s.text, s.spans))
        if not art.abstract and not others:
            st.caption("No text of this article is in the knowledge graph.")
        st.caption("Highlighted: " + LEGEND)
    with tabs[1]:
        if not says:
            st.caption(
                "The seed does not cite this article (or cites it without a resolved reference)."
            )
        for c in says:
            st.markdown(f"**Reference {c.number}** · {md_escape(c.section)}")
            st.markdown("> " + md_escape(c.sentence))
            if c.claims:
                st.markdown(
                    "Claims read from it: "
                    + "; ".join(
                        f"{md_escape(k)}: **{md_escape(lab)}**"
                        + ("" if a == "present" else f" ({md_escape(a)})")
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
                        "MeSH": iri_links.mesh_url(h.descriptor),
                    }
                    for h in art.mesh
                ],
                column_config={
                    "MeSH": st.column_config.LinkColumn("MeSH", display_text=r"ui=(.+)$")
                },
            )
    with tabs[3]:
        findings = data.article_findings(src, art.id)
        methods = sorted({f.method for f in findings})
        if methods:
            st.caption(
                f"{len(findings)} findings: "
                + ", ".join(
                    f"{sum(f.method == m for f in findings)} from {base.METHODS.get(m, m)}"
                    for m in methods
                )
            )
        findings_with_evidence(src, findings, "af")
    with tabs[4]:
        cases = data.article_cases(src, art.id)
        if not cases:
            st.caption("No patient cases were found in this article.")
        for case in cases:
            case_summary(case)
    with tabs[5]:
        cites = data.citations(src, art.id)
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
