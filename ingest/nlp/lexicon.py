"""Ground a recognised span to open-vocabulary identifiers (MeSH, DrugBank, MONDO, DOID, HP, …).

A pure lookup in the term index ``ingest.nlp.lexicon_build`` writes (``casebook_data/vocab/
lexicon``): no model, no matcher, so it loads in about a second and can run on every span.
``Lexicon.ground(text, category)`` tries, first hit wins: the abbreviation's expansion if given,
then the text; each as written for short capitals (``ALL`` is a leukaemia, ``all`` is nothing),
otherwise case-folded, then as a spelling variant (plural, British, hyphen), then without its
leading words ("severe hypertension" → hypertension). The score says how much was given up.
Where that gives no whole-span MeSH id, the corpus table (``ingest.nlp.train.mention_table``:
what BC5CDR's annotators linked such a mention to) is asked for the whole key.
"""

from __future__ import annotations

import bisect
import gzip
import logging
import math
import re
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

log = logging.getLogger(__name__)

CATEGORIES = ("disease", "sign_symptom", "chemical", "procedure", "test", "anatomy", "outcome")
# which vocabulary's id leads when several name the same term equally well
SOURCE_RANK = {
    "mesh": 0, "drugbank": 1, "mondo": 2, "doid": 3, "hp": 4, "uberon": 4, "symp": 5,
    "ncit": 6, "bto": 7,
}  # fmt: skip
# P: the concept's preferred name; S: a synonym; N: a MeSH entry term of a narrower concept;
# C: the corpus table's id for a mention no vocabulary grounds whole (``mentions.tsv.gz``)
MATCH_SCORE = {"P": 1.0, "S": 0.9, "N": 0.8, "C": 0.9}
MATCH_ORDER = {"P": 0, "S": 1, "N": 2, "C": 3}
EXACT = 0.9  # a grounding this close names the whole span (its exact term or a synonym)
VARIANT_FACTOR = 0.9  # plural / British spelling / hyphen-space / possessive
SAME_CATEGORY, NEAR_CATEGORY, OTHER_CATEGORY = 1.0, 0.9, 0.6
HEAD_FACTOR = 0.8  # times the square root of the share of the span's words the head match keeps
DERIVED_FACTOR = 0.75  # an adjective read as its condition ("hypertensive" → hypertension)
# categories close enough that the vocabulary's word on which one it is should win
GROUP = {
    "disease": "condition", "sign_symptom": "condition", "outcome": "condition",
    "test": "technique", "procedure": "technique", "chemical": "chemical", "anatomy": "anatomy",
}  # fmt: skip
# adjective endings → the condition's noun ending, tried in order on the last word
DERIVED = (
    ("ptic", "psy"), ("tic", "sis"), ("ic", "ia"), ("ic", "icity"), ("ic", "es"), ("ic", "y"),
    ("ive", "ion"), ("ian", "ism"), ("ed", "ion"), ("ous", "osis"),
)  # fmt: skip
MEMO_SIZE = 100_000  # groundings remembered per process (then forgotten all at once)
_EDGE = " \t\n.,;:!?\"'()[]{}"
_CASED = re.compile(r"(?=.*[A-Z])[A-Z0-9]{1,5}\Z")
_NON_WORD = re.compile(r"[^\w]+|_")
_SINGULAR = (
    (re.compile(r"ies\b"), "y"),
    (re.compile(r"sses\b"), "ss"),
    (re.compile(r"(?<=[a-z]{3})(?<![sui])s\b"), ""),
)
_BRITISH = (
    (re.compile(r"ae"), "e"),  # anaemia, haemorrhage, paediatric
    (re.compile(r"oe"), "e"),  # oedema, oesophagus, oestrogen
    (re.compile(r"our\b"), "or"),  # tumour
    (re.compile(r"isation\b"), "ization"),
    (re.compile(r"([^aeiou])tre\b"), r"\1ter"),  # centre, litre
)


def normalize_key(text: str) -> str:
    """The exact lookup key: case-folded, whitespace runs collapsed, edges stripped."""
    return " ".join(text.split()).casefold()


def is_cased_form(text: str) -> bool:
    """Short all-capital forms (``ALL``, ``MI``, ``CAN``) are matched only as written."""
    return _CASED.match(text) is not None


