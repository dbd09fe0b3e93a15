"""EFetch ``db=pubmed retmode=xml`` → ``PubmedRecord``s: one pass, direct paths, no Entrez handle.

The whole answer is parsed once by ``ingest.xmlsafe.parse_xml`` (the only XML entry point), then
each record is read with ``find`` on direct child paths: deep ``.//`` searches would wander into
``PubmedData/ReferenceList``, whose ``ArticleId``s belong to cited works, and cost time.
"""

# Sample input (2025 PubMed DTD, one PubmedArticle of more/pmid_38763967.xml, trimmed):
#
# <PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
#   <PMID Version="1">38763967</PMID><DateRevised><Year>2024</Year><Month>12</Month>…
#   <Article><Journal><JournalIssue><Volume>13</Volume><Issue>6</Issue><PubDate><Year>2024</Year>
#     <Month>Dec</Month></PubDate></JournalIssue><ISOAbbreviation>CEN Case Rep</ISOAbbreviation>
#   </Journal><ArticleTitle>Widespread form of Majocchi's granuloma …</ArticleTitle>…</Article>
#   <MeshHeadingList><MeshHeading><DescriptorName UI="D016030" MajorTopicYN="Y">Kidney …
#     <QualifierName UI="Q000009" MajorTopicYN="N">adverse effects</QualifierName>…
# </MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType="pmc">PMC11608206</ArticleId>…

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree.ElementTree import Element

from ingest.entrez.errors import checked_root
from ingest.xmlsafe import capped, text_of
from kb.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    MeshQualifier,
    PubmedRecord,
)

__all__ = ["parse_deleted_pmids", "parse_pubmed_set", "parse_pubmed_xml"]

_ROOT = "PubmedArticleSet"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")


def parse_pubmed_xml(
    data: bytes, on_error: Callable[[str, Exception], None] | None = None
) -> list[PubmedRecord]:
    """Parse an EFetch pubmed XML answer into records, in document order.

    Raises ``XmlError`` (malformed, truncated, entity-declaring) and ``ResponseError`` (an
    ``<ERROR>`` answer, or a root other than PubmedArticleSet). A record without a PMID cannot
    be keyed and is skipped; any other missing element leaves its field None/empty. With
    ``on_error``, a record that cannot be read is skipped and reported to it (its PMID as
    written, the error) instead of failing the whole document: one odd record in a baseline
    file of 30,000 must not lose the other 29,999.
    """
    return _records(checked_root(data, _ROOT), on_error)


def parse_deleted_pmids(data: bytes) -> list[str]:
    """PMIDs listed under ``<DeleteCitation>`` (update files): records to drop, not to parse."""
    return _deleted(checked_root(data, _ROOT))


def parse_pubmed_set(
    data: bytes, on_error: Callable[[str, Exception], None] | None = None
) -> tuple[list[PubmedRecord], list[str]]:
    """A baseline or update file's records and deleted PMIDs, from one parse of its XML."""
    root = checked_root(data, _ROOT)
    return _records(root, on_error), _deleted(root)


def _records(
    root: Element, on_error: Callable[[str, Exception], None] | None
) -> list[PubmedRecord]:
    records: list[PubmedRecord] = []
    for el in root:
        read = _READERS.get(el.tag)
        if read is None:  # DeleteCitation and anything unknown
            continue
        try:
            rec = read(el)
        except (ValueError, TypeError, AttributeError) as exc:
            if on_error is None:
                raise
            on_error(_record_pmid(el), exc)
            continue
        if rec is not None:
            records.append(rec)
    return records


def _deleted(root: Element) -> list[str]:
    return [
        pmid
        for dc in root.iterfind("DeleteCitation")
        for p in dc.iterfind("PMID")
        if (pmid := _text(p))
    ]


def _record_pmid(el: Element) -> str:
    """The PMID a record element states, for a message about it ("?" without one)."""
    pmid = el.find("MedlineCitation/PMID")
    if pmid is None:
        pmid = el.find("BookDocument/PMID")
    return _text(pmid) or "?"


# --------------------------------------------------------------------------- document


# --------------------------------------------------------------------------- records


