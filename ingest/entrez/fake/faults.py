"""The misbehaviours the fake server can inject, and the bodies it answers them with."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.entrez.fake.formats import HTML_TYPE, JSON_TYPE, XML_TYPE, Answer
from ingest.entrez.fake.hostile import HOSTILE_KINDS

FAULT_KINDS = HOSTILE_KINDS | frozenset(
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
BACKEND_ERROR = "Search Backend failed: Couldn't resolve #tmpKW3, the address table is empty."
RATE_LIMIT_BODY = b'{"error":"API rate limit exceeded","count":"11"}'
HTTP_ERROR_BODIES = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
}


@dataclass(frozen=True)
class Fault:
    """A misbehaviour to inject into one upcoming request (see ``FAULT_KINDS``).

    ``retry_after`` is the Retry-After of a "429" (default 1 s); ``delay`` is the stall of
    "timeout" (default 3 s) and "slow" (default 1 s), and the pause between bytes of "drip"
    (2 s); ``size`` the bytes of "oversize" (64 MiB) or characters of "huge_text" (1.2 M).
    """

    kind: str
    retry_after: float | None = None
    delay: float = 0.0
    size: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; expected one of {sorted(FAULT_KINDS)}"
            )


def _retry_after(value: float | None) -> str:
    if value is None:
        return "1"
    return str(int(value)) if float(value).is_integer() else str(value)


def too_many(retry_after: float | None) -> Answer:
    """NCBI's 429: what the "429" fault and the rate-limit emulation answer."""
    return Answer(429, RATE_LIMIT_BODY, JSON_TYPE, {"Retry-After": _retry_after(retry_after)})


def http_error(status: int) -> Answer:
    """The HTML page of a "500", "502" or "503" fault."""
    title = f"{status} {HTTP_ERROR_BODIES[status]}"
    html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
    return Answer(status, html.encode(), HTML_TYPE)


def invalid_xml(answer: Answer, root: str) -> Answer:
    """``answer`` made malformed; an unclosed ``<root>`` when it was no XML to break."""
    broken = break_xml(answer.body, root) if answer.status == 200 else b""
    if answer.content_type != XML_TYPE or not broken:
        broken = f"<{root}><ERROR>backend returned garbage".encode()
    return Answer(200, broken, XML_TYPE)


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
