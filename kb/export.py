"""``kb export``: the knowledge base in formats other tools read.

RDF (N-Quads, TriG, JSON-LD) comes from the store, so an export is exactly what queries see;
the evidence table (CSV) and the bibliography (RIS, BibTeX) come from the build's records,
which keep fields the graph flattens. Every renderer is pure (records in, text out); only
``kb export`` (kb/cli/export.py) reads the data directory and writes the output.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.escape import csv_cell
from kb.namespaces import NAMESPACES

if TYPE_CHECKING:  # the data files are read only when rendering: `kb ask` imports the CLI
    from kb.datadir import Build
    from kb.records import Extraction, PubmedRecord, Reference, Resolution

FORMATS = ("trig", "nquads", "jsonld", "csv", "ris", "bibtex")

# the prefixes the exports declare, in this order
PREFIXES = {p: NAMESPACES[p] for p in ("cb", "skos", "prov", "cito", "fabio", "dcterms", "prism",
                                        "biro", "bibo", "mesh", "rdfs", "xsd")}  # fmt: skip

EVIDENCE_COLUMNS = [
    "finding", "subject", "kind", "concept", "label", "text", "assertion", "value",
    "document", "method", "section", "sentence", "start", "end", "span_start", "span_end",
    "extractor", "version", "score", "source_status",
]  # fmt: skip
"""``source_status``: "retracted" or "corrected" when the finding's article is, else empty."""


def render(fmt: str, data_dir: Path) -> bytes:
    """The export of one format: RDF from the store, tables and references from the build."""
    if fmt in ("nquads", "trig", "jsonld"):
        nquads = store_nquads(data_dir)
        return nquads if fmt == "nquads" else rdf_as(nquads, fmt).encode("utf-8")
    from kb.datadir import Build

    build = Build.load(data_dir)
    if fmt == "csv":
        statuses = source_statuses(build.records)
        return evidence_csv(evidence_rows(build.extractions, statuses)).encode("utf-8")
    entries = bibliography(build)
    if fmt == "ris":
        return to_ris(entries).encode("utf-8")
    if fmt == "bibtex":
        return to_bibtex(entries).encode("utf-8")
    raise ValueError(f"unknown export format {fmt!r}")


# --------------------------------------------------------------------------- RDF


def store_nquads(data_dir: Path) -> bytes:
    """The current store version as sorted N-Quads (sorted: the same store, the same bytes)."""
    import pyoxigraph as ox

    from kb.store import open_store

    store = open_store(data_dir)
    dump = store.dump(format=ox.RdfFormat.N_QUADS)
    return sort_nquads(dump or b"")


def sort_nquads(data: bytes) -> bytes:
    lines = sorted({line for line in data.splitlines() if line.strip()})
    return b"".join(line + b"\n" for line in lines)


def rdf_as(nquads: bytes, fmt: str) -> str:
    """The same dataset as TriG or JSON-LD, with the project's prefixes for readability."""
    from rdflib import Dataset

    dataset = Dataset()
    dataset.parse(data=nquads.decode("utf-8"), format="nquads")
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    if fmt == "trig":
        return dataset.serialize(format="trig")
    if fmt == "jsonld":
        return dataset.serialize(format="json-ld", context=dict(PREFIXES), indent=1)
    raise ValueError(f"not an RDF export format: {fmt!r}")


# --------------------------------------------------------------------------- evidence table


def source_statuses(records: Iterable[PubmedRecord]) -> dict[str, str]:
    """Document id ("pmid:1", "pmc:PMC2") → "retracted" / "corrected", for the flagged ones."""
    out: dict[str, str] = {}
    for r in records:
        if r.source_status:
            out[f"pmid:{r.pmid}"] = r.source_status
            if r.pmcid:
                out[f"pmc:PMC{r.pmcid.removeprefix('PMC')}"] = r.source_status
    return out


