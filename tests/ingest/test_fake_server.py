"""Tests of the fake E-utilities server, through real HTTP (urllib, plus a few via Bio.Entrez).

Every PubMed / PMC record below is SYNTHETIC: invented PMIDs (99000000+), invented journals,
authors and DOIs (10.99999/…), titles containing "Synthetic". Only the element structure follows
the PubMed and JATS DTDs.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

import pytest

from ingest.entrez.fake import Corpus, FakeEutils, Fault, LoggedRequest
from ingest.entrez.fake.formats import PMC_DOCTYPE, PUBMED_DOCTYPE
from ingest.xmlsafe import XmlError, parse_xml

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------- synthetic fixtures


def pubmed_article(
    pmid: str,
    title: str,
    *,
    journal: str = "Journal of Synthetic Medicine",
    iso: str = "J Synth Med",
    medline_ta: str = "J Synth Med",
    pubdate: str = "<Year>2020</Year><Month>Mar</Month>",
    volume: str = "12",
    pages: str = "100-105",
    authors: tuple[str, ...] = ("Zeller",),
    abstract: str = "",
    doi: str | None = None,
    eloc_doi: str | None = None,
    ref_doi: str | None = None,
) -> str:
    """One synthetic <PubmedArticle> with the fields the fake server indexes."""
    author_xml = "".join(
        f'<Author ValidYN="Y"><LastName>{a}</LastName><ForeName>Q</ForeName>'
        f"<Initials>Q</Initials></Author>"
        for a in authors
    )
    eloc = f'<ELocationID EIdType="doi" ValidYN="Y">{eloc_doi}</ELocationID>' if eloc_doi else ""
    abstract_xml = (
        f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>" if abstract else ""
    )
    ids = f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
    if doi:
        ids += f'<ArticleId IdType="doi">{doi}</ArticleId>'
    refs = ""
    if ref_doi:  # a cited reference's DOI must not be indexed as the record's own
        refs = (
            "<ReferenceList><Reference><Citation>Synthetic reference.</Citation><ArticleIdList>"
            f'<ArticleId IdType="doi">{ref_doi}</ArticleId></ArticleIdList></Reference>'
            "</ReferenceList>"
        )
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal>'
        f'<ISSN IssnType="Print">0000-0000</ISSN><JournalIssue CitedMedium="Print">'
        f"<Volume>{volume}</Volume><Issue>1</Issue><PubDate>{pubdate}</PubDate></JournalIssue>"
        f"<Title>{journal}</Title><ISOAbbreviation>{iso}</ISOAbbreviation></Journal>"
        f"<ArticleTitle>{title}</ArticleTitle><Pagination><MedlinePgn>{pages}</MedlinePgn>"
        f"</Pagination>{eloc}{abstract_xml}"
        f'<AuthorList CompleteYN="Y">{author_xml}</AuthorList><Language>eng</Language>'
        f'<PublicationTypeList><PublicationType UI="D002363">Case Reports</PublicationType>'
        f"</PublicationTypeList></Article><MedlineJournalInfo><Country>United States</Country>"
        f"<MedlineTA>{medline_ta}</MedlineTA><NlmUniqueID>0000000</NlmUniqueID>"
        f"</MedlineJournalInfo></MedlineCitation><PubmedData><PublicationStatus>ppublish"
        f"</PublicationStatus><ArticleIdList>{ids}</ArticleIdList>{refs}</PubmedData>"
        f"</PubmedArticle>"
    )


SYNTHETIC_BOOK = (  # a synthetic PubmedBookArticle
    '<PubmedBookArticle><BookDocument><PMID Version="1">99000009</PMID><ArticleIdList>'
    '<ArticleId IdType="bookaccession">NBK0000</ArticleId></ArticleIdList><Book><Publisher>'
    "<PublisherName>Synthetic Press</PublisherName></Publisher><BookTitle>Synthetic Reviews"
    "</BookTitle><PubDate><Year>2019</Year></PubDate></Book><ArticleTitle>Synthetic book chapter"
    '</ArticleTitle><AuthorList Type="authors"><Author><LastName>Ortega</LastName></Author>'
    '</AuthorList></BookDocument><PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">'
    "99000009</ArticleId></ArticleIdList></PubmedBookData></PubmedBookArticle>"
)


def pubmed_set(*articles: str) -> bytes:
    return (
        '<?xml version="1.0" ?>\n'
        + PUBMED_DOCTYPE
        + "<PubmedArticleSet>\n"
        + "\n".join(articles)
        + "\n</PubmedArticleSet>\n"
    ).encode()


ART1 = pubmed_article(
    "99000001",
    "Synthetic case of Ångström fever in a café worker",
    authors=("Zeller", "Émond"),
    abstract="Colchicine was given. Synthetic abstract text.",
    doi="10.99999/SYN.0001",
    ref_doi="10.99999/ref.0001",
)
ART2 = pubmed_article(
    "99000002",
    "Synthetic report of beta fever",
    pubdate="<MedlineDate>2021 Jan-Feb</MedlineDate>",
    volume="13",
    pages="200-9",
    authors=("Müller",),
    eloc_doi="10.99999/syn.0002",
)
ART3 = pubmed_article(  # ART3 and ART4 share journal, year, volume and first page
    "99000003",
    "Synthetic twin report one",
    pubdate="<Year>2022</Year>",
    volume="14",
    pages="50-55",
    authors=("Baker", "Adams"),
    doi="10.99999/syn.0003",
)
ART4 = pubmed_article(
    "99000004",
    "Synthetic twin report two",
    pubdate="<Year>2022</Year>",
    volume="14",
    pages="50-58",
    authors=("Carter",),
    doi="10.99999/syn.0004",
)
PUBMED_DOCS = [pubmed_set(ART1, ART2), pubmed_set(ART3, ART4, SYNTHETIC_BOOK)]

PMC1 = (  # synthetic JATS, PMC id written with its prefix, a processing instruction kept as is
    '<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="case-report">'
    "<?properties open_access?><front><article-meta>"
    '<article-id pub-id-type="pmid">99000001</article-id>'
    '<article-id pub-id-type="pmc">PMC9900001</article-id>'
    "<title-group><article-title>Synthetic full text</article-title></title-group>"
    '</article-meta></front><body><p>Synthetic <ext-link xlink:href="https://example.org">'
    "body</ext-link>.</p></body></article>"
)
PMC2 = (  # synthetic bare JATS article, numeric PMC id
    '<article article-type="case-report"><front><article-meta>'
    '<article-id pub-id-type="pmc">9900002</article-id></article-meta></front>'
    "<body><p>Second synthetic full text.</p></body></article>"
)
PMC_DOCS = [
    (
        '<?xml version="1.0" ?>\n' + PMC_DOCTYPE + f"<pmc-articleset>{PMC1}</pmc-articleset>"
    ).encode(),
    ('<?xml version="1.0" encoding="UTF-8"?>\n' + PMC2).encode(),
]
CITEDIN = {"99000001": ["99000003", "99000002"], "99000002": ["99000004", "99000003"]}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.from_xml(PUBMED_DOCS, PMC_DOCS, citedin=CITEDIN)


@pytest.fixture
def server(corpus: Corpus) -> Iterator[FakeEutils]:
    with FakeEutils(corpus) as fake:
        yield fake


# ------------------------------------------------------------------------------ helpers


def fetch(url: str, data: bytes | None = None, timeout: float = 5) -> tuple[int, Message, bytes]:
    """Status, headers and body of a request (HTTP errors included, not raised)."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def call(
    server: FakeEutils, endpoint: str, post: bool = False, timeout: float = 5, **params: object
) -> tuple[int, Message, bytes]:
    query = urlencode(params, doseq=True)
    if post:
        return fetch(server.url + endpoint, data=query.encode(), timeout=timeout)
    return fetch(f"{server.url}{endpoint}?{query}", timeout=timeout)


