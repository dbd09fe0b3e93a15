"""The Citation check page's read model: what one reference's article says."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kb.read.base import KIND_IRI, QueryStoreLike, integer, node, select_rows
from kb.read.concept_index import concept_labels
from kb.read.entities import iri_order
from kb.read.iri_links import concept_id


@dataclass(frozen=True)
class ReferenceContent:
    """What a reference's own record says: title, MeSH and its findings by kind."""

    number: int
    article: str
    title: str | None
    mesh: tuple[str, ...]
    findings: dict[str, tuple[str, ...]]


REFERENCE_ARTICLE = """
SELECT ?article ?title WHERE {
  ?ref cb:number ?number ; a cb:Reference ; cb:resolvedTo ?article .
  OPTIONAL { ?article dcterms:title ?title }
}
"""
ARTICLE_MESH_NAMES = "SELECT ?h ?mesh WHERE { ?article cb:meshHeading ?h . ?h rdfs:label ?mesh }"
OWN_FINDINGS = """
SELECT DISTINCT ?k ?c WHERE {
  ?e prov:wasDerivedFrom ?article .
  ?f cb:evidence ?e ; cb:assertion "present" ; cb:kind ?k ; cb:concept ?c .
}
"""


def reference_content(store: QueryStoreLike, number: int) -> ReferenceContent | None:
    """What the article a seed reference resolved to says of itself: its title, its MeSH
    headings and the conditions, etiologies and treatments found in it (text or MeSH)."""
    refs = select_rows(store, REFERENCE_ARTICLE, {"number": integer(number)}, limit=1)
    if not refs:
        return None
    article = refs[0]["article"]
    bound = {"article": node(article)}
    heads = sorted(
        select_rows(store, ARTICLE_MESH_NAMES, bound, limit=500), key=lambda r: iri_order(r["h"])
    )
    kinds = {v: k for k, v in KIND_IRI.items()}
    found = [
        (kinds.get(r["k"]), r["c"]) for r in select_rows(store, OWN_FINDINGS, bound, limit=5000)
    ]
    found = [(k, c) for k, c in found if k in ("condition", "etiology", "treatment")]
    labels = concept_labels(store, sorted({c for _, c in found}))
    findings: dict[str, set[str]] = defaultdict(set)
    for k, c in found:
        if k is None:
            continue
        findings[k].add(labels.get(c, concept_id(c)))
    return ReferenceContent(
        number=number,
        article=article,
        title=refs[0]["title"],
        mesh=tuple(dict.fromkeys(r["mesh"] for r in heads)),
        findings={k: tuple(sorted(v)) for k, v in findings.items()},
    )
