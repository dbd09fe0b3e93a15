"""Namespaces and typed literals shared by the graph builders (``kb.graph*``).

Literals are typed so that SPARQL compares them as values, not strings: ages and times as
``xsd:duration``, offsets as ``xsd:integer``, scores as ``xsd:decimal`` (no binary-float noise),
publication dates at the precision PubMed gives (``xsd:gYear``/``gYearMonth``/``date``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS, XSD
from rdflib.term import Node

from kb.namespaces import NAMESPACES

CB = Namespace(NAMESPACES["cb"])
MESH = Namespace(NAMESPACES["mesh"])
FABIO = Namespace(NAMESPACES["fabio"])
CITO = Namespace(NAMESPACES["cito"])
BIRO = Namespace(NAMESPACES["biro"])
PRISM = Namespace(NAMESPACES["prism"])
BIBO = Namespace(NAMESPACES["bibo"])

PREFIXES = {
    "cb": CB,
    "fabio": FABIO,
    "cito": CITO,
    "biro": BIRO,
    "prism": PRISM,
    "bibo": BIBO,
    "dcterms": DCTERMS,
    "prov": PROV,
    "skos": SKOS,
    "mesh": MESH,
}

Triple = tuple[Node, Node, Node]
Make = Callable[[Any], Node]

_XSD_DURATION = re.compile(
    r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?\Z"
)
_SINGLE = re.compile(r"P(?:(?P<n>\d+(?:\.\d+)?)(?P<unit>[YMWD])|T(?P<h>\d+(?:\.\d+)?)H)\Z")
_SECONDS = {"W": 7 * 86400, "D": 86400, "H": 3600}
_DATES = (
    (re.compile(r"\d{4}\Z"), XSD.gYear),
    (re.compile(r"\d{4}-\d{2}\Z"), XSD.gYearMonth),
    (re.compile(r"\d{4}-\d{2}-\d{2}\Z"), XSD.date),
)


def xsd_duration(iso: str) -> str | None:
    """An ISO 8601 duration in xsd:duration form, or None when XSD cannot hold it exactly.

    XSD has no weeks and allows a fraction only in seconds, so "P3W" → "P21D", "P1.5Y" →
    "P1Y6M", "PT1.5H" → "PT1H30M"; a fractional month ("P3.5M") has no exact form: None.
    """
    if _XSD_DURATION.match(iso):
        return iso
    single = _SINGLE.match(iso)
    if not single:
        return None
    if single.group("h"):
        return _from_seconds(Fraction(single.group("h")) * _SECONDS["H"])
    amount, unit = Fraction(single.group("n")), single.group("unit")
    if unit in _SECONDS:
        return _from_seconds(amount * _SECONDS[unit])
    total = amount * 12 if unit == "Y" else amount
    if total.denominator != 1:
        return None
    years, months = divmod(int(total), 12) if unit == "Y" else (0, int(total))
    return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")


def _from_seconds(total: Fraction) -> str:
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{int(n)}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n)
    if seconds:
        time += f"{Decimal(seconds.numerator) / Decimal(seconds.denominator)}S"
    return "P" + (f"{int(days)}D" if days or not time else "") + (f"T{time}" if time else "")


def value(raw: str) -> Literal:
    """An xsd:duration when ``raw`` is one XSD can hold ("P4M", "P3W" as "P21D"), else the string
    as written ("male", "P3.5M"): a value is kept, never rounded or dropped."""
    lexical = xsd_duration(raw)
    return Literal(lexical, datatype=XSD.duration) if lexical else Literal(raw)


def integer(n: int) -> Literal:
    return Literal(int(n), datatype=XSD.integer)


def decimal(x: float) -> Literal:
    """xsd:decimal from the float's shortest repr, so 0.38 stays "0.38"."""
    return Literal(Decimal(repr(float(x))), datatype=XSD.decimal)


def boolean(flag: bool) -> Literal:
    return Literal(bool(flag), datatype=XSD.boolean)


def text(s: str) -> Literal:
    return Literal(s)


def date(iso: str) -> Literal:
    """A PubMed date at its own precision: "2021" gYear, "2021-01" gYearMonth, else xsd:date."""
    for pattern, datatype in _DATES:
        if pattern.match(iso):
            return Literal(iso, datatype=datatype)
    return Literal(iso)


def date_time(iso: str) -> Literal:
    return Literal(iso, datatype=XSD.dateTime)


def optional(s: Node, p: URIRef, o: object, make: Make = text) -> Iterator[Triple]:
    """The triple (s, p, make(o)) when o is set (not None, not empty); nothing otherwise."""
    if o is not None and o != "" and o != []:
        yield (s, p, make(o))


def each(s: Node, p: URIRef, objects: Iterable[object], make: Make = text) -> Iterator[Triple]:
    for o in objects:
        yield from optional(s, p, o, make)
