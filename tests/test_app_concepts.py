"""The explorer's concept pickers (app.py): a question's condition picker offers conditions
only; a deep link may name a concept by label, synonym or identifier; an unknown one is
reported (with the closest concepts), not replaced silently by another."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


@pytest.fixture
def kb(demo_kb: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KB_DATA_DIR", str(demo_kb))
    monkeypatch.setenv("CASEBOOK_WARM_UP", "0")
    return demo_kb


def run(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_condition_picker_offers_conditions_only(kb):
    at = run(page="questions", q="etiologies_of")
    options = at.selectbox(key="w_condition").options
    assert any("(calcinosis_cutis)" in o for o in options)
    for other in ("(c_reactive_protein)", "(hand)", "(forearm)", "(serum_calcium)"):
        assert not any(other in o for o in options), other


@pytest.mark.parametrize("value", ["calcinosis cutis", "cutaneous calcinosis", "mesh:D000092182"])
def test_a_deep_link_names_a_concept_as_people_do(kb, value):
    at = run(page="questions", q="etiologies_of", condition=value)
    assert at.selectbox(key="w_condition").value == "calcinosis_cutis"
    assert not at.warning


def test_an_unknown_deep_link_concept_is_reported(kb):
    at = run(page="questions", q="etiologies_of", condition="calcinosis cuts")
    warnings = " ".join(w.value for w in at.warning)
    assert "no condition concept named" in warnings and "calcinosis cutis" in warnings
    assert at.selectbox(key="w_condition").value == "calcinosis_cutis"  # the question's default


def test_an_unknown_question_in_a_link_is_reported(kb):
    at = run(page="questions", q="nope")
    assert any("nope" in w.value for w in at.warning)
