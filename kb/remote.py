"""A SPARQL 1.1 server as Casebook's store (``--store http://…``), beside the embedded one.

Both stores offer the same two calls — ``query(sparql, bindings, limit)`` and ``ask(question,
values, limit)`` — and answer with the same ``QueryResult`` (IRIs and
literals as their lexical strings, rows capped at ``limit`` with ``truncated`` set), so callers
do not care which one ``open_any`` gave them. Parameters are bound by ``kb.store.bind`` in both
cases: a hostile value stays one RDF term.

The remote client is plain ``urllib``: the URL is the server's base (Oxigraph's layout:
``BASE/query`` for queries, ``BASE/store`` for the Graph Store Protocol); only http(s) URLs are
accepted, redirects are not followed and environment proxies are not used, so a request goes
where the user said and nowhere else. Queries ask for the union of the named graphs as the
default graph (Oxigraph's ``union-default-graph`` parameter), as the embedded store does; a
server of another make must be configured to do the same.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

import pyoxigraph as ox

from kb.query import ROW_LIMIT, TRUNCATED
from kb.query_shape import shape_problem
from kb.questions import Bindings, Question
from kb.store import (
    QueryResult,
    StoreError,
    bind,
    current_version,
    open_store,
    run_query,
    store_root,
)

if TYPE_CHECKING:
    import urllib.request
    from email.message import Message

log = logging.getLogger(__name__)

MAX_RESPONSE = 256 * 1024 * 1024  # bytes: a larger answer is refused rather than read
PUT_TIMEOUT = 3600.0  # s without a byte from the server once a dataset is sent: it loads it all
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class QueryStore(Protocol):
    """What the CLI and the app need from a store, embedded or remote."""

    def query(
        self, sparql: str, bindings: Bindings = None, limit: int = ROW_LIMIT
    ) -> QueryResult: ...

    def ask(
        self,
        question: Question,
        values: Mapping[str, str] | None = None,
        limit: int = ROW_LIMIT,
        page: int = 1,
    ) -> QueryResult: ...


def check_store_url(url: str) -> str:
    """The URL without a trailing slash, or ``StoreError`` unless it is a plain http(s) URL."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise StoreError(f"--store must be an http:// or https:// URL, not {url!r}")
    if parts.username or parts.password:
        raise StoreError("--store: credentials in the URL are not supported")
    if parts.query or parts.fragment:
        raise StoreError("--store: give the server's base URL, without '?…' or '#…'")
    return urllib.parse.urlunsplit(parts).rstrip("/")


