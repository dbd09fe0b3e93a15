"""``kb show ID``: one evidence (or finding), case or article, as a person reads it.

The ID is what a table prints (``PMID 99000001 · case 1``, an evidence id such as
``7cc0859413fa3df8cdf3``, ``PMID 99000001``) or the node's IRI (``kb.labels.parse_ref``). An
evidence shows its sentence with the mention marked, between its neighbours in the abstract
when the store holds it; where it came from (article, section, method); and what it links
(the finding's concept, its subject, the relations it takes part in). Read through a store's
``query`` call, so ``--store URL`` works as for ``kb ask``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kb.labels import Ref, cell, iri_label, parse_ref
from kb.namespaces import prologue
from kb.store import QueryResult, StoreError

Query = Callable[..., QueryResult]

PREFIXES = prologue("cb", "skos", "rdfs", "dcterms", "prov")
PROPERTIES = "SELECT ?p ?o WHERE { ?s ?p ?o }"
FINDING_OF = PREFIXES + "SELECT ?f WHERE { ?f cb:evidence ?e ; a cb:Finding }"
RELATIONS = (
    PREFIXES
    + """SELECT ?dir ?rel ?other ?olabel ?okind ?time ?cue WHERE {
  { ?r cb:source ?f ; cb:target ?other BIND("out" AS ?dir) }
  UNION { ?r cb:target ?f ; cb:source ?other BIND("in" AS ?dir) }
  ?r a cb:RelationAssertion ; cb:relation ?rel . ?other rdfs:label ?olabel ; cb:kind ?k .
  BIND(STRAFTER(STR(?k), "#kind") AS ?okind)
  OPTIONAL { ?r cb:timeToOutcome ?time } OPTIONAL { ?r cb:cue ?cue } }"""
)
SUBJECT_FINDINGS = (
    PREFIXES
    + """SELECT ?f ?okind ?label ?concept ?assertion ?value ?text WHERE {
  ?f cb:subject ?s ; cb:kind ?k ; rdfs:label ?label ; cb:concept ?concept ;
     cb:assertion ?assertion ; cb:text ?text .
  BIND(STRAFTER(STR(?k), "#kind") AS ?okind) OPTIONAL { ?f cb:value ?value } }"""
)
CASES_OF = PREFIXES + "SELECT ?c ?n WHERE { ?c cb:document ?a ; a cb:Case ; cb:number ?n }"
COUNT_FINDINGS = (
    PREFIXES
    + """SELECT (COUNT(?f) AS ?n) WHERE {
  ?e prov:wasDerivedFrom ?a . ?f cb:evidence ?e ; a cb:Finding }"""
)
LABEL = PREFIXES + "SELECT ?l WHERE { ?c skos:prefLabel ?l }"


class NotFound(StoreError):
    """The id names nothing in this knowledge graph."""


@dataclass
class Node:
    iri: str
    props: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str) -> str | None:
        values = self.props.get(name)
        return min(values) if values else None


def show(query: Query, ref_text: str, width: int = 100) -> str:
    """The text ``kb show`` prints for ``ref_text``, or ``NotFound``."""
    ref = parse_ref(ref_text)
    if ref is None:
        raise NotFound(f"{ref_text!r} is not an id kb show knows: give an evidence id, "
                       "'PMID n', 'PMID n · case k' or an IRI a table printed")  # fmt: skip
    lines = {"evidence": _evidence, "case": _case, "article": _article}[ref.kind](query, ref)
    return "\n".join(_wrapped(lines, width))


def _rows(query: Query, text: str, bindings: dict, limit: int) -> list[list[str]]:
    """A query's rows with unbound cells as "" (every caller here prints or tests them)."""
    return [[cell or "" for cell in row] for row in query(text, bindings, limit).rows]


def _node(query: Query, iri: str) -> Node:
    node = Node(iri)
    for p, o in _rows(query, PROPERTIES, {"s": ox.NamedNode(iri)}, 10_000):
        name = re.split(r"[#/]", p)[-1]
        node.props.setdefault(name, []).append(o)
    return node


def _found(query: Query, ref: Ref, what: str) -> Node:
    node = _node(query, ref.iri)
    if not node.props:
        raise NotFound(f"no {what} {iri_label(ref.iri)} in this knowledge graph")
    return node


def _label(query: Query, concept: str) -> str:
    rows = _rows(query, LABEL, {"c": ox.NamedNode(concept)}, 10)
    return min((r[0] for r in rows if r[0]), default=iri_label(concept))


def _article_line(query: Query, iri: str) -> str:
    a = _node(query, iri)
    title = a.one("title") or ""
    year = f" ({a.one('hasPublicationYear')})" if a.one("hasPublicationYear") else ""
    flag = "  [RETRACTED]" if a.one("retracted") == "true" else ""
    return f"{iri_label(iri)} · {title}{year}{flag}".rstrip(" ·")