def search_ids(server: FakeEutils, term: str, **params: object) -> list[str]:
    status, _, body = call(server, "esearch.fcgi", db="pubmed", term=term, **params)
    assert status == 200
    return [el.text or "" for el in parse_xml(body).iter("Id")]


def fetched_pmids(body: bytes) -> list[str]:
    root = parse_xml(body)
    assert root.tag == "PubmedArticleSet"
    return [a.findtext("MedlineCitation/PMID") or a.findtext("BookDocument/PMID") for a in root]


def citmatch(server: FakeEutils, *lines: str, sep: str = "\r") -> list[str]:
    status, headers, body = call(
        server, "ecitmatch.cgi", db="pubmed", retmode="xml", bdata=sep.join(lines)
    )
    assert status == 200
    assert headers.get_content_type() == "text/plain"
    return body.decode().splitlines()


# --------------------------------------------------------------------------------- corpus


def test_corpus_indexes_the_searchable_fields(corpus: Corpus) -> None:
    rec1, rec2 = corpus.pubmed["99000001"], corpus.pubmed["99000002"]
    assert rec1.dois == {"10.99999/syn.0001"}  # lower-cased; the reference's DOI is not its own
    assert rec2.dois == {"10.99999/syn.0002"}  # from ELocationID
    assert (rec1.year, rec1.volume, rec1.first_page) == ("2020", "12", "100")
    assert (rec2.year, rec2.first_page) == ("2021", "200")  # MedlineDate
    assert rec1.journals == {"journalofsyntheticmedicine", "jsynthmed"}
    assert rec1.last_names == ("zeller", "emond")
    assert "angstrom" in rec1.title_words and "colchicine" in rec1.abstract_words
    assert corpus.pubmed["99000009"].year == "2019"  # PubmedBookArticle
    assert sorted(corpus.pmc) == ["9900001", "9900002"]


