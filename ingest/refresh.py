"""``kb refresh``: bring an existing KB up to date with PubMed, incrementally.

1. Revisions: every known PMID is posted to the history server (EPost, 10,000 a time) and
   searched for records modified since the last check ([mdat]); PMIDs PubMed no longer has
   (deleted, merged) are reported and kept as last seen.
2. New citing articles (ELink, when the KB follows them) and new results of the KB's topic
   queries since the last check ([edat]).
3. Only the modified and new records are fetched (EFetch), compared with what the KB holds,
   classified (added, revised, retracted, corrected, unchanged) and re-extracted.
4. The document graphs whose inputs changed are replaced in a new store version, switched in
   atomically (``kb.publish.publish_changes``); a refresh that changed nothing writes no graph.

Upstream answers are never read from the cache here (they are about now). A request that fails
for good is reported; the last-check date then stays where it was, so the next run looks again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ingest.build import BuildOptions, options_from, search_topic, today
from ingest.entrez.client import EntrezClient
from ingest.entrez.errors import EntrezError
from kb import __version__, failpoints
from kb.config import Settings
from kb.datadir import EXTRACTIONS, RECORDS, Build, ListFile
from kb.graph import Sources, document_ids, index
from kb.lines import ByKey, Lines
from kb.publish import ensure_store, publish_changes
from kb.records import BuildReport, CitedBy, PubmedRecord, RefreshReport, RunRecord

log = logging.getLogger(__name__)

CORRECTIONS = {"ErratumIn", "CorrectedandRepublishedIn", "ExpressionOfConcernIn", "UpdateIn"}


def refresh(data_dir: Path, settings: Settings, progress: bool = True) -> RefreshReport:
    """Refresh the KB in ``data_dir``; returns the change report (also in the run history)."""
    started = time.perf_counter()
    old = Build.load(data_dir)
    ensure_store(old, data_dir)
    options = options_from(old.info.options, progress)
    with _upstream(settings, options) as settings:
        client = EntrezClient(dataclasses.replace(settings, use_cache=False, offline=False))
        new, report = _update(old, client, options)
    failpoints.reach("refresh:fetched")
    report.requests = client.stats.requests
    documents = changed_documents(old, new)
    report.documents = documents
    if documents or new.topics != old.topics:
        new.runs = [*old.runs, _run_record(report, old.runs)]
        publish_changes(new, data_dir, documents)
    elif new.info != old.info:
        new.info.store_version = old.info.store_version
        new.save(data_dir)  # only the last-check date moved: the graph stays byte-identical
    report.seconds = time.perf_counter() - started
    return report


def _update(old: Build, client: EntrezClient, options: BuildOptions) -> tuple[Build, RefreshReport]:
    """The refreshed build (the same build when nothing changed upstream) and its report."""
    report = RefreshReport(checked=len(old.records))
    failures = BuildReport()  # collects failure lines from the build helpers
    day = today()
    since = old.info.checked_at or "1900/01/01"  # a KB from before refresh existed: check all
    held = _lines(old.records, RECORDS)
    known = held.by_key()  # PMID → record, parsed only when looked up (a bulk KB holds 100,000s)

    modified: list[str] = []
    try:
        modified, report.deleted = client.modified_since(list(known), since)
    except EntrezError as exc:
        report.failed.append(f"revision check: {exc}")

    cited_by = {c.pmid: c for c in old.cited_by}
    if options.cited_by:
        cited_by = _citing(client, old, options, report) or cited_by

    topics = []
    for topic in old.topics:
        found = search_topic(client, topic.term, options.topic_limit, failures, since=since)
        fresh = [p for p in found.pmids if p not in topic.pmids]
        pmids = sorted({*topic.pmids, *fresh}, key=int, reverse=True)[: options.topic_limit]
        topics.append(dataclasses.replace(topic, pmids=pmids, total=topic.total + len(fresh)))

    wanted = [*modified]
    wanted += [p for c in cited_by.values() for p in c.cited_by if p not in known]
    wanted += [p for t in topics for p in t.pmids if p not in known]
    wanted = [p for p in dict.fromkeys(wanted) if p not in report.deleted]
    fetched: list[PubmedRecord] = []
    try:
        fetched = client.efetch_pubmed(wanted)
    except EntrezError as exc:
        report.failed.append(f"fetching {len(wanted)} records: {exc}")
    else:
        _missing(report, "records", wanted, [r.pmid for r in fetched])

    candidates = [r for r in fetched if known.get(r.pmid) != r]
    refetched = _fulltexts(client, candidates, options, report)
    if options.full_text:  # a record whose full text did not come stays as it was: retried
        have = {t.pmcid for t in refetched}
        candidates = [r for r in candidates if not r.pmcid or r.pmcid in have]
    changed: list[PubmedRecord] = []
    for record in candidates:
        before = known.get(record.pmid)
        if before is None:
            report.added.append(record.pmid)
        else:
            report.revised.append(record.pmid)
            if record.retracted and not before.retracted:
                report.retracted.append(record.pmid)
            if _corrections(record) - _corrections(before):
                report.corrected.append(record.pmid)
        changed.append(record)
    report.unchanged = len(known) - len(report.revised) - len(report.deleted)

    revised = {r.pmid for r in changed}
    records = held.where(lambda pmid: pmid not in revised) + RECORDS.of(changed)
    fulltexts = {t.pmcid: t for t in old.fulltexts}
    fulltexts |= {t.pmcid: t for t in refetched if t.pmcid in {r.pmcid for r in changed}}
    extractions = _lines(old.extractions, EXTRACTIONS)
    if options.extract and changed:
        from ingest.nlp.run import extract_articles  # spaCy loads only when something changed

        redo = {f"pmid:{p}" for p in revised} | {f"pmid:{p}#mesh" for p in revised}
        redo |= {f"pmc:{t.pmcid}" for t in refetched}
        extractions = extractions.where(lambda document: document not in redo)
        extractions += EXTRACTIONS.of(extract_articles(changed, refetched))

    report.failed += failures.failures
    info = dataclasses.replace(old.info, checked_at=old.info.checked_at if report.failed else day)
    new = dataclasses.replace(
        old,
        records=records.sorted(RECORDS.rank),
        fulltexts=sorted(fulltexts.values(), key=lambda t: t.pmcid),
        cited_by=sorted(cited_by.values(), key=lambda c: int(c.pmid)),
        extractions=extractions.sorted(EXTRACTIONS.rank),
        topics=topics,
        info=info,
    )
    return new, report


def _citing(
    client: EntrezClient, build: Build, options: BuildOptions, report: RefreshReport
) -> dict[str, CitedBy]:
    """Each resolved reference's citing articles: those known and those ELink gives now, the
    newest N kept (the build's rule). Citations only accumulate: a link ELink no longer lists
    (or an empty answer) does not remove one the KB has."""
    resolved = list(dict.fromkeys(r.pmid for r in build.resolutions if r.pmid))
    try:
        links = client.elink_citedin(resolved)
    except EntrezError as exc:
        report.failed.append(f"citing articles: {exc}")
        return {}
    known = {c.pmid: c for c in build.cited_by}
    out = {}
    for pmid in resolved:
        before = known.get(pmid, CitedBy(pmid, []))
        citing = sorted({*links.get(pmid, []), *before.cited_by}, key=int, reverse=True)
        total = max(len(citing), before.total)  # an empty or short answer loses nothing
        out[pmid] = CitedBy(pmid, citing[: options.cited_by_limit], total=total)
    return out


def _fulltexts(client: EntrezClient, changed, options: BuildOptions, report: RefreshReport):
    pmcids = sorted({r.pmcid for r in changed if r.pmcid})
    if not options.full_text or not pmcids:
        return []
    try:
        texts = client.efetch_pmc(pmcids)
    except EntrezError as exc:
        report.failed.append(f"full texts: {exc}")
        return []
    _missing(report, "full texts", pmcids, [t.pmcid for t in texts])
    return texts


def _missing(report: RefreshReport, what: str, wanted: list[str], got: list[str]) -> None:
    """An answer without some of the ids asked for (an empty or cut answer that still parsed)
    is a failure: reported, and the last-check date stays, so the next run asks again."""
    missing = sorted(set(wanted) - set(got))
    if missing:
        report.failed.append(
            f"{what} not returned: {', '.join(missing[:10])}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        )


def _corrections(record: PubmedRecord) -> set[tuple[str, str | None]]:
    return {(c.ref_type, c.pmid) for c in record.comments_corrections if c.ref_type in CORRECTIONS}


def changed_documents(old: Build, new: Build) -> list[str]:
    """The document graphs whose inputs differ between two builds (new, changed or gone). A
    record or extraction that is the same line of the same file on both sides is the same; only
    the others are parsed and compared."""
    before, after = index(old), index(new)
    documents = sorted(set(document_ids(old)) | set(document_ids(new)))
    return [
        d
        for d in documents
        if _inputs(before, d, lines=True) != _inputs(after, d, lines=True)
        and _inputs(before, d) != _inputs(after, d)
    ]


def _inputs(src: Sources, document: str, lines: bool = False) -> tuple:
    """Everything ``kb.graph.document_triples`` reads for ``document``; ``lines``: a record or
    extraction read from a file as its line's place (``kb.lines.Entry``), not parsed."""
    pmcid = document.removeprefix("pmc:") if document.startswith("pmc:") else None
    return (
        _get(src.records, document, lines),
        src.fulltexts.get(document),
        src.cited_by.get(document),
        _get(src.extractions, document, lines),
        src.pmc_to_pmid.get(pmcid) if pmcid else None,
        (src.build.seed, src.build.resolutions) if document == src.seed_document else None,
    )


def _get(items: Mapping[str, Any], key: str, lines: bool) -> object:
    if lines and isinstance(items, ByKey):
        return items.entry(key)
    return items.get(key)


def _lines(items: Sequence[Any], file: ListFile) -> Lines[Any]:
    """A build's records or extractions as lines (a build made in memory, e.g. by a test,
    holds lists)."""
    return items if isinstance(items, Lines) else file.of(items)


def _run_record(report: RefreshReport, runs: list[RunRecord]) -> RunRecord:
    """The run's entry; its id is when it finished, to the millisecond, and never repeats."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    if runs and stamp <= runs[-1].id:
        stamp = runs[-1].id[:-1] + "1Z"  # a clock step back: still after the last run
    return RunRecord(
        id=stamp,
        kind="refresh",
        version=__version__,
        documents=report.documents,
        added=report.added,
        revised=report.revised,
        retracted=report.retracted,
        corrected=report.corrected,
        unchanged=report.unchanged,
        failed=report.failed,
    )


@contextlib.contextmanager
def _upstream(settings: Settings, options: BuildOptions) -> Iterator[Settings]:
    """The settings to refresh with: for the synthetic demo, its fake E-utilities again."""
    if not options.demo:
        yield settings
        return
    from ingest.demo import demo_corpus
    from ingest.entrez.fake import Corpus, FakeEutils

    with demo_corpus() as corpus_dir, FakeEutils(Corpus.load(corpus_dir)) as server:
        yield dataclasses.replace(
            settings, eutils_url=server.url, email=settings.email or "demo@casebook.invalid"
        )
