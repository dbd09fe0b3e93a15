"""Cues between two mentions of one sentence (pure): the words that link a relation's ends.

The cue table is data (``data/nlp/relation_cues.tsv``: kind, which label comes first, the cue's
words). ``linking_cue`` accepts the text between two mentions when it is the cue, filler words
(articles, auxiliaries, adverbs, a duration) and mentions listed beside the second end ("T1 and
T2"); any other mention of the pairing's labels in between, or a clause break before the cue,
means the two are not each other's nearest partners.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ingest.nlp.mentions import Mention

KINDS = ("caused_by", "treated_with", "led_to")
LABELS = ("CONDITION", "ETIOLOGY", "TREATMENT", "OUTCOME")
MAX_EXTRA = 2  # words beside the cue that are neither filler nor listed mentions
FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "being",
        "had",
        "has",
        "have",
        "then",
        "subsequently",
        "successfully",
        "completely",
        "partially",
        "fully",
        "also",
        "which",
        "that",
        "this",
        "these",
        "those",
        "he",
        "she",
        "they",
        "it",
        "its",
        "his",
        "her",
        "their",
        "patient",
        "patients",
        "gradually",
        "eventually",
        "finally",
        "rapidly",
        "later",
        "soon",
        "promptly",
        "quickly",
        "dramatically",
        "significantly",
        "markedly",
        "slowly",
        "spontaneously",
        "further",
        "both",
        "all",
        "several",
        "of",
        "initial",
        "initially",
        "prompt",
        "treatment",
        "therapy",
        "course",
    ]
)
# a dose, a route or a schedule beside a drug ("prednisolone, 30 mg daily, for ITP"): filler
DOSE = frozenset(["mg", "g", "mcg", "ug", "ml", "iu", "units", "kg", "m2", "daily", "once", "twice",
                  "thrice", "weekly", "per", "bid", "tid", "qd", "oral", "orally", "iv",
                  "intravenous", "intravenously", "dose", "every"])  # fmt: skip
FILLER |= DOSE
PASSIVE = ("CONDITION", "TREATMENT", "OUTCOME", "ETIOLOGY")
"""Labels whose mentions between two ends block a pairing (each end takes its nearest)."""
BREAK = re.compile(r"[;:]|\b(?:but|whereas|while|although|however|though|except)\b", re.I)
BREAK_WORDS = frozenset({";", ":", "but", "whereas", "while", "although", "however", "though",
                         "except"})  # fmt: skip
DENIED = re.compile(r"\b(?:not|never|nor|no|without)\s+(?:\w+\s+)?$", re.IGNORECASE)
HEDGED = re.compile(
    r"\b(?:likely|unlikely|probably|possibly|presumably|perhaps|may|might|could|can|presumed|"
    r"suspected|speculated|thought\s+to\s+be)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
"""A hedge or a general claim before a cause cue ("likely due to", "can cause"): not a fact."""
_SPAN_OF_TIME = re.compile(
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few)\s+"
    r"(?:more\s+)?(?:hours?|days?|weeks?|months?|years?|cycles?|doses?|sessions?)\b"
)
# A discussion's aside saying the report's own patients had what it states ("resolved with
# conservative management, as in our reported cases, …"); "unlike our case" says the opposite.
AS_IN_OURS = re.compile(
    r"\b(?:as(?:\s+was\s+the\s+case)?\s+(?:in|with|for)|similar(?:ly)?\s+to|(?<!un)like(?:\s+in)?)"
    r"\s+(?:our|the\s+present|the\s+current)\s+(?:own\s+)?(?:reported\s+|present\s+|two\s+|three\s+)?"
    r"(?:cases?|patients?|neonates?|infants?|children|babies|baby)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"-?[a-z0-9]+(?:[-'][a-z0-9]+)*|[,();:]")


@dataclass(frozen=True)
class CueRule:
    kind: str
    first: str  # the label of the mention that comes first in the sentence
    second: str
    words: tuple[str, ...]

    @property
    def source_first(self) -> bool:
        """Whether the relation's source (condition; treatment for led_to) comes first."""
        return self.first == ("TREATMENT" if self.kind == "led_to" else "CONDITION")


@lru_cache(maxsize=1)
def load_cues() -> tuple[CueRule, ...]:
    """The shipped cue table, validated: a bad row fails at load with its line."""
    text = (resources.files("casebook_data") / "nlp" / "relation_cues.tsv").read_text("utf-8")
    return parse_cues(text)


