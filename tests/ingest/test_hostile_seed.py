"""Hostile seed files: each gets a clear error or a correct answer, never a traceback, never a
changed store.

Malformed, empty, binary, unreadable and oversized files; seeds in every encoding they arrive in;
references in non-Latin scripts; markup, SPARQL-looking strings and control characters. Run
through the real command line (``kb.cli.main`` in-process, and ``python -m kb.cli`` in a child
process where the exit status, stderr or wall time matter) and through the library.

Every text and byte string in this module is SYNTHETIC, written for these tests: fictional
authors, titles and journals, DOIs under the fake prefix 10.99999/, PMIDs in the demo range.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from ingest.references import normalize_doi, parse_reference
from ingest.seed.citations import MAX_CONTEXT_CHARS
from ingest.seed.decode import MAX_SEED_BYTES, SeedError, decode_text, read_limited
from ingest.seed.document import (
    MAX_WARNINGS,
    read_seed,
    read_seed_bytes,
    read_seed_file,
    seed_from_identifiers,
)
from ingest.sentences import split_sentences
from kb.cli import main
from kb.jsonl import to_dict


def run_kb(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``kb ARGS`` in-process: exit status, stdout, stderr (an exception fails the test)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def run_kb_process(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """``python -m kb.cli ARGS`` in a child process: the real entry point, stderr as printed."""
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", *args],
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **env},
    )
    proc.stdout = proc.stdout.decode("utf-8", errors="replace")
    proc.stderr = proc.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# SYNTHETIC: a small, well-formed case report (fictional names, fake DOIs)
CASE_REPORT = (
    "# A synthetic case of calcinosis\n\n"
    "Alpha Author, Beta Author\n\n"
    "## Introduction\n\n"
    "Synthetic lesions are described in fictional literature [1]. Others report them too [2, 3].\n\n"
    "## Case presentation\n\n"
    "Case 1: A 3-month-old synthetic infant had a fictional nodule (1). It resolved [2-3].\n\n"
    "## Discussion\n\n"
    "The fictional nodule is benign<sup>3</sup>. Fig. 1 shows e.g. the synthetic lesion.\n\n"
    "## References\n\n"
    "1. Alpha A, Beta B. A synthetic title one. J Synth. 2020;1(2):3-4. doi:10.99999/syn.1\n"
    "2. Gamma C. A synthetic title two. Synth Rep. 2021;5:e12. PMID: 99000001\n"
    "3. Delta D, Epsilon E. A synthetic title three. Synth Derm. 2019 Jan;7(1):1-5.\n"
)


def references_section(*lines: str) -> str:
    """SYNTHETIC: a minimal article around a reference list."""
    return "# Synthetic title\n\n## Discussion\n\nCited [1].\n\n## References\n\n" + "".join(
        line + "\n" for line in lines
    )


# --------------------------------------------------------------------------- empty and malformed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b" \t\r\n\n   \n", "the file is empty (only whitespace)"),
        ("\u00a0\u3000\n\u2029".encode(), "the file is empty (no text after decoding)"),
        (b"\xef\xbb\xbf", "the file is empty (no text after decoding)"),  # a UTF-8 BOM alone
        (b"\xff\xfe \x00\n\x00", "the file is empty (no text after decoding)"),  # UTF-16 "\x20\n"
    ],
)
def test_empty_files_are_a_clear_error(tmp_path, capsys, content, message):
    path = write(tmp_path / "empty.md", content)
    code, out, err = run_kb(capsys, "seed", str(path), "--json")
    assert (code, out) == (2, "")
    assert err == f"kb: error: empty.md: {message}\n"
    with pytest.raises(SeedError, match="is empty"):
        read_seed_bytes(content, "empty.md")


def test_a_references_heading_with_no_references(tmp_path, capsys):
    path = write(
        tmp_path / "s.md", "# Synthetic title\n\n## Discussion\n\nText [1].\n\n## References\n\n"
    )
    code, out, _ = run_kb(capsys, "seed", str(path), "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["references"] == [] and doc["warnings"] == ["no reference list found"]
    # with no list to check them against, markers are still reported
    assert [(c["numbers"], c["sentence"]) for c in doc["citations"]] == [([1], "Text.")]
    # a heading followed only by junk too short to be an entry
    doc = read_seed("## References\n\n-\n*\n1.\n")
    assert doc.references == [] and "no reference list found" in doc.warnings


def test_references_without_numbers_are_numbered_in_order():
    doc = read_seed(
        references_section(
            "- Alpha A. Synthetic one. J Synth. 2020;1:1.",
            "- Beta B. Synthetic two. J Synth. 2020;1:2.",
            "Gamma C. Synthetic three. J Synth. 2020;1:3.",
        )
    )
    assert [(r.number, r.authors) for r in doc.references] == [
        (1, ["Alpha A"]),
        (2, ["Beta B"]),
        (3, ["Gamma C"]),
    ]
    assert [c.numbers for c in doc.citations] == [[1]]


def test_duplicated_reference_numbers_are_kept_and_reported():
    doc = read_seed(
        references_section(
            "1. Alpha A. Synthetic one. J Synth. 2020;1:1.",
            "2. Beta B. Synthetic two. J Synth. 2020;1:2.",
            "2. Beta B. Synthetic two again. J Synth. 2020;1:2.",
            "3. Gamma C. Synthetic three. J Synth. 2020;1:3.",
        )
    )
    assert [r.number for r in doc.references] == [1, 2, 2, 3]
    assert doc.references[2].title == "Synthetic two again"
    assert "reference numbered 2 where 3 was expected" in doc.warnings
    assert "reference numbers repeat: 2" in doc.warnings


def test_reference_numbers_out_of_order_are_kept_as_written():
    text = references_section(
        "3. Gamma C. Synthetic three. J Synth. 2020;1:3. doi:10.99999/syn.3",
        "1. Alpha A. Synthetic one. J Synth. 2020;1:1. doi:10.99999/syn.1",
        "2. Beta B. Synthetic two. J Synth. 2020;1:2.",
    )
    doc = read_seed(text)
    assert [(r.number, r.doi) for r in doc.references] == [
        (3, "10.99999/syn.3"),
        (1, "10.99999/syn.1"),
        (2, None),
    ]
    assert "reference numbered 3 where 1 was expected" in doc.warnings
    assert [c.numbers for c in doc.citations] == [[1]]  # [1] still names reference 1


def test_a_reference_line_of_100000_characters(tmp_path, capsys):
    # SYNTHETIC: one reference whose title is 100,000 characters of fictional words
    title = " ".join(f"synthetic{i:05d}" for i in range(7000))[:100_000].rstrip()
    line = f"1. Alpha A, Beta B. {title}. J Synth. 2020;1(2):3-4. doi:10.99999/syn.long"
    assert len(line) > 100_000
    text = references_section(line, "2. Gamma C. Short synthetic title. J Synth. 2021;2:5.")
    started = time.perf_counter()
    doc = read_seed(text)
    assert time.perf_counter() - started < 10  # measured: 0.05 s
    first = doc.references[0]
    assert (first.number, first.doi, first.year, first.pages) == (
        1,
        "10.99999/syn.long",
        2020,
        "3-4",
    )
    assert first.title == title and first.raw == line[3:]
    assert doc.references[1].title == "Short synthetic title"
    code, out, _ = run_kb(capsys, "seed", str(write(tmp_path / "long.md", text)), "--json")
    assert code == 0 and json.loads(out)["references"][0]["title"] == title


# Lines that made the old patterns backtrack for minutes (a heading of "# T" and 5,000 spaces
# took 302 s): each is now one linear pass. SYNTHETIC.
SPACES = " " * 100_000


@pytest.mark.parametrize(
    "text",
    [
        "# T" + SPACES + "x\n",  # Markdown heading: title, spaces, not-a-closing-#
        "# " + "# " * 50_000 + "x\n",
        "Abstract" + SPACES + "x\n",  # a plain heading word and a long tail
        "**Abstract**" + SPACES + "x\n",
        "## Discussion\n\nA <sup>" + SPACES + "1" + SPACES + "x\n",
        "## Discussion\n\nA [" + SPACES + "1" + SPACES + "x\n",
        "## Discussion\n\nA (" + SPACES + "1" + SPACES + ", 2" + SPACES + "x\n",
        "doi" + SPACES + ":" + SPACES + "x\n\n## References\n\n1. Alpha A. T. J. 2020;1:1.\n",
        "## Discussion\n\n" + "Fig. 1 " * 30_000 + "\n",  # abbreviations never end the sentence
        "## Discussion\n\n"
        + "a b c [1] " * 10_000
        + "\n\n## References\n\n1. Alpha A. T. J. 2020;1:1.\n",
        "## References\n\n" + "PMID" + SPACES + ":" + SPACES + "x " + ". 2020;1:1" * 10_000 + "\n",
    ],
    ids=[
        "md-heading-spaces",
        "md-heading-hashes",
        "plain-heading-spaces",
        "bold-heading-spaces",
        "sup-spaces",
        "bracket-spaces",
        "paren-spaces",
        "doi-spaces",
        "abbreviations",
        "markers-in-one-sentence",
        "pmid-spaces-and-dates",
    ],
)
def test_pathological_lines_parse_in_linear_time(text):
    started = time.perf_counter()
    doc = read_seed(text)
    assert time.perf_counter() - started < 15  # measured: 0.01–0.6 s each
    assert len(doc.warnings) <= MAX_WARNINGS + 1


def test_a_sentence_of_200000_characters_gives_contexts_around_each_marker():
    # SYNTHETIC: no full stop anywhere, markers every 1,000 characters
    chunk = ("lorem ipsum " * 83)[:990] + " [1] "
    text = (
        "## Discussion\n\n"
        + chunk * 200
        + "\n\n## References\n\n1. Alpha A. T. J Synth. 2020;1:1.\n"
    )
    doc = read_seed(text)
    assert len(doc.citations) == 200
    for c in doc.citations:
        assert c.numbers == [1] and c.start <= c.marker_start < c.end
        assert c.end - c.start <= MAX_CONTEXT_CHARS and text[c.marker_start : c.marker_end] == "[1]"
    assert any("its context is cut" in w for w in doc.warnings)


def test_warnings_are_capped():
    # SYNTHETIC: 5,000 markers naming references the list does not have
    text = (
        "## Discussion\n\n"
        + "Text [9]. " * 5000
        + "\n\n## References\n\n1. Alpha A. T. J. 2020;1:1.\n"
    )
    doc = read_seed(text)
    assert len(doc.warnings) == MAX_WARNINGS + 1
    assert doc.warnings[-1] == "… and 4950 more warnings"


# --------------------------------------------------------------------------- binary and paths


def _random_bytes(n: int, seed: int = 20240601) -> bytes:
    return random.Random(seed).randbytes(n)


BINARY_CASES = {
    "random": (_random_bytes(20_000), "contains NUL bytes"),
    "random-without-nul": (_random_bytes(20_000).replace(b"\x00", b""), "looks like a binary file"),
    "random-after-utf16-bom": (
        b"\xff\xfe" + _random_bytes(20_000).replace(b"\x00", b"\x01"),
        "looks like a binary file",
    ),
    "png": (b"\x89PNG\r\n\x1a\n" + _random_bytes(4000), "a binary file (a PNG image)"),
    "nul-late": (CASE_REPORT.encode() * 20 + b"\x00\x00tail\n", "contains NUL bytes"),
    "gzip": (gzip.compress(CASE_REPORT.encode(), mtime=0), "a binary file (a gzip archive)"),
    "pdf": (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "(a PDF document), not plain text or Markdown: convert",
    ),
    "docx": (
        b"PK\x03\x04\x14\x00\x06\x00" + _random_bytes(500),
        "a ZIP archive or an Office document",
    ),
    "elf": (b"\x7fELF\x02\x01\x01\x00" + bytes(100), "an executable"),
}


@pytest.mark.parametrize("name", list(BINARY_CASES))
def test_binary_files_are_a_clear_error(tmp_path, capsys, name):
    content, message = BINARY_CASES[name]
    path = write(tmp_path / f"{name}.md", content)
    code, out, err = run_kb(capsys, "seed", str(path), "--json")
    assert (code, out) == (2, "")
    assert err.startswith(f"kb: error: {name}.md: ") and message in err
    assert "not plain text or Markdown" in err
    with pytest.raises(SeedError, match="binary file"):
        read_seed_file(path)


def test_binary_seed_through_the_real_entry_point(tmp_path):
    path = write(tmp_path / "image.md", BINARY_CASES["png"][0])
    proc = run_kb_process("seed", str(path), "--json")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "kb: error: image.md: a binary file (a PNG image), not plain text or Markdown\n"
    )


def test_a_directory_is_a_clear_error(tmp_path, capsys):
    folder = tmp_path / "seeds"
    folder.mkdir()
    code, out, err = run_kb(capsys, "seed", str(folder))
    assert (code, out) == (2, "") and "directory" in err.lower()
    with pytest.raises(SeedError, match="seeds: is a directory, not a seed file"):
        read_seed_file(folder)


def test_a_missing_path_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "seed.md"
    code, out, err = run_kb(capsys, "seed", str(missing), "--json")
    assert (code, out) == (2, "")
    assert err == f"kb: error: {missing}: no such file (nor is it a DOI or a PMID)\n"
    code, _, err = run_kb(capsys, "seed", "seed.md")  # relative, in the working directory
    assert code == 2 and "seed.md: no such file" in err
    code, _, err = run_kb(capsys, "seed", "not-an-identifier")
    assert code == 2 and "neither a DOI" in err and "nor an existing file" in err
    with pytest.raises(SeedError, match="no such file"):
        read_seed_file(missing)


def _deny(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Opening ``path`` fails as it would without read permission (we run as root, which can
    read any file: chmod alone proves nothing)."""
    real_open = Path.open

    def fake_open(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", fake_open)


def test_an_unreadable_file_is_a_clear_error_in_the_library(tmp_path, monkeypatch):
    path = write(tmp_path / "locked.md", CASE_REPORT)
    _deny(monkeypatch, path)
    with pytest.raises(SeedError, match=r"locked\.md: permission denied"):
        read_seed_file(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_for_real(tmp_path):
    path = write(tmp_path / "locked.md", CASE_REPORT)
    path.chmod(0)
    try:
        with pytest.raises(SeedError, match="permission denied"):
            read_seed_file(path)
        proc = run_kb_process("seed", str(path))
        assert proc.returncode == 2 and "permission denied" in proc.stderr.lower()
    finally:
        path.chmod(0o644)


def test_an_unreadable_file_is_a_clear_error_on_the_command_line(tmp_path, capsys, monkeypatch):
    path = write(tmp_path / "locked.md", CASE_REPORT)
    _deny(monkeypatch, path)
    code, out, err = run_kb(capsys, "seed", str(path))
    assert (code, out) == (2, "")
    assert err == f"kb: error: {path}: permission denied (the file cannot be read)\n"


def test_device_files_are_read_with_a_bound():
    started = time.perf_counter()
    with pytest.raises(SeedError, match="larger than the seed size limit of 10 MB"):
        read_seed_file("/dev/zero")  # endless: refused after MAX_SEED_BYTES + 1 bytes
    assert time.perf_counter() - started < 10
    with pytest.raises(SeedError, match="null: the file is empty"):
        read_seed_file("/dev/null")
    assert len(read_limited(Path("/dev/zero"), limit=10)) == 11


def test_kb_seed_dev_zero_is_refused():
    proc = run_kb_process("seed", "/dev/zero", timeout=60)
    assert proc.returncode == 2 and "larger than the seed size limit of 10 MB" in proc.stderr


# --------------------------------------------------------------------------- size


def synthetic_seed_of_size(size: int) -> bytes:
    """SYNTHETIC: the small case report repeated to ``size`` bytes (a real-looking structure:
    headings, cases, markers and numbered references all the way)."""
    unit = CASE_REPORT.encode() + b"\n"
    return (unit * (size // len(unit) + 1))[:size]


def test_a_50_mb_seed_is_refused_quickly_naming_the_limit(tmp_path):
    path = write(tmp_path / "huge.md", synthetic_seed_of_size(50 * 2**20))
    started = time.perf_counter()
    proc = run_kb_process("seed", str(path), "--json", timeout=120)
    elapsed = time.perf_counter() - started
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "huge.md" in proc.stderr
    assert "is larger than the seed size limit of 10 MB" in proc.stderr
    assert elapsed < 30  # measured: 0.3 s (the interpreter's start included)
    with pytest.raises(SeedError, match="larger than the seed size limit"):
        read_seed_file(path)


def test_a_seed_just_under_the_limit_is_parsed(tmp_path):
    data = synthetic_seed_of_size(MAX_SEED_BYTES)
    started = time.perf_counter()
    doc, text = read_seed_file(write(tmp_path / "big.md", data))
    elapsed = time.perf_counter() - started
    assert elapsed < 120  # measured: 3.8 s, 147 MB peak (50 MB unbounded: 21 s, 634 MB)
    units = data.count(b"# A synthetic case of calcinosis\n")
    assert len(doc.references) >= 3 * (units - 1)
    assert [r.number for r in doc.references[:6]] == [1, 2, 3, 1, 2, 3]  # numbers as written
    assert doc.references[3].doi == "10.99999/syn.1" and doc.references[4].pmid == "99000001"
    assert len(doc.warnings) <= MAX_WARNINGS + 1
    c = doc.citations[-1]
    assert text[c.marker_start : c.marker_end] == c.marker


# --------------------------------------------------------------------------- encodings

# SYNTHETIC: the same article with "Müller", "café", an en dash and curly quotes — characters
# that Windows-1252 has (Latin-1 lacks the dash and the quotes: its copy uses ASCII ones)
ENCODED = (
    "# Müller’s synthetic café – a fictional case\n\n"
    "## Introduction\n\n"
    "Müller described the café-au-lait lesion [1]. Others disagreed – “not so” [2].\n\n"
    "## References\n\n"
    "1. Müller A, Café B. Synthetische Kalzinose – ein Fall. Synth Derm. 2020;1(2):3-4. "
    "doi:10.99999/syn.enc.1\n"
    "2. Ñúñez C. Un cas synthétique. Rev Synth. 2021;5:6-7. doi:10.99999/syn.enc.2\n"
)
LATIN1 = ENCODED.replace("–", "-").replace("’", "'").replace("“", '"').replace("”", '"')


def _without_source(doc) -> dict:
    data = to_dict(doc)
    del data["source"], data["sha256"]
    return data


@pytest.mark.parametrize(
    ("name", "text", "encode"),
    [
        ("utf-8", ENCODED, lambda t: t.encode("utf-8")),
        ("utf-8-bom", ENCODED, lambda t: t.encode("utf-8-sig")),
        ("utf-16-le-bom", ENCODED, lambda t: b"\xff\xfe" + t.encode("utf-16-le")),
        ("utf-16-be-bom", ENCODED, lambda t: b"\xfe\xff" + t.encode("utf-16-be")),
        ("utf-32-le-bom", ENCODED, lambda t: b"\xff\xfe\x00\x00" + t.encode("utf-32-le")),
        ("utf-16-le-no-bom", ENCODED, lambda t: t.encode("utf-16-le")),
        ("utf-16-be-no-bom", ENCODED, lambda t: t.encode("utf-16-be")),
        ("cp1252", ENCODED, lambda t: t.encode("cp1252")),
        ("latin-1", LATIN1, lambda t: t.encode("latin-1")),
        ("crlf-utf-8", ENCODED.replace("\n", "\r\n"), lambda t: t.encode("utf-8")),
    ],
)
def test_encodings_decode_to_the_same_seed(tmp_path, capsys, name, text, encode):
    data = encode(text)
    assert decode_text(data) == text
    expected = _without_source(read_seed(text))
    assert _without_source(read_seed_bytes(data, "x")) == expected
    refs = expected["references"]
    assert [r["doi"] for r in refs] == ["10.99999/syn.enc.1", "10.99999/syn.enc.2"]
    assert refs[0]["authors"] == ["Müller A", "Café B"] and refs[1]["authors"] == ["Ñúñez C"]
    assert [c["numbers"] for c in expected["citations"]] == [[1], [2]]
    code, out, _ = run_kb(capsys, "seed", str(write(tmp_path / f"{name}.md", data)), "--json")
    assert code == 0 and _without_source_json(out) == expected


def _without_source_json(out: str) -> dict:
    data = json.loads(out)
    del data["source"], data["sha256"]
    return data


def test_invalid_utf8_mixed_into_utf8_keeps_the_valid_text():
    # SYNTHETIC: valid UTF-8 with stray bytes: a Windows-1252 "é", a truncated sequence, an
    # encoded surrogate, an overlong "/", a byte that is never UTF-8
    good = ENCODED.encode("utf-8")
    data = good.replace(
        b"Others disagreed", b"Caf\xe9 \xc3( \xed\xa0\x80 \xc0\xaf \xff Others disagreed"
    )
    text = decode_text(data)
    assert "Müller described the café-au-lait lesion" in text  # the UTF-8 around is intact
    assert "Café Ã( í\xa0€ À¯ ÿ Others disagreed" in text  # stray bytes read as Windows-1252
    doc = read_seed_bytes(data, "mixed.md")
    fields = [{**r, "start": None, "end": None} for r in to_dict(doc)["references"]]
    assert fields == [
        {**r, "start": None, "end": None} for r in to_dict(read_seed(ENCODED))["references"]
    ]
    assert all(text[r.start : r.end].endswith(r.raw) for r in doc.references)
    assert [c.numbers for c in doc.citations] == [[1], [2]]


def test_mostly_windows_1252_is_read_as_windows_1252():
    # SYNTHETIC: Windows-1252 text in which two bytes happen to form valid UTF-8 ("Ã©")
    data = ("Ã© " + ENCODED).encode("cp1252")
    assert decode_text(data) == "Ã© " + ENCODED


def test_undefined_windows_1252_bytes_and_bad_utf16_become_replacement_characters():
    assert decode_text(b"Synthetic \x81 text \x8d.") == "Synthetic \ufffd text \ufffd."
    # UTF-16 with a lone surrogate and an odd trailing byte
    data = b"\xff\xfe" + "Synthetic text.".encode("utf-16-le") + b"\x00\xd8A\x00B"
    assert decode_text(data) == "Synthetic text.\ufffdA\ufffd"


# --------------------------------------------------------------------------- scripts

RLO, PDF_, ZWJ = "\u202e", "\u202c", "\u200d"
# SYNTHETIC: fictional authors and titles in seven scripts, citation markers in full-width
# brackets and digits, decomposed accents, a zero-width joiner, a right-to-left override
SCRIPTS_TEXT = (
    "# Синтетический случай: a SYNTHETIC multilingual case\n\n"
    "## Introduction\n\n"
    "Кальциноз описан ранее [1]. Η ασβέστωση περιγράφεται [2]. 合成症例が報告された［3］。"
    "中文病例也有报道［4］。وصفت الحالة سابقا [5]. המקרה תואר בעבר [6]. यह मामला पहले वर्णित है [7]. "
    "The area was 4 m² and counts 10⁹/L¹². "
    f"Mu\u0308ller reported it [８]. Zero{ZWJ}width [9]. Override {RLO}txet desrever{PDF_} [10].\n\n"
    "## References\n\n"
    "1. Иванов ИИ, Петров ПП. Синтетический кальциноз кожи. Синт Журн. 2020;1(2):3-4. "
    "doi:10.99999/syn.ru.1\n"
    "2. Παπαδόπουλος Γ. Συνθετική ασβέστωση. Συνθ Περ. 2019;3:5-6. doi:10.99999/syn.gr.2\n"
    "3. 山田 太郎, 佐藤 花子. 合成症例の報告. 合成医学雑誌. 2021;2:5. doi:10.99999/syn.jp.3。\n"
    "4. 王 伟. 合成病例报告. 合成医学杂志. 2022;4(1):7-8. DOI：10.99999/syn.zh.4\n"
    "5. العلي أ. حالة اصطناعية. مجلة اصطناعية. 2018;9:10. doi:10.99999/syn.ar.5\n"
    "6. כהן א. מקרה סינתטי. כתב עת סינתטי. 2017;1:2. doi:10.99999/syn.he.6\n"
    "7. शर्मा अ. कृत्रिम मामला. कृत्रिम पत्रिका. 2016;5:6. doi:10.99999/syn.hi.7\n"
    "8. Mu\u0308ller A, Cafe\u0301 B. Synthetische Kalzinose – ein Fall. Synth Derm. 2020;1:1. "
    "doi:10.99999/syn.de.8\n"
    f"9. Zero{ZWJ}width Z. Joined{ZWJ}title. J Synth. 2020;1:1. doi:10.99999/syn.zw.9{ZWJ}\n"
    f"10. Over R. {RLO}eltit desrever{PDF_}. J Synth. 2020;1:1. doi:10.99999/syn.rlo.10{RLO}\n"
)


def test_references_in_non_latin_scripts_are_numbered_verbatim_with_their_dois():
    doc = read_seed(SCRIPTS_TEXT)
    refs = doc.references
    assert [r.number for r in refs] == list(range(1, 11))
    lines = SCRIPTS_TEXT.split("## References\n\n")[1].splitlines()
    assert [r.raw for r in refs] == [line.split(". ", 1)[1] for line in lines]  # verbatim
    for r in refs:
        assert SCRIPTS_TEXT[r.start : r.end].endswith(r.raw)  # offsets index the text
    suffixes = ["ru.1", "gr.2", "jp.3", "zh.4", "ar.5", "he.6", "hi.7", "de.8", "zw.9", "rlo.10"]
    # a DOI stops at CJK punctuation, a zero-width joiner and a bidi control
    assert [r.doi for r in refs] == [f"10.99999/syn.{s}" for s in suffixes]
    assert [r.year for r in refs] == [2020, 2019, 2021, 2022, 2018, 2017, 2016, 2020, 2020, 2020]
    assert refs[0].authors == ["Иванов ИИ", "Петров ПП"]  # Cyrillic initials
    assert refs[1].authors == ["Παπαδόπουλος Γ"]
    assert refs[1].title == "Συνθετική ασβέστωση" and refs[1].journal == "Συνθ Περ"
    assert refs[2].journal == "合成医学雑誌" and refs[4].journal == "مجلة اصطناعية"
    assert refs[7].authors == ["Mu\u0308ller A", "Cafe\u0301 B"]  # decomposed, kept as written
    assert refs[8].authors == [f"Zero{ZWJ}width Z"] and refs[8].title == f"Joined{ZWJ}title"
    assert refs[9].title == f"{RLO}eltit desrever{PDF_}"  # the override is text, not markup


def test_citation_contexts_in_non_latin_scripts():
    doc = read_seed(SCRIPTS_TEXT)
    got = [(c.numbers, c.marker, c.sentence) for c in doc.citations]
    assert got == [
        ([1], "[1]", "Кальциноз описан ранее."),
        ([2], "[2]", "Η ασβέστωση περιγράφεται."),
        ([3], "［3］", "合成症例が報告された。"),  # full-width brackets, CJK full stop
        ([4], "［4］", "中文病例也有报道。"),
        ([5], "[5]", "وصفت الحالة سابقا."),
        ([6], "[6]", "המקרה תואר בעבר."),
        ([7], "[7]", "यह मामला पहले वर्णित है."),
        ([8], "[８]", "Mu\u0308ller reported it."),  # a full-width digit
        ([9], "[9]", f"Zero{ZWJ}width."),
        ([10], "[10]", f"Override {RLO}txet desrever{PDF_}."),
    ]
    for c in doc.citations:
        assert SCRIPTS_TEXT[c.marker_start : c.marker_end] == c.marker
    # superscript digits are not citation markers: "m²", "10⁹/L¹²" are units and powers
    assert not any("²" in c.marker or "¹" in c.marker for c in doc.citations)
    assert doc.warnings == []


def test_reference_lists_numbered_in_full_width_forms():
    # SYNTHETIC: full-width brackets and digits, as CJK typesetting leaves them
    doc = read_seed(
        "# 合成标题\n\n## 讨论\n\n合成病例［1］。另一个［２］。\n\n## References\n\n"
        "［1］ 王 伟. 合成病例报告. 合成医学杂志. 2022;4(1):7-8. doi:10.99999/syn.fw.1\n"
        "［２］ 李 娜. 另一个合成病例. 合成医学杂志. 2023;5:9. doi:10.99999/syn.fw.2\n"
    )
    assert [(r.number, r.doi) for r in doc.references] == [
        (1, "10.99999/syn.fw.1"),
        (2, "10.99999/syn.fw.2"),
    ]
    assert doc.references[0].raw.startswith("王 伟.")
    assert [(c.numbers, c.sentence) for c in doc.citations] == [
        ([1], "合成病例。"),
        ([2], "另一个。"),
    ]


def test_nfc_and_nfd_copies_of_a_seed_give_the_same_fields():
    nfc = read_seed(unicodedata.normalize("NFC", SCRIPTS_TEXT))
    nfd = read_seed(unicodedata.normalize("NFD", SCRIPTS_TEXT))
    assert [r.number for r in nfd.references] == [r.number for r in nfc.references]
    assert [r.doi for r in nfd.references] == [r.doi for r in nfc.references]
    assert [unicodedata.normalize("NFC", a) for a in nfd.references[7].authors] == [
        "Müller A",
        "Café B",
    ]
    assert [c.numbers for c in nfd.citations] == [c.numbers for c in nfc.citations]


def test_kb_seed_json_keeps_every_script(tmp_path, capsys):
    path = write(tmp_path / "scripts.md", SCRIPTS_TEXT)
    code, out, _ = run_kb(capsys, "seed", str(path), "--json")
    doc = json.loads(out)
    assert code == 0
    assert [r["raw"] for r in doc["references"]] == [
        r.raw for r in read_seed(SCRIPTS_TEXT).references
    ]
    code, out, _ = run_kb(capsys, "seed", str(path))  # the human-readable listing
    assert code == 0 and "References (10, 10 with DOI):" in out and "Citation contexts (10):" in out
    assert "合成医学雑誌" in out and "Παπαδόπουλος Γ" in out


def test_a_terminal_that_cannot_show_the_script_gets_escapes_not_a_traceback(tmp_path):
    path = write(tmp_path / "scripts.md", SCRIPTS_TEXT)
    proc = run_kb_process("seed", str(path), PYTHONIOENCODING="latin-1")
    assert proc.returncode == 0 and "\\u5408\\u6210" in proc.stdout  # 合成


def test_identifiers_in_other_digits():
    doc = seed_from_identifiers(["PMID: ９９０００００１", "10.99999/syn.id"])
    assert [(r.pmid, r.doi) for r in doc.references] == [
        ("99000001", None),
        (None, "10.99999/syn.id"),
    ]
    # a command line's bytes that were not UTF-8 (Python's surrogateescape): read as Windows-1252
    doc = seed_from_identifiers(["10.99999/syn\udcff", "10.99999/syn\ud800"])
    assert [(r.raw, r.doi) for r in doc.references] == [
        ("10.99999/synÿ", "10.99999/synÿ"),
        ("10.99999/syn?", "10.99999/syn?"),
    ]
    ref = parse_reference("Alpha A. Synthetic. J Synth. 2020;1:1. PMID: ٩٩٠٠٠٠٠١")  # Arabic-Indic
    assert ref.pmid == "99000001"
    assert normalize_doi("doi:10.99999/syn.x。next") == "10.99999/syn.x"
    assert normalize_doi("doi：10.99999/syn.y（note）") == "10.99999/syn.y"


# --------------------------------------------------------------------------- hostile text

# SYNTHETIC: markup, injection-looking strings and control characters in a small article
HOSTILE_TEXT = (
    "# Synthetic hostile title <script>alert(1)</script>\n\n"
    "## Discussion\n\n"
    "A sentence with <img src=x onerror=alert(1)> markup cites [1]. "
    'A SPARQL-looking "} ; DROP ALL ; {" string is text [2]. '
    "A [link](javascript:alert(1)) and ![image](http://synthetic.invalid/x.png) [3].\n\n"
    "# References\n\n"  # a second top-level heading: still the reference list
    '1. Alpha A. <script>alert("x")</script> title. J Synth. 2020;1:1. doi:10.99999/syn.h1\n'
    '2. Beta B. "} ; DROP ALL ; { INSERT DATA { <a> <b> <c> } title. J Synth. 2021;2:2. '
    "doi:10.99999/syn.h2\n"
    "3. Gamma C. Escape \x1b[31mred\x1b[0m, bell \x07, DEL \x7f, CSI \x9b2J ## not a heading. "
    "J Synth. 2022;3:3. doi:10.99999/syn.h3\n"
)


def test_hostile_text_is_kept_as_inert_text(tmp_path, capsys):
    path = write(tmp_path / "hostile.md", HOSTILE_TEXT)
    code, out, _ = run_kb(capsys, "seed", str(path), "--json")
    doc = json.loads(out)
    assert code == 0
    refs = doc["references"]
    assert [r["number"] for r in refs] == [1, 2, 3]
    assert refs[0]["title"] == '<script>alert("x")</script> title'
    assert refs[1]["title"] == '"} ; DROP ALL ; { INSERT DATA { <a> <b> <c> } title'
    # control characters become U+FFFD one for one: no terminal escapes, offsets unchanged
    assert refs[2]["raw"] == (
        "Gamma C. Escape \ufffd[31mred\ufffd[0m, bell \ufffd, DEL \ufffd, CSI \ufffd2J ## not a "
        "heading. J Synth. 2022;3:3. doi:10.99999/syn.h3"
    )
    assert [r["doi"] for r in refs] == ["10.99999/syn.h1", "10.99999/syn.h2", "10.99999/syn.h3"]
    sentences = [c["sentence"] for c in doc["citations"]]
    assert sentences == [
        "A sentence with markup cites.",
        'A SPARQL-looking "}; DROP ALL; {" string is text.',
        "A [link](javascript:alert(1)) and ![image](http://synthetic.invalid/x.png).",
    ]
    code, out, _ = run_kb(capsys, "seed", str(path))
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "\x9b" not in out


def test_very_long_body_lines_and_many_markers(tmp_path, capsys):
    # SYNTHETIC: a 300,000-character paragraph of short sentences, each citing [1] or [2]
    para = " ".join(f"Synthetic finding number {i} was noted [{i % 2 + 1}]." for i in range(8000))
    text = (
        f"# Synthetic\n\n## Discussion\n\n{para}\n\n## References\n\n"
        "1. Alpha A. One. J Synth. 2020;1:1.\n2. Beta B. Two. J Synth. 2020;1:2.\n"
    )
    started = time.perf_counter()
    code, out, _ = run_kb(capsys, "seed", str(write(tmp_path / "long.md", text)), "--json")
    assert time.perf_counter() - started < 60  # measured: 0.9 s
    doc = json.loads(out)
    assert code == 0 and len(doc["citations"]) == 8000
    assert doc["citations"][4321]["sentence"] == "Synthetic finding number 4321 was noted."


def test_sentence_splitting_is_unchanged_for_ordinary_english():
    text = "Fig. 2 shows it. Dr. Smith saw e.g. a 3.5 cm mass.<sup>3</sup> Next one. lower case."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Fig. 2 shows it.",
        "Dr. Smith saw e.g. a 3.5 cm mass.<sup>3</sup>",
        "Next one. lower case.",
    ]


# --------------------------------------------------------------------------- kb build


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_failing_builds_leave_the_store_unchanged(demo_kb, tmp_path, capsys):
    data = tmp_path / "kb"
    shutil.copytree(demo_kb, data)
    before = _snapshot(data)
    current = (data / "store" / "CURRENT").read_text()
    folder = tmp_path / "adir"
    folder.mkdir()
    bad = {
        "empty": write(tmp_path / "empty.md", b""),
        "binary": write(tmp_path / "bin.md", BINARY_CASES["random"][0]),
        "gzip": write(tmp_path / "seed.md.gz", BINARY_CASES["gzip"][0]),
        "too large": write(tmp_path / "huge.md", synthetic_seed_of_size(MAX_SEED_BYTES + 1)),
        "directory": folder,
        "missing": tmp_path / "missing.md",
    }
    for what, path in bad.items():
        code, _, err = run_kb(
            capsys,
            "build",
            "--seed",
            str(path),
            "--offline",
            "--data-dir",
            str(data),
            "--no-progress",
        )
        assert code == 2, what
        assert err.startswith("kb: error: "), what
    assert (data / "store" / "CURRENT").read_text() == current
    assert _snapshot(data) == before


def test_offline_build_of_a_hostile_seed_into_an_empty_data_dir(tmp_path, capsys):
    data = tmp_path / "kb"
    scripts = SCRIPTS_TEXT.split("## References\n\n")[1].splitlines()  # numbered on: 4–13
    renumbered = [f"{n}. {line.split('. ', 1)[1]}" for n, line in enumerate(scripts, start=4)]
    path = write(tmp_path / "hostile.md", HOSTILE_TEXT + "\n".join(renumbered) + "\n")
    code, out, err = run_kb(
        capsys, "build", "--seed", str(path), "--offline", "--data-dir", str(data), "--no-progress"
    )
    # offline with no cache: every lookup is reported missing (exit 1), the rest is written
    assert code == 1 and "requests failed; rerun to retry them" in err
    assert "13 references: 0 resolved" in out
    assert (data / "store" / "CURRENT").exists()
    query = (
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?t WHERE { ?r dct:title ?t "
        'FILTER(CONTAINS(?t, "DROP ALL") || CONTAINS(?t, "script") || CONTAINS(?t, "desrever") '
        '|| CONTAINS(?t, "合成")) } ORDER BY ?t'
    )
    code, out, _ = run_kb(capsys, "sparql", query, "--data-dir", str(data), "--format", "json")
    titles = [row["t"] for row in json.loads(out)["rows"]]
    assert code == 0
    assert '"} ; DROP ALL ; { INSERT DATA { <a> <b> <c> } title' in titles
    assert '<script>alert("x")</script> title' in titles
    assert f"{RLO}eltit desrever{PDF_}" in titles
    assert "山田 太郎, 佐藤 花子. 合成症例の報告" in titles
    seed = json.loads((data / "seed.json").read_text(encoding="utf-8"))
    assert [r["number"] for r in seed["references"]] == list(range(1, 14))


@pytest.mark.parametrize("name", ["png", "random-without-nul"])
def test_kb_extract_refuses_binary_files(tmp_path, capsys, name):
    path = write(tmp_path / f"{name}.txt", BINARY_CASES[name][0])
    code, out, err = run_kb(capsys, "extract", str(path))
    assert (code, out) == (1, "") and "binary file" in err and err.count("\n") == 1