def _evidence(query: Query, ref: Ref) -> list[str]:
    ev = _found(query, ref, "evidence")
    rows = _rows(query, FINDING_OF, {"e": ox.NamedNode(ref.iri)}, 10)
    finding = _node(query, rows[0][0]) if rows else None
    sentence = ev.one("sentence") or ""
    span = _span(ev, sentence)
    out: list[str] = []
    if finding:
        kind = (finding.one("kind") or "").rsplit("#kind", 1)[-1].lower()
        value = finding.one("value")
        extra = ", ".join(x for x in (finding.one("assertion"), value and cell(value)) if x)
        out.append(f"Evidence {iri_label(ref.iri)}: {kind} {finding.one('label')} ({extra})")
    else:
        out.append(f"Evidence {iri_label(ref.iri)}")
    before, after = _context(query, ev, sentence)
    out.append("")
    out += [f"  … {before}"] if before else []
    out.append(f"  {span}")
    out += [f"  {after} …"] if after else []
    out += ["", "Provenance"]
    if source := ev.one("wasDerivedFrom"):
        out.append(_field("article", _article_line(query, source)))
    out.append(_field("section", ev.one("section") or "—"))
    method = f"{ev.one('method')} ({ev.one('extractor')} {ev.one('extractorVersion')})"
    out.append(_field("method", f"{method}, score {cell(ev.one('score'))}"))
    if finding is None:
        return out
    out.append("Links")
    concept = finding.one("concept") or ""
    cid = iri_label(concept)
    out.append(f"  concept:  {_label(query, concept)} ({cid})  → kb ask concept_evidence "
               f"--param concept={cid}")  # fmt: skip
    if subject := finding.one("subject"):
        out.append(f"  subject:  {iri_label(subject)}")
    for d, rel, other, label, okind, time, cue in _rows(
        query, RELATIONS, {"f": ox.NamedNode(finding.iri)}, 1000
    ):
        name = re.sub(r"(?<!^)([A-Z])", r"_\1", rel.rsplit("#", 1)[-1]).lower()
        arrow = (
            f"—{name}→ {okind.lower()} {label}"
            if d == "out"
            else f"←{name}— {okind.lower()} {label}"
        )
        when = f", after {cell(time)}" if time else ""
        out.append(
            f"  relation: {arrow}{when}  [{iri_label(other)}]" + (f" (cue: {cue})" if cue else "")
        )
    return out


def _span(ev: Node, sentence: str) -> str:
    """The sentence with the mention marked «…» (its offsets are the text's, as the sentence's)."""
    try:
        start, a, b = (int(ev.one(k) or "") for k in ("start", "spanStart", "spanEnd"))
    except ValueError:
        return sentence
    a, b = a - start, b - start
    if not 0 <= a < b <= len(sentence):
        return sentence
    return f"{sentence[:a]}«{sentence[a:b]}»{sentence[b:]}"


def _context(query: Query, ev: Node, sentence: str) -> tuple[str, str]:
    """The sentences before and after ``sentence`` in its article's abstract, when found there."""
    article = ev.one("wasDerivedFrom")
    abstract = (_node(query, article).one("abstract") if article else None) or ""
    at = abstract.find(sentence) if sentence else -1
    if at < 0:
        return "", ""
    before = re.split(r"(?<=[.!?])\s+", abstract[:at].strip())[-1]
    after = re.split(r"(?<=[.!?])\s+", abstract[at + len(sentence) :].strip())[0]
    return before, after


def _findings(query: Query, subject: str) -> list[str]:
    rows = _rows(query, SUBJECT_FINDINGS, {"s": ox.NamedNode(subject)}, 10_000)
    out = []
    for f, kind, label, _concept, assertion, value, text in sorted(
        rows, key=lambda r: (r[1], r[2])
    ):
        flag = "" if assertion == "present" else f" [{assertion}]"
        shown = f" = {cell(value)}" if value else ""
        out.append(f"  {kind.lower():<18} {label}{shown}{flag}  «{text}»  [{iri_label(f)}]")
    return out


def _case(query: Query, ref: Ref) -> list[str]:
    case = _found(query, ref, "case")
    out = [f"Case {iri_label(ref.iri)}" + (f": {case.one('label')}" if case.one("label") else "")]
    if document := case.one("document"):
        out.append(_field("article", _article_line(query, document)))
    for name in ("age", "sex"):
        if value := case.one(name):
            out.append(_field(name, cell(value)))
    if case.props.get("site"):
        out.append(_field("sites", ", ".join(sorted(case.props["site"]))))
    found = _findings(query, ref.iri)
    out += ["", f"Findings ({len(found)}; kb show ID for one)", *found]
    return out


def _article(query: Query, ref: Ref) -> list[str]:
    a = _found(query, ref, "article")
    out = [f"Article {_article_line(query, ref.iri)}"]
    authors = a.props.get("creator", [])
    if authors:
        out.append(
            f"  authors:  {', '.join(sorted(authors)[:6])}" + (" …" if len(authors) > 6 else "")
        )
    where = " ".join(x for x in (a.one("publicationName"), a.one("date")) if x)
    for name, value in (("journal", where), ("doi", a.one("doi")),
                        ("pmcid", a.one("hasPubMedCentralId")),
                        ("type", ", ".join(sorted(t for t in a.props.get("type", []) if "://" not in t)))):  # fmt: skip
        if value:
            out.append(_field(name, value))
    cases = _rows(query, CASES_OF, {"a": ox.NamedNode(ref.iri)}, 1000)
    count = _rows(query, COUNT_FINDINGS, {"a": ox.NamedNode(ref.iri)}, 1)
    out.append(f"  findings: {count[0][0] if count else 0} read from it")
    cited = len(a.props.get("isCitedBy", []))
    out.append(f"  cited by: {cited} articles in the KB" + (f" ({a.one('citedByCount')} in PubMed)"
                                                          if a.one("citedByCount") else ""))  # fmt: skip
    if cases:
        out += ["", "Cases"]
        out += [f"  {iri_label(c)}" for c, _ in sorted(cases, key=lambda r: int(r[1] or 0))]
    about = _findings(query, ref.iri)
    if about:
        out += ["", f"Findings about the article ({len(about)})", *about]
    return out


def _field(name: str, value: str) -> str:
    return f"  {name + ':':<10}{value}"


def _wrapped(lines: list[str], width: int) -> list[str]:
    out = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        hang = " " * (indent + (10 if re.match(r"\s+\w[\w ]*:\s", line) else 2))
        out += textwrap.wrap(line, width, subsequent_indent=hang, break_on_hyphens=False) or [""]
    return out
