"""Assertion status of each entity — present, negated, possible, hypothetical, historical, family.

A ConText-style algorithm (Harkema et al. 2009, J Biomed Inform 42:839) with our own rules in
``casebook_data/nlp/context_rules.tsv``. medspaCy is not used: it pins spaCy<3.8 and its default
ConText pipeline runs at 8.6x the bare tokenizer's time. Here one ``PhraseMatcher`` pass finds
every cue in the doc, and the scope walk is plain Python over token offsets, run only for
sentences that hold both an entity and a cue.

The algorithm (``assign_assertions``) is pure — token offsets in, statuses out — so it can be
tested and reused without spaCy; ``ContextComponent`` is the thin spaCy wrapper, registered as
the ``casebook_context`` factory. Span extensions are registered when a component is built, not
at import time.

Scope: a trigger reaches from itself in its direction until a TERMINATE cue, a trigger of
another category, its ``max_scope`` (tokens) or the sentence boundary; a comma list stays in
scope ("no itchiness, pus discharge"). Stacked modifiers are read together: a trigger of another
category that follows within ``STACK_GAP`` tokens, with no entity in between, does not end the
scope ("no family history of X", "his father had a history of X"), so both apply and precedence
decides (negated > family > historical > hypothetical > possible). Longest match wins among
overlapping cues, so a PSEUDO cue ("not only", "no increase", "gram-negative") silences the
shorter triggers inside it, and a longer trigger ("not be excluded") beats a shorter one ("not").
A trigger never modifies an entity it overlaps, and a TERMINATE word inside an entity ("Still's
disease") does not end a scope.

Deliberately absent from the rules: "?" (sentence splitters end the sentence at it, so
"? cellulitis" never reaches its entity) and bare finding words such as "afebrile".
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from spacy.attrs import IS_PUNCT, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

ASSERTIONS = ("present", "negated", "possible", "hypothetical", "historical", "family")
TRIGGER_CATEGORIES = ("NEGATED", "FAMILY", "HISTORICAL", "HYPOTHETICAL", "POSSIBLE")
"""In precedence order: when several apply to one entity, the first wins."""
CATEGORIES = (*TRIGGER_CATEGORIES, "PSEUDO", "TERMINATE")
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL")
HEADER = ("literal", "category", "direction", "max_scope")
STACK_GAP = 3
"""Most tokens between stacked modifiers ("no known history of") for a scope to run through."""

_ASSERTION_OF = {category: category.lower() for category in TRIGGER_CATEGORIES}
_RANK = {category: rank for rank, category in enumerate(TRIGGER_CATEGORIES)}


class ContextRuleError(ValueError):
    """A rules file that cannot be trusted; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class ContextRule:
    """One cue: the literal is matched case-insensitively, token by token."""

    literal: str
    category: str
    direction: str
    max_scope: int | None = None


class Cue(NamedTuple):
    """A rule matched at tokens ``[start, end)`` of a doc (a tuple: made ~30 times per abstract)."""

    start: int
    end: int
    rule: ContextRule


def load_rules(path: Path | None = None) -> list[ContextRule]:
    """The rules at ``path`` (default: the shipped ``casebook_data/nlp/context_rules.tsv``)."""
    if path is None:
        source = resources.files("casebook_data") / "nlp" / "context_rules.tsv"
        return parse_rules(source.read_text(encoding="utf-8"), name="context_rules.tsv")
    path = Path(path)
    return parse_rules(path.read_text(encoding="utf-8"), name=str(path))


