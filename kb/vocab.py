"""The controlled vocabulary (concepts, surface forms, abbreviations), read from validated TSV data.

The vocabulary is data, not code: ``casebook_data/vocab/concepts*.tsv`` and
``abbreviations*.tsv`` (see that folder's README). Adding a term or a concept needs no code
change; every rule a matcher relies on (known types, unique ids, resolvable ``broader`` links,
well-formed MeSH ids, no surface form shared by two concepts of one type) is checked here, so a
bad row fails at load time with its file and line rather than as a silent mis-tag later.

A concepts row (tab-separated, ``|`` between synonyms)::

    calcinosis_cutis_iatrogenic	CONDITION	iatrogenic calcinosis cutis		iatrogenic calcinosis|…	calcinosis_cutis
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

log = logging.getLogger(__name__)

TYPES = ("CONDITION", "ETIOLOGY", "TREATMENT", "OUTCOME", "ANATOMY", "TEST")
CONCEPT_HEADER = ("id", "type", "label", "mesh", "synonyms", "broader")
ABBREVIATION_HEADER = ("abbreviation", "expansion")
CONCEPT_FILES = "concepts*.tsv"
ABBREVIATION_FILES = "abbreviations*.tsv"
SYNONYM_SEPARATOR = "|"

_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*\Z")
_MESH = re.compile(r"D\d{6,9}\Z")


class VocabularyError(ValueError):
    """A vocabulary file breaks a rule; the message names the file, the line and the problem."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Concept:
    """One vocabulary entry; ``synonyms`` excludes the label (``surface_forms`` has both)."""

    id: str
    type: str
    label: str
    mesh: str | None
    synonyms: tuple[str, ...]
    broader: str | None

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Label then synonyms, each once (compared after ``normalize_term``)."""
        seen: set[str] = set()
        forms: list[str] = []
        for form in (self.label, *self.synonyms):
            key = normalize_term(form)
            if key not in seen:
                seen.add(key)
                forms.append(form)
        return tuple(forms)


@dataclass(frozen=True)
class Vocabulary:
    """Concepts by id (file order) and abbreviations (short form → expansion in words)."""

    concepts: dict[str, Concept]
    abbreviations: dict[str, str]

    def terms(self) -> Iterator[tuple[str, Concept]]:
        """Every (surface form, concept) pair: what a phrase matcher should be built from."""
        for concept in self.concepts.values():
            for form in concept.surface_forms:
                yield form, concept

    def get(self, concept_id: str) -> Concept:
        """The concept with this id; a KeyError that names the id otherwise."""
        try:
            return self.concepts[concept_id]
        except KeyError:
            raise KeyError(f"unknown concept id {concept_id!r}") from None

    def lookup(self, surface: str) -> tuple[Concept, ...]:
        """Concepts (at most one per type) whose label or synonym is ``surface``, case-folded."""
        return self._index.get(normalize_term(surface), ())

    def ancestors(self, concept_id: str) -> tuple[Concept, ...]:
        """The ``broader`` chain above a concept, nearest first (the loader rules out cycles)."""
        chain: list[Concept] = []
        broader = self.get(concept_id).broader
        while broader is not None:
            chain.append(self.concepts[broader])
            broader = self.concepts[broader].broader
        return tuple(chain)

    @cached_property
    def _index(self) -> dict[str, tuple[Concept, ...]]:
        index: dict[str, tuple[Concept, ...]] = {}
        for form, concept in self.terms():
            key = normalize_term(form)
            index[key] = (*index.get(key, ()), concept)
        return index


def normalize_term(text: str) -> str:
    """The key two surface forms are compared by: case-folded, whitespace runs collapsed."""
    return " ".join(text.split()).casefold()


def load_vocabulary(directory: Path | None = None) -> Vocabulary:
    """Read and validate every ``concepts*.tsv`` and ``abbreviations*.tsv`` in ``directory``.

    The default is the vocabulary shipped in the package (``casebook_data/vocab``); files are
    read in name order, so a user's ``concepts_local.tsv`` beside ``concepts.tsv`` is merged in.
    """
    root: Traversable = directory if directory is not None else _shipped_directory()
    files = sorted((item for item in root.iterdir() if item.is_file()), key=lambda f: f.name)
    concept_files = [f for f in files if fnmatch.fnmatchcase(f.name, CONCEPT_FILES)]
    if not concept_files:
        raise VocabularyError(str(root), None, f"no {CONCEPT_FILES} file in this directory")
    concept_rows = [
        row for f in concept_files for row in parse_concepts(f.read_text("utf-8"), str(f))
    ]
    abbreviation_rows = [
        row
        for f in files
        if fnmatch.fnmatchcase(f.name, ABBREVIATION_FILES)
        for row in parse_abbreviations(f.read_text("utf-8"), str(f))
    ]
    vocabulary = build_vocabulary(concept_rows, abbreviation_rows)
    log.debug(
        "vocabulary from %s: %d concepts, %d abbreviations",
        root,
        len(vocabulary.concepts),
        len(vocabulary.abbreviations),
    )
    return vocabulary


@functools.lru_cache(maxsize=1)
def shared_vocabulary() -> Vocabulary:
    """The shipped vocabulary, read and validated once per process (it is immutable)."""
    return load_vocabulary()


def _shipped_directory() -> Traversable:
    return resources.files("casebook_data") / "vocab"


@dataclass(frozen=True)
class ConceptRow:
    """A parsed concepts line and where it came from, so cross-row errors can point at it."""

    source: str
    line: int
    concept: Concept


@dataclass(frozen=True)
class AbbreviationRow:
    """A parsed abbreviations line and where it came from."""

    source: str
    line: int
    abbreviation: str
    expansion: str


def read_table(text: str, source: str, header: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped fields) for each non-blank data line of a headed TSV text."""
    lines = text.splitlines()
    if not lines or tuple(lines[0].split("\t")) != header:
        found = lines[0] if lines else "an empty file"
        raise VocabularyError(
            source, 1, f"header must be {chr(9).join(header)!r} (tab-separated), found {found!r}"
        )
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise VocabularyError(
                source, number, f"expected {len(header)} tab-separated columns, found {len(fields)}"
            )
        yield number, [field.strip() for field in fields]


