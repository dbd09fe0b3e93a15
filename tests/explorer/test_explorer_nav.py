"""The explorer's page addresses (no Streamlit run needed)."""

from __future__ import annotations

from explorer.nav import href


def test_links_to_the_overview_go_to_the_root():
    """Streamlit serves the default page at the root only: ``/overview`` is "Page not found"."""
    assert href("overview") == "."
    assert href("overview", q="x") == ".?q=x"
    assert href("graph", focus="pmid:1") == "graph?focus=pmid:1"


def test_a_sites_label_and_its_detail():
    from kb.read.case_detail import site_label

    labels = {"iv_site": "intravenous site", "hand": "hand"}
    assert site_label("iv_site", labels) == "intravenous site"
    assert site_label("hand:left dorsum", labels) == "hand (left dorsum)"
    assert site_label("text:outside the setting of kidney", labels) is None
    assert site_label("elbow:both", labels) == "elbow:both"  # no label known: as stored


def test_external_ids_as_curies_with_their_vocabulary():
    from kb.read.iri_links import external_id

    assert external_id("http://purl.obolibrary.org/obo/HP_0025520") == (
        "HP:0025520",
        "Human Phenotype Ontology",
    )
    assert external_id("http://purl.obolibrary.org/obo/NCIT_C3371") == (
        "NCIT:C3371",
        "NCI Thesaurus",
    )
    assert external_id("https://go.drugbank.com/drugs/DB00001") == ("DrugBank:DB00001", "DrugBank")
    assert external_id("https://example.org/x/Y1") == ("Y1", "")
