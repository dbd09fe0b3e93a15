"""Damage to a real (demo-built) data directory: every command refuses it in one line (exit 2),
`kb check` lists it, `kb repair` mends it and the graph is the one from before the damage."""

from __future__ import annotations

import errno
import shutil
import tempfile
from pathlib import Path

import pytest

from kb.cli import main
from kb.store import current_version, dump_nquads


@pytest.fixture
def kb(demo_kb: Path, tmp_path: Path) -> Path:
    """A copy of the demo KB that a test may damage."""
    return Path(shutil.copytree(demo_kb, tmp_path / "kb", symlinks=True))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, kb: Path, *argv: str) -> str:
    """Run a command on the damaged KB: it must refuse in one line, exit 2, no traceback."""
    code, _, err = run(capsys, *argv, "--data-dir", str(kb))
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("kb: error: ") and "damaged" in lines[0], err
    assert "kb repair" in lines[0]
    return lines[0]


def repaired(capsys, kb: Path, before: bytes, *flags: str) -> None:
    code, out, err = run(capsys, "repair", "--data-dir", str(kb), *flags)
    assert code == 0, out + err
    assert run(capsys, "check", "--deep", "--data-dir", str(kb))[0] == 0
    assert dump_nquads(kb) == before


def sst(kb: Path) -> Path:
    return max(current_version(kb).glob("*.sst"), key=lambda p: p.stat().st_size)


def test_a_sound_kb_checks_clean(capsys, kb):
    code, out, _ = run(capsys, "check", "--deep", "--data-dir", str(kb))
    assert code == 0 and "sound" in out


def test_a_deleted_sst_is_refused_and_repaired(capsys, kb):
    before = dump_nquads(kb)
    sst(kb).unlink()
    assert ".sst: missing" in refused(capsys, kb, "ask", "cases_by_age_sex")
    refused(capsys, kb, "sparql", "ASK {}")
    refused(capsys, kb, "export", "--format", "nquads")
    code, out, _ = run(capsys, "check", "--data-dir", str(kb))
    assert code == 2 and ".sst: missing" in out
    repaired(capsys, kb, before)


def test_a_truncated_sst_is_refused_by_refresh(capsys, kb):
    before = dump_nquads(kb)
    path = sst(kb)
    path.write_bytes(path.read_bytes()[:100])
    assert "truncated" in refused(capsys, kb, "refresh")
    repaired(capsys, kb, before)


