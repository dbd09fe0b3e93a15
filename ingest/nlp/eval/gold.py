"""The hand-written gold file of a seed (``data/gold/*.json``; format in ``data/gold/README.md``):
read and checked, every problem a ``GoldError`` naming where."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ingest.nlp.eval.facts import (
    ASSERTIONS,
    FINDING_KINDS,
    GOLD_FORMAT,
    PSEUDO_CONCEPTS,
    SEXES,
    Fact,
    case_attributes,
    fact_type,
)
from kb.durations import parse_iso
from kb.vocab import Vocabulary


class GoldError(ValueError):
    """A gold file that breaks the format; the message says where."""


@dataclass(frozen=True)
class GoldFact:
    kind: str
    concepts: tuple[str, ...]
    assertion: str = "present"
    value: str | None = None
    optional: bool = False
    note: str | None = None


@dataclass(frozen=True)
class GoldSite:
    concept: str
    laterality: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class GoldCase:
    number: int
    age: str | None
    sex: str | None
    sites: tuple[GoldSite, ...]
    findings: tuple[GoldFact, ...]


@dataclass(frozen=True)
class GoldReference:
    number: int
    findings: tuple[GoldFact, ...]


@dataclass(frozen=True)
class Gold:
    seed_file: str
    sha256: str
    title: str
    cases: tuple[GoldCase, ...]
    references: tuple[GoldReference, ...]

    @property
    def document(self) -> str:
        """The seed's document id in extractions: "seed:<sha256[:12]>"."""
        return f"seed:{self.sha256[:12]}"

    def facts(self) -> list[Fact]:
        """Every expected fact, as the scorer sees it."""
        out: list[Fact] = []
        for case in self.cases:
            subject = f"case {case.number}"
            sites = [(s.concept, s.laterality, s.optional) for s in case.sites]
            out += case_attributes(subject, case.age, case.sex, sites)
            for f in case.findings:
                t = fact_type(f.kind, f.assertion)
                out.append(Fact(t, subject, f.kind, f.concepts, f.assertion, f.value, f.optional))
        for ref in self.references:
            subject = f"ref {ref.number}"
            for f in ref.findings:
                out.append(
                    Fact("reference", subject, f.kind, f.concepts, f.assertion, f.value, f.optional)
                )
        return out

    def concept_ids(self) -> set[str]:
        """Every concept id the gold names (pseudo-concepts "age" and "sex" included)."""
        ids = {s.concept for c in self.cases for s in c.sites}
        findings = [f for c in self.cases for f in c.findings]
        findings += [f for r in self.references for f in r.findings]
        return ids | {concept for f in findings for concept in f.concepts}


def default_gold_path() -> Path:
    return Path(str(resources.files("casebook_data") / "gold" / "seed_000.json"))


def load_gold(path: Path | None = None) -> Gold:
    """Read and validate a gold file (default: the shipped ``data/gold/seed_000.json``)."""
    path = path or default_gold_path()
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise GoldError(f"{path}: not JSON ({exc})") from None
    return parse_gold(data, str(path))


def parse_gold(data: Any, source: str = "<gold>") -> Gold:
    def fail(where: str, problem: str) -> GoldError:
        return GoldError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict) or data.get("format") != GOLD_FORMAT:
        raise fail("top level", f'"format" must be {GOLD_FORMAT!r}')
    seed = _obj(data.get("seed"), "seed", fail)
    sha = seed.get("sha256")
    if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
        raise fail("seed.sha256", "must be 64 lower-case hex digits")
    cases = []
    for i, raw in enumerate(_list(data.get("cases", []), "cases", fail)):
        where = f"cases[{i}]"
        case = _obj(raw, where, fail)
        number = _int(case.get("number"), f"{where}.number", fail)
        age = case.get("age")
        if age is not None and (not isinstance(age, str) or parse_iso(age) is None):
            raise fail(f"{where}.age", f"{age!r} is not an ISO 8601 duration (P1M, P23Y)")
        sex = case.get("sex")
        if sex is not None and sex not in SEXES:
            raise fail(f"{where}.sex", f"{sex!r} is not one of {SEXES}")
        sites = tuple(
            _site(_obj(s, f"{where}.sites[{j}]", fail), f"{where}.sites[{j}]", fail)
            for j, s in enumerate(_list(case.get("sites", []), f"{where}.sites", fail))
        )
        findings = _findings(case.get("findings", []), where, fail)
        cases.append(GoldCase(number, age, sex, sites, findings))
    references = []
    for i, raw in enumerate(_list(data.get("references", []), "references", fail)):
        where = f"references[{i}]"
        ref = _obj(raw, where, fail)
        number = _int(ref.get("number"), f"{where}.number", fail)
        references.append(GoldReference(number, _findings(ref.get("findings", []), where, fail)))
    for name, items in (("case", cases), ("reference", references)):
        numbers = [item.number for item in items]
        if len(numbers) != len(set(numbers)):
            raise fail(f"{name}s", f"{name} numbers repeat: {numbers}")
    return Gold(
        str(seed.get("file", "")), sha, str(seed.get("title", "")), tuple(cases), tuple(references)
    )


