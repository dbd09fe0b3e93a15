"""A further component can be added by config: sourced from a pipeline on disk, beside the two
recognisers the project ships (which are sourced the same way, from ``data/models``).

The stand-in 'model' is a tiny pipeline saved in tmp_path whose 'ner' recognises one SYNTHETIC
term; a real user would source e.g. a scispaCy package the same way.
"""

from __future__ import annotations

import spacy

from ingest.nlp.pipeline import build_nlp, load_config


def test_a_sourced_ner_runs_before_the_vocabulary_and_both_are_kept(tmp_path):
    model = spacy.blank("en")
    ruler = model.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns([{"label": "CONDITION", "pattern": "frobnitz syndrome", "id": "frobnitz"}])
    model.to_disk(tmp_path / "model")

    config = load_config()
    pipeline = config["nlp"]["pipeline"]
    at = pipeline.index("casebook_entities")
    config["nlp"]["pipeline"] = [*pipeline[:at], "ner", *pipeline[at:]]
    config["components"]["ner"] = {"source": str(tmp_path / "model")}
    config.to_disk(tmp_path / "config.cfg")

    nlp = build_nlp(tmp_path / "config.cfg")
    assert nlp.pipe_names[at : at + 2] == ["ner", "casebook_entities"]
    assert {"ner_abstracts", "ner_cases"} <= set(nlp.pipe_names)
    doc = nlp("A synthetic boy had frobnitz syndrome and no calcinosis cutis.")
    found = {(e.text, e.label_, e.ent_id_, e._.assertion) for e in doc.ents}
    assert ("frobnitz syndrome", "CONDITION", "frobnitz", "present") in found  # the model's
    assert ("calcinosis cutis", "CONDITION", "calcinosis_cutis", "negated") in found  # ours
