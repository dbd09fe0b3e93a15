"""PubTator files (BC5CDR, NCBI disease) → ``AnnotatedText``s, so training never reads the format.

A document is its title and abstract joined by one space (the files' offsets index exactly that),
its mentions mapped to the model's labels, and, for BC5CDR, its chemical-induced-disease pairs.
A made-up sample of the layout (tabs shown as ``⇥``; a blank line ends a document)::

    123|t|Drugol causes a rash.
    123|a|A patient given drugol had a rash and fever.
    123⇥0⇥6⇥Drugol⇥Chemical⇥D000001
    123⇥16⇥20⇥rash⇥Disease⇥D000002
    123⇥CID⇥D000001⇥D000002

NCBI disease has the same layout, with SpecificDisease, DiseaseClass, Modifier and
CompositeMention as types (all DISEASE here) and ids that may be ``OMIM:…`` or ``A|B``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from ingest.nlp.train.corpus import AnnotatedText, Annotation

_TEXT_LINE = re.compile(r"([^|\t]+)\|([ta])\|")
LABELS = {
    "Chemical": "CHEMICAL",
    "Disease": "DISEASE",
    "SpecificDisease": "DISEASE",
    "DiseaseClass": "DISEASE",
    "Modifier": "DISEASE",
    "CompositeMention": "DISEASE",
}
CORPUS_LABELS = {
    "bc5cdr": frozenset({"CHEMICAL", "DISEASE"}),
    "ncbi-disease": frozenset({"DISEASE"}),
}
FILES = {
    "bc5cdr": ("bc5cdr", ("CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt")),
    "ncbi-disease": ("ncbi-disease", ("NCBItrainset_corpus.txt", "NCBIdevelopset_corpus.txt")),
}


class PubTatorError(ValueError):
    """A line that does not fit the format, or a mention whose text is not at its offsets."""


def normalise_ids(field: str) -> tuple[str, ...]:
    """``"D001|D002"`` → ``("mesh:D001", "mesh:D002")``; ``"OMIM:123"`` → ``("omim:123",)``;
    ``"-1"`` or empty → ``()``. NCBI also joins alternatives with ``+`` and ``,``."""
    out: list[str] = []
    for part in field.replace("+", "|").replace(",", "|").split("|"):
        part = part.strip()
        if not part or part == "-1":
            continue
        prefix, sep, local = part.partition(":")
        if sep:
            out.append(f"{prefix.lower()}:{local}")
        else:
            out.append(f"mesh:{part}")
    return tuple(dict.fromkeys(out))


def blocks(lines: Iterable[str]) -> Iterator[list[str]]:
    """Group lines into documents (blank-line separated)."""
    block: list[str] = []
    for line in lines:
        line = line.rstrip("\r\n")
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def checked(text: str, mention: Annotation, said: str, where: str) -> Annotation:
    """``mention`` if its text is at its offsets; trailing blanks the file's mention text has
    and the document has not (one NCBI mention) are trimmed; any other mismatch is an error."""
    if text[mention.start : mention.end] == said:
        return mention
    core = said.rstrip()
    end = mention.start + len(core)
    if core and text[mention.start : end] == core:
        return replace(mention, end=end)
    raise PubTatorError(f"{where}: {said!r} is not at {mention.start}:{mention.end}")


def parse_document(block: list[str], corpus: str) -> AnnotatedText:
    """One document's lines → an ``AnnotatedText``; checks every mention against the text."""
    title = abstract = None
    pmid = ""
    mentions: list[tuple[Annotation, str]] = []
    pairs: list[tuple[str, str, str]] = []
    for line in block:
        if head := _TEXT_LINE.match(line):
            pmid, kind, body = head[1], head[2], line[head.end() :]
            if kind == "t":
                title = body
            else:
                abstract = body
            continue
        cols = line.split("\t")
        if len(cols) >= 4 and cols[1] == "CID":
            chemical, disease = normalise_ids(cols[2])[:1], normalise_ids(cols[3])[:1]
            if chemical and disease:
                pairs.append(("CID", chemical[0], disease[0]))
            continue
        if len(cols) < 5:
            raise PubTatorError(f"{corpus} {cols[0]}: unreadable line {line[:60]!r}")
        label = LABELS.get(cols[4])
        if label is None:
            raise PubTatorError(f"{corpus} {cols[0]}: unknown type {cols[4]!r}")
        ids = normalise_ids(cols[5]) if len(cols) > 5 else ()
        mentions.append((Annotation(int(cols[1]), int(cols[2]), label, ids), cols[3]))
    if title is None or abstract is None:
        raise PubTatorError(f"{corpus} {pmid}: title or abstract line missing")
    text = f"{title} {abstract}"
    return AnnotatedText(
        corpus=corpus,
        id=pmid,
        text=text,
        annotations=tuple(checked(text, m, said, f"{corpus} {pmid}") for m, said in mentions),
        labels=CORPUS_LABELS[corpus],
        pairs=tuple(p for p in pairs if len(p) == 3),
    )


def parse(text: str, corpus: str) -> list[AnnotatedText]:
    """A whole PubTator file's text → its documents, in file order."""
    if corpus not in CORPUS_LABELS:
        raise ValueError(f"not a PubTator corpus: {corpus!r}")
    return [parse_document(b, corpus) for b in blocks(text.split("\n"))]


def read_corpus(corpora: Path, corpus: str) -> list[AnnotatedText]:
    """The training and development files of ``corpus`` pooled (``split.py`` re-splits them)."""
    folder, names = FILES[corpus]
    docs: list[AnnotatedText] = []
    for name in names:
        docs.extend(parse((corpora / folder / name).read_text(encoding="utf-8"), corpus))
    return docs