def test_corpus_load_reads_a_directory(tmp_path: Path) -> None:
    (tmp_path / "pubmed").mkdir()
    (tmp_path / "pmc").mkdir()
    for i, doc in enumerate(PUBMED_DOCS):
        (tmp_path / "pubmed" / f"set{i}.xml").write_bytes(doc)
    (tmp_path / "pmc" / "a.xml").write_bytes(PMC_DOCS[1])
    (tmp_path / "links.json").write_text(json.dumps({"pubmed_pubmed_citedin": CITEDIN}))
    loaded = Corpus.load(tmp_path)
    assert sorted(loaded.pubmed) == ["99000001", "99000002", "99000003", "99000004", "99000009"]
    assert list(loaded.pmc) == ["9900002"]
    assert loaded.links["pubmed_pubmed_citedin"]["99000001"] == ["99000003", "99000002"]
    # Records are kept byte for byte, as written in the file.
    assert loaded.pubmed["99000002"].xml == ART2.encode()
    assert loaded.pmc["9900002"] == PMC2.encode()


# -------------------------------------------------------------------------------- esearch


def test_esearch_by_doi_is_exact_and_case_insensitive(server: FakeEutils) -> None:
    assert search_ids(server, '"10.99999/SYN.0001"[doi]') == ["99000001"]
    assert search_ids(server, "10.99999/syn.0002[doi]") == ["99000002"]
    assert search_ids(server, '("10.99999/syn.0003"[doi])') == ["99000003"]
    assert search_ids(server, '"10.99999/syn.000"[doi]') == []  # no prefix matching
    assert search_ids(server, '"10.99999/ref.0001"[doi]') == []  # a reference's DOI


def test_esearch_by_title_words_author_pmid_and_free_text(server: FakeEutils) -> None:
    assert search_ids(server, "synthetic[ti] AND twin[ti]") == ["99000004", "99000003"]
    assert search_ids(server, "(Synthetic[Title] AND fever[Title])") == ["99000002", "99000001"]
    assert search_ids(server, "angstrom[ti] AND CAFE[ti]") == ["99000001"]  # accents folded
    assert search_ids(server, "colchicine[ti]") == []  # only in the abstract
    assert search_ids(server, "colchicine") == ["99000001"]  # bare word: title or abstract
    assert search_ids(server, "colchicine[tiab] AND fever[ti]") == ["99000001"]
    assert search_ids(server, "mueller[au]") == []
    assert search_ids(server, "muller H[au] AND synthetic[ti]") == ["99000002"]
    assert search_ids(server, "99000004[pmid]") == ["99000004"]
    assert search_ids(server, "99000004[uid] AND one[ti]") == []