def _article(el: Element) -> PubmedRecord | None:
    mc = el.find("MedlineCitation")
    if mc is None:
        return None
    pmid = _text(mc.find("PMID"))
    if not pmid:
        return None
    art = mc.find("Article")
    if art is None:
        art = Element("Article")  # keep going: MeSH, status and ids live outside Article
    journal = art.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    pub_date, year = _pub_date(issue.find("PubDate") if issue is not None else None)
    if year is None:
        pub_date, year = _pub_date(art.find("ArticleDate"))
    pdata = el.find("PubmedData")
    ids = _article_ids(pdata.find("ArticleIdList") if pdata is not None else None)
    abbrev = _text(journal.find("ISOAbbreviation")) if journal is not None else None
    if not abbrev:
        abbrev = _text(mc.find("MedlineJournalInfo/MedlineTA"))
    title = _flat(art.find("ArticleTitle")) or _flat(art.find("VernacularTitle"))
    return PubmedRecord(
        pmid=pmid,
        title=title,
        kind="article",
        doi=_doi(ids, art),
        pmcid=_pmcid(ids.get("pmc")),
        abstract=_abstract(art.find("Abstract")),
        authors=_authors(art.find("AuthorList")),
        journal=(_flat(journal.find("Title")) or None) if journal is not None else None,
        journal_abbrev=abbrev,
        volume=_text(issue.find("Volume")) if issue is not None else None,
        issue=_text(issue.find("Issue")) if issue is not None else None,
        pages=_pages(art.find("Pagination")),
        pub_date=pub_date,
        year=year,
        language=_texts(art, "Language"),
        publication_types=_texts(art, "PublicationTypeList/PublicationType"),
        mesh_headings=_mesh(mc.find("MeshHeadingList")),
        keywords=_keywords(mc),
        comments_corrections=_comments(mc.find("CommentsCorrectionsList")),
        date_revised=_full_date(mc.find("DateRevised")),
        status=mc.get("Status") or None,
    )


def _book(el: Element) -> PubmedRecord | None:
    doc = el.find("BookDocument")
    if doc is None:
        return None
    pmid = _text(doc.find("PMID"))
    if not pmid:
        return None
    book = doc.find("Book")
    if book is None:
        book = Element("Book")
    ids = _article_ids(doc.find("ArticleIdList"))
    bdata = el.find("PubmedBookData")
    if bdata is not None:
        ids = {**_article_ids(bdata.find("ArticleIdList")), **ids}
    pub_date, year = _pub_date(book.find("PubDate"))
    # Editors of the book are not authors of the record: only an authors' list counts.
    authors: list[Author] = []
    for alist in (*doc.iterfind("AuthorList"), *book.iterfind("AuthorList")):
        if alist.get("Type", "authors") == "authors":
            authors = _authors(alist)
            break
    return PubmedRecord(
        pmid=pmid,
        title=_flat(doc.find("ArticleTitle")) or _flat(book.find("BookTitle")),
        kind="book",
        doi=_doi(ids, doc),
        pmcid=_pmcid(ids.get("pmc")),
        abstract=_abstract(doc.find("Abstract")),
        authors=authors,
        volume=_text(book.find("Volume")),
        pages=_pages(doc.find("Pagination")),
        pub_date=pub_date,
        year=year,
        language=_texts(doc, "Language"),
        publication_types=_texts(doc, "PublicationType")
        + _texts(doc, "PublicationTypeList/PublicationType"),
        keywords=_keywords(doc),
        date_revised=_full_date(doc.find("DateRevised")),
    )


_READERS = {"PubmedArticle": _article, "PubmedBookArticle": _book}


# --------------------------------------------------------------------------- fields


def _flat(el: Element | None) -> str:
    """``text_of`` with a fast path for leaves (most fields): no itertext, same result."""
    if el is None:
        return ""
    if len(el):
        return text_of(el)
    t = el.text
    return capped(" ".join(t.split()), el.tag) if t else ""


def _text(el: Element | None) -> str | None:
    """Stripped text of a leaf element, None when absent or blank."""
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _texts(parent: Element, path: str) -> list[str]:
    return [t for e in parent.iterfind(path) if (t := _flat(e))]


def _article_ids(id_list: Element | None) -> dict[str, str]:
    if id_list is None:
        return {}
    ids: dict[str, str] = {}
    for a in id_list.iterfind("ArticleId"):
        kind, value = a.get("IdType"), _text(a)
        if kind and value and kind not in ids:
            ids[kind] = value
    return ids


def _doi(ids: dict[str, str], parent: Element) -> str | None:
    doi = ids.get("doi")
    if not doi:
        for loc in parent.iterfind("ELocationID"):
            if loc.get("EIdType") == "doi" and (doi := _text(loc)):
                break
    return doi.lower() if doi else None


