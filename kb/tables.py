"""Answers as the CLI prints them: a table of labels wrapped to the terminal, or CSV / JSON.

The table is for reading (``kb.labels``: labels for IRIs, durations in words, no ``None``);
CSV and JSON keep the store's values (IRIs, ISO durations) for programs. A table wider than
the terminal wraps its long columns (sentences, titles) inside their cells rather than cutting
them; ``wide`` prints every cell whole on one line (for a pager: ``kb ask … --wide | less -S``).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from collections.abc import Callable, Mapping, Sequence

import pyoxigraph as ox

from kb.escape import csv_row
from kb.labels import cell
from kb.namespaces import BASE, prologue
from kb.store import QueryResult

GAP = "  "
LONG = 40  # a column wider than this may wrap (sentences, titles); narrower ones never do
MIN_LONG = 30  # narrower than this, a wrapped column is hard to read: one block per row then
_CONCEPT = BASE + "concept/"
LABELS = prologue("skos") + "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label }"


def terminal_width() -> int:
    """The terminal's columns (``COLUMNS`` when set; 100 when not a terminal)."""
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def concept_labels(query: Callable[..., QueryResult], result: QueryResult) -> dict[str, str]:
    """Label of every concept IRI in ``result`` (one query; {} when there are none)."""
    found = sorted({v for row in result.rows for v in row if v and v.startswith(_CONCEPT)})
    out: dict[str, str] = {}
    for i in range(0, len(found), 500):
        terms = " ".join(str(ox.NamedNode(iri)) for iri in found[i : i + 500])
        sparql = LABELS.replace("WHERE {", f"WHERE {{ VALUES ?c {{ {terms} }}", 1)
        for iri, label in query(sparql, None, 5000).rows:
            if iri and label and (iri not in out or label < out[iri]):
                out[iri] = label
    return out


def format_result(
    result: QueryResult,
    fmt: str = "table",
    concepts: Mapping[str, str] | None = None,
    width: int | None = None,
    wide: bool = False,
    note: str = "",
) -> str:
    """``result`` as ``fmt`` (table, csv, json); ``note`` ends the table's footer line."""
    if fmt == "json":  # a row a line, each by the C encoder (``indent`` would use Python's:
        # 30 ms for 842 rows, a tenth of a cold ``kb ask``)
        rows = [json.dumps(dict(zip(result.columns, row, strict=True)), ensure_ascii=False)
                for row in result.rows]  # fmt: skip
        body = "[\n    " + ",\n    ".join(rows) + "\n  ]" if rows else "[]"
        columns = json.dumps(result.columns, ensure_ascii=False)
        truncated = json.dumps(result.truncated)
        return f'{{\n  "columns": {columns},\n  "rows": {body},\n  "truncated": {truncated}\n}}'
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(csv_row(result.columns))
        writer.writerows(csv_row(row) for row in result.rows)  # no cell runs as a formula
        return buffer.getvalue().rstrip("\n")
    memo: dict[tuple[str | None, str], str] = {}  # labels, cases, times repeat down a column
    cells = []
    for row in result.rows:
        out = []
        for v, c in zip(row, result.columns, strict=False):
            key = (v, c)
            if (text := memo.get(key)) is None:
                text = memo[key] = cell(v, c, concepts)
            out.append(text)
        cells.append(out)
    table = render_table(result.columns, cells, None if wide else (width or terminal_width()))
    tail = " (truncated)" if result.truncated else ""
    count = "1 row" if len(result.rows) == 1 else f"{len(result.rows)} rows"
    footer = f"{count}{tail}, {result.elapsed * 1000:.0f} ms{note}"
    return f"{table}\n{footer}" if table else footer


def render_table(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int | None) -> str:
    """Aligned columns, the long ones (sentences, titles) wrapped within their cells when the
    table is wider than ``width``; when even that leaves them too narrow to read, one block per
    row instead (``records``). ``width`` None: never wrap."""
    natural = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    widths = natural if width is None else fit(natural, width - len(GAP) * (len(columns) - 1))
    if widths is None:
        return records(columns, rows, width or 0)
    wrapped = widths != natural
    lines = [GAP.join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    for row in rows:
        parts = [_wrap(v, w) for v, w in zip(row, widths, strict=True)]
        if wrapped and len(lines) > 1:
            lines.append("")
        for k in range(max(len(p) for p in parts)):
            line = GAP.join((p[k] if k < len(p) else "").ljust(w)
                            for p, w in zip(parts, widths, strict=True))  # fmt: skip
            lines.append(line.rstrip())
    return "\n".join(lines)


def fit(natural: Sequence[int], room: int) -> list[int] | None:
    """Column widths within ``room``: columns up to ``LONG`` characters keep their width, the
    longer ones share what is left (a long column that needs less keeps its width); None when
    that leaves a long column narrower than ``MIN_LONG``."""
    if sum(natural) <= room:
        return list(natural)
    long = {i for i, n in enumerate(natural) if n > LONG}
    left = room - sum(n for i, n in enumerate(natural) if i not in long)
    widths = list(natural)
    while long:
        share = left // len(long)
        if share < MIN_LONG:
            return None
        narrow = {i for i in long if natural[i] <= share}
        if not narrow:
            for i in long:
                widths[i] = share
            return widths
        long -= narrow
        left -= sum(natural[i] for i in narrow)
    return None


def records(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> str:
    """One block per row, a line per column, values wrapped under themselves."""
    pad = max(len(c) for c in columns) + 2
    out: list[str] = []
    for n, row in enumerate(rows, start=1):
        out.append(f"{n}.")
        for column, value in zip(columns, row, strict=True):
            lines = _wrap(value, max(MIN_LONG, width - pad - 2))
            out.append(f"  {(column + ':').ljust(pad)}{lines[0]}")
            out += [" " * (pad + 2) + line for line in lines[1:]]
    return "\n".join(out)


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
