"""``kb train``: corpora → the project's split → DocBins → spaCy training → a pipeline on disk.

One table (``MODELS``) says, per model, which corpora it reads, which config it trains with and
which labels it learns, so a model is rebuilt from the repository and the shared corpora alone,
with a fixed seed, and its ``meta.json`` says how it was made and what it scored on dev.
Corpora that annotate different things are combined with *missing* labels: in an NCBI disease
abstract a chemical name is unknown, not "no entity". Which tokens are chemical names is decided by
a chemical lexicon and, for "abstracts", by a BC5CDR-only model trained first ("abstracts-bc5cdr",
stage 1): the lexicon alone misses the chemicals it does not list, so the model was taught that
those are no entity (at 1,400 steps BC5CDR-dev Chemical F1 fell from 0.858 to 0.795 with NCBI added
and the lexicon alone; with the stage-1 model too, 0.873 vs 0.865 at 3,400 steps).
Training data is written to a work directory outside the repository (corpus text never enters it).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import DocBin
from spacy.training import Example
from thinc.api import Config

import ingest.nlp.segment  # registers casebook.clinical_tokenizer.v1
from ingest.nlp.train import split
from ingest.nlp.train.corpus import AnnotatedText
from ingest.nlp.train.docbin import ConversionReport, to_docbin
from ingest.nlp.train.missing import lexicon, unknown_from_lexicon
from ingest.nlp.train.specs import CORPORA, MODELS, ModelSpec, read_pubtator

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[3]
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
DEFAULT_VOCAB = REPO.parent / "shared" / "vocab"


@dataclass
class TrainReport:
    name: str
    output: str
    seed: int
    config: str
    command: str
    train_documents: dict[str, int] = field(default_factory=dict)
    dev_documents: dict[str, int] = field(default_factory=dict)
    conversion: dict[str, dict[str, int]] = field(default_factory=dict)
    dev: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # corpus → label →
    lexicon_terms: int = 0  # terms matched to leave unannotated labels missing (0: none needed)
    first_stage: dict | None = None  # the ``missing_from`` model's own report (its dev figures)
    seconds: float = 0.0


# --- data ---------------------------------------------------------------------------------------


def unique(texts: Iterable[AnnotatedText]) -> list[AnnotatedText]:
    """First of each (corpus, id): NCBI disease lists one abstract twice."""
    seen: dict[tuple[str, str], AnnotatedText] = {}
    for t in texts:
        seen.setdefault((t.corpus, t.id), t)
    return list(seen.values())


def split_texts(
    texts: list[AnnotatedText], limit: int | None
) -> tuple[list[AnnotatedText], list[AnnotatedText]]:
    """The project's split (``split.side``), optionally cut to the first ``limit`` of each side."""
    ids: dict[str, list[str]] = {}
    for t in texts:
        ids.setdefault(t.corpus, []).append(t.id)
    train: list[AnnotatedText] = []
    dev: list[AnnotatedText] = []
    for t in texts:
        (dev if split.side(t.id, t.corpus, ids[t.corpus]) == "dev" else train).append(t)
    if limit is not None:
        train, dev = train[:limit], dev[:limit]
    return train, dev


def by_corpus(texts: Iterable[AnnotatedText]) -> dict[str, list[AnnotatedText]]:
    out: dict[str, list[AnnotatedText]] = {}
    for t in texts:
        out.setdefault(t.corpus, []).append(t)
    return out


def blank_nlp() -> Language:
    """The product's tokenizer, as the trained pipeline's config will rebuild it."""
    nlp = spacy.blank("en")
    return ingest.nlp.segment.clinical_tokenizer()(nlp)


# --- evaluation ---------------------------------------------------------------------------------


def per_label(scores: dict, labels: Iterable[str]) -> dict[str, dict[str, float]]:
    types = scores.get("ents_per_type") or {}
    out = {"ALL": {k: scores.get(f"ents_{k}") or 0.0 for k in ("p", "r", "f")}}
    for label in labels:
        out[label] = {k: types.get(label, {}).get(k, 0.0) for k in ("p", "r", "f")}
    return {lab: {k: round(v, 4) for k, v in prf.items()} for lab, prf in out.items()}


