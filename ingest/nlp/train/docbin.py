"""``AnnotatedText``s → spaCy training data (a ``DocBin``), tokenised as the product tokenises.

Spans are aligned to tokens exactly (``char_span(alignment_mode="strict")``); a span no token
boundaries fit is counted and its tokens left without a gold label, never silently moved (an
expanded span would teach, and score, boundaries the corpus does not have). Labels a corpus does not annotate are
*missing*, not *outside*: a token the ``unknown`` callback marks (e.g. a chemical name in an
NCBI disease abstract) carries no gold label, so the model is not taught that it is no entity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from ingest.nlp.train.corpus import AnnotatedText

log = logging.getLogger(__name__)

Unknown = Callable[[Doc, AnnotatedText], list[Span]]
"""Spans of a doc whose labels its corpus does not annotate (left without a gold label)."""


@dataclass
class ConversionReport:
    documents: int = 0
    spans: int = 0
    misaligned: int = 0  # spans no token boundaries fit (dropped)
    overlapping: int = 0  # spans dropped because a longer one covers them
    missing_tokens: int = 0  # tokens left without a gold label (``unknown``, misaligned)


def to_docbin(
    nlp: Language,
    texts: Iterable[AnnotatedText],
    labels: Iterable[str],
    unknown: Unknown | None = None,
    report: ConversionReport | None = None,
) -> DocBin:
    """One gold ``Doc`` per text, with entities of ``labels`` only (others are dropped)."""
    wanted = set(labels)
    report = report if report is not None else ConversionReport()
    out = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for text in texts:
        doc = nlp.make_doc(text.text)
        spans = []
        unaligned = []
        for a in text.annotations:
            if a.label not in wanted:
                continue
            span = doc.char_span(a.start, a.end, label=a.label)
            if span is None:
                report.misaligned += 1
                wider = doc.char_span(a.start, a.end, alignment_mode="expand")
                if wider is not None:
                    unaligned.append(wider)
                continue
            spans.append(span)
        kept = filter_spans(spans)
        report.overlapping += len(spans) - len(kept)
        report.spans += len(kept)
        candidates = unaligned + (unknown(doc, text) if unknown is not None else [])
        taken = {i for s in kept for i in range(s.start, s.end)}
        missing = [s for s in candidates if taken.isdisjoint(range(s.start, s.end))]
        missing = filter_spans(missing)
        report.missing_tokens += sum(len(s) for s in missing)
        doc.set_ents(kept, missing=missing, default="outside")
        out.add(doc)
        report.documents += 1
    log.info(
        "%d documents, %d spans (%d misaligned, %d overlapping dropped), %d tokens unlabelled",
        report.documents,
        report.spans,
        report.misaligned,
        report.overlapping,
        report.missing_tokens,
    )
    return out
