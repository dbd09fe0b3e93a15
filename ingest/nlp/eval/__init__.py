"""Score extractions against expected facts: precision, recall, misses and spurious items per type.

Two sources of expected facts, one scorer:

- a **gold file** for the seed (``data/gold/seed_000.json``, written by hand; format in
  ``data/gold/README.md``) — ``evaluate(extractions, gold, vocab)``, or ``evaluate_seed(path)``,
  which runs the extraction itself;
- the **synthetic** corpus (``ingest.nlp.synthetic``), true by construction —
  ``evaluate_synthetic(extractions, truths, vocab)``.

Both become lists of ``Fact``s and go through ``score``. Rules (the same for both):

- A predicted fact is **correct** when it matches an expected fact (key or optional): same
  subject, kind and assertion; its concept is one of the expected concept ids or has one among
  its ``broader`` ancestors (a predicted ``disappearance`` counts for ``complete_resolution``);
  and its value agrees, when both give one (durations by their days; a site's laterality may be
  a part of the expected one: "left" for "left medial"). Otherwise it is **spurious**.
- An expected key fact is **found** when a predicted fact matches it *and* gives its value, if
  it has one (an outcome found without its time is a miss). Optional facts are true statements
  the gold does not require: predicting one is correct, missing one is not a miss.
- Predicted facts are de-duplicated first (one per subject, kind, concept, assertion, value), so
  a fact the text repeats counts once.

The type of a fact: ``age``, ``sex``, ``site`` (case attributes), ``condition``, ``etiology``,
``treatment``, ``outcome`` (present facts about a case), ``negated`` (negated facts about a
case), ``hypothetical`` (synthetic only) and ``reference`` (what the seed says about a cited
reference). What is in scope for precision is spelled out in ``seed_facts`` and
``synthetic_facts``.

Modules by job: ``facts`` (facts and the scorer), ``gold`` (the gold file), ``seed`` and
``synthetic`` (where expected facts come from), ``report`` (the text report).
"""
