"""Records read from their lines on demand (kb.lines) and the data files saved from them."""

from __future__ import annotations

import dataclasses
import os

import pytest

from kb.datadir import Build, BuildInfo
from kb.jsonl import dumps_jsonl
from kb.lines import Lines
from kb.records import BuildReport, Extraction, PubmedRecord, SeedDocument, SeedMetadata

RECORDS = [
    PubmedRecord("20", "Synthetic twenty", pmcid="PMC20"),
    PubmedRecord("3", 'Synthetic "three" with {"pmid": "9"} inside'),
    PubmedRecord("100", "Synthetic ünïcode"),
]


@pytest.fixture
def lines(tmp_path) -> Lines[PubmedRecord]:
    path = tmp_path / "records.jsonl"
    path.write_bytes(dumps_jsonl(RECORDS))
    return Lines.scan(path, PubmedRecord, "pmid", alias="pmcid")


def test_records_are_found_by_key_and_parsed_when_read(lines):
    assert len(lines) == 3 and lines.keys() == ["20", "3", "100"]
    assert list(lines) == RECORDS and lines == RECORDS and lines[1] == RECORDS[1]
    assert lines.aliases() == {"PMC20": "20"}
    by_key = lines.by_key("pmid:")
    assert "pmid:3" in by_key and "pmid:9" not in by_key and by_key["pmid:100"] == RECORDS[2]
    assert [r.pmid for r in lines.sorted(int)] == ["3", "20", "100"]
    assert [r.pmid for r in lines.where(lambda k: k != "3")] == ["20", "100"]


def test_raw_lines_are_the_bytes_written(lines, tmp_path):
    assert b"".join(lines.raw()) == (tmp_path / "records.jsonl").read_bytes()


def test_the_key_is_read_without_parsing_the_line(tmp_path):
    path = tmp_path / "extractions.jsonl"
    path.write_bytes(dumps_jsonl([Extraction('pmid:1#"x"'), Extraction("pmc:PMC2")]))
    assert Lines.scan(path, Extraction, "document").keys() == ['pmid:1#"x"', "pmc:PMC2"]


def test_a_line_that_is_not_a_record_is_named(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_bytes(dumps_jsonl(RECORDS[:1]) + b'{"title": "no pmid"}\n')
    with pytest.raises(ValueError, match=r"records.jsonl:2: not a record line"):
        Lines.scan(path, PubmedRecord, "pmid")


def test_a_file_replaced_after_it_was_indexed_is_an_error_not_other_records(lines, tmp_path):
    path = tmp_path / "records.jsonl"
    new = tmp_path / "new.jsonl"
    new.write_bytes(dumps_jsonl(list(reversed(RECORDS))))
    os.replace(new, path)
    with pytest.raises(RuntimeError, match="changed after it was read"):
        list(lines)


def test_a_loaded_build_still_reads_its_own_files_after_a_save(tmp_path):
    build = _build(RECORDS)
    build.save(tmp_path)
    loaded = Build.load(tmp_path)
    dataclasses.replace(build, records=RECORDS[:1], extractions=[]).save(tmp_path)
    assert sorted(r.pmid for r in loaded.records) == ["100", "20", "3"]  # the snapshot
    assert [r.pmid for r in Build.load(tmp_path).records] == ["20"]


def test_saving_a_loaded_build_gives_the_same_bytes(tmp_path):
    _build(RECORDS).save(tmp_path / "a")
    Build.load(tmp_path / "a").save(tmp_path / "b")
    for name in ("records.jsonl", "extractions.jsonl", "build.json", "seed.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert [r.pmid for r in Build.load(tmp_path / "b").records] == ["3", "20", "100"]
    last_good = tmp_path / "b" / "last-good" / "records.jsonl"
    assert last_good.read_bytes() == (tmp_path / "a" / "records.jsonl").read_bytes()


def _build(records: list[PubmedRecord]) -> Build:
    seed = SeedDocument("synthetic seed", "0" * 64, SeedMetadata(), [], [], [])
    extractions = [Extraction(f"pmid:{r.pmid}") for r in records]
    info = BuildInfo(BuildReport(), "2026-12-07T00:00:00Z")
    return Build(seed, [], records, [], [], info, extractions)


def test_records_made_here_join_loaded_ones_and_save_in_key_order(lines, tmp_path):
    made = Lines.of(
        PubmedRecord, [PubmedRecord("7", "Synthetic seven", pmcid="PMC7")], "pmid", "pmcid"
    )
    both = made + lines
    assert both.keys() == ["7", "20", "3", "100"] and both.aliases() == {"PMC7": "7", "PMC20": "20"}
    assert both[0].title == "Synthetic seven" and both.by_key()["3"] == RECORDS[1]
    build = dataclasses.replace(_build([]), records=both)
    build.save(tmp_path / "kb")
    assert [r.pmid for r in Build.load(tmp_path / "kb").records] == ["3", "7", "20", "100"]
