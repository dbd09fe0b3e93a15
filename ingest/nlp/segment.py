"""Tokenizer and sentence boundaries for clinical prose.

The tokenizer learns to split "disease(CKD)" and "intravenous(IV)" (PDF text loses the space),
and splits inline citation markers off the word they follow ("tender.<sup>3</sup>",
"tenderness<sup>3</sup>", "tender.[3]"), which would otherwise hide "tender" in one token;
sentences come from ``ingest.sentences.split_sentences`` — the same rules the seed reader uses —
so "Fig. 2", "e.g.", "3.5 months" and markers after a full stop never split a sentence.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import (
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
    registry,
)

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
        infixes = _MARKER_INFIXES + list(nlp.Defaults.infixes or []) + _INFIXES
        nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        prefixes = _PREFIXES + list(nlp.Defaults.prefixes or [])
        nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search
        suffixes = _SUFFIXES + list(nlp.Defaults.suffixes or [])
        nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
        return nlp

    return apply


@Language.component("casebook_sentences")
def sentences(doc: Doc) -> Doc:
    starts = {start for start, _ in split_sentences(doc.text)}
    for token in doc:
        token.is_sent_start = token.i == 0 or token.idx in starts
    return doc
