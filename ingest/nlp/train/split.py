"""The project's own train/dev split of the shared corpora: fixed, by PMID, written down.

A document is in ``dev`` when the SHA-256 of ``"casebook-split-v1:" + PMID`` falls in the lowest
``DEV_SHARE`` of the hash space, so the split needs no file, never changes when a corpus grows,
and puts one PMID on the same side in every corpus (BC5CDR and NCBI disease share abstracts).
MACCROBAT is small: its dev side is the ``MACCROBAT_DEV`` reports of lowest hash, and the first
``RELATION_GOLD`` of those are kept for the hand-written relation gold (never read while rules
are tuned). ``data/nlp/split.md`` lists the result; a test checks the two agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal

SALT = "casebook-split-v1:"
DEV_SHARE = 0.2  # BC5CDR (train+dev pooled) and NCBI disease (train+dev pooled)
MACCROBAT_DEV = 40
RELATION_GOLD = 30

Side = Literal["train", "dev"]


def split_key(pmid: str) -> float:
    """A number in [0, 1) fixed by the PMID."""
    digest = hashlib.sha256(f"{SALT}{pmid}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def side(pmid: str, corpus: str, all_ids: Iterable[str] = ()) -> Side:
    """Which side ``pmid`` is on; MACCROBAT needs its corpus's ids (``all_ids``) to rank by."""
    if corpus == "maccrobat":
        return "dev" if pmid in maccrobat_dev(all_ids) else "train"
    return "dev" if split_key(pmid) < DEV_SHARE else "train"


def maccrobat_dev(ids: Iterable[str]) -> list[str]:
    """The MACCROBAT reports held out for dev, lowest hash first."""
    return sorted(set(ids), key=split_key)[:MACCROBAT_DEV]


def relation_gold(ids: Iterable[str]) -> list[str]:
    """The MACCROBAT dev reports the relation gold is written for (issue 14)."""
    return maccrobat_dev(ids)[:RELATION_GOLD]
