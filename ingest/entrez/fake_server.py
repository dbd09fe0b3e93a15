"""A fake NCBI E-utilities server: serves a local corpus over HTTP and injects faults on demand.

The client and the resolution code are tested against it (and ``kb demo`` runs on it) so that
nothing in the test suite touches the network, yet every request still goes through a real
socket, real HTTP and the real response shapes (XML declarations, DOCTYPEs and element names
copied from recorded NCBI answers). Faults reproduce what the live service does on a bad day:
429 past the rate limit, 5xx, stalls, resets, truncated bodies, malformed or hostile XML, and
well-formed ``<ERROR>`` answers.

Run it by hand with ``python -m ingest.entrez.fake_server --corpus DIR [--port N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import secrets
import socket
import struct
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element, tostring
from xml.sax.saxutils import escape

from ingest.xmlsafe import XmlError, parse_xml, text_of

logger = logging.getLogger(__name__)

PREFIX = "/entrez/eutils/"
PROBE_PATH = "/xxe-probe"

#: Endpoint file name → utility name (the ``utility`` of a ``LoggedRequest``).
UTILITIES = {
    "esearch.fcgi": "esearch",
    "efetch.fcgi": "efetch",
    "elink.fcgi": "elink",
    "ecitmatch.cgi": "ecitmatch",
    "epost.fcgi": "epost",
}

FAULT_KINDS = frozenset(
    {
        "429",
        "500",
        "502",
        "503",
        "timeout",
        "slow",
        "reset",
        "truncate",
        "invalid_xml",
        "error_body",
        "empty",
        "xml_bomb",
        "xxe",
    }
)

TIMEOUT_DEFAULT_DELAY = 3.0  # longer than any client timeout the tests use
SLOW_DEFAULT_DELAY = 1.0
RATE_WINDOW = 1.0  # seconds; NCBI counts requests per second
RATE_LIMIT = 3  # requests per window without an API key
RATE_LIMIT_WITH_KEY = 10

# ----------------------------------------------------------------------------- response shapes
# Copied from recorded NCBI answers (see /work/shared/eutils): the real DOCTYPE lines, quirks
# included (efetch errors declare "eEfetchResult" but use an <eFetchResult> root).

XML_DECL_UTF8 = '<?xml version="1.0" encoding="UTF-8" ?>\n'
XML_DECL_BARE = '<?xml version="1.0" ?>\n'  # what efetch db=pubmed/pmc starts with
ESEARCH_DOCTYPE = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
ELINK_DOCTYPE = (
    '<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n'
)
EPOST_DOCTYPE = (
    '<!DOCTYPE ePostResult PUBLIC "-//NLM//DTD epost 20090526//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20090526/epost.dtd">'
)
EFETCH_ERROR_DOCTYPE = (
    '<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)
PUBMED_DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
PMC_DOCTYPE = (
    '<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n'
)

#: Root element and prologue of an error answer, per utility. ECitMatch has no XML error format
#: documented; ``eCitMatchResult`` is this server's invention so faults still have a root.
ERROR_SHAPES = {
    "esearch": ("eSearchResult", XML_DECL_UTF8 + ESEARCH_DOCTYPE),
    "efetch": ("eFetchResult", XML_DECL_UTF8 + EFETCH_ERROR_DOCTYPE),
    "elink": ("eLinkResult", XML_DECL_UTF8 + ELINK_DOCTYPE),
    "epost": ("ePostResult", XML_DECL_UTF8 + EPOST_DOCTYPE + "\n"),
    "ecitmatch": ("eCitMatchResult", XML_DECL_UTF8),
}
BACKEND_ERROR = "Search Backend failed: Couldn't resolve #tmpKW3, the address table is empty."
RATE_LIMIT_BODY = b'{"error":"API rate limit exceeded","count":"11"}'
HTTP_ERROR_BODIES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
}

XML_TYPE = "text/xml; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"
JSON_TYPE = "application/json"

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


def _contains_run(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Whether ``needle`` occurs as consecutive tokens of ``haystack`` (phrase search)."""
    n = len(needle)
    if n == 0:
        return False
    return any(tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))


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

    def add_links(self, links: dict[str, dict[str, list[str]]]) -> None:
        """Merge ``{link name: {id: [linked ids]}}`` (the links.json format)."""
        for name, table in links.items():
            target = self.links.setdefault(str(name), {})
            for source_id, linked in table.items():
                target[str(source_id)] = [str(i) for i in linked]