def test_esearch_answer_shape_and_paging(server: FakeEutils) -> None:
    status, headers, body = call(
        server, "esearch.fcgi", db="pubmed", term="synthetic[ti]", retmax=2, retstart=1
    )
    assert status == 200 and headers.get_content_type() == "text/xml"
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult')
    root = parse_xml(body)
    assert [c.tag for c in root] == [
        "Count",
        "RetMax",
        "RetStart",
        "IdList",
        "TranslationSet",
        "QueryTranslation",
    ]
    assert (root.findtext("Count"), root.findtext("RetMax"), root.findtext("RetStart")) == (
        "5",
        "2",
        "1",
    )
    assert [i.text for i in root.iter("Id")] == ["99000004", "99000003"]  # PMIDs descending


def test_esearch_zero_hits_and_bad_db(server: FakeEutils) -> None:
    _, _, body = call(server, "esearch.fcgi", db="pubmed", term="nonexistentword[ti]")
    root = parse_xml(body)
    assert root.findtext("Count") == "0" and root.findtext("RetMax") == "0"
    assert root.find("IdList") is not None and len(root.find("IdList")) == 0
    assert root.findtext("WarningList/OutputMessage") == "No items found."
    status, _, body = call(server, "esearch.fcgi", db="fleegle", term="synthetic")
    assert status == 200
    assert parse_xml(body).findtext("ERROR") == "Invalid db name specified: fleegle"


# --------------------------------------------------------------------------------- efetch


def test_efetch_pubmed_order_dedupe_unknown(server: FakeEutils, corpus: Corpus) -> None:
    status, headers, body = call(
        server, "efetch.fcgi", db="pubmed", retmode="xml", id="99000003,99000001,12345,99000003"
    )
    assert status == 200 and headers.get_content_type() == "text/xml"
    assert body.startswith(b'<?xml version="1.0" ?>\n' + PUBMED_DOCTYPE.encode())
    assert fetched_pmids(body) == ["99000003", "99000001"]
    assert corpus.pubmed["99000001"].xml in body  # served back byte for byte
    assert ART1.encode() in body


def test_efetch_pubmed_ids_in_post_body(server: FakeEutils) -> None:
    ids = ",".join(["99000009", "99000002"] + [str(i) for i in range(1, 300)])
    status, _, body = call(server, "efetch.fcgi", post=True, db="pubmed", retmode="xml", id=ids)
    assert status == 200
    assert fetched_pmids(body) == ["99000009", "99000002"]
    assert server.requests("efetch")[-1].method == "POST"


def test_efetch_without_id_is_http_400(server: FakeEutils) -> None:
    status, _, body = call(server, "efetch.fcgi", db="pubmed", retmode="xml")
    assert status == 400 and body


def test_efetch_pmc(server: FakeEutils) -> None:
    status, _, body = call(server, "efetch.fcgi", db="pmc", id="9900002,PMC9900001,PMC1")
    assert status == 200
    assert body.startswith(b'<?xml version="1.0" ?>\n' + PMC_DOCTYPE.encode())
    root = parse_xml(body)
    assert root.tag == "pmc-articleset"
    ids = [a.findtext("front/article-meta/article-id[@pub-id-type='pmc']") for a in root]
    assert ids == ["9900002", "PMC9900001"]
    assert PMC1.encode() in body  # namespace prefix and processing instruction intact


# ---------------------------------------------------------------------------------- elink


def _linksets(body: bytes) -> list[tuple[list[str], list[str] | None]]:
    out = []
    for linkset in parse_xml(body).findall("LinkSet"):
        assert linkset.findtext("DbFrom") == "pubmed"
        db = linkset.find("LinkSetDb")
        if db is not None:
            assert db.findtext("DbTo") == "pubmed"
            assert db.findtext("LinkName") == "pubmed_pubmed_citedin"
        links = None if db is None else [i.text or "" for i in db.findall("Link/Id")]
        out.append(([i.text or "" for i in linkset.findall("IdList/Id")], links))
    return out


