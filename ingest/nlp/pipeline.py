"""Build the extraction pipeline from its spaCy config (``data/nlp/config.cfg`` by default)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language

# the factories register themselves when their modules are imported
from ingest.nlp import abbreviations, context, entities, segment  # noqa: F401


def load_config(path: Path | None = None) -> spacy.Config:
    if path is None:
        text = (resources.files("casebook_data") / "nlp" / "config.cfg").read_text("utf-8")
        return spacy.Config().from_str(text)
    return spacy.Config().from_disk(path)


def build_nlp(config_path: Path | None = None) -> Language:
    """A pipeline from the config: no model download needed; sourced models are optional."""
    return spacy.util.load_model_from_config(load_config(config_path), auto_fill=True)


@functools.lru_cache(maxsize=2)
def shared_nlp(config_path: Path | None = None) -> Language:
    """One pipeline per process and config: building it compiles ~thousands of patterns."""
    return build_nlp(config_path)
