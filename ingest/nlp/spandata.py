"""Span extension values read straight from ``doc.user_data``, as ``Underscore`` reads them.

Each ``ent._.name`` builds an ``Underscore`` object and looks the extension up again; the
mention reader reads seven values of every entity of every document. spaCy keeps a plain span
extension (no getter, method or setter) at ``doc.user_data[("._.", name, start_char,
end_char)]`` and otherwise answers its default, which is what ``values`` does. When any of the
names is not plain (someone registered a getter) or has a mutable default (which ``Underscore``
copies and stores on first read), it falls back to ``ent._``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spacy.tokens import Doc, Span


def plain_defaults(names: Sequence[str]) -> tuple[Any, ...] | None:
    """The defaults of the named span extensions when all are plain stored values, else None.
    Read once per document: an extension may be registered or replaced between documents."""
    defaults = []
    for name in names:
        if not Span.has_extension(name):
            return None
        default, method, getter, setter = Span.get_extension(name)
        if method is not None or getter is not None or setter is not None:
            return None
        if isinstance(default, (list, dict, set)):
            return None
        defaults.append(default)
    return tuple(defaults)


def values(
    doc: Doc, ent: Span, names: Sequence[str], defaults: tuple[Any, ...] | None
) -> tuple[Any, ...]:
    """``ent._.<name>`` for each name; ``defaults``: ``plain_defaults(names)``."""
    if defaults is None:
        attrs = ent._
        return tuple(getattr(attrs, name) for name in names)
    data: dict[Any, Any] = doc.user_data  # keys are spaCy's (namespace, name, start, end)
    start, end = ent.start_char, ent.end_char
    return tuple(
        data.get(("._.", name, start, end), default)
        for name, default in zip(names, defaults, strict=True)
    )
