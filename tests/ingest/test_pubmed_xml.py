"""parse_pubmed_xml on recorded real EFetch answers, synthetic edge cases and the demo corpus."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.entrez.errors import ResponseError
from ingest.entrez.pubmed_xml import parse_deleted_pmids, parse_pubmed_xml
from ingest.xmlsafe import XmlError
from kb.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    MeshQualifier,
    PubmedRecord,
)

ROOT = Path(__file__).resolve().parents[2]
EUTILS = ROOT.parent / "shared" / "eutils"
DEMO = ROOT / "data" / "demo" / "corpus"


def recorded(name: str) -> list[PubmedRecord]:
    path = EUTILS / name
    if not path.exists():
        pytest.skip(f"{path} not found: ../shared/eutils must sit beside the repository")
    return parse_pubmed_xml(path.read_bytes())


def one(name: str) -> PubmedRecord:
    records = recorded(name)
    assert len(records) == 1
    return records[0]


# --------------------------------------------------------------------------- recorded answers


def test_structured_abstract_markup_pmcid_and_dates() -> None:
    r = one("pubmed4.xml")
    assert r.pmid == "27797938"
    assert r.kind == "article"
    # <i>TERT</i> flattened
    assert r.title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of "
        "pancreatic cancer."
    )
    assert [s.label for s in r.abstract] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert all(s.nlm_category is None for s in r.abstract)
    assert r.abstract[3] == AbstractSection(
        text="Prediagnostic leucocyte telomere length and genetic variants at the TERT gene "
        "region were associated with risk of pancreatic cancer.",
        label="CONCLUSIONS",
    )
    # <sub>trend</sub> and <sup>2</sup>&lt; flattened into plain text
    assert "95% CI 1.07 to 2.78; ptrend=0.048)" in r.abstract[2].text
    assert "(linkage disequilibrium r2<0.25)" in r.abstract[2].text
    assert "<" not in r.abstract[0].text
    assert r.abstract_text.count("\n") == 3
    assert r.doi == "10.1136/gutjnl-2016-312510"
    assert r.pmcid == "PMC5442267"
    assert r.journal == "Gut"
    assert r.journal_abbrev == "Gut"
    assert (r.volume, r.issue, r.pages) == ("66", "6", "1116-1122")
    assert (r.pub_date, r.year) == ("2017-06", 2017)
    assert r.date_revised == "2018-04-17"
    assert r.status == "MEDLINE"
    assert r.language == ["eng"]
    assert r.publication_types[:2] == ["Journal Article", "Observational Study"]
    assert len(r.publication_types) == 5
    assert r.keywords == ["PANCREATIC CANCER"]
    assert len(r.mesh_headings) == 21
    assert sum(len(m.qualifiers) for m in r.mesh_headings) == 6
    # the 48 "Cites" entries are a reference list, not comments or corrections
    assert r.comments_corrections == [
        CommentCorrection(ref_type="CommentIn", ref_source="Gut. 2017 Jun;66(6):1", pmid="27920200")
    ]
    assert r.authors[0] == Author(
        last_name="Bao",
        fore_name="Ying",
        initials="Y",
        affiliations=[
            "Channing Division of Network Medicine, Department of Medicine, Brigham and Women's "
            "Hospital, and Harvard Medical School, Boston, Massachusetts, USA."
        ],
    )
    assert len(r.authors[2].affiliations) == 2
    assert r.retracted is False


def test_mesh_qualifiers_with_ui_and_major_flags() -> None:
    r = one("more/pmid_38763967.xml")
    assert r.pmid == "38763967"
    assert r.title == "Widespread form of Majocchi's granuloma in a kidney transplant recipient."
    assert r.pmcid == "PMC11608206"
    assert r.doi == "10.1007/s13730-024-00883-1"
    assert r.journal == "CEN case reports"
    assert r.journal_abbrev == "CEN Case Rep"
    assert (r.volume, r.issue, r.pages) == ("13", "6", "552-556")
    assert (r.pub_date, r.year) == ("2024-12", 2024)
    assert r.date_revised == "2024-12-12"
    assert r.publication_types == ["Case Reports", "Journal Article"]
    assert len(r.mesh_headings) == 13
    assert sum(len(m.qualifiers) for m in r.mesh_headings) == 12
    assert r.mesh_headings[0] == MeshHeading("D006801", "Humans", major=False)
    assert r.mesh_headings[1] == MeshHeading(
        "D016030",
        "Kidney Transplantation",
        major=True,
        qualifiers=[MeshQualifier("Q000009", "adverse effects", major=False)],
    )
    granuloma = r.mesh_headings[2]
    assert (granuloma.descriptor_ui, granuloma.major) == ("D006099", True)
    assert [(q.ui, q.name) for q in granuloma.qualifiers] == [
        ("Q000175", "diagnosis"),
        ("Q000209", "etiology"),
        ("Q000382", "microbiology"),
    ]
    arthro = next(m for m in r.mesh_headings if m.descriptor_ui == "D003883")
    assert arthro.qualifiers == [MeshQualifier("Q000302", "isolation & purification")]
    assert r.keywords == [
        "Dermatophytosis",
        "Immunosuppression",
        "Kidney transplantation",
        "Majocchi’s granuloma",
    ]
    assert r.authors[0].last_name == "Uysal"
    assert r.authors[0].initials == "C"
    assert len(r.authors) == 4
    assert r.abstract[0].label is None
    assert r.abstract[0].text.startswith("Kidney transplantation is the encouraged kidney")


def test_erratum_in() -> None:
    r = one("more/pmid_35649368.xml")
    assert r.pmid == "35649368"
    assert r.comments_corrections == [
        CommentCorrection(
            ref_type="ErratumIn",
            ref_source="Cell Rep. 2022 Jun 28;39(13):111044. doi: 10.1016/j.celrep.2022.111044.",
            pmid="35767954",
        )
    ]
    assert (r.pub_date, r.year) == ("2022-05-31", 2022)
    assert r.pages == "110870"
    assert r.retracted is False


def test_published_erratum_for() -> None:
    r = one("more/pmid_38833988.xml")
    assert r.pmid == "38833988"
    assert r.publication_types == ["Published Erratum"]
    assert r.comments_corrections == [
        CommentCorrection(
            ref_type="ErratumFor",
            ref_source="Biochim Biophys Acta Mol Cell Res. 2021 Mar;1868(3):118918. "
            "doi: 10.1016/j.bbamcr.2020.118918.",
            pmid="33279609",
        )
    ]
    assert r.abstract == []
    assert r.doi == "10.1016/j.bbamcr.2024.119767"
    assert r.pmcid is None
    assert r.pages == "119767"
    assert (r.pub_date, r.year) == ("2024-08", 2024)
    assert r.status == "PubMed-not-MEDLINE"
    assert r.date_revised == "2024-06-11"
    assert r.authors[0].fore_name == "Franco Andrés"


def test_no_abstract() -> None:
    r = one("more/pmid_38762411.xml")
    assert r.pmid == "38762411"
    assert r.title == "Giant intrathoracic schwannoma: A case report."
    assert r.abstract == []
    assert r.abstract_text == ""
    assert r.publication_types == ["Case Reports", "Letter"]
    assert r.pmcid is None
    assert r.doi == "10.1016/j.asjsur.2024.05.017"


def test_book_article() -> None:
    r = one("more/efetch.pubmedbook.xml")
    assert r.kind == "book"
    assert r.pmid == "20301295"
    assert r.title == "GeneReviews™"
    assert (r.pub_date, r.year) == ("1993", 1993)
    assert r.language == ["eng"]
    assert r.authors == []  # the book's AuthorList is its editors
    assert r.abstract[0].text.startswith("GeneReviews are expert-authored, peer-reviewed")
    assert r.journal is None
    assert r.status is None


def test_article_and_book_in_document_order() -> None:
    records = recorded("more/efetch.pubmedexample.xml")
    assert [(r.pmid, r.kind) for r in records] == [("17284678", "article"), ("20301295", "book")]
    article = records[0]
    assert article.abstract == [AbstractSection("Lorem ipsum and ipsum lorem.", "dummy-label")]
    assert article.keywords == ["Krazy Kool", "The Snap!"]
    assert article.pmcid == "PMC1800922"


def test_season_numeric_and_named_dates_collective_author() -> None:
    first, second = recorded("pubmed1.xml")
    assert (first.pmid, first.pub_date, first.year) == ("12091962", "1990", 1990)  # Season
    assert first.doi is None
    assert first.pages == "113-25"
    assert (second.pmid, second.pub_date) == ("9997", "1976-09-28")
    assert second.doi == "10.1016/0005-2795(76)90109-4"
    group = one("pubmed7.xml").authors
    assert Author(collective_name="Canadian Respiratory Research Network") in group


def test_mathml_flattened() -> None:
    text = one("pubmed6.xml").abstract_text
    assert "mml" not in text and "<m" not in text  # the text itself has "P < 0.001"
    assert "maximal oxygen uptake ( V . O 2 m a x ) 67.6" in text


def test_every_recorded_efetch_answer_parses() -> None:
    names = [
        "pubmed1.xml",
        "pubmed2.xml",
        "pubmed4.xml",
        "pubmed5.xml",
        "pubmed6.xml",
        "pubmed7.xml",
        "more/efetch.pubmed.xml",
        "more/pubmed-29768149.xml",
        *(f"more/pmid_{n}.xml" for n in (219391, 25364329, 36318760, 38909159)),
    ]
    for name in names:
        for r in recorded(name):
            assert r.pmid.isdigit() and r.title and r.year


# --------------------------------------------------------------------------- synthetic fixtures

# SYNTHETIC fixtures below: fictional records, PMIDs ≥ 99000000.
HEAD = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)

RETRACTED = (
    HEAD
    + """<PubmedArticleSet><PubmedArticle>
<MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">99000090</PMID>
<DateRevised><Year>2023</Year><Month>2</Month><Day>7</Day></DateRevised>
<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print"><Volume>3</Volume>
<PubDate><MedlineDate>2019 Dec-2020 Jan</MedlineDate></PubDate></JournalIssue>
<Title>Journal of synthetic case reports</Title></Journal>
<ArticleTitle>A fictional <i>retracted</i> case report.</ArticleTitle>
<Pagination><StartPage>5</StartPage><EndPage>9</EndPage></Pagination>
<ELocationID EIdType="doi" ValidYN="Y">10.99999/SYNTH.2020.005</ELocationID>
<AuthorList><Author ValidYN="Y"><LastName>Example</LastName><Initials>A</Initials></Author>
<Author ValidYN="N"><LastName>Wrongname</LastName><Initials>B</Initials></Author></AuthorList>
<Language>eng</Language><PublicationTypeList>
<PublicationType UI="D016428">Journal Article</PublicationType>
<PublicationType UI="D016441">Retracted Publication</PublicationType></PublicationTypeList>
</Article>
<MedlineJournalInfo><MedlineTA>J Synth Case Rep</MedlineTA></MedlineJournalInfo>
<CommentsCorrectionsList>
<CommentsCorrections RefType="RetractionIn"><RefSource>J Synth Case Rep. 2021;4:1.</RefSource>
<PMID Version="1">99000091</PMID></CommentsCorrections>
<CommentsCorrections RefType="Cites"><RefSource>Synthetic. 2001;1:1.</RefSource>
</CommentsCorrections>
</CommentsCorrectionsList>
<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">first <i>list</i></Keyword></KeywordList>
<KeywordList Owner="KIE"><Keyword MajorTopicYN="N">second list</Keyword></KeywordList>
</MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">99000090</ArticleId>
<ArticleId IdType="pmc">99000090</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle></PubmedArticleSet>"""
).encode()


def test_retracted_record() -> None:
    (r,) = parse_pubmed_xml(RETRACTED)
    assert r.retracted is True
    assert r.title == "A fictional retracted case report."
    assert r.doi == "10.99999/synth.2020.005"  # from ELocationID, lower-cased
    assert r.pmcid == "PMC99000090"  # numeric pmc id gets its prefix
    assert (r.pub_date, r.year) == ("2019", 2019)  # MedlineDate: its first year
    assert r.pages == "5-9"  # StartPage-EndPage when there is no MedlinePgn
    assert r.journal_abbrev == "J Synth Case Rep"  # MedlineTA when there is no ISOAbbreviation
    assert r.date_revised == "2023-02-07"
    assert [a.last_name for a in r.authors] == ["Example"]  # ValidYN="N" dropped
    assert r.keywords == ["first list", "second list"]
    assert r.comments_corrections == [
        CommentCorrection("RetractionIn", "J Synth Case Rep. 2021;4:1.", "99000091")
    ]


def test_retraction_link_alone_marks_retracted() -> None:
    data = RETRACTED.replace(b"Retracted Publication", b"Case Reports")
    (r,) = parse_pubmed_xml(data)
    assert "Retracted Publication" not in r.publication_types
    assert r.retracted is True


def test_record_with_most_elements_missing() -> None:
    data = HEAD + (
        "<PubmedArticleSet>"
        "<PubmedArticle><MedlineCitation><PMID>99000092</PMID></MedlineCitation></PubmedArticle>"
        '<PubmedArticle><MedlineCitation Status="Publisher"><PMID>99000093</PMID>'
        "<DateRevised><Year>2024</Year></DateRevised>"
        "<Article><Journal><JournalIssue><PubDate><Year>2024</Year><Month>13</Month></PubDate>"
        "</JournalIssue></Journal><ArticleTitle/><VernacularTitle>Titre fictif.</VernacularTitle>"
        "<Pagination><MedlinePgn/></Pagination><Abstract><AbstractText/></Abstract>"
        "<AuthorList><Author><CollectiveName>Synthetic Study Group</CollectiveName></Author>"
        "</AuthorList></Article>"
        "<MeshHeadingList><MeshHeading><QualifierName UI='Q000628'>therapy</QualifierName>"
        "</MeshHeading></MeshHeadingList></MedlineCitation><PubmedData/></PubmedArticle>"
        "<PubmedArticle><MedlineCitation><Article><ArticleTitle>No PMID</ArticleTitle></Article>"
        "</MedlineCitation></PubmedArticle>"
        "<PubmedBookArticle><BookDocument><PMID>99000094</PMID></BookDocument></PubmedBookArticle>"
        "</PubmedArticleSet>"
    )
    bare, sparse, book = parse_pubmed_xml(data.encode())
    assert bare == PubmedRecord(pmid="99000092", title="")
    assert sparse.title == "Titre fictif."
    assert (sparse.pub_date, sparse.year) == ("2024", 2024)  # month 13 ignored
    assert sparse.pages is None
    assert sparse.abstract == []
    assert sparse.mesh_headings == []  # a heading without a descriptor is skipped
    assert sparse.date_revised is None
    assert sparse.status == "Publisher"
    assert sparse.authors == [Author(collective_name="Synthetic Study Group")]
    assert sparse.authors[0].display == "Synthetic Study Group"
    assert book == PubmedRecord(pmid="99000094", title="", kind="book")


def test_empty_answer_is_no_records() -> None:
    assert parse_pubmed_xml((HEAD + "<PubmedArticleSet></PubmedArticleSet>").encode()) == []


def test_deleted_pmids() -> None:
    data = (
        b"<PubmedArticleSet><DeleteCitation>"
        b'<PMID Version="1">99000095</PMID><PMID Version="1">99000096</PMID>'
        b"</DeleteCitation></PubmedArticleSet>"
    )
    assert parse_deleted_pmids(data) == ["99000095", "99000096"]
    assert parse_pubmed_xml(data) == []
    assert parse_deleted_pmids(RETRACTED) == []


def test_truncated_xml_is_an_xml_error() -> None:
    with pytest.raises(XmlError):
        parse_pubmed_xml(RETRACTED[: len(RETRACTED) // 2])
    with pytest.raises(XmlError):
        parse_pubmed_xml(b"")


def test_entity_bomb_is_an_xml_error() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>99000097</PMID>"
        b"<Article><ArticleTitle>&c;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        b"</PubmedArticleSet>"
    )
    with pytest.raises(XmlError):
        parse_pubmed_xml(bomb)


def test_external_entity_is_an_xml_error() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE PubmedArticleSet '
        b'[<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>99000098</PMID>"
        b"<Article><ArticleTitle>&x;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
        b"</PubmedArticleSet>"
    )
    with pytest.raises(XmlError):
        parse_pubmed_xml(xxe)


@pytest.mark.parametrize(
    "body",
    [
        b"<eFetchResult><ERROR>Cannot retrieve history data.</ERROR></eFetchResult>",
        b"<PubmedArticleSet><ERROR>Some IDs have invalid value</ERROR></PubmedArticleSet>",
        b"<ERROR>Service unavailable</ERROR>",
    ],
)
def test_error_answer_is_a_response_error(body: bytes) -> None:
    with pytest.raises(ResponseError, match="E-utilities error"):
        parse_pubmed_xml(b'<?xml version="1.0" encoding="UTF-8" ?>\n' + body)
    with pytest.raises(ResponseError):
        parse_deleted_pmids(body)


def test_wrong_root_is_a_response_error() -> None:
    with pytest.raises(ResponseError, match="PubmedArticleSet"):
        parse_pubmed_xml(b"<eSearchResult><Count>0</Count></eSearchResult>")
    with pytest.raises(ResponseError, match="PubmedArticleSet"):
        parse_pubmed_xml(b"<pmc-articleset><article/></pmc-articleset>")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_xml_or_response_errors(data: bytes) -> None:
    with contextlib.suppress(XmlError, ResponseError):  # anything else fails the test
        parse_pubmed_xml(data)


_TAGS = [
    "PubmedArticle",
    "PubmedBookArticle",
    "BookDocument",
    "Book",
    "MedlineCitation",
    "PMID",
    "Article",
    "Journal",
    "JournalIssue",
    "PubDate",
    "Year",
    "Month",
    "Day",
    "MedlineDate",
    "ArticleTitle",
    "Pagination",
    "MedlinePgn",
    "StartPage",
    "EndPage",
    "Abstract",
    "AbstractText",
    "AuthorList",
    "Author",
    "LastName",
    "CollectiveName",
    "AffiliationInfo",
    "Affiliation",
    "MeshHeadingList",
    "MeshHeading",
    "DescriptorName",
    "QualifierName",
    "KeywordList",
    "Keyword",
    "CommentsCorrectionsList",
    "CommentsCorrections",
    "PubmedData",
    "ArticleIdList",
    "ArticleId",
    "ELocationID",
    "DateRevised",
    "i",
]
_ATTRS = st.dictionaries(
    st.sampled_from(["IdType", "EIdType", "UI", "MajorTopicYN", "Label", "RefType", "ValidYN"]),
    st.sampled_from(["doi", "pmc", "pubmed", "Y", "N", "Cites", "X", "PMC12", "D000001"]),
    max_size=2,
)
_TEXT = st.text(alphabet="abc 019-PMC<&>é", max_size=8)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def render(tag: str, attrs: dict[str, str], text: str, kids: list[str]) -> str:
        a = "".join(f' {k}="{v}"' for k, v in attrs.items())
        t = text.replace("&", "&amp;").replace("<", "&lt;")
        return f"<{tag}{a}>{t}{''.join(kids)}</{tag}>"

    return st.builds(render, st.sampled_from(_TAGS), _ATTRS, _TEXT, st.lists(children, max_size=4))


_TREES = st.recursive(
    st.builds(lambda t: f"<{t}/>", st.sampled_from(_TAGS)), _element, max_leaves=40
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TREES, max_size=4))
def test_arbitrary_pubmed_shaped_trees_never_crash(items: list[str]) -> None:
    data = ("<PubmedArticleSet>" + "".join(items) + "</PubmedArticleSet>").encode()
    for r in parse_pubmed_xml(data):
        assert r.pmid
        assert isinstance(r.title, str)
        assert r.pmcid is None or re.fullmatch(r"PMC\d+", r.pmcid)


# --------------------------------------------------------------------------- the demo corpus

DEMO_MESH = {
    "D002114", "D002125", "D002115", "D005119", "D006996", "D007231", "D007223", "D006801",
    "D008297", "D005260", "D012871", "D013885", "D014859", "D006495", "D003882", "D000368",
    "D000328",
}  # fmt: skip
DEMO_QUALIFIERS = {
    "Q000009", "Q000139", "Q000628", "Q000188", "Q000627", "Q000000981", "Q000209", "Q000008",
    "Q000601",
}  # fmt: skip


def demo_records() -> dict[str, PubmedRecord]:
    records: dict[str, PubmedRecord] = {}
    for path in sorted((DEMO / "pubmed").glob("*.xml")):
        data = path.read_bytes()
        assert b"<!-- SYNTHETIC record for Casebook's demo: fictional -->" in data, path.name
        (r,) = parse_pubmed_xml(data)
        assert path.stem == r.pmid
        records[r.pmid] = r
    return records


def test_demo_corpus_is_synthetic_and_well_formed() -> None:
    records = demo_records()
    assert len(records) == 16
    for r in records.values():
        assert 99000001 <= int(r.pmid) <= 99000099
        assert r.doi is None or r.doi.startswith("10.99999/")
        assert r.pmcid in (None, "PMC99000001", "PMC99000002")
        assert r.title and r.year and r.journal_abbrev and r.date_revised
        for m in r.mesh_headings:
            assert m.descriptor_ui in DEMO_MESH
            assert {q.ui for q in m.qualifiers} <= DEMO_QUALIFIERS
        words = len(r.abstract_text.split())
        assert words == 0 or 60 <= words <= 150, (r.pmid, words)


def test_demo_corpus_roles() -> None:
    r = demo_records()
    assert r["99000001"].pmcid == "PMC99000001"
    assert [s.label for s in r["99000002"].abstract] == [
        "BACKGROUND",
        "CASE PRESENTATION",
        "CONCLUSIONS",
    ]
    assert {
        (m.descriptor_name, q.name) for m in r["99000002"].mesh_headings for q in m.qualifiers
    } >= {
        ("Calcinosis", "chemically induced"),
        ("Calcium Gluconate", "adverse effects"),
    }
    assert r["99000003"].retracted
    assert r["99000003"].comments_corrections[0].pmid == "99000004"
    assert r["99000004"].publication_types == ["Retraction of Publication"]
    assert r["99000004"].comments_corrections == [
        CommentCorrection(
            "RetractionOf",
            "J Synth Case Rep. 2018 Sep;1(3):33-37. doi: 10.99999/synth.2018.033.",
            "99000003",
        )
    ]
    assert r["99000005"].comments_corrections[0].ref_type == "ErratumIn"
    assert r["99000005"].doi == "10.99999/synth_cr.2021.112"
    assert r["99000006"].publication_types == ["Published Erratum"]
    assert r["99000006"].abstract == []
    assert r["99000007"].doi is None
    assert (r["99000007"].journal_abbrev, r["99000007"].year, r["99000007"].volume) == (
        "J Synth Dermatol",
        2016,
        "9",
    )
    assert r["99000009"].title == r["99000011"].title
    assert r["99000009"].year == r["99000011"].year == 2020
    assert not any(x.retracted for k, x in r.items() if k != "99000003")
