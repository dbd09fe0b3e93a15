"""Entity quality on the dev side of the project's split (never the corpora's test sets).

    .venv/bin/python benchmarks/extraction_dev.py [--corpora ../shared/corpora] [--limit N]

Runs the whole product extraction — what ``kb extract`` does with a text file — on each dev
document (BC5CDR and NCBI disease: title + " " + abstract, as their offsets count; MACCROBAT:
the report), and prints per group precision, recall and F1 for exact spans and for overlapping
spans (``ingest/nlp/train/score.py`` says how categories meet each corpus's labels). The split
is ``ingest/nlp/train/split.py``; the models were trained on the other side only. Targets
(issue 13, measured again by the team on held-out test texts): BC5CDR Chemical F1 >= 0.85,
Disease F1 >= 0.80 (exact); MACCROBAT recall >= 0.60 diseases+signs, >= 0.70 medications,
>= 0.50 therapeutic procedures, >= 0.55 diagnostic tests, each with precision >= 0.75.
Prints figures only.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ingest.nlp.run import extract_all
from ingest.nlp.train.brat import read_maccrobat
from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.pubtator import read_corpus
from ingest.nlp.train.score import GroupScore, score_document
from ingest.nlp.train.split import side
from ingest.seed.document import read_seed

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def dev_documents(corpora: Path, corpus: str) -> list[AnnotatedText]:
    if corpus == "maccrobat":
        texts = read_maccrobat(corpora / "maccrobat")
    else:
        texts = read_corpus(corpora, corpus)
    ids = [t.id for t in texts]
    return [t for t in texts if side(t.id, corpus, ids) == "dev"]


def predicted_spans(text: str, nlp_config: Path | None = None) -> list[tuple[int, int, str]]:
    """(start, end, category) of every text finding, as ``kb extract`` gives them."""
    seed = read_seed(text, source="dev")
    out = set()
    for e in extract_all(seed, text, [], [], [], nlp_config=nlp_config):
        for f in e.findings:
            if f.evidence.method == "text" and f.category:
                out.add((f.evidence.span_start, f.evidence.span_end, f.category))
    return sorted(out)


def evaluate(
    corpus: str, documents: list[AnnotatedText], nlp_config: Path | None = None
) -> tuple[dict[str, GroupScore], float]:
    scores: dict[str, GroupScore] = {}
    started = time.perf_counter()
    for doc in documents:
        gold = [(a.start, a.end, a.label) for a in doc.annotations]
        score_document(corpus, gold, predicted_spans(doc.text, nlp_config), scores)
    return scores, time.perf_counter() - started


def report(corpus: str, n: int, scores: dict[str, GroupScore], seconds: float) -> None:
    print(f"\n{corpus}: {n} dev documents, {n / seconds:.1f} documents/s (whole extraction)")
    print(f"  {'group':<22} {'gold':>5}  exact P / R / F1        overlap P / R / F1")
    for group, s in scores.items():
        e, o = s.exact, s.overlap
        print(
            f"  {group:<22} {e.gold:>5}  {e.precision:.3f} / {e.recall:.3f} / {e.f1:.3f}"
            f"     {o.precision:.3f} / {o.recall:.3f} / {o.f1:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--limit", type=int, default=None, help="first N dev documents of each")
    parser.add_argument("--only", choices=["bc5cdr", "ncbi-disease", "maccrobat"], default=None)
    parser.add_argument("--nlp-config", type=Path, default=None, help="another pipeline config")
    args = parser.parse_args()
    warm = read_seed("warm up.", source="dev")
    extract_all(warm, "warm up.", [], [], [], nlp_config=args.nlp_config)  # load models once
    for corpus in ("bc5cdr", "ncbi-disease", "maccrobat"):
        if args.only and corpus != args.only:
            continue
        documents = dev_documents(args.corpora, corpus)[: args.limit]
        scores, seconds = evaluate(corpus, documents, args.nlp_config)
        report(corpus, len(documents), scores, seconds)


if __name__ == "__main__":
    main()
