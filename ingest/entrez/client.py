"""The E-utilities client: the only module that imports Bio.Entrez.

Bio.Entrez builds and sends the requests; this wrapper adds what it lacks (reliability.md):
- a base-URL setting (``KB_EUTILS_URL``): a urllib handler reroutes NCBI's address, so tests
  and the demo exercise the real Bio.Entrez code path against a local server;
- a rate limit shared across processes (``RateLimiter``), 3 requests/s, 10 with an API key;
- retries with exponential backoff and full jitter on 429 (honouring Retry-After), 5xx,
  timeouts, connection resets, truncated bodies, invalid XML and ``<ERROR>`` answers —
  Bio.Entrez's own retry is switched off (``max_tries = 1``) because it does not wait;
- a persistent cache of raw answers, so a warm rerun makes no request at all, and ``offline``.
A request's answer is parsed before it counts as received, so a batch is all or nothing: a
retry can neither lose nor duplicate records.
"""

from __future__ import annotations

import http.client
import logging
import random
import socket
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import IO, TypeVar
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from Bio import Entrez

from ingest.entrez.asked import exact, keep_asked
from ingest.entrez.cache import ResponseCache, request_key
from ingest.entrez.errors import EntrezError, OfflineMiss, ResponseError, Unreachable
from ingest.entrez.eutils_xml import (
    CitationMatch,
    History,
    SearchResult,
    parse_ecitmatch,
    parse_elink,
    parse_epost,
    parse_esearch,
)
from ingest.entrez.pmc_jats import parse_pmc_xml
from ingest.entrez.pubmed_xml import parse_pubmed_xml
from ingest.entrez.ratelimit import RateLimiter
from ingest.entrez.transport import (
    AnswerTooLarge,
    DeadlineExceeded,
    Watchdog,
    WatchedHTTPHandler,
    WatchedHTTPSHandler,
    read_bounded,
)
from ingest.xmlsafe import XmlError
from kb.config import NCBI_EUTILS, Settings
from kb.records import FullText, PubmedRecord

log = logging.getLogger(__name__)
T = TypeVar("T")

EFETCH_BATCH = 200  # NCBI: send more than ~200 ids by POST; Bio.Entrez POSTs long id lists
PMC_BATCH = 20  # full texts are large: keep each answer (and each retry) small
ELINK_BATCH = 100
HISTORY_BATCH = 10_000  # PMIDs per EPost (NCBI's limit for PubMed); searched as one set
RETRY_STATUS = {429, 500, 502, 503, 504}
_TRANSIENT = (
    URLError,
    TimeoutError,
    socket.timeout,
    ConnectionError,
    http.client.HTTPException,  # IncompleteRead, RemoteDisconnected, BadStatusLine
    XmlError,  # truncated or invalid XML
    ResponseError,  # <ERROR>Search Backend failed</ERROR> and the like
    DeadlineExceeded,  # a dripping upstream
    AnswerTooLarge,
)
UNREACHABLE_AFTER = 3  # refused connections / DNS failures in a row before giving up
_UTILITIES: dict[str, Callable[..., IO[bytes]]] = {
    "esearch": Entrez.esearch,
    "efetch": Entrez.efetch,
    "elink": Entrez.elink,
    "ecitmatch": Entrez.ecitmatch,
    "epost": Entrez.epost,
}


@dataclass
class ClientStats:
    requests: int = 0  # HTTP requests sent, retries included
    cache_hits: int = 0
    retries: int = 0
    stale: int = 0  # failed requests answered from an older cached answer instead


@dataclass
class Citation:
    """One ECitMatch query; ``|`` and line breaks are rejected, they would corrupt the batch."""

    key: str
    journal: str
    year: str
    volume: str
    first_page: str
    author: str

    def as_bdata(self) -> dict[str, str]:
        fields = {
            "journal_title": self.journal,
            "year": self.year,
            "volume": self.volume,
            "first_page": self.first_page,
            "author_name": self.author,
            "key": self.key,
        }
        for name, value in fields.items():
            if any(c in value for c in "|\r\n"):
                raise ValueError(f"ECitMatch field {name} contains '|' or a line break: {value!r}")
        return fields