@lru_cache(maxsize=65536)
def variant_key(key: str) -> str:
    """A looser key that plural/British spelling/hyphen-space/possessive variants share.

    ``"Haemolytic-uraemic syndromes"``, ``"hemolytic uremic syndrome"`` and ``"hemolytic-uremic
    syndrome"`` all give ``"hemolyticuremicsyndrome"``; applied to lexicon and query alike, so
    a variant that merges two terms costs score, never an exact match.
    """
    text = key.casefold().replace("'s ", " ").replace("'s", "")
    text = _NON_WORD.sub(" ", text)
    for pattern, repl in (*_SINGULAR, *_BRITISH):
        text = pattern.sub(repl, text)
    return "".join(text.split())


@dataclass(frozen=True)
class Grounding:
    """Identifiers for one span: ``ids`` best first, ``category`` what the vocabulary implies."""

    ids: tuple[str, ...]
    term: str
    name: str
    score: float
    category: str | None


@dataclass(frozen=True)
class Entry:
    curie: str
    category: str
    match: str


def category_factor(found: str, asked: str) -> float:
    """How much a vocabulary category other than the one asked costs (symptom vs disease: little)."""
    if found == asked:
        return SAME_CATEGORY
    return NEAR_CATEGORY if GROUP[found] == GROUP[asked] else OTHER_CATEGORY


def same_group(found: Grounding, category: str) -> bool:
    """Whether a fallback's match is the asked kind of thing (a head word must not turn a disease
    span into an anatomy id)."""
    return found.category is not None and GROUP[found.category] == GROUP[category]


def derived_keys(key: str) -> list[str]:
    """Condition nouns an adjective may stand for: "epileptic" → "epilepsy", "epilepsis", …"""
    out = []
    for suffix, noun in DERIVED:
        if key.endswith(suffix) and len(key) > len(suffix) + 3:
            out.append(key[: -len(suffix)] + noun)
    return out


def parse_entries(field: str) -> list[Entry]:
    """``curie,category,match;…`` → entries, in the build's best-first order."""
    return [Entry(*item.split(",")) for item in field.split(";") if item]


def entry_rank(entry: Entry) -> tuple[int, int]:
    """The build's order, to re-establish it when several keys' entries are merged."""
    return (MATCH_ORDER[entry.match], SOURCE_RANK.get(entry.curie.split(":", 1)[0], 9))


