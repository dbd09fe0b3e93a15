"""MACCROBAT's brat standoff (``PMID.txt`` + ``PMID.ann``) → ``AnnotatedText``s.

A pure reader: every annotation type is kept (label = the brat type uppercased, e.g.
"SIGN_SYMPTOM", "LAB_VALUE", "AGE"), with POLARITY NEG as ``negated`` and the relations as
annotation indices, so the training step chooses the labels it learns and later steps (negation,
CAUSE relations) read the same records. A span whose text differs from the ``.txt`` slice is an
error, not a silent shift.

The format (a made-up sample, not corpus text)::

    T1<TAB>Sign_symptom 10 15<TAB>cough
    E1<TAB>Sign_symptom:T1
    T2<TAB>Disease_disorder 20 28;33 39<TAB>acute on kidney
    E2<TAB>Disease_disorder:T2
    A1<TAB>POLARITY E1 NEG
    R1<TAB>CAUSE Arg1:E2 Arg2:E1
    *<TAB>OVERLAP E1 E2
    #1<TAB>AnnotatorNotes T1<TAB>a free-text note

Decisions:

- A discontinuous span (``start end;start end``) becomes the hull of its fragments when the gaps
  hold only whitespace and hyphens/dashes ("H." + "pylori"), else its first fragment (the
  gap holds other words: "left ventricular [and global] dysfunction"). About 30 in the corpus.
- ``E`` lines only map an event id to its trigger ``T``; ``A`` lines may name either.
- ``R`` lines give (kind, arg1, arg2); a ``*<TAB>OVERLAP a b c`` set becomes the chain of pairs
  (a, b), (b, c). Relations naming an unknown id are dropped with a warning.
- ``#`` notes are ignored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from ingest.nlp.train.corpus import AnnotatedText, Annotation

log = logging.getLogger(__name__)

CORPUS = "maccrobat"
_JOINABLE_GAP = re.compile(r"[\s\-\u2010-\u2015]*")


@dataclass(frozen=True)
class _Entity:
    id: str
    label: str
    start: int
    end: int


def label_of(brat_type: str) -> str:
    """The model's label for a brat type: ``Sign_symptom`` → ``SIGN_SYMPTOM``."""
    return brat_type.upper()


def parse_fragments(offsets: str) -> list[tuple[int, int]]:
    """``"3 8;12 20"`` → ``[(3, 8), (12, 20)]``."""
    pieces = (piece.split() for piece in offsets.split(";"))
    return [(int(start), int(end)) for start, end in pieces]


def resolve_span(text: str, fragments: list[tuple[int, int]]) -> tuple[int, int]:
    """One ``[start, end)`` for possibly discontinuous fragments (see the module docstring)."""
    fragments = sorted(fragments)
    gaps = (text[a_end:b_start] for (_, a_end), (b_start, _) in pairwise(fragments))
    if all(_JOINABLE_GAP.fullmatch(gap) for gap in gaps):
        return fragments[0][0], fragments[-1][1]
    return fragments[0]


def _check_text(doc_id: str, text: str, fragments: list[tuple[int, int]], surface: str) -> None:
    sliced = " ".join(text[start:end] for start, end in fragments)
    if sliced != surface:
        raise ValueError(f"{doc_id}: span {fragments} is {sliced!r} in the text, not {surface!r}")


def _parse_entity(doc_id: str, text: str, line: str) -> _Entity:
    tid, head, surface = line.split("\t")[:3]  # brat may append stray fields after a tab
    brat_type, offsets = head.split(" ", 1)
    fragments = parse_fragments(offsets)
    _check_text(doc_id, text, fragments, surface.rstrip("\r"))
    start, end = resolve_span(text, fragments)
    return _Entity(tid, label_of(brat_type), start, end)


def _parse_relation(line: str) -> tuple[str, str, str]:
    """``R1\\tCAUSE Arg1:E2 Arg2:E1`` → ``("CAUSE", "E2", "E1")``."""
    kind, *args = line.split("\t")[1].split()
    named = dict(arg.split(":", 1) for arg in args)
    return kind, named["Arg1"], named["Arg2"]


def _parse_set(line: str) -> list[tuple[str, str, str]]:
    """``*\\tOVERLAP E1 E2 E3`` → the chain ``[(OVERLAP, E1, E2), (OVERLAP, E2, E3)]``."""
    kind, *members = line.split("\t")[1].split()
    return [(kind, a, b) for a, b in pairwise(members)]


