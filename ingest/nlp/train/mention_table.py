"""Build the lexicon's corpus table (``data/vocab/lexicon/mentions.tsv.gz``): the MeSH id that
the annotators of BC5CDR and NCBI disease gave a mention the vocabularies cannot ground, from
their train sides only.

    python -m ingest.nlp.train.mention_table [--corpora ../shared/corpora] [--out FILE]

MeSH entry terms miss many words abstracts use for a disease ("nephrotoxicity", "renal
injury", "cardiotoxicity"); the annotators linked them. For each train-side mention with one
MeSH id, keyed as the lexicon keys a span (``normalize_key`` of the abbreviation's expansion
when the abstract defines one, else of the span), the id given most often wins when it is at
least half of that key's mentions. Kept only where the lexicon itself has no whole-span MeSH
grounding (``Lexicon.needs_table``: none, or a head-word or adjective match), keys of three
characters or more (a two-letter form is an abstract's own abbreviation more often than not),
and ids the lexicon can name: the table fills gaps, it never overrides a vocabulary's term, so
BC5CDR's drug-context convention ("hepatitis" filed as drug-induced liver injury) stays out.

Chosen on the train sides alone: built from one half of them and measured on the other (halves
by PMID hash), the top MeSH id was right for 0.707 → 0.796 and 0.695 → 0.778 of BC5CDR's
disease mentions (chemicals 0.860 → 0.861 and 0.847 → 0.848) and 0.695 → 0.737 and 0.679 →
0.724 of NCBI disease's (BC5CDR's mentions alone: 0.698 and 0.681). Each line:
``key<TAB>curie,category,C`` (sorted, gzip without a timestamp: byte-stable). The mention
strings are vocabulary terms with the identifiers the corpora assign (both public domain: Li J.
et al., Database 2016; Doğan R.I. et al., J Biomed Inform 2014); no text ships.
"""

from __future__ import annotations

import argparse
import gzip
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from ingest.nlp.lexicon import Lexicon, load_lexicon, normalize_key
from ingest.nlp.shortforms import find_abbreviations
from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.pubtator import read_corpus
from ingest.nlp.train.split import side

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[3]
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_OUT = REPO / "data" / "vocab" / "lexicon" / "mentions.tsv.gz"
CATEGORY = {"CHEMICAL": "chemical", "DISEASE": "disease"}
MIN_KEY = 3
MIN_SHARE = 0.5


def mention_ids(texts: Iterable[AnnotatedText]) -> dict[tuple[str, str], Counter[str]]:
    """(key, category) → how often each MeSH id was given to it, over train-side abstracts
    (OMIM ids, which NCBI disease gives some mentions, are left out: the lexicon has none)."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for text in texts:
        if side(text.id, text.corpus) != "train":
            continue
        defined = find_abbreviations(text.text)
        for a in text.annotations:
            ids = [i for i in a.ids if i.startswith("mesh:")]
            if a.label not in CATEGORY or len(ids) != 1:
                continue
            span = text.text[a.start : a.end]
            key = normalize_key(defined.get(span) or span)
            if len(key) >= MIN_KEY:
                counts[(key, CATEGORY[a.label])][ids[0]] += 1
    return counts


def table_lines(counts: dict[tuple[str, str], Counter[str]], lexicon: Lexicon) -> list[str]:
    """The table's lines, sorted as the lexicon's index files are (by key)."""
    best: dict[str, list[str]] = defaultdict(list)
    for (key, category), ids in sorted(counts.items()):
        curie, n = min(ids.items(), key=lambda item: (-item[1], item[0]))
        if n / sum(ids.values()) < MIN_SHARE or not lexicon.needs_table(key, category):
            continue
        known = lexicon.category_of(curie)
        if known is None:
            continue
        best[key].append(f"{curie},{known},C")
    return [f"{key}\t{';'.join(entries)}" for key, entries in sorted(best.items())]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    lexicon = load_lexicon.__wrapped__(args.out.parent)  # the lexicon beside it, as it ships
    texts = [*read_corpus(args.corpora, "bc5cdr"), *read_corpus(args.corpora, "ncbi-disease")]
    lines = table_lines(mention_ids(texts), lexicon)
    text = "".join(line + "\n" for line in lines)
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    log.info("wrote %d keys to %s", len(lines), args.out)


if __name__ == "__main__":
    main()
