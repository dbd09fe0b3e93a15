"""What the CLI shows in place of IRIs, ISO durations and raw numbers (``kb.labels``), and the
ids ``kb show`` reads back."""

from __future__ import annotations

import pytest

from kb import iris
from kb.labels import MISSING, cell, human_days, human_duration, iri_label, parse_ref


@pytest.mark.parametrize(
    ("iso", "words"),
    [
        ("P120D", "4 months"),
        ("P4M", "4 months"),
        ("P1M", "1 month"),
        ("P3.5M", "3.5 months"),
        ("P21D", "3 weeks"),
        ("P70D", "10 weeks"),
        ("P10D", "10 days"),
        ("P1D", "1 day"),
        ("P45D", "45 days"),
        ("P2Y", "2 years"),
        ("P1Y6M", "1 year 6 months"),
        ("PT12H", "12 hours"),
        ("P800D", "2.2 years"),
    ],
)
def test_durations_read_as_words(iso, words):
    assert human_duration(iso) == words


def test_what_is_not_a_duration_is_left_alone():
    assert human_duration("Paris") is None and human_duration("P") is None
    assert cell("Paris") == "Paris" and cell("PT") == "PT"
    assert human_days(0.5) == "0.5 days"


@pytest.mark.parametrize(
    ("value", "column", "shown"),
    [
        (None, "x", MISSING),
        ("None", "x", MISSING),
        ("nan", "median_days", MISSING),
        ("", "x", MISSING),
        ("80.655", "median_days", "81 days"),
        ("P70D P2M P3M", "times", "10 weeks, 2 months, 3 months"),
        ("0.38", "score", "0.38"),
        ("0.123456", "score", "0.12"),
        ("14", "cases", "14"),
    ],
)
def test_cells_have_no_none_nan_or_raw_medians(value, column, shown):
    assert cell(value, column) == shown


def test_iris_read_as_short_labels():
    assert iri_label(str(iris.pmid_article("99000001"))) == "PMID 99000001"
    assert iri_label(str(iris.case("case:pmid:99000001#1"))) == "PMID 99000001 · case 1"
    assert iri_label(str(iris.case("case:pmc:PMC5#2"))) == "PMC5 · case 2"
    assert iri_label(str(iris.seed_article("f0036fb653a4"))) == "seed f0036fb653a4"
    assert iri_label(str(iris.evidence("7cc0859413fa3df8cdf3"))) == "7cc0859413fa3df8cdf3"
    concept = str(iris.concept("calcinosis_cutis"))
    assert iri_label(concept, {concept: "calcinosis cutis"}) == "calcinosis cutis"
    assert iri_label(str(iris.concept("mesh:D002118"))) == "mesh:D002118"
    assert iri_label("http://id.nlm.nih.gov/mesh/D002118") == "mesh:D002118"
    assert iri_label("https://example.org/x") == "https://example.org/x"


@pytest.mark.parametrize(
    "iri",
    [
        str(iris.pmid_article("99000001")),
        str(iris.seed_article("f0036fb653a4")),
        str(iris.case("case:pmid:99000001#1")),
        str(iris.case("case:pmc:PMC99000001#3")),
        str(iris.case("case:seed:f0036fb653a4#2")),
        str(iris.evidence("7cc0859413fa3df8cdf3")),
    ],
)
def test_what_a_table_prints_is_what_kb_show_reads(iri):
    """The label of a node and its IRI name the same node."""
    assert parse_ref(iri_label(iri)).iri == iri
    assert parse_ref(iri).iri == iri


def test_other_spellings_of_an_id():
    article = str(iris.pmid_article("99000001"))
    case = str(iris.case("case:pmid:99000001#1"))
    for text in ("pmid:99000001", "99000001", "PMID  99000001", " pmid 99000001 "):
        assert parse_ref(text).iri == article
    for text in ("case:pmid:99000001#1", "pmid:99000001#1", "PMID 99000001 case 1"):
        assert parse_ref(text).iri == case
    finding = str(iris.finding("7cc0859413fa3df8cdf3"))
    assert parse_ref(finding).iri == str(iris.evidence("7cc0859413fa3df8cdf3"))
    assert parse_ref("calcinosis") is None and parse_ref("") is None


def test_a_count_takes_its_noun_in_number():
    from kb.labels import amount

    assert (amount(1, "row"), amount(0, "row"), amount(2, "row")) == ("1 row", "0 rows", "2 rows")