def _pmcid(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.upper().startswith("PMC"):
        value = value[3:]
    return f"PMC{value}" if value.isdigit() else None


def _abstract(abstract: Element | None) -> list[AbstractSection]:
    if abstract is None:
        return []
    return [
        AbstractSection(text=text, label=a.get("Label") or None, nlm_category=a.get("NlmCategory"))
        for a in abstract.iterfind("AbstractText")
        if (text := _flat(a))
    ]


def _authors(alist: Element | None) -> list[Author]:
    if alist is None:
        return []
    authors: list[Author] = []
    for a in alist:
        # ValidYN="N": a name listed in error, which PubMed keeps beside the corrected one.
        if a.tag != "Author" or a.get("ValidYN") == "N":
            continue
        author = Author()
        for child in a:
            tag = child.tag
            if tag == "LastName":
                author.last_name = _flat(child) or None
            elif tag == "ForeName":
                author.fore_name = _flat(child) or None
            elif tag == "Initials":
                author.initials = _flat(child) or None
            elif tag == "CollectiveName":
                author.collective_name = _flat(child) or None
            elif tag == "AffiliationInfo":
                author.affiliations.extend(
                    t for af in child if af.tag == "Affiliation" and (t := _flat(af))
                )
        authors.append(author)
    return authors


def _pages(pagination: Element | None) -> str | None:
    if pagination is None:
        return None
    pgn = _text(pagination.find("MedlinePgn"))
    if pgn:
        return pgn
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    if start and end:
        return f"{start}-{end}"
    return start


def _month(value: str | None) -> int | None:
    if not value:
        return None
    m = int(value) if value.isdigit() else _MONTHS.get(value[:3].lower(), 0)
    return m if 1 <= m <= 12 else None


def _pub_date(date: Element | None) -> tuple[str | None, int | None]:
    """("YYYY[-MM[-DD]]", year) from a PubDate (Year/Month/Day or MedlineDate)."""
    if date is None:
        return None, None
    y = _text(date.find("Year"))
    if y is None or not (len(y) == 4 and y.isdigit()):
        match = _YEAR.search(_text(date.find("MedlineDate")) or y or "")
        return (match.group(1), int(match.group(1))) if match else (None, None)
    month = _month(_text(date.find("Month")))
    if month is None:
        return y, int(y)
    d = _text(date.find("Day"))
    if d and d.isdigit() and 1 <= int(d) <= 31:
        return f"{y}-{month:02d}-{int(d):02d}", int(y)
    return f"{y}-{month:02d}", int(y)


def _full_date(date: Element | None) -> str | None:
    if date is None:
        return None
    y, m, d = (_text(date.find(k)) for k in ("Year", "Month", "Day"))
    month = _month(m)
    if not (y and y.isdigit() and month and d and d.isdigit()):
        return None
    return f"{y}-{month:02d}-{int(d):02d}"


def _mesh(mlist: Element | None) -> list[MeshHeading]:
    if mlist is None:
        return []
    headings: list[MeshHeading] = []
    for mh in mlist:
        if mh.tag != "MeshHeading":
            continue
        desc: Element | None = None
        quals: list[MeshQualifier] = []
        for child in mh:
            if child.tag == "DescriptorName":
                desc = child
            elif child.tag == "QualifierName":
                quals.append(
                    MeshQualifier(
                        ui=child.get("UI", ""),
                        name=_flat(child),
                        major=child.get("MajorTopicYN") == "Y",
                    )
                )
        if desc is not None:
            headings.append(
                MeshHeading(
                    descriptor_ui=desc.get("UI", ""),
                    descriptor_name=_flat(desc),
                    major=desc.get("MajorTopicYN") == "Y",
                    qualifiers=quals,
                )
            )
    return headings


def _keywords(parent: Element) -> list[str]:
    return [t for kl in parent.iterfind("KeywordList") for k in kl if (t := _flat(k))]


def _comments(clist: Element | None) -> list[CommentCorrection]:
    if clist is None:
        return []
    return [
        CommentCorrection(
            ref_type=ref_type,
            ref_source=_flat(c.find("RefSource")) or None,
            pmid=_text(c.find("PMID")),
        )
        for c in clist.iterfind("CommentsCorrections")
        if (ref_type := c.get("RefType", "")) != "Cites"
    ]
