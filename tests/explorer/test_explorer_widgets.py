"""The explorer's table layout (no Streamlit run needed): every column fits the page."""

from __future__ import annotations

import pandas as pd

from explorer.widgets import MIN_PX, TABLE_PX, column_widths, finding_name
from kb.read.entities import Finding


def test_every_column_fits_and_the_long_ones_shrink_first():
    df = pd.DataFrame(
        {
            "kind": ["condition"] * 3,
            "finding": ["iatrogenic calcinosis cutis"] * 3,
            "sentence": ["Intravenous calcium gluconate is widely used to treat … " * 6] * 3,
            "concept": ["concept?id=calcium_gluconate_intravenous"] * 3,
        }
    )
    widths = column_widths(df)
    assert sum(widths.values()) <= TABLE_PX
    assert min(widths.values()) >= MIN_PX
    assert widths["kind"] == 7 * len("condition") + 24  # a short column keeps its width
    assert widths["sentence"] > widths["finding"]  # the longest text keeps the most room


def test_a_narrow_table_is_left_as_it_wants():
    df = pd.DataFrame({"a": ["x"], "b": ["yy"]})
    assert column_widths(df) == {"a": MIN_PX, "b": MIN_PX}


def _finding(kind: str, label: str, value: str | None, concept: str | None = None) -> Finding:
    return Finding(
        finding="f", evidence="e", kind=kind, concept=concept, label=label, assertion="present",
        value=value, subject="s", subject_label=None, method="text", section="case", sentence="",
    )  # fmt: skip


def test_a_value_finding_is_named_by_its_value_not_its_kind_twice():
    assert finding_name(_finding("duration", "duration", "P4M", "duration")) == "4 months"
    assert finding_name(_finding("patient_attribute", "age", "P21D")) == "age 3 weeks"
    assert finding_name(_finding("condition", "calcinosis cutis", None)) == "calcinosis cutis"
