"""The headline question on the real seed, built offline from the seed alone (its references are
not fetched): which treatments resolved iatrogenic calcinosis cutis in its two cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.cli import main
from kb.questions import get_question
from kb.store import open_store, run_query
from tests.conftest import SEED_PATH, shared_file


@pytest.fixture(scope="module")
def seed_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = shared_file(SEED_PATH)
    kb = tmp_path_factory.mktemp("seed-kb") / "kb"
    # exit 1: offline, no reference resolves; the seed's own text is still extracted
    assert main(["-q", "build", "--seed", str(path), "--offline", "--data-dir", str(kb)]) == 1
    return kb


def test_each_case_resolved_with_the_care_aimed_at_the_lesion_once(seed_kb: Path):
    store = open_store(seed_kb)
    result = get_question("treatments_that_resolved").answer_all(
        lambda sparql, bindings, limit: run_query(store, sparql, bindings, limit),
        {"condition": "calcinosis_cutis_iatrogenic"},
    )
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    cases = [r for r in rows if "/case/" in str(r["case"])]
    got = sorted(
        (str(r["case"])[-1], r["treatment"] or "-", r["outcome"], r["time"]) for r in cases
    )
    assert got == [
        ("1", "conservative management", "complete resolution", "P4M"),
        ("1", "wound care", "complete resolution", "P4M"),
        ("2", "conservative management", "complete resolution", "P3.5M"),
        ("2", "wound care", "complete resolution", "P3.5M"),
    ]  # none of the NICU's other care (antibiotics, ibuprofen, oxygen, incubator, IV fluids)