def evaluate(
    nlp: Language, docbin: DocBin, labels: Iterable[str], annotated: Iterable[str] | None = None
) -> dict[str, dict]:
    """Exact-span P/R/F per label; predictions over missing gold tokens count neither way.
    Only labels the corpus ``annotated`` are scored, and "ALL" only when it annotates them all."""
    labels = list(labels)
    annotated = set(labels if annotated is None else annotated)
    gold = list(docbin.get_docs(nlp.vocab))
    examples = [Example(nlp.make_doc(d.text), d) for d in gold]
    scores = per_label(nlp.evaluate(examples), [lab for lab in labels if lab in annotated])
    if not annotated.issuperset(labels):
        del scores["ALL"]
    return scores


# --- training -----------------------------------------------------------------------------------


def write_docbins(
    spec: ModelSpec,
    train: list[AnnotatedText],
    dev: list[AnnotatedText],
    labels: tuple[str, ...],
    work: Path,
    vocab: Path,
    scored: Sequence[AnnotatedText] = (),
    first: Language | None = None,
) -> tuple[dict[str, dict[str, int]], dict[str, Path]]:
    """train.spacy, dev.spacy and one dev-<corpus>.spacy per corpus in ``work``; ``scored``
    (dev sides of corpora not trained on) only gets its dev-<corpus>.spacy. ``first`` (the
    stage-1 model) marks its ``lexicon_label`` predictions missing too."""
    nlp = blank_nlp()
    unknown = None
    terms: frozenset[str] = frozenset()
    if spec.lexicon_label and any(spec.lexicon_label not in t.labels for t in train + dev):
        terms = lexicon(vocab, train, spec.lexicon_label)
        log.info("lexicon of %d %s terms for missing labels", len(terms), spec.lexicon_label)
        unknown = unknown_from_lexicon(terms, spec.lexicon_label, first)
    reports: dict[str, dict[str, int]] = {"lexicon": {"terms": len(terms) if unknown else 0}}
    paths: dict[str, Path] = {}
    parts = {"train": train, "dev": dev}
    parts |= {f"dev-{c}": ts for c, ts in by_corpus([*dev, *scored]).items()}
    for part, texts in parts.items():
        report = ConversionReport()
        to_docbin(nlp, texts, labels, unknown=unknown, report=report).to_disk(
            work / f"{part}.spacy"
        )
        reports[part] = asdict(report)
        paths[part] = work / f"{part}.spacy"
    return reports, paths


def run_spacy_train(config: Path, work: Path, overrides: dict[str, object]) -> Path:
    """spaCy's own training loop (``spacy train``); returns the best pipeline's directory."""
    from spacy.cli.train import train as spacy_train

    spacy_train(config, work / "out", use_gpu=-1, overrides=overrides)
    return work / "out" / "model-best"


