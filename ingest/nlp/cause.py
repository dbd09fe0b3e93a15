"""A learned scorer for "this chemical caused this condition", for two mentions in one sentence.

Causal cue rules alone link the wrong pair when a sentence names two drugs ("naloxone reversed
the hypotension caused by clonidine"): the scorer reads the words between and around the pair,
which mention comes first, what lies between them, where the cue and blocking words
("reverse", "prevent", "pretreat" …) sit relative to each mention, and the two mentions' own
words (a prior: some drugs are mostly named as causes, others as treatments), so the antagonist
or the preventive drug scores low and the cause high. The model is a logistic regression over sparse
binary features (``ingest/nlp/train/cause_train.py`` trains it on BC5CDR); weights ship as a gzip
JSON of feature → weight with the bias and the threshold chosen by cross-validation on train.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from itertools import pairwise
from pathlib import Path

Span = tuple[int, int]

_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*|[^\sa-z\d]")
# cue words, matched as token prefixes ("induc" matches induced, induction, inducing)
CUES = {
    "induc": "induced",
    "caus": "caused",
    "provok": "caused",
    "elicit": "caused",
    "produc": "caused",
    "associat": "associated",
    "relat": "associated",
    "after": "after",
    "follow": "after",
    "toxic": "toxicity",
    "secondar": "secondary",
    "develop": "develop",
    "result": "result",
    "lead": "result",
    "led": "result",
    "risk": "risk",
    "adverse": "adverse",
    "side": "adverse",
    "receiv": "given",
    "treated": "given",
    "given": "given",
    "overdos": "overdose",
    "intoxic": "overdose",
    "exposur": "exposure",
    "due": "due_to",
}
BLOCKS = {
    "revers": "reverse",
    "prevent": "prevent",
    "protect": "protect",
    "attenuat": "attenuate",
    "antagon": "antagonist",
    "treat": "treat",
    "therap": "treat",
    "pretreat": "pretreat",
    "inhibit": "inhibit",
    "block": "block",
    "reduc": "reduce",
    "decreas": "reduce",
    "ameliorat": "attenuate",
    "alleviat": "attenuate",
    "abolish": "reverse",
    "counteract": "reverse",
    "correct": "reverse",  # "given to correct the hypokalaemia"
    "improv": "improve",
    "relie": "improve",
    "effective": "improve",
    "efficac": "improve",
    "manag": "treat",
    "control": "treat",
    "against": "protect",
    "without": "without",
    "no": "negation",
    "not": "negation",
    "absence": "negation",
}
_SUFFIX = re.compile(r"^\s*-\s*(induced|related|associated|treated|exposed|dependent|resistant)")
_BUCKETS = (0, 1, 2, 3, 5, 8, 12, 20)


def tokens(text: str) -> list[str]:
    """Lower-cased word, number and punctuation tokens; numbers normalised to ``<num>``."""
    return ["<num>" if t[0].isdigit() else t for t in _TOKEN.findall(text.lower())]


def bucket(n: int) -> str:
    """A coarse distance so a feature generalises over lengths (``"<=3"``, ``">20"``)."""
    for limit in _BUCKETS:
        if n <= limit:
            return f"<={limit}"
    return f">{_BUCKETS[-1]}"


def _cues(words: Iterable[str], table: dict[str, str]) -> list[str]:
    """The names of ``table``'s cues among ``words``, in the order ``_cues_plain`` finds them.
    Each word's names are looked up once per table (``_word_cues``): the scorer asks about the
    same sentence's words for every pair and for five windows of each, and trying every prefix
    of the table on every word was a fifth of the extraction's Python time."""
    found: dict[str, None] = {}
    memo = _WORD_CUES.setdefault(id(table), ({}, table))[0]
    for word in words:
        names = memo.get(word)
        if names is None:
            if len(memo) >= _MEMO_WORDS:
                memo.clear()  # bounded: a long run meets ever more words
            names = memo[word] = _word_cues(word, table)
        for name in names:
            found[name] = None
    return list(found)


_MEMO_WORDS = 200_000
_WORD_CUES: dict[int, tuple[dict[str, tuple[str, ...]], dict[str, str]]] = {}
"""id(table) → (word → its cue names, the table itself, kept so that the id stays its own)."""


def _word_cues(word: str, table: dict[str, str]) -> tuple[str, ...]:
    """The names of ``table``'s cues that ``word`` is (or starts with, for prefixes over 3
    letters), in table order."""
    return tuple(
        name
        for prefix, name in table.items()
        if word == prefix or (len(prefix) > 3 and word.startswith(prefix))
    )


def _cues_plain(words: Iterable[str], table: dict[str, str]) -> list[str]:
    """``_cues`` without the memo: every prefix tried on every word (the reference the
    equivalence test compares with)."""
    found: dict[str, None] = {}
    for word in words:
        for prefix, name in table.items():
            if word == prefix or (len(prefix) > 3 and word.startswith(prefix)):
                found[name] = None
    return list(found)


def _lies_between(span: Span, left: int, right: int) -> bool:
    return left <= span[0] and span[1] <= right


