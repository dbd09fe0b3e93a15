"""A hostile upstream: answers that are well-formed HTTP but wrong, slow, huge or cut.

Each kind reproduces a failure an adversarial run found (issue 15): records nobody asked for
(``extra_pmid``: a copy of an asked record under a new PMID), records for other ids than asked
(``wrong_pmids``, what a merged PMID or a confused cache looks like), one byte every ``delay``
seconds (``drip``; ``drip_headers`` from the status line on), an endless body (``oversize``: ``size`` bytes, sent without a
Content-Length, never held in memory), headers then nothing (``drop_body``), a record whose
abstract or paragraph is ``size`` characters (``huge_text``). Faults other than EFetch's id
faults apply to any utility.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from ingest.entrez.fake.corpus import Corpus, normalize_pmcid
from ingest.entrez.fake.endpoints import HANDLERS
from ingest.entrez.fake.formats import Answer

HOSTILE_KINDS = frozenset(
    {"extra_pmid", "wrong_pmids", "drip", "drip_headers", "oversize", "drop_body", "huge_text"}
)
DRIP_DEFAULT_DELAY = 2.0
OVERSIZE_DEFAULT_BYTES = 64 * 1024 * 1024
HUGE_TEXT_DEFAULT_CHARS = 1_200_000
_CHUNK = 1024 * 1024


def answer(
    kind: str, utility: str, params: dict[str, list[str]], corpus: Corpus, size: int
) -> Answer:
    """The body of an id or text fault (the others change how a normal body is sent)."""
    normal = HANDLERS[utility](params, corpus)
    if utility != "efetch" or normal.status != 200:
        return normal
    pmc = (params.get("db") or [""])[0] == "pmc"
    asked = _asked(params, pmc)
    known = list(corpus.pmc) if pmc else list(corpus.pubmed)
    others = [i for i in known if i not in asked]
    if kind == "extra_pmid" and not pmc and asked and asked[0] in corpus.pubmed:
        return Answer(200, _with_extra(normal.body, corpus, asked[0]))
    if kind == "extra_pmid":
        ids = [*asked, *others[-1:]]
    elif kind == "wrong_pmids":
        ids = others[: max(1, len(asked))]
    else:  # huge_text
        return Answer(200, _huge(normal.body, pmc, size or HUGE_TEXT_DEFAULT_CHARS))
    return HANDLERS[utility]({**params, "id": [",".join(ids)]}, corpus)


def stream(kind: str, body: bytes, write: Callable[[bytes], None], stopping, delay: float,
           size: int) -> None:  # fmt: skip
    """Send ``body`` the hostile way, once the status line and headers are out."""
    if kind in ("drip", "drip_headers"):
        for i in range(len(body)):
            if stopping.is_set():
                return
            write(body[i : i + 1])
            time.sleep(delay or DRIP_DEFAULT_DELAY)
    elif kind == "oversize":
        total = size or OVERSIZE_DEFAULT_BYTES
        write(body[: len(body) // 2])
        sent, pad = len(body) // 2, b" " * _CHUNK
        while sent < total and not stopping.is_set():
            write(pad)
            sent += len(pad)
    # drop_body: nothing at all after the headers


def head(answer: Answer) -> bytes:
    """The status line and headers of ``answer``, to be dripped like its body."""
    return (
        f"HTTP/1.1 {answer.status} OK\r\nContent-Type: {answer.content_type}\r\n"
        f"Content-Length: {len(answer.body)}\r\nConnection: close\r\n\r\n"
    ).encode("ascii")


def headers(kind: str, body: bytes) -> dict[str, str]:
    """The Content-Length to announce: the real one, or none for an endless body."""
    return {} if kind == "oversize" else {"Content-Length": str(len(body))}


def _asked(params: dict[str, list[str]], pmc: bool) -> list[str]:
    ids = [i.strip() for v in params.get("id", []) for i in v.split(",") if i.strip()]
    return [normalize_pmcid(i) for i in ids] if pmc else ids


def extra_pmid(corpus: Corpus) -> str:
    """The PMID ``extra_pmid`` adds: one past the corpus's highest, so no KB holds it."""
    return str(max(int(p) for p in corpus.pubmed) + 1)


def _with_extra(body: bytes, corpus: Corpus, pmid: str) -> bytes:
    """``body`` plus a copy of ``pmid``'s record under the PMID no one asked for."""
    copy = re.sub(rb"<PMID([^>]*)>\d+</PMID>", rb"<PMID\g<1>>" + extra_pmid(corpus).encode() + rb"</PMID>",
                  corpus.pubmed[pmid].xml, count=1)  # fmt: skip
    return body.replace(b"</PubmedArticleSet>", copy + b"\n</PubmedArticleSet>")


def _huge(body: bytes, pmc: bool, chars: int) -> bytes:
    """``body`` with its first abstract (or paragraph) text replaced by ``chars`` characters of
    filler: words and spaces, a full stop every 400 words, no markup."""
    words = ("word " * 399 + "end. ") * (chars // 2000 + 1)
    filler = words[:chars].encode()
    tag = rb"<p>" if pmc else rb"<AbstractText[^>]*>"
    close = b"</p>" if pmc else b"</AbstractText>"
    match = re.search(tag, body)
    if match is None:
        return body
    end = body.find(close, match.end())
    return body[: match.end()] + filler + body[end:] if end >= 0 else body