def finish(best: Path, output: Path, meta_extra: dict, report: TrainReport) -> None:
    """Copy the best pipeline to ``output`` with our meta and no training paths in its config."""
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(best, output)
    cfg = Config().from_disk(output / "config.cfg", interpolate=False)
    for key in ("train", "dev"):
        cfg["paths"][key] = None
    cfg.to_disk(output / "config.cfg", interpolate=False)
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    meta.update(meta_extra)
    meta["casebook"] = asdict(report)
    (output / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    prune_strings(output / "vocab" / "strings.json", set(meta["labels"].get("ner", ())))


def prune_strings(path: Path, labels: set[str]) -> None:
    """Keep only spaCy's own English strings and the labels: the rest are the training corpus's
    words, which the model never reads (its features are hashes) and the repository must not
    ship; predictions are unchanged."""
    blank = set(spacy.blank("en").vocab.strings)
    strings = json.loads(path.read_text(encoding="utf-8"))
    kept = [s for s in strings if s in blank or s in labels]
    path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")


def train_model(
    name: str,
    corpora: Path = DEFAULT_CORPORA,
    output: Path | None = None,
    *,
    limit: int | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    max_epochs: int | None = None,
    eval_frequency: int | None = None,
    config: Path | None = None,
    vocab: Path = DEFAULT_VOCAB,
    work: Path | None = None,
    overrides: dict[str, object] | None = None,
) -> TrainReport:
    """Train model ``name`` (a key of ``MODELS``) and write it to ``output``."""
    spec = MODELS[name]
    output = output or REPO / "data" / "models" / name
    config = config or REPO / "data" / "nlp" / spec.config
    started = time.perf_counter()
    texts = unique(spec.read(corpora))
    labels = spec.labels or tuple(sorted({lab for t in texts for lab in t.labels}))
    train, dev = split_texts(texts, limit)
    if spec.train_docs is not None:
        train = spec.train_docs(train)
    scored = split_texts(unique(read_pubtator(corpora, spec.dev_only)), limit)[1]
    report = TrainReport(
        name=name,
        output=str(output.relative_to(REPO) if output.is_relative_to(REPO) else output),
        seed=seed,
        config=str(config.relative_to(REPO) if config.is_relative_to(REPO) else config),
        command=reproduce(name, seed=seed, limit=limit, max_steps=max_steps, max_epochs=max_epochs),
        train_documents={c: len(ts) for c, ts in by_corpus(train).items()},
        dev_documents={c: len(ts) for c, ts in by_corpus([*dev, *scored]).items()},
    )
    settings: dict[str, object] = {"system.seed": seed}
    if max_steps is not None:
        settings["training.max_steps"] = max_steps
    if max_epochs is not None:
        settings["training.max_epochs"] = max_epochs
    if eval_frequency is not None:
        settings["training.eval_frequency"] = eval_frequency
    settings |= overrides or {}
    with tempfile.TemporaryDirectory(prefix=f"casebook-train-{name}-") as tmp:
        directory = work or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        first = None
        if spec.missing_from:  # stage 1, same seed, steps and limit, in the work directory
            stage = directory / spec.missing_from
            report.first_stage = asdict(
                train_model(
                    spec.missing_from,
                    corpora,
                    stage / "model",
                    limit=limit,
                    seed=seed,
                    max_steps=max_steps,
                    max_epochs=max_epochs,
                    eval_frequency=eval_frequency,
                    config=config,
                    vocab=vocab,
                    work=stage / "work",
                    overrides=overrides,
                )
            )
            first = spacy.load(stage / "model")
        report.conversion, paths = write_docbins(
            spec, train, dev, labels, directory, vocab, scored, first
        )
        report.lexicon_terms = report.conversion.pop("lexicon")["terms"]
        settings |= {"paths.train": str(paths["train"]), "paths.dev": str(paths["dev"])}
        best = run_spacy_train(config, directory, settings)
        nlp = spacy.load(best)
        annotated = {t.corpus: t.labels for t in [*dev, *scored]}
        for part, path in paths.items():
            if part.startswith("dev-"):
                corpus = part.removeprefix("dev-")
                report.dev[corpus] = evaluate(
                    nlp, DocBin().from_disk(path), labels, annotated[corpus]
                )
        report.seconds = round(time.perf_counter() - started, 1)
        finish(best, output, meta_for(spec, settings, report.lexicon_terms), report)
    log.info("%s: dev %s", name, json.dumps(report.dev))
    return report


def reproduce(name: str, **options: object) -> str:
    """The command that rebuilds the model (options left at their defaults are not named)."""
    flags = [f"--{k.replace('_', '-')} {v}" for k, v in options.items() if v not in (None, 0)]
    return " ".join(["kb", "train", name, *flags])


def meta_for(spec: ModelSpec, settings: dict[str, object], lexicon_terms: int = 0) -> dict:
    """The parts of meta.json that say how the model was made and from what."""
    corpora = [CORPORA[c] for c in (*spec.corpora, *spec.dev_only)]
    return {
        "name": f"casebook_{spec.name.replace('+', '_')}",
        "description": f"Casebook's learned recogniser for {spec.name}, trained from scratch "
        "with spaCy's CNN NER (no pretrained vectors)",
        "license": "MIT (model); see sources for the training corpora",
        "sources": [
            {"name": c.name, "license": c.licence, "citation": c.citation, "used": c.source}
            for c in corpora
        ],
        "casebook_training": {
            "split": f"ingest.nlp.train.split (salt {split.SALT!r}, dev share "
            f"{split.DEV_SHARE}; MACCROBAT dev {split.MACCROBAT_DEV} lowest-hash reports)",
            "trained_on": list(spec.corpora),
            "scored_only": list(spec.dev_only),
            "overrides": {k: v for k, v in settings.items() if not k.startswith("paths.")},
            "missing_labels": (
                f"{spec.lexicon_label} unknown in corpora that do not annotate it: "
                + (
                    f"spans the stage-1 model {spec.missing_from!r} (trained first, same seed "
                    f"and split) predicts as {spec.lexicon_label}, and "
                    if spec.missing_from
                    else ""
                )
                + f"{lexicon_terms} terms from MeSH 2024 tree D entry terms, DrugBank open names "
                "and the training side's gold mentions"
                if lexicon_terms
                else None
            ),
        },
    }
