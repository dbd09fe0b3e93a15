"""The project's train/dev split: fixed by PMID, the same in every corpus, written down."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.nlp.train.split import maccrobat_dev, relation_gold, side, split_key
from tests.conftest import SHARED, shared_file

SPLIT_MD = Path(__file__).resolve().parents[2] / "data" / "nlp" / "split.md"


def listed() -> dict[str, list[str]]:
    """The PMID line under each heading of data/nlp/split.md."""
    out: dict[str, list[str]] = {}
    heading = None
    for line in SPLIT_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("# ").split(":")[0]
        elif heading and re.fullmatch(r"[\d ]+", line.strip() or "x"):
            out[heading] = line.split()
    return out


def test_the_rule_is_a_pure_function_of_the_pmid():
    assert split_key("227508") == split_key("227508")
    assert 0 <= split_key("1") < 1
    assert side("227508", "bc5cdr") == side("227508", "ncbi-disease")  # one PMID, one side


def test_maccrobat_dev_and_the_relation_gold_are_nested():
    ids = [str(n) for n in range(100, 300)]
    dev = maccrobat_dev(ids)
    assert len(dev) == 40 and relation_gold(ids) == dev[:30]


def test_the_written_split_is_what_the_rule_gives():
    from ingest.nlp.train.brat import read_maccrobat
    from ingest.nlp.train.pubtator import read_corpus

    corpora = shared_file(SHARED / "corpora")
    written = listed()
    for corpus in ("bc5cdr", "ncbi-disease"):
        ids = {t.id for t in read_corpus(corpora, corpus)}
        assert set(written[corpus]) == {i for i in ids if side(i, corpus) == "dev"}
    reports = [t.id for t in read_maccrobat(corpora / "maccrobat")]
    assert set(written["maccrobat"]) == set(maccrobat_dev(reports))
    assert set(written["of which the relation gold's 30"]) == set(relation_gold(reports))