def test_garbage_manifest_is_written_again_by_a_build(capsys, kb):
    from kb.datadir import Build
    from kb.publish import publish

    before = dump_nquads(kb)
    (manifest,) = current_version(kb).glob("MANIFEST-*")
    manifest.write_bytes(b"\x00garbage" * (manifest.stat().st_size // 8))
    refused(capsys, kb, "ask", "cases_by_age_sex")
    publish(Build.load(kb), kb)  # what `kb build` does once it has fetched
    assert run(capsys, "check", "--deep", "--data-dir", str(kb))[0] == 0
    assert dump_nquads(kb) == before


@pytest.mark.parametrize("pointer", ["", "/etc", "../../other", "v-0123456789abcdef"])
def test_a_bad_current_pointer_is_refused(capsys, kb, tmp_path, pointer):
    before = dump_nquads(kb)
    (kb / "store" / "CURRENT").write_text(pointer + "\n")
    assert "store/CURRENT" in refused(capsys, kb, "sparql", "ASK {}")
    repaired(capsys, kb, before)


def test_a_deleted_records_file_is_not_refilled_by_refresh(capsys, kb):
    before = (kb / "records.jsonl").read_bytes()
    (kb / "records.jsonl").unlink()
    assert "records.jsonl: missing" in refused(capsys, kb, "refresh")
    assert not (kb / "records.jsonl").exists()
    repaired(capsys, kb, dump_nquads(kb))
    assert (kb / "records.jsonl").read_bytes() == before


@pytest.mark.parametrize("name", ["extractions.jsonl", "build.json"])
def test_a_bad_line_is_refused_and_restored(capsys, kb, name):
    graph, data = dump_nquads(kb), (kb / name).read_bytes()
    (kb / name).write_bytes(b'{"not": json\n' + data)
    assert name in refused(capsys, kb, "ask", "cases_by_age_sex")
    code, out, _ = run(capsys, "check", "--data-dir", str(kb))
    assert code == 2 and name in out
    repaired(capsys, kb, graph)
    assert (kb / name).read_bytes() == data
    assert list((kb / "damaged").glob(f"*/{name}"))  # the damaged original is kept


def test_a_bad_commit_is_refused_and_rolled_back(capsys, kb):
    graph = dump_nquads(kb)
    (kb / "COMMIT").write_bytes(b'["records.jsonl", ')
    assert "COMMIT" in refused(capsys, kb, "sparql", "ASK {}")
    repaired(capsys, kb, graph)
    assert not (kb / "COMMIT").exists()


def test_without_a_good_copy_repair_refuses_unless_loss_is_accepted(capsys, kb):
    lines = (kb / "records.jsonl").read_bytes().splitlines(keepends=True)
    (kb / "records.jsonl").write_bytes(b"".join(lines[:-1]) + b"garbage\n")
    shutil.rmtree(kb / "last-good")
    code, _, err = run(capsys, "repair", "--data-dir", str(kb))
    assert code == 2 and "--accept-loss" in err and len(err.strip().splitlines()) == 1
    code, _, _ = run(capsys, "repair", "--accept-loss", "--data-dir", str(kb))
    assert code == 0
    assert (kb / "records.jsonl").read_bytes() == b"".join(lines[:-1])


@pytest.mark.parametrize(("err", "code"), [(errno.EROFS, 73), (errno.ENOSPC, 74)])
def test_a_disk_that_refuses_writes_is_one_line_and_loses_nothing(
    capsys, kb, monkeypatch, err, code
):
    files = {p.name: p.read_bytes() for p in kb.iterdir() if p.is_file()}
    graph = dump_nquads(kb)

    def refuse(*args, dir=None, **kwargs):
        raise OSError(err, "refused", str(Path(dir or kb) / "x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    got, _, stderr = run(capsys, "-q", "demo", "--data-dir", str(kb))
    assert got == code, stderr
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("kb: error: cannot write")
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in kb.iterdir() if p.is_file()} == files
    assert run(capsys, "check", "--deep", "--data-dir", str(kb))[0] == 0
    assert dump_nquads(kb) == graph


def test_the_cheap_check_hashes_small_files_and_kb_check_every_file(capsys, kb):
    """A large data file changed in place (same size) passes the check before a command, which
    compares sizes only above 1 MiB (hashing a 100,000-article KB's ~0.6 GB would cost each
    `kb ask` ~0.8 s); `kb check` hashes it and reports it; a small one is refused at once."""
    import dataclasses

    from kb.datadir import INFO, BuildInfo
    from kb.jsonl import dumps_json, read_json
    from kb.seal import SMALL, FileSeal

    path = kb / "records.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    big = b"".join(lines * (SMALL // len(path.read_bytes()) + 1))
    path.write_bytes(big)
    info = read_json(kb / INFO, BuildInfo)
    files = info.files | {path.name: FileSeal.of(big)}
    (kb / INFO).write_bytes(dumps_json(dataclasses.replace(info, files=files)))
    assert run(capsys, "ask", "cases_by_age_sex", "--data-dir", str(kb))[0] == 0
    path.write_bytes(big.replace(b'"pmid"', b'"pmiD"', 1))  # same size, other content
    assert run(capsys, "ask", "cases_by_age_sex", "--data-dir", str(kb))[0] == 0
    code, out, _ = run(capsys, "check", "--data-dir", str(kb))
    assert code == 2 and "records.jsonl: content changed" in out
    small = kb / "cited_by.jsonl"
    small.write_bytes(small.read_bytes().replace(b"p", b"q", 1))
    assert "cited_by.jsonl: content changed" in refused(capsys, kb, "ask", "cases_by_age_sex")


def test_the_seal_vouches_for_the_files_beside_a_version(capsys, kb, monkeypatch):
    """The graph digests (v-….json) and the quads per graph (v-….quads) are sealed by size and
    hash, so the cheap check reads neither (the seal itself stays a few kB at any size); a
    changed one is refused, and `kb repair` writes them again (twice in one second too)."""
    from kb import check_store, store

    before = dump_nquads(kb)
    version = current_version(kb)

    def unread(*args):
        raise AssertionError("the cheap check parsed the graph digests")

    monkeypatch.setattr(store, "_parsed", unread)
    monkeypatch.setattr(check_store, "read_manifest", unread)
    assert run(capsys, "ask", "cases_by_age_sex", "--data-dir", str(kb))[0] == 0
    monkeypatch.undo()
    assert version.with_suffix(".seal").stat().st_size < 64_000
    counts = version.with_suffix(".quads")
    counts.write_bytes(counts.read_bytes()[:-2])
    assert f"{counts.name}: " in refused(capsys, kb, "ask", "cases_by_age_sex")
    repaired(capsys, kb, before)
    assert list((kb / "damaged").glob(f"*/{counts.name}"))  # kept, as the version directory
    digests = version.with_suffix(".json")
    digests.write_bytes(digests.read_bytes() + b" ")
    assert f"{digests.name}: " in refused(capsys, kb, "sparql", "ASK {}")
    repaired(capsys, kb, before)
