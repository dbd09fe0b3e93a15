"""The Downloads page's read model: the evidence table, bibliography and store exports."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from kb.export import BibEntry
from kb.read.article_detail import authors
from kb.read.base import PREFIXES, QueryStoreLike, as_int, select_rows
from kb.store import current_version

EVIDENCE_TABLE = """
SELECT ?finding ?subject ?kind ?concept ?label ?text ?assertion ?value ?document ?method ?section
       ?sentence ?start ?end ?span_start ?span_end ?extractor ?version ?score ?source_status
WHERE {
  ?f a cb:Finding ; cb:subject ?s ; cb:kind/skos:notation ?kind ; cb:concept ?c ; rdfs:label ?label ;
     cb:assertion ?assertion ; cb:evidence ?e ; cb:text ?text .
  ?c skos:notation ?concept .
  ?e cb:sourceText ?document ; cb:method ?method ; cb:section ?section ; cb:sentence ?sentence ;
     cb:start ?start ; cb:end ?end ; cb:spanStart ?span_start ; cb:spanEnd ?span_end ;
     cb:extractor ?extractor ; cb:extractorVersion ?version ; cb:score ?score ;
     prov:wasDerivedFrom ?from .
  OPTIONAL { ?f cb:value ?value }
  OPTIONAL { ?from cb:sourceStatus ?source_status }
  BIND(STRAFTER(STR(?f), "/finding/") AS ?finding)
  BIND(STR(?s) AS ?subject)
}
"""


def evidence_table(
    store: QueryStoreLike, limit: int = 200_000
) -> tuple[list[dict[str, str]], bool]:
    """One row per finding in ``kb.export.EVIDENCE_COLUMNS`` (the ``kb export --format csv``
    columns; a subject is its IRI here), and whether ``limit`` cut the table."""
    result = store.query(PREFIXES + EVIDENCE_TABLE, None, limit)
    rows = [
        {c: "" if v is None else v for c, v in zip(result.columns, row, strict=True)}
        for row in result.rows
    ]
    for r in rows:
        r["finding"] = unquote(r["finding"])
    rows.sort(key=lambda r: (r["document"], as_int(r["start"]), r["finding"]))  # ORDER BY is slower
    return rows, result.truncated


BIBLIOGRAPHY = """
SELECT ?number ?raw ?rtitle ?method ?score ?reason ?detail ?article ?title ?journal ?year ?volume
       ?issue ?pages ?doi ?pmid ?pmcid ?status
WHERE {
  ?seed a cb:SeedArticle ; cb:hasReference ?ref .
  ?ref cb:number ?number ; cb:rawText ?raw .
  OPTIONAL { ?ref dcterms:title ?rtitle }
  OPTIONAL { ?ref cb:resolutionMethod ?method }
  OPTIONAL { ?ref cb:resolutionScore ?score }
  OPTIONAL { ?ref cb:unresolvedReason ?reason }
  OPTIONAL { ?ref cb:resolutionDetail ?detail }
  OPTIONAL {
    ?ref cb:resolvedTo ?article . ?article fabio:hasPubMedId ?pmid .
    OPTIONAL { ?article dcterms:title ?title }
    OPTIONAL { ?article prism:publicationName ?journal }
    OPTIONAL { ?article fabio:hasPublicationYear ?year }
    OPTIONAL { ?article prism:volume ?volume }
    OPTIONAL { ?article prism:number ?issue }
    OPTIONAL { ?article prism:pageRange ?pages }
    OPTIONAL { ?article prism:doi ?doi }
    OPTIONAL { ?article fabio:hasPubMedCentralId ?pmcid }
    OPTIONAL { ?article cb:sourceStatus ?status }
  }
}
ORDER BY ?number
"""


def bibliography(store: QueryStoreLike) -> list[BibEntry]:
    """The seed's references as ``kb.export.BibEntry`` from the graph alone (for RIS/BibTeX):
    PubMed's metadata when resolved and fetched, else the reference's raw text as its title."""
    entries: dict[int, BibEntry] = {}
    rows = select_rows(store, BIBLIOGRAPHY, limit=5000)
    names = authors(store, sorted({r["article"] for r in rows if r["pmid"]}))
    for r in rows:
        number = as_int(r["number"])
        if number in entries:
            continue
        if r["pmid"]:
            note = f"resolved to PMID {r['pmid']} by {r['method']}"
            if r["score"]:
                note += f", score {float(r['score']):.2f}"
            title = (r["title"] or "").strip()
            title = title[:-1] if title.endswith(".") and not title.endswith("..") else title
            entries[number] = BibEntry(
                number=number,
                authors=[_author(a) for a in names.get(r["article"], [])],
                title=title or None,
                journal=r["journal"],
                journal_abbrev=r["journal"],
                year=as_int(r["year"]) or None,
                volume=r["volume"],
                issue=r["issue"],
                pages=r["pages"],
                doi=r["doi"],
                pmid=r["pmid"],
                pmcid=r["pmcid"],
                note=note,
                status=r["status"],
            )
        else:
            reason = r["reason"] or "not resolved"
            note = f"unresolved ({reason})" + (f": {r['detail']}" if r["detail"] else "")
            entries[number] = BibEntry(number=number, title=r["rtitle"] or r["raw"], note=note)
    return [entries[n] for n in sorted(entries)]


def _author(display: str) -> str:
    """ "Lindqvist MR" → "Lindqvist, MR" (PubMed display names: surname, then initials)."""
    parts = display.split()
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{1,4}", parts[-1]):
        return f"{' '.join(parts[:-1])}, {parts[-1]}"
    return display


def store_bytes(data_dir: Path) -> int:
    """The size on disk of the current store version (0 without one): a free gauge of how
    big an export would be, where counting the quads would scan them all."""
    path = current_version(Path(data_dir))
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path else 0


def store_quads(store: QueryStoreLike) -> int:
    rows = select_rows(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return as_int(rows[0]["n"]) if rows else 0


DOWNLOADS = ("evidence", "ris", "bibtex", "nquads", "trig")


def download(store: QueryStoreLike, data_dir: Path, fmt: str) -> bytes:
    """One export as bytes, made in memory from the graph with ``kb.export``'s renderers: the
    evidence table (CSV), the seed's references (RIS, BibTeX), the graph (N-Quads, TriG)."""
    from kb import export

    if fmt == "evidence":
        rows, _ = evidence_table(store)
        return export.evidence_csv(rows).encode("utf-8")
    if fmt == "ris":
        return export.to_ris(bibliography(store)).encode("utf-8")
    if fmt == "bibtex":
        return export.to_bibtex(bibliography(store)).encode("utf-8")
    if fmt in ("nquads", "trig"):
        nquads = export.store_nquads(Path(data_dir))
        return nquads if fmt == "nquads" else export.rdf_as(nquads, "trig").encode("utf-8")
    raise ValueError(f"unknown download {fmt!r} (known: {', '.join(DOWNLOADS)})")