def evidence_rows(
    extractions: Iterable[Extraction], statuses: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """One row per finding, with its full provenance: the table a reviewer checks by hand;
    ``statuses``: document id → "retracted" / "corrected" (``source_statuses``)."""
    statuses = statuses or {}
    rows = []
    for ex in extractions:
        for f in ex.findings:
            e = f.evidence
            document = e.document.split("#")[0]
            values = [
                f.id, f.subject, f.kind, f.concept, f.label, f.text, f.assertion, f.value,
                e.document, e.method, e.section, e.sentence, e.start, e.end, e.span_start,
                e.span_end, e.extractor, e.version, e.score, statuses.get(document),
            ]  # fmt: skip
            cells = ["" if v is None else str(v) for v in values]
            rows.append(dict(zip(EVIDENCE_COLUMNS, cells, strict=True)))
    return rows


def evidence_csv(rows: Sequence[dict[str, str]]) -> str:
    """RFC 4180 CSV: sentences hold commas, quotes and newlines, so every cell is quoted
    as needed by the csv module rather than by hand; a cell a spreadsheet would run as a
    formula is made text (``kb.escape.csv_cell``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EVIDENCE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


# --------------------------------------------------------------------------- bibliography


@dataclass
class BibEntry:
    """One reference of the seed, as a reference manager wants it."""

    number: int
    authors: list[str] = field(default_factory=list)  # "Last, Initials" (or a group name)
    title: str | None = None
    journal: str | None = None  # full title when PubMed gave one
    journal_abbrev: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    note: str = ""  # how the reference was resolved, or why it was not
    status: str | None = None  # "retracted" / "corrected" (kb.records.PubmedRecord.source_status)

    @property
    def full_note(self) -> str:
        """The note a reference manager shows: the status first, where a reader sees it."""
        flag = f"{self.status.upper()}; " if self.status else ""
        return f"{flag}Seed reference {self.number}; {self.note}"


def bibliography(build: Build) -> list[BibEntry]:
    """The seed's references in order: PubMed's metadata when resolved, else the parsed fields."""
    resolutions = {r.reference.number: r for r in build.resolutions}
    records = {r.pmid: r for r in build.records}
    entries = []
    for ref in build.seed.references:
        res = resolutions.get(ref.number)
        record = records.get(res.pmid) if res and res.pmid else None
        entries.append(bib_entry(ref, res, record))
    return entries


def bib_entry(ref: Reference, res: Resolution | None, record: PubmedRecord | None) -> BibEntry:
    note = resolution_note(res)
    if record is None:
        return BibEntry(
            number=ref.number,
            authors=[reference_author(a) for a in ref.authors],
            title=_title(ref.title),
            journal=ref.journal,
            journal_abbrev=ref.journal,
            year=ref.year,
            volume=ref.volume,
            issue=ref.issue,
            pages=ref.pages,
            doi=ref.doi,
            pmid=(res.pmid if res else None) or ref.pmid,
            note=note,
        )
    authors = [
        a.collective_name or ", ".join(p for p in (a.last_name, a.initials) if p)
        for a in record.authors
    ]
    return BibEntry(
        number=ref.number,
        authors=[a for a in authors if a],
        title=_title(record.title),
        journal=record.journal or record.journal_abbrev,
        journal_abbrev=record.journal_abbrev or record.journal,
        year=record.year,
        volume=record.volume,
        issue=record.issue,
        pages=record.pages,
        doi=record.doi,
        pmid=record.pmid,
        pmcid=record.pmcid,
        note=note,
        status=record.source_status,
    )


def resolution_note(res: Resolution | None) -> str:
    if res is None:
        return "not resolved"
    if res.resolved:
        score = f", score {res.score:.2f}" if res.score is not None else ""
        return f"resolved to PMID {res.pmid} by {res.method}{score}"
    detail = f": {res.detail}" if res.detail else ""
    return f"unresolved ({res.reason}){detail}"


def reference_author(name: str) -> str:
    """ "Mishra V" → "Mishra, V": the trailing initials split off the surname."""
    parts = name.split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}", parts[-1]):
        return f"{' '.join(parts[:-1])}, {parts[-1]}"
    return name


def _title(title: str | None) -> str | None:
    """PubMed ends titles with a period; a bibliography adds its own punctuation."""
    if not title:
        return None
    title = title.strip()
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def page_range(pages: str | None) -> tuple[str | None, str | None]:
    """ "14-8" → ("14", "18"): MEDLINE abbreviates last pages; reference managers do not."""
    if not pages:
        return None, None
    first, _, last = pages.replace("–", "-").partition("-")
    first, last = first.strip(), last.strip()
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first or None, last or None


# RIS ------------------------------------------------------------------------


def to_ris(entries: Iterable[BibEntry]) -> str:
    return "".join(ris_record(e) + "\n" for e in entries)


def ris_record(e: BibEntry) -> str:
    first, last = page_range(e.pages)
    tags: list[tuple[str, str | None]] = [("TY", "JOUR")]
    tags += [("AU", a) for a in e.authors]
    tags += [
        ("TI", e.title),
        ("T2", e.journal),
        ("JO", e.journal_abbrev),
        ("PY", str(e.year) if e.year else None),
        ("VL", e.volume),
        ("IS", e.issue),
        ("SP", first),
        ("EP", last),
        ("DO", e.doi),
        ("AN", e.pmid),
        ("N1", f"PMCID: {e.pmcid}" if e.pmcid else None),
        ("N1", e.full_note),
    ]
    lines = [f"{tag}  - {_one_line(value)}" for tag, value in tags if value]
    return "\n".join([*lines, "ER  - "]) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# BibTeX ---------------------------------------------------------------------

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
}


def bibtex_escape(text: str) -> str:
    """Escape TeX's special characters in one pass (so a backslash added is not re-escaped);
    non-ASCII stays UTF-8, which biber and bibtex8 read."""
    return re.sub(r"[\\{}&%$#_]", lambda m: _BIBTEX_SPECIAL[m.group(0)], _one_line(text))


def bibtex_keys(entries: Sequence[BibEntry]) -> list[str]:
    """Surname + year, with a, b, … on every entry of a clashing key: stable across exports."""
    bases = [_key_base(e) for e in entries]
    counts = Counter(bases)
    seen: Counter[str] = Counter()
    keys = []
    for base in bases:
        if counts[base] > 1:
            keys.append(base + _suffix(seen[base]))
            seen[base] += 1
        else:
            keys.append(base)
    return keys


# letters NFKD does not decompose into ASCII ones
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                       "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH",
                       "ı": "i"})  # fmt: skip


def _key_base(e: BibEntry) -> str:
    surname = e.authors[0].split(",")[0] if e.authors else "anon"
    folded = unicodedata.normalize("NFKD", surname.translate(_FOLD))
    ascii_name = folded.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]", "", ascii_name).lower() or "anon"
    return f"{name}{e.year or 'nd'}"


def _suffix(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


def to_bibtex(entries: Sequence[BibEntry]) -> str:
    keys = bibtex_keys(entries)
    return "\n".join(bibtex_entry(k, e) for k, e in zip(keys, entries, strict=True))


def bibtex_entry(key: str, e: BibEntry) -> str:
    first, last = page_range(e.pages)
    pages = f"{first}--{last}" if first and last else first
    authors = " and ".join(
        bibtex_escape(a) if "," in a else "{" + bibtex_escape(a) + "}" for a in e.authors
    )  # a name without a comma is a group: braced, so BibTeX does not split it
    fields = [
        ("author", authors or None),
        ("title", bibtex_escape(e.title) if e.title else None),
        ("journal", bibtex_escape(e.journal) if e.journal else None),
        ("year", str(e.year) if e.year else None),
        ("volume", bibtex_escape(e.volume) if e.volume else None),
        ("number", bibtex_escape(e.issue) if e.issue else None),
        ("pages", bibtex_escape(pages) if pages else None),
        ("doi", bibtex_escape(e.doi) if e.doi else None),
        ("pmid", e.pmid),
        ("pmcid", e.pmcid),
        ("note", bibtex_escape(e.full_note)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@article{{{key},\n{body}\n}}\n"