def parse_rules(text: str, name: str = "<rules>") -> list[ContextRule]:
    """Validated rules from TSV text; any bad row is an error, since a silent typo changes meaning.

    PSEUDO and TERMINATE rows have no scope, so ``max_scope`` must be blank, and a PSEUDO row
    must be BIDIRECTIONAL. A TERMINATE row's direction says which scopes it ends: FORWARD ones
    only ("was" ends "no X" but not "X was not seen"), BACKWARD ones only, or both.
    """
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, None)
    if header is None or tuple(cell.strip() for cell in header) != HEADER:
        raise ContextRuleError(f"{name}:1: header must be {'<TAB>'.join(HEADER)!r}, got {header!r}")
    rules: list[ContextRule] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name}:{line}"
        if len(row) not in (3, 4):
            raise ContextRuleError(f"{where}: expected 4 tab-separated columns, got {len(row)}")
        literal = " ".join(row[0].split()).lower()
        category, direction = row[1].strip(), row[2].strip()
        scope = row[3].strip() if len(row) == 4 else ""
        if not literal:
            raise ContextRuleError(f"{where}: empty literal")
        if category not in CATEGORIES:
            raise ContextRuleError(f"{where}: unknown category {category!r} (one of {CATEGORIES})")
        if direction not in DIRECTIONS:
            raise ContextRuleError(
                f"{where}: unknown direction {direction!r} (one of {DIRECTIONS})"
            )
        if literal in seen:
            raise ContextRuleError(
                f"{where}: duplicate literal {literal!r} (first on line {seen[literal]})"
            )
        max_scope: int | None = None
        if scope:
            if not scope.isdigit() or int(scope) < 1:
                raise ContextRuleError(
                    f"{where}: max_scope must be a positive integer or blank, got {scope!r}"
                )
            max_scope = int(scope)
        if category in ("PSEUDO", "TERMINATE") and max_scope:
            raise ContextRuleError(
                f"{where}: {category} rules have no scope: leave max_scope blank"
            )
        if category == "PSEUDO" and direction != "BIDIRECTIONAL":
            raise ContextRuleError(f"{where}: PSEUDO rules have no direction: use BIDIRECTIONAL")
        seen[literal] = line
        rules.append(ContextRule(literal, category, direction, max_scope))
    return rules


def select_cues(cues: Iterable[Cue]) -> list[Cue]:
    """Non-overlapping cues by start, longest first (ties: PSEUDO, then earliest); PSEUDO dropped."""
    ranked = sorted(cues, key=lambda c: (c.start - c.end, c.rule.category != "PSEUDO", c.start))
    taken: set[int] = set()
    kept: list[Cue] = []
    for cue in ranked:
        tokens = range(cue.start, cue.end)
        if taken.isdisjoint(tokens):
            taken.update(tokens)
            kept.append(cue)
    kept.sort(key=lambda c: c.start)
    return [c for c in kept if c.rule.category != "PSEUDO"]


def assign_assertions(
    entities: Sequence[tuple[int, int]],
    sentences: Sequence[tuple[int, int]],
    cues: Iterable[Cue],
    barriers: Container[int] = frozenset(),
) -> list[tuple[str, Cue | None]]:
    """(assertion, deciding cue) per entity; all offsets are token ``[start, end)`` of one doc.

    ``sentences`` must be sorted and disjoint (as ``doc.sents``); an entity belongs to the
    sentence its first token is in, and no scope crosses a sentence boundary. ``barriers`` are
    tokens (punctuation) that stacked modifiers cannot be read across: "no fever, possible X".
    """
    result: list[tuple[str, Cue | None]] = [("present", None)] * len(entities)
    selected = select_cues(cues)
    if not selected:
        return result
    starts = [start for start, _ in sentences]

    def sentence_of(token: int) -> int:
        k = bisect_right(starts, token) - 1
        return k if k >= 0 and token < sentences[k][1] else -1

    members: dict[int, list[int]] = {}
    for index, (start, _) in enumerate(entities):
        members.setdefault(sentence_of(start), []).append(index)
    members.pop(-1, None)  # an entity outside every sentence stays present
    found: dict[int, list[Cue]] = {}
    for cue in selected:
        k = sentence_of(cue.start)
        if k in members:
            found.setdefault(k, []).append(cue)
    for k, sentence_cues in found.items():
        indices = members[k]
        ents = [entities[i] for i in indices]
        assigned = _assign_sentence(ents, sentence_cues, *sentences[k], barriers)
        for index, status in zip(indices, assigned, strict=True):
            result[index] = status
    return result


