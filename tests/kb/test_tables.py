"""The CLI's tables (``kb.tables``): labels instead of IRIs, long text wrapped to the terminal
and never cut, ``--wide`` on one line, machine formats untouched."""

from __future__ import annotations

import json

from kb.store import QueryResult
from kb.tables import fit, format_result, render_table

SENTENCE = (
    "The deposits were partly extruded through the skin and resolved spontaneously after 2 to "
    "4 months, leaving a small scar."
)
CASE = "https://casebook.invalid/id/case/pmid%3A99000001/1"
RESULT = QueryResult(
    ["case", "time", "sentence", "median_days"],
    [[CASE, "P120D", SENTENCE, "80.655"], [CASE, None, "Short.", None]],
    elapsed=0.004,
)


def test_a_table_shows_labels_words_and_whole_sentences_within_the_width():
    out = format_result(RESULT, "table", width=80)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "PMID 99000001 · case 1" in out and "4 months" in out and "81 days" in out
    assert "https://" not in out and "None" not in out and "P120D" not in out
    shown = " ".join(out.split())
    at = 0
    for word in SENTENCE.split():  # every word, in order: wrapped, never cut
        at = shown.index(word, at) + len(word)
    assert lines[-1] == "2 rows, 4 ms"


def test_wrapped_text_keeps_every_word_in_order():
    out = render_table(["id", "sentence"], [["a", SENTENCE]], width=60)
    column = [line[len("id  ") :].strip() for line in out.splitlines()[1:]]
    assert " ".join(column) == SENTENCE
    assert len(out.splitlines()) > 2


def test_wide_prints_each_row_on_one_line():
    out = format_result(RESULT, "table", width=40, wide=True)
    assert len(out.splitlines()) == 4 and SENTENCE in out


def test_too_narrow_for_columns_gives_one_block_per_row():
    out = format_result(RESULT, "table", width=50)
    assert out.startswith("1.\n  case:") and "\n2.\n" in out
    assert "  median_days: 81 days" in out


def test_fit_keeps_short_columns_and_shares_the_rest():
    assert fit([10, 200, 8], 100) == [10, 82, 8]
    assert fit([10, 60, 200], 120) == [10, 55, 55]
    assert fit([10, 20], 100) == [10, 20]
    assert fit([50, 50, 50, 200], 120) == [30, 30, 30, 30]
    assert fit([50, 50, 50, 200], 100) is None  # 25 each: too narrow to read


def test_csv_and_json_keep_the_stores_values():
    data = json.loads(format_result(RESULT, "json"))
    assert data["rows"][0]["case"] == CASE and data["rows"][0]["time"] == "P120D"
    assert data["rows"][1]["time"] is None
    csv_text = format_result(RESULT, "csv")
    assert csv_text.splitlines()[0] == "case,time,sentence,median_days" and CASE in csv_text


def test_json_is_one_row_a_line_and_parses_back():
    text = format_result(RESULT, "json")
    lines = text.splitlines()
    assert len(lines) == len(RESULT.rows) + 6  # braces, columns, "rows": [, ], truncated
    assert json.loads(text)["rows"] == [
        dict(zip(RESULT.columns, row, strict=True)) for row in RESULT.rows
    ]
    empty = json.loads(format_result(QueryResult(["a"], [], truncated=True), "json"))
    assert empty == {"columns": ["a"], "rows": [], "truncated": True}
