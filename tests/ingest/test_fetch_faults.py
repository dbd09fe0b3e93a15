"""The client against a hostile upstream: unasked records dropped, bounded requests, fail-fast."""

from __future__ import annotations

import time

import pytest

from ingest.entrez.client import EntrezClient
from ingest.entrez.errors import EntrezError
from ingest.entrez.fake import Fault
from kb.cli import main
from tests.conftest import free_port
from tests.ingest.test_client import make_settings

ASKED = ["99000001", "99000002"]


def _cached_bodies(tmp_path) -> list:
    return list((tmp_path / "kb" / "cache").glob("*/*.body"))


def test_an_extra_pmid_is_dropped_and_the_answer_not_cached(server, tmp_path):
    server.inject_always("efetch", Fault("extra_pmid"))
    client = EntrezClient(make_settings(server, tmp_path))
    assert [r.pmid for r in client.efetch_pubmed(ASKED)] == ASKED
    assert _cached_bodies(tmp_path) == []  # a rerun asks again


def test_wrong_pmids_are_failed_ids(server, tmp_path):
    server.inject_always("efetch", Fault("wrong_pmids"))
    client = EntrezClient(make_settings(server, tmp_path))
    assert client.efetch_pubmed(ASKED) == []
    assert client.failed_ids == set(ASKED)
    assert _cached_bodies(tmp_path) == []


def test_a_dripping_upstream_hits_the_deadline(server, tmp_path):
    server.inject_always("efetch", Fault("drip", delay=0.2))
    client = EntrezClient(make_settings(server, tmp_path, deadline=1.0, max_attempts=2))
    started = time.monotonic()
    with pytest.raises(EntrezError, match="DeadlineExceeded"):
        client.efetch_pubmed(ASKED)
    assert time.monotonic() - started < 4  # two attempts of 1 s, not the whole slow body


def test_an_oversized_answer_hits_the_cap(server, tmp_path):
    server.inject_always("efetch", Fault("oversize", size=50_000_000))
    client = EntrezClient(make_settings(server, tmp_path, max_answer_bytes=1_000_000))
    with pytest.raises(EntrezError, match="AnswerTooLarge"):
        client.efetch_pubmed(ASKED)


def test_a_dropped_body_is_a_failed_request(server, tmp_path):
    server.inject_always("efetch", Fault("drop_body"))
    client = EntrezClient(make_settings(server, tmp_path, max_attempts=2))
    with pytest.raises(EntrezError, match="IncompleteRead"):
        client.efetch_pubmed(ASKED)


def test_a_closed_port_fails_fast_in_one_line(tmp_path, capsys):
    url = f"http://127.0.0.1:{free_port()}/entrez/eutils/"
    started = time.monotonic()
    code = main(["build", "99000001", "--data-dir", str(tmp_path / "kb"), "--eutils-url", url,
                 "--no-progress"])  # fmt: skip
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert (
        err[-1]
        == f"kb: error: cannot reach E-utilities at {url} — check the network, or use --offline"
    )
    assert not any("Traceback" in line for line in err)
    assert elapsed < 15


def test_an_upstream_dripping_its_headers_hits_the_deadline(server, tmp_path):
    # each byte of the status line comes well within the per-read timeout, so only the
    # request's own deadline (the watchdog on its connection) can end it
    server.inject_always("efetch", Fault("drip_headers", delay=0.2))
    client = EntrezClient(make_settings(server, tmp_path, deadline=1.0, max_attempts=2))
    started = time.monotonic()
    with pytest.raises(EntrezError, match="DeadlineExceeded"):
        client.efetch_pubmed(ASKED)
    assert time.monotonic() - started < 4  # two attempts of 1 s, not minutes of headers
