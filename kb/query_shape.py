"""How deep a query nests and how long its operator chains are, read on the raw text as
pessimistically as Oxigraph's parser could read it.

Oxigraph parses and evaluates by recursion: ~2,000–4,000 nested ``{``, ``(`` or subqueries, or
~4,000–16,000 chained operators (``1+1+…``, ``!!…``, ``&&``, ``BIND … BIND``, ``UNION``) overflow
its stack and kill the process (measured on 0.5.13, 8 MB main-thread stack). So a query is
refused before any parser sees it when its bracket depth exceeds ``MAX_DEPTH`` or it holds more
than ``MAX_OPERATORS`` operators — limits far below the crash, far above hand-written queries.

Strings, comments, IRIs, prefixed names and language tags are skipped (a literal holding 10,000
``(`` is fine), but one token is ambiguous: ``<`` opens an IRI or means "less than", and which
one depends on the parser's context (``FILTER(1<((…))&&2>1)`` hides its nesting inside what
looks like an IRI; ``?a<?b#>`` reads a comment after an IRI-looking span). The scan follows
*both* readings at every ``<`` that could open an IRI and counts the worse. A reading dies where
code holds ``//``, which no SPARQL reading accepts outside strings, IRIs and comments (so the
"less than" reading of ``<http://…>`` ends at once). The cost of being pessimistic: a query may
be refused for brackets inside such IRIs, and each line with ``(<urn:x#a>)`` counts one level
too many — both rare, and the limits leave room for them.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

MAX_DEPTH = 128  # brackets ( [ { open at once
MAX_OPERATORS = 1_000  # operators and pattern keywords in the whole query
MAX_READINGS = 64  # readings followed at once; more is refused as unreadable

_OP_WORDS = {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND"}
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<string>\"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\"
        |'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
        |\"(?:[^\"\\\n\r]|\\.)*\"
        |'(?:[^'\\\n\r]|\\.)*')
    |(?P<unclosed>[\"'])
    |(?P<name>(?:[^\W\d_][\w\-.\u00B7]*)?:(?:(?:[\w:]|"""
    + _PLX
    + r""")(?:[\w\-.:\u00B7]|"""
    + _PLX
    + r""")*)?
        |_:[\w\-.\u00B7]*
        |[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+
        |@[A-Za-z]+(?:-[A-Za-z0-9]+)*
        |\^\^)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<word>[A-Za-z_]\w*)
    |(?P<dead>//)
    |(?P<open>[(\[{])
    |(?P<close>[)\]}])
    |(?P<op>&&|\|\||!=|<=|>=|[!+\-*/|^=<>])
    |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
# what Oxigraph's IRIREF could accept (a superset: its IRI parser then checks the span)
_IRI = re.compile(r"<[^<>\"{}|^`\x00-\x20]*>")


@dataclass(frozen=True)
class Shape:
    depth: int  # the most brackets open at once, in the worst reading
    operators: int  # operators and pattern keywords, in the worst reading


class Unreadable(ValueError):
    """Too many ways to read the query's ``<`` signs at once."""


def shape(sparql: str) -> Shape:
    """The worst ``Shape`` over every reading of ``sparql`` (see the module docstring); the scan
    stops as soon as a limit is passed, so the counts are then only as far as it read."""
    # readings: position → (depth, operators); the scan always advances the earliest one, and
    # readings that meet at one position are merged (the worst of each count is kept)
    readings: dict[int, tuple[int, int]] = {0: (0, 0)}
    queue = [0]
    deepest = most = 0
    end = len(sparql)
    while queue:
        pos = heapq.heappop(queue)
        depth, ops = readings.pop(pos)
        while pos < end:
            if sparql[pos] == "<" and (iri := _IRI.match(sparql, pos)):
                _add(readings, queue, iri.end(), depth, ops)  # the IRI reading jumps over it
                if len(readings) > MAX_READINGS:
                    raise Unreadable("too many '<' that may open an IRI or compare")
            m = _TOKEN.match(sparql, pos)
            assert m is not None  # `other` matches any character
            kind = m.lastgroup
            if kind in ("dead", "unclosed"):  # no reading of the parser gets past this
                break
            if kind == "open":
                depth += 1
                deepest = max(deepest, depth)
                if m.group() == "{":
                    ops += 1
            elif kind == "close":
                depth = max(0, depth - 1)
            elif kind == "op" or (kind == "word" and m.group().upper() in _OP_WORDS):
                ops += 1
            most = max(most, ops)
            if deepest > MAX_DEPTH or most > MAX_OPERATORS:  # refused already: stop reading
                return Shape(deepest, most)
            pos = m.end()
            if queue and queue[0] <= pos:  # another reading is behind: let it catch up
                _add(readings, queue, pos, depth, ops)
                break
    return Shape(deepest, most)


def _add(readings: dict[int, tuple[int, int]], queue: list[int], pos: int, depth: int,
         ops: int) -> None:  # fmt: skip
    if pos in readings:
        d, o = readings[pos]
        readings[pos] = (max(d, depth), max(o, ops))
    else:
        readings[pos] = (depth, ops)
        heapq.heappush(queue, pos)


def shape_problem(sparql: str) -> str | None:
    """Why ``sparql`` may not be parsed (one line), or ``None`` if its shape is within limits."""
    try:
        found = shape(sparql)
    except Unreadable as exc:
        return f"query refused: {exc} (more than {MAX_READINGS} readings at once)"
    if found.depth > MAX_DEPTH:
        return (f"query nested more than {MAX_DEPTH} levels deep (brackets, counted on the "
                "raw text): deeper queries can crash the query engine")  # fmt: skip
    if found.operators > MAX_OPERATORS:
        return (f"query has more than {MAX_OPERATORS} operators and pattern keywords (counted "
                "on the raw text): longer chains can crash the query engine")  # fmt: skip
    return None