def test_elink_repeated_ids_give_one_linkset_each(server: FakeEutils) -> None:
    query = "dbfrom=pubmed&db=pubmed&linkname=pubmed_pubmed_citedin&id=99000001&id=99000002"
    status, _, body = fetch(f"{server.url}elink.fcgi?{query}")
    assert status == 200 and b"<!DOCTYPE eLinkResult" in body
    assert _linksets(body) == [
        (["99000001"], ["99000003", "99000002"]),
        (["99000002"], ["99000004", "99000003"]),
    ]


def test_elink_joined_ids_share_one_linkset(server: FakeEutils) -> None:
    _, _, body = call(
        server,
        "elink.fcgi",
        dbfrom="pubmed",
        db="pubmed",
        linkname="pubmed_pubmed_citedin",
        id="99000001,99000002",
    )
    assert _linksets(body) == [(["99000001", "99000002"], ["99000003", "99000002", "99000004"])]


def test_elink_without_links_omits_linksetdb(server: FakeEutils) -> None:
    _, _, body = call(
        server,
        "elink.fcgi",
        dbfrom="pubmed",
        db="pubmed",
        linkname="pubmed_pubmed_citedin",
        id=["99000004", "99000001"],
    )
    assert _linksets(body) == [(["99000004"], None), (["99000001"], ["99000003", "99000002"])]


# ------------------------------------------------------------------------------ ecitmatch


def test_ecitmatch_found_not_found_ambiguous(server: FakeEutils) -> None:
    lines = citmatch(
        server,
        "j synth med|2020|12|100|zeller q|k1|",
        "Journal of Synthetic Medicine|2021|13|200|muller|k2|",
        "j. synth. med.|2022|14|50|nobody|k3|",
        "j synth med|2022|14|50|baker j|k4|",
        "j synth med|2020|12|999|zeller|k5|",
        "other journal|2020|12|100|zeller|k6|",
    )
    assert lines == [
        "j synth med|2020|12|100|zeller q|k1|99000001",
        "Journal of Synthetic Medicine|2021|13|200|muller|k2|99000002",
        "j. synth. med.|2022|14|50|nobody|k3|AMBIGUOUS 99000003,99000004",
        "j synth med|2022|14|50|baker j|k4|99000003",  # the author breaks the tie
        "j synth med|2020|12|999|zeller|k5|NOT_FOUND",
        "other journal|2020|12|100|zeller|k6|NOT_FOUND",
    ]


def test_ecitmatch_wrong_author_still_matches_and_separators(server: FakeEutils) -> None:
    assert citmatch(server, "j synth med|2020|12|100|wrongname x|k1|") == [
        "j synth med|2020|12|100|wrongname x|k1|99000001"
    ]
    two = ["j synth med|2020|12|100||a|", "j synth med|2021|13|200||b|"]
    expected = ["j synth med|2020|12|100||a|99000001", "j synth med|2021|13|200||b|99000002"]
    assert citmatch(server, *two, sep="\n") == expected
    assert citmatch(server, *two, sep="%0D") == expected  # a doubly encoded carriage return


# --------------------------------------------------------------------------------- faults


def test_fault_429_has_retry_after(server: FakeEutils) -> None:
    server.inject("esearch", Fault("429"), Fault("429", retry_after=7))
    for expected in ("1", "7"):
        status, headers, body = call(server, "esearch.fcgi", db="pubmed", term="synthetic")
        assert status == 429 and headers["Retry-After"] == expected
        assert json.loads(body) == {"error": "API rate limit exceeded", "count": "11"}
    assert call(server, "esearch.fcgi", db="pubmed", term="synthetic")[0] == 200


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_fault_5xx(server: FakeEutils, kind: str) -> None:
    server.inject("efetch", Fault(kind))
    status, _, body = call(server, "efetch.fcgi", db="pubmed", id="99000001")
    assert status == int(kind) and body
    assert server.requests("efetch")[-1].status == int(kind)


