"""Builders of SYNTHETIC PubMed records for tests: fictional articles, PMIDs 99000000+."""

from __future__ import annotations

from xml.sax.saxutils import escape

DOCTYPE = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def article(
    pmid: str,
    title: str,
    *,
    doi: str | None = None,
    pmcid: str | None = None,
    journal: str = "Journal of Synthetic Case Reports",
    iso: str = "J Synth Case Rep",
    year: int = 2021,
    volume: str = "1",
    issue: str = "1",
    pages: str = "1-5",
    authors: tuple[tuple[str, str], ...] = (("Synthetic", "A"),),
) -> str:
    """One <PubmedArticle> (synthetic), shaped like the 2025 DTD."""
    ids = f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
    if doi:
        ids += f'<ArticleId IdType="doi">{escape(doi)}</ArticleId>'
    if pmcid:
        ids += f'<ArticleId IdType="pmc">{pmcid}</ArticleId>'
    author_xml = "".join(
        f'<Author ValidYN="Y"><LastName>{escape(last)}</LastName><Initials>{ini}</Initials></Author>'
        for last, ini in authors
    )
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID>'
        f"<DateRevised><Year>2024</Year><Month>01</Month><Day>02</Day></DateRevised>"
        f'<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print">'
        f"<Volume>{volume}</Volume><Issue>{issue}</Issue><PubDate><Year>{year}</Year></PubDate>"
        f"</JournalIssue><Title>{escape(journal)}</Title><ISOAbbreviation>{escape(iso)}"
        f"</ISOAbbreviation></Journal><ArticleTitle>{escape(title)}</ArticleTitle>"
        f"<Pagination><MedlinePgn>{pages}</MedlinePgn></Pagination>"
        f"<Abstract><AbstractText>Synthetic abstract for a test fixture.</AbstractText></Abstract>"
        f'<AuthorList CompleteYN="Y">{author_xml}</AuthorList><Language>eng</Language>'
        f'<PublicationTypeList><PublicationType UI="D002363">Case Reports</PublicationType>'
        f"</PublicationTypeList></Article></MedlineCitation>"
        f"<PubmedData><ArticleIdList>{ids}</ArticleIdList></PubmedData></PubmedArticle>"
    )


def article_set(*articles: str) -> bytes:
    return (DOCTYPE + "<PubmedArticleSet>" + "".join(articles) + "</PubmedArticleSet>").encode()


def many(n: int, start: int = 99100000) -> bytes:
    """n distinct synthetic records, for batching tests."""
    return article_set(
        *(article(str(start + i), f"Synthetic batch record number {i}") for i in range(n))
    )
