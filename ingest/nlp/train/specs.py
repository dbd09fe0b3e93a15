"""What each learned recogniser is trained on: its corpora (with licence and citation), reader,
config, labels and how its training docs are cut (``MODELS``, read by ``run.train_model``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ingest.nlp.train.brat import CASE_LABELS, by_sentence, read_maccrobat
from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.pubtator import read_corpus
from ingest.sentences import split_sentences


@dataclass(frozen=True)
class CorpusInfo:
    name: str
    licence: str
    citation: str
    source: str


CORPORA = {
    "bc5cdr": CorpusInfo(
        "bc5cdr",
        "public domain",
        "Li J. et al., BioCreative V CDR task corpus: a resource for chemical disease relation "
        "extraction, Database 2016",
        "BC5CDR training and development sets (PubTator), pooled and re-split by PMID",
    ),
    "ncbi-disease": CorpusInfo(
        "ncbi-disease",
        "public domain (United States Government work)",
        "Doğan R.I., Leaman R., Lu Z., NCBI disease corpus: a resource for disease name "
        "recognition and concept normalization, J Biomed Inform 2014;47:1-10",
        "NCBI disease training and development sets, pooled and re-split by PMID",
    ),
    "maccrobat": CorpusInfo(
        "maccrobat",
        "CC BY 4.0",
        "Caufield J.H. et al., A comprehensive typing system for information extraction from "
        "clinical narratives, medRxiv 2019, doi 10.1101/19009118 (MACCROBAT 2020)",
        "MACCROBAT 2020 training portion (brat), figshare 10.6084/m9.figshare.9764942",
    ),
}


def read_pubtator(corpora: Path, names: tuple[str, ...]) -> list[AnnotatedText]:
    return [t for name in names for t in read_corpus(corpora, name)]


def read_cases(corpora: Path) -> list[AnnotatedText]:
    return read_maccrobat(corpora / "maccrobat")


def sentence_docs(texts: list[AnnotatedText]) -> list[AnnotatedText]:
    """Case reports cut into sentences (overlapping spans resolved by ``CASE_LABELS``' order):
    sentence-sized docs trained a better case model than whole reports on the dev split."""
    return [s for t in texts for s in by_sentence(t, split_sentences(t.text))]


@dataclass(frozen=True)
class ModelSpec:
    """What one learned recogniser is trained on and with."""

    name: str
    config: str  # file in data/nlp/
    corpora: tuple[str, ...]
    read: Callable[[Path], list[AnnotatedText]]
    labels: tuple[str, ...] | None = None  # None: every label the texts annotate
    lexicon_label: str | None = None  # label filled in as *missing* from a lexicon, where the
    # corpus does not annotate it
    dev_only: tuple[str, ...] = ()  # PubTator corpora whose dev side is scored, never trained on
    missing_from: str | None = None  # a model (key of ``MODELS``) trained first, in the work
    # directory, whose ``lexicon_label`` predictions are missing too where the corpus lacks it
    train_docs: Callable[[list[AnnotatedText]], list[AnnotatedText]] | None = None  # how the
    # train side is cut into training docs (None: whole documents); dev stays whole


MODELS: dict[str, ModelSpec] = {
    # BC5CDR + NCBI disease, in two stages: "abstracts-bc5cdr" first, then this model, whose NCBI
    # chemicals are missing wherever the lexicon or the stage-1 model finds a CHEMICAL. Measured
    # at 3,400 steps against BC5CDR alone: BC5CDR-dev Chemical F1 0.865 vs 0.873, Disease 0.788
    # vs 0.800, but NCBI disease dev Disease F1 0.832 vs 0.422; the product reads both kinds of
    # abstract, so the small BC5CDR cost buys a recogniser that carries over.
    "abstracts": ModelSpec(
        name="abstracts",
        config="train_abstracts.cfg",
        corpora=("bc5cdr", "ncbi-disease"),
        read=partial(read_pubtator, names=("bc5cdr", "ncbi-disease")),
        labels=("CHEMICAL", "DISEASE"),
        lexicon_label="CHEMICAL",
        missing_from="abstracts-bc5cdr",
    ),
    # stage 1 of "abstracts" (and the one-stage alternative): BC5CDR alone, NCBI dev scored only
    "abstracts-bc5cdr": ModelSpec(
        name="abstracts-bc5cdr",
        config="train_abstracts.cfg",
        corpora=("bc5cdr",),
        read=partial(read_pubtator, names=("bc5cdr",)),
        labels=("CHEMICAL", "DISEASE"),
        dev_only=("ncbi-disease",),
    ),
    "cases": ModelSpec(
        name="cases",
        config="train_cases.cfg",
        corpora=("maccrobat",),
        read=read_cases,
        labels=CASE_LABELS,
        train_docs=sentence_docs,
    ),
}
