"""The five utilities, each ``(params, corpus) → Answer``, and the grammar of ESearch terms."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ingest.entrez.fake.corpus import Corpus, IndexedRecord, journal_key, normalize_pmcid, words
from ingest.entrez.fake.formats import (
    ELINK_DOCTYPE,
    EPOST_DOCTYPE,
    ESEARCH_DOCTYPE,
    PMC_DOCTYPE,
    PUBMED_DOCTYPE,
    TEXT_TYPE,
    XML_DECL_BARE,
    XML_DECL_UTF8,
    Answer,
    error_answer,
)

# ---------------------------------------------------------------------------------- parameters


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


# -------------------------------------------------------------------------------- term grammar


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


def _contains_run(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Whether ``needle`` occurs as consecutive tokens of ``haystack`` (phrase search)."""
    n = len(needle)
    if n == 0:
        return False
    return any(tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))


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
        if self.field in ("mdat", "edat"):
            low, _, high = self.value.partition(":")
            date = record.modified if self.field == "mdat" else record.entrez_date
            return bool(date) and _day(low) <= date <= _day(high or "3000/12/31")
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


def _day(text: str) -> str:
    """ "2026/11/5", "2026/11", "2026" → "2026/11/05", "2026/11/01", "2026/01/01"."""
    parts = [p for p in re.split(r"[/-]", text.strip()) if p.isdigit()] + ["1", "1"]
    return f"{int(parts[0]):04d}/{int(parts[1]):02d}/{int(parts[2]):02d}" if parts[0] else ""


# ----------------------------------------------------------------------------------- endpoints


def esearch(params: dict[str, list[str]], corpus: Corpus) -> Answer:
    """ESearch db=pubmed over the corpus: AND of clauses, PMIDs descending, paged."""
    db = _first(params, "db")
    if db != "pubmed":
        return error_answer("esearch", f"Invalid db name specified: {db}")
    term = _first(params, "term")
    if not term:
        return error_answer("esearch", "Empty term and query_key - nothing todo")
    parts = _split_and(_strip_parens(term))
    posted = [p for p in parts if re.fullmatch(r"#\d+", p)]
    clauses = [Clause.parse(c) for c in parts if c not in posted]
    records = list(corpus.pubmed.values())
    if posted:  # "#1 AND …": search within a set EPost left on the history server
        keys = corpus.history.get(_first(params, "webenv") or _first(params, "WebEnv"))
        if keys is None or posted[0][1:] not in keys:
            return error_answer("esearch", "Unable to obtain query #" + posted[0][1:])
        ids = set(keys[posted[0][1:]])
        records = [r for r in records if r.pmid in ids]
    hits = [r.pmid for r in records if (clauses or posted) and all(c.matches(r) for c in clauses)]
    hits.sort(key=lambda p: (len(p), p), reverse=True)  # numeric order without int() overflow
    retstart, retmax = _int(params, "retstart", 0), _int(params, "retmax", 20)
    page = hits[retstart : retstart + retmax]
    translation = escape(" AND ".join([*posted, *(c.translation() for c in clauses)]))
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
    """EPost: keeps the ids on the history server under a new WebEnv, query key 1."""
    db = _first(params, "db")
    if db not in ("pubmed", "pmc"):
        return error_answer("epost", f"Invalid db name specified: {db}")
    if not _ids(params):
        return error_answer("epost", "Empty ID list; Nothing to store")
    webenv = "MCID_" + secrets.token_hex(12)
    corpus.history[webenv] = {"1": _ids(params)}
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