def _assign_sentence(
    ents: list[tuple[int, int]],
    found: list[Cue],
    s_start: int,
    s_end: int,
    barriers: Container[int],
) -> list[tuple[str, Cue | None]]:
    def has_entity(lo: int, hi: int) -> bool:
        return any(a < hi and b > lo for a, b in ents)

    def stacks(lo: int, hi: int, gap_lo: int, gap_hi: int) -> bool:
        """Whether the next trigger stacks onto this one: at most ``STACK_GAP`` tokens apart
        (``gap_lo``..``gap_hi``), no punctuation between, and no entity in ``[lo, hi)`` yet."""
        return (
            gap_hi - gap_lo <= STACK_GAP
            and not has_entity(lo, hi)
            and not any(i in barriers for i in range(gap_lo, gap_hi))
        )

    # a TERMINATE word inside an entity ("Still's disease") is part of a name, not a clause break
    cues = [
        cue
        for cue in found
        if cue.rule.category != "TERMINATE" or not has_entity(cue.start, cue.end)
    ]
    best: list[tuple[int, int, Cue] | None] = [None] * len(ents)

    def apply(cue: Cue, lo: int, hi: int, forward: bool) -> None:
        rank = _RANK[cue.rule.category]
        for i, (a, b) in enumerate(ents):
            if a >= hi or b <= lo or (a < cue.end and b > cue.start):
                continue  # out of scope, or the trigger is inside this entity: no self-modifying
            distance = a - cue.end if forward else cue.start - b
            if best[i] is None or (rank, distance) < best[i][:2]:
                best[i] = (rank, distance, cue)

    for k, cue in enumerate(cues):
        rule = cue.rule
        if rule.category == "TERMINATE":
            continue
        if rule.direction != "BACKWARD":
            lo, hi, frontier = cue.end, s_end, cue.end
            if rule.max_scope is not None:
                hi = min(hi, cue.end + rule.max_scope)
            for other in cues[k + 1 :]:
                if other.start >= hi:
                    break
                if other.rule.category == rule.category or (
                    other.rule.category == "TERMINATE" and other.rule.direction == "BACKWARD"
                ):
                    continue  # same category, or a TERMINATE that only ends backward scopes
                if other.rule.category != "TERMINATE" and stacks(
                    lo, other.start, frontier, other.start
                ):
                    frontier = other.end  # stacked modifiers: read through, as far as it reaches
                    reach = other.rule.max_scope
                    hi = s_end if reach is None else max(hi, min(s_end, other.end + reach))
                    continue
                hi = other.start
                break
            apply(cue, lo, hi, forward=True)
        if rule.direction != "FORWARD":
            lo, hi, frontier = s_start, cue.start, cue.start
            if rule.max_scope is not None:
                lo = max(lo, cue.start - rule.max_scope)
            for other in reversed(cues[:k]):
                if other.end <= lo:
                    break
                if other.rule.category == rule.category or (
                    other.rule.category == "TERMINATE" and other.rule.direction == "FORWARD"
                ):
                    continue
                if other.rule.category != "TERMINATE" and stacks(
                    other.end, hi, other.end, frontier
                ):
                    frontier = other.start
                    reach = other.rule.max_scope
                    lo = s_start if reach is None else min(lo, max(s_start, other.start - reach))
                    continue
                lo = other.end
                break
            apply(cue, lo, hi, forward=False)
    return [
        ("present", None) if b is None else (_ASSERTION_OF[b[2].rule.category], b[2]) for b in best
    ]


