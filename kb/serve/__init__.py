"""``kb serve``: the current store over the SPARQL 1.1 Protocol: Oxigraph as the engine,
behind a small policy gate (``kb.serve.gate``) that is the only thing listening.

    client ──HTTP──▶ gate 127.0.0.1:PORT ──pipes──▶ engine processes (kb.serve.worker, warm)

The engine is Oxigraph (pyoxigraph, ``use_default_graph_as_union``) in processes the gate
starts, each holding the current store version open and answering one query at a time: the
query on its stdin, the answer streamed from its stdout (``kb.serve.engine``). They listen on
no port and no socket, so nothing but the gate can send them a query — the gate's checks
cannot be walked around, and no one can make them run ``SERVICE``. A crash in an engine takes
down only that query's process; a process whose answer was cut, that overran its time or
died is killed, never reused, and the next query starts a new one. The gate (stdlib ``http.server``, no CORS headers,
127.0.0.1 only, a listen backlog of 128) adds what Oxigraph lacks:

- **No SSRF.** A query is checked before it runs (``kb.query.check_query``: read forms only, no
  update, no ``SERVICE``, size caps, and nesting and operator-chain caps counted on the raw text
  by ``kb.query_shape``), and the gate refuses any query in which the word "service" appears at
  all, even inside a string, an IRI or a comment: a regular expression cannot tell for sure
  which of those Oxigraph will read as the keyword (a ``<`` may be an IRI or "less than";
  ``1SERVICE`` is two tokens), and Oxigraph executes ``SERVICE``. Updates (``/update``, an
  ``update=`` field, ``INSERT`` … in a query) and the Graph Store Protocol (``/store``: writes
  405, reads 403, as a dump would bypass the row cap) are refused.
- **No other web page.** A request whose ``Host`` is not 127.0.0.1 or localhost on the gate's
  port (DNS rebinding), or whose ``Origin`` / ``Sec-Fetch-Site`` names another origin or site
  (a cross-site form POST), is refused with 403.
- **A row cap** (``--limit``): the gate asks the engine for TSV (or N-Triples), reads at most
  limit + 1 rows as they stream, kills the process, and re-encodes the rows in the format the
  client negotiated; a cut answer is still a valid document and carries
  ``X-Casebook-Truncated: true``.
- **A wall-clock time limit** (``--timeout``): an answer that is not whole by the deadline is
  503, never a short 200, and its process is killed. A query whose engine dies under it (a
  crash) is run once more; a second death is 503 as well.
- **Version following**: each query runs on the version ``store/CURRENT`` names when it
  arrives (a warm engine on an older one is stopped), so the gate answers from the previous
  version during a ``kb build``/``kb refresh`` and from the new one after it.

Limits that remain:
- The "service" rule refuses harmless queries too (``FILTER(CONTAINS(?t, "service"))``); spell
  the word around it (``REGEX(?t, "servic[e]")``).
- The nesting and chain caps are pessimistic (``kb.query_shape``): rarely, a query with
  brackets inside IRIs is refused although it would run.
- The first query on a version starts an engine: it opens the store (~50 ms on the demo KB)
  and starts with a cold cache; later ones find it warm (at most ``MAX_IDLE`` kept waiting).
- Dataset parameters (``default-graph-uri``, ``named-graph-uri``) are refused: FROM / FROM
  NAMED in the query do the same.
- At most ``kb.serve.gate.MAX_ACTIVE`` queries run at once; more wait for a slot within their time
  limit (then 503). The time limit runs from when the gate receives the query.
- The previous version is kept by ``kb build`` (``KEEP_VERSIONS``), but two builds within one
  query's time limit may delete the files under a query still running on the oldest version
  (it is then run again on the current one).
- Answers are buffered in the gate (at most limit rows and ``kb.serve.gate.MAX_BYTES``; beyond the
  bytes the answer is cut and flagged as well), not streamed to the client.

Modules: ``gate`` (one query from check to reply), ``http`` (the SPARQL 1.1 Protocol onto
the gate), ``formats`` (content negotiation and re-encoding), ``engine`` (the engine
processes), ``worker`` (the engine's own loop), ``process`` (finding, waiting for and stopping a server process). The ``kb serve``
command itself is ``kb.cli.serve``.
"""
