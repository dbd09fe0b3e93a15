"""Ids ↔ IRIs (the reverse of ``kb.iris`` for the explorer's deep links), source links
and the Markdown highlighting of mentions: no store access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from kb import iris
from kb.escape import md_escape
from kb.read.base import ID, KIND_COLORS


def document_id(article_iri: str) -> str:
    """``…/article/pmid/1`` → "pmid:1" (the project's document ids); other IRIs unchanged."""
    prefix = ID + "article/"
    if not article_iri.startswith(prefix):
        return article_iri
    scheme, _, local = article_iri.removeprefix(prefix).partition("/")
    return f"{scheme}:{unquote(local)}" if local and "/" not in local else article_iri


def article_iri(doc_id: str) -> str:
    """ "99000001", "pmid:1", "seed:abc", "pmc:PMC1" → the article IRI (``ValueError`` if not)."""
    doc_id = doc_id.strip()
    if doc_id.isdigit():
        doc_id = f"pmid:{doc_id}"
    if doc_id.startswith(ID + "article/"):
        return doc_id
    return str(iris.article(doc_id))


def concept_iri(concept_id: str) -> str:
    return str(iris.concept(concept_id.strip()))


def concept_id(iri: str) -> str:
    """A concept IRI → its id ("calcinosis_cutis", "mesh:D002114")."""
    tail = iri.removeprefix(ID + "concept/")
    return "mesh:" + tail.removeprefix("mesh/") if tail.startswith("mesh/") else unquote(tail)


def page_of(iri: str) -> tuple[str, dict[str, str]] | None:
    """The explorer page (and its parameters) that shows the node ``iri``, if one does."""
    if iri.startswith(ID + "article/") and iri.removeprefix(ID + "article/").count("/") == 1:
        return "article", {"id": document_id(iri)}
    if iri.startswith(ID + "case/"):
        return "case", {"id": case_id(iri)}
    if iri.startswith(ID + "concept/"):
        return "concept", {"id": concept_id(iri)}
    return None


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def source_links(pmid: str | None, pmcid: str | None, doi: str | None) -> list[tuple[str, str]]:
    """(label, URL) for each identifier an article has: PubMed, PMC, DOI."""
    out = []
    if pmid:
        out.append((f"PubMed {pmid}", pubmed_url(pmid)))
    if pmcid:
        out.append((f"PMC {pmcid}", pmc_url(pmcid)))
    if doi:
        out.append((f"DOI {doi}", doi_url(doi)))
    return out


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid)}/"


def pmc_url(pmcid: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(pmcid)}/"


def doi_url(doi: str) -> str:
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}"


ONTOLOGIES = {"MeSH": "MeSH", "HP": "Human Phenotype Ontology", "NCIT": "NCI Thesaurus",
              "DOID": "Disease Ontology", "MONDO": "Mondo Disease Ontology",
              "SYMP": "Symptom Ontology", "UBERON": "Uberon anatomy", "BTO": "BRENDA Tissue Ontology",
              "CHEBI": "ChEBI", "CL": "Cell Ontology", "GO": "Gene Ontology",
              "DrugBank": "DrugBank", "OMIM": "OMIM", "EFO": "Experimental Factor Ontology"}  # fmt: skip


def external_id(iri: str) -> tuple[str, str]:
    """An external concept's IRI as (CURIE, the vocabulary's name): ``HP:0025520``, "Human
    Phenotype Ontology"; an IRI of no known vocabulary as (its last segment, "")."""
    curie = iris.iri_curie(iri)
    if curie is None:
        return local_name(iri), ""
    return curie, ONTOLOGIES.get(curie.partition(":")[0], "")


def mesh_url(ui: str) -> str:
    return f"https://meshb.nlm.nih.gov/record/ui?ui={quote(ui)}"


@dataclass(frozen=True)
class Span:
    """A mention inside a text: ``start``/``end`` relative to that text."""

    start: int
    end: int
    kind: str
    label: str = ""
    main: bool = False


def highlight(text: str, spans: Iterable[Span]) -> str:
    """``text`` as Markdown with each span coloured by its kind (the main one on a background,
    bold); overlapping spans keep the main one, then the longest; all text escaped."""
    chosen: list[Span] = []
    ordered = sorted(
        (s for s in spans if 0 <= s.start < s.end <= len(text)),
        key=lambda s: (not s.main, -(s.end - s.start), s.start),
    )
    for span in ordered:
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    out: list[str] = []
    pos = 0
    for span in sorted(chosen, key=lambda s: s.start):
        out.append(md_escape(text[pos : span.start]))
        words = md_escape(text[span.start : span.end]).strip()
        color = KIND_COLORS.get(span.kind, "gray")
        out.append(f":{color}-background[**{words}**]" if span.main else f":{color}[**{words}**]")
        pos = span.end
    out.append(md_escape(text[pos:]))
    return "".join(out).strip()


def case_id(case: str) -> str:
    """A case IRI → the explorer's case id: "seed:f0036fb653a4/1" (document id / number)."""
    return unquote(case.removeprefix(ID + "case/"))


def case_iri(case: str) -> str:
    """The explorer's case id ("pmid:1/2", or a case IRI) → the case IRI (``ValueError`` if it
    cannot be one)."""
    if case.startswith(ID + "case/"):
        return str(iris.check_iri(case))
    document, _, number = case.strip().rpartition("/")
    if not document or not number.isdigit():
        raise ValueError(f"not a case id: {case!r} (expected 'document/number')")
    return str(iris.case(f"case:{document}#{number}"))
