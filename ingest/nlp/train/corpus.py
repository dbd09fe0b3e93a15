"""Annotated texts from the shared corpora as plain records, whatever their original format.

Readers (``pubtator.py`` for BC5CDR and NCBI disease, ``brat.py`` for MACCROBAT) turn a corpus
into ``AnnotatedText``s; ``split.py`` assigns each to train or dev; ``docbin.py`` makes spaCy
training data of them. Corpus text never leaves the machine it was read on: nothing here writes
it into the repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Annotation:
    """A labelled character span ``[start, end)`` of the text, with the corpus's own ids."""

    start: int
    end: int
    label: str  # the model's label (e.g. "CHEMICAL", "SIGN_SYMPTOM"), mapped by the reader
    ids: tuple[str, ...] = ()  # e.g. ("mesh:D009270",) when the corpus normalises mentions
    negated: bool = False  # MACCROBAT's POLARITY NEG


@dataclass(frozen=True)
class AnnotatedText:
    """One document of a corpus: its text, its annotations and which labels it annotates.

    ``labels`` matters for corpora that annotate different things: a span of a label the corpus
    does not annotate is unknown there, not absent (NCBI disease says nothing of chemicals).
    """

    corpus: str  # "bc5cdr", "ncbi-disease", "maccrobat"
    id: str  # the PMID
    text: str
    annotations: tuple[Annotation, ...]
    labels: frozenset[str]
    relations: tuple[tuple[str, int, int], ...] = field(default=())  # (kind, arg1, arg2) indices
    # document-level relations between concepts, not mentions: BC5CDR's ("CID", chemical id,
    # disease id), e.g. ("CID", "mesh:D000001", "mesh:D000002")
    pairs: tuple[tuple[str, str, str], ...] = field(default=())
