"""The records the fake server knows, indexed by the fields its searches use."""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, tostring

from ingest.xmlsafe import XmlError, parse_xml, text_of

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------- normalisation


def fold(text: str) -> str:
    """Case- and accent-folded text, so "Müller" matches "muller" as PubMed's search does."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> tuple[str, ...]:
    """Folded alphanumeric tokens of ``text`` (punctuation and whitespace split words)."""
    return tuple(re.findall(r"[^\W_]+", fold(text)))


def journal_key(name: str) -> str:
    """A journal name reduced to its letters and digits, folded.

    Dropping spaces as well as punctuation makes "Proc. Natl. Acad. Sci. U.S.A." and
    "proc natl acad sci u s a" (how ECitMatch queries are usually written) compare equal.
    """
    return "".join(words(name))


# -------------------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class IndexedRecord:
    """One PubMed record: its exact XML (served by efetch) and the fields the searches use."""

    pmid: str
    xml: bytes
    dois: frozenset[str] = frozenset()
    title_words: tuple[str, ...] = ()
    abstract_words: tuple[str, ...] = ()
    journals: frozenset[str] = frozenset()  # journal_key() of every name the record gives
    year: str = ""
    volume: str = ""
    first_page: str = ""
    last_names: tuple[str, ...] = ()  # folded, as written
    modified: str = ""  # "YYYY/MM/DD": DateRevised, searched by [mdat]
    entrez_date: str = ""  # "YYYY/MM/DD": when PubMed added it, searched by [edat]


_PUBMED_CHUNK = re.compile(
    rb"<(PubmedArticle|PubmedBookArticle)(?=[\s/>])[^>]*>.*?</\1\s*>", re.DOTALL
)
_PMC_CHUNK = re.compile(rb"<(article)(?=[\s/>])[^>]*>.*?</\1\s*>", re.DOTALL)
_ENCODING_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


def _serialize(el: Element) -> bytes:
    """An element alone (without its tail), for when the original bytes cannot be sliced."""
    tail, el.tail = el.tail, None
    try:
        return tostring(el, encoding="unicode").encode("utf-8")
    finally:
        el.tail = tail


def _chunks(
    data: bytes,
    elements: list[Element],
    pattern: re.Pattern[bytes],
    ident: Callable[[Element], str],
) -> list[bytes]:
    """The original bytes of each element, so efetch serves a record back byte for byte.

    Slicing is trusted only when the regex finds exactly the parsed elements, in order, and
    each slice parses on its own to the same id; otherwise ElementTree re-serialises them.
    """
    encoding = _ENCODING_DECL.match(data)
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        return [_serialize(el) for el in elements]
    slices = [m.group(0) for m in pattern.finditer(data)]
    if len(slices) != len(elements):
        return [_serialize(el) for el in elements]
    out = []
    for el, chunk in zip(elements, slices, strict=True):
        try:
            same = ident(parse_xml(chunk)) == ident(el)
        except XmlError:  # e.g. a namespace prefix declared on the enclosing set
            same = False
        out.append(chunk if same else _serialize(el))
    return out


def _t(el: Element | None, path: str) -> str:
    """Flattened text at ``path`` under ``el`` ("" when absent)."""
    return "" if el is None else text_of(el.find(path))


def _pubmed_pmid(el: Element) -> str:
    """The PMID of a PubmedArticle / PubmedBookArticle (never one of its references')."""
    return _t(el, "MedlineCitation/PMID") or _t(el, "BookDocument/PMID")


def _year(pubdate: Element | None) -> str:
    """PubDate/Year, or the first four-digit run of PubDate/MedlineDate ("1998 Dec-1999 Jan")."""
    year = _t(pubdate, "Year")
    if year:
        return year
    match = re.search(r"\d{4}", _t(pubdate, "MedlineDate"))
    return match.group(0) if match else ""


def _ymd(date: Element | None) -> str:
    """A PubMed date element (Year, Month, Day children) as "YYYY/MM/DD" ("" without a year)."""
    year = _t(date, "Year")
    if not year:
        return ""
    month, day = _t(date, "Month") or "1", _t(date, "Day") or "1"
    return (
        f"{year}/{int(month) if month.isdigit() else 1:02d}/{int(day) if day.isdigit() else 1:02d}"
    )


def _history_date(el: Element, status: str) -> str:
    for date in el.findall("PubmedData/History/PubMedPubDate"):
        if date.get("PubStatus") == status:
            return _ymd(date)
    return ""


def _first_page(pagination: Element | None) -> str:
    """MedlinePgn up to its '-' ("113-25" → "113"), or StartPage."""
    pgn = _t(pagination, "MedlinePgn")
    if pgn:
        return re.split(r"[-,;\s]", pgn.strip(), maxsplit=1)[0]
    return _t(pagination, "StartPage")


def _pubmed_record(el: Element, xml: bytes) -> IndexedRecord | None:
    """Index one PubmedArticle / PubmedBookArticle; None when it has no PMID."""
    pmid = _pubmed_pmid(el)
    if not pmid:
        return None
    dois: set[str] = set()
    journals: set[str] = set()
    if el.tag == "PubmedArticle":
        citation = el.find("MedlineCitation")
        article = citation.find("Article") if citation is not None else None
        journal = article.find("Journal") if article is not None else None
        issue = journal.find("JournalIssue") if journal is not None else None
        title = _t(article, "ArticleTitle")
        abstract = article.findall("Abstract/AbstractText") if article is not None else []
        names = [_t(journal, "Title"), _t(journal, "ISOAbbreviation")]
        names.append(_t(citation, "MedlineJournalInfo/MedlineTA"))
        journals = {journal_key(n) for n in names if journal_key(n)}
        year = _year(issue.find("PubDate") if issue is not None else None)
        volume = _t(issue, "Volume")
        first_page = _first_page(article.find("Pagination") if article is not None else None)
        authors = article.findall("AuthorList/Author/LastName") if article is not None else []
        eloc = article.findall("ELocationID") if article is not None else []
        ids = el.findall("PubmedData/ArticleIdList/ArticleId")
        modified = _ymd(citation.find("DateRevised")) if citation is not None else ""
        added = _history_date(el, "entrez") or _history_date(el, "pubmed")
    else:  # PubmedBookArticle
        doc = el.find("BookDocument")
        book = doc.find("Book") if doc is not None else None
        title = _t(doc, "ArticleTitle") or _t(book, "BookTitle")
        abstract = doc.findall("Abstract/AbstractText") if doc is not None else []
        year = _year(book.find("PubDate") if book is not None else None)
        volume = _t(book, "Volume")
        first_page = ""
        authors = doc.findall("AuthorList/Author/LastName") if doc is not None else []
        if book is not None:
            authors += book.findall("AuthorList/Author/LastName")
        eloc = doc.findall("ELocationID") if doc is not None else []
        ids = el.findall("PubmedBookData/ArticleIdList/ArticleId")
        modified = added = ""
    dois.update(text_of(i).lower() for i in ids if i.get("IdType") == "doi")
    dois.update(text_of(e).lower() for e in eloc if e.get("EIdType") == "doi")
    dois.discard("")
    return IndexedRecord(
        pmid=pmid,
        xml=xml,
        dois=frozenset(dois),
        title_words=words(title),
        abstract_words=words(" ".join(text_of(a) for a in abstract)),
        journals=frozenset(journals),
        year=year,
        volume=volume,
        first_page=first_page,
        last_names=tuple(fold(text_of(a)) for a in authors if text_of(a)),
        modified=modified or added or (f"{year}/01/01" if year else ""),
        entrez_date=added or (f"{year}/01/01" if year else ""),
    )


def normalize_pmcid(value: str) -> str:
    """ "PMC8435807", "pmc8435807" and "8435807" all become "8435807"."""
    value = value.strip()
    return value[3:] if value[:3].upper() == "PMC" else value


def _pmc_id(el: Element) -> str:
    """The numeric PMC id of a JATS <article> ("" when it has none)."""
    for aid in el.findall("front/article-meta/article-id"):
        if aid.get("pub-id-type") in ("pmc", "pmcid"):
            return normalize_pmcid(text_of(aid))
    return ""


class Corpus:
    """The records the fake server knows: PubMed XML by PMID, PMC JATS by PMC id, and links."""

    def __init__(self) -> None:
        self.pubmed: dict[str, IndexedRecord] = {}
        self.pmc: dict[str, bytes] = {}
        #: link name ("pubmed_pubmed_citedin") → source id → linked ids, as in links.json
        self.links: dict[str, dict[str, list[str]]] = {}
        #: the history server: WebEnv → query key → ids posted (EPost)
        self.history: dict[str, dict[str, list[str]]] = {}

    def __repr__(self) -> str:
        return f"Corpus(pubmed={len(self.pubmed)}, pmc={len(self.pmc)}, links={len(self.links)})"

    @classmethod
    def load(cls, path: Path) -> Corpus:
        """Read ``path/pubmed/*.xml``, ``path/pmc/*.xml`` and the optional ``path/links.json``."""
        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"corpus directory not found: {path}")
        corpus = cls()
        for file in sorted((path / "pubmed").glob("*.xml")):
            corpus.add_pubmed_xml(file.read_bytes(), source=str(file))
        for file in sorted((path / "pmc").glob("*.xml")):
            corpus.add_pmc_xml(file.read_bytes(), source=str(file))
        links_file = path / "links.json"
        if links_file.is_file():
            corpus.add_links(json.loads(links_file.read_text(encoding="utf-8")))
        logger.info("loaded %r from %s", corpus, path)
        return corpus

    @classmethod
    def from_xml(
        cls,
        pubmed: Iterable[bytes | str],
        pmc: Iterable[bytes | str] = (),
        citedin: dict[str, list[str]] | None = None,
    ) -> Corpus:
        """An in-memory corpus, for tests: PubmedArticleSet / JATS documents and citedin links."""
        corpus = cls()
        for doc in pubmed:
            corpus.add_pubmed_xml(doc)
        for doc in pmc:
            corpus.add_pmc_xml(doc)
        if citedin:
            corpus.add_links({"pubmed_pubmed_citedin": citedin})
        return corpus

    def add_pubmed_xml(self, data: bytes | str, source: str = "<memory>") -> int:
        """Index every PubmedArticle / PubmedBookArticle of a document; returns how many."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        root = parse_xml(raw)
        tags = ("PubmedArticle", "PubmedBookArticle")
        elements = [root] if root.tag in tags else [el for el in root if el.tag in tags]
        added = 0
        for el, chunk in zip(
            elements, _chunks(raw, elements, _PUBMED_CHUNK, _pubmed_pmid), strict=True
        ):
            record = _pubmed_record(el, chunk)
            if record is None:
                logger.warning("%s: a %s without a PMID was skipped", source, el.tag)
                continue
            if record.pmid in self.pubmed:
                logger.warning("%s: PMID %s seen twice; the later record wins", source, record.pmid)
            self.pubmed[record.pmid] = record
            added += 1
        return added

    def add_pmc_xml(self, data: bytes | str, source: str = "<memory>") -> int:
        """Index every JATS <article> (bare, or in a <pmc-articleset>); returns how many."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        root = parse_xml(raw)
        elements = [root] if root.tag == "article" else [el for el in root if el.tag == "article"]
        added = 0
        for el, chunk in zip(elements, _chunks(raw, elements, _PMC_CHUNK, _pmc_id), strict=True):
            pmcid = _pmc_id(el)
            if not pmcid:
                logger.warning("%s: an <article> without a PMC id was skipped", source)
                continue
            self.pmc[pmcid] = chunk
            added += 1
        return added

    def remove_pubmed(self, pmid: str) -> None:
        """Forget a record, as PubMed does with a deleted or merged PMID (tests of refresh)."""
        self.pubmed.pop(pmid, None)

    def add_links(self, links: dict[str, dict[str, list[str]]]) -> None:
        """Merge ``{link name: {id: [linked ids]}}`` (the links.json format)."""
        for name, table in links.items():
            target = self.links.setdefault(str(name), {})
            for source_id, linked in table.items():
                target[str(source_id)] = [str(i) for i in linked]


EMPTY_CORPUS = Corpus()