class SortedTable:
    """A sorted ``key<TAB>value`` text searched in place: a sampled key every ``STRIDE``
    characters narrows a lookup to one stretch, bisected by character position there.

    Building a dict of the ~370,000 terms costs over a second of string objects; one string, a
    few thousand sampled keys and a binary search load in the time gunzip takes and still answer
    a lookup in a few microseconds.
    """

    STRIDE = 4096

    def __init__(self, text: str) -> None:
        self._text = text if text.endswith("\n") or not text else text + "\n"
        self._starts = [0] if self._text else []
        position = self.STRIDE
        while position < len(self._text):
            newline = self._text.find("\n", position)
            if newline < 0 or newline + 1 >= len(self._text):
                break
            self._starts.append(newline + 1)
            position = newline + 1 + self.STRIDE
        self._keys = [self._text[s : self._text.find("\t", s)] for s in self._starts]
        self._memo: dict[str, str | None] = {}

    def __len__(self) -> int:
        return self._text.count("\n")

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of ``key``, or ``default``. Remembered (bounded): grounding one span asks
        for its words, their variants and head words, and the same words recur across spans."""
        memo = self._memo
        if key in memo:
            found = memo[key]
        else:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            found = memo[key] = self._search(key)
        return default if found is None else found

    def _search(self, key: str) -> str | None:
        """The binary search behind ``get``: the value of ``key``, or None."""
        default = None
        stretch = bisect.bisect_right(self._keys, key) - 1
        if stretch < 0:
            return default
        text = self._text
        lo = self._starts[stretch]  # always a line start; candidate lines start in [lo, hi)
        hi = self._starts[stretch + 1] if stretch + 1 < len(self._starts) else len(text)
        while lo < hi:
            newline = text.rfind("\n", lo, (lo + hi) // 2)
            start = lo if newline < 0 else newline + 1
            tab = text.find("\t", start)
            end = text.find("\n", tab)
            found = text[start:tab]
            if found == key:
                return text[tab + 1 : end]
            if found < key:
                lo = end + 1
            else:
                hi = start
        return default

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value


class Lexicon:
    """The term index, its fields parsed only when a lookup needs them."""

    def __init__(
        self,
        terms: SortedTable,
        cased: SortedTable,
        variants: SortedTable,
        concepts: SortedTable,
        mentions: SortedTable | None = None,
    ) -> None:
        self._terms = terms
        self._cased = cased
        self._variants = variants
        self._concepts = concepts
        self._mentions = mentions if mentions is not None else SortedTable("")
        self._memo: dict[tuple[str, str, str | None], Grounding | None] = {}

    def __len__(self) -> int:
        return len(self._terms) + len(self._cased)

    def ground(self, text: str, category: str, expansion: str | None = None) -> Grounding | None:
        """The best grounding of ``text`` (or first of its ``expansion``) as ``category``."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r} (one of {', '.join(CATEGORIES)})")
        key = (text, category, expansion)
        if key in self._memo:  # spans repeat (a drug is named ten times in a report)
            return self._memo[key]
        found = self._vocabulary(text, category, expansion)
        if _needs_table(found):
            asked = (expansion or text).strip(_EDGE)
            found = self._from_table(normalize_key(" ".join(asked.split())), category) or found
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = found
        return found

    def needs_table(self, key: str, category: str) -> bool:
        """Whether the vocabularies alone give ``key`` no whole-span MeSH id."""
        return _needs_table(self._vocabulary(key, category, None))

    def category_of(self, curie: str) -> str | None:
        """The category the vocabularies file ``curie`` under (None: not shipped)."""
        name = self.name(curie)
        field = self._terms.get(normalize_key(name)) if name else None
        entries = [e for e in parse_entries(field or "") if e.curie == curie]
        return entries[0].category if entries else None

    def _vocabulary(self, text: str, category: str, expansion: str | None) -> Grounding | None:
        for candidate in (expansion, text):
            if candidate:
                found = self._ground_one(candidate.strip(_EDGE), category)
                if found is not None:
                    return found
        return None

    def _from_table(self, key: str, category: str) -> Grounding | None:
        """The corpus table's entry for ``key``, of the asked category's group only (a word the
        annotators linked as a disease says nothing of it as a chemical)."""
        items = (self._mentions.get(key) or "").split(";")
        field = ";".join(i for i in items if i and GROUP[i.split(",")[1]] == GROUP[category])
        return self._choose(key, field, category, 1.0) if field else None

    def name(self, curie: str) -> str | None:
        """The preferred name of a shipped concept."""
        row = self._concepts.get(curie)
        return row.split("\t")[0] if row is not None else None

    def xrefs(self, curie: str) -> tuple[str, ...]:
        """Concepts of other vocabularies recorded as the same (name = a MeSH entry term)."""
        return self._field(curie, 1)

    def actions(self, curie: str) -> tuple[str, ...]:
        """MeSH pharmacological actions of a substance ("Anesthetics, Local"): a drug's uses."""
        return self._field(curie, 2)

    def _field(self, curie: str, index: int) -> tuple[str, ...]:
        row = self._concepts.get(curie)
        if row is None:
            return ()
        value = row.split("\t")[index]
        return tuple(value.split("|")) if value else ()

    def _ground_one(self, text: str, category: str) -> Grounding | None:
        text = " ".join(text.split())
        if not text:
            return None
        if is_cased_form(text):  # only as written, never folded or varied
            field = self._cased.get(text)
            return self._choose(text, field, category, 1.0) if field else None
        key = normalize_key(text)
        found = self._lookup(key, category, 1.0)
        if found is not None:
            return found if _has_mesh(found) else self._with_mesh(found, key, category)
        if GROUP[category] == "condition":
            for derived in derived_keys(key):
                found = self._lookup(derived, category, DERIVED_FACTOR)
                if found is not None and same_group(found, category):
                    return found
        words = key.split() if category != "chemical" else []  # "retinoic acid" is no acid
        for start in range(1, len(words)):
            share = (len(words) - start) / len(words)
            found = self._lookup(" ".join(words[start:]), category, HEAD_FACTOR * math.sqrt(share))
            if found is not None and same_group(found, category):
                return found
        return None

    def _with_mesh(self, found: Grounding, key: str, category: str) -> Grounding:
        """A match with no MeSH id ("cardiovascular disease": DOID and NCIt only) gains the
        MeSH ids of its variant ("cardiovascular diseases") or, for a condition, of the noun
        its adjective stands for ("hypotensive" → hypotension), after its own: MeSH-indexed
        articles then join it."""
        others = [self._variant(key, category, 1.0)]
        if GROUP[category] == "condition":
            others += [self._lookup(k, category, DERIVED_FACTOR) for k in derived_keys(key)]
        for other in others:
            if other is not None and _has_mesh(other) and same_group(other, category):
                mesh = tuple(i for i in other.ids if i.startswith("mesh:") and i not in found.ids)
                return replace(found, ids=found.ids + mesh)
        return found

    def _lookup(self, key: str, category: str, factor: float) -> Grounding | None:
        """The key as it is, then as a variant."""
        field = self._terms.get(key)
        if field is not None:
            return self._choose(key, field, category, factor)
        return self._variant(key, category, factor)

    def _variant(self, key: str, category: str, factor: float) -> Grounding | None:
        """The terms the key's variant stands for, other than the key itself."""
        loose = variant_key(key)
        keys = [loose] if loose in self._terms and loose != key else []
        keys += [k for k in (self._variants.get(loose) or "").split("|") if k and k != key]
        if not keys:
            return None
        fields = ";".join(self._terms[k] for k in keys)
        return self._choose(keys[0], fields, category, factor * VARIANT_FACTOR, merged=True)

    def _choose(
        self, term: str, field: str, category: str, factor: float, merged: bool = False
    ) -> Grounding:
        """Entries of the asked category's group (else all), best first: preferred name before
        synonym, then by source (MeSH first), then the asked category; then cross-references.
        The first entry's category is returned, so a span asked as a disease that MeSH files
        under Signs and Symptoms comes back as a sign_symptom."""
        entries = parse_entries(field)
        if merged:
            entries = list(dict.fromkeys(entries))
        pool = [e for e in entries if GROUP[e.category] == GROUP[category]] or entries
        pool.sort(key=lambda e: (*entry_rank(e), e.category != category))
        best = pool[0]
        ids = list(dict.fromkeys(e.curie for e in pool))
        ids = list(dict.fromkeys(ids + [x for curie in ids for x in self.xrefs(curie)]))
        score = MATCH_SCORE[best.match] * category_factor(best.category, category) * factor
        return Grounding(
            ids=tuple(ids),
            term=term,
            name=self.name(ids[0]) or term,
            score=round(score, 3),
            category=best.category,
        )


