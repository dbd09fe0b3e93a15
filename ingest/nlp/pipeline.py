"""Build the extraction pipeline from its spaCy config (``data/nlp/config.cfg`` by default)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language
from thinc.api import NumpyOps, set_current_ops

# the factories register themselves when their modules are imported
from ingest.nlp import (  # noqa: F401
    abbreviations,
    context_component,
    entities,
    linker,
    merge,
    segment,
)


def models_directory() -> Path:
    """The trained models shipped in the package (``casebook_data/models``)."""
    return Path(str(resources.files("casebook_data") / "models"))


def load_config(path: Path | None = None) -> spacy.Config:
    if path is None:
        text = (resources.files("casebook_data") / "nlp" / "config.cfg").read_text("utf-8")
        config = spacy.Config().from_str(text, interpolate=False)
    else:
        config = spacy.Config().from_disk(path, interpolate=False)
    if config.get("paths", {}).get("models") is None:
        config.setdefault("paths", {})["models"] = str(models_directory())
    return config.interpolate()


def build_nlp(config_path: Path | None = None) -> Language:
    """A pipeline from the config: the shipped models are sourced from the package; nothing is
    downloaded. The models multiply through numpy's BLAS rather than thinc's bundled blis,
    which spends twice as long in the CNN's matrix products on these CPUs."""
    set_current_ops(NumpyOps(use_blis=False))
    return spacy.util.load_model_from_config(load_config(config_path), auto_fill=True)


@functools.lru_cache(maxsize=2)
def shared_nlp(config_path: Path | None = None) -> Language:
    """One pipeline per process and config: building it compiles ~thousands of patterns."""
    return build_nlp(config_path)
