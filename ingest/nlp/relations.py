"""Relations between mentions, only where the text links them (pure): condition —caused_by→
etiology, condition —treated_with→ treatment, treatment —led_to→ outcome (with the time to it).

Never co-occurrence. Within a sentence a relation needs a cue between its two ends, from the
table ``data/nlp/relation_cues.tsv`` (kind, which label comes first, the cue's words): "Y due to
X", "X-induced Y", "T for C", "C treated with T", "resolved with T", "T led to complete
resolution". Only a few filler words may stand beside the cue (articles, auxiliaries, adverbs,
a duration: "resolved completely after 3 months of T"), mentions of the second end's label may
be listed after it ("resolved with T1 and T2", "T for C1 and C2"), and any other mention of the
pairing's labels in between ends the search: each end pairs with its nearest partner. A cue
right after a denial ("was not due to") is no cue. Two more links are explicit across
sentences: a sentence that opens on the treatment just named ("After this treatment, the
lesion healed") links the previous sentence's treatments to its outcomes, and so, more weakly
(score 0.7), does a next sentence with no treatment of its own that places its outcome in time
after them ("He was managed with a dressing. Over the following weeks the lesion resolved";
"… resolution after 5 months"); and within a patient
case, a condition the article's title names is caused by an etiology that its own sentence
marks as a cause ("a treatment-related complication of IV calcium"), or after which the next
sentence says the patient developed it ("… treated with IV calcium. He developed swelling … and
was diagnosed with iatrogenic calcinosis cutis"), so the report's subject is tied to what the
report says caused it — not to everything else the patient had (an admission to the NICU).

A chemical–condition pair in one sentence with no cue may still be related by the learned
cause scorer (``cause``: a callable giving the probability that the sentence says the chemical
caused the condition), trained on BC5CDR's chemical-induced-disease pairs. Negated,
hypothetical, refused or stopped mentions never relate.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise

from kb.records import Finding, Relation

RELATABLE = {"present", "historical", "resolved"}
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
PASSIVE = ("CONDITION", "TREATMENT", "OUTCOME", "ETIOLOGY")
"""Labels whose mentions between two ends block a pairing (each end takes its nearest)."""
BREAK = re.compile(r"[;:]|\b(?:but|whereas|while|although|however|though|except)\b", re.I)
BREAK_WORDS = frozenset({";", ":", "but", "whereas", "while", "although", "however", "though",
                         "except"})  # fmt: skip
_DENIED = re.compile(r"\b(?:not|never|nor|no|without)\s+(?:\w+\s+)?$", re.IGNORECASE)
_WORD = re.compile(r"-?[a-z0-9]+(?:[-'][a-z0-9]+)*|[,();:]")
_OPENER = re.compile(
    r"^\s*(?:after|following|with|on|upon|post)\s+(?:this|that|these|such|the|his|her|their)\s+"
    r"(?:treatment|therapy|management|procedure|intervention|regimen|surgery|operation)s?\b",
    re.IGNORECASE,
)
_THEN = re.compile(
    r"\b(?:thereafter|subsequently|afterwards|then|over\s+the\s+(?:following|next)\s+\w+|"
    r"(?:during|in|within)\s+the\s+(?:following|next)\s+\w+|after\s+(?:this|that)|"
    r"(?:after|within)\s+(?:\d+(?:\.\d+)?|one|two|three|four|five|six|several|a\s+few)\s+"
    r"(?:days?|weeks?|months?|years?))\b",
    re.IGNORECASE,
)
_CAUSE_MARK = re.compile(
    r"^\s*(?:-?\s*(?:induced|related|associated))|(?:complications?\s+of|due\s+to|secondary\s+to|"
    r"caused\s+by|induced\s+by|after|following|related\s+to)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_DEVELOPED = re.compile(r"\b(?:developed|develops|went on to develop)\b", re.IGNORECASE)
_PRESENTED = re.compile(r"\b(?:presented|presenting)\s+with\b", re.IGNORECASE)
CauseScorer = Callable[
    [str, tuple[int, int], tuple[int, int], tuple[tuple[str, tuple[int, int]], ...]], float
]
"""(sentence, chemical span, condition span, the sentence's other chemicals and conditions as
("CHEMICAL" | "DISEASE", span)) → P(the sentence says the chemical caused the condition)."""


@dataclass(frozen=True)
class Mention:
    label: str  # CONDITION, ETIOLOGY, …, AGE, SEX, DURATION
    concept: str
    text: str
    start: int
    end: int
    sentence: tuple[int, int]
    sentence_text: str
    section: str
    assertion: str
    value: str | None = None
    category: str | None = None  # disease, sign_symptom, chemical, … (``merge.MODEL_LABELS``)
    ids: tuple[str, ...] = ()  # CURIEs the linker grounded the span to, best first
    matched: str | None = None  # the vocabulary term it matched
    match_score: float | None = None
    name: str | None = None  # the concept's preferred name, when the vocabulary gave one


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


def find_relations(
    mentions: list[Mention],
    findings: dict[int, Finding],
    cases_of: list[int | None],
    topics: frozenset[str] = frozenset(),
    cause: CauseScorer | None = None,
    threshold: float = 0.5,
    title: tuple[int, int] | None = None,
) -> list[Relation]:
    """Relations among ``mentions`` (``findings[i]`` is mention i's finding); ``title``: the
    title's offsets, whose stated causes hold for each case that names both ends."""
    out: dict[tuple[str, str, str], Relation] = {}
    usable = [i for i in findings if mentions[i].assertion in RELATABLE]
    by_sentence: dict[tuple[int, int], list[int]] = {}
    for i in usable:
        by_sentence.setdefault(mentions[i].sentence, []).append(i)
    stated: list[tuple[str, str, str]] = []  # (condition concept, etiology concept, cue) in title
    for members in by_sentence.values():
        members.sort(key=lambda i: mentions[i].start)
        for rel in sentence_relations([mentions[i] for i in members], cause, threshold):
            kind, a, b, cue, score = rel
            fa, fb = mentions[members[a]], mentions[members[b]]
            _add(out, kind, findings[members[a]], findings[members[b]], cue, score)
            if kind == "caused_by" and cue and title and title[0] <= fa.start < title[1]:
                stated.append((fa.concept, fb.concept, cue))
    for a, b, cue in _title_causes(mentions, usable, cases_of, topics, stated):
        _add(out, "caused_by", findings[a], findings[b], cue, 0.8)
    for kind, a, b, cue, score in _across_sentences(mentions, usable, by_sentence, cases_of):
        _add(out, kind, findings[a], findings[b], cue, score)
    for a, b, cue in _case_causes(mentions, usable, cases_of, topics):
        _add(out, "caused_by", findings[a], findings[b], cue, 0.8)
    return list(out.values())


def sentence_relations(
    ms: Sequence[Mention], cause: CauseScorer | None = None, threshold: float = 0.5
) -> list[tuple[str, int, int, str, float]]:
    """(kind, source index, target index, cue, score) for the mentions of one sentence, sorted
    by position."""
    found: list[tuple[str, int, int, str, float]] = []
    for x in range(len(ms)):
        for y in range(x + 1, len(ms)):
            for rule in load_cues():
                if (ms[x].label, ms[y].label) != (rule.first, rule.second):
                    continue
                cue = linking_cue(ms, x, y, rule)
                if cue is not None:
                    a, b = (x, y) if rule.source_first else (y, x)
                    found.append((rule.kind, a, b, cue, 1.0))
                    break
    for x in range(len(ms)):
        lead = _lead_cue(ms, x)
        for y in range(x + 1, len(ms)) if lead else ():
            if ms[y].label == "OUTCOME" and not any(
                m.label in ("TREATMENT", "OUTCOME") for m in ms[x + 1 : y]
            ):
                found.append(("led_to", x, y, lead, 1.0))
    if cause is not None:
        linked = {(k, a, b) for k, a, b, _, _ in found}
        s0 = ms[0].sentence[0] if ms else 0
        pairs = list(_chemical_pairs(ms))
        ends = {i for pair in pairs for i in pair}
        for c, e in pairs:
            if ("caused_by", c, e) in linked or _denied_between(ms[c], ms[e]):
                continue
            others = tuple(
                ("CHEMICAL" if ms[i].category == "chemical" else "DISEASE", _local(ms[i], s0))
                for i in sorted(ends - {c, e})
            )
            p = cause(ms[c].sentence_text, _local(ms[e], s0), _local(ms[c], s0), others)
            if p >= threshold:
                found.append(("caused_by", c, e, "", round(p, 3)))
    return found


COORDINATION = frozenset({"<first>", "and", "or", ",", "as", "well", "both"})


def linking_cue(ms: Sequence[Mention], x: int, y: int, rule: CueRule) -> str | None:
    """The cue's words when the text between mentions ``x`` and ``y`` (x first) is the rule's
    cue, filler, and mentions listed beside the second end; None otherwise."""
    first, second = ms[x], ms[y]
    s0 = first.sentence[0]
    between = first.sentence_text[first.end - s0 : second.start - s0]
    words: list[str] = []
    pos = first.end
    for m in ms[x + 1 : y]:
        if (
            m.label in PASSIVE
            and m.label not in (second.label, first.label)
            and not (rule.kind == "led_to" and m.label == "CONDITION")
        ):  # the lesion that resolved may stand between a treatment and its outcome
            return None  # another kind of end in between: not the nearest pairing
        words += _WORD.findall(first.sentence_text[pos - s0 : m.start - s0].lower())
        words.append("<same>" if m.label == second.label else "<first>" if (
            m.label == first.label) else "<other>")  # fmt: skip
        pos = m.end
    words += _WORD.findall(first.sentence_text[pos - s0 : second.start - s0].lower())
    breaks = [i for i, w in enumerate(words) if w in BREAK_WORDS]
    if breaks:  # only the second end's clause may hold the cue: "not due to A but due to B"
        words = words[breaks[-1] + 1 :]
        between = between[_last_break(between) :]
    at = _find(words, rule.words)
    if at is None:
        return None
    before, after = words[:at], words[at + len(rule.words) :]
    if "<first>" in after or "<same>" in before:
        return None  # the first end is not the nearest to the cue
    if "<first>" in before:  # only a list of first ends may stand between: "C1 and C2 treated
        # with T" — but a relative pronoun binds the nearest ("ASD and PDA for which …": the PDA)
        last = len(before) - before[::-1].index("<first>")
        if "which" in rule.words or any(w not in COORDINATION for w in before[:last]):
            return None
        before = before[last:]
    listed = {"<same>", "and", "or", ",", "as", "well", "<other>"}
    extra = [w for w in before if w not in FILLER and w != "<other>" and not w.isdigit()]
    extra += [w for w in after if w not in FILLER and w not in listed and not w.isdigit()]
    if len(extra) > MAX_EXTRA:
        return None
    cue_text = " ".join(rule.words).replace(" -", "-")
    head = between[: between.lower().find(rule.words[0].lstrip("-"))]
    if _DENIED.search(head):
        return None
    return cue_text


_LEAD = re.compile(
    r"(?:^|[,;:]\s*)(?P<cue>after|following|upon|with|post)\s+(?:\w+\s+){0,3}$", re.IGNORECASE
)


def _lead_cue(ms: Sequence[Mention], x: int) -> str | None:
    """"after" when the clause opens on "After <treatment>, …" (its outcome then follows)."""
    m = ms[x]
    if m.label != "TREATMENT":
        return None
    s0 = m.sentence[0]
    match = _LEAD.search(m.sentence_text[: m.start - s0])
    return match.group("cue").lower() if match else None


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


_NEGATION = re.compile(r"\b(?:not|no|never|nor|without|neither)\b", re.IGNORECASE)


def _denied_between(a: Mention, b: Mention) -> bool:
    """Whether a negation or a clause break stands between two mentions of one sentence: the
    learned scorer reads cue words, not what denies them ("was not due to")."""
    s0 = a.sentence[0]
    lo, hi = sorted(((a.start, a.end), (b.start, b.end)))
    between = a.sentence_text[lo[1] - s0 : hi[0] - s0]
    return bool(_NEGATION.search(between) or BREAK.search(between))


def _chemical_pairs(ms: Sequence[Mention]) -> Iterable[tuple[int, int]]:
    """(condition index, chemical index) pairs the cause scorer is asked about: both grounded
    to a vocabulary (a word a model merely guessed to be a drug is not asked about)."""
    for c, m in enumerate(ms):
        if m.label != "CONDITION" or not m.ids:
            continue
        for e, n in enumerate(ms):
            if n.category == "chemical" and n.ids and n.label in ("ETIOLOGY", "TREATMENT"):
                yield c, e


def _local(m: Mention, s0: int) -> tuple[int, int]:
    return (m.start - s0, m.end - s0)


def _across_sentences(
    mentions: list[Mention],
    usable: list[int],
    by_sentence: dict[tuple[int, int], list[int]],
    cases_of: list[int | None],
) -> Iterable[tuple[str, int, int, str, float]]:
    """led_to from the treatments of a sentence to the outcomes of the next one, when the next
    opens on that treatment ("After this treatment, …"), within one case or article part."""
    order = sorted(by_sentence)
    for prev, this in pairwise(order):
        if this[0] - prev[1] > 3:
            continue  # not the next sentence (one between them holds no finding)
        first = mentions[by_sentence[this][0]]
        outcomes = [i for i in by_sentence[this] if mentions[i].label == "OUTCOME"]
        treatments = [i for i in by_sentence[prev] if mentions[i].label == "TREATMENT"]
        if not outcomes or not treatments:
            continue
        opener = _OPENER.match(first.sentence_text)
        then = None if opener else _THEN.search(first.sentence_text)
        if opener is None and (then is None or any(
                mentions[i].label == "TREATMENT" for i in by_sentence[this])):  # fmt: skip
            continue
        cue, score = (opener.group(0), 0.8) if opener else (then.group(0), 0.7)  # type: ignore[union-attr]
        for t in treatments:
            for o in outcomes:
                if cases_of[t] == cases_of[o]:
                    yield "led_to", t, o, " ".join(cue.split()), score


def _case_causes(
    mentions: list[Mention],
    usable: list[int],
    cases_of: list[int | None],
    topics: frozenset[str],
) -> Iterable[tuple[int, int, str]]:
    """A topic condition of a case ← the case's etiologies that their sentence marks as causes."""
    by_case: dict[int, list[int]] = {}
    for i in usable:
        case = cases_of[i]
        if case is not None:
            by_case.setdefault(case, []).append(i)
    for members in by_case.values():
        conditions = [i for i in members if mentions[i].label == "CONDITION"
                      and mentions[i].concept in topics]  # fmt: skip
        for e in members:
            if mentions[e].label != "ETIOLOGY":
                continue
            mark = _cause_mark(mentions[e])
            for c in conditions:
                cue = mark or _developed_after(mentions[e], mentions[c])
                if cue:
                    yield c, e, cue


def _developed_after(exposure: Mention, condition: Mention) -> str | None:
    """ "developed" when the condition's sentence — the exposure's own, after it, or the next
    one — says the patient then developed it ("treated with IV calcium … He developed swelling
    … and was diagnosed with iatrogenic calcinosis cutis"); "presented with" after the drug in
    one sentence ("a man on warfarin presented with calciphylaxis")."""
    if exposure.category != "chemical":
        return None  # a drug or infusion given, not a setting (an admission) or a finding
    same = condition.sentence == exposure.sentence and exposure.end <= condition.start
    gap = condition.sentence[0] - exposure.sentence[1]
    if not (same or 0 <= gap <= 3):
        return None
    s0 = condition.sentence[0]
    start, stop = (exposure.end - s0 if same else 0), condition.start - s0
    match = _DEVELOPED.search(condition.sentence_text, start, stop) or (
        _PRESENTED.search(condition.sentence_text, start, stop) if same else None
    )
    return " ".join(match.group(0).lower().split()) if match else None


def _title_causes(
    mentions: list[Mention],
    usable: list[int],
    cases_of: list[int | None],
    topics: frozenset[str],
    stated: list[tuple[str, str, str]],
) -> Iterable[tuple[int, int, str]]:
    """A cause the title states ("Calcinosis cutis after extravasation of IV calcium gluconate
    in two infants") for each case that names the title's condition (or a narrower topic) and
    that cause."""
    for condition, etiology, cue in stated:
        for c in usable:
            if cases_of[c] is None or mentions[c].label != "CONDITION":
                continue
            if mentions[c].concept != condition and mentions[c].concept not in topics:
                continue
            for e in usable:
                if cases_of[e] == cases_of[c] and mentions[e].concept == etiology:
                    yield c, e, f"{cue} (title)"


def _cause_mark(m: Mention) -> str | None:
    """The words that mark an etiology as a cause in its own sentence ("X-related",
    "complication of X", "after X"), if any."""
    s0 = m.sentence[0]
    after = m.sentence_text[m.end - s0 : m.end - s0 + 20]
    before = m.sentence_text[max(0, m.start - s0 - 40) : m.start - s0]
    for text in (after, before):
        match = _CAUSE_MARK.search(text) if text is before else _CAUSE_MARK.match(text)
        if match and not _DENIED.search(before):
            return " ".join(match.group(0).split())
    return None


def _add(
    out: dict[tuple[str, str, str], Relation],
    kind: str,
    fa: Finding,
    fb: Finding,
    cue: str,
    score: float,
) -> None:
    time = fb.value if kind == "led_to" and fb.value and fb.value.startswith("P") else None
    key = (kind, f"{fa.subject}|{fa.concept}", f"{fb.subject}|{fb.concept}")
    if key not in out:
        out[key] = Relation(
            kind,  # type: ignore[arg-type]
            fa.id,
            fb.id,
            time=time,
            evidence=fb.id,
            cue=cue or None,
            score=score,
        )
