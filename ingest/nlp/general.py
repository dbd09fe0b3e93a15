"""Sentences that state general knowledge, not what happened to the report's patients.

"Calcium gluconate can cause calcinosis cutis", "treatment options include observation and
excision": a case report's own text (or a plain text with no sections) says such things too,
and their conditions and treatments are no case's facts. A sentence is general when a general
cue matches and nothing in it names the report's patients or tells the narrative in the past
tense (the rules are data: ``casebook_data/nlp/general_claims.tsv``). Findings in such a
sentence belong to the article and are marked general.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ingest.nlp.rule_table import read_rules


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The general cues and the case cues, each joined into one pattern."""
    found = read_rules("general_claims.tsv", ("general", "case"))
    general, case = ("|".join(f"(?:{p})" for p in found[k]) for k in ("general", "case"))
    return re.compile(general, re.IGNORECASE), re.compile(case, re.IGNORECASE)


@lru_cache(maxsize=4096)  # a sentence's mentions ask again; bounded: a bulk run reads millions
def is_general(sentence: str) -> bool:
    """Whether ``sentence`` states general knowledge and names none of the report's patients."""
    general, case = _patterns()
    return bool(general.search(sentence)) and not case.search(sentence)
