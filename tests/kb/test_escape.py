"""Record text made inert where it is shown (Markdown) or exported (CSV): ``kb.escape``."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from kb.escape import csv_bytes, csv_cell, md_escape
from kb.export import EVIDENCE_COLUMNS, evidence_csv
from kb.read.iri_links import Span, highlight

FORMULAS = ['=HYPERLINK("http://x")', "@SUM(A1)", "+1+2", "-2+3", "\t=1", "\r=1", "=1+1"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_formula_cell_is_made_text(cell):
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-3", "+1.5e2", "-0.25", "plain", "", "a=b", None, 7])
def test_other_cells_are_unchanged(cell):
    assert csv_cell(cell) == cell


def test_the_evidence_csv_holds_no_formula():
    rows = [dict.fromkeys(EVIDENCE_COLUMNS, "x") | {"sentence": "=cmd|'/C calc'!A0", "score": "-1"}]
    (row,) = csv.DictReader(io.StringIO(evidence_csv(rows)))
    assert row["sentence"] == "'=cmd|'/C calc'!A0" and row["score"] == "-1"


def test_the_explorer_download_holds_no_formula():
    frame = pd.DataFrame({"=title": ["@evil", "fine", "-5"], "n": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode())))
    assert rows == [["'=title", "n"], ["'@evil", "1"], ["fine", "2"], ["-5", "3"]]


def test_the_cli_csv_holds_no_formula():
    from kb.store import QueryResult
    from kb.tables import format_result

    result = QueryResult(["t"], [["=1+1"], ["+x"], ["ok"]])
    assert list(csv.reader(io.StringIO(format_result(result, "csv")))) == [
        ["t"], ["'=1+1"], ["'+x"], ["ok"]]  # fmt: skip


SHORTCODE = re.compile(r":[\w/+-]+:")


@pytest.mark.parametrize("text", [
    "Pain :material/home: and :smile: then :+1: or :streamlit:",
    "**bold** [link](javascript:alert(1)) :red[red] $x$ <b>x</b>",
])  # fmt: skip
def test_markdown_and_short_codes_in_record_text_are_inert(text):
    out = md_escape(text)
    assert not SHORTCODE.search(out.replace("\\", ""))  # also once Markdown drops the escapes
    assert out.replace("\\", "").replace("\u2060", "") == text  # the text itself is kept


def test_highlighted_text_is_escaped_too():
    text = "An :material/warning: sign near calcinosis"
    out = highlight(text, [Span(text.index("calcinosis"), len(text), "condition", main=True)])
    assert ":material/warning:" not in out.replace("\\", "")
    assert out.endswith("-background[**calcinosis**]")
