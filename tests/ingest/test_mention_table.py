"""The lexicon's corpus table (``ingest.nlp.train.mention_table``): what BC5CDR's annotators
linked a mention to fills a gap of the vocabularies and never overrides one of their terms.
The texts here are invented; the ids are real MeSH descriptors."""

from __future__ import annotations

import gzip
from pathlib import Path

from ingest.nlp.lexicon import Lexicon, SortedTable, load_lexicon
from ingest.nlp.train import mention_table
from ingest.nlp.train.corpus import AnnotatedText, Annotation
from tests.conftest import shared_file

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "vocab" / "lexicon" / "mentions.tsv.gz"
CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
TRAIN, DEV = "2", "1"  # PMIDs on each side of the project's split (``split.side``)


def abstract(pmid: str, text: str, *spans: tuple[str, str, str]) -> AnnotatedText:
    """An invented abstract with each (words, label, MeSH id) annotated where it first occurs."""
    found = []
    for words, label, mesh in spans:
        start = text.index(words)
        found.append(Annotation(start, start + len(words), label, (mesh,)))
    return AnnotatedText("bc5cdr", pmid, text, tuple(found), frozenset({"CHEMICAL", "DISEASE"}))


def test_the_table_fills_gaps_of_the_vocabularies_from_the_train_side_only():
    lexicon = load_lexicon()
    texts = [
        abstract(TRAIN, "Marked renal harm followed.", ("renal harm", "DISEASE", "mesh:D007674")),
        abstract(TRAIN, "No renal harm was seen.", ("renal harm", "DISEASE", "mesh:D007674")),
        abstract(TRAIN, "Then renal harm again.", ("renal harm", "DISEASE", "mesh:D051437")),
        abstract(TRAIN, "Acute hepatitis set in.", ("hepatitis", "DISEASE", "mesh:D056486")),
        abstract(TRAIN, "Odd liver upset arose.", ("liver upset", "DISEASE", "mesh:D008107")),
        abstract(TRAIN, "Odd liver upset again.", ("liver upset", "DISEASE", "mesh:D056486")),
        abstract(TRAIN, "It caused an XQ.", ("XQ", "DISEASE", "mesh:D007674")),
        abstract(TRAIN, "A gut ache.", ("gut ache", "DISEASE", "mesh:D015746")),
        abstract(TRAIN, "A gut ache.", ("gut ache", "DISEASE", "mesh:D010146")),
        abstract(TRAIN, "A gut ache.", ("gut ache", "DISEASE", "mesh:D005767")),
        abstract(DEV, "Severe gut grief.", ("gut grief", "DISEASE", "mesh:D005767")),
    ]
    lines = mention_table.table_lines(mention_table.mention_ids(texts), lexicon)
    # the id given most of a gap (at half, the lower id: "liver upset"); not a term the
    # vocabularies know ("hepatitis"), not one below half ("gut ache"), not a two-letter form,
    # nothing from the dev side
    assert lines == [
        "liver upset\tmesh:D008107,disease,C",
        "renal harm\tmesh:D007674,disease,C",
    ]
    table = Lexicon(lexicon._terms, lexicon._cased, lexicon._variants, lexicon._concepts,
                    SortedTable("".join(line + "\n" for line in lines)))  # fmt: skip
    found = table.ground("Renal harm", "disease")
    assert found is not None and found.ids[0] == "mesh:D007674" and found.score >= 0.9
    assert table.ground("renal harm", "chemical") is None  # another group: not this entry
    hepatitis = table.ground("hepatitis", "disease")
    assert hepatitis is not None and hepatitis.ids[0] == "mesh:D006505"  # the vocabulary's term


def test_the_shipped_table_is_what_its_build_makes(tmp_path: Path):
    corpora = shared_file(CORPORA / "ncbi-disease")
    out = tmp_path / "mentions.tsv.gz"
    for name in ("terms.tsv.gz", "cased.tsv.gz", "variants.tsv.gz", "concepts.tsv.gz"):
        (tmp_path / name).symlink_to(SHIPPED.parent / name)
    mention_table.main(["--corpora", str(corpora.parent), "--out", str(out)])
    assert out.read_bytes() == SHIPPED.read_bytes()
    lines = gzip.decompress(SHIPPED.read_bytes()).decode().splitlines()
    assert len(lines) > 500


def test_the_shipped_lexicon_grounds_a_word_only_the_annotators_linked():
    """ "nephrotoxicity" is no MeSH entry term; BC5CDR's train side files it under Kidney
    Diseases, so text findings of it join MeSH-indexed articles."""
    found = load_lexicon().ground("nephrotoxicity", "disease")
    assert found is not None and found.ids[0] == "mesh:D007674"
