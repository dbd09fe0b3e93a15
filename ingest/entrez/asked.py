"""Keep only what was asked: an EFetch answer is filtered to the ids of its request.

An upstream (or a proxy, or a cache mix-up) can answer with records nobody asked for: an extra
PMID, records for other PMIDs, a merged PMID's record under its new number. Those are logged and
dropped, so they never enter the KB; and the asked ids such an answer lacks are *failed* (the
answer was wrong), not absent from PubMed. Only an answer with exactly the ids asked is cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Kept(Generic[T]):
    """What an answer gave for the ids asked: the items kept, the ids it lacked, and whether it
    carried items for ids not asked (then the lacking ids are failures, not absences)."""

    items: list[T]
    lacking: list[str]
    foreign: list[str]

    @property
    def failed(self) -> list[str]:
        return self.lacking if self.foreign else []


def keep_asked(
    asked: Sequence[str], items: Sequence[T], key: Callable[[T], str], what: str
) -> Kept[T]:
    """The items of an answer whose id was asked (the first of each), the rest logged and dropped."""
    wanted = set(asked)
    kept: dict[str, T] = {}
    foreign: list[str] = []
    for item in items:
        ident = key(item)
        if ident in wanted:
            kept.setdefault(ident, item)
        else:
            foreign.append(ident)
    if foreign:
        log.warning(
            "%s: the answer carried records not asked for (%s); dropped",
            what,
            ", ".join(foreign[:10])
            + (f" and {len(foreign) - 10} more" if len(foreign) > 10 else ""),
        )
    lacking = [i for i in asked if i not in kept]
    return Kept([kept[i] for i in asked if i in kept], lacking, foreign)


def exact(asked: Sequence[str], key: Callable[[T], str]) -> Callable[[list[T]], bool]:
    """True for an answer holding the ids asked and no other: the only kind worth caching."""
    wanted = set(asked)
    return lambda items: {key(i) for i in items} == wanted