@lru_cache(maxsize=1)
def cues_by_labels() -> dict[tuple[str, str], tuple[CueRule, ...]]:
    """The shipped rules by (first label, second label), in table order: a pair of mentions is
    tried only against the rules for its labels."""
    out: dict[tuple[str, str], list[CueRule]] = {}
    for rule in load_cues():
        out.setdefault((rule.first, rule.second), []).append(rule)
    return {key: tuple(rules) for key, rules in out.items()}


def parse_cues(text: str, name: str = "relation_cues.tsv") -> tuple[CueRule, ...]:
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or rows[0] != ["kind", "first", "second", "cue"]:
        raise ValueError(f"{name}:1: header must be kind<TAB>first<TAB>second<TAB>cue")
    rules = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 4 or row[0] not in KINDS or not {row[1], row[2]} <= set(LABELS):
            raise ValueError(f"{name}:{line}: expected a kind, two labels and a cue: {row!r}")
        words = tuple(_WORD.findall(row[3].lower()))
        if not words:
            raise ValueError(f"{name}:{line}: empty cue")
        rules.append(CueRule(row[0], row[1], row[2], words))
    return tuple(rules)


NEW_SUBJECT = frozenset({"patient", "he", "she", "they", "who", "which", "we"})
"""Words that open another clause: past them a list of ends does not go on."""
LIST_WORDS = frozenset({"plus", "together", "combined", "combination", "in", "addition", "to",
                        "followed", "by", "along", "then", "added", "(", ")"})  # fmt: skip
"""Words that may join listed ends besides "and", "or" and commas ("T1 followed by T2")."""
OPENERS = frozenset({"when", "until", "before", "because", "if", "since", "where", "unless",
                     "with"})  # fmt: skip
"""Words that, past a listed end, start another clause or phrase: no more of the list."""
RELATIVE = frozenset({"which", "who", "whom", "whose"})
"""Past a led_to cue, a relative pronoun opens another clause: its outcome is its antecedent's."""
COORDINATION = frozenset({"<first>", "and", "or", ",", "as", "well", "both", "(", ")"})
"""What may stand between a list of first ends: "C1 and C2", "C (ABBR)"."""


def linking_cue(ms: Sequence[Mention], x: int, y: int, rule: CueRule) -> str | None:
    """The cue's words when the text between mentions ``x`` and ``y`` (x first) is the rule's
    cue, filler, and mentions listed beside the second end; None otherwise."""
    first, second = ms[x], ms[y]
    s0 = first.sentence[0]
    ends = tuple(m.start - s0 for m in ms[x + 1 : y + 1] if m.label in PASSIVE)  # no duration
    text = _blank_parentheses(_without_asides(first.sentence_text), ends)
    between = text[first.end - s0 : second.start - s0]
    words: list[str] = []
    pos = first.end
    for m in ms[x + 1 : y]:
        if (
            m.label in PASSIVE
            and m.label not in (second.label, first.label)
            and not (rule.kind == "led_to" and m.label == "CONDITION")
        ):  # the lesion that resolved may stand between a treatment and its outcome
            return None  # another kind of end in between: not the nearest pairing
        words += _WORD.findall(text[pos - s0 : m.start - s0].lower())
        words.append("<same>" if m.label == second.label else "<first>" if (
            m.label == first.label) else "<time>" if m.label == "DURATION" else "<other>")  # fmt: skip
        pos = m.end
    words += _WORD.findall(text[pos - s0 : second.start - s0].lower())
    breaks = [i for i, w in enumerate(words) if w in BREAK_WORDS]
    suffix = rule.words[0].startswith("-")  # "X-induced Y": the cue must touch the first end
    if breaks:  # only the second end's clause may hold the cue: "not due to A but due to B"
        if rule.first in ("TREATMENT", "ETIOLOGY"):
            return None  # the agent stands in another clause than its cue ("T1 was given,
            # while T2 was administered to treat C": C is T2's)
        words = words[breaks[-1] + 1 :]
        between = between[_last_break(between) :]
    at = _find(words, rule.words)
    if at is None or (suffix and at != 0):
        return None
    before, after = words[:at], words[at + len(rule.words) :]
    if rule.words == ("for",) and (after[:1] == ["<time>"] or _SPAN_OF_TIME.match(" ".join(after))):
        return None  # "antibiotics for 1 day, pain treatment for 3 days": how long, not what for
    if "<first>" in after or "<same>" in before:
        return None  # the first end is not the nearest to the cue
    if "<first>" in before:  # only a list of first ends may stand between: "C1 and C2 treated
        # with T" — but a relative pronoun binds the nearest ("ASD and PDA for which …": the PDA)
        last = len(before) - before[::-1].index("<first>")
        if "which" in rule.words or any(w not in COORDINATION for w in before[:last]):
            return None
        before = before[last:]
    listed = {"<same>", "and", "or", ",", "as", "well", "<other>", "<time>"}
    if "<same>" in after:
        tail = after[after.index("<same>") :]
        if NEW_SUBJECT & set(tail):
            return None  # a new clause past a listed end ends the list ("T to relieve C1, the
            # patient continued to C2": C2 is not what T was for)
        joins = FILLER | listed | LIST_WORDS | set(rule.words)  # "with T1, with T2"
        extra = [w for w in tail if w not in joins and not w.isdigit()]
        if len(extra) > 1 or OPENERS & set(extra):
            return None  # past a listed end, list words (and one more): "regressed after
            # withdrawal and reappeared when acitretin was reintroduced" lists no acitretin;
            # "X-induced C1 in patients with C2": C2 is the patients'
    if rule.kind == "led_to" and RELATIVE & set(after):
        return None  # "T and showed hepatitis, which resolved after …": the outcome is the
        # relative clause's, whose own cue names what led to it
    extra = [w for w in before if w not in FILLER | {"<other>", "<time>"} and not w.isdigit()]
    extra += [w for w in after if w not in FILLER and w not in listed and not w.isdigit()]
    if len(extra) > MAX_EXTRA:
        return None
    cue_text = " ".join(rule.words).replace(" -", "-")
    head = between[: between.lower().find(rule.words[0].lstrip("-"))]
    if DENIED.search(head):
        return None
    if rule.kind == "caused_by" and HEDGED.search(head):
        return None
    return cue_text


