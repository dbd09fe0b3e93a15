"""The assertion rules as validated data (``casebook_data/nlp/context_rules.tsv``): one trigger
a row — literal, category, direction, scope in tokens, and optionally the entity labels it may
modify. A bad row fails at load time with its file and line, since a silent typo would change
what the text is read to assert."""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import get_args

from kb.records import Assertion

ASSERTIONS: tuple[str, ...] = get_args(Assertion)
"""What a finding can be asserted as (``kb.records.Assertion``): "present" and one a category."""
TRIGGER_CATEGORIES = (
    "NEGATED",
    "REFUSED",
    "STOPPED",
    "RESOLVED",
    "FAMILY",
    "HISTORICAL",
    "HYPOTHETICAL",
    "POSSIBLE",
)
"""In precedence order: when several apply to one entity, the first wins."""
CATEGORIES = (*TRIGGER_CATEGORIES, "PSEUDO", "TERMINATE")
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL")
HEADER = ("literal", "category", "direction", "max_scope", "labels")
"""The ``labels`` column is optional: a file whose header stops at ``max_scope`` is valid."""
LABELS = (
    "CONDITION",
    "ETIOLOGY",
    "TREATMENT",
    "OUTCOME",
    "ANATOMY",
    "TEST",
    "AGE",
    "SEX",
    "DURATION",
)
"""The entity labels a rule may name (``ingest.nlp.entities.LABELS``; a test keeps them equal)."""


class ContextRuleError(ValueError):
    """A rules file that cannot be trusted; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class ContextRule:
    """One cue: the literal is matched case-insensitively, token by token."""

    literal: str
    category: str
    direction: str
    max_scope: int | None = None
    labels: frozenset[str] | None = None
    """The entity labels the rule applies to; None: every label."""


def load_rules(path: Path | None = None) -> list[ContextRule]:
    """The rules at ``path`` (default: the shipped ``casebook_data/nlp/context_rules.tsv``)."""
    if path is None:
        source = resources.files("casebook_data") / "nlp" / "context_rules.tsv"
        return parse_rules(source.read_text(encoding="utf-8"), name="context_rules.tsv")
    path = Path(path)
    return parse_rules(path.read_text(encoding="utf-8"), name=str(path))


def parse_rules(text: str, name: str = "<rules>") -> list[ContextRule]:
    """Validated rules from TSV text; any bad row is an error, since a silent typo changes meaning.

    A literal appears once, or once per label set when the sets are disjoint ("removed" stops a
    TREATMENT and resolves a CONDITION). PSEUDO and TERMINATE rows have no scope, so
    ``max_scope`` must be blank, and a PSEUDO row must be BIDIRECTIONAL. A TERMINATE row's
    direction says which scopes it ends: FORWARD ones only ("was" ends "no X" but not "X was not
    seen"), BACKWARD ones only, or both. ``labels`` (blank: all) is a comma-separated list of
    ``LABELS`` the rule applies to, or of labels it does not apply to when every item starts
    with "!" ("!TEST"); only trigger rows have labels. A literal may name optional words
    ("not [be|been] detected") or alternatives ("(was|were) most likely"): ``expand_literal``.
    """
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, None)
    columns = tuple(cell.strip() for cell in header) if header is not None else ()
    if columns not in (HEADER, HEADER[:-1]):
        raise ContextRuleError(f"{name}:1: header must be {'<TAB>'.join(HEADER)!r}, got {header!r}")
    rules: list[ContextRule] = []
    seen: dict[str, tuple[int, frozenset[str] | None]] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name}:{line}"
        if not 3 <= len(row) <= len(columns):
            raise ContextRuleError(
                f"{where}: expected {len(columns)} tab-separated columns, got {len(row)}"
            )
        literal = " ".join(row[0].split()).lower()
        category, direction = row[1].strip(), row[2].strip()
        scope = row[3].strip() if len(row) > 3 else ""
        labels = _parse_labels(row[4], where) if len(row) > 4 else None
        if not literal:
            raise ContextRuleError(f"{where}: empty literal")
        try:
            expand_literal(literal)
        except ValueError as error:
            raise ContextRuleError(f"{where}: {error}") from None
        if category not in CATEGORIES:
            raise ContextRuleError(f"{where}: unknown category {category!r} (one of {CATEGORIES})")
        if direction not in DIRECTIONS:
            raise ContextRuleError(
                f"{where}: unknown direction {direction!r} (one of {DIRECTIONS})"
            )
        if literal in seen and not may_share(seen[literal][1], labels):
            raise ContextRuleError(
                f"{where}: duplicate literal {literal!r} (first on line {seen[literal][0]}); "
                "a literal may recur only for other labels"
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
        if category in ("PSEUDO", "TERMINATE") and labels is not None:
            raise ContextRuleError(
                f"{where}: {category} rules apply to every entity: leave labels blank"
            )
        prior = seen.get(literal)
        seen[literal] = (
            (line, labels) if prior is None else (prior[0], label_union(prior[1], labels))
        )
        rules.append(ContextRule(literal, category, direction, max_scope, labels))
    return rules


def expand_literal(literal: str) -> tuple[str, ...]:
    """The phrasings one literal stands for, so that a cue's variants stay one row of data:
    a word "[a|b]" is optional (none, a or b), "(a|b)" is one of a or b. "not [be|been]
    detected" is "not detected", "not be detected" and "not been detected"; "was (later|then)
    ruled out" is two. A literal without groups stands for itself.
    """
    options: list[tuple[str, ...]] = []
    for word in literal.split():
        group = _GROUP.fullmatch(word)
        if group is None:
            if any(c in word for c in "[]()|") and len(word) > 1:
                raise ValueError(f"malformed group {word!r} in {literal!r}")
            options.append((word,))
            continue
        body = group["optional"] or group["required"]
        choices = tuple(body.split("|"))
        if not all(choices):
            raise ValueError(f"empty choice in {word!r} of {literal!r}")
        options.append(("", *choices) if group["optional"] else choices)
    variants = (" ".join(w for w in combo if w) for combo in itertools.product(*options))
    out = tuple(dict.fromkeys(v for v in variants if v))
    if not out:
        raise ValueError(f"{literal!r} stands for no words")
    return out


_GROUP = re.compile(r"\[(?P<optional>[^\[\]()]+)\]|\((?P<required>[^\[\]()]+)\)")


def may_share(taken: frozenset[str] | None, labels: frozenset[str] | None) -> bool:
    """Whether a literal's next rule is for labels none of its earlier rules had ("removed":
    a TREATMENT stopped, a CONDITION resolved); a rule for every label shares with none."""
    return taken is not None and labels is not None and taken.isdisjoint(labels)


def label_union(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The labels two rules cover together; None (every label) absorbs."""
    return None if a is None or b is None else a | b


def _parse_labels(cell: str, where: str) -> frozenset[str] | None:
    """``"TREATMENT"`` → {TREATMENT}; ``"!TEST"`` → every label but TEST; blank → None (all)."""
    items = [item.strip() for item in cell.split(",")] if cell.strip() else []
    if not items:
        return None
    negative = [item.startswith("!") for item in items]
    if any(negative) and not all(negative):
        raise ContextRuleError(f"{where}: labels {cell!r} mix kept and excluded (!) labels")
    names = [item.removeprefix("!") for item in items]
    for label in names:
        if label not in LABELS:
            raise ContextRuleError(f"{where}: unknown label {label!r} (one of {LABELS})")
    if len(set(names)) != len(names):
        raise ContextRuleError(f"{where}: labels {cell!r} name a label twice")
    return frozenset(LABELS) - set(names) if all(negative) else frozenset(names)