def _findings(raw: Any, where: str, fail) -> tuple[GoldFact, ...]:
    out = []
    for j, item in enumerate(_list(raw, f"{where}.findings", fail)):
        at = f"{where}.findings[{j}]"
        f = _obj(item, at, fail)
        unknown = set(f) - {"kind", "concept", "assertion", "value", "optional", "note"}
        if unknown:
            raise fail(at, f"unknown keys {sorted(unknown)}")
        kind = f.get("kind")
        if not isinstance(kind, str) or kind not in FINDING_KINDS:
            raise fail(f"{at}.kind", f"{kind!r} is not one of {FINDING_KINDS}")
        concepts = _concepts(f.get("concept"), f"{at}.concept", fail)
        if kind == "patient_attribute" and (
            len(concepts) != 1 or concepts[0] not in PSEUDO_CONCEPTS
        ):
            raise fail(f"{at}.concept", 'a patient_attribute concept is "age" or "sex"')
        assertion = f.get("assertion", "present")
        if assertion not in ASSERTIONS:
            raise fail(f"{at}.assertion", f"{assertion!r} is not one of {ASSERTIONS}")
        value: str | None = f.get("value")
        if value is not None and not isinstance(value, str):
            raise fail(f"{at}.value", "must be a string")
        if kind == "outcome" and value is not None and parse_iso(value) is None:
            raise fail(f"{at}.value", f"an outcome's time {value!r} is not an ISO 8601 duration")
        if concepts == ("age",) and (value is None or parse_iso(value) is None):
            raise fail(f"{at}.value", "an age needs an ISO 8601 duration value")
        if concepts == ("sex",) and value not in SEXES:
            raise fail(f"{at}.value", f"a sex is one of {SEXES}")
        optional = f.get("optional", False)
        if not isinstance(optional, bool):
            raise fail(f"{at}.optional", "must be true or false")
        out.append(GoldFact(kind, concepts, assertion, value, optional, f.get("note")))
    return tuple(out)


def _site(s: dict, where: str, fail) -> GoldSite:
    unknown = set(s) - {"concept", "laterality", "optional"}
    if unknown:
        raise fail(where, f"unknown keys {sorted(unknown)}")
    concept = _concepts(s.get("concept"), f"{where}.concept", fail)
    if len(concept) != 1:
        raise fail(f"{where}.concept", "a site names one concept")
    laterality = s.get("laterality")
    if laterality is not None and not (isinstance(laterality, str) and laterality.strip()):
        raise fail(f"{where}.laterality", "must be a non-empty string")
    optional = s.get("optional", False)
    if not isinstance(optional, bool):
        raise fail(f"{where}.optional", "must be true or false")
    return GoldSite(concept[0], laterality, optional)


def _concepts(raw: Any, where: str, fail) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(c, str) and c for c in items):
        raise fail(where, "must be a concept id or a non-empty list of them")
    return tuple(items)


def _obj(raw: Any, where: str, fail) -> dict:
    if not isinstance(raw, dict):
        raise fail(where, "must be an object")
    return raw


def _list(raw: Any, where: str, fail) -> list:
    if not isinstance(raw, list):
        raise fail(where, "must be a list")
    return raw


def _int(raw: Any, where: str, fail) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise fail(where, "must be a positive integer")
    return raw


_MESH_CONCEPT = re.compile(r"mesh:D\d{6,9}\Z")


def unknown_concepts(gold: Gold, vocab: Vocabulary) -> list[str]:
    """Concept ids in the gold that are neither vocabulary ids, MeSH descriptors ("mesh:D…",
    the concept of a grounded finding the curated vocabulary lacks) nor "age"/"sex"."""
    return sorted(
        c
        for c in gold.concept_ids()
        if c not in vocab.concepts and c not in PSEUDO_CONCEPTS and not _MESH_CONCEPT.match(c)
    )
