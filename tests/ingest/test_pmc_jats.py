"""parse_pmc_xml on recorded real JATS (EFetch db=pmc, PMC OA .nxml), synthetic cases, the demo."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.entrez.errors import ResponseError
from ingest.entrez.pmc_jats import parse_pmc_xml
from ingest.xmlsafe import XmlError
from kb.records import AbstractSection, FullText, FullTextSection

ROOT = Path(__file__).resolve().parents[2]
EUTILS = ROOT.parent / "shared" / "eutils"
DEMO = ROOT / "data" / "demo" / "corpus"


def recorded(name: str) -> FullText:
    path = EUTILS / name
    if not path.exists():
        pytest.skip(f"{path} not found: ../shared/eutils must sit beside the repository")
    (ft,) = parse_pmc_xml(path.read_bytes())
    return ft


# --------------------------------------------------------------------------- recorded answers


def test_efetch_pmc_articleset() -> None:
    ft = recorded("efetch_pmc.xml")
    assert ft.pmcid == "PMC8435807"  # pub-id-type="pmc" is numeric: prefix added
    assert ft.pmid == "34527728"
    assert ft.doi == "10.1183/23120541.50193-2021"
    assert ft.title is not None
    assert ft.title.startswith("“Lung diffusing capacity for nitric oxide measured by two")
    assert ft.title.endswith("Holger Dressel. ERJ Open Res 2021; 7: 00193-2021.")  # <italic>
    assert ft.license == "https://creativecommons.org/licenses/by-nc/4.0/"  # ali:license_ref
    assert ft.abstract == []
    assert ft.open_access is True
    assert len(ft.sections) == 1
    (body,) = ft.sections
    assert (body.title, body.path, len(body.paragraphs)) == (None, [], 1)
    assert body.paragraphs[0].startswith("This article was originally published with an error")
    assert body.paragraphs[0].endswith("has now been corrected to −15.1% in the published article.")


def test_nxml_nested_sections() -> None:
    ft = recorded("more/1471-2180-11-174.nxml")
    assert ft.pmcid == "PMC3166277"
    assert ft.pmid == "21810267"
    assert ft.doi == "10.1186/1471-2180-11-174"
    assert ft.title == "Factors influencing lysis time stochasticity in bacteriophage λ"
    assert ft.license == "http://creativecommons.org/licenses/by/2.0"
    assert ft.open_access is True
    assert [a.label for a in ft.abstract] == ["Background", "Results", "Conclusions"]
    assert ft.abstract[0].text.startswith("Despite identical genotypes and seemingly uniform")
    titles = [s.title for s in ft.sections]
    assert titles[:4] == [
        "Background",
        "Results",
        "Effect of allelic variation in holin sequence",
        "Effect of late promoter pR' activity",  # <italic>p</italic><sub><italic>R</italic>…
    ]
    assert len(ft.sections) == 23
    assert sum(len(s.paragraphs) for s in ft.sections) == 40  # <p> children of body <sec>s
    by_title = {s.title: s for s in ft.sections}
    assert by_title["Background"].path == []
    assert len(by_title["Background"].paragraphs) == 7
    assert by_title["Effects of KCN Addition"].path == ["Results"]
    assert len(by_title["Effects of KCN Addition"].paragraphs) == 4
    assert by_title["Statistical analysis"].path == ["Methods"]
    assert by_title["Methods"].paragraphs == []  # only subsections
    assert (
        by_title["Background"]
        .paragraphs[0]
        .startswith(
            "Some phenotypic variation arises from randomness in cellular processes despite "
            "identical environments and genotypes [1-9]."
        )
    )
    assert all(p for s in ft.sections for p in s.paragraphs)


def test_nxml_paragraphs_directly_under_body() -> None:
    ft = recorded("more/ehp-116-1694.nxml")
    assert ft.pmcid == "PMC2599765"
    assert ft.pmid == "19079722"
    assert ft.doi == "10.1289/ehp.11570"
    assert ft.license == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert [a.label for a in ft.abstract] == [
        "Background",
        "Objective",
        "Methods",
        "Results",
        "Conclusions",
    ]
    first = ft.sections[0]
    assert (first.title, first.path, len(first.paragraphs)) == (None, [], 5)
    assert first.paragraphs[0].startswith("Polybrominated diphenyl ethers (PBDEs) are added")
    assert [s.title for s in ft.sections if not s.path] == [
        None,
        "Materials and Methods",
        "Results",
        "Discussion",
    ]
    nested = [s for s in ft.sections if s.path == ["Materials and Methods"]]
    assert len(nested) == 9
    assert nested[0].title == "Animals and housing"
    assert len(ft.sections) == 19  # 18 <sec> + the loose paragraphs
    assert sum(len(s.paragraphs) for s in ft.sections) == 33
    assert ft.open_access is True


# --------------------------------------------------------------------------- synthetic fixtures

# SYNTHETIC fixtures below: fictional articles, PMIDs ≥ 99000000.
NON_OA = b"""<?xml version="1.0" ?>
<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" "https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">
<pmc-articleset><article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="case-report">
<front><article-meta>
<article-id pub-id-type="pmid">99000080</article-id>
<article-id pub-id-type="pmc">PMC99000080</article-id>
<article-id pub-id-type="doi">10.99999/SYNTH.2020.080</article-id>
<title-group><article-title>A fictional article outside the open-access subset</article-title>
</title-group>
<abstract><p>First synthetic abstract paragraph.</p><p>Second one.</p></abstract>
</article-meta></front>
<!--The publisher of this article does not allow downloading of the full text in XML form.-->
</article></pmc-articleset>"""


def test_front_matter_only_is_not_open_access() -> None:
    (ft,) = parse_pmc_xml(NON_OA)
    assert ft == FullText(
        pmcid="PMC99000080",
        pmid="99000080",
        doi="10.99999/synth.2020.080",
        title="A fictional article outside the open-access subset",
        open_access=False,
        abstract=[
            AbstractSection("First synthetic abstract paragraph."),
            AbstractSection("Second one."),
        ],
    )


def test_withholding_notice_in_a_paragraph_is_not_full_text() -> None:
    notice = (
        b"<body><p>The publisher of this article does not allow downloading of the full text in "
        b"XML form.</p></body>"
    )
    (ft,) = parse_pmc_xml(NON_OA.replace(b"</front>", b"</front>" + notice))
    assert ft.open_access is False
    assert ft.sections == []


BARE = (
    b"""<!DOCTYPE article PUBLIC
 "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.0 20120330//EN"
 "JATS-archivearticle1.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:mml="http://www.w3.org/1998/Math/MathML">
