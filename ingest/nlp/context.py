"""Assertion status of each entity — present, negated, possible, hypothetical, historical,
family, for treatments refused or stopped, and for conditions resolved.

A ConText-style algorithm (Harkema et al. 2009, J Biomed Inform 42:839) with our own rules in
``casebook_data/nlp/context_rules.tsv``. medspaCy is not used: it pins spaCy<3.8 and its default
ConText pipeline runs at 8.6x the bare tokenizer's time. Here one ``PhraseMatcher`` pass finds
every cue in the doc, and the scope walk is plain Python over token offsets, run only for
sentences that hold both an entity and a cue.

The algorithm (``assign_assertions``) is pure — token offsets in, statuses out — so it can be
tested and reused without spaCy; ``context_component.ContextComponent`` is the thin spaCy
wrapper (the ``casebook_context`` factory) and ``context_rules`` reads the rules.

Scope: a trigger reaches from itself in its direction until a TERMINATE cue, a trigger of
another category, its ``max_scope`` (tokens) or the sentence boundary; a comma list stays in
scope ("no itchiness, pus discharge"). Stacked modifiers are read together: a trigger of another
category that follows within ``STACK_GAP`` tokens, with no entity in between, does not end the
scope ("no family history of X", "his father had a history of X"), so both apply and precedence
decides (negated > refused > stopped > resolved > family > historical > hypothetical >
possible). Longest match wins among overlapping cues, so a PSEUDO cue ("not only", "no
increase", "gram-negative", "did not improve", "had not healed") silences the shorter triggers
inside it, and a longer trigger ("not be excluded") beats a shorter one ("not"). One literal may
carry rules for disjoint labels ("removed": a TREATMENT stopped, a CONDITION resolved); they
match the same tokens and are read together.
A trigger never modifies an entity it overlaps — except a NEGATED one that begins the entity
("no signs of endocarditis", "no regular medication" tagged as one span: the tagger took the cue
in, the meaning is still "none"), unless it is a prefix glued to the next word ("non-invasive
ventilation" is a kind of ventilation) or the entity is a TEST ("not expressed" is a result) —
and a TERMINATE word inside an entity ("Still's disease") does not end a scope.

A rule may name the entity labels it applies to (the ``labels`` column): "refused" and "stopped"
say something only of a TREATMENT ("declined" of a lab value is a fall), and what a TEST did not
find is its result, not a test left undone ("cultures were negative", "no lesion on CT": the test
was done), so "negative", "no", "without" … skip TESTs while "not performed" does not; "negative
for X" still negates a CONDITION. "Resolved" is said of a CONDITION only ("his dyspnoea
resolved", "resolution of the oedema"): the finding was there and is gone, which the knowledge
base must not count as present, nor as never present; an OUTCOME entity "complete resolution"
stays present. It ranks after negated (never there says more than gone), refused and stopped
(other labels) and before family, historical, hypothetical and possible: "the possible abscess
resolved" and "a history of asthma, which resolved" are findings that are gone, and a relative's
finding that resolved is rare enough to lose nothing. A resolution verb reads back only a few
tokens, to its subject ("pain improved within days and the ulcer healed": the pain did not heal).
A cue that does not apply to an entity still ends other scopes.

General claims are hypothetical ("treatment options include X", "X is used to treat",
"first-line therapy is X"): a discussion's statements about a disease are not the case's facts.

Clause coordination ends a scope: "not improved and eventually died", "without biopsy, and
conservative management". Without a tagger this is lexical: "and" before an adverb, auxiliary or
pronoun is a TERMINATE rule ("and eventually", "and was"), and a TERMINATE rule that starts with a
comma (", and") is a clause joint unless a comma comes shortly before it with no TERMINATE cue
between, which makes it the last joint of a list ("no fever, chills, and cough"). "Beyond",
"except", "other than", "with the exception of", "until", "who", "when" … end scopes too ("no
intervention beyond wound care"), and so does a comma before an article (", a", ", the": "no
jaundice, a soft abdomen"), which never joins a list's last item. A TERMINATE cue ends scopes
unless it lies wholly inside an entity; one that starts inside an entity ends a forward scope
after it ("no [response] to steroids": the steroids were given).

Deliberately absent from the rules: "?" (sentence splitters end the sentence at it, so
"? cellulitis" never reaches its entity) and bare finding words such as "afebrile".
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Container, Iterable, Sequence
from typing import NamedTuple

from ingest.nlp.context_rules import (
    TRIGGER_CATEGORIES,
    ContextRule,
)

STACK_GAP = 3
"""Most tokens between stacked modifiers ("no known history of") for a scope to run through."""
LIST_REACH = 12
"""How far back a comma makes a following ", and" the last joint of a list, not a new clause."""

_ASSERTION_OF = {category: category.lower() for category in TRIGGER_CATEGORIES}
_RANK = {category: rank for rank, category in enumerate(TRIGGER_CATEGORIES)}


class Cue(NamedTuple):
    """A rule matched at tokens ``[start, end)`` of a doc (a tuple: made ~30 times per abstract)."""

    start: int
    end: int
    rule: ContextRule


def select_cues(cues: Iterable[Cue]) -> list[Cue]:
    """Non-overlapping cues by start, longest first (ties: PSEUDO, then earliest); PSEUDO dropped.

    Rules that share a literal (for disjoint labels) match the same tokens and are all kept.
    """
    ranked = sorted(cues, key=lambda c: (c.start - c.end, c.rule.category != "PSEUDO", c.start))
    taken: set[int] = set()
    spans: set[tuple[int, int]] = set()
    kept: list[Cue] = []
    for cue in ranked:
        tokens = range(cue.start, cue.end)
        if taken.isdisjoint(tokens):
            taken.update(tokens)
            spans.add((cue.start, cue.end))
            kept.append(cue)
        elif (cue.start, cue.end) in spans and cue.rule.category != "PSEUDO":
            kept.append(cue)  # one literal, rules for other labels: siblings, read together
    kept.sort(key=lambda c: c.start)
    return [c for c in kept if c.rule.category != "PSEUDO"]


def assign_assertions(
    entities: Sequence[tuple[int, int]],
    sentences: Sequence[tuple[int, int]],
    cues: Iterable[Cue],
    barriers: Container[int] = frozenset(),
    labels: Sequence[str] | None = None,
    commas: Container[int] = frozenset(),
    glued: Container[int] = frozenset(),
) -> list[tuple[str, Cue | None]]:
    """(assertion, deciding cue) per entity; all offsets are token ``[start, end)`` of one doc.

    ``sentences`` must be sorted and disjoint (as ``doc.sents``); an entity belongs to the
    sentence its first token is in, and no scope crosses a sentence boundary. ``barriers`` are
    tokens (punctuation) that stacked modifiers cannot be read across: "no fever, possible X".
    ``labels`` (parallel to ``entities``; None: unknown) let a rule apply to some labels only;
    ``commas`` are the comma tokens, which tell a list's ", and" from a clause's; ``glued`` the
    tokens with no space after them, so "non-" at the start of an entity is a prefix, not a cue.
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
        ent_labels = [labels[i] for i in indices] if labels is not None else None
        assigned = _assign_sentence(
            ents, ent_labels, sentence_cues, *sentences[k], barriers, commas, glued
        )
        for index, status in zip(indices, assigned, strict=True):
            result[index] = status
    return result


