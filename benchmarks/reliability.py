"""Reliability of ``kb build`` and ``kb refresh``: upstream faults, crashes, and the cost of a
refresh that finds nothing new. Everything here is SYNTHETIC: the bundled demo corpus (fictional
articles, PMIDs 99000001–99000099) edited by the same helpers as tests/ingest/test_refresh.py, and
``--articles`` generated records (tests/synthetic.many), all served by the local fake
E-utilities (``ingest.entrez.fake``). No network.

1. Fault rounds (``--rounds``, seeded by ``--seed``). Each round edits the corpus (a retraction,
   a revised title with an erratum, a new citing article, a deleted PMID, a record revised with
   its PMC text: a random 1–3 of them; revisions dated yesterday, the day the KB was last
   checked), refreshes one copy of the demo KB without faults and another with a random queue
   of faults on every utility it calls (429 with Retry-After, 500/502/503 bursts, timeout,
   reset, truncate, invalid_xml, error_body, xml_bomb, xxe, slow). Some queues hold more faults
   than the client has attempts: that run must report the failure and keep the last-check date,
   and the next run (with a lighter queue of its own) must finish it. Every
   ``--build-every``-th round also builds the KB from the seed under faults (rerun while
   failures remain) beside a clean build. Counted: faults injected (the server's log), runs
   survived, records lost and duplicated against the clean run, and whether the canonical
   content hash (run history aside) and the data files equal the clean run's. The XXE probe URL
   must never be requested.
1b. One fault on one request of a refresh, each request in turn, then a rerun without faults:
   an "empty" answer (valid: no ids, records or links; so kept out of the rounds) and a failure
   for good (every attempt HTTP 500). Is the KB the clean refresh's after the rerun?
2. Crash points: ``kb refresh`` (and ``kb build``) as a subprocess with ``KB_FAILPOINT`` set to
   each of ``kb.failpoints.POINTS``; it must die by SIGKILL, leave a store that opens, and a
   rerun must give the content hash and data files of an uninterrupted run.
3. Cost of a no-change refresh on a KB of ``--articles`` records found by a topic query:
   requests (server log) and seconds, after one warm-up refresh; and the initial build's time.

Exit status 1 when a figure that must hold does not (loss, duplicates, a difference from the
clean run, a crash point or a failed request not repaired by the rerun).

    .venv/bin/python benchmarks/reliability.py [--rounds 20] [--articles 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ (the corpus edits and synthetic records) is not installed

from ingest.build import BuildOptions, build  # noqa: E402
from ingest.demo import demo_corpus, demo_seed, demo_seed_text  # noqa: E402
from ingest.entrez.fake import Corpus, FakeEutils, Fault  # noqa: E402
from ingest.refresh import refresh  # noqa: E402
from ingest.seed.document import seed_from_identifiers  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.datadir import Build  # noqa: E402
from kb.failpoints import ENV as FAILPOINT_ENV  # noqa: E402
from kb.failpoints import POINTS  # noqa: E402
from kb.publish import RUNS, publish  # noqa: E402
from kb.store import content_digest, dump_nquads, graph_digests, open_store  # noqa: E402
from tests.ingest.test_refresh import add_citing, change_everything, retract, revise_title  # noqa: E402
from tests.synthetic import many  # noqa: E402

log = logging.getLogger("reliability")

DEMO_OPTIONS = BuildOptions(cited_by=True, cited_by_limit=10, progress=False)
DEMO_SEED = ROOT / "data" / "demo" / "seed.md"  # SYNTHETIC
#: data file → the key that must be unique in it
DATA_FILES = {
    "records.jsonl": "pmid",
    "fulltexts.jsonl": "pmcid",
    "cited_by.jsonl": "pmid",
    "extractions.jsonl": "document",
}
ATTEMPTS = Settings().max_attempts  # per request, the first included
FAILING = (
    "429",
    "500",
    "502",
    "503",
    "timeout",
    "reset",
    "truncate",
    "invalid_xml",
    "error_body",
    "xml_bomb",
    "xxe",
)
MIXED = (*FAILING, "slow")  # "slow" answers late but within the timeout: no attempt lost
REFRESH_UTILITIES = ("epost", "esearch", "efetch", "elink")
BUILD_UTILITIES = ("esearch", "efetch", "ecitmatch", "elink")
FIRST_NEW_PMID = 99000017  # new citing articles: after the demo corpus's PMIDs


# ------------------------------------------------------------------------------ small helpers


def settings(server: FakeEutils, data_dir: Path, work: Path, **kw) -> Settings:
    """As tests/test_client.make_settings: an API key (10 requests/s) and a short backoff."""
    base = dict(
        data_dir=data_dir,
        ratelimit_dir=work / "ratelimit",
        eutils_url=server.url,
        email="reliability@casebook.invalid",
        api_key="synthetic-benchmark-key",
        backoff=0.01,
        backoff_max=0.05,
        timeout=0.5,
    )
    base.update(kw)
    return Settings(**base)


def content(data_dir: Path) -> str:
    """The canonical hash of the stored dataset, run history aside (it says when)."""
    return content_digest(graph_digests(dump_nquads(data_dir)), (RUNS,))


def files(data_dir: Path) -> dict[str, bytes]:
    return {name: (data_dir / name).read_bytes() for name in DATA_FILES}


def keys(data_dir: Path, name: str) -> list[str]:
    key = DATA_FILES[name]
    lines = (data_dir / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)[key] for line in lines if line.strip()]


def duplicates(data_dir: Path) -> int:
    """Entries whose key appears more than once in a data file, plus PMIDs listed twice in one
    article's cited-by list."""
    extra = sum(len(k) - len(set(k)) for k in (keys(data_dir, n) for n in DATA_FILES))
    for line in (data_dir / "cited_by.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            citing = json.loads(line)["cited_by"]
            extra += len(citing) - len(set(citing))
    return extra


def make_fault(kind: str, rng: random.Random) -> Fault:
    if kind == "429":
        return Fault("429", retry_after=rng.choice([None, 0.05, 2.0]))  # capped by backoff_max
    if kind == "timeout":
        return Fault("timeout", delay=1.0)  # twice the client's timeout
    if kind == "slow":
        return Fault("slow", delay=0.1)
    return Fault(kind)


def fault_plan(
    rng: random.Random,
    utilities: tuple[str, ...],
    fatal_p: float,
    burst_p: float,
    extra: int,
    cap: int | None = None,
) -> dict[str, list[Fault]]:
    """Per utility (FIFO): sometimes ATTEMPTS failing faults first (that request fails for
    good: a mixed queue or one 5xx status), sometimes a shorter 5xx burst, then 0–``extra``
    faults of any kind; at most ``cap`` in all (below ATTEMPTS: no request can fail)."""
    plan = {}
    for utility in utilities:
        faults: list[Fault] = []
        draw = rng.random()
        if draw < fatal_p:
            if rng.random() < 0.5:
                faults = [Fault(rng.choice(["500", "502", "503"]))] * ATTEMPTS
            else:
                faults = [make_fault(rng.choice(FAILING), rng) for _ in range(ATTEMPTS)]
        elif draw < fatal_p + burst_p:
            faults = [Fault(rng.choice(["500", "502", "503"]))] * rng.randint(2, ATTEMPTS - 1)
        faults += [make_fault(rng.choice(MIXED), rng) for _ in range(rng.randint(0, extra))]
        plan[utility] = faults[:cap]
    return plan


def inject(server: FakeEutils, plan: dict[str, list[Fault]]) -> None:
    for utility, faults in plan.items():
        if faults:
            server.inject(utility, *faults)


def fatal_requests(server: FakeEutils) -> int:
    """Requests that failed for good, read from the log: ATTEMPTS failing answers in a row to
    one utility (the client is sequential, so a success or a new request resets the count)."""
    fatal = 0
    for utility in {r.utility for r in server.log}:
        run = 0
        for entry in server.requests(utility):
            if entry.fault and entry.fault not in ("slow", "empty"):
                run += 1
                if run == ATTEMPTS:
                    fatal, run = fatal + 1, 0
            else:
                run = 0
    return fatal


def drain_log(server: FakeEutils, tally: Tally) -> int:
    """Count the faults served since the last drain, check the XXE probe, forget the queue."""
    served = [r.fault for r in server.log if r.fault]
    tally.faults.update(served)
    tally.xxe_probes += len(server.requests("xxe-probe"))
    fatal = fatal_requests(server)
    server.clear()  # also drops faults left queued for requests that never came
    return fatal


@dataclasses.dataclass
class Tally:
    faults: Counter = dataclasses.field(default_factory=Counter)
    runs: Counter = dataclasses.field(default_factory=Counter)  # kind → runs
    survived: Counter = dataclasses.field(default_factory=Counter)
    needed_next_run: Counter = dataclasses.field(default_factory=Counter)
    failure_expected: int = 0  # runs with a request that failed for good
    failure_reported: int = 0  # … whose failure the run reported (and kept its last check)
    unexpected_failures: int = 0  # runs that reported a failure no fault explains
    lost: int = 0
    spurious: int = 0  # records the faulty run has and the clean one has not
    duplicates: int = 0
    same_content: Counter = dataclasses.field(default_factory=Counter)
    same_files: Counter = dataclasses.field(default_factory=Counter)
    xxe_probes: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def demo_server() -> Iterator[FakeEutils]:
    """A fake E-utilities serving a fresh copy of the SYNTHETIC demo corpus."""
    with demo_corpus() as path, FakeEutils(Corpus.load(path)) as server:
        yield server


def build_demo(server: FakeEutils, data_dir: Path, work: Path, **kw) -> list[str]:
    """``kb build`` of the demo seed, in process: build, then publish (as the CLI does, even
    when some requests failed); returns the failures."""
    result = build(
        demo_seed(),
        settings(server, data_dir, work, **kw),
        DEMO_OPTIONS,
        seed_text=demo_seed_text(),
    )
    publish(result, data_dir)
    return result.info.report.failures


# ------------------------------------------------------------------------------ 1. fault rounds


def yesterday() -> str:
    return time.strftime("%Y/%m/%d", time.gmtime(time.time() - 86400))


def date_revisions(corpus: Corpus, pmids: list[str], day: str) -> None:
    """Give records the revision date ``day`` (the edit helpers stamp today): a revision made
    before the day of the refresh, which only a search from the last check finds."""
    year, month, date = day.split("/")
    stamp = f"<DateRevised><Year>{year}</Year><Month>{month}</Month><Day>{date}</Day></DateRevised>"
    for pmid in pmids:
        if pmid in corpus.pubmed:
            xml = corpus.pubmed[pmid].xml.decode("utf-8")
            corpus.add_pubmed_xml(re.sub(r"<DateRevised>.*?</DateRevised>", stamp, xml, flags=re.S))


def correct_fulltext(corpus: Corpus, pmcid: str, note: str = "Corrected.") -> None:
    """A SYNTHETIC correction of a PMC text: its first paragraph gets a new opening sentence."""
    key = next(k for k in corpus.pmc if k.upper().removeprefix("PMC") == pmcid.removeprefix("PMC"))
    corpus.add_pmc_xml(corpus.pmc[key].replace(b"<p>", f"<p>{note} ".encode(), 1))


def change_corpus(corpus: Corpus, rng: random.Random, round_no: int, kb_pmids: list[str]) -> str:
    """1–3 SYNTHETIC upstream changes, revisions dated yesterday; returns what was done."""
    kinds = rng.sample(["retract", "revise", "cite", "delete", "fulltext"], rng.randint(1, 3))
    done = []
    if "cite" in kinds:  # first: it copies a demo record that a deletion could remove
        cited = rng.choice(["99000001", "99000002", "99000003", "99000005", "99000007"])
        pmid = str(FIRST_NEW_PMID + round_no % 80)
        add_citing(corpus, cited=cited, pmid=pmid)
        done.append(f"{pmid} cites {cited}")
    if "retract" in kinds:
        pmid = rng.choice(kb_pmids)
        retract(corpus, pmid)
        done.append(f"retract {pmid}")
    if "revise" in kinds:
        pmid = rng.choice(kb_pmids)
        revise_title(corpus, pmid, f"A revised synthetic title, round {round_no}.")
        done.append(f"revise {pmid}")
    if "fulltext" in kinds:  # a record with a PMC text, revised with its full text
        pmid = rng.choice(["99000001", "99000002"])
        revise_title(corpus, pmid, f"A corrected synthetic title, round {round_no}.")
        correct_fulltext(corpus, f"PMC{pmid}", f"Corrected in round {round_no}.")
        done.append(f"revise {pmid} and its full text")
    if "delete" in kinds:
        pmid = rng.choice(kb_pmids)
        corpus.remove_pubmed(pmid)
        done.append(f"delete {pmid}")
    date_revisions(corpus, kb_pmids, yesterday())
    return ", ".join(done)


def compare(kind: str, clean: Path, faulty: Path, tally: Tally, label: str) -> None:
    lost = set(keys(clean, "records.jsonl")) - set(keys(faulty, "records.jsonl"))
    spurious = set(keys(faulty, "records.jsonl")) - set(keys(clean, "records.jsonl"))
    dups = duplicates(faulty)
    same_content = content(clean) == content(faulty)
    same_files = files(clean) == files(faulty)
    tally.lost += len(lost)
    tally.spurious += len(spurious)
    tally.duplicates += dups
    tally.same_content[kind] += same_content
    tally.same_files[kind] += same_files
    if lost or spurious or dups or not same_content or not same_files:
        differ = [n for n in DATA_FILES if files(clean)[n] != files(faulty)[n]]
        tally.problems.append(
            f"{label}: lost {sorted(lost)}, spurious {sorted(spurious)}, {dups} duplicates, "
            f"content {'same' if same_content else 'DIFFERS'}, files differing: {differ}"
        )


def refresh_round(
    i: int, rng: random.Random, base: Path, work: Path, tally: Tally, args: argparse.Namespace
) -> None:
    kb_pmids = keys(base, "records.jsonl")
    with demo_server() as server:
        changes = change_corpus(server.corpus, rng, i, kb_pmids)
        clean, faulty = work / f"r{i}-clean", work / f"r{i}-faulty"
        shutil.copytree(base, clean)
        shutil.copytree(base, faulty)
        checked = Build.load(faulty).info.checked_at
        report = refresh(clean, settings(server, clean, work), progress=False)
        if report.failed:
            tally.problems.append(f"refresh round {i}: the CLEAN refresh failed: {report.failed}")
        server.clear()

        plan = fault_plan(rng, REFRESH_UTILITIES, args.fatal_p, args.burst_p, 3)
        label = f"refresh round {i} ({changes}; faults {_describe(plan)})"
        tally.runs["refresh"] += 1
        survived = _survive(
            "refresh",
            label,
            lambda: refresh(faulty, settings(server, faulty, work), progress=False).failed,
            lambda: Build.load(faulty).info.checked_at == checked,
            server,
            plan,
            rng,
            tally,
        )
        if survived:
            compare("refresh", clean, faulty, tally, label)
        shutil.rmtree(clean)
        shutil.rmtree(faulty)


def build_round(
    i: int, rng: random.Random, base: Path, work: Path, tally: Tally, args: argparse.Namespace
) -> None:
    with demo_server() as server:
        changes = change_corpus(server.corpus, rng, i, keys(base, "records.jsonl"))
        clean, faulty = work / f"b{i}-clean", work / f"b{i}-faulty"
        failures = build_demo(server, clean, work)
        if failures:
            tally.problems.append(f"build round {i}: the CLEAN build failed: {failures}")
        server.clear()
        plan = fault_plan(rng, BUILD_UTILITIES, args.fatal_p, args.burst_p, 3)
        label = f"build round {i} ({changes}; faults {_describe(plan)})"
        tally.runs["build"] += 1
        survived = _survive(
            "build",
            label,
            lambda: build_demo(server, faulty, work),
            lambda: True,
            server,
            plan,
            rng,
            tally,
        )
        if survived:
            compare("build", clean, faulty, tally, label)
        shutil.rmtree(clean)
        shutil.rmtree(faulty)


def _survive(kind, label, run, kept_last_check, server, plan, rng, tally) -> bool:
    """The faulty run, then, if it reported a failure, the next run (its own lighter faults);
    True when one of them finished with no failure left."""
    inject(server, plan)
    try:
        failed = run()
    except Exception:
        tally.problems.append(f"{label}: raised\n{traceback.format_exc()}")
        drain_log(server, tally)
        return False
    fatal = drain_log(server, tally)
    if fatal:
        tally.failure_expected += 1
        if failed and kept_last_check():
            tally.failure_reported += 1
        else:
            tally.problems.append(
                f"{label}: {fatal} requests failed for good, yet reported "
                f"{failed!r} (or the last-check date moved)"
            )
    elif failed:
        tally.unexpected_failures += 1
        tally.problems.append(f"{label}: failed with no request failing for good: {failed}")
    if failed:
        tally.needed_next_run[kind] += 1
        inject(server, fault_plan(rng, tuple(plan), 0.0, 0.3, 2, cap=ATTEMPTS - 1))
        try:
            failed = run()
        except Exception:
            tally.problems.append(f"{label}, next run: raised\n{traceback.format_exc()}")
            drain_log(server, tally)
            return False
        drain_log(server, tally)
        if failed:
            tally.problems.append(f"{label}: the next run failed too: {failed}")
            return False
    tally.survived[kind] += 1
    return True


def _describe(plan: dict[str, list[Fault]]) -> str:
    return "; ".join(f"{u}: {','.join(f.kind for f in fs)}" for u, fs in plan.items() if fs) or "-"


#: The requests of a refresh after ``probe_changes``, in order per utility: EPost; ESearch #1
#: the posted set's size, #2 its ids (the size is short: a PMID was deleted), #3 its records
#: modified since the last check; EFetch #1 the PubMed records, #2 the PMC full texts; ELink.
PROBED_REQUESTS = (
    ("epost", 1),
    ("esearch", 1),
    ("esearch", 2),
    ("esearch", 3),
    ("efetch", 1),
    ("efetch", 2),
    ("elink", 1),
)


@dataclasses.dataclass
class Probe:
    kind: str  # "empty": one valid answer with nothing in it; "fatal": ATTEMPTS × HTTP 500
    utility: str
    position: int
    request: str  # what the request asked (from the server's log)
    accepted: bool  # the client took the faulty answer (did not send the request again)
    reported: bool  # the run reported a failure
    same_first: bool  # content hash and data files equal the clean refresh's after that run
    same_next: bool  # … after the next run (no fault)
    differ: list[str]  # data files still differing after the next run
    lost: int  # records in the clean run's records.jsonl missing


def _request(entry) -> str:
    """A logged request in a few words: its ESearch term, or how many ids it named."""
    term = entry.params.get("term", [""])[0]
    if term.startswith("#") and " AND " not in term:  # the posted set: its size, or its ids
        return f"{term}, retmax={entry.params.get('retmax', ['20'])[0]}"
    if term:
        return term.split(" AND ", 1)[-1] if term.startswith("#") else term
    ids = [i for v in entry.params.get("id", []) for i in v.split(",") if i.strip()]
    return f"db={entry.params.get('db', [''])[0]}, {len(ids)} ids"


def _resent(server: FakeEutils, entry) -> bool:
    """Whether the client sent the logged request again (it took the answer for an error)."""
    log = server.requests(entry.utility)
    later = log[log.index(entry) + 1 :]
    return any(r.params == entry.params for r in later)


def probe_changes(corpus: Corpus, kb_pmids: list[str]) -> None:
    """change_everything (a retraction, a revision, a new citing article, a deletion), the
    retracted record's PMC text corrected too, revisions dated yesterday."""
    change_everything(corpus)
    correct_fulltext(corpus, "PMC99000002")  # the retracted record's: fetched again
    date_revisions(corpus, kb_pmids, yesterday())


def request_probes(base: Path, work: Path) -> list[Probe]:
    """One fault on one request of a refresh, every request in turn: an "empty" answer (a valid
    answer: no ids, no records, no links) or a failure for good (ATTEMPTS × HTTP 500). Is the
    KB the clean refresh's after that run, or after the next (no fault)?"""
    kb_pmids = keys(base, "records.jsonl")
    with demo_server() as server:  # the clean refresh, once: the same changes give the same KB
        probe_changes(server.corpus, kb_pmids)
        clean = work / "p-clean"
        shutil.copytree(base, clean)
        refresh(clean, settings(server, clean, work), progress=False)
        want = (content(clean), files(clean))
        want_pmids = set(keys(clean, "records.jsonl"))
        shutil.rmtree(clean)
    out = []
    for kind in ("empty", "fatal"):
        for utility, position in PROBED_REQUESTS:
            with demo_server() as server:
                probe_changes(server.corpus, kb_pmids)
                data = work / f"p-{kind}-{utility}{position}"
                shutil.copytree(base, data)
                passes = [Fault("slow", delay=0.001)] * (position - 1)  # answered normally
                faults = [Fault("empty")] if kind == "empty" else [Fault("500")] * ATTEMPTS
                server.inject(utility, *passes, *faults)
                report = refresh(data, settings(server, data, work), progress=False)
                first = (content(data), files(data)) == want
                hit = [r for r in server.log if r.fault in ("empty", "500")]
                request = _request(hit[0]) if hit else "not requested"
                accepted = bool(hit) and not _resent(server, hit[-1])
                server.clear()
                refresh(data, settings(server, data, work), progress=False)
                second = (content(data), files(data)) == want
                differ = [n for n in DATA_FILES if files(data)[n] != want[1][n]]
                lost = want_pmids - set(keys(data, "records.jsonl"))
                out.append(
                    Probe(
                        kind,
                        utility,
                        position,
                        request,
                        accepted,
                        bool(report.failed),
                        first,
                        second,
                        differ,
                        len(lost),
                    )
                )
                shutil.rmtree(data)
    return out


# ------------------------------------------------------------------------------ 2. crash points


def kb(args: list[str], env: dict[str, str], failpoint: str | None = None):
    env = dict(env)
    if failpoint:
        env[FAILPOINT_ENV] = failpoint
    script = Path(sys.executable).parent / "kb"  # not `python -m`: the cwd may hold a "kb" dir
    return subprocess.run(
        [str(script), "-q", *args], env=env, capture_output=True, text=True, timeout=600
    )


def crash_points(base: Path, work: Path, env: dict[str, str]) -> list[tuple[str, str, bool, str]]:
    """(command, point, identical after rerun, what went wrong) for every failpoint."""
    out = []
    with demo_server() as server:
        change_everything(server.corpus)
        reference = work / "crash-reference"
        shutil.copytree(base, reference)
        refresh(reference, settings(server, reference, work), progress=False)
        old, new = (content(base), files(base)), (content(reference), files(reference))
        argv_refresh = ["refresh", "--eutils-url", server.url, "--no-progress"]
        for point in POINTS:
            data = work / f"crash-{point.replace(':', '-')}"
            shutil.copytree(base, data)
            argv = [*argv_refresh, "--data-dir", str(data)]
            log.info("kb refresh killed at %s", point)
            out.append(
                ("refresh", point, *_crash_and_rerun(argv, env, point, data, [old, new], new))
            )
            shutil.rmtree(data)

        def argv_build(data: Path) -> list[str]:
            return [
                "build",
                "--seed",
                str(DEMO_SEED),
                "--cited-by",
                "--cited-by-limit",
                "10",
                "--data-dir",
                str(data),
                "--eutils-url",
                server.url,
                "--no-progress",
            ]

        built = work / "crash-build-reference"
        done = kb(argv_build(built), env)
        if done.returncode != 0:
            raise RuntimeError(f"the uninterrupted kb build failed: {done.stderr}")
        want = (content(built), files(built))
        for point in POINTS:
            if point.startswith("refresh:"):
                continue
            data = work / f"crash-build-{point.replace(':', '-')}"
            log.info("kb build killed at %s", point)
            out.append(
                (
                    "build",
                    point,
                    *_crash_and_rerun(argv_build(data), env, point, data, [want], want),
                )
            )
            shutil.rmtree(data, ignore_errors=True)
    return out


def _crash_and_rerun(argv, env, point, data: Path, states, want) -> tuple[bool, str]:
    killed = kb(argv, env, failpoint=point)
    if killed.returncode != -signal.SIGKILL:
        return False, f"exit {killed.returncode}, not SIGKILL: {killed.stderr[-500:]}"
    if (data / "store" / "CURRENT").exists():  # a build killed before its first switch has none
        try:
            open_store(data)
            Build.load(data)
            if content(data) not in [s[0] for s in states]:
                return False, "after the kill the store is in neither the old nor the new state"
            if files(data) not in [s[1] for s in states]:
                return False, "after the kill the files are in neither the old nor the new state"
        except Exception as exc:  # reported as the figure
            return False, f"after the kill the KB does not open: {exc!r}"
    rerun = kb(argv, env)
    if rerun.returncode != 0:
        return False, f"the rerun exited {rerun.returncode}: {rerun.stderr[-500:]}"
    if (content(data), files(data)) != want:
        return False, "the rerun's graph or files differ from an uninterrupted run's"
    return True, ""


# -------------------------------------------------------------------- 3. no-change refresh cost


def refresh_cost(n: int, work: Path, repeats: int) -> dict[str, float]:
    started = time.perf_counter()
    corpus = Corpus.from_xml([many(n)])
    made = time.perf_counter() - started
    options = BuildOptions(
        topics=("synthetic batch record",),
        topic_limit=n,
        extract=False,
        full_text=False,
        progress=False,
    )
    data = work / "cost-kb"
    with FakeEutils(corpus) as server:

        def cfg() -> Settings:  # no faults here: a generous timeout, as for the real service
            return settings(server, data, work, timeout=60.0)

        log.info("building a KB of %d SYNTHETIC records (topic query, no extraction)", n)
        started = time.perf_counter()
        result = build(seed_from_identifiers([str(99100000)]), cfg(), options)
        built = time.perf_counter() - started
        build_requests = len(server.log)
        started = time.perf_counter()
        quads = publish(result, data)
        published = time.perf_counter() - started
        if len(result.records) != n:
            raise RuntimeError(f"the build has {len(result.records)} records, not {n}")
        log.info("built in %.1f s, published in %.1f s; warm-up refresh", built, published)
        started = time.perf_counter()
        refresh(data, cfg(), progress=False)
        warmup = time.perf_counter() - started
        before = dump_nquads(data)
        timings, requests, logged = [], [], []
        for _ in range(repeats):
            server.clear()
            started = time.perf_counter()
            report = refresh(data, cfg(), progress=False)
            timings.append(time.perf_counter() - started)
            requests.append(report.requests)
            logged.append(len(server.log))
            if report.changed or report.failed or report.unchanged != n or report.checked != n:
                raise RuntimeError(f"a no-change refresh changed or failed: {report}")
        unchanged = dump_nquads(data) == before
    return {
        "articles": n,
        "corpus_seconds": made,
        "build_seconds": built,
        "build_requests": build_requests,
        "publish_seconds": published,
        "quads": quads,
        "warmup_seconds": warmup,
        "seconds": statistics.median(timings),
        "seconds_min": min(timings),
        "seconds_max": max(timings),
        "requests": max(logged),
        "client_requests": max(requests),
        "graph_unchanged": unchanged,
    }


# ------------------------------------------------------------------------------------- main


def isolated_env(work: Path) -> dict[str, str]:
    """No KB_* setting, config file or rate-limit state of the developer's leaks in (as the
    tests' ``_isolate``); the subprocesses get an API key and a short backoff."""
    for name in list(os.environ):
        if name.startswith("KB_") or name in {"NCBI_EMAIL", "NCBI_API_KEY"}:
            del os.environ[name]
    os.environ["KB_RATELIMIT_DIR"] = str(work / "ratelimit")
    os.chdir(work)  # no ./casebook.toml
    return dict(
        os.environ,
        KB_API_KEY="synthetic-benchmark-key",
        KB_BACKOFF="0.01",
        KB_BACKOFF_MAX="0.05",
        KB_EMAIL="reliability@casebook.invalid",
    )


def backdate(data_dir: Path) -> None:
    """Move the KB's last check to yesterday, so that a refresh that keeps the date (after a
    failure) is told apart from one that moves it to today."""
    saved = Build.load(data_dir)
    saved.info = dataclasses.replace(saved.info, checked_at=yesterday())
    saved.save(data_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="kb build and kb refresh under faults and crashes (SYNTHETIC data)."
    )
    parser.add_argument("--rounds", type=int, default=20, help="fault rounds (refreshes)")
    parser.add_argument(
        "--build-every",
        type=int,
        default=4,
        metavar="N",
        help="a build under faults every N rounds (0: none)",
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=10_000,
        help="records of the KB whose no-change refresh is timed (0: skip)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed no-change refreshes")
    parser.add_argument("--seed", type=int, default=1, help="of the fault and change choices")
    parser.add_argument(
        "--fatal-p",
        type=float,
        default=0.12,
        help="chance, per utility and run, of a queue that defeats every attempt",
    )
    parser.add_argument(
        "--burst-p",
        type=float,
        default=0.25,
        help="chance, per utility and run, of a shorter 5xx burst",
    )
    parser.add_argument("--no-crash", action="store_true", help="skip the crash points")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)
    library_level = [logging.CRITICAL, logging.WARNING, logging.INFO][min(args.verbose, 2)]
    logging.basicConfig(level=library_level, format="%(asctime)s %(name)s %(message)s")
    log.setLevel(logging.INFO)

    with contextlib.ExitStack() as stack:
        if args.keep:
            work = args.keep.resolve()
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reliability-")))
        env = isolated_env(work)
        return run(args, work, env)