<front><article-meta>
<article-id pub-id-type="pmcaid">99000081</article-id>
<article-id pub-id-type="pmcid">PMC99000082</article-id>
<permissions><license><license-p>Synthetic licence text. """
    + (b"word " * 80)
    + b"""</license-p>
</license></permissions>
<abstract abstract-type="graphical"><p>Graphical abstract.</p></abstract>
<abstract><title>Abstract</title><sec><title>Case</title><p>One.</p><p>Two.</p></sec></abstract>
</article-meta></front>
<body>
<p>Loose <italic>first</italic> paragraph.</p>
<sec><title>Case <bold>presentation</bold></title>
<p>A fictional patient had no fever.<fig id="f1"><label>Figure 1</label><caption><p>CAPTION
TEXT</p></caption></fig> The lesion resolved after 3 months.</p>
<sec><p>Untitled subsection paragraph with <inline-formula><mml:math><mml:mi>x</mml:mi>
</mml:math></inline-formula> inline.</p>
<sec><title>Deep</title><p>Deep paragraph.<table-wrap><caption><p>TABLE</p></caption>
<table><tr><td>CELL</td></tr></table></table-wrap></p>
<p>Formula <disp-formula><mml:math><mml:mi>DISPLAYED</mml:mi></mml:math></disp-formula>after.</p>
</sec></sec>
<fig><caption><p>A figure straight in the section is not a paragraph.</p></caption></fig>
</sec>
<p>Second loose paragraph.</p>
<sec><title>Empty</title></sec>
</body></article>"""
)


def test_bare_article_sections_paths_and_dropped_objects() -> None:
    (ft,) = parse_pmc_xml(BARE)
    assert ft.pmcid == "PMC99000082"  # "pmcid" preferred over "pmcaid"
    assert ft.pmid is None and ft.doi is None and ft.title is None
    assert ft.license is not None
    assert ft.license.startswith("Synthetic licence text. word word")
    assert ft.license.endswith("…") and len(ft.license) <= 201
    assert ft.abstract == [AbstractSection("One. Two.", label="Case")]  # graphical one skipped
    assert ft.open_access is True
    assert ft.sections == [
        FullTextSection(None, ["Loose first paragraph.", "Second loose paragraph."], []),
        FullTextSection(
            "Case presentation",
            ["A fictional patient had no fever. The lesion resolved after 3 months."],
            [],
        ),
        FullTextSection(
            None, ["Untitled subsection paragraph with x inline."], ["Case presentation"]
        ),
        FullTextSection("Deep", ["Deep paragraph.", "Formula after."], ["Case presentation"]),
        FullTextSection("Empty", [], []),
    ]


def test_several_articles_errors_and_missing_ids() -> None:
    data = b"""<pmc-articleset>
