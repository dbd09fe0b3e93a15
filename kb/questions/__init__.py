"""Named questions: parameterised SPARQL files (``*.rq``) with a header of metadata.

    # title: Treatments that resolved iatrogenic cases
    # description: …
    # param: condition concept calcinosis_cutis_iatrogenic The condition (a vocabulary concept id)
    # order: treatment case outcome
    SELECT … WHERE { … ?condition … }

A parameter is a variable of the query, bound as an RDF term in a ``VALUES`` block when the
question runs (``kb.store.bind``): a ``concept`` becomes the concept's IRI, a ``text`` a plain
literal, an ``integer`` an xsd:integer, a ``choice(a|b)`` one of its listed words (anything else
is refused) — a hostile value stays a value. The CLI and the app
build their widgets from these declarations. ``# order:`` names the columns the rows are sorted
by (``-name`` descending; see ``Question.finish``), ``# median:`` a column of durations to add
the median of, ``# unpack: column name…`` splits a column of fields joined by U+001F into the
named columns (``_`` drops a field, an empty one is unbound), and ``# page: n`` makes a question
answer n rows a page (``Question.sparql_for``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox

from kb import iris
from kb.durations import parse_iso
from kb.namespaces import NAMESPACES
from kb.query import ROW_LIMIT
from kb.store import QueryResult

Bindings = Mapping[str, ox.NamedNode | ox.Literal] | None

PARAM_TYPES = ("concept", "text", "integer", "article")


class QuestionError(ValueError):
    """Unknown question or parameter, or a value of the wrong type."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # one of PARAM_TYPES, or "choice" (``choices`` holds the values it may take)
    default: str | None
    description: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    description: str
    sparql: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    median_of: str | None = None  # a column of space-separated ISO durations ("# median: times")
    order: tuple[str, ...] = ()  # columns to sort by, "-name" descending ("# order: -cases name")
    page_size: int | None = None  # rows per page ("# page: 200"; see ``sparql_for``)
    unpack: tuple[str, ...] = ()  # a packed column, then its fields' names ("# unpack: p a _ b")

    def answer(
        self,
        query: Callable[[str, Bindings, int], QueryResult],
        values: Mapping[str, str] | None = None,
        page: int = 1,
        limit: int = ROW_LIMIT,
    ) -> QueryResult:
        """The answer for ``values`` (defaults otherwise), by ``query`` (a store's), finished."""
        result = query(self.sparql_for(page), self.bindings(dict(values or {})), limit)
        return self.finish(result)

    def answer_all(
        self,
        query: Callable[[str, Bindings, int], QueryResult],
        values: Mapping[str, str] | None = None,
        limit: int = ROW_LIMIT,
    ) -> QueryResult:
        """Every page, sorted as one answer (at most ``limit`` rows; ``truncated`` if more)."""
        result = self.answer(query, values, 1, limit)
        if self.page_size is None:
            return result
        rows, elapsed, page = list(result.rows), result.elapsed, 1
        while result.truncated and len(rows) < limit:  # truncated: there is a next page
            page += 1
            result = self.answer(query, values, page, limit)
            rows += result.rows
            elapsed += result.elapsed
        rows = self._ordered(rows, result.columns)
        return QueryResult(result.columns, rows[:limit], result.truncated or len(rows) > limit,
                           elapsed)  # fmt: skip

    def sparql_for(self, page: int = 1) -> str:
        """The query of one page. A paged question's text selects its first page with
        ``LIMIT n OFFSET 0`` (n = ``page_size``) in the subquery that picks the rows' subjects;
        page p starts at (p - 1)·n. A full page may have a next one (``finish``); when the
        answer is a multiple of n, that next page is empty."""
        if self.page_size is None:
            if page != 1:
                raise QuestionError(f"{self.name} has no pages")
            return self.sparql
        if not 1 <= page <= 1_000_000:
            raise QuestionError(f"page must be from 1 to 1000000, not {page}")
        return self.sparql.replace(
            _page_clause(self.page_size),
            f"LIMIT {self.page_size} OFFSET {(page - 1) * self.page_size}",
        )

    def finish(self, result: QueryResult) -> QueryResult:
        """Add what SPARQL is slow or unable to do: the median of a column of durations (in
        days), the order of the rows, a page's "maybe more" flag (``truncated``: the page is
        full; one row per subject, as the paged questions are written).

        Rows are sorted here, not by ORDER BY: Oxigraph's sort reads both terms from its
        dictionary at each comparison (155 ms to sort 2,799 rows of a 100,000-article KB),
        this sorts strings read once. Numbers sort as numbers, unbound values first."""
        rows = result.rows
        columns = list(result.columns)
        if self.unpack and self.unpack[0] in columns:
            columns, rows = _unpacked(columns, rows, self.unpack[0], self.unpack[1:])
        if self.median_of is not None and self.median_of in columns:
            column = columns.index(self.median_of)
            rows = [[*row, _median_days(row[column])] for row in rows]
            columns.append("median_days")
        rows = self._ordered(rows, columns)
        full = self.page_size is not None and len(rows) >= self.page_size
        return dataclasses.replace(result, columns=columns, rows=rows,
                                   truncated=result.truncated or full)  # fmt: skip

    def _ordered(self, rows: list[list[str | None]], columns: list[str]) -> list[list[str | None]]:
        for key in reversed(self.order):  # stable sorts, last key first
            name = key.removeprefix("-")
            if name in columns:
                rows = _sorted(rows, columns.index(name), descending=key.startswith("-"))
        return rows

    def bindings(self, values: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        known = {p.name for p in self.params}
        unknown = set(values) - known
        if unknown:
            raise QuestionError(f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}"
                                f" (known: {', '.join(sorted(known)) or 'none'})")  # fmt: skip
        out: dict[str, ox.NamedNode | ox.Literal] = {}
        for p in self.params:
            value = values.get(p.name, p.default)
            if value is None or value == "":
                continue
            try:
                out[p.name] = _term(p, value)
            except ValueError as exc:  # iris refuses ids it cannot make a valid IRI of
                raise QuestionError(f"{p.name}: {exc}") from exc
        return out