class ContextComponent:
    """spaCy component: sets ``ent._.assertion`` and ``ent._.assertion_cue`` on ``doc.ents``.

    Needs sentence boundaries (a parser, senter or sentencizer earlier in the pipeline).
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "casebook_context",
        rules_path: str | Path | None = None,
        rules: Sequence[ContextRule] | None = None,
    ) -> None:
        self.name = name
        if rules is None:
            rules = load_rules(Path(rules_path) if rules_path else None)
        self.rules = list(rules)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._rule_of: dict[int, ContextRule] = {}
        tokenized: dict[tuple[str, ...], str] = {}
        for index, rule in enumerate(self.rules):
            pattern = nlp.make_doc(rule.literal)
            words = tuple(token.lower_ for token in pattern)
            if not words:
                raise ContextRuleError(f"literal {rule.literal!r} has no tokens")
            if words in tokenized:
                raise ContextRuleError(
                    f"literals {tokenized[words]!r} and {rule.literal!r} tokenize the same"
                )
            tokenized[words] = rule.literal
            key = f"{name}:{index}"
            self.matcher.add(key, [pattern])
            self._rule_of[nlp.vocab.strings[key]] = rule
        for attr, default in (("assertion", "present"), ("assertion_cue", None)):
            if not Span.has_extension(attr):
                Span.set_extension(attr, default=default)
        self._direct = _writes_user_data_directly(nlp)

    def __call__(self, doc: Doc) -> Doc:
        ents = doc.ents
        if not ents:
            return doc
        sentences = _sentences(doc, self.name)
        cues = [Cue(start, end, self._rule_of[key]) for key, start, end in self.matcher(doc)]
        statuses = (
            assign_assertions(
                [(ent.start, ent.end) for ent in ents], sentences, cues, _Punctuation(doc)
            )
            if cues
            else [("present", None)] * len(ents)
        )
        cue_text: dict[tuple[int, int], str] = {}
        values = []
        for assertion, cue in statuses:
            if cue is None:
                values.append((assertion, None))
                continue
            where = (cue.start, cue.end)
            if where not in cue_text:
                cue_text[where] = _text(doc, cue.start, cue.end)
            values.append((assertion, cue_text[where]))
        if self._direct:
            data = doc.user_data
            for ent, (assertion, cue_string) in zip(ents, values, strict=True):
                start, end = ent.start_char, ent.end_char
                data[("._.", "assertion", start, end)] = assertion
                data[("._.", "assertion_cue", start, end)] = cue_string
        else:
            for ent, (assertion, cue_string) in zip(ents, values, strict=True):
                ent._.assertion = assertion
                ent._.assertion_cue = cue_string
        return doc


def _text(doc: Doc, start: int, end: int) -> str:
    """The text of tokens ``[start, end)``, without building a Span (the cue is a few tokens)."""
    return "".join([doc[i].text_with_ws for i in range(start, end - 1)]) + doc[end - 1].text


def _writes_user_data_directly(nlp: Language) -> bool:
    """Whether span extension values live at ``doc.user_data[("._.", name, start, end)]``.

    Setting ``ent._.x`` builds an Underscore object per call, which cost more than the whole
    scope walk; spaCy has kept values under that key since v2, but we probe rather than assume,
    and fall back to ``ent._`` if the layout (or someone's getter/setter) differs.
    """
    probe = Doc(nlp.vocab, words=["a", "b"])
    span = probe[1:2]
    try:
        span._.assertion = "probe"
        span._.assertion_cue = "probe"
    except Exception:
        return False
    return all(
        probe.user_data.get(("._.", attr, span.start_char, span.end_char)) == "probe"
        for attr in ("assertion", "assertion_cue")
    )


class _Punctuation:
    """``i in`` tells whether token ``i`` is punctuation; the array is read on first use (rare)."""

    __slots__ = ("doc", "flags")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.flags: list[int] | None = None

    def __contains__(self, index: object) -> bool:
        if self.flags is None:
            self.flags = self.doc.to_array(IS_PUNCT).tolist()
        return isinstance(index, int) and bool(self.flags[index])


def _sentences(doc: Doc, name: str) -> list[tuple[int, int]]:
    """Sentence token offsets, read from the SENT_START array: ``doc.sents`` builds a Span each."""
    if "sents" in doc.user_hooks:
        return [(sent.start, sent.end) for sent in doc.sents]
    flags = doc.to_array(SENT_START).astype("int64")  # 1 start, -1 inside, 0 unknown
    if len(doc) > 1 and not flags[1:].any():
        raise ValueError(
            f"{name} needs sentence boundaries: add a 'sentencizer', 'senter' or 'parser' "
            "before it in the pipeline"
        )
    starts = [0, *(int(i) for i in (flags[1:] == 1).nonzero()[0] + 1)]
    return list(zip(starts, [*starts[1:], len(doc)], strict=True))


@Language.factory("casebook_context", default_config={"rules_path": None})
def make_context(nlp: Language, name: str, rules_path: str | None) -> ContextComponent:
    """The ``casebook_context`` pipe; ``rules_path`` None means the shipped rules."""
    return ContextComponent(nlp, name, rules_path=rules_path)
