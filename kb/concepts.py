"""Concepts as people name them: a label, a synonym or an identifier → the concept the KB holds.

A question's ``concept`` parameter is bound as the concept's IRI, so a label ("calcinosis
cutis") used to match nothing and answer 0 rows. Here the value is looked up in the store
itself — the vocabulary's SKOS concepts, the ``text:`` and ``mesh:`` concepts the extraction
added, their ``skos:exactMatch`` identifiers — so a KB on any topic resolves its own concepts,
and an unknown value is an error that names the closest ones.

Order of precedence: the concept id (``skos:notation``) or its IRI; an identifier it
``skos:exactMatch``es (``mesh:D000092182``); a preferred label; a synonym (``skos:altLabel``).
Labels match ignoring case, ``_``/``-`` and repeated spaces. When several concepts match
equally, the one broader than all the others wins (questions include narrower concepts); a
concept of the wanted kind beats one of another kind; otherwise the value is ambiguous.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kb import iris
from kb.kinds import FINDING_KINDS
from kb.namespaces import prologue
from kb.questions import Question, QuestionError
from kb.store import QueryResult

log = logging.getLogger(__name__)

Query = Callable[..., QueryResult]  # a store's ``query(sparql, bindings, limit)``

PREFIXES = prologue("cb", "skos")
KINDS = FINDING_KINDS
_KIND_IRI = {k: str(iris.kind_iri(k)) for k in KINDS}
_CONCEPT_BASE = iris.BASE + "concept/"

BY_NOTATION = PREFIXES + "SELECT ?id WHERE { ?c skos:notation ?id }"
BY_MATCH = PREFIXES + "SELECT ?id WHERE { ?c skos:exactMatch ?m ; skos:notation ?id }"
BY_LABEL = (
    PREFIXES
    + """SELECT ?id ?alt WHERE {
  { ?c skos:prefLabel ?l BIND(false AS ?alt) } UNION { ?c skos:altLabel ?l BIND(true AS ?alt) }
  ?c skos:notation ?id }"""
)
ALL_NAMES = (
    PREFIXES
    + """SELECT ?id ?l ?alt WHERE {
  ?c skos:notation ?id .
  { ?c skos:prefLabel ?l BIND(false AS ?alt) } UNION { ?c skos:altLabel ?l BIND(true AS ?alt) } }"""
)
OF_KIND = (
    PREFIXES
    + """SELECT DISTINCT ?id WHERE {{
  {{ ?c cb:conceptType "{type}" }} UNION {{ ?row cb:findingKind <{kind}> ; cb:countedConcept ?c }}
  ?c skos:notation ?id }}"""
)
BROADER = (
    PREFIXES + "SELECT ?id ?up WHERE { ?c skos:notation ?id ; skos:broader+/skos:notation ?up }"
)
LABELS = PREFIXES + "SELECT ?id ?l WHERE { ?c skos:notation ?id ; skos:prefLabel ?l }"


class UnknownConcept(QuestionError):
    """No concept of the KB goes by this name; the message names the closest ones."""


@dataclass(frozen=True)
class Resolved:
    """How a value was read: the concept id, and by what (id, identifier, label, synonym)."""

    id: str
    by: str


def values_query(sparql: str, var: str, terms: Iterable[ox.NamedNode | ox.Literal]) -> str:
    """``sparql`` with ``VALUES ?var { … }`` opening its first WHERE clause; each term is
    serialised by pyoxigraph, so a hostile value stays one term."""
    block = " ".join(str(t) for t in terms)
    return re.sub(r"\bWHERE\s*\{", lambda m: f"{m.group(0)} VALUES ?{var} {{ {block} }} ",
                  sparql, count=1)  # fmt: skip


def normal(text: str) -> str:
    """A label as compared: lower case, ``_``/``-``/spaces as one space."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower()).strip()


def resolve_concept(query: Query, value: str, kind: str | None = None) -> Resolved:
    """The concept ``value`` names (see the module docstring), or ``UnknownConcept``."""
    text = value.strip()
    if not text:
        raise UnknownConcept("an empty concept name")
    if text.startswith(_CONCEPT_BASE):
        ids = _ids(query, BY_NOTATION, "c", [_node(text)])
        if ids:
            return Resolved(_pick(query, ids, kind, text), "iri")
    ids = _ids(query, BY_NOTATION, "id", [ox.Literal(text)])
    if ids:
        return Resolved(ids[0], "id")
    target = iris.curie_iri(text) if ":" in text else None
    if target is not None:
        ids = _ids(query, BY_MATCH, "m", [ox.NamedNode(str(target))])
        if ids:
            return Resolved(_pick(query, ids, kind, text), "identifier")
    variants = {text, text.lower(), text.replace("_", " "), text.lower().replace("_", " ")}
    terms = [t for v in sorted(variants) for t in (ox.Literal(v, language="en"), ox.Literal(v))]
    rows = query(values_query(BY_LABEL, "l", terms), None, 1000).rows
    found = _by_label([(r[0], r[1] == "true") for r in rows if r[0]])
    if not found:  # case or spacing differ from every variant: compare every name
        names = _all_names(query)
        found = _by_label([(i, alt) for i, label, alt in names if normal(label) == normal(text)])
        if not found:
            raise UnknownConcept(_unknown(query, text, kind, names))
    ids, how = found
    return Resolved(_pick(query, ids, kind, text), how)


