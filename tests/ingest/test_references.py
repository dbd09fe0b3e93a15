"""The reference parser on tricky strings (synthetic examples) and a never-crash property."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.references import first_author_surname, normalize_doi, parse_reference, strip_number


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("DOI: 10.1097/RLU.0000000000003383", "10.1097/rlu.0000000000003383"),
        ("doi: 10.12659/AJCR.943397", "10.12659/ajcr.943397"),
        ("https://doi.org/10.51985/JBUMDC2025503", "10.51985/jbumdc2025503"),
        ("http://dx.doi.org/10.1000/xyz.", "10.1000/xyz"),
        ("doi.org/10.7326/aimcc.2024.027", "10.7326/aimcc.2024.027"),
        ("DOI: 10.1097/ MD.0000000000039139", "10.1097/md.0000000000039139"),
        (r"DOI: 10.4103/ijd.IJD\_527\_18", "10.4103/ijd.ijd_527_18"),
        (
            "doi:10.1002/(SICI)1097-0258(19980815/30)17:15/16<1661::AID-SIM968>3.0.CO;2-2",
            "10.1002/(sici)1097-0258(19980815/30)17:15/16",
        ),
        ("no identifier here", None),
    ],
)
def test_doi_normalisation(text, doi):
    assert normalize_doi(text) == doi


@pytest.mark.parametrize(
    ("line", "number", "rest"),
    [
        ("- 11. Ahn KH. T.", 11, "Ahn KH. T."),
        ("- Ahn KH. T.", None, "Ahn KH. T."),
        ("[3] Ahn KH", 3, "Ahn KH"),
        ("12) Ahn KH", 12, "Ahn KH"),
        ("Ahn KH", None, "Ahn KH"),
    ],
)
def test_strip_number(line, number, rest):
    assert strip_number(line) == (number, rest)


def test_et_al_and_question_title():
    ref = parse_reference(
        "Smith A, Jones B, et al. Is it synthetic? A review. J Synth. 2019 Sep 30;8(9):2763-7."
    )
    assert ref.authors == ["Smith A", "Jones B", "et al"]
    assert ref.title == "Is it synthetic? A review"
    assert ref.journal == "J Synth"
    assert (ref.year, ref.volume, ref.issue, ref.pages) == (2019, "8", "9", "2763-7")
    ref = parse_reference("Smith A. Is it synthetic? J Synth. 2019;8:1.")
    assert (ref.title, ref.journal) == ("Is it synthetic?", "J Synth")


def test_accented_surname_and_initials():
    ref = parse_reference("Gonçalves Júnior J, Shinjo SK. Synthetic. J Synth. 2024;26(2):53-68.")
    assert first_author_surname(ref) == "Gonçalves Júnior"


def test_missing_everything_keeps_raw():
    ref = parse_reference("just some words")
    assert ref.raw == "just some words"
    assert ref.year is None and ref.doi is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_crashes(text):
    ref = parse_reference(text, 1)
    assert ref.number == 1
    if ref.doi:
        assert ref.doi == ref.doi.lower() and " " not in ref.doi


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789./ :;()-DOIdoi,ABab\\_"), max_size=120))
def test_parser_never_crashes_on_punctuation_soup(text):
    parse_reference(text)