class _Reroute(urllib.request.BaseHandler):
    """Sends Bio.Entrez's requests for NCBI to the configured base URL, with our timeout."""

    handler_order = 100  # before the default processors

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def _rewrite(self, req: urllib.request.Request) -> urllib.request.Request:
        if req.full_url.startswith(NCBI_EUTILS):  # Bio.Entrez's requests only: others untouched
            req.full_url = self.base_url + req.full_url[len(NCBI_EUTILS) :]
            req.timeout = self.timeout
        return req

    http_request = _rewrite
    https_request = _rewrite


class EntrezClient:
    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.stats = ClientStats()
        self.failed_ids: set[str] = set()  # ids an answer carried other records in place of
        self._refused = 0  # refused connections / DNS failures in a row
        self._watchdog = Watchdog()
        self._sleep = sleep
        self._cache = ResponseCache(settings.cache_path)
        host = urlsplit(settings.eutils_url).netloc
        self._limiter = RateLimiter(
            settings.requests_per_second,
            settings.ratelimit_path,
            key=f"{host}|{settings.api_key or ''}",
        )
        self._configure_entrez()

    def _configure_entrez(self) -> None:
        s = self.settings
        Entrez.email = s.email  # type: ignore[assignment]  # Bio declares these None
        Entrez.api_key = s.api_key  # type: ignore[assignment]
        Entrez.tool = s.tool
        Entrez.max_tries = 1  # retries are ours, with backoff (Bio.Entrez retries at once)
        Entrez.local_cache = str(s.cache_path / "dtd")  # type: ignore[assignment]
        timeout = min(s.timeout, s.deadline)
        handlers: list[urllib.request.BaseHandler] = [
            _Reroute(s.eutils_url, timeout),
            WatchedHTTPHandler(self._watchdog),
            WatchedHTTPSHandler(self._watchdog),
        ]
        if urlsplit(s.eutils_url).hostname in {"127.0.0.1", "localhost", "::1"}:
            handlers.append(urllib.request.ProxyHandler({}))  # never send loopback via a proxy
        urllib.request.install_opener(urllib.request.build_opener(*handlers))
        if not s.email and s.eutils_url == NCBI_EUTILS and not s.offline:
            log.warning("no contact email set (KB_EMAIL or --email): NCBI asks for one")

    # ------------------------------------------------------------------ utilities

    def esearch(self, term: str, retmax: int = 20) -> SearchResult:
        params = {"db": "pubmed", "term": term, "retmax": retmax}
        return self._call("esearch", params, parse_esearch)

    def efetch_pubmed(self, pmids: Sequence[str]) -> list[PubmedRecord]:
        """Records for the PMIDs asked and no other, in batches of ≤200; unknown PMIDs are
        absent. A PMID an answer carried other records in place of joins ``failed_ids``."""
        records: list[PubmedRecord] = []
        for batch in _batches(_unique(pmids), EFETCH_BATCH):
            params = {"db": "pubmed", "id": ",".join(batch), "retmode": "xml"}
            answer = self._call("efetch", params, parse_pubmed_xml, exact(batch, _pmid))
            kept = keep_asked(batch, answer, _pmid, describe("efetch", params))
            self.failed_ids.update(kept.failed)
            records += kept.items
        return records

    def efetch_pmc(self, pmcids: Sequence[str]) -> list[FullText]:
        """Full texts for the PMCIDs asked and no other, in batches of ≤20."""
        texts: list[FullText] = []
        ids = [p.upper().removeprefix("PMC") for p in _unique(pmcids)]
        for batch in _batches(ids, PMC_BATCH):
            params = {"db": "pmc", "id": ",".join(batch), "retmode": "xml"}
            asked = ["PMC" + i for i in batch]
            answer = self._call("efetch", params, parse_pmc_xml, exact(asked, _pmcid))
            kept = keep_asked(asked, answer, _pmcid, describe("efetch", params))
            self.failed_ids.update(kept.failed)
            texts += kept.items
        return texts

    def elink_citedin(self, pmids: Sequence[str]) -> dict[str, list[str]]:
        """PMID → PMIDs of the PubMed articles citing it (one LinkSet per id: ids repeated)."""
        linkname = "pubmed_pubmed_citedin"
        links: dict[str, list[str]] = {}
        for batch in _batches(_unique(pmids), ELINK_BATCH):
            params = {"dbfrom": "pubmed", "db": "pubmed", "linkname": linkname, "id": batch}
            links.update(self._call("elink", params, lambda d: parse_elink(d, linkname)))
        return links

    def modified_since(self, pmids: Sequence[str], since: str) -> tuple[list[str], list[str]]:
        """Which ``pmids`` PubMed modified on or after ``since`` ("2026/11/25", by [mdat]), and
        which it no longer has (deleted or merged). Per 10,000 PMIDs: one EPost, one ESearch
        for the set's size, one for the modified ones (and one for the ids if some are gone).
        Never cached: these answers are about now."""
        modified: list[str] = []
        gone: list[str] = []
        for batch in _batches(_unique(pmids), HISTORY_BATCH):
            history = self._call("epost", {"db": "pubmed", "id": ",".join(batch)}, parse_epost,
                                 cache=False)  # fmt: skip
            known = set(batch) - set(history.invalid)
            gone += [p for p in batch if p in history.invalid]
            alive = self._search_history(history, "", 0)
            if alive.count < len(known):
                found = set(self._search_history(history, "", len(batch)).ids)
                gone += sorted(known - found, key=int)
            changed = self._search_history(history, f"{since}:3000/12/31[mdat]", len(batch))
            modified += changed.ids
        return sorted(set(modified), key=int), gone

    def _search_history(self, history: History, clause: str, retmax: int) -> SearchResult:
        term = f"#{history.query_key}" + (f" AND {clause}" if clause else "")
        params = {"db": "pubmed", "term": term, "webenv": history.webenv, "retmax": retmax}
        return self._call("esearch", params, parse_esearch, cache=False)

    def ecitmatch(self, citations: Sequence[Citation]) -> dict[str, CitationMatch]:
        if not citations:
            return {}
        bdata = [c.as_bdata() for c in citations]
        keys = [c.key for c in citations]
        params = {"db": "pubmed", "retmode": "xml", "bdata": bdata}
        return self._call("ecitmatch", params, lambda d: parse_ecitmatch(d, keys))

    # ------------------------------------------------------------------ the one request path

    def _call(
        self,
        utility: str,
        params: Mapping[str, object],
        parse: Callable[[bytes], T],
        complete: Callable[[T], bool] = lambda result: True,
        cache: bool = True,
    ) -> T:
        """Cache, rate limit, send, parse, retry. An answer that parsed but is not ``complete``
        (an EFetch missing some ids) is returned but not cached: the next run asks again.
        ``cache=False``: an answer about the present (history server) is never kept."""
        s = self.settings
        what = describe(utility, params)
        key = request_key(utility, params)
        if cache and (s.use_cache or s.offline):
            cached = self._cache.get(key, None if s.offline else s.cache_max_age)
            if cached is not None:
                try:
                    result = parse(cached)
                except (XmlError, ResponseError):
                    log.warning("dropping an unreadable cached answer for %s", what)
                    self._cache.drop(key)
                else:
                    self.stats.cache_hits += 1
                    return result
        if s.offline:
            raise OfflineMiss(f"offline, and no cached answer for {what}")

        last = ""
        for attempt in range(1, s.max_attempts + 1):
            self._limiter.acquire()
            self.stats.requests += 1
            retry_after: float | None = None
            try:
                data = self._send(utility, params)
                result = parse(data)
            except HTTPError as exc:
                self._refused = 0
                last = f"HTTP {exc.code} {exc.reason}"
                if exc.code not in RETRY_STATUS:
                    raise EntrezError(f"{what}: {last}") from exc
                retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            except _TRANSIENT as exc:
                last = f"{type(exc).__name__}: {exc}"
                self._count_unreachable(exc)
            else:
                if not cache:
                    pass
                elif complete(result):
                    self._cache.put(key, data, utility, params)
                else:
                    log.warning("%s: answer lacks some ids asked, or has others; not cached", what)
                return result
            if attempt == s.max_attempts:
                break
            delay = self._backoff(attempt, retry_after)
            self.stats.retries += 1
            log.warning(
                "%s: %s; retry %d/%d in %.2fs", what, last, attempt, s.max_attempts - 1, delay
            )
            self._sleep(delay)
        failure = f"{what} failed after {s.max_attempts} attempts: {last}"
        stale = self._cache.get(key) if cache and not s.offline else None
        if stale is not None:
            try:
                result = parse(stale)
            except (XmlError, ResponseError):
                pass
            else:
                self.stats.stale += 1
                log.warning("%s; kept the answer cached before", failure)
                return result
        raise EntrezError(failure)

    def _count_unreachable(self, exc: BaseException) -> None:
        """``Unreachable`` after a few refused connections or DNS failures in a row (any other
        outcome starts the count again): nothing would get through, and retrying every request
        would take minutes."""
        reason = exc.reason if isinstance(exc, URLError) else exc
        if not isinstance(reason, ConnectionRefusedError | socket.gaierror):
            self._refused = 0
            return
        self._refused += 1
        if self._refused >= UNREACHABLE_AFTER:
            raise Unreachable(
                f"cannot reach E-utilities at {self.settings.eutils_url} "
                "— check the network, or use --offline"
            ) from exc

    def _send(self, utility: str, params: Mapping[str, object]) -> bytes:
        """One request's body, within the ``deadline`` and ``max_answer_bytes`` settings."""
        deadline_at = time.monotonic() + self.settings.deadline
        self._watchdog.arm(deadline_at)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # Bio.Entrez's "no email" warning
                handle = _UTILITIES[utility](**params)
            self._refused = 0
            try:
                return read_bounded(handle, deadline_at, self.settings.max_answer_bytes)
            finally:
                handle.close()
        except (OSError, http.client.HTTPException) as exc:
            if self._watchdog.fired:  # the cut connection, not the upstream, ended it
                raise DeadlineExceeded(f"no complete answer by the deadline ({exc})") from exc
            raise
        finally:
            self._watchdog.disarm()

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        s = self.settings
        ceiling = min(s.backoff_max, s.backoff * 2 ** (attempt - 1))
        delay = random.uniform(ceiling / 2, ceiling)  # jitter: concurrent clients spread out
        if retry_after is not None:
            delay = max(delay, min(retry_after, s.backoff_max))
        return delay


def describe(utility: str, params: Mapping[str, object]) -> str:
    """A short human name for a request, for logs and error messages."""
    shown = []
    for name in ("db", "term", "id", "linkname"):
        value = params.get(name)
        if value is None:
            continue
        text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        if len(text) > 60:
            text = text[:57] + f"… ({text.count(',') + 1} ids)"
        shown.append(f"{name}={text}")
    if utility == "ecitmatch":
        shown.append(f"{len(params.get('bdata') or [])} citations")  # type: ignore[arg-type]
    return f"{utility}({', '.join(shown)})"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _pmid(record: PubmedRecord) -> str:
    return record.pmid


def _pmcid(text: FullText) -> str:
    return text.pmcid


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(str(i).strip() for i in items if str(i).strip()))


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
