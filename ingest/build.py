"""``kb build``: seed → resolved references → PubMed records → PMC full texts → citing articles.

The network work happens here through ``EntrezClient``; everything it fetches is parsed into
records and saved in the data directory by ``kb.datadir.Build``. A request that fails for good
does not stop the build: it is reported (``BuildReport.failures``) and, since only clean answers
are cached, retried by the next run.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from tqdm import tqdm

from ingest.entrez.client import EntrezClient
from ingest.entrez.errors import EntrezError
from ingest.entrez.resolve import Resolver
from kb.config import Settings
from kb.datadir import Build, BuildInfo, now_iso
from kb.records import BuildReport, CitedBy, FullText, SeedDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    cited_by: bool = False
    cited_by_limit: int = 20  # citing articles kept (and fetched) per reference
    full_text: bool = True
    extract: bool = True  # run the NLP extraction on everything fetched
    progress: bool = True


def build(
    seed: SeedDocument, settings: Settings, options: BuildOptions, seed_text: str | None = None
) -> Build:
    """Resolve, fetch, extract. ``seed_text`` is the seed file's text (its sections' offsets
    index it); without it the seed's own text is not extracted, only its citation contexts."""
    client = EntrezClient(settings)
    report = BuildReport(references=len(seed.references))
    resolver = Resolver(client)
    bar = tqdm(
        total=len(seed.references), desc="resolving", unit="ref", disable=not options.progress
    )
    with bar:
        resolutions = resolver.resolve(seed.references, progress=bar.update)
    report.resolved = dict(Counter(r.method for r in resolutions if r.resolved))
    report.unresolved = dict(Counter(r.reason for r in resolutions if not r.resolved))
    report.failures += [
        f"reference {r.reference.number}: {r.detail}" for r in resolutions if r.reason == "failed"
    ]

    resolved = [r.pmid for r in resolutions if r.pmid]
    cited_by = _cited_by(client, resolver, resolved, options, report)
    wanted = list(dict.fromkeys(resolved + [p for c in cited_by for p in c.cited_by]))
    _step(report, "fetching records", lambda: resolver.fetch(wanted))
    records = [resolver.records[p] for p in wanted if p in resolver.records]
    report.missing = [p for p in wanted if p not in resolver.records]
    if report.missing:
        log.warning(
            "%d PMIDs returned no record: %s", len(report.missing), ", ".join(report.missing[:10])
        )

    fulltexts = _fulltexts(client, records, options, report)
    extractions = _extract(seed, seed_text, resolutions, records, fulltexts, options, settings)
    report.findings = sum(len(e.findings) for e in extractions)
    report.cases = sum(len(e.cases) for e in extractions)
    report.records = len(records)
    report.requests = client.stats.requests
    report.cache_hits = client.stats.cache_hits
    info = BuildInfo(
        report=report,
        finished_at=now_iso(),
        seed=seed.source,
        eutils_url=settings.eutils_url,
        options={"cited_by": str(options.cited_by), "cited_by_limit": str(options.cited_by_limit)},
    )
    return Build(seed, resolutions, records, fulltexts, cited_by, info, extractions)


def _extract(
    seed, seed_text, resolutions, records, fulltexts, options: BuildOptions, settings: Settings
) -> list:
    if not options.extract:
        return []
    from ingest.nlp.run import extract_all  # spaCy loads only when extraction runs

    total = 1 + len(records) + len(fulltexts)
    with tqdm(total=total, desc="extracting", unit="doc", disable=not options.progress) as bar:
        return extract_all(
            seed, seed_text, resolutions, records, fulltexts, bar.update, settings.nlp_config
        )


def _cited_by(
    client: EntrezClient,
    resolver: Resolver,
    pmids: list[str],
    options: BuildOptions,
    report: BuildReport,
) -> list[CitedBy]:
    if not options.cited_by or not pmids:
        return []
    links: dict[str, list[str]] = {}
    _step(report, "linking citing articles", lambda: links.update(client.elink_citedin(pmids)))
    out = []
    for pmid in dict.fromkeys(pmids):
        citing = sorted(links.get(pmid, []), key=int, reverse=True)  # newest PMIDs first
        out.append(CitedBy(pmid, citing[: options.cited_by_limit], total=len(citing)))
    report.cited_by = len({p for c in out for p in c.cited_by})
    return out


def _fulltexts(
    client: EntrezClient, records: list, options: BuildOptions, report: BuildReport
) -> list[FullText]:
    pmcids = sorted({r.pmcid for r in records if r.pmcid})
    if not options.full_text or not pmcids:
        return []
    texts: list[FullText] = []
    bar = tqdm(total=len(pmcids), desc="full texts", unit="article", disable=not options.progress)
    with bar:
        for i in range(0, len(pmcids), 20):
            batch = pmcids[i : i + 20]
            _step(report, f"PMC {batch[0]}…", lambda b=batch: texts.extend(client.efetch_pmc(b)))
            bar.update(len(batch))
    report.full_texts = sum(1 for t in texts if t.open_access)
    report.abstract_only = len(pmcids) - report.full_texts
    return texts


def _step(report: BuildReport, what: str, action) -> None:
    try:
        action()
    except EntrezError as exc:
        log.error("%s: %s", what, exc)
        report.failures.append(str(exc))