def run(args: argparse.Namespace, work: Path, env: dict[str, str]) -> int:
    print(
        "Reliability of kb build / kb refresh — all data SYNTHETIC (fictional demo corpus and "
        "generated records, served by the local fake E-utilities; no network)"
    )
    started = time.perf_counter()
    rng = random.Random(args.seed)
    base = work / "base"
    log.info("building the SYNTHETIC demo KB")
    with demo_server() as server:
        if build_demo(server, base, work):
            raise RuntimeError("the base build failed")
    backdate(base)
    urllib.request.install_opener(None)

    tally = Tally()
    for i in range(args.rounds):
        log.info("fault round %d/%d", i + 1, args.rounds)
        refresh_round(i, rng, base, work, tally, args)
        if args.build_every and i % args.build_every == args.build_every - 1:
            log.info("fault round %d/%d: build", i + 1, args.rounds)
            build_round(i, rng, base, work, tally, args)
    fault_seconds = time.perf_counter() - started

    log.info("one fault on each request of a refresh: empty answers, failures for good")
    started = time.perf_counter()
    probes = request_probes(base, work)
    probe_seconds = time.perf_counter() - started

    crashes: list[tuple[str, str, bool, str]] = []
    crash_seconds = 0.0
    if not args.no_crash:
        started = time.perf_counter()
        crashes = crash_points(base, work, env)
        crash_seconds = time.perf_counter() - started

    cost = refresh_cost(args.articles, work, args.repeats) if args.articles else None
    urllib.request.install_opener(None)
    return print_figures(
        args, tally, fault_seconds, probes, probe_seconds, crashes, crash_seconds, cost
    )


