"""`kb export`: every format parses back to what the KB holds; the pure renderers on their own."""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
from pathlib import Path

import pytest
from rdflib import Dataset

from kb import export, jsonl
from kb.cli import export as export_command
from kb.datadir import Build
from kb.export import (
    BibEntry,
    bib_entry,
    bibtex_escape,
    bibtex_keys,
    evidence_csv,
    evidence_rows,
    page_range,
    reference_author,
    to_bibtex,
    to_ris,
)
from kb.jsonl import atomic_write
from kb.records import Evidence, Extraction, Finding, Reference, Resolution
from kb.store import open_store

# rdflib's own TriG / JSON-LD plugins still call its deprecated ConjunctiveGraph API
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")


@pytest.fixture(scope="module")
def demo_dir(demo_kb: Path) -> Path:
    return demo_kb


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Build:
    return Build.load(demo_dir)


@pytest.fixture(scope="module")
def store_quads(demo_dir: Path) -> int:
    return len(open_store(demo_dir))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kb")
    export_command.register(p.add_subparsers(dest="command", required=True))
    return p


def run_export(demo_dir: Path, fmt: str, out: Path) -> str:
    args = parser().parse_args(
        ["export", "--format", fmt, "--data-dir", str(demo_dir), "--output", str(out)]
    )
    assert args.func(args) == 0
    return out.read_text(encoding="utf-8")


def count_quads(dataset: Dataset) -> int:
    return sum(1 for _ in dataset.quads((None, None, None, None)))


# --------------------------------------------------------------------------- RDF


def test_nquads_is_the_store_sorted(demo_dir: Path, store_quads: int, tmp_path: Path) -> None:
    text = run_export(demo_dir, "nquads", tmp_path / "kb.nq")
    lines = text.splitlines()
    assert lines == sorted(lines) and len(lines) == store_quads
    ds = Dataset()
    ds.parse(data=text, format="nquads")
    assert count_quads(ds) == store_quads
    assert run_export(demo_dir, "nquads", tmp_path / "again.nq") == text  # deterministic


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("trig", "trig"), ("jsonld", "json-ld")])
def test_trig_and_jsonld_parse_back(
    demo_dir: Path, store_quads: int, tmp_path: Path, fmt: str, rdflib_format: str
) -> None:
    text = run_export(demo_dir, fmt, tmp_path / f"kb.{fmt}")
    ds = Dataset()
    ds.parse(data=text, format=rdflib_format)
    assert count_quads(ds) == store_quads
    if fmt == "trig":
        for prefix in ("cb", "skos", "prov", "cito", "fabio", "dcterms"):
            assert f"@prefix {prefix}: " in text
        assert " cb:Finding " in text or " cb:Finding;" in text or "cb:Finding ;" in text
    else:
        assert '"cb": "https://casebook.invalid/ontology#"' in text


# --------------------------------------------------------------------------- CSV


def test_csv_has_one_row_per_finding(demo_dir: Path, demo: Build, tmp_path: Path) -> None:
    text = run_export(demo_dir, "csv", tmp_path / "evidence.csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    findings = [f for ex in demo.extractions for f in ex.findings]
    assert len(rows) == len(findings) > 0
    assert list(rows[0]) == export.EVIDENCE_COLUMNS
    by_id = {r["finding"]: r for r in rows}
    with_comma = next(f for f in findings if "," in f.evidence.sentence)
    row = by_id[with_comma.id]
    assert row["sentence"] == with_comma.evidence.sentence
    assert (row["kind"], row["concept"], row["document"]) == (
        with_comma.kind,
        with_comma.concept,
        with_comma.evidence.document,
    )
    assert int(row["span_start"]) == with_comma.evidence.span_start


def _finding(sentence: str, value: str | None = None) -> Finding:
    evidence = Evidence("pmid:1", "text", "casebook.nlp", "0.1", "abstract", sentence,
                        0, len(sentence), 4, 9, 0.9)  # fmt: skip
    return Finding("f1", "condition", "calcinosis", "calcinosis", "chalk", "case:pmid:1#1",
                   "negated", evidence, value=value)  # fmt: skip


def test_evidence_csv_quotes_commas_quotes_and_newlines() -> None:
    sentence = 'The "chalk", it said,\nwas not calcinosis; 50% resolved.'
    rows = evidence_rows([Extraction("pmid:1", findings=[_finding(sentence)])])
    assert rows[0]["value"] == "" and rows[0]["score"] == "0.9"
    back = list(csv.DictReader(io.StringIO(evidence_csv(rows), newline="")))
    assert back == rows and back[0]["sentence"] == sentence


# --------------------------------------------------------------------------- RIS and BibTeX


def test_ris_has_every_reference(demo_dir: Path, demo: Build, tmp_path: Path) -> None:
    text = run_export(demo_dir, "ris", tmp_path / "refs.ris")
    records = [r for r in text.split("\n\n") if r.strip()]
    assert len(records) == len(demo.seed.references) == 10
    assert all(r.startswith("TY  - JOUR") and r.rstrip().endswith("ER  -") for r in records)
    resolved = [r.pmid for r in demo.resolutions if r.resolved]
    assert len(resolved) == 7
    pmids = re.findall(r"^AN  - (\d+)$", text, flags=re.MULTILINE)
    assert sorted(pmids) == sorted(resolved)
    unresolved = [r for r in records if "unresolved (" in r]
    assert len(unresolved) == 3 and all("\nTI  - " in r for r in unresolved)
    assert re.search(r"^AU  - [^,\n]+, [A-Z]+$", text, flags=re.MULTILINE)


def test_bibtex_has_unique_keys(demo_dir: Path, demo: Build, tmp_path: Path) -> None:
    text = run_export(demo_dir, "bibtex", tmp_path / "refs.bib")
    keys = re.findall(r"^@article\{([^,]+),$", text, flags=re.MULTILINE)
    assert len(keys) == 10 and len(set(keys)) == 10
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in keys)
    assert text.count("pmid = {") == 7
    assert "Sørlie" in text  # non-ASCII kept as UTF-8 in fields, folded in keys
    assert text.count("{") == text.count("}")


