"""SYNTHETIC PubMed baseline and update files, for testing and benchmarking ``kb bulk``.

Every record here is invented: PMIDs from 97000000 up (a range no demo, test or benchmark of
the project uses), titles that start with "SYNTHETIC", a journal named "Journal of Synthetic
Case Reports", authors named "Synthetic…". The abstracts are ``ingest.nlp.synthetic``'s
(templates over the project's vocabulary, so extraction finds real-sized work in them); MeSH
descriptor and qualifier UI/name pairs are only those the project already holds (its
vocabulary's MeSH mappings and the demo corpus's headings), never made up. Publication types
are three real PubMed types with their real UIs, assigned at random.

The files have the real distribution's shape — gzipped ``PubmedArticleSet``s of
``PubmedArticle/MedlineCitation`` with ``PMID Version``, ``Article`` (``ArticleTitle``,
``Abstract``, ``AuthorList``, ``PublicationTypeList``), ``MeshHeadingList`` with ``UI``
attributes — and the update files carry what makes updates hard: revised records (the same
PMID again, a later ``DateRevised``, another title and abstract), new records, and
``DeleteCitation`` lists. The same arguments give the same bytes (seeded, gzip mtime 0), so a
benchmark or test can regenerate its input instead of shipping it.

    python -m ingest.bulk.synthetic_baseline OUT_DIR --records 2000 --files 4 --updates 1
"""

from __future__ import annotations

import argparse
import gzip
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from ingest.demo import demo_corpus
from ingest.entrez.pubmed_xml import parse_pubmed_xml
from ingest.nlp.synthetic import generate
from kb.vocab import load_vocabulary

log = logging.getLogger(__name__)

FIRST_PMID = 97_000_000
LABEL = "SYNTHETIC"
PUBLICATION_TYPES = {  # PubMed's own UIs for these types
    "Case Reports": "D002363",
    "Journal Article": "D016428",
    "Review": "D016454",
}
_HEADER = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<!-- SYNTHETIC: every record in this file is invented (Casebook test data) -->\n"
)

Pairs = list[tuple[str, str]]


@dataclass
class SyntheticFile:
    """What one generated file holds: the PMIDs written (new or revised) and deleted."""

    path: Path
    pmids: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def mesh_pool() -> tuple[Pairs, Pairs]:
    """(descriptors, qualifiers) as UI/name pairs the project already holds: the vocabulary's
    MeSH-mapped concepts and the demo corpus's headings."""
    descriptors = {(c.mesh, c.label) for c in load_vocabulary().concepts.values() if c.mesh}
    qualifiers: set[tuple[str, str]] = set()
    with demo_corpus() as corpus:
        for path in sorted((corpus / "pubmed").glob("*.xml")):
            for record in parse_pubmed_xml(path.read_bytes()):
                for h in record.mesh_headings:
                    descriptors.add((h.descriptor_ui, h.descriptor_name))
                    qualifiers.update((q.ui, q.name) for q in h.qualifiers)
    return sorted(descriptors), sorted(qualifiers)


def article_xml(
    pmid: int, text: str, rng: random.Random, mesh: tuple[Pairs, Pairs], revision: int = 0
) -> str:
    """One SYNTHETIC <PubmedArticle>: 3-8 authors, the abstract's labelled sections, 6-12
    MeSH headings, one or two publication types; ``revision`` > 0 dates it later."""
    descriptors, qualifiers = mesh
    title, *paragraphs = text.split("\n\n")
    if revision:
        title = f"{title} (revision {revision})"
    if not title.startswith(LABEL):
        title = f"{LABEL} {title}"
    sections = "".join(
        f'<AbstractText Label="{escape(p.split(":", 1)[0])}">'
        f"{escape(p.split(':', 1)[1].strip())}</AbstractText>"
        for p in paragraphs
    )
    authors = "".join(
        f'<Author ValidYN="Y"><LastName>Synthetic{pmid % 997}x{k}</LastName>'
        f"<ForeName>Author</ForeName><Initials>A</Initials></Author>"
        for k in range(rng.randint(3, 8))
    )
    headings = ""
    for ui, name in rng.sample(descriptors, min(len(descriptors), rng.randint(6, 12))):
        quals = "".join(
            f'<QualifierName UI="{q}" MajorTopicYN="{rng.choice("NY")}">{escape(n)}</QualifierName>'
            for q, n in rng.sample(qualifiers, min(len(qualifiers), rng.randint(0, 2)))
        )
        headings += (f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="N">{escape(name)}'
                     f"</DescriptorName>{quals}</MeshHeading>")  # fmt: skip
    roll = rng.random()
    kinds = ["Case Reports", "Journal Article"] if roll < 0.6 else ["Journal Article"]
    if roll >= 0.9:
        kinds = ["Review"]
    types = "".join(
        f'<PublicationType UI="{PUBLICATION_TYPES[k]}">{k}</PublicationType>' for k in kinds
    )
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}'
        f"</PMID><DateRevised><Year>{2024 + revision}</Year><Month>01</Month><Day>02</Day>"
        f'</DateRevised><Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print">'
        f"<Volume>1</Volume><PubDate><Year>{2000 + pmid % 25}</Year></PubDate></JournalIssue>"
        f"<Title>Journal of Synthetic Case Reports</Title><ISOAbbreviation>J Synth Case Rep"
        f"</ISOAbbreviation></Journal><ArticleTitle>{escape(title)}</ArticleTitle>"
        f'<Abstract>{sections}</Abstract><AuthorList CompleteYN="Y">{authors}</AuthorList>'
        f"<Language>eng</Language><PublicationTypeList>{types}</PublicationTypeList></Article>"
        f"<MeshHeadingList>{headings}</MeshHeadingList></MedlineCitation><PubmedData>"
        f'<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList>'
        f"</PubmedData></PubmedArticle>"
    )


