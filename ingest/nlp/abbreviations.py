"""Abbreviations defined in the text ("low molecular weight heparin (LMWH)") carry the entity of
their long form to every later mention of the short form ("LMWH-induced" → the same concept).

The shipped table of common clinical abbreviations (data/vocab/abbreviations.tsv) is applied
earlier, when the entity patterns are built (``entities.term_variants``).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans


def definitions(doc: Doc) -> dict[str, Span]:
    """Short form → the entity it abbreviates: an entity followed by '(' SHORT ')'."""
    return {short: ent for short, (ent, _) in _definitions(doc).items()}


def _definitions(doc: Doc) -> dict[str, tuple[Span, int]]:
    """Short form → (the entity it abbreviates, index of the token after its closing ')')."""
    found: dict[str, tuple[Span, int]] = {}
    by_end = {ent.end: ent for ent in doc.ents}
    for token in doc[:-2]:
        if token.text != "(" or doc[token.i + 2].text != ")":
            continue
        short = doc[token.i + 1].text
        ent = by_end.get(token.i)
        if ent is None or not (2 <= len(short) <= 10) or not short[0].isupper():
            continue
        initials = "".join(w.text[0].lower() for w in ent if w.is_alpha)
        if short[0].lower() == initials[:1] and set(short.lower()) <= set(ent.text.lower()):
            found.setdefault(short, (ent, token.i + 3))
    return found


@Language.component("casebook_abbreviations")
def apply_abbreviations(doc: Doc) -> Doc:
    defined = _definitions(doc)
    if not defined:
        return doc
    new = []
    for token in doc:
        ent, after = defined.get(token.text, (None, 0))
        # only later mentions: the short form inside its own parentheses is the long form's
        if ent is not None and token.i >= after and token.ent_iob_ == "O":
            span = Span(doc, token.i, token.i + 1, label=ent.label_, span_id=ent.id_)
            span._.value = ent._.value
            new.append(span)
    doc.ents = filter_spans(list(doc.ents) + new)
    return doc