def read_document(
    doc_id: str, text: str, ann: str, labels: frozenset[str] | None = None
) -> AnnotatedText:
    """One report from its text and its ``.ann`` content (no file access)."""
    entities: list[_Entity] = []
    events: dict[str, str] = {}  # E id -> T id
    negated_ids: set[str] = set()
    raw_relations: list[tuple[str, str, str]] = []
    for line in ann.split("\n"):  # not splitlines(): it also breaks at U+2028, U+0085
        if not line.strip():
            continue
        tag = line[0]
        if tag == "T":
            entities.append(_parse_entity(doc_id, text, line))
        elif tag == "E":
            eid, trigger = line.split("\t")[:2]
            events[eid] = trigger.split()[0].split(":", 1)[1]
        elif tag == "A":
            attribute, target, *value = line.split("\t")[1].split()
            if attribute == "POLARITY" and value == ["NEG"]:
                negated_ids.add(target)
        elif tag == "R":
            raw_relations.append(_parse_relation(line))
        elif tag == "*":
            raw_relations.extend(_parse_set(line))
    negated_t = {events.get(x, x) for x in negated_ids}
    index = {e.id: i for i, e in enumerate(entities)}
    annotations = tuple(
        Annotation(e.start, e.end, e.label, negated=e.id in negated_t) for e in entities
    )
    relations = []
    for kind, arg1, arg2 in raw_relations:
        i, j = index.get(events.get(arg1, arg1)), index.get(events.get(arg2, arg2))
        if i is None or j is None:
            log.warning("%s: %s relation over unknown ids %s, %s dropped", doc_id, kind, arg1, arg2)
            continue
        relations.append((kind, i, j))
    return AnnotatedText(
        corpus=CORPUS,
        id=doc_id,
        text=text,
        annotations=annotations,
        labels=labels if labels is not None else frozenset(a.label for a in annotations),
        relations=tuple(relations),
    )


def read_maccrobat(directory: Path) -> list[AnnotatedText]:
    """Every ``PMID.txt``/``PMID.ann`` pair in ``directory``, in PMID order.

    ``labels`` is the union of the types the corpus uses: a type absent from one report is
    absent there, not unannotated.
    """
    pairs = []
    for ann_path in sorted(Path(directory).glob("*.ann")):
        # bytes, not read_text: universal newlines would shift the offsets of a CRLF file
        text = ann_path.with_suffix(".txt").read_bytes().decode("utf-8")
        pairs.append((ann_path.stem, text, ann_path.read_bytes().decode("utf-8")))
    docs = [read_document(doc_id, text, ann) for doc_id, text, ann in pairs]
    labels = frozenset().union(*(d.labels for d in docs))
    out = [AnnotatedText(d.corpus, d.id, d.text, d.annotations, labels, d.relations) for d in docs]
    log.info("%d MACCROBAT reports, %d annotations", len(out), sum(len(d.annotations) for d in out))
    return out


# --- what the case model trains on --------------------------------------------------------------

CASE_LABELS = (
    "DISEASE_DISORDER",
    "SIGN_SYMPTOM",
    "MEDICATION",
    "THERAPEUTIC_PROCEDURE",
    "DIAGNOSTIC_PROCEDURE",
    "BIOLOGICAL_STRUCTURE",
)
"""The labels ``ner_cases`` learns, in the priority overlaps are resolved by. OUTCOME is left
out: 33 mentions in 160 reports (20 in the train side) are too few to learn."""


def resolve_overlaps(
    annotations: tuple[Annotation, ...], priority: tuple[str, ...] = CASE_LABELS
) -> tuple[Annotation, ...]:
    """The annotations of ``priority``'s labels with no two overlapping: of overlapping spans the
    one whose label comes first wins, then the longer (about 30 in the corpus)."""
    ranked = sorted(
        (a for a in annotations if a.label in priority),
        key=lambda a: (priority.index(a.label), a.start - a.end, a.start),
    )
    kept: list[Annotation] = []
    for a in ranked:
        if all(a.end <= k.start or a.start >= k.end for k in kept):
            kept.append(a)
    return tuple(sorted(kept, key=lambda a: a.start))


def by_sentence(
    text: AnnotatedText, sentences: list[tuple[int, int]], priority: tuple[str, ...] = CASE_LABELS
) -> list[AnnotatedText]:
    """``text`` cut at ``sentences`` (character ranges), each with its own annotations (overlaps
    resolved, offsets shifted; relations dropped). Sentence-sized training docs trained a better
    case model than whole reports on the dev split. A span crossing a boundary is dropped."""
    kept = resolve_overlaps(text.annotations, priority)
    return [
        AnnotatedText(
            text.corpus,
            text.id,
            text.text[start:end],
            tuple(
                Annotation(a.start - start, a.end - start, a.label, a.ids, a.negated)
                for a in kept
                if start <= a.start and a.end <= end
            ),
            text.labels,
        )
        for start, end in sentences
    ]
