"""Parsers of the small E-utilities answers: ESearch, ELink and ECitMatch (pure: bytes in).

ESearch (see shared/eutils/esearch1.xml, esearch8.xml):
    <eSearchResult><Count>2</Count><RetMax>2</RetMax><RetStart>0</RetStart>
      <IdList><Id>31594227</Id><Id>30911227</Id></IdList>…</eSearchResult>
ELink (elink1.xml): <eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>9298984</Id></IdList>
      <LinkSetDb><DbTo>pubmed</DbTo><LinkName>pubmed_pubmed_citedin</LinkName><Link><Id>…</Id></Link>…
ECitMatch (plain text, one line per citation):
    proc natl acad sci u s a|1991|88|3248|mann bj|ref1|2014248
    …|ref2|NOT_FOUND;INVALID_JOURNAL        …|ref3|AMBIGUOUS 123,456
A well-formed answer carrying ``<ERROR>`` ("Search Backend failed") raises ``ResponseError`` so
the client retries it: it must never be mistaken for zero hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ingest.entrez.errors import ResponseError, checked_root
from ingest.xmlsafe import XmlError, text_of


@dataclass
class SearchResult:
    count: int
    ids: list[str]
    warnings: list[str] = field(default_factory=list)


@dataclass
class CitationMatch:
    key: str
    status: Literal["found", "not_found", "ambiguous"]
    pmids: list[str] = field(default_factory=list)
    detail: str = ""


def parse_esearch(data: bytes) -> SearchResult:
    root = checked_root(data, "eSearchResult")
    count = root.findtext("Count")
    if count is None or not count.strip().isdigit():
        raise ResponseError("ESearch answer without a Count")
    ids = [text_of(e) for e in root.iterfind("IdList/Id")]
    warnings = [text_of(e) for e in root.iterfind("WarningList/*") if text_of(e)]
    warnings += [f"{e.tag}: {text_of(e)}" for e in root.iterfind("ErrorList/*") if text_of(e)]
    return SearchResult(int(count), ids, warnings)


@dataclass
class History:
    """Where EPost left a set of ids on the history server."""

    webenv: str
    query_key: str
    invalid: list[str] = field(default_factory=list)  # ids the database does not have


def parse_epost(data: bytes) -> History:
    """<ePostResult>[<InvalidIdList><Id>…</Id></InvalidIdList>]<QueryKey>1</QueryKey>
    <WebEnv>MCID_…</WebEnv></ePostResult> (epost1.xml)."""
    root = checked_root(data, "ePostResult")
    webenv, key = root.findtext("WebEnv"), root.findtext("QueryKey")
    if not webenv or not key or not key.strip().isdigit():
        raise ResponseError("EPost answer without a WebEnv and QueryKey")
    invalid = [text_of(e) for e in root.iterfind("InvalidIdList/Id")]
    return History(webenv.strip(), key.strip(), invalid)


def parse_elink(data: bytes, linkname: str) -> dict[str, list[str]]:
    """Source id → linked ids for ``linkname`` (every source id present, possibly with [])."""
    root = checked_root(data, "eLinkResult")
    links: dict[str, list[str]] = {}
    for linkset in root.iterfind("LinkSet"):
        error = linkset.find("ERROR")
        if error is not None and text_of(error):
            raise ResponseError(text_of(error))
        sources = [text_of(e) for e in linkset.iterfind("IdList/Id")]
        targets: list[str] = []
        for db in linkset.iterfind("LinkSetDb"):
            if db.findtext("LinkName") == linkname:
                targets.extend(text_of(e) for e in db.iterfind("Link/Id"))
        for source in sources:
            links.setdefault(source, [])
            links[source].extend(t for t in targets if t not in links[source])
    return links


def parse_ecitmatch(data: bytes, keys: list[str]) -> dict[str, CitationMatch]:
    """One ``CitationMatch`` per requested key; an answer missing any key is incomplete."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XmlError(f"ECitMatch answer is not UTF-8 text: {exc}") from exc
    if "<ERROR>" in text:
        raise ResponseError(re.sub(r"<[^>]+>", " ", text).strip()[:200])
    found: dict[str, CitationMatch] = {}
    for line in text.splitlines():
        parts = line.strip().split("|")
        if len(parts) < 7:
            continue
        key, result = parts[5], parts[6].strip()
        if result.isdigit():
            found[key] = CitationMatch(key, "found", [result])
        elif result.upper().startswith("AMBIGUOUS"):
            found[key] = CitationMatch(key, "ambiguous", re.findall(r"\d{4,}", result), result)
        else:
            found[key] = CitationMatch(key, "not_found", [], result or "NOT_FOUND")
    missing = [k for k in keys if k not in found]
    if missing:
        raise ResponseError(f"ECitMatch answer lacks {len(missing)} of {len(keys)} citations")
    return found
