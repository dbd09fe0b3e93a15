"""Rule tables of ``casebook_data/nlp/``: one rule a line, ``kind<TAB>pattern<TAB>why``.

Read once by the module that uses them; a row of an unknown kind or a pattern that does not
compile fails at load, with its file and line.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from importlib import resources


def read_rules(
    name: str, kinds: tuple[str, ...], literal: Collection[str] = ()
) -> dict[str, list[str]]:
    """The patterns of ``name`` by kind, in file order; ``literal`` kinds hold no regex."""
    text = (resources.files("casebook_data") / "nlp" / name).read_text("utf-8")
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    for number, line in enumerate(text.splitlines()[1:], start=2):
        if not line.strip():
            continue
        kind, pattern, _why = line.split("\t")
        if kind not in found:
            raise ValueError(f"{name}:{number}: kind {kind!r} is not one of {', '.join(kinds)}")
        if kind not in literal:
            re.compile(pattern)  # a bad rule fails here, with its line
        found[kind].append(pattern)
    return found