def _has_mesh(found: Grounding) -> bool:
    return any(i.startswith("mesh:") for i in found.ids)


def _needs_table(found: Grounding | None) -> bool:
    return found is None or found.score < EXACT or not _has_mesh(found)


def read_index(root: Traversable, name: str) -> SortedTable:
    """A gzip file of sorted ``key<TAB>rest`` lines, searchable as it is."""
    return SortedTable(gzip.decompress(root.joinpath(name).read_bytes()).decode("utf-8"))


@lru_cache(maxsize=4)
def load_lexicon(directory: Path | None = None) -> Lexicon:
    """The lexicon in ``directory``, by default the one shipped in ``casebook_data``; once per
    process and directory. Only files of the build are read (no pickles)."""
    started = time.perf_counter()
    root: Traversable = (
        directory
        if directory is not None
        else resources.files("casebook_data") / "vocab" / "lexicon"
    )
    lexicon = Lexicon(
        terms=read_index(root, "terms.tsv.gz"),
        cased=read_index(root, "cased.tsv.gz"),
        variants=read_index(root, "variants.tsv.gz"),
        concepts=read_index(root, "concepts.tsv.gz"),
        mentions=read_index(root, "mentions.tsv.gz")
        if root.joinpath("mentions.tsv.gz").is_file()
        else None,
    )
    log.debug(
        "lexicon from %s: %d terms in %.2f s", root, len(lexicon), time.perf_counter() - started
    )
    return lexicon