def test_fault_timeout_outlasts_a_short_client_timeout(server: FakeEutils) -> None:
    server.inject("efetch", Fault("timeout", delay=2.0))
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)) as caught:
        call(server, "efetch.fcgi", timeout=0.2, db="pubmed", id="99000001")
    if isinstance(caught.value, urllib.error.URLError):
        assert isinstance(caught.value.reason, TimeoutError)
    assert time.monotonic() - started < 1.5
    assert server.requests("efetch")[-1].fault == "timeout"
    # The server still answers the next request at once.
    assert fetched_pmids(call(server, "efetch.fcgi", db="pubmed", id="99000001")[2]) == ["99000001"]


def test_fault_slow_answers_late_but_correctly(server: FakeEutils) -> None:
    server.inject("esearch", Fault("slow", delay=0.3))
    started = time.monotonic()
    assert search_ids(server, "twin[ti]") == ["99000004", "99000003"]
    assert time.monotonic() - started >= 0.3


def test_fault_reset_closes_without_answer(server: FakeEutils) -> None:
    server.inject("elink", Fault("reset"))
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        call(server, "elink.fcgi", dbfrom="pubmed", db="pubmed", id="99000001")
    assert server.requests("elink")[-1].fault == "reset"
    assert server.requests("elink")[-1].status == 0


def test_fault_truncate_gives_incomplete_read(server: FakeEutils) -> None:
    server.inject("efetch", Fault("truncate"))
    with pytest.raises(http.client.IncompleteRead) as caught:
        call(server, "efetch.fcgi", db="pubmed", id="99000001,99000002")
    assert caught.value.partial.startswith(b'<?xml version="1.0" ?>')
    assert caught.value.expected > 0


@pytest.mark.parametrize("utility", ["esearch", "efetch", "elink"])
def test_fault_invalid_xml_is_rejected_by_parse_xml(server: FakeEutils, utility: str) -> None:
    endpoints = {
        "esearch": ("esearch.fcgi", {"db": "pubmed", "term": "synthetic"}),
        "efetch": ("efetch.fcgi", {"db": "pubmed", "id": "99000001"}),
        "elink": ("elink.fcgi", {"dbfrom": "pubmed", "db": "pubmed", "id": "99000001"}),
    }
    endpoint, params = endpoints[utility]
    parse_xml(call(server, endpoint, **params)[2])  # well-formed without the fault
    server.inject(utility, Fault("invalid_xml"))
    status, _, body = call(server, endpoint, **params)
    assert status == 200 and body
    with pytest.raises(XmlError, match="malformed"):
        parse_xml(body)


def test_fault_xml_bomb_is_rejected(server: FakeEutils) -> None:
    server.inject("efetch", Fault("xml_bomb"))
    status, _, body = call(server, "efetch.fcgi", db="pubmed", id="99000001")
    assert status == 200 and b"<!ENTITY lol9" in body
    with pytest.raises(XmlError, match="unsafe"):
        parse_xml(body)


def test_fault_xxe_is_rejected_and_never_fetched(server: FakeEutils) -> None:
    server.inject("esearch", Fault("xxe"))
    status, _, body = call(server, "esearch.fcgi", db="pubmed", term="synthetic")
    assert status == 200 and f'<!ENTITY xxe SYSTEM "{server.probe_url}">'.encode() in body
    assert b"&xxe;" in body
    with pytest.raises(XmlError, match="unsafe"):
        parse_xml(body)
    assert server.requests("xxe-probe") == []
    # Control: a request to the probe would have been seen.
    fetch(server.probe_url)
    assert len(server.requests("xxe-probe")) == 1


def test_fault_error_body_is_well_formed_ncbi_error(server: FakeEutils) -> None:
    server.inject("esearch", Fault("error_body"))
    server.inject("efetch", Fault("error_body"))
    server.inject("elink", Fault("error_body"))
    for endpoint, root_tag, params in [
        ("esearch.fcgi", "eSearchResult", {"db": "pubmed", "term": "x"}),
        ("efetch.fcgi", "eFetchResult", {"db": "pubmed", "id": "99000001"}),
        ("elink.fcgi", "eLinkResult", {"dbfrom": "pubmed", "id": "99000001"}),
    ]:
        status, _, body = call(server, endpoint, **params)
        root = parse_xml(body)
        assert status == 200 and root.tag == root_tag
        assert (root.findtext("ERROR") or "").startswith("Search Backend failed")


