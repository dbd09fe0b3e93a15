"""Extraction output of a fixed set of real dev documents as JSON Lines, to compare two versions
of the code byte for byte (a speed-up must not change what is extracted).

    .venv/bin/python benchmarks/extraction_identity.py OUT.jsonl [--bc5cdr 200] [--maccrobat 10]

Writes, in order: ``extract_many()`` over the first N BC5CDR dev abstracts (title and abstract
as two sections, batches of 32), then ``kb extract``'s path (``read_seed`` + ``extract_all``,
one document at a time) over the same abstracts' texts and the first M MACCROBAT dev reports.
The output holds corpus text (evidence sentences): write it outside the repository (e.g. /tmp)
and compare with ``cmp``. Prints the record count and SHA-256 only.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from ingest.nlp.extract import TextDocument, extract_many
from ingest.nlp.pipeline import shared_nlp
from ingest.nlp.run import extract_all
from ingest.nlp.train.brat import read_maccrobat
from ingest.nlp.train.split import side
from ingest.seed.document import read_seed
from kb.jsonl import dumps_jsonl
from kb.records import Extraction
from kb.vocab import shared_vocabulary

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def bc5cdr_dev(corpora: Path, n: int) -> list[TextDocument]:
    """The first ``n`` BC5CDR dev-side abstracts (``split.py``), as PubMed documents."""
    titles: dict[str, str] = {}
    abstracts: dict[str, str] = {}
    for path in sorted((corpora / "bc5cdr").glob("*.PubTator.txt")):
        for line in path.read_text("utf-8").splitlines():
            parts = line.split("|", 2)
            if len(parts) == 3 and parts[1] in ("t", "a"):
                (titles if parts[1] == "t" else abstracts)[parts[0]] = parts[2]
    ids = list(titles)
    docs = []
    for pmid in ids:
        if side(pmid, "bc5cdr", ids) != "dev":
            continue
        title, body = titles[pmid], abstracts.get(pmid, "")
        text = f"{title}\n\n{body}"
        sections = (
            ("title", "Title", 0, len(title)),
            ("abstract", "Abstract", len(title) + 2, len(text)),
        )
        docs.append(TextDocument(f"pmid:{pmid}", title, text, sections, abstract=True))
    return docs[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--bc5cdr", type=int, default=200)
    parser.add_argument("--maccrobat", type=int, default=10)
    args = parser.parse_args()

    vocab = shared_vocabulary()
    labels = {c.id: c.label for c in vocab.concepts.values()}

    def broader(concept: str) -> list[str]:
        return [c.id for c in vocab.ancestors(concept)] if concept in vocab.concepts else []

    abstracts = bc5cdr_dev(args.corpora, args.bc5cdr)
    out: list[Extraction] = list(extract_many(shared_nlp(), abstracts, labels, broader))
    reports = read_maccrobat(args.corpora / "maccrobat")
    ids = [r.id for r in reports]
    dev = [r for r in reports if side(r.id, "maccrobat", ids) == "dev"][: args.maccrobat]
    texts = [d.text for d in abstracts] + [r.text for r in dev]
    for text in texts:
        out.extend(extract_all(read_seed(text, source="dev"), text, [], [], []))
    data = dumps_jsonl(out)
    args.out.write_bytes(data)
    print(f"{len(out)} extractions, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
