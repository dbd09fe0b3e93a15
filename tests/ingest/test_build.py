"""``kb build`` / ``kb demo`` end to end on the synthetic demo corpus, clean and under faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.build import BuildOptions, build
from ingest.demo import demo_seed
from ingest.entrez.fake import Fault
from kb.cli import main
from kb.config import ConfigError, load_settings
from kb.datadir import Build
from kb.jsonl import to_dict
from tests.conftest import SEED_PATH, shared_file
from tests.ingest.test_client import make_settings

DATA_FILES = [
    "seed.json",
    "references.jsonl",
    "records.jsonl",
    "fulltexts.jsonl",
    "cited_by.jsonl",
    "extractions.jsonl",
]
DEMO_SUMMARY = (
    "10 references: 7 resolved (4 doi, 1 ecitmatch, 1 pmid, 1 title), 3 unresolved "
    "(1 ambiguous, 1 no_match, 1 not_in_pubmed); 11 records; 1 full texts (1 abstract only); "
    "4 citing articles"
)
OPTIONS = BuildOptions(cited_by=True, cited_by_limit=10, progress=False)


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {name: (data_dir / name).read_bytes() for name in DATA_FILES}


def test_kb_demo_end_to_end_then_warm_rerun(tmp_path, capsys):
    data = tmp_path / "kb"
    assert main(["demo", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DEMO" in out and DEMO_SUMMARY in out
    first = snapshot(data)
    built = Build.load(data)
    assert [r.reference.number for r in built.resolutions] == list(range(1, 11))
    by_pmid = {r.pmid: r for r in built.records}
    assert by_pmid["99000003"].retracted and not by_pmid["99000001"].retracted
    assert any(c.ref_type == "ErratumIn" for c in by_pmid["99000005"].comments_corrections)
    [oa] = [t for t in built.fulltexts if t.open_access]
    assert oa.pmcid == "PMC99000001" and oa.sections
    assert {c.pmid: c.cited_by for c in built.cited_by if c.cited_by} == {
        "99000001": ["99000016", "99000015", "99000013"],
        "99000007": ["99000016", "99000015", "99000014"],
    }

    assert main(["demo", "--data-dir", str(data)]) == 0
    assert "0 requests, 23 from cache" in capsys.readouterr().out
    assert snapshot(data) == first  # the same bytes: a rerun changes nothing


FAULT_PLAN = {
    "esearch": ["500", "429", "error_body", "timeout", "503"],
    "efetch": ["truncate", "502", "invalid_xml", "reset"],
    "ecitmatch": ["503", "truncate"],
    "elink": ["error_body", "500"],
}


def test_a_build_under_faults_equals_a_clean_build(server, tmp_path):
    clean = build(demo_seed(), make_settings(server, tmp_path / "clean"), OPTIONS)
    server.clear()
    for utility, kinds in FAULT_PLAN.items():
        server.inject(utility, *[Fault(k, retry_after=0.05, delay=1.0) for k in kinds])
    faulty_settings = make_settings(server, tmp_path / "faulty", timeout=0.5)
    faulty = build(demo_seed(), faulty_settings, OPTIONS)
    assert faulty.info.report.failures == []
    faulted = [r for r in server.log if r.fault]
    assert len(faulted) == sum(len(k) for k in FAULT_PLAN.values())
    for part in ("resolutions", "records", "fulltexts", "cited_by"):
        assert to_dict(getattr(faulty, part)) == to_dict(getattr(clean, part)), part


def test_offline_with_an_empty_cache_reports_what_is_missing(tmp_path, capsys):
    seed = tmp_path / "refs.txt"
    seed.write_text("Smith A. A synthetic title. J Synth. 2020;1(1):1-2. DOI: 10.99999/x.1\n")
    code = main(
        [
            "build",
            "--seed",
            str(seed),
            "--data-dir",
            str(tmp_path / "kb"),
            "--offline",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert 'offline, and no cached answer for esearch(db=pubmed, term="10.99999/x.1"[doi])' in err
    [res] = Build.load(tmp_path / "kb").resolutions
    assert res.reason == "failed"  # kept, with its reason; the next online run retries it


def test_build_from_identifiers_on_the_command_line(server, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KB_EUTILS_URL", server.url)
    monkeypatch.setenv("KB_API_KEY", "synthetic-test-key")
    code = main(
        [
            "build",
            "10.99999/synth.2019.014",
            "99000010",
            "--data-dir",
            str(tmp_path / "kb"),
            "--no-progress",
        ]
    )
    assert code == 0
    assert "2 references: 2 resolved (1 doi, 1 pmid)" in capsys.readouterr().out


def test_kb_seed_prints_the_shared_seed(capsys):
    assert main(["seed", str(shared_file(SEED_PATH))]) == 0
    out = capsys.readouterr().out
    assert "References (15, 14 with DOI):" in out and "Citation contexts (15):" in out
    assert main(["seed", str(SEED_PATH), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["references"]) == 15 and doc["metadata"]["doi"] == "10.51985/jbumdc2025503"


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "is empty"), (b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary file")]
)
def test_bad_seed_files_get_a_clear_error(tmp_path, capsys, content, message):
    path = tmp_path / "seed.txt"
    path.write_bytes(content)
    assert main(["seed", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_settings_precedence_file_env_flags(tmp_path):
    cfg = tmp_path / "casebook.toml"
    cfg.write_text('email = "file@x.invalid"\ntimeout = 5\ntool = "from-file"\n')
    env = {"KB_EMAIL": "env@x.invalid", "KB_TIMEOUT": "7"}
    s = load_settings({"timeout": 9.0, "email": None}, config_path=cfg, environ=env)
    assert (s.tool, s.email, s.timeout) == ("from-file", "env@x.invalid", 9.0)
    assert s.requests_per_second == 3.0
    assert load_settings({"api_key": "k"}, environ={}).requests_per_second == 10.0
    cfg.write_text('emial = "typo"\n')
    with pytest.raises(ConfigError, match="unknown setting 'emial'"):
        load_settings(config_path=cfg, environ={})


def test_kb_eval_prints_precision_and_recall(capsys):
    assert main(["eval", str(shared_file(SEED_PATH)), "--synthetic", "5"]) == 0
    out = capsys.readouterr().out
    assert "type              P     R" in out and "SYNTHETIC: 5 generated abstracts" in out
    lines = {line.split()[0]: line.split()[1:3] for line in out.splitlines() if line[:1].isalpha()}
    assert "negated" in lines and "reference" in lines


def test_kb_eval_refuses_a_seed_the_gold_was_not_written_for(tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("# Synthetic\n\n## References\n\n- Smith A. T. J Synth. 2020;1:1.\n")
    assert main(["eval", str(other)]) == 2
    assert "sha256" in capsys.readouterr().err
