"""The explorer's page addresses (no Streamlit run needed)."""

from __future__ import annotations

from explorer.nav import href


def test_links_to_the_overview_go_to_the_root():
    """Streamlit serves the default page at the root only: ``/overview`` is "Page not found"."""
    assert href("overview") == "."
    assert href("overview", q="x") == ".?q=x"
    assert href("graph", focus="pmid:1") == "graph?focus=pmid:1"
