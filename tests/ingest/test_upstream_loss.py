"""An outage or a wrong answer never empties the KB (issue 15, "Fetch").

Every case starts from the SYNTHETIC demo KB (11 records) and rebuilds or refreshes it while the
fake E-utilities misbehaves on every request; the records, the resolutions and ``store/CURRENT``
must come through as they were, or the run must refuse in one line.
"""

from __future__ import annotations

import shutil

import pytest

from ingest.build import build
from ingest.demo import demo_seed, demo_seed_text
from ingest.entrez.fake import Fault, hostile
from ingest.refresh import refresh
from kb.cli import main
from kb.datadir import Build
from kb.jsonl import to_dict
from kb.publish import publish
from kb.store import current_version
from tests.ingest.test_refresh import OPTIONS, REVISED, copy_kb, revise_title, settings_for


def _rebuild(server, data, **kw):
    """``kb build --no-cache`` of the demo seed, as the CLI does it (build, then publish)."""
    settings = settings_for(server, data, use_cache=False, max_attempts=2, timeout=1.0, **kw)
    result = build(demo_seed(), settings, OPTIONS, seed_text=demo_seed_text())
    return result, publish(result, data)


@pytest.mark.parametrize("kind", ["503", "invalid_xml", "drop_body"])
@pytest.mark.parametrize("cache", [True, False], ids=["cached", "no-cache-dir"])
def test_an_outage_keeps_every_record_and_the_current_version(built, server, tmp_path, kind, cache):
    data = copy_kb(built, tmp_path)
    if not cache:
        shutil.rmtree(data / "cache")  # only the data directory remembers the records
    before, version = Build.load(data), current_version(data)
    server.inject_always(None, Fault(kind))
    result, _ = _rebuild(server, data)
    after = Build.load(data)
    assert len(after.records) == len(before.records) == 11
    assert to_dict(after.records) == to_dict(before.records)
    assert to_dict(after.resolutions) == to_dict(before.resolutions)
    assert to_dict(after.cited_by) == to_dict(before.cited_by)
    assert to_dict(after.fulltexts) == to_dict(before.fulltexts)
    assert current_version(data) == version  # the same graph: no new version switched in
    if not cache:
        assert result.info.report.failures  # said so: the build exits 1, retried next run


def test_wrong_pmids_are_failures_not_absences(built, server, tmp_path):
    data = copy_kb(built, tmp_path)
    shutil.rmtree(data / "cache")
    before = Build.load(data)
    server.inject_always("efetch", Fault("wrong_pmids"))
    _rebuild(server, data)
    after = Build.load(data)
    assert to_dict(after.resolutions) == to_dict(before.resolutions)
    assert {r.pmid for r in after.records} == {r.pmid for r in before.records}


def test_wrong_pmids_on_a_new_kb_are_never_not_in_pubmed(server, tmp_path):
    data = tmp_path / "fresh"
    server.inject_always("efetch", Fault("wrong_pmids"))
    result, _ = _rebuild(server, data)
    reasons = [r.reason for r in result.resolutions if not r.resolved]
    clean_not_in_pubmed = 1  # the demo seed has one reference PubMed does not hold
    assert reasons.count("not_in_pubmed") <= clean_not_in_pubmed
    assert result.records == []  # none of the records PubMed sent were asked for
    failed = [r for r in result.resolutions if r.reason == "failed"]
    assert failed and all("records for other PMIDs" in r.detail for r in failed)


def test_a_build_that_would_lose_records_is_refused(built, server, tmp_path, capsys):
    data = copy_kb(built, tmp_path)
    pointer = (data / "store" / "CURRENT").read_bytes()
    records = (data / "records.jsonl").read_bytes()
    server.inject_always(None, Fault("503"))
    code = main(["build", "99000001", "--data-dir", str(data), "--eutils-url", server.url,
                 "--no-cache", "--no-progress", "--api-key", "synthetic-test-key"])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err[-1].startswith("kb: error: this build would drop 10 of 11 stored records")
    assert "Traceback" not in "\n".join(err)
    assert (data / "store" / "CURRENT").read_bytes() == pointer
    assert (data / "records.jsonl").read_bytes() == records


def test_refresh_stores_no_record_it_did_not_ask_for(built, server, tmp_path):
    data = copy_kb(built, tmp_path)
    revise_title(server.corpus)  # a revision, so refresh fetches that one record
    server.inject_always("efetch", Fault("extra_pmid"))
    extra = hostile.extra_pmid(server.corpus)  # the PMID extra_pmid adds to an answer
    assert extra not in _pmids(data)
    report = refresh(data, settings_for(server, data), progress=False)
    assert report.added == [] and report.revised == [REVISED]
    assert extra not in _pmids(data)
    assert len(Build.load(data).records) == 11


def _pmids(data) -> set[str]:
    return {r.pmid for r in Build.load(data).records}