LIST_JOINTS = (", and", ", or")
"""The comma TERMINATE cues that may also join a list's last item ("no fever, chills, and
cough"); another (", a" in "no jaundice, a soft abdomen") always starts a new phrase."""

ACTS = ("REFUSED", "STOPPED", "RESOLVED")
"""Cue categories that name what happened to a finding: inside an entity's own words
("discontinuation of IV calcium", "regression of secondary sexual characteristics") they are
its name, not a status."""


def _assign_sentence(
    ents: list[tuple[int, int]],
    ent_labels: list[str] | None,
    found: list[Cue],
    s_start: int,
    s_end: int,
    barriers: Container[int],
    commas: Container[int],
    glued: Container[int],
) -> list[tuple[str, Cue | None]]:
    def has_entity(lo: int, hi: int) -> bool:
        return any(a < hi and b > lo for a, b in ents)

    def inside_entity(lo: int, hi: int) -> bool:
        return any(a <= lo and hi <= b for a, b in ents)

    def entity_end(token: int) -> int:
        """Where a forward scope cut at ``token`` ends: after the entity the token is in, if any
        ("no [response] to steroids": the TERMINATE cue "response to" ends the scope after it)."""
        return max((b for a, b in ents if a <= token < b), default=token)

    def stacks(lo: int, hi: int, gap_lo: int, gap_hi: int) -> bool:
        """Whether the next trigger stacks onto this one: at most ``STACK_GAP`` tokens apart
        (``gap_lo``..``gap_hi``), no punctuation between, and no entity in ``[lo, hi)`` yet."""
        return (
            gap_hi - gap_lo <= STACK_GAP
            and not has_entity(lo, hi)
            and not any(i in barriers for i in range(gap_lo, gap_hi))
        )

    def within_entity(cue: Cue) -> bool:
        """A cue that is part of an entity's own words names that entity, not the others: a
        treatment called "discontinuation of IV calcium" is the act of stopping, it stops
        nothing else. Only a cue opening the entity ("no signs of X", "suspected X") is read
        as a cue, for it and what follows."""
        for a, b in ents:
            if a <= cue.start and cue.end <= b and (b - a) > (cue.end - cue.start):
                return not (a == cue.start and cue.rule.category not in ACTS)
        return False

    # a TERMINATE word inside an entity ("Still's disease") is part of a name, not a clause break;
    # one that only overlaps an entity ("an unknown [cause] for") still is
    cues = [
        cue
        for cue in found
        if (cue.rule.category != "TERMINATE" or not inside_entity(cue.start, cue.end))
        and not within_entity(cue)
    ]
    best: list[tuple[int, int, Cue] | None] = [None] * len(ents)

    def apply(cue: Cue, lo: int, hi: int, forward: bool) -> None:
        rank = _RANK[cue.rule.category]
        only = cue.rule.labels
        # a word that begins an entity modifies it ("no signs of X", "suspected X"), a prefix
        # ("non-tender") does not
        lead = forward and cue.rule.category not in ACTS and cue.end - 1 not in glued
        for i, (a, b) in enumerate(ents):
            if a < cue.end and b > cue.start:
                if not (lead and a >= cue.start and b > cue.end) or (
                    ent_labels is not None and ent_labels[i] == "TEST"
                ):
                    continue  # the trigger is inside this entity: no self-modifying
            elif a >= hi or b <= lo:
                continue  # out of scope
            if only is not None and (ent_labels is None or ent_labels[i] not in only):
                continue  # "refused" of a lab value, "negative" of a test
            distance = a - cue.end if forward else cue.start - b
            held = best[i]
            if held is None or (rank, distance) < held[:2]:
                best[i] = (rank, distance, cue)

    terminators = [c.start for c in cues if c.rule.category == "TERMINATE"]

    def list_joint(joint: Cue, after: int) -> bool:
        """Whether a ", and" TERMINATE cue joins a list's last item: a comma within
        ``LIST_REACH`` tokens before it (and from ``after`` on), with no TERMINATE cue between
        ("count was 850, and bands were absent" is two clauses)."""
        if joint.rule.literal not in LIST_JOINTS:
            return False
        for i in range(joint.start - 1, max(after, joint.start - LIST_REACH) - 1, -1):
            if i in commas:
                return not any(i < t < joint.start for t in terminators)
        return False

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
                if (
                    other.start == cue.start
                    or other.rule.category == rule.category
                    or (
                        other.rule.category == "TERMINATE"
                        and (other.rule.direction == "BACKWARD" or list_joint(other, cue.end))
                    )
                ):
                    continue  # same category, a TERMINATE that only ends backward scopes, a list
                if other.rule.category != "TERMINATE" and stacks(
                    lo, other.start, frontier, other.start
                ):
                    frontier = other.end  # stacked modifiers: read through, as far as it reaches
                    reach = other.rule.max_scope
                    hi = s_end if reach is None else max(hi, min(s_end, other.end + reach))
                    continue
                hi = other.start if other.rule.category != "TERMINATE" else entity_end(other.start)
                break
            apply(cue, lo, hi, forward=True)
        if rule.direction != "FORWARD":
            lo, hi, frontier = s_start, cue.start, cue.start
            if rule.max_scope is not None:
                lo = max(lo, cue.start - rule.max_scope)
            for other in reversed(cues[:k]):
                if other.end <= lo:
                    break
                if (
                    other.start == cue.start
                    or other.rule.category == rule.category
                    or (
                        other.rule.category == "TERMINATE"
                        and (other.rule.direction == "FORWARD" or list_joint(other, s_start))
                    )
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
