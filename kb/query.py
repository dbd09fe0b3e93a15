"""Safety for queries that come from users (``kb sparql``, the app's console, question params).

Layers, as datasette does for SQL: (1) size, nesting and operator-chain caps before any parser
sees the text (``kb.query_shape``: pyoxigraph crashes the process on ~3,000 nested braces); (2) read forms only (SELECT, ASK,
CONSTRUCT, DESCRIBE): no update, no SERVICE or LOAD (they fetch URLs: SSRF); (3) the query runs
in a child process that is killed at the time limit — pyoxigraph cannot cancel a query; (4) rows
are capped with a ``truncated`` flag. Parameters are bound as RDF terms, never pasted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from kb import failpoints
from kb.errors import InputError, read_text_file
from kb.query_shape import shape_problem
from kb.store import QueryResult, StoreError, open_store, run_query

log = logging.getLogger(__name__)

_ROOT = str(Path(__file__).resolve().parents[1])  # the directory that holds kb/, for the child
MAX_LENGTH = 100_000
TIMEOUT = 10.0
ROW_LIMIT = 10_000
TRUNCATED = "X-Casebook-Truncated"  # HTTP header: "true" when `kb serve` cut an answer at its cap
_FORBIDDEN = re.compile(
    r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|SERVICE|WITH)\b", re.IGNORECASE
)
# SERVICE can hide from a regular expression that skips strings and IRIs ("FILTER(?a<?b)SERVICE#>"
# reads as an IRI; "1SERVICE" has no word boundary), and pyoxigraph runs it: so the word may not
# appear at all, also not as a codepoint escape (SPARQL allows \u escapes anywhere).
_SERVICE = re.compile("service", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


class QueryRejected(StoreError):
    """The query is not allowed here; the message says why."""


def check_query(sparql: str) -> None:
    """Raise ``QueryRejected`` unless ``sparql`` is a plain read query within the caps."""
    if len(sparql) > MAX_LENGTH:
        raise QueryRejected(f"query too long ({len(sparql)} characters; the limit is {MAX_LENGTH})")
    problem = shape_problem(sparql)  # nesting and chains on the raw text, before any parser
    if problem:
        raise QueryRejected(problem)
    code = _code_only(sparql)
    unescaped = _ESCAPE.sub(lambda m: chr(min(int(m[1] or m[2], 16), 0x10FFFF)), sparql)
    if _SERVICE.search(sparql) or _SERVICE.search(unescaped):
        raise QueryRejected(
            "SERVICE is not allowed: queries here may not reach other services, and the word "
            "'service' may not appear anywhere in a query (not even in a string, an IRI or a "
            'comment); in a text filter, write e.g. REGEX(?text, "servic[e]")'
        )
    bad = _FORBIDDEN.search(code)
    if bad:
        raise QueryRejected(f"{bad.group(1).upper()} is not allowed: queries here are read-only "
                            "and may not reach other services")  # fmt: skip
    if not _FORM.search(code):
        raise QueryRejected("only SELECT, ASK, CONSTRUCT and DESCRIBE queries are allowed")


def _code_only(sparql: str) -> str:
    """The query without comments, strings and IRIs, so keywords inside them don't count."""
    pattern = r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|<[^<>\s]*>|#[^\n]*'
    return re.sub(pattern, " ", sparql)


def read_query_argument(text: str) -> str:
    """The query of ``kb sparql QUERY``: the text itself, or the file named after an ``@``,
    which must be UTF-8 text (a binary file is refused in one line, not decoded half-way)."""
    if not text.startswith("@"):
        return text
    path = Path(text[1:])
    query = read_text_file(path, "query file")  # OSError / InputError: one line each
    if "\0" in query:
        raise InputError(f"{path}: not a query file: not a text file (it holds NUL bytes)")
    return query.removeprefix("\ufeff")


class _Died(Exception):
    """The child running the query ended without an answer (a crash of the engine)."""


def user_query(
    data_dir: Path, sparql: str, timeout: float = TIMEOUT, limit: int = ROW_LIMIT
) -> QueryResult:
    """Check, then run in a child process killed after ``timeout`` seconds. A child that dies
    under the query (the engine crashed) is replaced once within the same time limit; a second
    death is a ``StoreError``, never an ``EOFError``."""
    check_query(sparql)
    deadline = time.monotonic() + timeout
    for attempt in (1, 2):
        try:
            payload = _in_child(data_dir, sparql, limit, deadline, timeout)
            break
        except _Died as exc:
            if attempt == 2 or time.monotonic() >= deadline:
                raise StoreError(f"the query engine crashed on this query twice ({exc}); it is "
                                 "not answered") from None  # fmt: skip
            log.warning("the query engine crashed (%s); running the query again", exc)
    if "error" in payload:
        raise StoreError(payload["error"])
    return QueryResult(**payload)


def _in_child(data_dir: Path, sparql: str, limit: int, deadline: float, timeout: float) -> dict:
    """The answer of a fresh ``python -m kb.query_child`` (the request on its stdin, the JSON
    answer on its stdout). Not multiprocessing's spawn: under Streamlit the main module is the
    app, and a spawned child runs the whole app again before the query (~0.5 s each)."""
    request = json.dumps({"data_dir": str(data_dir), "sparql": sparql, "limit": limit})
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (_ROOT, os.environ.get("PYTHONPATH")))),
    }
    proc = subprocess.Popen([sys.executable, "-m", "kb.query_child"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    try:
        out, _ = proc.communicate(request.encode("utf-8"), max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise StoreError(f"query stopped after {timeout:g} s (time limit)") from None
    finally:
        proc.kill()
        proc.wait(5)
    try:
        return json.loads(out)
    except ValueError:
        raise _Died(f"exit status {proc.returncode}") from None


def run_request(request: dict) -> dict:
    """What the child answers: the result's fields, or ``{"error": message}``."""
    failpoints.reach("query:child")  # KB_FAILPOINT=query:child: the engine "crashes" (tests)
    try:
        result = run_query(open_store(Path(request["data_dir"])), request["sparql"],
                           limit=request["limit"])  # fmt: skip
        return dict(result.__dict__)
    except StoreError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # any failure of the child comes back as a message
        return {"error": f"query failed: {type(exc).__name__}: {exc}"}