def test_fault_empty_answers(server: FakeEutils) -> None:
    for utility in ("esearch", "efetch", "elink", "ecitmatch"):
        server.inject(utility, Fault("empty"))
    root = parse_xml(call(server, "esearch.fcgi", db="pubmed", term="synthetic")[2])
    assert root.findtext("Count") == "0" and not list(root.iter("Id"))
    assert fetched_pmids(call(server, "efetch.fcgi", db="pubmed", id="99000001")[2]) == []
    _, _, body = call(server, "elink.fcgi", dbfrom="pubmed", db="pubmed", id="99000001")
    assert _linksets(body) == [(["99000001"], None)]
    assert citmatch(server, "j synth med|2020|12|100|zeller|k1|") == [
        "j synth med|2020|12|100|zeller|k1|NOT_FOUND"
    ]
    assert [r.fault for r in server.requests()] == ["empty"] * 4


def test_faults_are_fifo_per_utility(server: FakeEutils) -> None:
    server.inject("efetch", Fault("500"), Fault("503"))
    server.inject(None, Fault("502"))
    server.inject("esearch", Fault("429"))

    def esearch_status() -> int:
        return call(server, "esearch.fcgi", db="pubmed", term="x")[0]

    def efetch_status() -> int:
        return call(server, "efetch.fcgi", db="pubmed", id="99000001")[0]

    assert [esearch_status(), esearch_status(), esearch_status()] == [502, 429, 200]
    assert [efetch_status(), efetch_status(), efetch_status()] == [500, 503, 200]
    server.inject(None, Fault("500"))
    server.clear()
    assert efetch_status() == 200 and len(server.log) == 1


def test_fault_and_inject_validation(server: FakeEutils) -> None:
    with pytest.raises(ValueError):
        Fault("404")
    with pytest.raises(ValueError):
        server.inject("esearch.fcgi", Fault("500"))


# ------------------------------------------------------------------------ log, 404, limits


def test_request_log(server: FakeEutils) -> None:
    before = time.time()
    call(server, "esearch.fcgi", db="pubmed", term="twin[ti]")
    status, _, _ = fetch(server.url + "efetch.fcgi?db=pubmed", data=b"id=99000001&retmode=xml")
    assert status == 200
    server.inject("elink", Fault("503"))
    call(server, "elink.fcgi", dbfrom="pubmed", id="1")
    assert fetch(server.url + "einfo.fcgi")[0] == 404
    log = server.requests()
    assert [(r.method, r.utility, r.status, r.fault) for r in log] == [
        ("GET", "esearch", 200, None),
        ("POST", "efetch", 200, None),
        ("GET", "elink", 503, "503"),
        ("GET", "/entrez/eutils/einfo.fcgi", 404, None),
    ]
    assert all(isinstance(r, LoggedRequest) and before <= r.time <= time.time() for r in log)
    assert log[0].params == {"db": ["pubmed"], "term": ["twin[ti]"]}
    assert log[1].params == {"db": ["pubmed"], "id": ["99000001"], "retmode": ["xml"]}
    assert server.requests("efetch") == [log[1]]


def test_rate_limit_like_ncbi(corpus: Corpus) -> None:
    with FakeEutils(corpus, enforce_rate_limit=True) as fake:
        anonymous = [call(fake, "epost.fcgi", db="pubmed", id="1") for _ in range(4)]
        last_anonymous = time.monotonic()
        assert [a[0] for a in anonymous] == [200, 200, 200, 429]
        assert anonymous[3][1]["Retry-After"] == "1"
        assert fake.requests()[3].fault == "rate_limit"
        keyed = [call(fake, "epost.fcgi", db="pubmed", id="1", api_key="k") for _ in range(11)]
        assert [k[0] for k in keyed] == [200] * 10 + [429]
        time.sleep(max(0.0, last_anonymous + 1.05 - time.monotonic()))
        assert call(fake, "epost.fcgi", db="pubmed", id="1")[0] == 200


