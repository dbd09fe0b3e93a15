"""``kb build --no-cache`` and ``kb refresh`` of the SYNTHETIC demo KB under each hostile fault.

Each case copies a clean demo KB (11 records; its answer cache removed, so only the data
directory remembers), makes the local fake E-utilities answer every request (or every request
to one utility) with a fault, then rebuilds (build + publish, as ``kb build --no-cache`` does) or
refreshes (after a synthetic revision of one record, so refresh fetches). Counted per case: held
(every stored record still there, no unasked record stored, the run refused or reported what
failed), records lost, unasked records stored, seconds, and the process's peak RSS so far
(``ru_maxrss`` only grows: a case's figure is the maximum up to it). No network.

    .venv/bin/python benchmarks/fault_matrix.py [FAULT ...]   (only the cases named so)
"""

from __future__ import annotations

import logging
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.build import BuildOptions, build
from ingest.demo import demo_corpus, demo_seed, demo_seed_text
from ingest.entrez.fake import Corpus, FakeEutils, Fault
from ingest.refresh import refresh
from kb.config import Settings
from kb.datadir import Build
from kb.keep import WouldLose
from kb.publish import publish

OPTIONS = BuildOptions(cited_by=True, cited_by_limit=10, progress=False)
CASES: list[tuple[str, list[tuple[str | None, Fault]]]] = [
    ("503", [(None, Fault("503"))]),
    ("invalid_xml", [(None, Fault("invalid_xml"))]),
    ("drop_body", [(None, Fault("drop_body"))]),
    ("extra_pmid", [("efetch", Fault("extra_pmid"))]),
    ("wrong_pmids", [("efetch", Fault("wrong_pmids"))]),
    ("drip", [(None, Fault("drip", delay=0.5))]),
    ("drip_headers", [(None, Fault("drip_headers", delay=0.5))]),
    ("oversize", [(None, Fault("oversize", size=200_000_000))]),
    ("huge_text", [("efetch", Fault("huge_text"))]),
    ("extra_pmid+503 esearch", [("efetch", Fault("extra_pmid")), ("esearch", Fault("503"))]),
    (
        "wrong_pmids+drop_body elink",
        [("efetch", Fault("wrong_pmids")), ("elink", Fault("drop_body"))],
    ),
]


def settings(server: FakeEutils, data: Path, **kw) -> Settings:
    return Settings(data_dir=data, ratelimit_dir=data.parent / "rl", eutils_url=server.url,
                    email="bench@casebook.invalid", api_key="synthetic-bench-key", backoff=0.01,
                    backoff_max=0.05, timeout=1.0, deadline=2.0, max_attempts=2, **kw)  # fmt: skip


def run_case(kind: str, server: FakeEutils, base: Path, tmp: Path, faults) -> dict:
    data = tmp / f"{kind}-{len(list(tmp.iterdir()))}".replace(" ", "_")
    shutil.copytree(base, data)
    shutil.rmtree(data / "cache", ignore_errors=True)
    before = {r.pmid for r in Build.load(data).records}
    server.clear()
    for utility, fault in faults:
        server.inject_always(utility, fault)
    started = time.perf_counter()
    outcome = "reported"
    try:
        if kind == "build":
            result = build(demo_seed(), settings(server, data, use_cache=False), OPTIONS,
                           seed_text=demo_seed_text())  # fmt: skip
            publish(result, data)
            outcome = "reported" if result.info.report.failures else "clean"
        else:
            report = refresh(data, settings(server, data), progress=False)
            outcome = "reported" if report.failed else "clean"
    except WouldLose:
        outcome = "refused"
    except Exception as exc:  # a crash is a failed case, counted, not the end of the matrix
        outcome = f"crashed: {type(exc).__name__}"
    seconds = time.perf_counter() - started
    after = {r.pmid for r in Build.load(data).records}
    lost, unasked = before - after, after - before
    held = not lost and not unasked and not outcome.startswith("crashed")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return dict(
        held=held, lost=len(lost), unasked=len(unasked), outcome=outcome, s=seconds, rss=rss
    )


def main() -> int:
    logging.basicConfig(level=logging.ERROR)
    only = set(sys.argv[1:])
    tmp = Path(tempfile.mkdtemp(prefix="fault-matrix-"))
    rows = []
    with demo_corpus() as path, FakeEutils(Corpus.load(path)) as server:
        base = tmp / "base"
        publish(
            build(demo_seed(), settings(server, base), OPTIONS, seed_text=demo_seed_text()), base
        )
        work = tmp / "cases"
        work.mkdir()
        for stage in ("build", "refresh"):
            if stage == "refresh":  # a synthetic revision, so refresh has a record to fetch
                from tests.ingest.test_refresh import revise_title

                revise_title(server.corpus)
            for name, faults in CASES:
                if only and name not in only:
                    continue
                rows.append((stage, name, run_case(stage, server, base, work, faults)))
    print(
        f"{'stage':8} {'fault':30} {'held':5} {'lost':>4} {'unasked':>7} {'outcome':18} {'s':>6} {'peak MB':>8}"
    )
    for stage, name, r in rows:
        print(f"{stage:8} {name:30} {'yes' if r['held'] else 'NO':5} {r['lost']:>4} {r['unasked']:>7} "
              f"{r['outcome']:18} {r['s']:>6.1f} {r['rss']:>8}")  # fmt: skip
    held = sum(r["held"] for _, _, r in rows)
    print(f"tried {len(rows)}, held {held}, failed {len(rows) - held}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if held == len(rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
