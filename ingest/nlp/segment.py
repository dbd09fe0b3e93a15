"""Tokenizer and sentence boundaries for clinical prose.

The tokenizer learns to split "disease(CKD)" and "intravenous(IV)" (PDF text loses the space),
and splits inline citation markers off the word they follow ("tender.<sup>3</sup>",
"tenderness<sup>3</sup>", "tender.[3]"), which would otherwise hide "tender" in one token;
sentences come from ``ingest.sentences.split_sentences`` — the same rules the seed reader uses —
so "Fig. 2", "e.g.", "3.5 months" and markers after a full stop never split a sentence.
"""

from __future__ import annotations

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import (
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
    registry,
)

from ingest.nlp.doctext import doc_text
from ingest.sentences import split_sentences

_INFIXES = [r"(?<=[^\s(\[])[(\[](?=\w)", r"(?<=\w)[)\]](?=\w)"]
# before spaCy's own infixes, so "<sup>" is not split at its "<"
_MARKER_INFIXES = [
    r"</?sup>",  # a citation marker glued to its word
    r"(?<=\w)[.,;:](?=<sup>|\[\d)",  # the full stop before such a marker
]
_PREFIXES = [r"<sup>"]
_SUFFIXES = [r"</sup>"]


@registry.callbacks("casebook.clinical_tokenizer.v1")
def clinical_tokenizer():
    def apply(nlp: Language) -> Language:
        tokenizer: Tokenizer = nlp.tokenizer  # spaCy's own, here
        infixes = _MARKER_INFIXES + list(nlp.Defaults.infixes or []) + _INFIXES
        tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        prefixes = _PREFIXES + list(nlp.Defaults.prefixes or [])
        tokenizer.prefix_search = compile_prefix_regex(prefixes).search
        suffixes = _SUFFIXES + list(nlp.Defaults.suffixes or [])
        tokenizer.suffix_search = compile_suffix_regex(suffixes).search
        return nlp

    return apply


@Language.component("casebook_sentences")
def sentences(doc: Doc) -> Doc:
    """Set every boundary in one array write: per-token ``is_sent_start`` re-checks the whole
    doc each time, which made long abstracts quadratic. The tokens' offsets come as one array
    (``to_array``), not a ``Token`` object each."""
    if not len(doc):
        return doc
    starts = numpy.fromiter((start for start, _ in split_sentences(doc_text(doc))), dtype="int64")
    offsets = doc.to_array(IDX).astype("int64")
    flags = numpy.where(numpy.isin(offsets, starts), 1, -1).astype("int64")
    flags[0] = 1
    # spaCy keeps attributes as uint64: -1 ("not a start") is stored wrapped
    doc.from_array([SENT_START], flags.view("uint64").reshape(-1, 1))  # type: ignore[arg-type]
    return doc