def pair_features(
    sentence: str, chemical: Span, condition: Span, others: Iterable[tuple[str, Span]] = ()
) -> list[str]:
    """Features of the pair (character spans within ``sentence``); ``others`` are the sentence's
    other mentions as ``("CHEMICAL" | "DISEASE", span)``, to tell whether one lies between."""
    others = tuple(others)
    chem_first = chemical[0] <= condition[0]
    first, second = (chemical, condition) if chem_first else (condition, chemical)
    order = "CD" if chem_first else "DC"
    overlap = first[1] > second[0]
    between_text = "" if overlap else sentence[first[1] : second[0]]
    between = tokens(between_text)
    before = tokens(sentence[: first[0]])[-2:]
    after = tokens(sentence[second[1] :])[:2]
    chem_text = sentence[chemical[0] : chemical[1]].lower()
    feats = [
        f"order={order}",
        f"dist={bucket(len(between))}",
        f"{order}|dist={bucket(len(between))}",
    ]
    if overlap:
        feats.append("overlap")
    if len(between) <= 4:
        feats.append(f"{order}|btw=" + " ".join(between))
    words = list(dict.fromkeys(between))
    feats += [f"w={w}" for w in words] + [f"{order}|w={w}" for w in words]
    feats += [f"bi={a}_{b}" for a, b in pairwise(between)]
    feats += [f"b1={w}" for w in before[-1:]] + [f"b2={' '.join(before)}"]
    feats += [f"a1={w}" for w in after[:1]] + [f"a2={' '.join(after)}"]
    suffix = _SUFFIX.match(sentence[chemical[1] :])
    if suffix:
        feats.append(f"chem-{suffix.group(1)}")
        feats.append(f"{order}|chem-{suffix.group(1)}")
    if "-induced" in chem_text or chem_text.endswith("induced"):
        feats.append("chem-induced")
    for cue in _cues(between, CUES):
        feats.append(f"cue={cue}|btw|{order}")
    for cue in _cues(before + tokens(sentence[: first[0]])[-5:], CUES):
        feats.append(f"cue={cue}|before|{order}")
    for block in _cues(between, BLOCKS):
        feats.append(f"block={block}|btw|{order}")
    # a blocking word just before the chemical governs it ("pretreatment with X", "X reversed")
    near_chem = tokens(sentence[max(0, chemical[0] - 40) : chemical[0]])[-4:]
    for block in _cues(near_chem, BLOCKS):
        feats.append(f"block={block}|pre-chem")
    post_chem = tokens(sentence[chemical[1] : chemical[1] + 40])[:3]
    for block in _cues(post_chem, BLOCKS):
        feats.append(f"block={block}|post-chem")
    for cue in _cues(post_chem, CUES):
        feats.append(f"cue={cue}|post-chem")
    near_cond = tokens(sentence[max(0, condition[0] - 40) : condition[0]])[-3:]
    for block in _cues(near_cond, BLOCKS):
        feats.append(f"block={block}|pre-cond")
    left, right = first[1], second[0]
    kinds = {kind for kind, span in others if _lies_between(span, left, right)}
    for kind in sorted(kinds):
        feats.append(f"between-other={kind}")
        feats.append(f"{order}|between-other={kind}")
    feats.append(f"mentions={bucket(len(others))}")
    # the mentions themselves: a prior for drugs that are usually causes, or usually treatments
    chem_words = tokens(chem_text)
    cond_words = tokens(sentence[condition[0] : condition[1]])
    feats.append(f"chem={' '.join(chem_words)}")
    feats.append(f"cond={' '.join(cond_words)}")
    if cond_words:
        feats.append(f"cond-head={cond_words[-1]}")
    return list(dict.fromkeys(feats))


@dataclass
class CauseModel:
    """Logistic regression weights over ``pair_features``; ``threshold`` from train-side CV."""

    weights: dict[str, float]
    bias: float = 0.0
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str | None = None) -> CauseModel:
        """The shipped model (``casebook_data/models/cause.json.gz``) or the one at ``path``."""
        if path is None:
            raw = (resources.files("casebook_data") / "models" / "cause.json.gz").read_bytes()
        else:
            raw = Path(path).read_bytes()
        data = json.loads(gzip.decompress(raw))
        return cls(data["weights"], data["bias"], data["threshold"], data.get("meta", {}))

    def save(self, path: Path) -> None:
        """Gzip JSON, keys sorted and no timestamp, so a retrain with one seed is byte-stable."""
        data = {"bias": self.bias, "threshold": self.threshold, "meta": self.meta}
        data["weights"] = self.weights
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(text.encode(), mtime=0))

    def score_features(self, feats: Iterable[str]) -> float:
        """P(cause) for a feature list (each feature counted once)."""
        z = self.bias + sum(self.weights.get(f, 0.0) for f in dict.fromkeys(feats))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def score(
        self,
        sentence: str,
        chemical: Span,
        condition: Span,
        others: Iterable[tuple[str, Span]] = (),
    ) -> float:
        """P(the chemical caused the condition) in [0, 1]; compare with ``threshold``."""
        return self.score_features(pair_features(sentence, chemical, condition, tuple(others)))