def file_bytes(articles: list[str], deleted: list[str] | None = None) -> bytes:
    """A whole file's XML (not yet gzipped): the articles, then the deletions."""
    deletions = (
        "<DeleteCitation>" + "".join(f'<PMID Version="1">{p}</PMID>' for p in deleted)
        + "</DeleteCitation>" if deleted else ""
    )  # fmt: skip
    return (_HEADER + "<PubmedArticleSet>" + "".join(articles) + deletions
            + "</PubmedArticleSet>\n").encode("utf-8")  # fmt: skip


def write_gzip(path: Path, data: bytes) -> None:
    """Gzip with no name and mtime 0 in the header: the same data, the same bytes."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as gz:
        gz.write(data)


def write_baseline(
    out: Path,
    records: int = 2000,
    files: int = 4,
    updates: int = 1,
    revise: float = 0.05,
    delete: float = 0.02,
    new: float = 0.05,
    seed: int = 18,
) -> list[SyntheticFile]:
    """``files`` baseline files holding ``records`` records, then ``updates`` update files each
    revising ``revise``, deleting ``delete`` of the baseline's records and adding ``new`` more.
    Names sort in the order PubMed's do (baseline numbers first, updates after)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    mesh = mesh_pool()
    per_update = _share(records, revise) + _share(records, new)
    texts = [text for text, _ in generate(records + updates * per_update, seed=seed)]
    spare = iter(texts[records:])
    written: list[SyntheticFile] = []
    bounds = [records * k // files for k in range(files + 1)]
    for k in range(files):
        f = SyntheticFile(out / f"synthetic26n{k + 1:04d}.xml.gz")
        ids = range(FIRST_PMID + bounds[k], FIRST_PMID + bounds[k + 1])
        articles = [article_xml(p, texts[p - FIRST_PMID], rng, mesh) for p in ids]
        f.pmids = [str(p) for p in ids]
        write_gzip(f.path, file_bytes(articles))
        written.append(f)
    live = list(range(FIRST_PMID, FIRST_PMID + records))
    next_pmid = FIRST_PMID + records
    for u in range(updates):
        f = SyntheticFile(out / f"synthetic26n{files + u + 1:04d}.xml.gz")
        touched = rng.sample(
            live, min(len(live), _share(records, revise) + _share(records, delete))
        )
        revised = sorted(touched[: _share(records, revise)])
        deleted = sorted(touched[_share(records, revise) :])
        added = list(range(next_pmid, next_pmid + _share(records, new)))
        next_pmid += len(added)
        articles = [article_xml(p, next(spare), rng, mesh, revision=u + 1) for p in revised]
        articles += [article_xml(p, next(spare), rng, mesh) for p in added]
        f.pmids = [str(p) for p in revised + added]
        f.revised = [str(p) for p in revised]
        f.deleted = [str(p) for p in deleted]
        live = sorted((set(live) - set(deleted)) | set(added))
        write_gzip(f.path, file_bytes(articles, f.deleted))
        written.append(f)
    return written


def _share(records: int, fraction: float) -> int:
    """``fraction`` of ``records``, at least one when the fraction is not 0."""
    return max(1, round(records * fraction)) if fraction > 0 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write the .xml.gz files into")
    parser.add_argument("--records", type=int, default=2000, help="baseline records in all")
    parser.add_argument("--files", type=int, default=4, help="baseline files")
    parser.add_argument("--updates", type=int, default=1, help="update files after them")
    parser.add_argument("--seed", type=int, default=18, help="random seed (same seed, same bytes)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for f in write_baseline(args.out, args.records, args.files, args.updates, seed=args.seed):
        log.info(
            "%s: %d records (%d revised), %d deleted — SYNTHETIC",
            f.path, len(f.pmids), len(f.revised), len(f.deleted),
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
