"""The Entrez client over real HTTP against the fake E-utilities: faults, retries, cache, limits."""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from ingest.entrez.client import Citation, EntrezClient
from ingest.entrez.errors import EntrezError, OfflineMiss
from ingest.entrez.fake import Corpus, FakeEutils, Fault
from kb.config import Settings
from tests.synthetic import article, article_set, many

PMIDS = ["99000101", "99000102", "99000103"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    records = article_set(
        article(PMIDS[0], "Synthetic calcinosis after calcium gluconate", doi="10.99999/t.1"),
        article(PMIDS[1], "Synthetic extravasation injury in a neonate", doi="10.99999/t.2"),
        article(PMIDS[2], "Synthetic calciphylaxis treated with thiosulfate"),
    )
    return Corpus.from_xml([records, many(250)])


@pytest.fixture
def server(corpus: Corpus):
    with FakeEutils(corpus) as srv:
        yield srv


def make_settings(server: FakeEutils, tmp_path: Path, **kw) -> Settings:
    base = dict(
        data_dir=tmp_path / "kb",
        ratelimit_dir=tmp_path / "rl",
        eutils_url=server.url,
        email="tests@casebook.invalid",
        api_key="synthetic-test-key",  # 10 requests/s keeps the suite quick
        backoff=0.01,
        backoff_max=0.05,
        timeout=2.0,
    )
    base.update(kw)
    return Settings(**base)


def fetched(client: EntrezClient, pmids=PMIDS) -> list[str]:
    return sorted(r.pmid for r in client.efetch_pubmed(pmids))


FAULTS = [
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
]


@pytest.mark.parametrize("kind", FAULTS)
def test_each_fault_is_survived_without_loss_or_duplicates(server, tmp_path, kind):
    delay = 1.0 if kind == "timeout" else 0.0
    server.inject(
        "efetch",
        Fault(kind, retry_after=0.05, delay=delay),
        Fault(kind, retry_after=0.05, delay=delay),
    )
    client = EntrezClient(make_settings(server, tmp_path, timeout=0.3))
    records = client.efetch_pubmed(PMIDS)
    assert sorted(r.pmid for r in records) == PMIDS  # nothing lost
    assert len(records) == len({r.pmid for r in records})  # nothing duplicated
    log = server.requests("efetch")
    assert [r.fault for r in log] == [kind, kind, None]
    assert client.stats.retries == 2
    assert server.requests("xxe-probe") == []  # an external entity is never resolved


def test_error_body_is_retried_and_never_cached_as_zero_hits(server, tmp_path):
    server.inject("esearch", Fault("error_body"))
    settings = make_settings(server, tmp_path)
    first = EntrezClient(settings).esearch('"10.99999/t.1"[doi]')
    assert (first.count, first.ids) == (1, [PMIDS[0]])
    again = EntrezClient(settings)
    assert again.esearch('"10.99999/t.1"[doi]').ids == [PMIDS[0]]
    assert again.stats.requests == 0 and again.stats.cache_hits == 1


def test_genuine_zero_hits_is_an_answer(server, tmp_path):
    result = EntrezClient(make_settings(server, tmp_path)).esearch('"10.99999/none"[doi]')
    assert (result.count, result.ids) == (0, [])


def test_persistent_failure_names_the_request_and_caches_nothing(server, tmp_path):
    server.inject("efetch", *[Fault("503")] * 3)
    settings = make_settings(server, tmp_path, max_attempts=3)
    with pytest.raises(
        EntrezError,
        match=r"efetch\(db=pubmed, id=99000101,99000102,99000103.*"
        r"failed after 3 attempts: HTTP 503",
    ):
        EntrezClient(settings).efetch_pubmed(PMIDS)
    client = EntrezClient(settings)
    assert fetched(client) == PMIDS
    assert client.stats.requests == 1  # the failure left nothing in the cache


def test_client_errors_are_not_retried(server, tmp_path):
    client = EntrezClient(make_settings(server, tmp_path))
    with pytest.raises(EntrezError, match="HTTP 400"):
        client.efetch_pubmed([","])  # no usable id: NCBI answers 400
    assert len(server.requests("efetch")) == 1


def test_retry_after_is_honoured(server, tmp_path):
    server.inject("efetch", Fault("429", retry_after=1), Fault("429", retry_after=1))
    client = EntrezClient(make_settings(server, tmp_path, backoff_max=5))
    assert fetched(client) == PMIDS
    times = [r.time for r in server.requests("efetch")]
    gaps = [b - a for a, b in pairwise(times)]
    assert len(gaps) == 2 and all(g >= 0.95 for g in gaps), gaps


def test_backoff_grows_exponentially(server, tmp_path):
    server.inject("efetch", Fault("500"), Fault("500"), Fault("500"))
    client = EntrezClient(make_settings(server, tmp_path, backoff=0.2, backoff_max=5))
    assert fetched(client) == PMIDS
    times = [r.time for r in server.requests("efetch")]
    gaps = [b - a for a, b in pairwise(times)]
    # full jitter in [ceiling/2, ceiling] with ceilings 0.2, 0.4, 0.8
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.4, gaps


def test_warm_cache_makes_zero_requests(server, tmp_path):
    settings = make_settings(server, tmp_path)
    assert fetched(EntrezClient(settings)) == PMIDS
    before = len(server.log)
    warm = EntrezClient(settings)
    assert fetched(warm) == PMIDS
    assert len(server.log) == before and warm.stats.requests == 0 and warm.stats.cache_hits == 1


def test_no_cache_and_max_age_bypass_the_cache(server, tmp_path):
    settings = make_settings(server, tmp_path)
    fetched(EntrezClient(settings))
    for bypass in (
        make_settings(server, tmp_path, use_cache=False),
        make_settings(server, tmp_path, cache_max_age=0),
    ):
        client = EntrezClient(bypass)
        assert fetched(client) == PMIDS and client.stats.requests == 1


def test_offline_uses_the_cache_and_names_what_is_missing(server, tmp_path):
    offline = make_settings(server, tmp_path, offline=True)
    with pytest.raises(OfflineMiss, match=r"offline, and no cached answer for efetch\(db=pubmed"):
        EntrezClient(offline).efetch_pubmed(PMIDS)
    fetched(EntrezClient(make_settings(server, tmp_path)))
    server.stop()  # no server at all now
    client = EntrezClient(offline)
    assert fetched(client) == PMIDS and client.stats.requests == 0


def test_efetch_batches_of_200_sent_by_post(server, tmp_path):
    ids = [str(99100000 + i) for i in range(250)] + PMIDS
    records = EntrezClient(make_settings(server, tmp_path)).efetch_pubmed(ids + ids[:10])
    assert len(records) == 253 and len({r.pmid for r in records}) == 253
    log = server.requests("efetch")
    sizes = [len(r.params["id"][0].split(",")) for r in log]
    assert sizes == [200, 53]
    assert log[0].method == "POST"


def test_ecitmatch_rejects_pipes_and_line_breaks():
    with pytest.raises(ValueError, match=r"contains '\|'"):
        Citation("k", "J Synth|evil", "2020", "1", "1", "Smith A").as_bdata()
    with pytest.raises(ValueError):
        Citation("k", "J Synth", "2020", "1\r\n", "1", "Smith A").as_bdata()


def _max_per_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u - t < window) for i, t in enumerate(times))


