"""The explorer's Citation check page."""

from __future__ import annotations

import streamlit as st

from explorer import data
from explorer.source import Source
from explorer.widgets import bound_select, link, result_frame
from kb.escape import md_escape
from kb.read import iri_links

PAGE = 10  # references a page: all of them unfolded made a page 7,500 px tall


def render(src: Source) -> None:
    st.header("Citation check")
    st.caption(
        "What the seed attributes to each reference (conditions, etiologies, treatments read "
        "from its citing sentences) beside what the reference's own record says (its title, "
        "MeSH and findings). A claim the reference does not support is a mismatch."
    )
    with st.spinner("Checking citations…"):
        result = data.ask_named(src, "citation_check", ())
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
    numbers = sorted(mismatches["number"].unique() if only else df["number"].unique())
    pages = max(1, -(-len(numbers) // PAGE))
    page = bound_select(
        "Page", list(range(1, pages + 1)), "p", default=1,
        format_func=lambda n: f"{n} of {pages} (references {numbers[(n - 1) * PAGE]}–"
        f"{numbers[min(n * PAGE, len(numbers)) - 1]})",
    )  # fmt: skip
    st.caption(f"{PAGE} references a page, each folded: open one to compare the two sides.")
    for number in numbers[(page - 1) * PAGE : page * PAGE]:
        claims = claims_all[claims_all["number"] == number]
        bad = claims[claims["status"] == "mismatch"]
        title = f"Reference {number}" + (
            f" — ⚠ {len(bad)} mismatch(es)" if len(bad) else " — supported"
        )
        with st.expander(title):
            left, right = st.columns(2)
            with left:
                st.markdown("**The seed says**")
                for _, row in claims.iterrows():
                    flag = "⚠ **MISMATCH**" if row["status"] == "mismatch" else "✓ supported"
                    st.markdown(
                        f"{flag} · {md_escape(row['kind'])}: **{md_escape(row['claimed'])}**"
                    )
                for sentence in df[df["number"] == number]["sentence"].unique():
                    st.markdown("> " + md_escape(sentence))
            with right:
                st.markdown("**The reference itself**")
                content = data.reference_content(src, int(number))
                if content is None:
                    st.caption("(no record)")
                else:
                    st.markdown(
                        link(
                            content.title or iri_links.document_id(content.article),
                            "article",
                            id=iri_links.document_id(content.article),
                        )
                    )
                    if content.mesh:
                        st.markdown("MeSH: " + md_escape("; ".join(content.mesh)))
                    for kind in ("condition", "etiology", "treatment"):
                        if content.findings.get(kind):
                            st.markdown(f"{kind}: " + md_escape(", ".join(content.findings[kind])))
            for _, row in bad.iterrows():
                st.warning(
                    f"Mismatch: the seed attributes the {md_escape(row['kind'])} "
                    f"“{md_escape(row['claimed'])}” to reference {number}, but the "
                    "reference's own record (text, MeSH) does not name it."
                )
