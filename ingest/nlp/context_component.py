"""``casebook_context``: the spaCy wrapper of ``ingest.nlp.context`` — it finds the rules' cues
with one ``PhraseMatcher`` pass, hands token offsets to the pure algorithm and writes each
entity's ``assertion`` and ``assertion_cue``. Extensions are registered when it is built, not at
import time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from spacy.attrs import IS_PUNCT, ORTH, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ingest.nlp.context import Cue, assign_assertions
from ingest.nlp.context_rules import (
    ContextRule,
    ContextRuleError,
    expand_literal,
    label_union,
    load_rules,
    may_share,
)


class ContextComponent:
    """spaCy component: sets ``ent._.assertion`` and ``ent._.assertion_cue`` on ``doc.ents``.

    Needs sentence boundaries (a parser, senter or sentencizer earlier in the pipeline).
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "casebook_context",
        rules_path: str | Path | None = None,
        rules: Sequence[ContextRule] | None = None,
    ) -> None:
        self.name = name
        if rules is None:
            rules = load_rules(Path(rules_path) if rules_path else None)
        self.rules = list(rules)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._rule_of: dict[int, ContextRule] = {}
        tokenized: dict[tuple[str, ...], tuple[str, frozenset[str] | None]] = {}
        for index, rule in enumerate(self.rules):
            key = f"{name}:{index}"
            patterns = [nlp.make_doc(variant) for variant in expand_literal(rule.literal)]
            for pattern in patterns:
                _claim(tokenized, tuple(token.lower_ for token in pattern), rule)
            self.matcher.add(key, patterns)
            self._rule_of[nlp.vocab.strings[key]] = rule
        for attr, default in (("assertion", "present"), ("assertion_cue", None)):
            if not Span.has_extension(attr):
                Span.set_extension(attr, default=default)
        self._direct = _writes_user_data_directly(nlp)

    def __call__(self, doc: Doc) -> Doc:
        ents = doc.ents
        if not ents:
            return doc
        sentences = _sentences(doc, self.name)
        cues = [Cue(start, end, self._rule_of[key]) for key, start, end in self.matcher(doc)]
        statuses = (
            assign_assertions(
                [(ent.start, ent.end) for ent in ents],
                sentences,
                cues,
                _Punctuation(doc),
                [ent.label_ for ent in ents],
                _Commas(doc),
                _Glued(doc),
            )
            if cues
            else [("present", None)] * len(ents)
        )
        cue_text: dict[tuple[int, int], str] = {}
        values: list[tuple[str, str | None]] = []
        for assertion, cue in statuses:
            if cue is None:
                values.append((assertion, None))
                continue
            where = (cue.start, cue.end)
            if where not in cue_text:
                cue_text[where] = _text(doc, cue.start, cue.end)
            values.append((assertion, cue_text[where]))
        if self._direct:
            data: dict = doc.user_data  # keys are spaCy's (namespace, name, start, end) tuples
            for ent, (assertion, cue_string) in zip(ents, values, strict=True):
                start, end = ent.start_char, ent.end_char
                data[("._.", "assertion", start, end)] = assertion
                data[("._.", "assertion_cue", start, end)] = cue_string
        else:
            for ent, (assertion, cue_string) in zip(ents, values, strict=True):
                ent._.assertion = assertion
                ent._.assertion_cue = cue_string
        return doc


def _claim(
    tokenized: dict[tuple[str, ...], tuple[str, frozenset[str] | None]],
    words: tuple[str, ...],
    rule: ContextRule,
) -> None:
    """Record that ``rule`` matches ``words``; two rules may match the same words only if they
    share a literal for disjoint labels, since otherwise which one a cue means is arbitrary."""
    if not words:
        raise ContextRuleError(f"literal {rule.literal!r} has no tokens")
    if words not in tokenized:
        tokenized[words] = (rule.literal, rule.labels)
        return
    literal, labels = tokenized[words]
    if literal != rule.literal:
        raise ContextRuleError(f"literals {literal!r} and {rule.literal!r} tokenize the same")
    if not may_share(labels, rule.labels):
        raise ContextRuleError(f"literal {literal!r} recurs for the same labels")
    tokenized[words] = (literal, label_union(labels, rule.labels))


def _text(doc: Doc, start: int, end: int) -> str:
    """The text of tokens ``[start, end)``, without building a Span (the cue is a few tokens)."""
    return "".join([doc[i].text_with_ws for i in range(start, end - 1)]) + doc[end - 1].text


def _writes_user_data_directly(nlp: Language) -> bool:
    """Whether span extension values live at ``doc.user_data[("._.", name, start, end)]``.

    Setting ``ent._.x`` builds an Underscore object per call, which cost more than the whole
    scope walk; spaCy has kept values under that key since v2, but we probe rather than assume,
    and fall back to ``ent._`` if the layout (or someone's getter/setter) differs.
    """
    probe = Doc(nlp.vocab, words=["a", "b"])
    span = probe[1:2]
    try:
        span._.assertion = "probe"
        span._.assertion_cue = "probe"
    except Exception:
        return False
    data: dict = probe.user_data
    return all(
        data.get(("._.", attr, span.start_char, span.end_char)) == "probe"
        for attr in ("assertion", "assertion_cue")
    )


class _Punctuation:
    """``i in`` tells whether token ``i`` is punctuation; the array is read on first use (rare)."""

    __slots__ = ("doc", "flags")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.flags: list[int] | None = None

    def __contains__(self, index: object) -> bool:
        if self.flags is None:
            self.flags = self.doc.to_array(IS_PUNCT).tolist()
        return isinstance(index, int) and bool(self.flags[index])


class _Commas:
    """``i in`` tells whether token ``i`` is a comma; read on first use (at a ", and" cue)."""

    __slots__ = ("commas", "doc")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.commas: set[int] | None = None

    def __contains__(self, index: object) -> bool:
        if self.commas is None:
            orth = self.doc.vocab.strings[","]
            self.commas = set((self.doc.to_array(ORTH) == orth).nonzero()[0].tolist())
        return index in self.commas


class _Glued:
    """``i in`` tells whether token ``i`` has no whitespace after it (read lazily: rare)."""

    __slots__ = ("doc",)

    def __init__(self, doc: Doc) -> None:
        self.doc = doc

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and not self.doc[index].whitespace_


def _sentences(doc: Doc, name: str) -> list[tuple[int, int]]:
    """Sentence token offsets, read from the SENT_START array: ``doc.sents`` builds a Span each."""
    if "sents" in doc.user_hooks:
        return [(sent.start, sent.end) for sent in doc.sents]
    flags = doc.to_array(SENT_START).astype("int64")  # 1 start, -1 inside, 0 unknown
    if len(doc) > 1 and not flags[1:].any():
        raise ValueError(
            f"{name} needs sentence boundaries: add a 'sentencizer', 'senter' or 'parser' "
            "before it in the pipeline"
        )
    starts = [0, *(int(i) for i in (flags[1:] == 1).nonzero()[0] + 1)]
    return list(zip(starts, [*starts[1:], len(doc)], strict=True))


@Language.factory("casebook_context", default_config={"rules_path": None})
def make_context(nlp: Language, name: str, rules_path: str | None) -> ContextComponent:
    """The ``casebook_context`` pipe; ``rules_path`` None means the shipped rules."""
    return ContextComponent(nlp, name, rules_path=rules_path)
