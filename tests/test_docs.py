"""The README documents every command and every setting (they are how users find them)."""

from __future__ import annotations

import dataclasses
import re

from kb.cli import _parser
from kb.config import Settings
from tests.conftest import ROOT


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    sub = next(a for a in _parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`kb {name}" in readme(), name


def test_every_setting_is_documented():
    text = readme()
    for field in dataclasses.fields(Settings):
        assert re.search(rf"\b{field.name}\b", text), field.name
        assert f"KB_{field.name.upper()}" in text, field.name


def test_the_readme_commands_are_the_ci_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest -q" in readme() and ".venv/bin/python -m pytest -q" in ci


def test_every_named_question_is_documented():
    from kb.questions import load_questions

    for name in load_questions():
        assert f"`{name}`" in readme(), name