EMPTY_CORPUS = Corpus()

# -------------------------------------------------------------------------------------- answers


@dataclass
class Answer:
    """An HTTP answer before it is sent (faults rewrite it)."""

    status: int
    body: bytes
    content_type: str = XML_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def _first(params: dict[str, list[str]], name: str, default: str = "") -> str:
    values = params.get(name)
    return values[0].strip() if values else default


def _int(params: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return max(0, int(_first(params, name, str(default))))
    except ValueError:
        return default


def _ids(params: dict[str, list[str]]) -> list[str]:
    """All ids of the request, "id=1,2&id=3" → ["1", "2", "3"], blanks dropped."""
    return [i.strip() for value in params.get("id", []) for i in value.split(",") if i.strip()]


def error_answer(utility: str, message: str, status: int = 200) -> Answer:
    """A well-formed ``<ERROR>`` answer like NCBI's (HTTP 200: the error is in the body)."""
    root, prologue = ERROR_SHAPES.get(utility, ERROR_SHAPES["esearch"])
    body = f"{prologue}<{root}>\n\t<ERROR>{escape(message)}</ERROR>\n</{root}>\n"
    return Answer(status, body.encode("utf-8"))


def _strip_parens(text: str) -> str:
    """Remove parentheses that wrap the whole of ``text`` (any number of levels)."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, char in enumerate(text):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and i < len(text) - 1:
                return text  # the first "(" closes before the end: not a wrapper
        text = text[1:-1].strip()
    return text


def _split_and(term: str) -> list[str]:
    """Split a term on `` AND `` outside double quotes."""
    clauses: list[str] = []
    current = ""
    for part in re.split(r'("[^"]*")', term):
        if len(part) >= 2 and part.startswith('"') and part.endswith('"'):
            current += part
            continue
        pieces = re.split(r"\s+AND\s+", part)
        current += pieces[0]
        for piece in pieces[1:]:
            clauses.append(current)
            current = piece
    clauses.append(current)
    return [c for c in (_strip_parens(c) for c in clauses) if c]


_FIELD_TAG = re.compile(r"^(?P<value>.*?)\s*\[(?P<field>[^\[\]]*)\]$", re.DOTALL)


@dataclass(frozen=True)
class Clause:
    """One ``value[field]`` clause of an ESearch term."""

    value: str
    field: str  # lower-cased; "" for a bare clause
    quoted: bool

    @classmethod
    def parse(cls, text: str) -> Clause:
        match = _FIELD_TAG.match(text)
        value, field_ = (match["value"], match["field"].strip().lower()) if match else (text, "")
        value = _strip_parens(value)
        quoted = len(value) >= 2 and value.startswith('"') and value.endswith('"')
        return cls(value[1:-1].strip() if quoted else value.strip(), field_, quoted)

    def translation(self) -> str:
        """The clause as QueryTranslation shows it."""
        value = f'"{self.value}"' if self.quoted else self.value
        return f"{value}[{self.field or 'All Fields'}]"

    def matches(self, record: IndexedRecord) -> bool:
        if self.field == "doi":
            return self.value.lower() in record.dois
        if self.field in ("pmid", "uid"):
            return self.value == record.pmid
        if self.field in ("au", "author", "auth"):
            query = words(self.value)
            return bool(query) and any(
                words(name) == query[: len(words(name))] or name == query[0]
                for name in record.last_names
            )
        if self.field in ("ti", "title"):
            return self._words_in([record.title_words])
        return self._words_in([record.title_words, record.abstract_words])  # bare / unknown

    def _words_in(self, fields: list[tuple[str, ...]]) -> bool:
        wanted = words(self.value)
        if not wanted:
            return False
        if self.quoted:
            return any(_contains_run(f, wanted) for f in fields)
        return all(any(w in f for f in fields) for w in wanted)


def esearch(params: dict[str, list[str]], corpus: Corpus) -> Answer:
    """ESearch db=pubmed over the corpus: AND of clauses, PMIDs descending, paged."""
    db = _first(params, "db")
    if db != "pubmed":
        return error_answer("esearch", f"Invalid db name specified: {db}")
    term = _first(params, "term")
    if not term:
        return error_answer("esearch", "Empty term and query_key - nothing todo")
    clauses = [Clause.parse(c) for c in _split_and(_strip_parens(term))]
    hits = [
        r.pmid for r in corpus.pubmed.values() if clauses and all(c.matches(r) for c in clauses)
    ]
    hits.sort(key=lambda p: (len(p), p), reverse=True)  # numeric order without int() overflow
    retstart, retmax = _int(params, "retstart", 0), _int(params, "retmax", 20)
    page = hits[retstart : retstart + retmax]
    translation = escape(" AND ".join(c.translation() for c in clauses))
    out = [XML_DECL_UTF8, ESEARCH_DOCTYPE]
    out.append(f"<eSearchResult><Count>{len(hits)}</Count><RetMax>{len(page)}</RetMax>")
    out.append(f"<RetStart>{retstart}</RetStart>")
    out.append(
        "<IdList>\n" + "".join(f"<Id>{p}</Id>\n" for p in page) + "</IdList>"
        if page
        else "<IdList/>"
    )
    out.append(f"<TranslationSet/><QueryTranslation>{translation}</QueryTranslation>")
    if not hits:
        out.append("<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>")
    out.append("</eSearchResult>\n")
    return Answer(200, "".join(out).encode("utf-8"))


def efetch(params: dict[str, list[str]], corpus: Corpus) -> Answer:
    """EFetch db=pubmed|pmc retmode=xml: the stored records, request order, each once."""
    db = _first(params, "db")
    ids = _ids(params)
    if db not in ("pubmed", "pmc"):
        return error_answer("efetch", f"Invalid db name specified: {db}")
    if not ids:  # NCBI answers this one with HTTP 400
        return error_answer("efetch", "ID list is empty! Possibly it has no correct IDs.", 400)
    if db == "pmc":
        ids = [normalize_pmcid(i) for i in ids]
        chunks = [corpus.pmc[i] for i in dict.fromkeys(ids) if i in corpus.pmc]
        body = (
            (XML_DECL_BARE + PMC_DOCTYPE + "<pmc-articleset>").encode()
            + b"\n".join(chunks)
            + b"\n</pmc-articleset>\n"
        )
        return Answer(200, body)
    records = [corpus.pubmed[i].xml for i in dict.fromkeys(ids) if i in corpus.pubmed]
    body = (
        (XML_DECL_BARE + PUBMED_DOCTYPE + "<PubmedArticleSet>\n").encode()
        + b"".join(r + b"\n" for r in records)
        + b"</PubmedArticleSet>"
    )
    return Answer(200, body)


def _link_names(corpus: Corpus, dbfrom: str, db: str, linkname: str) -> list[str]:
    if linkname:
        return [linkname]
    return sorted(
        n for n in corpus.links if n == f"{dbfrom}_{db}" or n.startswith(f"{dbfrom}_{db}_")
    )


def elink(params: dict[str, list[str]], corpus: Corpus) -> Answer:
    """ELink: one LinkSet per ``id`` parameter; comma-joined ids share one LinkSet (union)."""
    dbfrom = _first(params, "dbfrom")
    db = _first(params, "db") or dbfrom
    if dbfrom != "pubmed":
        return error_answer("elink", f"Invalid db name specified: {dbfrom}")
    groups = [[i.strip() for i in v.split(",") if i.strip()] for v in params.get("id", [])]
    groups = [g for g in groups if g]
    if not groups:
        return error_answer("elink", "Empty id list - nothing todo")
    names = _link_names(corpus, dbfrom, db, _first(params, "linkname"))
    out = [XML_DECL_UTF8, ELINK_DOCTYPE, "<eLinkResult>\n"]
    for group in groups:
        out.append(f"\n  <LinkSet>\n    <DbFrom>{escape(dbfrom)}</DbFrom>\n    <IdList>\n")
        out.extend(f"      <Id>{escape(i)}</Id>\n" for i in group)
        out.append("    </IdList>\n")
        for name in names:
            table = corpus.links.get(name, {})
            linked = list(dict.fromkeys(x for i in group for x in table.get(i, [])))
            if not linked:
                continue  # real ELink omits an empty LinkSetDb
            out.append(f"    <LinkSetDb>\n      <DbTo>{escape(db)}</DbTo>\n")
            out.append(f"      <LinkName>{escape(name)}</LinkName>\n      \n")
            out.extend(
                f"        <Link>\n\t\t\t\t<Id>{escape(x)}</Id>\n\t\t\t</Link>\n" for x in linked
            )
            out.append("      \n    </LinkSetDb>\n")
        out.append("  </LinkSet>\n")
    out.append("</eLinkResult>\n")
    return Answer(200, "".join(out).encode("utf-8"))


def _citation_result(fields: list[str], corpus: Corpus) -> str:
    """PMID, "NOT_FOUND" or "AMBIGUOUS id,id" for one ``journal|year|volume|page|author|key``."""
    journal, year, volume, page, author = (f.strip() for f in fields[:5])
    if not any((journal, year, volume, page)):
        return "NOT_FOUND"
    jkey = journal_key(journal)
    candidates = [
        r
        for r in corpus.pubmed.values()
        if (not jkey or jkey in r.journals)
        and (not year or year == r.year)
        and (not volume or volume.lower() == r.volume.lower())
        and (not page or page.lower() == r.first_page.lower())
    ]
    if len(candidates) > 1 and words(author):
        first = words(author)[0]  # "mann bj" → "mann": a prefix of the last name
        by_author = [
            r for r in candidates if any(journal_key(n).startswith(first) for n in r.last_names)
        ]
        candidates = by_author or candidates
    if not candidates:
        return "NOT_FOUND"
    if len(candidates) == 1:
        return candidates[0].pmid
    return "AMBIGUOUS " + ",".join(sorted((r.pmid for r in candidates), key=lambda p: (len(p), p)))


def ecitmatch(params: dict[str, list[str]], corpus: Corpus) -> Answer:
    """ECitMatch: plain text (whatever retmode says), one ``…|key|RESULT`` line per citation."""
    bdata = "\r".join(params.get("bdata", []))
    lines = [line for line in re.split(r"\r\n|\r|\n|%0[dDaA]", bdata) if line.strip()]
    out = []
    for line in lines:
        fields = (line.split("|") + [""] * 6)[:6]
        out.append("|".join(fields) + "|" + _citation_result(fields, corpus) + "\n")
    return Answer(200, "".join(out).encode("utf-8"), TEXT_TYPE)


def epost(params: dict[str, list[str]], corpus: Corpus) -> Answer:
    """EPost: accepts the ids and hands back a history key (nothing is stored)."""
    db = _first(params, "db")
    if db not in ("pubmed", "pmc"):
        return error_answer("epost", f"Invalid db name specified: {db}")
    if not _ids(params):
        return error_answer("epost", "Empty ID list; Nothing to store")
    webenv = "MCID_" + secrets.token_hex(12)
    body = (
        f"{XML_DECL_UTF8}{EPOST_DOCTYPE}<ePostResult>\n\t<QueryKey>1</QueryKey>\n"
        f"\t<WebEnv>{webenv}</WebEnv>\n</ePostResult>\n"
    )
    return Answer(200, body.encode("utf-8"))


HANDLERS: dict[str, Callable[[dict[str, list[str]], Corpus], Answer]] = {
    "esearch": esearch,
    "efetch": efetch,
    "elink": elink,
    "ecitmatch": ecitmatch,
    "epost": epost,
}

# --------------------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Fault:
    """A misbehaviour to inject into one upcoming request (see ``FAULT_KINDS``).

    ``retry_after`` is the Retry-After of a "429" (default 1 s); ``delay`` is the stall of
    "timeout" (default 3 s) and "slow" (default 1 s).
    """

    kind: str
    retry_after: float | None = None
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; expected one of {sorted(FAULT_KINDS)}"
            )


@dataclass
class LoggedRequest:
    """One request as the server saw it; ``status`` 0 means no HTTP answer was sent (reset)."""

    time: float
    method: str
    utility: str
    params: dict[str, list[str]]
    status: int = 0
    fault: str | None = None


def _retry_after(value: float | None) -> str:
    if value is None:
        return "1"
    return str(int(value)) if float(value).is_integer() else str(value)


def break_xml(body: bytes, root: str) -> bytes:
    """``body`` with one closing tag from its second half removed: no longer well-formed."""
    start = body.find(b"</", len(body) // 2)
    if start < 0:
        start = body.rfind(b"</")
    end = body.find(b">", start)
    if start < 0 or end < 0:
        return f"<{root}><ERROR>backend returned garbage".encode()
    return body[:start] + body[end + 1 :]


def xml_bomb(root: str) -> bytes:
    """A billion-laughs document: ten levels of ten-fold entity expansion."""
    entities = ['  <!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(f'  <!ENTITY lol{level} "' + f"&lol{level - 1};" * 10 + '">')
    decl = "\n".join(entities)
    body = f"<{root}><ERROR>&lol9;</ERROR></{root}>"
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{decl}\n]>\n{body}\n'.encode()


def xxe(root: str, probe_url: str, doctype: str = "") -> bytes:
    """A document whose external entity, if a parser resolved it, would request ``probe_url``.

    With ``doctype`` (a real ``<!DOCTYPE … PUBLIC …>`` line) the entity goes into its internal
    subset, so parsers that trust NCBI's DTDs see a familiar prologue.
    """
    head = doctype.strip()[:-1].rstrip() if doctype.strip() else f"<!DOCTYPE {root}"
    return (
        f'<?xml version="1.0" encoding="UTF-8" ?>\n{head} [\n'
        f'  <!ENTITY xxe SYSTEM "{probe_url}">\n]>\n<{root}><ERROR>&xxe;</ERROR></{root}>\n'
    ).encode()


# --------------------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeEutils


class _Handler(BaseHTTPRequestHandler):
    """Parses the request, logs it, then answers, possibly through a fault."""

    server: _Server
    server_version = "FakeEutils/1.0"

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _read_params(self, method: str, query: str) -> dict[str, list[str]]:
        params = parse_qs(query, keep_blank_values=True)
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            if body and self.headers.get_content_type() in (
                "application/x-www-form-urlencoded",
                "text/plain",
            ):
                form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
        return params

    def _handle(self, method: str) -> None:
        arrival = time.time()
        owner = self.server.owner
        split = urlsplit(self.path)
        params = self._read_params(method, split.query)
        name = split.path[len(PREFIX) :] if split.path.startswith(PREFIX) else None
        utility = UTILITIES.get(name or "")
        if split.path == PROBE_PATH:
            entry = owner._record(LoggedRequest(arrival, method, "xxe-probe", params))
            logger.warning("the XXE probe was requested: an XML parser resolved an entity")
            self._send(entry, Answer(200, b"probe", TEXT_TYPE))
            return
        entry = owner._record(LoggedRequest(arrival, method, utility or split.path, params))
        if utility is None:
            self._send(entry, Answer(404, b"Not Found\n", TEXT_TYPE))
            return
        limited = owner._rate_limited(params, self.client_address[0], arrival)
        fault = owner._take_fault(utility)
        if fault is not None:
            entry.fault = fault.kind
            self._faulty(entry, utility, params, fault)
        elif limited:
            entry.fault = "rate_limit"
            self._send(entry, self._too_many(None))
        else:
            self._send(entry, self._answer(utility, params, owner.corpus))

    def _answer(self, utility: str, params: dict[str, list[str]], corpus: Corpus) -> Answer:
        try:
            return HANDLERS[utility](params, corpus)
        except Exception:  # a bug here must not leave the client hanging
            logger.exception("fake %s failed on %r", utility, params)
            return Answer(500, b"fake server error\n", TEXT_TYPE)

    @staticmethod
    def _too_many(retry_after: float | None) -> Answer:
        return Answer(429, RATE_LIMIT_BODY, JSON_TYPE, {"Retry-After": _retry_after(retry_after)})

    def _faulty(
        self, entry: LoggedRequest, utility: str, params: dict[str, list[str]], fault: Fault
    ) -> None:
        owner = self.server.owner
        kind = fault.kind
        root = ERROR_SHAPES[utility][0]
        logger.info("injecting fault %s into %s", kind, utility)
        if kind == "429":
            self._send(entry, self._too_many(fault.retry_after))
        elif kind in ("500", "502", "503"):
            status = int(kind)
            title = f"{status} {HTTP_ERROR_BODIES[status]}"
            html = (
                f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
            )
            self._send(entry, Answer(status, html.encode(), HTML_TYPE))
        elif kind in ("timeout", "slow"):
            default = TIMEOUT_DEFAULT_DELAY if kind == "timeout" else SLOW_DEFAULT_DELAY
            owner._stopping.wait(fault.delay if fault.delay > 0 else default)
            self._send(entry, self._answer(utility, params, owner.corpus))
        elif kind == "reset":
            self._reset()
        elif kind == "truncate":
            answer = self._answer(utility, params, owner.corpus)
            self._send(entry, answer, body=answer.body[: len(answer.body) // 2])
        elif kind == "invalid_xml":
            answer = self._answer(utility, params, owner.corpus)
            broken = break_xml(answer.body, root) if answer.status == 200 else b""
            if answer.content_type != XML_TYPE or not broken:
                broken = f"<{root}><ERROR>backend returned garbage".encode()
            self._send(entry, Answer(200, broken, XML_TYPE))
        elif kind == "error_body":
            self._send(entry, error_answer(utility, BACKEND_ERROR))
        elif kind == "empty":
            self._send(entry, self._answer(utility, params, EMPTY_CORPUS))
        elif kind == "xml_bomb":
            self._send(entry, Answer(200, xml_bomb(root)))
        elif kind == "xxe":
            doctype = ERROR_SHAPES[utility][1].removeprefix(XML_DECL_UTF8)
            self._send(entry, Answer(200, xxe(root, owner.probe_url, doctype)))

    def _reset(self) -> None:
        """Close the connection with a TCP RST and no answer at all."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # drops the makefile reference, so close() really closes
            self.connection.close()
        except OSError:
            logger.debug("reset: the connection was already gone")

    def _send(self, entry: LoggedRequest, answer: Answer, body: bytes | None = None) -> None:
        """Send ``answer``; with ``body``, send that instead under the full Content-Length."""
        entry.status = answer.status
        payload = answer.body if body is None else body
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError) as exc:  # the client gave up (timeout)
            logger.debug("client went away before the answer: %s", exc)
        self.close_connection = True


