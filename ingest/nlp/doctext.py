"""A ``Doc``'s text, joined once per document.

spaCy's ``Doc.text`` is not stored: every call builds a ``Token`` per token and joins their
texts, ~1 ms for an abstract. The sentence splitter, the merge, the linker and the mention
reader each need the whole text, so it is kept in ``doc.user_data`` on first use. A ``Doc``'s
text never changes (retokenising merges or splits tokens, not characters), so the cached value
stays right; a copy of the doc carries it along with the rest of ``user_data``.
"""

from __future__ import annotations

from spacy.tokens import Doc

TEXT = "casebook_text"
"""``doc.user_data`` key of the joined text."""


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed at most once per document."""
    text = doc.user_data.get(TEXT)
    if not isinstance(text, str):
        text = doc.text
        doc.user_data[TEXT] = text
    return text