<article><front><article-meta><article-id pub-id-type="pmc">99000083</article-id>
</article-meta></front><body><p>Text.</p></body></article>
<error id="99000084">The following PMCID is not available: 99000084</error>
<article><front><article-meta><article-id pub-id-type="pmid">99000085</article-id>
</article-meta></front></article>
<article/>
<article><front><article-meta><article-id pub-id-type="pmc">PMC99000086</article-id>
</article-meta></front></article>
</pmc-articleset>"""
    assert [(f.pmcid, f.open_access) for f in parse_pmc_xml(data)] == [
        ("PMC99000083", True),
        ("PMC99000086", False),
    ]


def test_empty_articleset() -> None:
    assert parse_pmc_xml(b"<pmc-articleset></pmc-articleset>") == []


def test_truncated_and_unsafe_xml_are_xml_errors() -> None:
    with pytest.raises(XmlError):
        parse_pmc_xml(BARE[: len(BARE) // 2])
    bomb = (
        b'<!DOCTYPE article [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<article><body><p>&b;</p></body></article>"
    )
    with pytest.raises(XmlError):
        parse_pmc_xml(bomb)
    xxe = (
        b'<!DOCTYPE article [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<article><body><p>&x;</p></body></article>"
    )
    with pytest.raises(XmlError):
        parse_pmc_xml(xxe)


@pytest.mark.parametrize(
    "body",
    [
        b"<eFetchResult><ERROR>Cannot retrieve history data.</ERROR></eFetchResult>",
        b"<pmc-articleset><ERROR>Invalid id</ERROR></pmc-articleset>",
    ],
)
def test_error_answer_is_a_response_error(body: bytes) -> None:
    with pytest.raises(ResponseError, match="E-utilities error"):
        parse_pmc_xml(body)


def test_wrong_root_is_a_response_error() -> None:
    with pytest.raises(ResponseError, match="pmc-articleset"):
        parse_pmc_xml(b"<PubmedArticleSet></PubmedArticleSet>")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_xml_or_response_errors(data: bytes) -> None:
    with contextlib.suppress(XmlError, ResponseError):  # anything else fails the test
        parse_pmc_xml(data)


# --------------------------------------------------------------------------- the demo corpus


def test_demo_full_text() -> None:
    data = (DEMO / "pmc" / "PMC99000001.xml").read_bytes()
    assert b"<!-- SYNTHETIC record for Casebook's demo: fictional" in data
    (ft,) = parse_pmc_xml(data)
    assert (ft.pmcid, ft.pmid, ft.doi) == ("PMC99000001", "99000001", "10.99999/synth.2019.014")
    assert ft.open_access is True
    assert [(s.title, s.path) for s in ft.sections] == [
        ("Introduction", []),
        ("Case presentations", []),
        ("Case 1", ["Case presentations"]),
        ("Case 2", ["Case presentations"]),
        ("Case 3", ["Case presentations"]),
        ("Discussion", []),
        ("Conclusions", []),
    ]
    case1 = ft.sections[2].paragraphs[0]
    assert "without bone involvement (Figure 1). The lesion was covered" in case1
    assert "Synthetic radiograph description" not in case1  # the figure caption is dropped


def test_demo_abstract_only() -> None:
    data = (DEMO / "pmc" / "PMC99000002.xml").read_bytes()
    assert b"does not allow downloading of the full text" in data
    (ft,) = parse_pmc_xml(data)
    assert (ft.pmcid, ft.pmid, ft.open_access, ft.sections) == (
        "PMC99000002",
        "99000002",
        False,
        [],
    )
    assert [a.label for a in ft.abstract] == ["Background", "Case presentation", "Conclusions"]
