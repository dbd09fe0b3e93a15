"""Named questions: parameterised SPARQL files (``*.rq``) with a header of metadata.

    # title: Treatments that resolved iatrogenic cases
    # description: …
    # param: condition concept calcinosis_cutis_iatrogenic The condition (a vocabulary concept id)
    SELECT … WHERE { … ?condition … }

A parameter is a variable of the query, bound as an RDF term when the question runs (pyoxigraph
substitutions): a ``concept`` becomes the concept's IRI, a ``text`` a plain literal, an
``integer`` an xsd:integer — a hostile value stays a value. The CLI and the app build their
widgets from these declarations.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox
from rdflib.namespace import XSD

from ingest.nlp.values import parse_iso
from kb import iris
from kb.store import QueryResult

PARAM_TYPES = ("concept", "text", "integer", "article")


class QuestionError(ValueError):
    """Unknown question or parameter, or a value of the wrong type."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    description: str
    sparql: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    median_of: str | None = None  # a column of space-separated ISO durations ("# median: times")

    def finish(self, result: QueryResult) -> QueryResult:
        """Add what SPARQL cannot compute: the median of a column of durations, in days."""
        if self.median_of is None or self.median_of not in result.columns:
            return result
        column = result.columns.index(self.median_of)
        rows = [[*row, _median_days(row[column])] for row in result.rows]
        return dataclasses.replace(result, columns=[*result.columns, "median_days"], rows=rows)

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
    if p.type == "integer":
        if not re.fullmatch(r"-?\d{1,12}", value.strip()):
            raise QuestionError(f"{p.name} must be an integer, not {value!r}")
        return ox.Literal(value.strip(), datatype=ox.NamedNode(str(XSD.integer)))
    if p.type == "concept":
        return ox.NamedNode(str(iris.concept(value.strip())))
    if p.type == "article":
        value = value.strip()
        return ox.NamedNode(str(iris.article(f"pmid:{value}" if value.isdigit() else value)))
    return ox.Literal(value)


def parse_question(name: str, text: str) -> Question:
    meta: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        match = re.match(r"#\s*(title|description|param|median):\s*(.*)$", line.strip())
        if not match:
            continue
        key, rest = match.groups()
        if key == "param":
            parts = rest.split(None, 3)
            if len(parts) < 2 or parts[1] not in PARAM_TYPES:
                raise QuestionError(f"{name}: bad param line {rest!r}")
            default = parts[2] if len(parts) > 2 and parts[2] != "-" else None
            params.append(Param(parts[0], parts[1], default, parts[3] if len(parts) > 3 else ""))
        else:
            meta[key] = (meta.get(key, "") + " " + rest).strip()
    if "title" not in meta:
        raise QuestionError(f"{name}: the header has no '# title:' line")
    return Question(name, meta["title"], meta.get("description", ""), text, tuple(params),
                    meta.get("median"))  # fmt: skip


def _median_days(durations: str | None) -> str | None:
    days = sorted(q.days for d in (durations or "").split() if (q := parse_iso(d)) is not None)
    if not days:
        return None
    mid = len(days) // 2
    return f"{(days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2):g}"


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
