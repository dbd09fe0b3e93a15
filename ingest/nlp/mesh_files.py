"""Readers of the shared vocabulary's gzip TSV files (``../shared/vocab``, build time only): rows
as dicts, and MeSH descriptors with their tree numbers — used by the lexicon build and by the
filling of the curated concepts' MeSH ids."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

# The tabulated descriptors give the heads of the tree branches no tree number; their MeSH 2024
# tree numbers (the branch codes themselves) are written down here so the rule above applies.
BRANCH_HEADS = {
    "D001829": "A01", "D009141": "A02", "D004064": "A03", "D012137": "A04", "D014566": "A05",
    "D004703": "A06", "D002319": "A07", "D009420": "A08", "D012679": "A09", "D014024": "A10",
    "D002477": "A11", "D005441": "A12", "D013284": "A14", "D006424": "A15", "D004628": "A16",
    "D034582": "A17",
    "D007239": "C01", "D009369": "C04", "D009140": "C05", "D004066": "C06", "D009057": "C07",
    "D012140": "C08", "D010038": "C09", "D009422": "C10", "D005128": "C11", "D000091642": "C12",
    "D002318": "C14", "D006425": "C15", "D009358": "C16", "D017437": "C17", "D009750": "C18",
    "D004700": "C19", "D007154": "C20", "D007280": "C21", "D013568": "C23", "D009784": "C24",
    "D064419": "C25", "D014947": "C26",
    "D007287": "D01", "D009930": "D02", "D006571": "D03", "D011083": "D04", "D046911": "D05",
    "D045762": "D08", "D002241": "D09", "D008055": "D10", "D000602": "D12", "D009706": "D13",
    "D045424": "D20", "D001685": "D23", "D004364": "D26", "D020164": "D27",
    "D003933": "E01", "D013812": "E02", "D000760": "E03", "D013514": "E04", "D008919": "E05",
    "D001523": "F03",
}  # fmt: skip


def read_tsv_gz(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a headed gzip TSV as dicts (fields may hold quotes: no CSV quoting)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            yield dict(zip(header, line.rstrip("\n").split("\t"), strict=False))


def descriptor_trees(folder: Path) -> dict[str, tuple[str, str]]:
    """Every descriptor UI → (name, ``|``-joined tree numbers, branch heads' filled in)."""
    return {
        r["descriptor_ui"]: (
            r["name"],
            r["tree_numbers"] or BRANCH_HEADS.get(r["descriptor_ui"], ""),
        )
        for r in read_tsv_gz(folder / "descriptors.tsv.gz")
    }
