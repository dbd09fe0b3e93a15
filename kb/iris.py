"""The IRI scheme of the knowledge graph: one function per kind of node, all under ``BASE``.

IRIs are plain strings here, with no rdflib: the query path (``kb ask``, the explorer's read
models) makes IRIs too, and importing rdflib costs a cold process ~0.2 s. The graph stage wraps
them in ``URIRef`` where it builds triples (``kb.graph``).

Ids in records are user data (file names, concept ids, PubMed fields), so every id becomes a
path segment with everything outside RFC 3986 *unreserved* characters percent-encoded; that
makes the mapping injective ("a/b" and "a%2Fb" stay apart) and no id can break out of its IRI.
``check_iri`` is the last line of defence: an IRI with a character Turtle/N-Quads cannot hold
raises ``ValueError`` instead of reaching a serialiser. ".invalid" is reserved (RFC 2606): the
scheme claims no real domain.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from urllib.parse import quote

from kb.namespaces import BASE, NAMESPACES

CB = NAMESPACES["cb"]
MESH = NAMESPACES["mesh"]

_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')
_MESH_CONCEPT = "mesh:"


def kind_iri(kind: str) -> str:
    """The IRI of a finding kind: ``patient_attribute`` → ``cb:kindPatientAttribute``."""
    return CB + "kind" + "".join(part.title() for part in kind.split("_"))


def check_iri(iri: str) -> str:
    """``iri`` itself, or ValueError if it holds a character no IRI may (space, ``<``…)."""
    bad = _FORBIDDEN.search(iri)
    if bad:
        raise ValueError(f"IRI {iri!r} holds a forbidden character {bad.group()!r}")
    return iri


def segment(value: str | int) -> str:
    """One path segment: everything but unreserved characters (A-Z a-z 0-9 - . _ ~) escaped."""
    text = str(value)
    if not text:
        raise ValueError("an IRI segment cannot be empty")
    if text in (".", ".."):
        return text.replace(".", "%2E")  # dot segments would be removed by IRI resolution
    return quote(text, safe="")


def _iri(*segments: str | int) -> str:
    return check_iri(BASE + "/".join(segment(s) for s in segments))


def _split_docid(document: str) -> tuple[str, str]:
    scheme, sep, local = document.partition(":")
    if not sep or not scheme or not local:
        raise ValueError(f"document id {document!r} is not 'scheme:id'")
    return scheme, local


# --------------------------------------------------------------------------- articles


def pmid_article(pmid: str) -> str:
    return _iri("article", "pmid", pmid)


def pmc_article(pmcid: str) -> str:
    return _iri("article", "pmc", pmcid)


def seed_article(sha12: str) -> str:
    return _iri("article", "seed", sha12)


def article(document: str, pmc_to_pmid: Mapping[str, str] | None = None) -> str:
    """The article a document id names: "pmid:1", "seed:abc…", "pmc:PMC1" (→ its PMID if known).

    A "#mesh"/"#citations" suffix names a source *within* the article, so it is dropped here.
    """
    scheme, local = _split_docid(document.split("#", 1)[0])
    if scheme == "pmid":
        return pmid_article(local)
    if scheme == "seed":
        return seed_article(local)
    if scheme == "pmc":
        pmid = (pmc_to_pmid or {}).get(local)
        return pmid_article(pmid) if pmid else pmc_article(local)
    raise ValueError(f"unknown document scheme in {document!r}")


def author_list(article_iri: str) -> str:
    """The ordered author list (an ``rdf:Seq``) of an article."""
    return check_iri(f"{article_iri}/authors")


def mesh_heading(pmid: str, index: int) -> str:
    return _iri("article", "pmid", pmid, "mesh", index)


def comment_correction(pmid: str, index: int) -> str:
    return _iri("article", "pmid", pmid, "correction", index)


def mesh_term(ui: str) -> str:
    """The NLM MeSH RDF IRI of a descriptor ("D002114") or qualifier ("Q000139")."""
    return check_iri(MESH + segment(ui))


# --------------------------------------------------------------------------- the seed's references


_OBO = {"doid": "DOID", "hp": "HP", "mondo": "MONDO", "uberon": "UBERON", "symp": "SYMP",
        "bto": "BTO", "ncit": "NCIT", "chebi": "CHEBI", "cl": "CL", "go": "GO"}  # fmt: skip
_CURIE_BASES = {
    "drugbank": "https://go.drugbank.com/drugs/",
    "omim": "https://omim.org/entry/",
    "efo": "http://www.ebi.ac.uk/efo/EFO_",
}


def curie_iri(curie: str) -> str | None:
    """The IRI a CURIE of the grounding vocabularies names (``mesh:D003042`` → NLM's MeSH RDF,
    ``doid:1234`` → OBO PURL ``DOID_1234``, ``drugbank:DB00907`` → DrugBank), None for a prefix
    with no known IRI form or a malformed local id."""
    prefix, sep, local = curie.partition(":")
    if not sep or not local or not all(c.isalnum() or c in "._-" for c in local):
        return None
    prefix = prefix.lower()
    if prefix == "mesh":
        return mesh_term(local)
    if prefix in _OBO:
        return check_iri(f"http://purl.obolibrary.org/obo/{_OBO[prefix]}_{local.split(':')[-1]}")
    if prefix in _CURIE_BASES:
        return check_iri(_CURIE_BASES[prefix] + local.removeprefix("EFO_"))
    return None


def iri_curie(iri: str) -> str | None:
    """The CURIE of a grounding vocabulary's IRI, the inverse of ``curie_iri``
    (``…/obo/HP_0025520`` → ``HP:0025520``, NLM's MeSH RDF → ``MeSH:D003042``); None for any
    other IRI."""
    if iri.startswith(MESH):
        return "MeSH:" + iri.removeprefix(MESH)
    obo = "http://purl.obolibrary.org/obo/"
    prefix, sep, local = iri.removeprefix(obo).partition("_")
    if iri.startswith(obo) and sep and prefix in _OBO.values():
        return f"{prefix}:{local}"
    names = {"drugbank": "DrugBank", "omim": "OMIM", "efo": "EFO"}
    for name, base in _CURIE_BASES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{names[name]}:{iri.removeprefix(base)}"
    return None


def reference(sha12: str, number: int) -> str:
    return _iri("reference", sha12, int(number))


def citation_context(sha12: str, marker_start: int) -> str:
    return _iri("context", sha12, int(marker_start))


# --------------------------------------------------------------------------- extraction


def case(case_id: str) -> str:
    """``case/{document}/{n}`` from a Case id "case:<document>#<n>"."""
    body = case_id.removeprefix("case:")
    document, sep, number = body.rpartition("#")
    if body == case_id or not sep or not document or not number.isdigit():
        raise ValueError(f"case id {case_id!r} is not 'case:<document>#<n>'")
    return _iri("case", document, int(number))


def finding(finding_id: str) -> str:
    return _iri("finding", finding_id)


def evidence(finding_id: str) -> str:
    return _iri("evidence", finding_id)


def relation(source: str, kind: str, target: str) -> str:
    """One node per (source, kind, target): the relation's qualifiers (time, evidence) hang here."""
    return _iri("relation", source, kind, target)


def concept(concept_id: str) -> str:
    """``concept/{id}``; a MeSH concept "mesh:D…" becomes ``concept/mesh/D…``."""
    if concept_id.startswith(_MESH_CONCEPT):
        return _iri("concept", "mesh", concept_id.removeprefix(_MESH_CONCEPT))
    return _iri("concept", concept_id)


def subject(subject_id: str, pmc_to_pmid: Mapping[str, str] | None = None) -> str:
    """What a finding is about: "case:…#1", "article:<document>" or "ref:seed:<sha12>#<n>"."""
    if subject_id.startswith("case:"):
        return case(subject_id)
    if subject_id.startswith("article:"):
        return article(subject_id.removeprefix("article:"), pmc_to_pmid)
    if subject_id.startswith("ref:"):
        document, sep, number = subject_id.removeprefix("ref:").rpartition("#")
        scheme, sha12 = _split_docid(document) if sep else ("", "")
        if scheme != "seed" or not number.isdigit():
            raise ValueError(f"reference subject {subject_id!r} is not 'ref:seed:<sha12>#<n>'")
        return reference(sha12, int(number))
    raise ValueError(f"unknown finding subject {subject_id!r}")


# --------------------------------------------------------------------------- graphs and runs


def graph(document: str) -> str:
    """The named graph of one source document ("pmid:1", "pmid:1#mesh", "seed:…#citations").

    Requiring "scheme:" keeps document graphs apart from ``graph/vocabulary`` and ``graph/runs``.
    """
    _split_docid(document)
    return _iri("graph", document)


VOCABULARY_GRAPH = _iri("graph", "vocabulary")
RUNS_GRAPH = _iri("graph", "runs")
TOPICS_GRAPH = _iri("graph", "topics")
DERIVED_GRAPH = _iri("graph", "derived")
VOCABULARY = _iri("vocabulary")


def run(finished_at: str) -> str:
    """A build or refresh, named by the time it finished (runs of one KB never share it)."""
    return _iri("run", finished_at)


def topic(term: str) -> str:
    """A topic query of the KB, named by a hash of its ESearch term."""
    return _iri("topic", hashlib.sha256(term.encode("utf-8")).hexdigest()[:12])