def test_bibtex_escapes_special_characters() -> None:
    ref = Reference(1, "raw", authors=["O'Brien_Smith J", "Group & Co"],
                    title="Calcium & phosphate in 50% of {cases}: $5 #1 a_b \\ end",
                    journal="J Synth", year=2020, pages="14-8")  # fmt: skip
    entry = bib_entry(ref, Resolution(ref, reason="no_match", detail="best 0.3"), None)
    text = to_bibtex([entry])
    assert (
        r"title = {Calcium \& phosphate in 50\% of \{cases\}: \$5 \#1 a\_b \textbackslash{} end}"
        in text
    )
    assert r"author = {O'Brien\_Smith, J and {Group \& Co}}" in text
    assert "pages = {14--18}" in text
    assert "note = {Seed reference 1; unresolved (no\\_match): best 0.3}" in text
    assert "pmid" not in text


def test_bibtex_keys_disambiguate_clashes() -> None:
    entries = [
        BibEntry(1, ["Smith, J"], year=2020),
        BibEntry(2, ["Ødegård, K"], year=2019),
        BibEntry(3, ["Smith, A"], year=2020),
        BibEntry(4, [], year=None),
    ]
    assert bibtex_keys(entries) == ["smith2020a", "odegard2019", "smith2020b", "anonnd"]


def test_ris_record_of_a_synthetic_entry() -> None:
    entry = BibEntry(3, ["Sørlie, AM", "WHO Working Group"], title="A, b", journal="J",
                     journal_abbrev="J", year=2021, pages="101-9", pmid="42", note="resolved")  # fmt: skip
    text = to_ris([entry])
    assert "AU  - Sørlie, AM\nAU  - WHO Working Group\n" in text
    assert "SP  - 101\nEP  - 109\n" in text and "AN  - 42\n" in text
    assert text.endswith("ER  - \n\n")


@pytest.mark.parametrize(
    ("pages", "expected"),
    [("14-8", ("14", "18")), ("327-31", ("327", "331")), ("e12", ("e12", None)),
     ("100–105", ("100", "105")), (None, (None, None))],
)  # fmt: skip
def test_page_range(pages: str | None, expected: tuple[str | None, str | None]) -> None:
    assert page_range(pages) == expected


def test_reference_author() -> None:
    assert reference_author("Mishra V") == "Mishra, V"
    assert reference_author("van der Berg AB") == "van der Berg, AB"
    assert reference_author("WHO Working Group") == "WHO Working Group"


def test_bibtex_escape_is_single_pass() -> None:
    assert bibtex_escape("\\{") == r"\textbackslash{}\{"


# --------------------------------------------------------------------------- command


def test_stdout_by_default(demo_dir: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    args = parser().parse_args(["export", "--format", "ris", "--data-dir", str(demo_dir)])
    assert args.func(args) == 0
    assert capsysbinary.readouterr().out.decode("utf-8").count("ER  - ") == 10


def test_output_is_written_atomically(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sub" / "refs.bib"
    seen: list[tuple[bool, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: Path) -> None:  # the target appears only as a complete file
        seen.append((Path(dst).exists(), Path(src).read_text(encoding="utf-8")))
        real_replace(src, dst)

    monkeypatch.setattr(jsonl.os, "replace", spy)
    text = run_export(demo_dir, "bibtex", out)
    assert seen == [(False, text)] and text.count("@article{") == 10
    assert [p.name for p in out.parent.iterdir()] == ["refs.bib"]  # no temporary left


def test_failed_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "refs.ris"
    out.write_text("previous", encoding="utf-8")

    def fail(src: str, dst: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(jsonl.os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write(out, b"new")
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.ris"]


def test_unknown_format_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parser().parse_args(["export", "--format", "xml"])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_format_is_required() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["export"])


def test_no_build_is_an_error(tmp_path: Path) -> None:
    args = parser().parse_args(["export", "--format", "csv", "--data-dir", str(tmp_path / "none")])
    with pytest.raises(FileNotFoundError):
        args.func(args)


def test_an_export_to_a_device_writes_into_it_and_leaves_it_a_device(demo_kb, tmp_path, capsys):
    """`-o /dev/null` once replaced /dev/null with a file (written beside it, renamed over it).
    A FIFO stands in for the device here: its reader gets the bytes and it stays a FIFO."""
    import os
    import stat
    import threading

    from kb.cli import main

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["export", "--format", "ris", "-o", str(fifo), "--data-dir", str(demo_kb)]) == 0
    reader.join(30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got and got[0].startswith(b"TY  - JOUR")
    assert "ris export written to" in capsys.readouterr().out