def parse_concepts(text: str, source: str) -> list[ConceptRow]:
    """Rows of a concepts table, each checked on its own (cross-row rules: ``build_vocabulary``)."""
    return [
        ConceptRow(source, number, parse_concept(fields, source, number))
        for number, fields in read_table(text, source, CONCEPT_HEADER)
    ]


def parse_concept(fields: list[str], source: str, line: int) -> Concept:
    """One concepts row → Concept, or a VocabularyError naming the bad field."""
    concept_id, type_, label, mesh, synonyms, broader = fields
    if not _ID.match(concept_id):
        raise VocabularyError(source, line, f"id {concept_id!r} is not snake_case")
    if type_ not in TYPES:
        raise VocabularyError(
            source, line, f"unknown type {type_!r} for {concept_id!r} (one of {', '.join(TYPES)})"
        )
    if not label:
        raise VocabularyError(source, line, f"empty label for {concept_id!r}")
    if mesh and not _MESH.match(mesh):
        raise VocabularyError(
            source, line, f"malformed MeSH id {mesh!r} for {concept_id!r} (expected D + 6-9 digits)"
        )
    forms = tuple(form.strip() for form in synonyms.split(SYNONYM_SEPARATOR)) if synonyms else ()
    if any(not form for form in forms):
        raise VocabularyError(source, line, f"empty synonym in {concept_id!r}")
    return Concept(concept_id, type_, label, mesh or None, forms, broader or None)


def parse_abbreviations(text: str, source: str) -> list[AbbreviationRow]:
    """Rows of an abbreviations table: (abbreviation, expansion), neither empty."""
    rows = []
    for number, (short, expansion) in read_table(text, source, ABBREVIATION_HEADER):
        if not short or not expansion:
            raise VocabularyError(source, number, "abbreviation and expansion must both be given")
        rows.append(AbbreviationRow(source, number, short, expansion))
    return rows


def build_vocabulary(
    concept_rows: Iterable[ConceptRow], abbreviation_rows: Iterable[AbbreviationRow]
) -> Vocabulary:
    """Apply the rules that span rows and files, then assemble the Vocabulary."""
    concept_rows = list(concept_rows)
    concepts: dict[str, Concept] = {}
    where: dict[str, ConceptRow] = {}
    for row in concept_rows:
        concept = row.concept
        if concept.id in concepts:
            first = where[concept.id]
            raise VocabularyError(
                row.source,
                row.line,
                f"duplicate id {concept.id!r} (first defined in {first.source}, line {first.line})",
            )
        concepts[concept.id] = concept
        where[concept.id] = row
    _check_broader(concepts, where)
    _check_ambiguity(concept_rows)
    return Vocabulary(concepts, _abbreviations(abbreviation_rows))


def _check_broader(concepts: dict[str, Concept], where: dict[str, ConceptRow]) -> None:
    for concept in concepts.values():
        row = where[concept.id]
        if concept.broader is not None and concept.broader not in concepts:
            raise VocabularyError(
                row.source,
                row.line,
                f"broader {concept.broader!r} of {concept.id!r} is not a known concept id",
            )
        seen = {concept.id}
        broader = concept.broader
        while broader is not None:
            if broader in seen:
                raise VocabularyError(
                    row.source, row.line, f"broader links of {concept.id!r} form a cycle"
                )
            seen.add(broader)
            broader = concepts[broader].broader


def _check_ambiguity(concept_rows: list[ConceptRow]) -> None:
    """One surface form may name one concept per type; which one must be decided in the data."""
    owner: dict[tuple[str, str], str] = {}
    for row in concept_rows:
        concept = row.concept
        for form in concept.surface_forms:
            key = (concept.type, normalize_term(form))
            other = owner.setdefault(key, concept.id)
            if other != concept.id:
                raise VocabularyError(
                    row.source,
                    row.line,
                    f"ambiguous surface form {form!r}: {concept.type} concepts {other!r} and "
                    f"{concept.id!r} both use it",
                )


def _abbreviations(rows: Iterable[AbbreviationRow]) -> dict[str, str]:
    abbreviations: dict[str, str] = {}
    for row in rows:
        if row.abbreviation in abbreviations:
            raise VocabularyError(
                row.source, row.line, f"duplicate abbreviation {row.abbreviation!r}"
            )
        abbreviations[row.abbreviation] = row.expansion
    return abbreviations