def resolve_params(query: Query, question: Question, values: Mapping[str, str]) -> dict[str, str]:
    """``values`` with each concept parameter's value replaced by the id of its concept (a
    parameter named after a finding kind, e.g. ``condition``, prefers concepts of that kind)."""
    out = dict(values)
    for p in question.params:
        if p.type == "concept" and out.get(p.name, "").strip():
            kind = p.name if p.name in KINDS else None
            try:
                out[p.name] = resolve_concept(query, out[p.name], kind).id
            except UnknownConcept as exc:
                raise UnknownConcept(f"--param {p.name}: {exc}") from None
            if kind is not None and out[p.name] not in set(_kind_ids(query, kind)):
                log.warning("%s: %s is not a concept found as a %s; the answer may be empty",
                            p.name, out[p.name], kind)  # fmt: skip
    return out


def concepts_of_kind(query: Query, kind: str) -> dict[str, str]:
    """Concept id → label of every concept of ``kind``: typed so in the vocabulary
    (``cb:conceptType``) or found as that kind by the extraction — the choices of a picker."""
    ids = set(_kind_ids(query, kind))
    return {i: label for i, label in _labels(query).items() if i in ids}


def _node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise UnknownConcept(f"not a valid IRI: {iri!r}") from exc


def _ids(query: Query, sparql: str, var: str, terms: list) -> list[str]:
    rows = query(values_query(sparql, var, terms), None, 1000).rows
    return sorted({r[0] for r in rows if r[0]})


def _by_label(hits: list[tuple[str, bool]]) -> tuple[list[str], str] | None:
    preferred = sorted({i for i, alt in hits if not alt})
    if preferred:
        return preferred, "label"
    synonyms = sorted({i for i, _ in hits})
    return (synonyms, "synonym") if synonyms else None


def _pick(query: Query, ids: list[str], kind: str | None, text: str) -> str:
    """One of several concepts that match equally (see the module docstring)."""
    if len(ids) == 1:
        return ids[0]
    ups = _broader(query, ids)
    top = [i for i in ids if all(i == j or i in ups.get(j, set()) for j in ids)]
    if len(top) == 1:
        return top[0]
    if kind is not None:
        of_kind = [i for i in ids if i in set(_kind_ids(query, kind))]
        if len(of_kind) == 1:
            return of_kind[0]
    labels = _labels(query)
    shown = ", ".join(f"{labels.get(i, i)} ({i})" for i in ids[:6])
    raise UnknownConcept(f"{text!r} names several concepts: {shown}; give one of their ids")


def _broader(query: Query, ids: list[str]) -> dict[str, set[str]]:
    rows = query(values_query(BROADER, "id", [ox.Literal(i) for i in ids]), None, 10_000).rows
    out: dict[str, set[str]] = {}
    for i, up in rows:
        if i and up:
            out.setdefault(i, set()).add(up)
    return out


def _kind_ids(query: Query, kind: str) -> list[str]:
    if kind not in KINDS:
        raise QuestionError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    sparql = OF_KIND.format(type=kind.upper(), kind=_KIND_IRI[kind])
    return [r[0] for r in query(sparql, None, 1_000_000).rows if r[0]]


def _labels(query: Query) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, label in query(LABELS, None, 1_000_000).rows:
        if i and label and (i not in out or label < out[i]):
            out[i] = label
    return out


def _all_names(query: Query) -> list[tuple[str, str, bool]]:
    return [(r[0], r[1], r[2] == "true") for r in query(ALL_NAMES, None, 1_000_000).rows
            if r[0] and r[1]]  # fmt: skip


def _unknown(query: Query, text: str, kind: str | None, names: list[tuple[str, str, bool]]) -> str:
    """The message for a value no concept goes by: the closest labels and ids (of ``kind``
    first, when there are close ones of it)."""
    wanted = set(_kind_ids(query, kind)) if kind else None
    labels = _labels(query)

    def closest(pool: list[tuple[str, str, bool]]) -> list[str]:
        by_name: dict[str, str] = {}
        for i, label, _ in pool:
            by_name.setdefault(normal(label), i)
            by_name.setdefault(normal(i), i)
        near = difflib.get_close_matches(normal(text), list(by_name), n=12, cutoff=0.6)
        return list(dict.fromkeys(by_name[n] for n in near))[:5]

    ids = closest([n for n in names if wanted is None or n[0] in wanted]) or closest(names)
    what = f"no {kind} concept" if kind else "no concept"
    hint = "; closest: " + ", ".join(f"{labels.get(i, i)} ({i})" for i in ids) if ids else ""
    return f"{what} named {text!r} in this knowledge base{hint}"


# --------------------------------------------------------------------------- the explorer's pickers


def concept_choices(store, kind: str | None = None) -> list[tuple[str, str]]:
    """(id, label) of the concepts a picker offers, by label: those of ``kind`` (a question's
    ``condition`` parameter offers conditions, not tests or anatomy), or every concept."""
    labels = concepts_of_kind(store.query, kind) if kind else _labels(store.query)
    return sorted(labels.items(), key=lambda item: (item[1].lower(), item[0]))


def concept_lookup(store, value: str, kind: str | None = None) -> tuple[str | None, str]:
    """(concept id, "") for a value a deep link gives (an id, label, synonym or identifier), or
    (None, why) when no concept goes by it — the explorer says so instead of picking another."""
    try:
        return resolve_concept(store.query, value, kind).id, ""
    except UnknownConcept as exc:
        return None, str(exc)
