"""Case models that have not seen part of the TRAIN side, for honest train-side error analysis.

    .venv/bin/python benchmarks/cases_folds.py train --fold 0 [--folds 3] [--out /tmp/folds]
    .venv/bin/python benchmarks/cases_folds.py config --fold 0 [--out /tmp/folds]

The shipped case model fits the 120 MACCROBAT train reports (exact F1 ~0.87 on them, ~0.60 on
dev), so its errors there say little about its errors on unseen reports, and a rule tuned on
them would be tuned on the wrong errors. This trains ``cases`` as ``kb train cases`` does (same
config, seed 0) on the train side minus one fold, the fold itself as its dev set; ``config``
writes a pipeline config that sources that fold model, for ``extraction_dev.py`` /
``extraction_layers.py --nlp-config``. Folds: the train-side ids in sorted order, every
``folds``-th. Models and configs go outside the repository; nothing of the dev side is read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ingest.nlp.train import run, split
from ingest.nlp.train.corpus import AnnotatedText

REPO = Path(__file__).resolve().parents[1]


def fold_of(pmid: str, train_ids: list[str], folds: int) -> int:
    """The fold of a train-side report: its place among the sorted train ids, modulo ``folds``."""
    return sorted(train_ids).index(pmid) % folds


def train_ids(texts: list[AnnotatedText]) -> list[str]:
    ids = [t.id for t in texts]
    return [i for i in ids if split.side(i, "maccrobat", ids) == "train"]


def train_fold(
    fold: int, folds: int, out: Path, config: Path | None = None, max_steps: int | None = None
) -> None:
    original = run.split_texts

    def fold_split(
        texts: list[AnnotatedText], limit: int | None
    ) -> tuple[list[AnnotatedText], list[AnnotatedText]]:
        train, _dev = original(texts, limit)  # the project's dev side is dropped
        ids = [t.id for t in train]
        rest = [t for t in train if fold_of(t.id, ids, folds) != fold]
        held = [t for t in train if fold_of(t.id, ids, folds) == fold]
        return rest, held

    run.split_texts = fold_split  # type: ignore[assignment]
    try:
        run.train_model("cases", output=out / f"fold{fold}", config=config, max_steps=max_steps)
    finally:
        run.split_texts = original  # type: ignore[assignment]


def write_config(fold: int, out: Path) -> Path:
    text = (REPO / "data" / "nlp" / "config.cfg").read_text(encoding="utf-8")
    text = text.replace('source = "${paths.models}/cases"', f'source = "{out / f"fold{fold}"}"')
    path = out / f"fold{fold}.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["train", "config"])
    parser.add_argument("--fold", type=int, required=True)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/casebook-folds"))
    parser.add_argument("--config", type=Path, default=None, help="another training config")
    parser.add_argument("--max-steps", type=int, default=None)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.action == "train":
        train_fold(args.fold, args.folds, args.out, args.config, args.max_steps)
    print(write_config(args.fold, args.out))


if __name__ == "__main__":
    main()