def _opener() -> urllib.request.OpenerDirector:
    """An opener that follows no redirect (one is answered as the error it came with) and no
    environment proxy. ``urllib.request`` (with http.client and email) is imported here, not at
    the top: it is a sixth of a cold ``kb ask``'s imports, and the embedded store needs none."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            return None

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())


class RemoteStore:
    """A SPARQL 1.1 Protocol server (Oxigraph ``serve`` layout) used as the store."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        base = check_store_url(url)
        self.url = base.removesuffix("/query")  # accept the query endpoint as well as the base
        self.query_url = self.url + "/query"
        self.store_url = self.url + "/store"
        self.timeout = timeout
        self._opener = _opener()

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    def query(self, sparql: str, bindings: Bindings = None, limit: int = ROW_LIMIT) -> QueryResult:
        """Run a read query by POST (``application/sparql-query``); same result shape and row cap
        as ``kb.store.run_query``. An answer the server itself cut (``kb serve``'s row cap, which
        says so in its ``X-Casebook-Truncated`` header) is ``truncated`` too, however few rows
        it has."""
        started = time.perf_counter()
        sparql = bind(sparql, bindings)
        if problem := shape_problem(sparql):  # the server's engine may crash as ours would
            raise StoreError(problem)
        body, headers = self._request(
            self.query_url + "?union-default-graph",
            "POST",
            sparql.encode("utf-8"),
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": _ACCEPT},
        )
        cut = headers.get(TRUNCATED, "").strip().lower() == "true"
        if headers.get_content_type() == "application/n-triples":  # CONSTRUCT / DESCRIBE
            triples: list[list[str | None]] = [
                [_term_text(q.subject), _term_text(q.predicate), _term_text(q.object)]
                for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)
            ]
            return QueryResult(["subject", "predicate", "object"], triples[:limit],
                               cut or len(triples) > limit, time.perf_counter() - started)  # fmt: skip
        try:
            payload = json.loads(body)
        except ValueError as exc:  # Oxigraph reports a late failure (e.g. its time limit) as
            # text after the partial answer: the status, sent first, is still 200
            tail = body[-200:].decode("utf-8", "replace").rsplit("[", 1)[-1].strip()
            raise StoreError(f"the SPARQL server broke off its answer: {tail or exc}") from exc
        if "boolean" in payload:
            answer = "true" if payload["boolean"] else "false"
            return QueryResult(["ask"], [[answer]], elapsed=time.perf_counter() - started)
        columns = list(payload.get("head", {}).get("vars", []))
        solutions = payload.get("results", {}).get("bindings", [])
        rows = [[_json_text(s.get(c)) for c in columns] for s in solutions[:limit]]
        return QueryResult(columns, rows, cut or len(solutions) > limit,
                           time.perf_counter() - started)  # fmt: skip

    def ask(
        self,
        question: Question,
        values: Mapping[str, str] | None = None,
        limit: int = ROW_LIMIT,
        page: int = 1,
    ) -> QueryResult:
        """Answer a named question with ``values`` for its parameters (defaults otherwise)."""
        return question.answer(self.query, values, page, limit)

    def replace(self, nquads: Path) -> None:
        """Make the server hold exactly the dataset in the N-Quads file ``nquads``: one ``PUT``
        to ``/store``, streamed from the file (a bulk KB's dataset is gigabytes).

        On Oxigraph (and Fuseki's dataset endpoint) a PUT of a quad format to the store replaces
        the whole dataset — default graph and every named graph — so nothing from an earlier
        build survives, including graphs the new build no longer has, in a single request (a
        ``DROP ALL`` then ``POST`` would leave an empty store if the second request failed).
        It is not atomic for readers: a query during the load may see part of the new data.
        """
        started = time.perf_counter()
        size = nquads.stat().st_size
        with nquads.open("rb") as body:
            headers = {"Content-Type": "application/n-quads", "Content-Length": str(size)}
            self._request(self.store_url, "PUT", body, headers, timeout=PUT_TIMEOUT)
        log.info("replaced the dataset at %s (%d bytes, %.1f s)", self.store_url, size,
                 time.perf_counter() - started)  # fmt: skip

    def _request(
        self,
        url: str,
        method: str,
        data: bytes | BinaryIO,
        headers: dict[str, str],
        timeout: float | None = None,
    ) -> tuple[bytes, Message]:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=timeout or self.timeout) as response:
                body = response.read(MAX_RESPONSE + 1)
                answer_headers = response.headers
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace").strip()
            raise StoreError(f"{url}: HTTP {exc.code}: {detail or exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(f"cannot reach the SPARQL server at {url}: {reason}") from exc
        if len(body) > MAX_RESPONSE:
            raise StoreError(f"{url}: answer larger than {MAX_RESPONSE} bytes; add a LIMIT")
        return body, answer_headers


class EmbeddedStore:
    """The embedded store of ``data_dir`` behind the same calls as ``RemoteStore``; each query
    reads the version current at that moment, so a new build is seen at once. A version is
    never written once current, so the one opened last is kept open while it stays current:
    opening costs ~30 ms (more on a large store), several times per ``kb ask``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._opened: tuple[Path, ox.Store] | None = None

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.data_dir)!r})"

    def query(self, sparql: str, bindings: Bindings = None, limit: int = ROW_LIMIT) -> QueryResult:
        return run_query(self._store(), sparql, bindings, limit)

    def _store(self) -> ox.Store:
        """The current version's store, opened once and again only when a write moved it."""
        version = current_version(self.data_dir)
        if version is None:
            return open_store(self.data_dir)  # raises the one-line error: no knowledge graph
        if self._opened is None or self._opened[0] != version:
            self._opened = (version, ox.Store.read_only(str(version)))
        return self._opened[1]

    def ask(
        self,
        question: Question,
        values: Mapping[str, str] | None = None,
        limit: int = ROW_LIMIT,
        page: int = 1,
    ) -> QueryResult:
        return question.answer(self.query, values, page, limit)


def push(data_dir: Path, store: RemoteStore) -> None:
    """Make ``store`` hold what the current embedded version of ``data_dir`` holds, its derived
    tables included (made once, here: the server need not run the rules): the version is
    dumped to a file beside the store's versions, then PUT whole."""
    with tempfile.NamedTemporaryFile(
        dir=store_root(data_dir), prefix=".push-", suffix=".nq"
    ) as out:
        open_store(data_dir).dump(out, ox.RdfFormat.N_QUADS)
        out.flush()
        store.replace(Path(out.name))


def reachable(url: str) -> RemoteStore:
    """The server at ``url``, once it has answered a trivial query: a run that writes to it
    fails at its start, not after hours of work, when it is down or refuses queries."""
    store = RemoteStore(url, timeout=10)
    store.query("ASK {}")
    return store


def open_any(store: str | None, data_dir: Path) -> EmbeddedStore | RemoteStore:
    """The store a command should use: ``--store URL`` if given, else the embedded one."""
    return RemoteStore(store) if store else EmbeddedStore(data_dir)


def _json_text(term: dict | None) -> str | None:
    if term is None:
        return None
    value = term.get("value")
    return value if isinstance(value, str) else json.dumps(value)  # RDF-star triple terms


def _term_text(term: object) -> str:
    return term.value if hasattr(term, "value") else str(term)