@pytest.mark.slow
def test_rate_limit_without_key_is_3_per_second(server, tmp_path):
    client = EntrezClient(make_settings(server, tmp_path, api_key=None, use_cache=False))
    for i in range(7):
        client.esearch(f"synthetic{i}[ti]")
    assert _max_per_window([r.time for r in server.log]) <= 3


@pytest.mark.slow
def test_rate_limit_with_key_is_10_per_second(server, tmp_path):
    client = EntrezClient(make_settings(server, tmp_path, use_cache=False))
    for i in range(22):
        client.esearch(f"synthetic{i}[ti]")
    assert 8 <= _max_per_window([r.time for r in server.log]) <= 10


@pytest.mark.slow
def test_rate_limit_holds_across_processes(server, tmp_path):
    script = (
        "import sys\n"
        "from ingest.entrez.client import EntrezClient\n"
        "from kb.config import load_settings\n"
        "c = EntrezClient(load_settings())\n"
        "for i in range(3): c.esearch(f'proc{sys.argv[1]}word{i}[ti]')\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KB_EUTILS_URL": server.url,
        "KB_RATELIMIT_DIR": str(tmp_path / "shared-rl"),
        "KB_USE_CACHE": "false",
        "KB_DATA_DIR": str(tmp_path / "kb"),
        "KB_EMAIL": "tests@casebook.invalid",
    }
    procs = [subprocess.Popen([sys.executable, "-c", script, str(n)], env=env) for n in range(3)]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    times = [r.time for r in server.requests("esearch")]
    assert len(times) == 9
    assert _max_per_window(times) <= 3


def test_an_answer_missing_ids_is_used_but_asked_again_next_run(server, tmp_path):
    settings = make_settings(server, tmp_path)
    server.inject("efetch", Fault("empty"))
    assert fetched(EntrezClient(settings)) == []  # the glitch: no records this time
    client = EntrezClient(settings)
    assert fetched(client) == PMIDS  # not cached, so the next run gets them
    assert client.stats.requests == 1
    unknown = EntrezClient(settings)
    assert fetched(unknown, [*PMIDS, "99999999"]) == PMIDS  # an unknown id is simply absent