class FakeEutils:
    """The fake E-utilities service; a context manager that serves in a daemon thread."""

    def __init__(
        self,
        corpus: Corpus,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_rate_limit: bool = False,
    ) -> None:
        self.corpus = corpus
        self.host = host
        self.port = port
        self.enforce_rate_limit = enforce_rate_limit
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._faults: deque[tuple[str | None, Fault]] = deque()
        self._windows: dict[str, deque[float]] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> FakeEutils:
        """Bind (a free port when ``port`` is 0) and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeEutils is already running")
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        logger.info("fake E-utilities serving %r at %s", self.corpus, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port; stalled (timeout/slow) answers are cut short."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeEutils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, ending in "/entrez/eutils/" like NCBI's, valid once started."""
        if self._server is None:
            raise RuntimeError("FakeEutils is not running; call start() first")
        return f"http://{self._url_host}:{self.port}{PREFIX}"

    @property
    def probe_url(self) -> str:
        """The URL an XXE fault's external entity points at."""
        return f"http://{self._url_host}:{self.port}{PROBE_PATH}"

    @property
    def _url_host(self) -> str:
        return "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host

    # -- faults and log

    def inject(self, utility: str | None, *faults: Fault) -> None:
        """Queue faults (FIFO) for the next requests to ``utility`` (None: to any utility)."""
        if utility is not None and utility not in HANDLERS:
            raise ValueError(f"unknown utility {utility!r}; expected one of {sorted(HANDLERS)}")
        with self._lock:
            self._faults.extend((utility, f) for f in faults)

    def clear(self) -> None:
        """Drop queued faults, the request log and the rate-limit windows."""
        with self._lock:
            self._faults.clear()
            self.log.clear()
            self._windows.clear()

    def requests(self, utility: str | None = None) -> list[LoggedRequest]:
        """A snapshot of the log, optionally only one utility's requests."""
        with self._lock:
            return [r for r in self.log if utility is None or r.utility == utility]

    def _record(self, entry: LoggedRequest) -> LoggedRequest:
        with self._lock:
            self.log.append(entry)
        return entry

    def _take_fault(self, utility: str) -> Fault | None:
        with self._lock:
            for index, (target, fault) in enumerate(self._faults):
                if target is None or target == utility:
                    del self._faults[index]
                    return fault
        return None

    def _rate_limited(self, params: dict[str, list[str]], client: str, now: float) -> bool:
        """Count this request in its window; True when past NCBI's limit for that key."""
        if not self.enforce_rate_limit:
            return False
        api_key = next((v.strip() for v in params.get("api_key", []) if v.strip()), "")
        key, limit = (
            (f"key:{api_key}", RATE_LIMIT_WITH_KEY) if api_key else (f"ip:{client}", RATE_LIMIT)
        )
        with self._lock:
            window = self._windows.setdefault(key, deque())
            while window and now - window[0] >= RATE_WINDOW:
                window.popleft()
            window.append(now)
            return len(window) > limit


# ------------------------------------------------------------------------------------------ CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a corpus directory until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="directory with pubmed/, pmc/")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--rate-limit", action="store_true", help="answer 429 like NCBI")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = FakeEutils(Corpus.load(args.corpus), args.host, args.port, args.rate_limit)
    with server:
        logger.info("E-utilities base URL: %s (Ctrl-C stops)", server.url)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            logger.info("stopping")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
