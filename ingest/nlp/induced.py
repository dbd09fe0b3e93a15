"""A condition the text says a chemical caused, grounded to the descriptor MeSH files it under.

MeSH indexes a drug-caused hepatitis as Chemical and Drug Induced Liver Injury and a drug-caused
dyskinesia as Dyskinesia, Drug-Induced, not as Hepatitis or Dyskinesias: so a condition that is
the effect in a ``caused_by`` relation whose cause is a chemical ("isoniazid-induced hepatitis",
"dyskinesia due to levodopa") takes that descriptor in place of the plain one, and joins what
MeSH-indexed articles say of the drug-induced disorder. The table is MeSH's own
(``data/nlp/drug_induced.tsv``, derived by ``ingest/nlp/induced_build.py``): a form of a disease
descriptor (its words as ``form_key`` reads them) → the drug-induced descriptor. Pure.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from ingest.nlp.lexicon import normalize_key, variant_key
from kb.records import Finding, Relation, finding_id

HEADER = ("key", "base", "induced", "name", "term")
_IRREGULAR = re.compile(r"oses$")  # psychoses → psychosis: a plural ``variant_key`` leaves apart


def form_key(term: str) -> str:
    """The key a term and its plural, spelling and hyphen variants share."""
    return variant_key(_IRREGULAR.sub("osis", normalize_key(term)))


@dataclass(frozen=True)
class Induced:
    """The drug-induced descriptor ``induced`` (named ``name``) for a form of ``base``."""

    base: str  # "mesh:D006505"
    induced: str  # "mesh:D056486"
    name: str


Table = dict[tuple[str, str], Induced]
"""(form key, base CURIE) → its drug-induced descriptor."""


def parse_table(text: str) -> Table:
    """``drug_induced.tsv`` → the table; a wrong header is an error, not an empty table."""
    reader = csv.reader(io.StringIO(text), delimiter="\t")
    if tuple(next(reader, ())) != HEADER:
        raise ValueError(f"drug_induced.tsv: header is not {HEADER}")
    out: Table = {}
    for key, base, induced, name, _term in reader:
        out[(key, f"mesh:{base}")] = Induced(f"mesh:{base}", f"mesh:{induced}", name)
    return out


@lru_cache(maxsize=1)
def drug_induced_table() -> Table:
    """The shipped table, read once."""
    path = resources.files("casebook_data") / "nlp" / "drug_induced.tsv"
    return parse_table(path.read_text("utf-8"))


def induced_form(finding: Finding, table: Table) -> Induced | None:
    """The drug-induced descriptor for a condition finding, by its words or its matched term."""
    keys = [form_key(w) for w in (finding.text, finding.matched) if w]
    for curie in finding.ids:
        for key in keys:
            if (found := table.get((key, curie))) is not None:
                return found
    return None


def regrounded(finding: Finding, found: Induced) -> Finding:
    """The finding under the drug-induced descriptor: first among its ids (the plain one
    dropped), its concept too when the plain descriptor was the concept."""
    ids = [found.induced] + [i for i in finding.ids if i not in (found.base, found.induced)]
    if finding.concept != found.base:
        return replace(finding, ids=ids)
    changed = replace(finding, concept=found.induced, label=found.name, ids=ids)
    return replace(changed, id=finding_id(changed))


def ground_induced(
    findings: list[Finding], relations: Iterable[Relation], table: Table
) -> tuple[list[Finding], list[Relation]]:
    """Findings and relations with every condition a chemical caused under its drug-induced
    descriptor (relations re-pointed at a finding whose id changed with its concept)."""
    relations = list(relations)
    by_id = {f.id: f for f in findings}
    caused = {
        r.source
        for r in relations
        if r.kind == "caused_by" and r.target in by_id and by_id[r.target].category == "chemical"
    }
    new: dict[str, Finding] = {}
    for fid in sorted(caused):
        f = by_id.get(fid)
        found = induced_form(f, table) if f is not None and f.kind == "condition" else None
        if f is not None and found is not None:
            new[fid] = regrounded(f, found)
    if not new:
        return findings, relations
    ids = {old: f.id for old, f in new.items()}
    out_findings = list({new.get(f.id, f).id: new.get(f.id, f) for f in findings}.values())
    out_relations = [
        replace(
            r,
            source=ids.get(r.source, r.source),
            target=ids.get(r.target, r.target),
            evidence=ids.get(r.evidence, r.evidence) if r.evidence else None,
        )
        for r in relations
    ]
    return out_findings, out_relations
