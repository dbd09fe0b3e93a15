"""Record text made inert where Casebook shows or exports it: text from PubMed, PMC and seed
files is data, never markup or a formula.

- ``md_escape``: for Streamlit's Markdown. Backslash escapes stop Markdown, directives
  (``:red[…]``), LaTeX and HTML — but Streamlit expands icon and emoji short codes
  (``:material/home:``, ``:smile:``) in the text *after* Markdown has removed the backslashes, so
  a word joiner (U+2060, invisible) also follows each colon that opens one: none survives.
- ``csv_cell``: for CSV. A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return as a formula (OWASP "CSV injection"); such a cell is prefixed with
  an apostrophe, which spreadsheets show as text. A plain number (``-3``, ``+1.5e2``) is no
  formula and is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@])")
_JOINER = "\u2060"  # WORD JOINER: zero width, breaks `:name:` short codes
# a colon that opens what could be a short code (`:material/home:`, `:smile:`, `:+1:`, `:red[`);
# times (`10:23:48`) and ids (`seed:f003`) are left alone
_SHORT_CODE = re.compile(
    r":(?=(?:\\?[\w+\-/])*?\\?[A-Za-z+\-](?:\\?[\w+\-/])*\\?[:\[]|(?:100|1234)\\?:)"
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def md_escape(text: object) -> str:
    """Record text made inert for ``st.markdown``: every ASCII punctuation mark that Markdown,
    Streamlit's directives, LaTeX (``$``) or HTML could read is backslash-escaped, a colon that
    opens a short code is followed by a word joiner (no icon, no emoji), line breaks become
    spaces."""
    escaped = _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text)))
    return _SHORT_CODE.sub(":" + _JOINER, escaped)


def csv_cell(value: object) -> object:
    """``value`` as a CSV cell no spreadsheet runs as a formula (see the module docstring)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_cell(v) for v in values]


def csv_bytes(frame: object) -> bytes:
    """A pandas DataFrame as the CSV of a download button, its header and cells through
    ``csv_cell`` (pandas is not imported here: the explorer passes its frames)."""
    safe = frame.rename(columns=csv_cell).map(csv_cell)  # type: ignore[attr-defined]
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
