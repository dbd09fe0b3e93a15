"""What a person reads in place of an IRI, an ISO duration or a raw number (pure functions).

The graph's IRIs are long (``…/id/case/pmid%3A99000001/1``); a table shows the short label
``PMID 99000001 · case 1`` instead, and ``kb show`` reads that label (or the IRI) back
(``parse_ref``), so what a table prints is what a user can ask about. Durations read as
"4 months", not ``P120D``; medians are whole days; a missing value is a dash, never
``None``/``nan``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from kb import iris
from kb.iris import BASE, MESH

MISSING = "—"
UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 30.4375, "Y": 365.25}
_UNIT_NAMES = {"Y": "year", "M": "month", "W": "week", "D": "day", "H": "hour", "S": "second"}
_ISO = re.compile(
    r"P(?=\d|T\d)(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<M>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<D>\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<TM>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<S>\d+(?:\.\d+)?)S)?)?\Z"
)
_DECIMAL = re.compile(r"-?\d+\.\d{3,}\Z")
_HEX_ID = re.compile(r"[0-9a-f]{12,64}\Z")


# --------------------------------------------------------------------------- durations


def amount(n: float, unit: str) -> str:
    """ "1 row", "2 rows", "1.5 months": a count or measure with its noun in number."""
    text = f"{n:g}" if n == int(n) else f"{n:.1f}".rstrip("0").rstrip(".")
    return f"{text} {unit}{'' if text == '1' else 's'}"


def human_days(days: float) -> str:
    """A number of days as people say it: "10 days", "3 weeks", "4 months", "2 years"."""
    if days < 14 or (days < 60 and days % 7):
        return amount(round(days, 1) if days < 1 else round(days), "day")
    if days < 91 and days % 7 == 0:
        return amount(days / 7, "week")
    if days < 730:
        months = days / UNIT_DAYS["M"]
        return amount(round(months) if abs(months - round(months)) < 0.15 else round(months, 1),
                       "month")  # fmt: skip
    years = days / UNIT_DAYS["Y"]
    return amount(round(years) if abs(years - round(years)) < 0.1 else round(years, 1), "year")


@functools.lru_cache(maxsize=4096)  # a table of times repeats the same few ("P4M")
def human_duration(iso: str) -> str | None:
    """An ISO 8601 duration in words ("P4M" → "4 months", "P120D" → "4 months", "P1Y6M" →
    "1 year 6 months"), or None when ``iso`` is not one."""
    match = _ISO.match(iso.strip())
    if not match:
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    if set(parts) == {"D"}:
        return human_days(parts["D"])
    names = {**_UNIT_NAMES, "TM": "minute"}
    return " ".join(amount(n, names[k]) for k, n in parts.items())


# --------------------------------------------------------------------------- IRIs


def _document_label(document: str) -> str:
    scheme, _, local = document.partition(":")
    if scheme == "pmid":
        return f"PMID {local}"
    if scheme == "pmc":
        return local
    if scheme == "seed":
        return f"seed {local}"
    return document


def iri_label(iri: str, concepts: Mapping[str, str] | None = None) -> str:
    """The short label of a Casebook IRI ("PMID 99000001 · case 1", a concept's label, an
    evidence's id); any other IRI as it is. ``concepts`` maps concept IRIs to labels."""
    if iri.startswith(MESH):
        return "mesh:" + iri.removeprefix(MESH)
    if not iri.startswith(BASE):
        return iri
    if concepts and iri in concepts:
        return concepts[iri]
    kind, _, rest = iri.removeprefix(BASE).partition("/")
    parts = [unquote(p) if "%" in p else p for p in rest.split("/")]
    if kind == "article" and len(parts) == 2:
        return _document_label(":".join(parts))
    if kind == "case" and len(parts) == 2:
        return f"{_document_label(parts[0])} · case {parts[1]}"
    if kind in ("evidence", "finding") and len(parts) == 1:
        return parts[0]
    if kind == "reference" and len(parts) == 2:
        return f"seed reference {parts[1]}"
    if kind == "concept":
        return ":".join(parts)  # "mesh/D…" → "mesh:D…"; no label known
    if kind == "run":
        return f"run {parts[0]}"
    return iri


@dataclass(frozen=True)
class Ref:
    """What ``kb show`` was asked about: the node's IRI and its kind."""

    kind: str  # article, case, evidence (a finding and its evidence share an id)
    iri: str


def parse_ref(text: str) -> Ref | None:
    """The node a label or id names: "PMID 99000001", "pmid:99000001", "99000001", "PMID
    99000001 · case 1", "case:pmid:99000001#1", "seed f0036fb653a4", "PMC123", a finding or
    evidence id, or any of their IRIs; None when it names none of these."""
    t = " ".join(text.strip().split())
    if t.startswith(BASE):
        kind = t.removeprefix(BASE).split("/", 1)[0]
        if kind in ("article", "case"):
            return Ref(kind, t)
        if kind in ("evidence", "finding"):
            return Ref("evidence", iris.BASE + "evidence/" + t.rsplit("/", 1)[-1])
        return None
    case = re.fullmatch(r"(?:case:)?(.+?)\s*(?:·|#|\s)\s*(?:case\s*)?(\d+)", t, re.IGNORECASE)
    if case and (document := _document_id(case[1])):
        return Ref("case", str(iris.case(f"case:{document}#{case[2]}")))
    if document := _document_id(t):
        return Ref("article", str(iris.article(document)))
    if _HEX_ID.fullmatch(t.lower()):
        return Ref("evidence", str(iris.evidence(t.lower())))
    return None


def _document_id(text: str) -> str | None:
    """ "PMID 1" / "pmid:1" / "1" → "pmid:1"; "seed abc" → "seed:abc"; "PMC1" → "pmc:PMC1"."""
    m = re.fullmatch(r"(?:pmid[:\s]\s*)?(\d{1,9})", text, re.IGNORECASE)
    if m:
        return f"pmid:{m[1]}"
    m = re.fullmatch(r"seed[:\s]\s*([0-9a-f]{12})", text, re.IGNORECASE)
    if m:
        return f"seed:{m[1].lower()}"
    m = re.fullmatch(r"(?:pmc:)?(PMC\d{1,10})", text, re.IGNORECASE)
    if m:
        return f"pmc:{m[1].upper()}"
    return None


# --------------------------------------------------------------------------- table cells


def cell(value: str | None, column: str = "", concepts: Mapping[str, str] | None = None) -> str:
    """One table cell as read: labels for IRIs, durations in words, a median in whole days,
    decimals rounded; a dash for a missing value."""
    if value is None or value.strip().lower() in ("", "none", "nan"):
        return MISSING
    if value.startswith(("http://", "https://")):
        return iri_label(value, concepts)
    if column == "median_days" or column.endswith("_days"):
        try:
            days = float(value)
        except ValueError:
            return value
        return MISSING if math.isnan(days) else amount(round(days), "day")
    if value.startswith("P") and (words := _durations(value)):
        return ", ".join(words)
    if _DECIMAL.match(value):
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    return value


def _durations(value: str) -> list[str] | None:
    """Each space-separated ISO duration of ``value`` in words; None at the first word that is
    none (a sentence starting with "P" stops at its first word)."""
    words = []
    for part in value.split():
        word = human_duration(part)
        if word is None:
            return None
        words.append(word)
    return words or None