_LEAD = re.compile(
    r"(?:^|[,;:]\s*)(?P<cue>after|following|upon|with|post)\s+(?:\w+\s+){0,3}$", re.IGNORECASE
)


def lead_cue(ms: Sequence[Mention], x: int) -> str | None:
    """ "after" when the clause opens on "After <treatment>, …" (its outcome then follows)."""
    m = ms[x]
    if m.label != "TREATMENT":
        return None
    s0 = m.sentence[0]
    match = _LEAD.search(m.sentence_text[: m.start - s0])
    return match.group("cue").lower() if match else None


@lru_cache(maxsize=4096)
def _without_asides(sentence: str) -> str:
    """The sentence with each "as in our cases" aside (and its comma) blanked, offsets kept: the
    aside is about whom, not a word between the two ends of a relation. Cached: every pair of
    a sentence's mentions, and every rule for their labels, asks about the same sentence."""
    return _blank_asides(sentence)


def _blank_asides(sentence: str) -> str:
    """``_without_asides`` uncached."""
    for match in AS_IN_OURS.finditer(sentence):
        end = match.end() + (1 if sentence[match.end() : match.end() + 1] == "," else 0)
        sentence = sentence[: match.start()] + " " * (end - match.start()) + sentence[end:]
    return sentence


_PARENTHESIS = re.compile(r"\([^()]{0,160}\)")


@lru_cache(maxsize=4096)
def _blank_parentheses(text: str, starts: tuple[int, ...]) -> str:
    """``text`` with each parenthesis that holds no mention starting at ``starts`` (offsets in
    ``text``) blanked: a dose, a figure, a maker's name is no word between two ends
    ("methylprednisolone (1 g daily for 3 days) was started with rapid resolution"); "(due to
    leg weakness)" is kept. Cached: every rule for a pair asks the same."""

    def blank(match: re.Match[str]) -> str:
        if any(match.start() < at < match.end() for at in starts):
            return match.group(0)
        return " " * len(match.group(0))

    return _PARENTHESIS.sub(blank, text) if "(" in text else text


def _last_break(text: str) -> int:
    return max((m.end() for m in BREAK.finditer(text)), default=0)


def _find(words: list[str], cue: tuple[str, ...]) -> int | None:
    n = len(cue)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) == cue:
            return i
    if n == 1 and cue[0].startswith("-"):  # "-induced" written "X- induced" or "X induced"
        bare = cue[0][1:]
        if words[:2] == ["-", bare] or (words and words[0] == bare):
            return 0
    return None