def print_figures(
    args, tally: Tally, fault_seconds, probes, probe_seconds, crashes, crash_seconds, cost
) -> int:
    runs, survived = sum(tally.runs.values()), sum(tally.survived.values())
    faults = sum(tally.faults.values())
    same_content = sum(tally.same_content.values())
    same_files = sum(tally.same_files.values())
    identical = sum(1 for c in crashes if c[2])

    print(
        f"\n1. Fault rounds (seed {args.seed}): {tally.runs['refresh']} refreshes and "
        f"{tally.runs['build']} builds under faults, each beside a clean run "
        f"({fault_seconds:.0f} s)"
    )
    print(
        "   faults injected by kind: "
        + ", ".join(f"{k} {n}" for k, n in sorted(tally.faults.items(), key=lambda kv: -kv[1]))
    )
    print(
        f"   runs with a request that failed for good (more faults than {ATTEMPTS} attempts): "
        f"{tally.failure_expected}; reported it and kept the last-check date: "
        f"{tally.failure_reported}; failures no fault explains: {tally.unexpected_failures}"
    )
    print(
        f"   finished by the next run: {tally.needed_next_run['refresh']} refreshes, "
        f"{tally.needed_next_run['build']} builds"
    )
    print(f"   XXE probe requested: {tally.xxe_probes} times")
    empties = [p for p in probes if p.kind == "empty"]
    fatals = [p for p in probes if p.kind == "fatal"]
    print(
        "\n1b. One fault on one request of a refresh, then a rerun without faults "
        f"({probe_seconds:.0f} s).\n   Upstream: a retraction (its PMC text corrected too), a"
        " revision, a new citing article, a deletion; revisions dated yesterday, the day of the"
        " last check.\n   'empty': one valid answer with no ids, records or links; 'fails': all"
        f" {ATTEMPTS} attempts answered HTTP 500. Same: the content hash and data files of a"
        " clean refresh."
    )
    print(
        f"   {'request':42} {'empty: taken':>12} {'reported':>8} {'same after run':>14}"
        f" {'after next':>10}   {'fails: reported':>15} {'same after next':>15}"
    )
    yes = {True: "yes", False: "NO"}
    for empty, fatal in zip(empties, fatals, strict=True):
        name = f"{empty.utility} #{empty.position} ({empty.request})"
        print(
            f"   {name[:42]:42} {yes[empty.accepted].lower():>12} {yes[empty.reported].lower():>8}"
            f" {yes[empty.same_first]:>14} {yes[empty.same_next]:>10}   {yes[fatal.reported]:>15}"
            f" {yes[fatal.same_next]:>15}"
        )
    print(
        "   (empty 'taken': the client used the empty answer; 'no': the answer was an <ERROR> it"
        " retried: the fake's empty corpus knows no EPost set, so a search of one fails)"
    )
    for p in probes:
        if p.differ or p.lost:
            print(
                f"   - {p.kind} at {p.utility} #{p.position}: after the next run still differing:"
                f" {', '.join(p.differ)}; records lost {p.lost}"
            )
    if crashes:
        print(f"\n2. Crash points (SIGKILL, then rerun; {crash_seconds:.0f} s)")
        for command, point, ok, why in crashes:
            print(f"   kb {command:7} at {point:16} {'identical after rerun' if ok else why}")
    if cost:
        print(
            f"\n3. No-change refresh of a KB of {cost['articles']:,} SYNTHETIC records "
            f"({cost['quads']:,} quads)"
        )
        print(
            f"   initial build {cost['build_seconds']:.1f} s ({cost['build_requests']} requests)"
            f" + publish {cost['publish_seconds']:.1f} s; corpus made in "
            f"{cost['corpus_seconds']:.1f} s; warm-up refresh {cost['warmup_seconds']:.1f} s"
        )
        print(
            f"   no-change refresh: {cost['requests']} requests "
            f"({cost['requests'] / cost['articles'] * 200:.2f} per 200 records), median "
            f"{cost['seconds']:.1f} s of {args.repeats} (min {cost['seconds_min']:.1f}, max "
            f"{cost['seconds_max']:.1f}); graph byte-identical: "
            f"{'yes' if cost['graph_unchanged'] else 'NO'}"
        )

    rows = [
        ("faults injected", f"{faults:,}"),
        (
            "runs survived",
            f"{survived}/{runs} ({tally.runs['refresh']} refreshes, {tally.runs['build']} builds)",
        ),
        ("records lost (must be 0)", str(tally.lost)),
        ("duplicates (must be 0)", str(tally.duplicates)),
        ("records a clean run lacks", str(tally.spurious)),
        (
            "graphs identical to a clean run",
            f"{same_content}/{survived} content hash, {same_files}/{survived} data files",
        ),
        ("XXE probe requests (must be 0)", str(tally.xxe_probes)),
        (
            "one request failing for good: reported",
            f"{sum(p.reported for p in fatals)}/{len(fatals)} requests of a refresh",
        ),
        (
            "  identical after the next run",
            f"{sum(p.same_next for p in fatals)}/{len(fatals)}",
        ),
        (
            "one empty answer: identical after the next run",
            f"{sum(p.same_next for p in empties)}/{len(empties)} (after that run: "
            f"{sum(p.same_first for p in empties)}/{len(empties)})",
        ),
    ]
    if crashes:
        rows += [
            ("crash points tested", str(len(crashes))),
            ("identical after rerun", f"{identical}/{len(crashes)}"),
        ]
    if cost:
        rows += [
            (
                f"no-change refresh, {cost['articles']:,} records",
                f"{cost['requests']} requests, {cost['seconds']:.1f} s",
            ),
            ("  requests per 200 records", f"{cost['requests'] / cost['articles'] * 200:.2f}"),
            (
                "  initial build + publish",
                f"{cost['build_seconds']:.1f} s + {cost['publish_seconds']:.1f} s",
            ),
        ]
    width = max(len(r[0]) for r in rows)
    print("\nSummary (SYNTHETIC data)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")

    if tally.problems:
        print("\nProblems:")
        for problem in tally.problems:
            print(f"  - {problem}")
    bad = (
        tally.lost
        or tally.duplicates
        or tally.spurious
        or tally.xxe_probes
        or survived != runs
        or same_content != survived
        or same_files != survived
        or identical != len(crashes)
        or not all(p.reported and p.same_next for p in fatals)
        or (cost and not cost["graph_unchanged"])
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