def _term(p: Param, value: str) -> ox.NamedNode | ox.Literal:
    if p.choices:
        if value.strip() not in p.choices:
            raise QuestionError(f"{p.name} must be one of {', '.join(p.choices)}, not {value!r}")
        return ox.Literal(value.strip())
    if p.type == "integer":
        if not re.fullmatch(r"-?\d{1,12}", value.strip()):
            raise QuestionError(f"{p.name} must be an integer, not {value!r}")
        return ox.Literal(value.strip(), datatype=ox.NamedNode(NAMESPACES["xsd"] + "integer"))
    if p.type == "concept":
        return ox.NamedNode(str(iris.concept(value.strip())))
    if p.type == "article":
        value = value.strip()
        return ox.NamedNode(str(iris.article(f"pmid:{value}" if value.isdigit() else value)))
    return ox.Literal(value)


UNIT = "\u001f"  # the separator of a packed column's fields: no text or IRI holds it


def _unpacked(
    columns: list[str], rows: list[list[str | None]], packed: str, names: tuple[str, ...]
) -> tuple[list[str], list[list[str | None]]]:
    """Split ``packed`` into ``names``, where it stood. Oxigraph's string functions cost ~4 µs
    each per row: unpacking six fields in SPARQL took 45 of 95 ms for 842 rows at 100,000
    articles."""
    at = columns.index(packed)
    keep = [i for i, name in enumerate(names) if name != "_"]
    out = []
    for row in rows:
        fields = (row[at] or "").split(UNIT, len(names) - 1)
        fields += [""] * (len(names) - len(fields))
        out.append([*row[:at], *(fields[i] or None for i in keep), *row[at + 1 :]])
    named = [names[i] for i in keep]
    return [*columns[:at], *named, *columns[at + 1 :]], out


def _page_clause(size: int) -> str:
    return f"LIMIT {size} OFFSET 0"


def _sorted(rows: list[list[str | None]], column: int, descending: bool) -> list[list[str | None]]:
    values = [v for row in rows if (v := row[column]) is not None]
    numeric = all(_is_number(v) for v in values)

    def key(row: list[str | None]) -> tuple:
        value = row[column]
        if value is None:
            return (0, 0.0 if numeric else "")
        return (1, float(value) if numeric else value)

    return sorted(rows, key=key, reverse=descending)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in {"nan", "inf", "-inf", "infinity", "-infinity"}


def parse_question(name: str, text: str) -> Question:
    meta: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        match = re.match(
            r"#\s*(title|description|param|median|order|page|unpack):\s*(.*)$", line.strip()
        )
        if not match:
            continue
        key, rest = match.groups()
        if key == "param":
            parts = rest.split(None, 3)
            choice = re.fullmatch(r"choice\(([\w|]+)\)", parts[1]) if len(parts) > 1 else None
            if len(parts) < 2 or (parts[1] not in PARAM_TYPES and choice is None):
                raise QuestionError(f"{name}: bad param line {rest!r}")
            default = parts[2] if len(parts) > 2 and parts[2] != "-" else None
            choices = tuple(choice.group(1).split("|")) if choice else ()
            if choices and default not in choices:
                raise QuestionError(f"{name}: the default of {parts[0]} is not one of its choices")
            description = parts[3] if len(parts) > 3 else ""
            kind = "choice" if choices else parts[1]
            params.append(Param(parts[0], kind, default, description, choices))
        else:
            meta[key] = (meta.get(key, "") + " " + rest).strip()
    if "title" not in meta:
        raise QuestionError(f"{name}: the header has no '# title:' line")
    page_size = None
    if "page" in meta:
        if not meta["page"].isdigit() or text.count(_page_clause(int(meta["page"]))) != 1:
            raise QuestionError(f"{name}: '# page: n' needs one 'LIMIT n OFFSET 0' in the query")
        page_size = int(meta["page"])
    unpack = tuple(meta.get("unpack", "").split())
    if len(unpack) == 1:
        raise QuestionError(f"{name}: '# unpack:' needs a column and the names of its fields")
    return Question(name, meta["title"], meta.get("description", ""), text, tuple(params),
                    meta.get("median"), tuple(meta.get("order", "").split()), page_size,
                    unpack)  # fmt: skip


def _median_days(durations: str | None) -> str | None:
    days = sorted(x for d in (durations or "").split() if (x := _days(d)) is not None)
    if not days:
        return None
    mid = len(days) // 2
    return f"{(days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2):g}"


@functools.lru_cache(maxsize=4096)
def _days(duration: str) -> float | None:
    """Days of an ISO 8601 duration (cached: a KB repeats a few hundred values thousands of
    times, and parsing them was most of treatment_outcomes' time after the query)."""
    parsed = parse_iso(duration)
    return None if parsed is None else parsed.days


def load_questions() -> dict[str, Question]:
    folder = resources.files("kb.questions")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name.removesuffix(".rq")
            out[name] = parse_question(name, entry.read_text(encoding="utf-8"))
    return out


def get_question(name: str) -> Question:
    questions = load_questions()
    if name not in questions:
        raise QuestionError(f"no question named {name!r}; `kb ask` lists them")
    return questions[name]
