"""``kb bulk`` on SYNTHETIC baseline files (PMIDs 97000000+, ``ingest.bulk.synthetic_baseline``):
the graph it writes is the one the product's normal path gives for the same records (each
parsed by the PubMed parser, extracted on its own, published by ``kb.publish``); reruns do no
work; update files revise and delete; a corrupt file is named and the rest complete; a separate
``dask scheduler`` + ``dask worker``s give the same graph, also when a worker is SIGKILLed in
the middle of a task."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.bulk import run as bulk_run
from ingest.bulk.inputs import parse_file
from ingest.bulk.merge import BULK_SEED, apply_shards, bulk_seed
from ingest.bulk.shards import Shard, ShardMeta, shard_root
from ingest.bulk.synthetic_baseline import SyntheticFile, write_baseline
from ingest.entrez.pubmed_xml import parse_pubmed_xml
from kb.cli import main
from kb.datadir import Build, BuildInfo
from kb.jsonl import dumps_jsonl
from kb.lines import Lines
from kb.records import BuildReport, Extraction, PubmedRecord
from kb.store import current_version, dump_nquads
from tests.conftest import free_port

pytestmark = pytest.mark.slow
FINISHED = "2026-12-03T00:00:00Z"  # the run's time, fixed: both sides then write equal run graphs
BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch):
    monkeypatch.setattr(bulk_run, "now_iso", lambda: FINISHED)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> list[SyntheticFile]:
    """3 baseline files of 20 SYNTHETIC records, then an update file: 2 revised, 1 deleted,
    2 new."""
    out = tmp_path_factory.mktemp("baseline")
    return write_baseline(out, records=60, files=3, updates=1, revise=0.04, delete=0.02,
                          new=0.04, seed=7)  # fmt: skip


def final_records(files: list[SyntheticFile]) -> list[PubmedRecord]:
    """What the files leave, worked out from the generator's own lists: each PMID's last
    version (the product's parser), deletions removed."""
    latest: dict[str, PubmedRecord] = {}
    for f in sorted(files, key=lambda f: f.path.name):
        for record in parse_pubmed_xml(gzip.decompress(f.path.read_bytes())):
            latest[record.pmid] = record
        for pmid in f.deleted:
            latest.pop(pmid, None)
    return [latest[p] for p in sorted(latest, key=int)]


@pytest.fixture(scope="module")
def expected(baseline, tmp_path_factory) -> str:
    """The hash of the sorted N-Quads of a KB made the normal way: record by record through
    ``extract_articles``, then ``Build`` → ``kb.publish.publish``."""
    from ingest.build import BuildOptions, options_record
    from ingest.nlp.run import extract_articles
    from kb.publish import publish

    records = final_records(baseline)
    extractions = [e for r in records for e in extract_articles([r], [])]
    info = BuildInfo(BuildReport(), FINISHED, seed=BULK_SEED,
                     options=options_record(BuildOptions(full_text=False)))  # fmt: skip
    out = tmp_path_factory.mktemp("normal") / "kb"
    publish(Build(bulk_seed(), [], records, [], [], info, extractions), out)
    return store_hash(out)


def store_hash(data_dir: Path) -> str:
    return hashlib.sha256(dump_nquads(data_dir)).hexdigest()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A ``dask scheduler`` and two ``dask worker``s on 127.0.0.1, as separate processes (as on
    other machines). The workers carry a disarmed failpoint: deleting ``marker`` arms it, and
    the first worker to reach ``bulk:extracted`` then dies by SIGKILL (once)."""
    from distributed import Client

    marker = tmp_path_factory.mktemp("failpoint") / "fired"
    marker.touch()
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env |= {"KB_FAILPOINT": "bulk:extracted", "KB_FAILPOINT_ONCE": str(marker)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env,
             "start_new_session": True}  # fmt: skip
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], **quiet)]  # fmt: skip
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads",
                                           "1", "--no-dashboard"], **quiet))  # fmt: skip
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, marker
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


def bulk(files, data_dir: Path, *extra: str) -> int:
    paths = [str(f.path) if isinstance(f, SyntheticFile) else str(f) for f in files]
    return main(["-q", "bulk", *paths, "--data-dir", str(data_dir), *extra])


def shard_times(data_dir: Path) -> dict[str, int]:
    root = shard_root(data_dir)
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


def test_bulk_on_a_local_cluster_gives_the_normal_paths_graph(baseline, expected, tmp_path):
    assert bulk([f.path.parent for f in baseline][:1], tmp_path / "kb", "--workers", "2") == 0
    assert store_hash(tmp_path / "kb") == expected
    assert len(Build.load(tmp_path / "kb").records) == len(final_records(baseline))


@pytest.fixture(scope="module")
def bulk_kb(baseline, scheduler, tmp_path_factory) -> Path:
    """A KB made by ``kb bulk`` on the external cluster (read-only for the tests)."""
    data = tmp_path_factory.mktemp("bulk") / "kb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bulk_run, "now_iso", lambda: FINISHED)
        assert bulk(baseline, data, "--scheduler", scheduler[0]) == 0
    return data


def test_update_files_revise_and_delete(baseline, bulk_kb):
    records = {r.pmid: r for r in Build.load(bulk_kb).records}
    update = baseline[-1]
    assert update.deleted and update.revised
    assert not set(update.deleted) & set(records)
    for pmid in update.revised:
        assert "(revision 1)" in records[pmid].title
    assert set(update.pmids) <= set(records)
    graph = dump_nquads(bulk_kb)
    for pmid in update.deleted:
        assert f"pmid/{pmid}>".encode() not in graph


def test_the_bulk_kb_answers_every_question_and_opens_in_the_explorer(bulk_kb, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from kb.questions import load_questions
    from tests.explorer.test_app import APP

    for name in load_questions():
        assert main(["-q", "ask", name, "--data-dir", str(bulk_kb), "--format", "json"]) == 0
    monkeypatch.setenv("KB_DATA_DIR", str(bulk_kb))
    monkeypatch.setenv("CASEBOOK_WARM_UP", "0")
    pmid = Build.load(bulk_kb).records[0].pmid
    for params in ({}, {"page": "article", "id": f"pmid:{pmid}"}):
        at = AppTest.from_file(str(APP), default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert at.header and "SYNTHETIC" in at.header[0].value  # the article's own title


def test_a_rerun_schedules_nothing_and_touches_no_shard(baseline, scheduler, tmp_path, monkeypatch):
    data = tmp_path / "kb"
    assert bulk(baseline, data, "--scheduler", scheduler[0]) == 0
    before, version = shard_times(data), current_version(data)

    def no_cluster(*args, **kwargs):
        raise AssertionError("a rerun with every shard done connected to a cluster")

    monkeypatch.setattr(bulk_run, "connect", no_cluster)
    assert bulk(baseline, data, "--scheduler", scheduler[0]) == 0
    assert shard_times(data) == before and len(before) == 5 * len(baseline)  # a folder, 4 files
    assert current_version(data) == version


def test_a_new_extractor_version_redoes_every_shard(baseline, scheduler, tmp_path, monkeypatch):
    data = tmp_path / "kb"
    assert bulk(baseline, data, "--scheduler", scheduler[0]) == 0
    old = {p.name for p in shard_root(data).iterdir()}
    monkeypatch.setattr(bulk_run, "extractor_version", lambda *a: "f" * 64)
    scheduled = []
    real = bulk_run.run_tasks
    monkeypatch.setattr(
        bulk_run, "run_tasks", lambda c, tasks, p: scheduled.extend(tasks) or real(c, tasks, p)
    )
    assert bulk(baseline, data, "--scheduler", scheduler[0]) == 0
    new = {p.name for p in shard_root(data).iterdir()}
    assert len(scheduled) == len(baseline) and not old & new
    assert all(name.endswith("-ffffffffffff") for name in new)


def test_a_corrupt_file_is_named_and_the_others_complete(baseline, scheduler, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in baseline:
        shutil.copy(f.path, folder / f.path.name)
    broken = folder / baseline[1].path.name
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])  # a cut download
    capsys.readouterr()
    assert bulk([folder], tmp_path / "kb", "--scheduler", scheduler[0]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("kb")]
    assert len(errors) == 1 and broken.name in errors[0]
    records = {r.pmid for r in Build.load(tmp_path / "kb").records}
    kept = set(baseline[0].pmids + baseline[2].pmids) - set(baseline[-1].deleted)
    assert kept <= records
    assert not set(baseline[1].pmids) - set(baseline[-1].pmids) & records


def test_a_file_gone_bad_does_not_shrink_a_fuller_kb(
    baseline, bulk_kb, scheduler, tmp_path, capsys
):
    """The same files again, one of them now cut short: publishing without it would drop the
    records it gave, so nothing changes and the command says why (exit 1)."""
    data = tmp_path / "kb"
    shutil.copytree(bulk_kb, data)
    folder = tmp_path / "in"
    folder.mkdir()
    for f in baseline:
        shutil.copy(f.path, folder / f.path.name)
    broken = folder / baseline[0].path.name
    broken.write_bytes(broken.read_bytes()[:1000])
    version = current_version(data)
    capsys.readouterr()
    assert bulk([folder], data, "--scheduler", scheduler[0]) == 1
    err = capsys.readouterr().err
    assert broken.name in err and "nothing was changed" in err
    assert current_version(data) == version


def test_a_worker_killed_mid_task_leaves_the_same_graph(baseline, expected, scheduler, tmp_path):
    address, marker = scheduler
    marker.unlink()  # armed: the first worker past extraction dies, Dask retries the task
    assert bulk(baseline, tmp_path / "kb", "--scheduler", address) == 0
    assert marker.exists()  # a worker did reach the point (and was killed there)
    assert store_hash(tmp_path / "kb") == expected
    assert not list(shard_root(tmp_path / "kb").glob(".shard-*"))


def test_a_bulk_kb_merges_into_a_seed_kb_by_pmid(demo_kb, baseline, scheduler, tmp_path):
    data = tmp_path / "kb"
    shutil.copytree(demo_kb, data)
    seed = Build.load(data)
    assert bulk(baseline, data, "--scheduler", scheduler[0]) == 0
    merged = Build.load(data)
    assert merged.seed == seed.seed and merged.resolutions == seed.resolutions
    pmids = {r.pmid for r in merged.records}
    assert {r.pmid for r in seed.records} <= pmids
    assert {r.pmid for r in final_records(baseline)} <= pmids
    assert len(pmids) == len(seed.records) + len(final_records(baseline))


def test_a_seed_build_into_a_bulk_kb_keeps_the_bulk_records(demo_kb, baseline, scheduler, tmp_path):
    data = tmp_path / "kb"
    assert bulk(baseline, data, "--scheduler", scheduler[0]) == 0
    assert main(["-q", "demo", "--data-dir", str(data)]) == 0
    pmids = {r.pmid for r in Build.load(data).records}
    demo = {r.pmid for r in Build.load(demo_kb).records}
    assert pmids == demo | {r.pmid for r in final_records(baseline)}
    documents = {e.document for e in Build.load(data).extractions}
    assert {f"pmid:{p}" for p in pmids} <= documents


def test_recorded_pubmed_answers_old_format_included_load(scheduler, tmp_path):
    """Real recorded EFetch answers (../shared/eutils), one of them in the old format (MeSH
    without UI attributes), gzipped as a baseline file would be."""
    from tests.conftest import EUTILS, shared_file

    sources = [shared_file(EUTILS / "pubmed1.xml"), shared_file(EUTILS / "more/efetch.pubmed.xml")]
    files = []
    for k, source in enumerate(sources):
        files.append(tmp_path / f"recorded{k}.xml.gz")
        files[-1].write_bytes(gzip.compress(source.read_bytes()))
    assert bulk(files, tmp_path / "kb", "--scheduler", scheduler[0]) == 0
    expected = {r.pmid for s in sources for r in parse_pubmed_xml(s.read_bytes())}
    assert {r.pmid for r in Build.load(tmp_path / "kb").records} == expected


def test_unreadable_records_are_skipped_with_their_pmid(caplog):
    from tests.synthetic import article, article_set

    bad_day = article("99200001", "Synthetic bad date").replace(
        "<PubDate><Year>2021</Year>", "<PubDate><Year>2021</Year><Month>1</Month><Day>²</Day>"
    )
    data = article_set(article("99200000", "Synthetic fine"), bad_day,
                       article("x99", "Synthetic bad PMID"))  # fmt: skip
    content = parse_file("x.xml.gz", data)
    assert [r.pmid for r in content.records] == ["99200000"]
    assert content.skipped == ["99200001", "x99"]
    assert "99200001" in caplog.text and "x99" in caplog.text


def test_the_publication_type_filter_drops_older_versions_too(tmp_path):
    def shard(name: str, records: list[PubmedRecord], dropped=(), deleted=()) -> Shard:
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(dumps_jsonl(records))
        meta = ShardMeta(name, "", "", list(deleted), list(dropped))
        return Shard(meta, Lines.scan(path, PubmedRecord, "pmid"), Lines(Extraction, []), tmp_path)

    one, two = PubmedRecord("1", "a", publication_types=["Case Reports"]), PubmedRecord("2", "b")
    applied = apply_shards([shard("f2", [], dropped=["1"], deleted=["2"]), shard("f1", [one, two])])
    assert applied.records == {} and applied.deleted == 1
    content = parse_file("x", _case_and_review(), ("Case Reports",))
    assert [r.pmid for r in content.records] == ["99200010"] and content.dropped == ["99200011"]


def _case_and_review() -> bytes:
    from tests.synthetic import article, article_set

    review = article("99200011", "Synthetic review").replace(">Case Reports<", ">Review<")
    return article_set(article("99200010", "Synthetic case"), review)


def test_the_generator_is_deterministic_and_labelled(tmp_path):
    first = write_baseline(tmp_path / "a", records=10, files=2, updates=1, seed=3)
    again = write_baseline(tmp_path / "b", records=10, files=2, updates=1, seed=3)
    assert [f.path.read_bytes() for f in first] == [f.path.read_bytes() for f in again]
    xml = gzip.decompress(first[-1].path.read_bytes())
    assert b"SYNTHETIC" in xml[:400] and b"<DeleteCitation>" in xml
    records = parse_pubmed_xml(gzip.decompress(first[0].path.read_bytes()))
    assert all(r.title.startswith("SYNTHETIC") and int(r.pmid) >= 97_000_000 for r in records)
    assert all(h.descriptor_ui.startswith("D") for r in records for h in r.mesh_headings)
    assert first[-1].deleted and first[-1].revised


def test_bulk_with_store_writes_the_kb_to_a_sparql_server(baseline, tmp_path):
    """``--store URL``: the server ends with the embedded store's dataset, derived tables and
    all, so every question gives it the same rows."""
    from kb.questions import load_questions
    from kb.remote import EmbeddedStore, RemoteStore
    from tests.conftest import oxigraph_server

    with oxigraph_server(tmp_path / "oxigraph") as url:
        data = tmp_path / "kb"
        assert bulk([baseline[0]], data, "--workers", "1", "--store", url) == 0
        remote, embedded = RemoteStore(url), EmbeddedStore(data)
        count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        assert remote.query(count, limit=10**6).rows == embedded.query(count, limit=10**6).rows
        for question in load_questions().values():
            assert remote.ask(question).rows == embedded.ask(question).rows, question.name
