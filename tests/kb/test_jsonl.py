"""kb.jsonl: records to plain JSON and back — what ``dataclasses.asdict`` gives, unknown keys
refused, optional and nested fields rebuilt, a record that nests its own type."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from kb.jsonl import dumps_jsonl, from_dict, to_dict


@dataclass
class Leaf:
    name: str
    score: float | None = None


@dataclass
class Node:
    label: str
    leaves: list[Leaf] = field(default_factory=list)
    by_key: dict[str, Leaf] = field(default_factory=dict)
    child: Node | None = None
    pair: tuple[int, int] = (0, 0)


def sample() -> Node:
    inner = Node("inner", [Leaf("a", 0.5)], {"k": Leaf("b")})
    return Node("outer", [Leaf("c"), Leaf("d", 1.0)], {}, inner, (1, 2))


def test_to_dict_is_what_asdict_gives_and_shares_no_mutable_part():
    node = sample()
    plain = to_dict(node)
    assert plain == dataclasses.asdict(node)
    plain["leaves"][0]["name"] = "changed"
    assert node.leaves[0].name == "c"


def test_from_dict_rebuilds_nested_optional_and_self_nesting_records():
    node = sample()
    assert from_dict(Node, to_dict(node)) == node
    assert from_dict(Node, {"label": "x", "child": None}).child is None
    assert dumps_jsonl([node]) == dumps_jsonl([from_dict(Node, to_dict(node))])


def test_unknown_keys_are_refused_at_any_depth():
    with pytest.raises(ValueError, match="Node: unknown keys"):
        from_dict(Node, {"label": "x", "colour": "red"})
    with pytest.raises(ValueError, match="Leaf: unknown keys"):
        from_dict(Node, {"label": "x", "leaves": [{"name": "a", "weight": 1}]})