def test_epost(server: FakeEutils) -> None:
    status, _, body = call(server, "epost.fcgi", db="pubmed", id="99000001")
    root = parse_xml(body)
    assert status == 200 and root.tag == "ePostResult"
    assert root.findtext("QueryKey") == "1" and root.findtext("WebEnv", "").startswith("MCID_")


# ----------------------------------------------------------------------------- Bio.Entrez

NCBI = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"


class _ToFake(urllib.request.BaseHandler):
    """Sends Bio.Entrez's requests for NCBI to the fake server instead."""

    handler_order = 100  # before the HTTPS handler sets the Host header

    def __init__(self, base: str) -> None:
        self.base = base

    def https_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if req.full_url.startswith(NCBI):
            req.full_url = self.base + req.full_url[len(NCBI) :]
        return req


@pytest.fixture
def entrez(server: FakeEutils, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    from Bio import Entrez

    monkeypatch.setattr(Entrez, "email", "tests@example.org")
    monkeypatch.setattr(Entrez, "max_tries", 1)
    urllib.request.install_opener(urllib.request.build_opener(_ToFake(server.url)))
    try:
        yield Entrez
    finally:
        urllib.request.install_opener(None)  # type: ignore[arg-type]


def test_bio_entrez_reads_the_fake_answers(entrez: ModuleType, server: FakeEutils) -> None:
    with entrez.esearch(db="pubmed", term='"10.99999/syn.0003"[doi]') as handle:
        assert entrez.read(handle)["IdList"] == ["99000003"]
    with entrez.efetch(db="pubmed", id=["99000002", "99000001"], retmode="xml") as handle:
        records = entrez.read(handle)
    pmids = [str(a["MedlineCitation"]["PMID"]) for a in records["PubmedArticle"]]
    assert pmids == ["99000002", "99000001"]
    with entrez.elink(
        dbfrom="pubmed", db="pubmed", linkname="pubmed_pubmed_citedin", id=["99000001", "99000004"]
    ) as handle:
        linksets = entrez.read(handle)
    assert [ls["IdList"] for ls in linksets] == [["99000001"], ["99000004"]]
    assert [x["Id"] for x in linksets[0]["LinkSetDb"][0]["Link"]] == ["99000003", "99000002"]
    assert linksets[1]["LinkSetDb"] == []
    citation = {
        "journal_title": "j synth med",
        "year": "2022",
        "volume": "14",
        "first_page": "50",
        "author_name": "carter",
        "key": "c1",
    }
    with entrez.ecitmatch(db="pubmed", bdata=[citation]) as handle:
        assert handle.read().strip().split("|")[-1] == "99000004"
    assert [r.utility for r in server.requests()] == ["esearch", "efetch", "elink", "ecitmatch"]


def test_bio_entrez_parser_does_not_fetch_the_xxe_probe(
    entrez: ModuleType, server: FakeEutils
) -> None:
    server.inject("esearch", Fault("xxe"))
    # Refusing the document is fine (Biopython >= 1.87 does); fetching the entity is not.
    handle = entrez.esearch(db="pubmed", term="synthetic")
    with handle, contextlib.suppress(ValueError, RuntimeError):
        entrez.read(handle)
    assert server.requests("xxe-probe") == []


# ------------------------------------------------------------------------------------ CLI


@pytest.mark.slow
def test_command_line_serves_a_corpus_directory(tmp_path: Path) -> None:
    (tmp_path / "pubmed").mkdir()
    (tmp_path / "pubmed" / "a.xml").write_bytes(PUBMED_DOCS[0])
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.entrez.fake", "--corpus", str(tmp_path)],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = ""
        assert proc.stderr is not None
        for line in proc.stderr:
            if "base URL: " in line:
                url = line.split("base URL: ")[1].split()[0]
                break
        assert url.startswith("http://127.0.0.1:") and url.endswith("/entrez/eutils/")
        status, _, body = fetch(url + "efetch.fcgi?db=pubmed&id=99000002")
        assert status == 200 and fetched_pmids(body) == ["99000002"]
    finally:
        proc.terminate()
        proc.wait(timeout=5)
