"""Never lose records because of upstream faults.

A build asks upstream again for everything (``--no-cache``, ``--max-age``); when a request fails
for good, or answers without a record it should hold, what the data directory already had for
it is kept — the resolution, the record, the full text, the citing articles — and a warning says
so. The next run asks again. ``refuse_loss`` is the last guard before publishing: a new version
that would hold fewer records than the stored one while requests failed is not published.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kb.datadir import Build
from kb.errors import UpstreamFailed
from kb.lines import Lines
from kb.records import CitedBy, Extraction, FullText, PubmedRecord, Resolution

log = logging.getLogger(__name__)


class WouldLose(UpstreamFailed):
    """Publishing would drop stored records only because upstream failed: refused."""


def stored_build(data_dir: Path) -> Build | None:
    """The build the data directory holds, or None when there is none yet."""
    if not (data_dir / "build.json").exists():
        return None
    return Build.load(data_dir)


def keep_resolutions(stored: Build | None, resolutions: list[Resolution]) -> list[Resolution]:
    """Each reference whose lookup failed (a request failed for good, or a wrong answer) keeps
    its stored resolution: an upstream fault never makes a found article ``not_in_pubmed``."""
    if stored is None:
        return resolutions
    before = {(r.reference.number, r.reference.raw): r for r in stored.resolutions}
    out, kept = [], []
    for res in resolutions:
        old = before.get((res.reference.number, res.reference.raw))
        if res.reason == "failed" and old is not None and old.reason != "failed":
            out.append(old)
            kept.append(str(res.reference.number))
        else:
            out.append(res)
    if kept:
        log.warning(
            "lookups of references %s failed: their stored resolutions are kept (rerun to retry)",
            ", ".join(kept),
        )
    return out


def keep_records(
    stored: Build | None, wanted: list[str], got: dict[str, PubmedRecord]
) -> dict[str, PubmedRecord]:
    """``got`` plus the stored record of each wanted PMID upstream did not give this time."""
    if stored is None:
        return got
    before = {r.pmid: r for r in stored.records}
    kept = {p: before[p] for p in wanted if p not in got and p in before}
    if kept:
        log.warning(
            "%d records were not fetched this time (%s): the stored ones are kept",
            len(kept),
            _ids(list(kept)),
        )
    return {**got, **kept}


def keep_fulltexts(stored: Build | None, pmcids: list[str], got: list[FullText]) -> list[FullText]:
    """``got`` plus the stored full text of each PMCID upstream did not give this time."""
    if stored is None:
        return got
    have = {t.pmcid for t in got}
    kept = [t for t in stored.fulltexts if t.pmcid in set(pmcids) - have]
    if kept:
        log.warning(
            "%d full texts were not fetched this time (%s): the stored ones are kept",
            len(kept),
            _ids([t.pmcid for t in kept]),
        )
    return sorted([*got, *kept], key=lambda t: t.pmcid)


def keep_cited_by(stored: Build | None, cited_by: list[CitedBy]) -> list[CitedBy]:
    """When the citing-article lookup failed: the stored links of each reference."""
    if stored is None:
        return cited_by
    before = {c.pmid: c for c in stored.cited_by}
    log.warning("the citing-article lookup failed: the stored links are kept")
    return [before.get(c.pmid, c) for c in cited_by]


def owned_pmids(build: Build) -> set[str]:
    """The PMIDs a seed build fetched for itself — references, citing articles, topic results,
    full texts' articles. Any other record of a data directory came from ``kb bulk``."""
    return (
        {r.pmid for r in build.resolutions if r.pmid}
        | {p for c in build.cited_by for p in (c.pmid, *c.cited_by)}
        | {p for t in build.topics for p in t.pmids}
        | {t.pmid for t in build.fulltexts if t.pmid}
    )


def keep_bulk(
    stored: Build | None, fetched: set[str]
) -> tuple[Lines[PubmedRecord], Lines[Extraction]]:
    """The records ``kb bulk`` added to the stored KB (and their extractions), but those this
    build fetched itself: a build and a bulk load merge by PMID, neither drops the other's.
    They stay in the stored files' lines (a bulk KB's records are never all parsed)."""
    if stored is None or not isinstance(stored.records, Lines):
        return Lines(PubmedRecord, []), Lines(Extraction, [])
    owned = owned_pmids(stored) | fetched
    records = stored.records.where(lambda pmid: pmid not in owned)
    keep = set(records.keys())
    extractions: Lines[Extraction] = Lines(Extraction, [])
    if isinstance(stored.extractions, Lines):
        extractions = stored.extractions.where(lambda d: record_pmid(d) in keep)
    if records:
        log.info("%d records from kb bulk are kept beside the build's", len(records))
    return records, extractions


def record_pmid(document: str) -> str | None:
    """The PMID of a record's document ("pmid:1", "pmid:1#mesh"); None for the others."""
    base = document.split("#", 1)[0]
    return base.removeprefix("pmid:") if base.startswith("pmid:") else None


def refuse_loss(stored: Build | None, new: Build) -> None:
    """``WouldLose`` when ``new`` lacks stored records and some of its requests failed."""
    if stored is None or not new.info.report.failures:
        return
    lost = sorted({r.pmid for r in stored.records} - {r.pmid for r in new.records}, key=int)
    if lost:
        raise WouldLose(
            f"this build would drop {len(lost)} of {len(stored.records)} stored records "
            f"({_ids(lost)}) because {len(new.info.report.failures)} requests failed; "
            "the knowledge base is unchanged — rerun when E-utilities answers"
        )


def _ids(ids: list[str]) -> str:
    return ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
