"""``kb build``: seed → resolved references → PubMed records → PMC full texts → citing articles.

The network work happens here through ``EntrezClient``; everything it fetches is parsed into
records and saved in the data directory by ``kb.datadir.Build``. A request that fails for good
does not stop the build: it is reported (``BuildReport.failures``) and, since only clean answers
are cached, retried by the next run; what the data directory already had for it is kept
(``kb.keep``), so an outage never empties the KB.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass

from tqdm import tqdm

from ingest.entrez.client import EntrezClient
from ingest.entrez.errors import EntrezError
from ingest.entrez.resolve import Resolver
from kb.config import Settings
from kb.datadir import EXTRACTIONS, RECORDS, Build, BuildInfo, now_iso
from kb.keep import (
    keep_bulk,
    keep_cited_by,
    keep_fulltexts,
    keep_records,
    keep_resolutions,
    stored_build,
)
from kb.records import BuildReport, CitedBy, FullText, SeedDocument, TopicResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    cited_by: bool = False
    cited_by_limit: int = 20  # citing articles kept (and fetched) per reference
    full_text: bool = True
    extract: bool = True  # run the NLP extraction on everything fetched
    progress: bool = True
    topics: tuple[str, ...] = ()  # ESearch terms whose results join the KB (and are refreshed)
    topic_limit: int = 100  # results kept per topic (newest first)
    demo: bool = False  # the bundled synthetic demo (refresh serves its corpus again)


def build(
    seed: SeedDocument, settings: Settings, options: BuildOptions, seed_text: str | None = None
) -> Build:
    """Resolve, fetch, extract. ``seed_text`` is the seed file's text (its sections' offsets
    index it); without it the seed's own text is not extracted, only its citation contexts."""
    client = EntrezClient(settings)
    stored = stored_build(settings.data_dir)
    report = BuildReport(references=len(seed.references))
    resolver = Resolver(client)
    bar = tqdm(
        total=len(seed.references), desc="resolving", unit="ref", disable=not options.progress
    )
    with bar:
        looked_up = resolver.resolve(seed.references, progress=bar.update)
    report.failures += [
        f"reference {r.reference.number}: {r.detail}" for r in looked_up if r.reason == "failed"
    ]
    resolutions = keep_resolutions(stored, looked_up)
    report.resolved = dict(Counter(r.method for r in resolutions if r.resolved and r.method))
    report.unresolved = dict(Counter(r.reason for r in resolutions if not r.resolved and r.reason))

    resolved = [r.pmid for r in resolutions if r.pmid]
    cited_by = _cited_by(client, stored, resolved, options, report)
    topics = [search_topic(client, t, options.topic_limit, report) for t in options.topics]
    wanted = list(
        dict.fromkeys(
            resolved
            + [p for c in cited_by for p in c.cited_by]
            + [p for t in topics for p in t.pmids]
        )
    )
    _step(report, "fetching records", lambda: resolver.fetch(wanted))
    got = keep_records(
        stored, wanted, {p: resolver.records[p] for p in wanted if p in resolver.records}
    )
    records = [got[p] for p in wanted if p in got]
    report.missing = [p for p in wanted if p not in got]
    if report.missing:
        log.warning(
            "%d PMIDs returned no record: %s", len(report.missing), ", ".join(report.missing[:10])
        )

    fulltexts = _fulltexts(client, records, options, report)
    if options.full_text:
        fulltexts = keep_fulltexts(stored, sorted({r.pmcid for r in records if r.pmcid}), fulltexts)
    extractions = _extract(seed, seed_text, resolutions, records, fulltexts, options, settings)
    report.findings = sum(len(e.findings) for e in extractions)
    report.cases = sum(len(e.cases) for e in extractions)
    report.records = len(records)
    bulk_records, bulk_extractions = keep_bulk(stored, {r.pmid for r in records})
    report.requests = client.stats.requests
    report.cache_hits = client.stats.cache_hits
    info = BuildInfo(
        report=report,
        finished_at=now_iso(),
        seed=seed.source,
        eutils_url=settings.eutils_url,
        options=options_record(options),
        checked_at=today(),
    )
    return Build(
        seed, resolutions, RECORDS.of(records) + bulk_records, fulltexts, cited_by, info,
        EXTRACTIONS.of(extractions) + bulk_extractions, topics,
    )  # fmt: skip


def options_record(options: BuildOptions) -> dict[str, str]:
    """The options a refresh must repeat, as build.json keeps them."""
    return {
        "cited_by": str(options.cited_by),
        "cited_by_limit": str(options.cited_by_limit),
        "full_text": str(options.full_text),
        "extract": str(options.extract),
        "topic_limit": str(options.topic_limit),
        "demo": str(options.demo),
    }


def options_from(record: dict[str, str], progress: bool = True) -> BuildOptions:
    """The BuildOptions a build.json recorded (defaults for what an older build did not)."""
    default = BuildOptions()

    def flag(name: str, fallback: bool) -> bool:
        return record.get(name, str(fallback)) == "True"

    return BuildOptions(
        cited_by=flag("cited_by", default.cited_by),
        cited_by_limit=int(record.get("cited_by_limit", default.cited_by_limit)),
        full_text=flag("full_text", default.full_text),
        extract=flag("extract", default.extract),
        progress=progress,
        topic_limit=int(record.get("topic_limit", default.topic_limit)),
        demo=flag("demo", default.demo),
    )


def today() -> str:
    """Today in UTC as PubMed writes dates in searches ("2026/11/25")."""
    return time.strftime("%Y/%m/%d", time.gmtime())


def search_topic(
    client: EntrezClient, term: str, limit: int, report: BuildReport, since: str = ""
) -> TopicResult:
    """The newest ``limit`` PMIDs for a topic term (added to PubMed on or after ``since``)."""
    query = f"({term}) AND {since}:3000/12/31[edat]" if since else term
    result = TopicResult(term)
    try:
        found = client.esearch(query, retmax=limit)
    except EntrezError as exc:
        log.error("topic %r: %s", term, exc)
        report.failures.append(str(exc))
        return result
    result.pmids = sorted(found.ids, key=int, reverse=True)[:limit]
    result.total = found.count
    return result


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
    stored: Build | None,
    pmids: list[str],
    options: BuildOptions,
    report: BuildReport,
) -> list[CitedBy]:
    if not options.cited_by or not pmids:
        return []
    links: dict[str, list[str]] = {}
    linked = _step(
        report, "linking citing articles", lambda: links.update(client.elink_citedin(pmids))
    )
    out = []
    for pmid in dict.fromkeys(pmids):
        citing = sorted(links.get(pmid, []), key=int, reverse=True)  # newest PMIDs first
        out.append(CitedBy(pmid, citing[: options.cited_by_limit], total=len(citing)))
    if not linked:
        out = keep_cited_by(stored, out)
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


def _step(report: BuildReport, what: str, action) -> bool:
    """Run one fetching step; a failure is reported (False), the build goes on."""
    try:
        action()
    except EntrezError as exc:
        log.error("%s: %s", what, exc)
        report.failures.append(str(exc))
        return False
    return True
